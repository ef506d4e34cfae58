/**
 * The durable side of POP state: `<storePathRootDir>/pop/pop.log`, one text record per change
 * (pop-state.ts). Every change is written with a synchronous write before the client is
 * answered, so it is in the kernel's page cache when the answer leaves: a kill -9 of the broker
 * loses nothing acknowledged (a machine crash may lose what the OS had not flushed, as with
 * ASYNC_FLUSH). At open the log is replayed and rewritten as a snapshot; it is compacted the
 * same way whenever it grows past `compactBytes`.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRecord, encodeRecord, type PopRecord, PopState } from './pop-state.ts';

export class PopLog {
  private fd: number;
  private size = 0;

  private constructor(
    private readonly path: string,
    readonly state: PopState,
    private readonly compactBytes: number,
  ) {
    this.fd = -1;
  }

  /** Replays `dir/pop.log` (a torn last line is dropped) and compacts it. */
  static open(dir: string, compactBytes = 16 * 1024 * 1024): PopLog {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'pop.log');
    const state = new PopState();
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        const record = line ? decodeRecord(line) : undefined;
        if (record) state.apply(record);
      }
    }
    const log = new PopLog(path, state, compactBytes);
    log.compact();
    return log;
  }

  /** Applies the records and makes them durable against a process kill before returning. */
  append(...records: PopRecord[]): void {
    if (records.length === 0) return;
    let text = '';
    for (const record of records) {
      this.state.apply(record);
      text += encodeRecord(record);
    }
    const bytes = Buffer.from(text, 'utf8');
    writeSync(this.fd, bytes);
    this.size += bytes.length;
    if (this.size > this.compactBytes) this.compact();
  }

  /** Rewrites the log as the records of the current state (write aside, fsync, rename). */
  compact(): void {
    const aside = `${this.path}.compact`;
    const fd = openSync(aside, 'w');
    let text = '';
    for (const record of this.state.snapshot()) text += encodeRecord(record);
    const bytes = Buffer.from(text, 'utf8');
    writeSync(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(aside, this.path);
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.size = bytes.length;
  }

  close(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}
