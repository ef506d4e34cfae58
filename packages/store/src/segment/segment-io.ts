/**
 * The file operations a segment performs, as one replaceable object: tests inject slow or
 * failing writes/datasyncs (FLUSH_DISK_TIMEOUT, disk full) without touching real disks.
 * Node has no mmap: segments are read and written with positional I/O on a FileHandle
 * (small writes inline, everything else in the thread pool).
 */
import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export interface SegmentIO {
  /** Positional write; may write fewer bytes than asked (the caller loops). */
  write(handle: FileHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Positional read; returns the bytes read (0 at end of file). */
  read(handle: FileHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** fdatasync: the written data (and the size) are durable when this resolves. */
  datasync(handle: FileHandle, file: string): Promise<void>;
}

/** Writes up to this long are made inline (see nodeSegmentIO.write). */
const INLINE_WRITE_MAX_BYTES = 256 * 1024;
/** An inline write slower than this... */
const SLOW_INLINE_WRITE_MILLIS = 10;
/** ...sends writes to the thread pool for this long. */
const INLINE_WRITE_BACKOFF_MILLIS = 10_000;
let inlineWritesFrom = 0;

export const nodeSegmentIO: SegmentIO = {
  /**
   * A write only copies into the page cache (durability is the separate datasync, always in the
   * thread pool), so a small one is made inline with a synchronous pwrite: cheaper than the
   * thread-pool round trip it replaces (queueing, futex wake-up, worker switch, completion
   * wake-up of the event loop) — the commit log writes one chunk of a few KB per group commit,
   * and this took 15 % off the broker's CPU per message. If the kernel ever makes such a write
   * wait (dirty-page throttling on a slow disk), writes go back to the thread pool for a while,
   * so a slow disk stalls the pool, not the event loop.
   */
  async write(handle, buffer, offset, length, position) {
    const now = performance.now();
    if (length > INLINE_WRITE_MAX_BYTES || now < inlineWritesFrom) return (await handle.write(buffer, offset, length, position)).bytesWritten;
    const written = writeSync(handle.fd, buffer, offset, length, position);
    if (performance.now() - now > SLOW_INLINE_WRITE_MILLIS) inlineWritesFrom = performance.now() + INLINE_WRITE_BACKOFF_MILLIS;
    return written;
  },
  async read(handle, buffer, offset, length, position) {
    return (await handle.read(buffer, offset, length, position)).bytesRead;
  },
  datasync(handle) {
    return handle.datasync();
  },
};

/** nodeSegmentIO with some operations replaced. */
export function segmentIO(overrides: Partial<SegmentIO> = {}): SegmentIO {
  return { ...nodeSegmentIO, ...overrides };
}
