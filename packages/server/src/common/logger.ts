/**
 * One pino logger per process, quiet by default. On a terminal the lines are pretty
 * (pino-pretty, in-process, so ordering with our own stdout lines holds); piped or with
 * --logFormat=json they are JSON lines only. --logFile adds a rotated JSON file (pino-roll).
 * Secrets (ACL secret keys, passwords) are redacted before any stream sees them.
 */
import { pino, type DestinationStream, type Logger as PinoLogger, type StreamEntry } from 'pino';
import pinoPretty from 'pino-pretty';
import pinoRoll from 'pino-roll';

export type ServerLogger = PinoLogger;

export interface LogOptions {
  level: string;
  /** Default: pretty when stdout is a terminal, json otherwise. */
  format?: 'json' | 'pretty';
  /** Also write JSON to this file, rotated daily and at 100 MB, 7 files kept. */
  file?: string;
  /** Where the console output goes (tests); default stdout. */
  destination?: DestinationStream;
}

/**
 * Field names whose values never reach a log: ACL secrets (plain_acl.yml accounts, the
 * console's users), key passwords, and the same inside one or two levels of nesting
 * (`{ account: { secretKey } }`, `{ settings: { "tls.server.keyPassword": … } }`).
 */
export const SECRET_FIELDS = ['secretKey', 'SecretKey', 'password', 'keyPassword', 'tls.server.keyPassword', 'tls.client.keyPassword'];

export function redactPaths(fields: readonly string[] = SECRET_FIELDS): string[] {
  return fields.flatMap((field) => {
    const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
    const nested = key.startsWith('[') ? key : `.${key}`;
    return [key, `*${nested}`, `*.*${nested}`, `accounts[*]${nested}`, `*.accounts[*]${nested}`];
  });
}

function baseOptions(name: string, level: string): pino.LoggerOptions {
  return { name, level, base: { pid: process.pid }, redact: { paths: redactPaths(), censor: '***' } };
}

/** A console-only logger (no file), usable synchronously. */
export function createLogger(name: string, options: string | LogOptions = process.env.ROCKETMQ_LOG_LEVEL ?? 'info'): ServerLogger {
  const opts = typeof options === 'string' ? { level: options } : options;
  return pino(baseOptions(name, opts.level), consoleStream(opts));
}

/** The process logger of a bin: console plus, with `file`, a rotated log file. */
export async function createProcessLogger(name: string, options: LogOptions): Promise<ServerLogger> {
  if (!options.file) return createLogger(name, options);
  const file = await pinoRoll({ file: options.file, frequency: 'daily', size: '100m', mkdir: true, limit: { count: 7 } });
  const streams: StreamEntry[] = [
    { level: 'trace', stream: consoleStream(options) },
    { level: 'trace', stream: file },
  ];
  return pino(baseOptions(name, options.level), pino.multistream(streams));
}

function consoleStream(options: LogOptions): DestinationStream {
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (format === 'json') return options.destination ?? pino.destination({ dest: 1, sync: true });
  return pinoPretty({ colorize: process.stdout.isTTY && !options.destination, sync: true, ...(options.destination ? { destination: options.destination } : {}) });
}

export function silentServerLogger(): ServerLogger {
  return pino({ level: 'silent' });
}

/**
 * A line every process prints once it serves (cluster.ts and scripts wait for it): plain text
 * in pretty mode, a JSON log record in json mode, so JSON output stays JSON only.
 */
export function announce(logger: ServerLogger, json: boolean, line: string, fields: Record<string, unknown> = {}): void {
  if (json) logger.child({}, { level: 'info' }).info(fields, line.trimEnd());
  else process.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
}

export function isJsonFormat(options: LogOptions): boolean {
  return (options.format ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'json';
}
