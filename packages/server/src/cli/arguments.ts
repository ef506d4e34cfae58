/**
 * The command-line pieces every bin shares: `--key=value` settings after the command's own
 * options (strict: a stray word or unknown short flag is an error), and the log flags.
 */
import type { Command } from 'commander';
import type { LogOptions } from '../common/logger.ts';

/** A mistake on the command line: the bin prints it with a pointer to --help and exits 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The `--key=value` / `--key value` arguments commander left over (allowUnknownOption). Anything
 * else (a word, `-x`) is refused rather than dropped.
 */
export function settingArguments(args: readonly string[], command: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--([A-Za-z][\w.-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      throw new UsageError(
        arg.startsWith('-') ? `unknown option ${arg}; see ${command} --help` : `unexpected argument "${arg}"; settings are given as --key=value (see ${command} --help)`,
      );
    }
    if (match[2] !== undefined) out[match[1]!] = match[2];
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) out[match[1]!] = args[++i]!;
    else out[match[1]!] = 'true';
  }
  return out;
}

/** Adds --logFormat, --logFile and --logLevel to a command (ROCKETMQ_LOG_* are the same from the environment). */
export function withLogOptions(program: Command): Command {
  return program
    .option('--logFormat <format>', 'pretty or json (default: pretty on a terminal, json otherwise; env ROCKETMQ_LOG_FORMAT)')
    .option('--logFile <path>', 'also write JSON logs to this file, rotated daily and at 100 MB, 7 kept (env ROCKETMQ_LOG_FILE)')
    .option('--logLevel <level>', 'trace, debug, info, warn, error or silent (env ROCKETMQ_LOG_LEVEL)');
}

export function logOptionsFrom(options: { logFormat?: string; logFile?: string; logLevel?: string }, defaultLevel: string): LogOptions {
  const format = options.logFormat ?? process.env.ROCKETMQ_LOG_FORMAT;
  if (format !== undefined && format !== 'json' && format !== 'pretty') throw new UsageError(`--logFormat=${format} must be json or pretty`);
  const level = options.logLevel ?? process.env.ROCKETMQ_LOG_LEVEL ?? defaultLevel;
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) throw new UsageError(`--logLevel=${level} must be trace, debug, info, warn, error, fatal or silent`);
  const file = options.logFile ?? process.env.ROCKETMQ_LOG_FILE;
  return { level, ...(format ? { format } : {}), ...(file ? { file } : {}) };
}

/** The long names of a command's own options, for "did you mean". */
export function optionNames(program: Command): string[] {
  return program.options.map((option) => option.long?.replace(/^--/, '')).filter((name): name is string => name !== undefined);
}
