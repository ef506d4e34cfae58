// pino-roll ships no types; the part we use (pino-roll.js `build`).
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';
  interface PinoRollOptions {
    file: string;
    size?: string | number;
    frequency?: 'daily' | 'hourly' | number;
    mkdir?: boolean;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    symlink?: boolean;
  }
  export default function build(options: PinoRollOptions): Promise<DestinationStream & { end(): void; flushSync?(): void }>;
}
