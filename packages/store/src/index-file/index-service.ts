/**
 * The message-key index of a store: IndexService.java (4.8), storage-format.md §4.
 *
 *   index/<yyyyMMddHHmmssSSS>   IndexFiles named by local creation time, oldest first
 *
 * Every dispatched record (but ROLLBACK ones, and records below the newest file's
 * endPhyOffset) adds `topic#UNIQ_KEY` and `topic#k` for each space-separated key of KEYS to
 * the newest file; a full file is flushed and a new one started that inherits its end
 * offset and timestamp. Queries walk the files newest first.
 */
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, silentLogger } from '@rocketmq-ts/protocol';
import { IndexFileSizeError } from './errors.ts';
import { IndexFile } from './index-file.ts';
import { INDEX_HEADER_SIZE, type IndexMark, indexFileSize } from './index-header.ts';

export interface IndexServiceOptions {
  /** @defaultValue 5,000,000 (each active file holds an Int32Array of this many slots: 20 MB) */
  maxHashSlotNum?: number;
  /** @defaultValue 20,000,000 */
  maxIndexNum?: number;
  /**
   * Cap on the offsets one query returns (MessageStoreConfig.maxMsgsNumBatch).
   * @defaultValue 64
   */
  maxMsgsNumBatch?: number;
  /**
   * Unwritten entry bytes after which buildIndex writes them before returning.
   * @defaultValue 1 MiB
   */
  writeBufferBytes?: number;
  logger?: Logger;
  /** Clock for new file names. @defaultValue Date.now */
  now?: () => number;
}

/** What the dispatcher knows about a record (DispatchRequest). */
export interface IndexRequest {
  topic: string;
  /** The KEYS property: space-separated keys. */
  keys?: string | undefined;
  /** The UNIQ_KEY property (client message id). */
  uniqKey?: string | undefined;
  commitLogOffset: number;
  storeTimestamp: number;
  sysFlag: number;
}

export interface QueryOffsetResult {
  /** Commit-log offsets, newest first; hash collisions included (callers re-check the key). */
  phyOffsets: number[];
  /** Newest file's endTimestamp: QueryMessageResponseHeader.indexLastUpdateTimestamp. */
  indexLastUpdateTimestamp: number;
  /** Newest file's endPhyOffset: QueryMessageResponseHeader.indexLastUpdatePhyoffset. */
  indexLastUpdatePhyoffset: number;
}

const TRANSACTION_TYPE_MASK = 0xc;
const TRANSACTION_ROLLBACK_TYPE = 0xc;
const INDEX_FILE_NAME = /^\d{17}$/;

export class IndexService {
  readonly dir: string;
  readonly maxHashSlotNum: number;
  readonly maxIndexNum: number;
  private readonly maxMsgsNumBatch: number;
  private readonly writeBufferBytes: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  /** Oldest first. */
  private files: IndexFile[] = [];
  private lastCompletedEnd = 0;
  /** Serializes the writers: buildIndex, deletions, close. */
  private lock: Promise<void> = Promise.resolve();

