/**
 * One segment file of a segmented log (Java MappedFile, without mmap): a file named by the
 * 20-digit zero-padded offset of its first byte, preallocated to the full segment size with
 * ftruncate (a sparse file, as Java's RandomAccessFile.setLength leaves it). All I/O is
 * positional on one FileHandle, opened lazily.
 */
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DiskFullError, StoreIOError } from '../errors.ts';
import { nodeSegmentIO, type SegmentIO } from './segment-io.ts';

/** UtilAll.offset2FileName: the offset as 20 decimal digits. */
export function offsetToFileName(offset: number): string {
  return String(offset).padStart(20, '0');
}

const SEGMENT_NAME = /^\d{20}$/;

/** The start offset a segment file name encodes, or undefined when the name is not one. */
export function fileNameToOffset(name: string): number | undefined {
  if (!SEGMENT_NAME.test(name)) return undefined;
  const offset = Number(name);
  return Number.isSafeInteger(offset) ? offset : undefined;
}

export class Segment {
  private handle: FileHandle | undefined;
  private opening: Promise<FileHandle> | undefined;
  private closed = false;
  /** The file could not be created; the segment is unusable (SegmentQueue.recreate replaces it). */
  failed = false;

  private constructor(
    readonly file: string,
    readonly startOffset: number,
    readonly size: number,
    private readonly io: SegmentIO,
  ) {}

  /** An existing segment file; opened on first use. */
  static existing(dir: string, startOffset: number, size: number, io: SegmentIO = nodeSegmentIO): Segment {
    return new Segment(join(dir, offsetToFileName(startOffset)), startOffset, size, io);
  }

  /**
   * A new segment. The object exists at once (the writer encodes into it synchronously); the
   * file is created in the background and every operation waits for it. Creation fails if the
   * file exists: the caller has lost track of a segment.
   */
  static create(dir: string, startOffset: number, size: number, io: SegmentIO = nodeSegmentIO): Segment {
    const segment = new Segment(join(dir, offsetToFileName(startOffset)), startOffset, size, io);
    segment.opening = segment.createFile(dir);
    segment.opening.catch(() => {}); // observed by whoever uses the segment
    return segment;
  }

  get name(): string {
    return basename(this.file);
  }

  /** Offset one past the last byte of this segment. */
  get endOffset(): number {
    return this.startOffset + this.size;
  }

  contains(offset: number): boolean {
    return offset >= this.startOffset && offset < this.startOffset + this.size;
  }

  /** Resolves once the file exists and is open; rejects if it could not be created. */
  async ready(): Promise<void> {
    await this.fileHandle();
  }

  /** Writes all of buffer[offset, offset+length) at `position` (relative to the segment start). */
  async write(buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    try {
      const handle = await this.fileHandle();
      while (length > 0) {
        const written = await this.io.write(handle, buffer, offset, length, position);
        if (written <= 0) throw new Error(`short write (${written} bytes)`);
        offset += written;
        position += written;
        length -= written;
      }
    } catch (error) {
      throw this.ioError('write', error);
    }
  }

  /** Reads up to `length` bytes at `position`; returns how many were read (fewer only at the end of the file). */
  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const handle = await this.fileHandle();
    let total = 0;
    while (total < length) {
      const count = await this.io.read(handle, buffer, offset + total, length - total, position + total);
      if (count <= 0) break;
      total += count;
    }
    return total;
  }

  /** fdatasync; `dirtyBytes` were written since the last one (small syncs may run inline unless `background`). */
  async datasync(dirtyBytes: number, background = false): Promise<void> {
    try {
      await this.io.datasync(await this.fileHandle(), this.file, dirtyBytes, background);
    } catch (error) {
      throw this.ioError('datasync', error);
    }
  }

  /**
   * Makes every byte from `position` to the end of the file zero: shrink the file to
   * `position`, then extend it back (the extension reads as zeros and stays sparse). The caller
   * guards the short window in between (see SegmentQueue.zeroTail).
   */
  async zeroFrom(position: number): Promise<void> {
    const handle = await this.fileHandle();
    await handle.truncate(position);
    await handle.truncate(this.size);
    await handle.datasync();
  }

  async close(): Promise<void> {
    this.closed = true;
    const opening = this.opening;
    this.opening = undefined;
    this.handle = undefined;
    // A file that failed to open has nothing to close; the open error went to its users.
    if (opening) await (await opening.catch(() => undefined))?.close();
  }

  /** Closes and deletes the file. */
  async destroy(): Promise<void> {
    await this.close();
    await unlink(this.file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  private fileHandle(): Promise<FileHandle> {
    if (this.closed) return Promise.reject(new StoreIOError(this.file, 'open', new Error('segment closed')));
    if (this.handle) return Promise.resolve(this.handle);
    this.opening ??= open(this.file, 'r+');
    return this.opening.then((handle) => (this.handle = handle));
  }

  private async createFile(dir: string): Promise<FileHandle> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.file, 'wx+');
      await handle.truncate(this.size);
      await syncDirectory(dir);
      return handle;
    } catch (error) {
      // Cleaning up a half-created file; the error that matters is rethrown below.
      await handle?.close().catch(() => {});
      if (handle) await unlink(this.file).catch(() => {});
      this.failed = true;
      throw this.ioError('create', error);
    }
  }

  private ioError(operation: string, error: unknown): Error {
    if (error instanceof DiskFullError || error instanceof StoreIOError) return error;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return new DiskFullError(this.file, error);
    return new StoreIOError(this.file, operation, error);
  }
}

/** fsync of a directory, so a created, renamed or deleted entry survives a power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
