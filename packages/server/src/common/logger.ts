/** One pino logger per process, quiet by default; ROCKETMQ_LOG_LEVEL or the config raises it. */
import { pino, type Logger as PinoLogger } from 'pino';

export type ServerLogger = PinoLogger;

export function createLogger(name: string, level = process.env.ROCKETMQ_LOG_LEVEL ?? 'info'): ServerLogger {
  return pino({ name, level, base: { pid: process.pid } });
}

export function silentServerLogger(): ServerLogger {
  return pino({ level: 'silent' });
}
