/**
 * The files of one consume queue, as one byte space (MappedFileQueue.java for the ConsumeQueue):
 *
 *   <dir>/<20-digit start offset>   each `fileSize` bytes, created sparse at full size
 *
 * Appends go to an in-memory tail (`pending`) that reads see at once; `write()` writes it with
 * one positional write per file touched, `flush()` also datasyncs. Files are opened through
 * a shared FileHandlePool. Knows nothing of units' meaning: ConsumeQueue does.
 */
import { type FileHandle, mkdir, open, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Logger } from '@rocketmq-ts/protocol';
import { CQ_STORE_UNIT_SIZE } from './cq-unit.ts';
import { ConsumeQueueFileSizeError } from './errors.ts';
import type { FileHandlePool } from './file-handle-pool.ts';
import { fileNameToOffset, offsetToFileName } from './file-name.ts';
import { positionalRead } from '../segment/inline-io.ts';

const INITIAL_PENDING = 64 * CQ_STORE_UNIT_SIZE;
/** Read granularity for scans: a whole number of units, about 64 KiB. */
export const SCAN_CHUNK = 3276 * CQ_STORE_UNIT_SIZE;
const ZEROS = Buffer.alloc(SCAN_CHUNK);

export class UnitFileQueue {
  /** Start byte offsets of the files, ascending. */
  files: number[] = [];
  /** Files shorter than fileSize on disk (cut), by start offset. */
  readonly shortFiles = new Map<number, number>();
  /** Byte offset after the last unit, written or pending. */
  writeEnd = 0;
  /** Listed in `files` but not created on disk yet (created by their first write). */
  private readonly unmaterialized = new Set<number>();
  /** Written since the last datasync. */
  private readonly unsynced = new Set<number>();
  private dirReady = false;
  /** A file was created since the last flush: the directory needs an fsync too. */
  private dirDirty = false;
  /** Appended but not yet written: bytes [pendingStart, pendingStart + pendingLen). */
  private pending: Buffer | undefined;
  private pendingStart = 0;
  private pendingLen = 0;
  private writing: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    readonly fileSize: number,
    private readonly pool: FileHandlePool,
    private readonly logger: Logger,
    /** Called when the queue goes from nothing to write to something to write. */
    private readonly onFirstPending: () => void,
  ) {}

  /** Unwritten bytes waiting in memory. */
  get pendingBytes(): number {
    return this.pendingLen;
  }

  get isWriting(): boolean {
    return this.writing !== undefined;
  }

  fileStartOf(byteOffset: number): number {
    return byteOffset - (byteOffset % this.fileSize);
  }

  /** Lists the files on disk; refuses one longer than fileSize. */
  async load(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    this.dirReady = true;
    const starts: number[] = [];
    for (const name of names) {
      const start = fileNameToOffset(name);
      if (start === undefined) {
        this.logger.warn({ file: join(this.dir, name) }, 'ignoring a file that is not a consume queue segment');
        continue;
      }
      const size = (await stat(join(this.dir, name))).size;
      if (size > this.fileSize) throw new ConsumeQueueFileSizeError(join(this.dir, name), size, this.fileSize);
      if (size < this.fileSize) this.shortFiles.set(start, size);
      starts.push(start);
    }
    this.files = starts.sort((a, b) => a - b);
    if (this.files.length > 0) this.resetEnd(this.files[this.files.length - 1]! + this.fileSize);
  }

  // -------------------------------------------------------------------------------------------
  // Append and write

  /** Makes room for one unit at writeEnd, starting a file if needed; returns the buffer and position to fill. */
  reserveUnit(): { buffer: Buffer; at: number } {
    const last = this.files[this.files.length - 1];
    if (last === undefined || this.writeEnd >= last + this.fileSize) {
      const start = this.fileStartOf(this.writeEnd);
      this.files.push(start);
      this.unmaterialized.add(start);
    }
    if (this.pendingLen === 0) {
      this.pendingStart = this.writeEnd;
      this.onFirstPending();
    }
    if (this.pending === undefined) this.pending = Buffer.allocUnsafe(INITIAL_PENDING);
    else if (this.pendingLen + CQ_STORE_UNIT_SIZE > this.pending.length) {
      const grown = Buffer.allocUnsafe(this.pending.length * 2);
      this.pending.copy(grown, 0, 0, this.pendingLen);
      this.pending = grown;
    }
    const at = this.pendingLen;
    this.pendingLen += CQ_STORE_UNIT_SIZE;
    this.writeEnd += CQ_STORE_UNIT_SIZE;
    return { buffer: this.pending, at };
  }

  /** Writes the pending bytes (one positional write per file touched); no datasync. */
  async write(): Promise<void> {
    // Waits for the previous write only; its failure was already reported to its own caller.
    while (this.writing) await this.writing.catch(() => undefined);
    if (this.pendingLen === 0) return;
    const writing = this.writePending();
    this.writing = writing;
    try {
      await writing;
    } finally {
      if (this.writing === writing) this.writing = undefined;
    }
  }

  private async writePending(): Promise<void> {
    const buffer = this.pending!;
    const length = this.pendingLen;
    const start = this.pendingStart;
    let done = 0;
    while (done < length) {
      const at = start + done;
      const fileStart = this.fileStartOf(at);
      const n = Math.min(length - done, fileStart + this.fileSize - at);
      // A file deleted by retention before its units were written stays deleted.
      if (fileStart >= (this.files[0] ?? 0)) await this.writeFile(fileStart, buffer, done, n, at - fileStart);
      done += n;
    }
    // Units may have been appended (or the buffer grown) meanwhile: keep what came after.
    const current = this.pending!;
    current.copyWithin(0, length, this.pendingLen);
    this.pendingLen -= length;
    this.pendingStart += length;
    if (this.pendingLen === 0 && current.length > 4 * INITIAL_PENDING) this.pending = undefined;
  }

  async writeFile(fileStart: number, buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    const create = this.unmaterialized.has(fileStart);
    if (create && !this.dirReady) {
      await mkdir(this.dir, { recursive: true });
      this.dirReady = true;
    }
    try {
      await this.pool.use(
        this.pathOf(fileStart),
        async (handle) => {
          let written = 0;
          while (written < length) {
            const result = await handle.write(buffer, offset + written, length - written, position + written);
            written += result.bytesWritten;
          }
        },
        create ? this.fileSize : undefined,
      );
    } catch (error) {
      // Retention unlinked the file while this write was opening it: nothing left to write.
      if (isNotFound(error) && !this.files.includes(fileStart)) return;
      throw error;
    }
    if (!this.files.includes(fileStart)) {
      // Deleted while this write created it: an unlisted file would leave a gap at the next start.
      await this.unlinkFile(fileStart);
      return;
    }
    if (this.unmaterialized.delete(fileStart)) this.dirDirty = true;
    this.unsynced.add(fileStart);
  }

  /** Writes pending bytes, datasyncs every file written since the last flush (and the directory after new files). */
  async flush(): Promise<void> {
    await this.write();
    if (this.dirDirty) {
      this.dirDirty = false;
      await syncDirectory(this.dir);
    }
    for (const fileStart of [...this.unsynced]) {
      this.unsynced.delete(fileStart);
      try {
        await this.pool.use(this.pathOf(fileStart), (handle) => handle.datasync());
      } catch (error) {
        if (!isNotFound(error)) {
          this.unsynced.add(fileStart);
          throw error;
        }
      }
    }
  }

  /** Zeroes bytes [from, to) of a file where it holds anything; returns the non-zero units seen. */
  async zeroRange(fileStart: number, from: number, to: number, scratch: Buffer): Promise<number> {
    let units = 0;
    for (let pos = from; pos < to; pos += SCAN_CHUNK) {
      const n = Math.min(SCAN_CHUNK, to - pos);
      await this.readFile(fileStart, scratch, 0, n, pos);
      if (isZero(scratch, 0, n)) continue;
      for (let i = 0; i < n; i += CQ_STORE_UNIT_SIZE) if (!isZero(scratch, i, Math.min(CQ_STORE_UNIT_SIZE, n - i))) units++;
      await this.writeFile(fileStart, ZEROS, 0, n, pos);
    }
    return units;
  }

  /** Extends a short file to fileSize with zeros. */
  async extend(fileStart: number): Promise<void> {
    await this.pool.use(this.pathOf(fileStart), async () => undefined, this.fileSize);
    this.unsynced.add(fileStart);
    this.shortFiles.delete(fileStart);
  }

  /** Sets the end (recovery, truncation): drops anything pending. */
  resetEnd(end: number): void {
    this.pending = undefined;
    this.pendingLen = 0;
    this.writeEnd = end;
    this.pendingStart = end;
  }

  // -------------------------------------------------------------------------------------------
  // Read

  /** Copies bytes [startByte, startByte + out.length) into `out`: the pending part first. */
  async readInto(out: Buffer, startByte: number): Promise<void> {
    const endByte = startByte + out.length;
    let diskEnd = endByte;
    if (this.pendingLen > 0 && endByte > this.pendingStart) {
      const from = Math.max(startByte, this.pendingStart);
      this.pending!.copy(out, from - startByte, from - this.pendingStart, endByte - this.pendingStart);
      diskEnd = from;
    }
    let at = startByte;
    while (at < diskEnd) {
      const fileStart = this.fileStartOf(at);
      const n = Math.min(diskEnd - at, fileStart + this.fileSize - at);
      await this.readFile(fileStart, out, at - startByte, n, at - fileStart);
      at += n;
    }
  }

  /** Reads from one file; bytes past its end (a cut file) read as zero. */
  async readFile(fileStart: number, out: Buffer, offset: number, length: number, position: number): Promise<void> {
    const read = await this.pool.use(this.pathOf(fileStart), async (handle) => {
      let total = 0;
      while (total < length) {
        const bytesRead = await positionalRead(handle, out, offset + total, length - total, position + total);
        if (bytesRead === 0) break;
        total += bytesRead;
      }
      return total;
    });
    if (read < length) out.fill(0, offset + read, offset + length);
  }

  // -------------------------------------------------------------------------------------------
  // Delete

  async deleteFile(fileStart: number): Promise<void> {
    this.files = this.files.filter((start) => start !== fileStart);
    this.unsynced.delete(fileStart);
    this.shortFiles.delete(fileStart);
    if (this.unmaterialized.delete(fileStart)) return;
    await this.unlinkFile(fileStart);
  }

  private async unlinkFile(fileStart: number): Promise<void> {
    const path = this.pathOf(fileStart);
    await this.pool.evict(path);
    try {
      await unlink(path);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /** Deletes every file and the directory. */
  async destroy(): Promise<void> {
    // Waits for the previous write only; its failure was already reported to its own caller.
    while (this.writing) await this.writing.catch(() => undefined);
    await this.releaseHandles();
    await rm(this.dir, { recursive: true, force: true });
    this.files = [];
    this.unmaterialized.clear();
    this.unsynced.clear();
    this.shortFiles.clear();
    this.resetEnd(0);
    this.dirReady = false;
    this.dirDirty = false;
  }

  async releaseHandles(): Promise<void> {
    await this.pool.evictPrefix(this.dir + sep);
  }

  pathOf(fileStart: number): string {
    return join(this.dir, offsetToFileName(fileStart));
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Not every platform can fsync a directory (Windows); the files themselves are synced.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EACCES' && code !== 'ENOENT') throw error;
  } finally {
    await handle?.close();
  }
}

export function isZero(buffer: Buffer, from: number, length: number): boolean {
  for (let i = from; i < from + length; i++) if (buffer[i] !== 0) return false;
  return true;
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
