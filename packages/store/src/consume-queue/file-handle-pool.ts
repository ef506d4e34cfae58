/**
 * A bounded, least-recently-used cache of open file handles.
 *
 * Node has no mmap, so every ConsumeQueue read and write is a positional read/write on a
 * FileHandle. A broker with thousands of (topic, queueId) pairs cannot keep a descriptor per
 * segment open, so all queues of a store share one pool: a handle is opened on first use and
 * stays open while it is in use or among the most recently used; at most `maxOpenFiles` are
 * open (a caller that needs one more waits until one is released). Callers never hold two
 * handles at once, so the cap cannot deadlock. (Java maps every segment: MappedFile.)
 */
import { constants as fsConstants, type FileHandle, open } from 'node:fs/promises';

interface Entry {
  handle: Promise<FileHandle>;
  refs: number;
  /** Close as soon as the last user releases it (file deleted or pool closed). */
  doomed: boolean;
}

export interface FileHandlePoolOptions {
  /**
   * Handles open at most (in use or idle).
   * @defaultValue 256
   */
  maxOpenFiles?: number;
}

export class FileHandlePool {
  readonly maxOpenFiles: number;
  /** Insertion order = recency order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  /** Callers waiting for a free slot. */
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(options: FileHandlePoolOptions = {}) {
    this.maxOpenFiles = Math.max(1, options.maxOpenFiles ?? 256);
  }

  /** Handles currently open or opening (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `fn` with an open read/write handle on `path`. With `createSize`, a missing file is
   * created and a shorter one extended (sparse, zero-filled) to that length.
   */
  async use<T>(path: string, fn: (handle: FileHandle) => Promise<T>, createSize?: number): Promise<T> {
    if (this.closed) throw new Error(`file handle pool is closed (opening ${path})`);
    let entry = this.entries.get(path);
    while (!entry) {
      if (this.entries.size >= this.maxOpenFiles) this.trim(this.maxOpenFiles - 1);
      if (this.entries.size < this.maxOpenFiles) {
        const created: Entry = { handle: openHandle(path, createSize), refs: 0, doomed: false };
        created.handle.catch(() => {
          if (this.entries.get(path) === created) this.entries.delete(path);
          this.wake();
        });
        this.entries.set(path, created);
        entry = created;
        break;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      if (this.closed) throw new Error(`file handle pool is closed (opening ${path})`);
      entry = this.entries.get(path);
    }
    this.entries.delete(path);
    this.entries.set(path, entry);
    entry.refs++;
    try {
      const handle = await entry.handle;
      if (createSize !== undefined) await ensureSize(handle, createSize);
      return await fn(handle);
    } finally {
      entry.refs--;
      if (entry.refs === 0) {
        if (entry.doomed) await closeQuietly(entry.handle);
        else this.trim(this.maxOpenFiles);
        this.wake();
      }
    }
  }

  /** Forgets `path` (deleted or about to be): its handle closes once no one uses it. */
  async evict(path: string): Promise<void> {
    const entry = this.entries.get(path);
    if (!entry) return;
    this.entries.delete(path);
    entry.doomed = true;
    this.wake();
    if (entry.refs === 0) await closeQuietly(entry.handle);
  }

  /** Evicts every path that starts with `prefix` (a queue's directory). */
  async evictPrefix(prefix: string): Promise<void> {
    const paths = [...this.entries.keys()].filter((path) => path.startsWith(prefix));
    await Promise.all(paths.map((path) => this.evict(path)));
  }

  async close(): Promise<void> {
    this.closed = true;
    const paths = [...this.entries.keys()];
    await Promise.all(paths.map((path) => this.evict(path)));
    this.wake();
  }

  /** Closes least recently used idle handles until at most `limit` remain. */
  private trim(limit: number): void {
    if (this.entries.size <= limit) return;
    for (const [path, entry] of this.entries) {
      if (this.entries.size <= limit) break;
      if (entry.refs > 0) continue;
      this.entries.delete(path);
      void closeQuietly(entry.handle);
    }
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

async function openHandle(path: string, createSize: number | undefined): Promise<FileHandle> {
  if (createSize === undefined) return open(path, 'r+');
  // O_CREAT without O_TRUNC: never clobbers an existing file; never O_APPEND, which would
  // make Linux ignore the positions of pwrite.
  return open(path, fsConstants.O_RDWR | fsConstants.O_CREAT, 0o644);
}

async function ensureSize(handle: FileHandle, size: number): Promise<void> {
  const stat = await handle.stat();
  if (stat.size < size) await handle.truncate(size);
}

async function closeQuietly(handle: Promise<FileHandle>): Promise<void> {
  try {
    await (await handle).close();
  } catch {
    // opening failed (already reported to its caller) or the handle is already closed
  }
}
