/**
 * Positional reads and writes, and datasyncs of little data, made synchronously on the event
 * loop when they are small, with a thread-pool fallback. A pread/pwrite that the page cache serves takes microseconds, while the
 * thread-pool round trip it replaces (queueing, futex wake-up, worker switch, completion wake-up
 * of the event loop) costs tens: per pull that is two round trips (consume queue, commit log),
 * and the pull's latency is what bounds a consumer's throughput. With SYNC_FLUSH every send waits
 * for a datasync, so there the round trip is added to each send's latency (one producer thread:
 * about 10 % of its throughput on the benchmark machine). If the kernel ever makes one of
 * these calls wait (a read from a cold disk, dirty-page throttling on a slow one), that kind of
 * call goes back to the thread pool for a while, so a slow disk stalls the pool, not the event loop.
 */
import { fdatasyncSync, readSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Calls up to this long are made inline. */
const INLINE_MAX_BYTES = 256 * 1024;
/** An inline call slower than this went to the disk, not the page cache. */
const SLOW_INLINE_MILLIS = 5;
/**
 * A few slow calls close together (or one very slow call) mean the disk, not a passing stall
 * (a journal commit, the first write of a new file: about one per benchmark run, which used to
 * send every write of the next 10 s to the thread pool and cost that run ~10 % of its TPS)...
 */
const SLOW_CALLS_TO_BACK_OFF = 3;
const SLOW_CALLS_WINDOW_MILLIS = 1_000;
const VERY_SLOW_INLINE_MILLIS = 50;
/** ...so calls of that kind then use the thread pool for this long. */
const INLINE_BACKOFF_MILLIS = 10_000;

/** Decides, for one kind of call, whether the next one may run inline. */
export class InlinePolicy {
  private threadPoolUntil = 0;
  private slowCalls = 0;
  private slowWindowStart = 0;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  allows(length: number): boolean {
    return length <= INLINE_MAX_BYTES && this.clock() >= this.threadPoolUntil;
  }

  /** Called after an inline call that began at `startedAt` (a clock() reading). */
  observe(startedAt: number): void {
    const now = this.clock();
    const took = now - startedAt;
    if (took <= SLOW_INLINE_MILLIS) return;
    if (now - this.slowWindowStart > SLOW_CALLS_WINDOW_MILLIS) {
      this.slowWindowStart = now;
      this.slowCalls = 0;
    }
    if (++this.slowCalls >= SLOW_CALLS_TO_BACK_OFF || took > VERY_SLOW_INLINE_MILLIS) {
      this.threadPoolUntil = now + INLINE_BACKOFF_MILLIS;
      this.slowCalls = 0;
    }
  }

  /** Runs `inline` when a call of `length` bytes may run inline, else `pooled` (the thread pool). */
  async run<T>(length: number, inline: () => T, pooled: () => Promise<T>): Promise<T> {
    if (!this.allows(length)) return pooled();
    const startedAt = this.clock();
    const result = inline();
    this.observe(startedAt);
    return result;
  }
}

const reads = new InlinePolicy();
const writes = new InlinePolicy();
const syncs = new InlinePolicy();

/** Reads up to `length` bytes at `position`; returns the bytes read (0 at end of file). */
export function positionalRead(handle: FileHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  return reads.run(
    length,
    () => readSync(handle.fd, buffer, offset, length, position),
    async () => (await handle.read(buffer, offset, length, position)).bytesRead,
  );
}

/** Writes up to `length` bytes at `position`; returns the bytes written (the caller loops). */
export function positionalWrite(handle: FileHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  return writes.run(
    length,
    () => writeSync(handle.fd, buffer, offset, length, position),
    async () => (await handle.write(buffer, offset, length, position)).bytesWritten,
  );
}

/**
 * fdatasync of a file with `dirtyBytes` written since its last one (the inline limit applies to
 * them). A `background` sync (ASYNC_FLUSH: no send waits for it) always uses the thread pool: an
 * inline one gains nothing there, and on a busy disk one took 132 ms of the event loop.
 */
export function datasync(handle: FileHandle, dirtyBytes: number, background = false): Promise<void> {
  if (background) return handle.datasync();
  return syncs.run(
    dirtyBytes,
    () => fdatasyncSync(handle.fd),
    () => handle.datasync(),
  );
}