  private constructor(rootDir: string, options: IndexServiceOptions) {
    this.dir = join(rootDir, 'index');
    this.maxHashSlotNum = options.maxHashSlotNum ?? 5_000_000;
    this.maxIndexNum = options.maxIndexNum ?? 20_000_000;
    this.maxMsgsNumBatch = options.maxMsgsNumBatch ?? 64;
    this.writeBufferBytes = options.writeBufferBytes ?? 1024 * 1024;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  /** Loads the headers of the files under `<rootDir>/index`. */
  static async open(rootDir: string, options: IndexServiceOptions = {}): Promise<IndexService> {
    const service = new IndexService(rootDir, options);
    await service.load();
    return service;
  }

  private async load(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const expected = indexFileSize(this.maxHashSlotNum, this.maxIndexNum);
    for (const name of names.sort()) {
      const path = join(this.dir, name);
      if (!INDEX_FILE_NAME.test(name)) {
        this.logger.warn({ file: path }, 'ignoring a file that is not an index file');
        continue;
      }
      const size = (await stat(path)).size;
      if (size < INDEX_HEADER_SIZE) {
        this.logger.warn({ file: path, size }, 'deleting an index file without a header (created, never written)');
        await unlink(path);
        continue;
      }
      if (size !== expected) throw new IndexFileSizeError(path, size, expected, this.maxHashSlotNum, this.maxIndexNum);
      this.files.push(await IndexFile.load(path, this.maxHashSlotNum, this.maxIndexNum));
    }
    this.lastCompletedEnd = this.completedEndTimestamp();
  }

  /** endTimestamp of the newest full file (every file but the last is full); 0 if none. */
  private completedEndTimestamp(): number {
    for (let i = this.files.length - 1; i >= 0; i--) {
      const file = this.files[i]!;
      if (i < this.files.length - 1 || file.isWriteFull) return file.endTimestamp;
    }
    return 0;
  }

  /** Index file names, oldest first. */
  get fileNames(): string[] {
    return this.files.map((file) => file.name);
  }

  /** The checkpoint's indexMsgTimestamp: end of the last completed (full, flushed) file. */
  get indexMsgTimestamp(): number {
    return this.lastCompletedEnd;
  }

  /** Indexes one dispatched record (IndexService.buildIndex). */
  buildIndex(request: IndexRequest): Promise<void> {
    return this.buildIndexBatch([request]);
  }

  /**
   * Indexes dispatched records in order, in one exclusive section: the keys go into the active
   * file synchronously (no promise per record); only a full file or a due write waits.
   */
  buildIndexBatch(requests: readonly IndexRequest[]): Promise<void> {
    return this.exclusive(async () => {
      let file = await this.activeFile();
      for (const request of requests) {
        if ((request.sysFlag & TRANSACTION_TYPE_MASK) === TRANSACTION_ROLLBACK_TYPE) continue;
        if (file.isWriteFull) file = await this.activeFile();
        if (request.commitLogOffset < file.endPhyOffset) continue;
        const { topic, keys, uniqKey, commitLogOffset, storeTimestamp } = request;
        if (uniqKey !== undefined) file = await this.putKey(file, `${topic}#${uniqKey}`, commitLogOffset, storeTimestamp);
        if (keys) {
          for (const key of keys.split(' ')) {
            if (key.length > 0) file = await this.putKey(file, `${topic}#${key}`, commitLogOffset, storeTimestamp);
          }
        }
        // Entries only: the slot table (20 MB by default, nearly every page touched by a
        // megabyte of random keys) is written by flush(), not every megabyte of entries.
        if (file.pendingBytes >= this.writeBufferBytes) await file.write({ slots: false });
      }
    });
  }

  private putKey(file: IndexFile, key: string, phyOffset: number, storeTimestamp: number): IndexFile | Promise<IndexFile> {
    return file.putKey(key, phyOffset, storeTimestamp) ? file : this.putKeyInNewFile(file, key, phyOffset, storeTimestamp);
  }

  private async putKeyInNewFile(file: IndexFile, key: string, phyOffset: number, storeTimestamp: number): Promise<IndexFile> {
    while (!file.putKey(key, phyOffset, storeTimestamp)) {
      this.logger.info({ file: file.path }, 'index file is full, starting another');
      file = await this.activeFile();
    }
    return file;
  }

  /** The newest file, writable; completes a full one and starts the next. */
  private async activeFile(): Promise<IndexFile> {
    const last = this.files[this.files.length - 1];
    if (last && !last.isWriteFull) {
      await last.activate();
      return last;
    }
    if (last) {
      await last.deactivate();
      this.lastCompletedEnd = last.endTimestamp;
    }
    await mkdir(this.dir, { recursive: true });
    const file = await this.createFile(last?.endPhyOffset ?? 0, last?.endTimestamp ?? 0);
    this.files.push(file);
    return file;
  }

  /** A new file named by the local time; bumped past the newest name when the clock has not moved. */
  private async createFile(endPhyOffset: number, endTimestamp: number): Promise<IndexFile> {
    let name = timeMillisToHumanString(this.now());
    const newest = this.files[this.files.length - 1]?.name;
    if (newest !== undefined && name <= newest) name = nextName(newest);
    for (;;) {
      try {
        return await IndexFile.create(join(this.dir, name), this.maxHashSlotNum, this.maxIndexNum, endPhyOffset, endTimestamp);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        name = nextName(name);
      }
    }
  }

  /**
   * Commit-log offsets of the records indexed under `topic#key` and stored within [begin, end]
   * (ms), newest first, at most min(maxNum, maxMsgsNumBatch) (IndexService.queryOffset).
   */
  async queryOffsets(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryOffsetResult> {
    const limit = Math.min(maxNum, this.maxMsgsNumBatch);
    const result: QueryOffsetResult = { phyOffsets: [], indexLastUpdateTimestamp: 0, indexLastUpdatePhyoffset: 0 };
    const files = [...this.files];
    const indexKey = `${topic}#${key}`;
    for (let i = files.length - 1; i >= 0; i--) {
      const file = files[i]!;
      if (i === files.length - 1) {
        result.indexLastUpdateTimestamp = file.endTimestamp;
        result.indexLastUpdatePhyoffset = file.endPhyOffset;
      }
      if (file.isTimeMatched(begin, end)) {
        try {
          await file.select(result.phyOffsets, indexKey, limit, begin, end);
        } catch (error) {
          // deleted by retention meanwhile: nothing left to find there
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
      if (file.beginTimestamp < begin || result.phyOffsets.length >= limit) break;
    }
    return result;
  }

  /**
   * Deletes the files, oldest first and never the newest, whose endPhyOffset is below
   * `commitLogMinOffset` (IndexService.deleteExpiredFile). Returns how many.
   */
  deleteFilesBelow(commitLogMinOffset: number): Promise<number> {
    return this.exclusive(async () => {
      let deleted = 0;
      while (this.files.length > 1 && this.files[0]!.endPhyOffset < commitLogMinOffset) {
        const file = this.files.shift()!;
        await file.destroy();
        deleted++;
        this.logger.info({ file: file.path, commitLogMinOffset }, 'deleted expired index file');
      }
      return deleted;
    });
  }

  /**
   * Abnormal recovery: deletes the files whose endTimestamp is after the checkpoint's
   * indexMsgTimestamp (IndexService.load with lastExitOK false). Returns how many.
   */
  deleteFilesAfterTimestamp(indexMsgTimestamp: number): Promise<number> {
    return this.exclusive(() => this.deleteNewerThan(indexMsgTimestamp));
  }

  private async deleteNewerThan(indexMsgTimestamp: number, except?: IndexFile): Promise<number> {
    const keep: IndexFile[] = [];
    let deleted = 0;
    for (const file of this.files) {
      if (file !== except && file.endTimestamp > indexMsgTimestamp) {
        await file.destroy();
        deleted++;
        this.logger.warn({ file: file.path, indexMsgTimestamp }, 'deleted an index file newer than the checkpoint');
      } else keep.push(file);
    }
    this.files = keep;
    this.lastCompletedEnd = this.completedEndTimestamp();
    return deleted;
  }

  /** The commit-log offset of the last record indexed in the files kept (-1: no file). */
  get lastIndexedPhyOffset(): number {
    const last = this.files[this.files.length - 1];
    return last ? last.endPhyOffset : -1;
  }

  /**
   * Writes and datasyncs the newest file; returns indexMsgTimestamp for the checkpoint and the
   * newest file's durable header (the checkpoint's index mark) if it has one.
   */
  async flush(): Promise<{ indexMsgTimestamp: number; mark: IndexMark | undefined }> {
    const newest = this.files[this.files.length - 1];
    const header = await newest?.flush();
    return { indexMsgTimestamp: this.lastCompletedEnd, mark: newest && header ? { fileName: newest.name, header } : undefined };
  }

  /**
   * Abnormal recovery: the file the checkpoint's mark names goes back to the mark if it can
   * (then the index is rebuilt from the mark's last record); the files the checkpoint does not
   * cover (endTimestamp after indexMsgTimestamp, as Apache's load with lastExitOK false) are
   * deleted, among them any file started after the marked one filled up. `logEnd`: where the
   * recovered commit log ends; a mark past it is not used.
   */
  recoverAfterCrash(indexMsgTimestamp: number, mark: IndexMark | undefined, logEnd: number): Promise<void> {
    return this.exclusive(async () => {
      const marked = mark ? this.files.find((file) => file.name === mark.fileName) : undefined;
      let kept: IndexFile | undefined;
      if (marked && mark && marked.endTimestamp > indexMsgTimestamp && mark.header.endPhyOffset < logEnd) {
        if (await marked.rollBack(mark.header)) {
          kept = marked;
          this.logger.info({ file: marked.path, indexCount: mark.header.indexCount, endPhyOffset: mark.header.endPhyOffset }, 'rolled the newest index file back to its last checkpoint');
        } else {
          this.logger.warn({ file: marked.path }, 'the newest index file does not match its checkpoint: deleting it and rebuilding its part of the index');
        }
      }
      await this.deleteNewerThan(indexMsgTimestamp, kept);
    });
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      for (const file of this.files) await file.deactivate();
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

/** yyyyMMddHHmmssSSS in local time (UtilAll.timeMillisToHumanString). */
export function timeMillisToHumanString(millis: number): string {
  const d = new Date(millis);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return (
    pad(d.getFullYear(), 4) +
    pad(d.getMonth() + 1) +
    pad(d.getDate()) +
    pad(d.getHours()) +
    pad(d.getMinutes()) +
    pad(d.getSeconds()) +
    pad(d.getMilliseconds(), 3)
  );
}

function nextName(name: string): string {
  return (BigInt(name) + 1n).toString().padStart(17, '0');
}
