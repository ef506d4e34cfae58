/**
 * The file operations a segment performs, as one replaceable object: tests inject slow or
 * failing writes/datasyncs (FLUSH_DISK_TIMEOUT, disk full) without touching real disks.
 * Node has no mmap: segments are read and written with positional I/O on a FileHandle
 * (small ones inline, everything else in the thread pool: inline-io.ts).
 */
import type { FileHandle } from 'node:fs/promises';
import { datasync, positionalRead, positionalWrite } from './inline-io.ts';

export interface SegmentIO {
  /** Positional write; may write fewer bytes than asked (the caller loops). */
  write(handle: FileHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Positional read; returns the bytes read (0 at end of file). */
  read(handle: FileHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /**
   * fdatasync: the written data (and the size) are durable when this resolves; `dirtyBytes` were
   * written since the last one; `background`: nobody waits for it (ASYNC_FLUSH), never inline.
   */
  datasync(handle: FileHandle, file: string, dirtyBytes: number, background?: boolean): Promise<void>;
}

export const nodeSegmentIO: SegmentIO = {
  // Small reads, writes and datasyncs run inline on the event loop (see inline-io.ts).
  write: positionalWrite,
  read: positionalRead,
  datasync(handle, _file, dirtyBytes, background) {
    return datasync(handle, dirtyBytes, background);
  },
};

/** nodeSegmentIO with some operations replaced. */
export function segmentIO(overrides: Partial<SegmentIO> = {}): SegmentIO {
  return { ...nodeSegmentIO, ...overrides };
}
