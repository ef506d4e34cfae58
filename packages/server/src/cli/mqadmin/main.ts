/**
 * mqadmin — Apache RocketMQ's admin tool: the same command names, options and printed layouts,
 * against rocketmq-ts or Apache RocketMQ clusters, on the Admin client. `--json` prints the
 * result for scripts; `mqadmin help <command>` and `mqadmin <command> -h` print usage as
 * Apache's. Exit code 0 on success, 1 on a usage error or a failed command (Apache's tool
 * exits 0 after printing a stack trace; scripts need to know).
 */
import { Command, CommanderError } from 'commander';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AclCredentials, Admin, type ClientOptions, RocketMQError } from '@rocketmq-ts/client';
import { parse as parseYaml } from 'yaml';
import { type CommandContext, CommandFailed, type CommandSpec, ParsedOptions, UsageError } from './command.ts';
import { allCommands } from './commands/index.ts';
import { commandListText, usageText } from './help.ts';

export interface MqadminIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Where relative output files go (consumerStatus's <now>/<clientId>). @defaultValue process.cwd() */
  cwd?: string;
}

const processIo: MqadminIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

export function findCommand(name: string): CommandSpec | undefined {
  const wanted = name.toLowerCase();
  return allCommands.find((spec) => spec.name.toLowerCase() === wanted || (spec.aliases ?? []).some((alias) => alias.toLowerCase() === wanted));
}

/** Parses one command's arguments with commander; throws UsageError for unknown options or missing values. */
export function parseArguments(spec: CommandSpec, args: readonly string[]): { options: ParsedOptions; json: boolean; help: boolean } {
  const program = new Command(`mqadmin ${spec.name}`).helpOption(false).exitOverride().allowExcessArguments(false);
  program.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  program.option('-h, --help').option('-n, --namesrvAddr <arg>').option('--json');
  for (const o of spec.options) program.option(`-${o.short}, --${o.long}${o.arg ? ' <arg>' : ''}`);
  try {
    program.parse([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new UsageError(error.message.replace(/^error: /, ''));
    throw error;
  }
  const raw = program.opts<Record<string, string | boolean | undefined>>();
  const values = new Map<string, string | true>();
  for (const o of [{ short: 'n', long: 'namesrvAddr' }, ...spec.options]) {
    const value = raw[o.long];
    if (value !== undefined && value !== false) values.set(o.short, value);
  }
  const options = new ParsedOptions(values);
  const help = raw.help === true;
  if (!help) {
    const missing = spec.options.filter((o) => o.required && !options.has(o.short));
    if (missing.length > 0) throw new UsageError(`Missing required option${missing.length > 1 ? 's' : ''}: ${missing.map((o) => o.short).join(', ')}`);
    if (spec.oneOf) {
      const given = spec.oneOf.filter((s) => options.has(s));
      if (given.length !== 1) throw new UsageError(`give exactly one of ${spec.oneOf.map((s) => `-${s}`).join(', ')}`);
    }
    if (spec.anyOf && !spec.anyOf.some((s) => options.has(s))) throw new UsageError(`give ${spec.anyOf.map((s) => `-${s}`).join(' or ')}`);
  }
  return { options, json: raw.json === true, help };
}

/**
 * The account requests are signed with, as Apache's tool reads it (AclUtils.getAclRPCHook):
 * accessKey and secretKey in $ROCKETMQ_HOME/conf/tools.yml; none (unsigned) when the file is
 * missing or either key is blank.
 */
export async function toolsCredentials(env: MqadminIo['env']): Promise<AclCredentials | undefined> {
  const home = env.ROCKETMQ_HOME;
  if (!home) return undefined;
  const path = join(home, 'conf', 'tools.yml');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new CommandFailed(`${path} is not valid YAML: ${(error as Error).message}`);
  }
  const record = (data ?? {}) as Record<string, unknown>;
  // As fastjson's getString: a number (secretKey: 12345678) is its text.
  const field = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '');
  const accessKey = field(record.accessKey);
  const secretKey = field(record.secretKey);
  return accessKey && secretKey ? { accessKey, secretKey } : undefined;
}

function namesrvAddrsOf(options: ParsedOptions, env: MqadminIo['env']): string[] {
  const text = options.get('n') ?? env.NAMESRV_ADDR;
  if (!text) throw new UsageError('no name server: give -n <host:port[;host:port]> or set NAMESRV_ADDR');
  return text.split(';').map((a) => a.trim()).filter(Boolean);
}

/** Runs mqadmin with `args` (argv without node and the script); resolves to the exit code. */
export async function runMqadmin(args: readonly string[], io: MqadminIo = processIo): Promise<number> {
  if (args.length === 0) {
    io.stdout(commandListText(allCommands));
    return 0;
  }
  if (args[0] === 'help' && args.length === 2) {
    const spec = findCommand(args[1]!);
    if (!spec) {
      io.stderr(`The sub command ${args[1]} not exist.\n`);
      return 1;
    }
    io.stdout(usageText(spec));
    return 0;
  }
  const spec = findCommand(args[0]!);
  if (!spec) {
    io.stderr(`The sub command ${args[0]} not exist.\nSee 'mqadmin' for the list of commands.\n`);
    return 1;
  }
  let admin: Admin | undefined;
  try {
    const { options, json, help } = parseArguments(spec, args.slice(1));
    if (help) {
      io.stdout(usageText(spec));
      return 0;
    }
    const clientOptions = async (): Promise<ClientOptions> => {
      const credentials = await toolsCredentials(io.env);
      return { namesrvAddr: namesrvAddrsOf(options, io.env).join(';'), ...(credentials ? { credentials } : {}) };
    };
    const ctx: CommandContext = {
      options,
      namesrvAddrs: () => namesrvAddrsOf(options, io.env),
      clientOptions,
      cwd: io.cwd ?? process.cwd(),
      admin: async () => {
        if (!admin) {
          admin = new Admin({ ...(await clientOptions()), instanceName: `mqadmin-${process.pid}-${Date.now()}` });
          await admin.start();
        }
        return admin;
      },
    };
    const output = await spec.run(ctx);
    io.stdout(json ? `${JSON.stringify(output.json, null, 2)}\n` : output.text);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`mqadmin ${spec.name}: ${error.message}\n${usageText(spec)}`);
      return 1;
    }
    io.stderr(`mqadmin ${spec.name}: ${failureText(error)}\n`);
    return 1;
  } finally {
    await admin?.shutdown();
  }
}

function failureText(error: unknown): string {
  if (error instanceof CommandFailed || error instanceof RocketMQError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runMqadmin(argv.slice(2));
}
