/**
 * What one mqadmin sub-command is: Apache's name, description and options (the same short and
 * long names, as its SubCommand.buildCommandlineOptions declares them), and a run that returns
 * the text Apache prints plus the same facts as JSON (--json).
 */
import type { Admin, ClientOptions } from '@rocketmq-ts/client';

export interface OptionSpec {
  /** One letter, as Apache's `-t`. */
  short: string;
  /** As Apache's `--topic`. */
  long: string;
  /** Takes a value (`-t <arg>`); false for a flag. */
  arg: boolean;
  required?: boolean;
  description: string;
}

export interface CommandOutput {
  text: string;
  json: unknown;
}

/** The parsed options by short name; values trimmed as Apache's `getOptionValue(..).trim()`. */
export class ParsedOptions {
  constructor(private readonly values: ReadonlyMap<string, string | true>) {}

  has(short: string): boolean {
    return this.values.has(short);
  }

  get(short: string): string | undefined {
    const value = this.values.get(short);
    return typeof value === 'string' ? value.trim() : undefined;
  }

  /** A required option's value (commander has checked it is there). */
  need(short: string): string {
    const value = this.get(short);
    if (value === undefined) throw new UsageError(`option -${short} is required`);
    return value;
  }

  int(short: string, fallback: number): number {
    const value = this.get(short);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value)) throw new UsageError(`option -${short} must be an integer, got "${value}"`);
    return Number(value);
  }

  /** Java's Boolean.parseBoolean: "true" in any case is true, anything else false. */
  bool(short: string, fallback: boolean): boolean {
    const value = this.get(short);
    return value === undefined ? fallback : value.toLowerCase() === 'true';
  }
}

export interface CommandContext {
  options: ParsedOptions;
  /** The started Admin client on -n (or NAMESRV_ADDR). */
  admin(): Promise<Admin>;
  namesrvAddrs(): string[];
  /** namesrvAddr and, with $ROCKETMQ_HOME/conf/tools.yml, the ACL credentials: for the producers some commands start. */
  clientOptions(): Promise<ClientOptions>;
  /** Where relative output files go. */
  cwd: string;
}

export interface CommandSpec {
  name: string;
  /** Other names it answers to (Apache 4.8's, where 4.9 renamed the command). */
  aliases?: string[];
  description: string;
  options: OptionSpec[];
  /** Apache's required OptionGroup: exactly one of these short options (as updateTopic's -b | -c). */
  oneOf?: string[];
  /** Apache prints usage when none of these is given (as most -b/-c commands do). */
  anyOf?: string[];
  run(ctx: CommandContext): Promise<CommandOutput>;
}

/** Wrong or missing arguments: the command's usage is printed, exit code 1. */
export class UsageError extends Error {}

/** The command ran but failed (as Apache's "<Command> command failed"): exit code 1. */
export class CommandFailed extends Error {}

export function option(short: string, long: string, description: string, extra: { arg?: boolean; required?: boolean } = {}): OptionSpec {
  return { short, long, arg: extra.arg ?? true, required: extra.required ?? false, description };
}

export function text(lines: string, json: unknown): CommandOutput {
  return { text: lines, json };
}
