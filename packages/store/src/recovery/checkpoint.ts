/**
 * The store checkpoint file (spec §5, Java StoreCheckpoint): one 4 KiB page, of which
 *
 *   physicMsgTimestamp int64 @0 | logicsMsgTimestamp int64 @8 | indexMsgTimestamp int64 @16
 *
 * physicMsgTimestamp: store time of the last commit-log record covered by a flush;
 * logicsMsgTimestamp: of the last record dispatched to a consume queue (persisted on the CQ
 * flush); indexMsgTimestamp: end time of the last completed IndexFile. The values change in
 * memory; flush() writes the page and datasyncs it (the owner calls it on the CQ thorough flush,
 * the index flush and at shutdown).
 *
 * Ours only, past Apache's fields (Apache reads the first 24..40 bytes and ignores the rest):
 *
 *   RECOVER_MAGIC int64 @1024 | recoverOffset int64 @1032 | physicMsgTimestamp int64 @1040 |
 *   logicsMsgTimestamp int64 @1048 (copies of @0 and @8 as written with recoverOffset)
 *
 * recoverOffset: a record boundary below which the commit log is flushed and every record is
 * dispatched to flushed consume queues. Recovery after a crash validates and re-dispatches
 * from there, so its cost follows the checkpoint interval, not the store's size. A checkpoint
 * without the magic (a fresh one, or Apache's), or whose timestamps no longer match the copies
 * (Apache ran on the store since and rewrote them), falls back to the timestamps.
 *
 *   CONFIRM_MAGIC int64 @1056 | confirmOffset int64 @1064
 *
 * confirmOffset: controller mode's bound on what consumers may read (MessageStore.setConfirmOffset),
 * also written where Apache 5.x keeps its confirmPhyOffset (@32); -1 / no magic when unbounded.
 *
 *   INDEX_MAGIC int64 @1088 | file name (yyyyMMddHHmmssSSS) int64 @1096 | the 40-byte header
 *   of that file @1104
 *
 * The newest IndexFile's header as of its last datasync, taken when its slot table on disk
 * agreed with it: after a crash the file is rolled back to it instead of deleted, so the index
 * is rebuilt from there, not from the file's beginning (up to maxIndexNum records).
 */
import { type FileHandle, open } from 'node:fs/promises';
import { readInt64, writeInt64 } from '@rocketmq-ts/protocol';
import { StoreIOError } from '../errors.ts';
import { decodeIndexHeader, encodeIndexHeader, INDEX_HEADER_SIZE, type IndexMark } from '../index-file/index-header.ts';

export const CHECKPOINT_FILE_SIZE = 4096;
const RECOVER_AT = 1024;
/** "RMQTSRCV" */
const RECOVER_MAGIC = 0x524d5154_5352_4356n;
const CONFIRM_AT = 1056;
/** "RMQTSCNF" */
const CONFIRM_MAGIC = 0x524d5154_5343_4e46n;
/** Apache 5.x StoreCheckpoint: physic, logics, index, masterFlushedOffset, confirmPhyOffset. */
const APACHE_CONFIRM_AT = 32;
const INDEX_AT = 1088;
/** "RMQTSIDX" */
const INDEX_MAGIC = 0x524d5154_5349_4458n;

export class StoreCheckpoint {
  physicMsgTimestamp = 0;
  logicsMsgTimestamp = 0;
  indexMsgTimestamp = 0;
  /** See the file comment; -1 when unknown. */
  recoverOffset = -1;
  /** See the file comment; -1 when there is no bound. */
  confirmOffset = -1;
  /** See the file comment. */
  indexMark: IndexMark | undefined;
  private readonly page = Buffer.alloc(CHECKPOINT_FILE_SIZE);
  private flushing: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private handle: FileHandle | undefined,
  ) {}

  /** Opens the checkpoint file, creating a zeroed one if there is none. */
  static async open(file: string): Promise<StoreCheckpoint> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new StoreIOError(file, 'open', error);
      handle = await open(file, 'w+');
      await handle.truncate(CHECKPOINT_FILE_SIZE);
    }
    const checkpoint = new StoreCheckpoint(file, handle);
    const { bytesRead } = await handle.read(checkpoint.page, 0, 24, 0);
    if (bytesRead === 24) {
      checkpoint.physicMsgTimestamp = readInt64(checkpoint.page, 0);
      checkpoint.logicsMsgTimestamp = readInt64(checkpoint.page, 8);
      checkpoint.indexMsgTimestamp = readInt64(checkpoint.page, 16);
    }
    const extra = await handle.read(checkpoint.page, RECOVER_AT, 32, RECOVER_AT);
    if (
      extra.bytesRead === 32 &&
      checkpoint.page.readBigInt64BE(RECOVER_AT) === RECOVER_MAGIC &&
      readInt64(checkpoint.page, RECOVER_AT + 16) === checkpoint.physicMsgTimestamp &&
      readInt64(checkpoint.page, RECOVER_AT + 24) === checkpoint.logicsMsgTimestamp
    ) {
      checkpoint.recoverOffset = readInt64(checkpoint.page, RECOVER_AT + 8);
    }
    const confirm = await handle.read(checkpoint.page, CONFIRM_AT, 16, CONFIRM_AT);
    if (confirm.bytesRead === 16 && checkpoint.page.readBigInt64BE(CONFIRM_AT) === CONFIRM_MAGIC) checkpoint.confirmOffset = readInt64(checkpoint.page, CONFIRM_AT + 8);
    const mark = await handle.read(checkpoint.page, INDEX_AT, 16 + INDEX_HEADER_SIZE, INDEX_AT);
    if (mark.bytesRead === 16 + INDEX_HEADER_SIZE && checkpoint.page.readBigInt64BE(INDEX_AT) === INDEX_MAGIC) {
      checkpoint.indexMark = {
        fileName: checkpoint.page.readBigInt64BE(INDEX_AT + 8).toString().padStart(17, '0'),
        header: decodeIndexHeader(checkpoint.page.subarray(INDEX_AT + 16, INDEX_AT + 16 + INDEX_HEADER_SIZE)),
      };
    }
    return checkpoint;
  }

  /**
   * Where abnormal recovery may start: min(physic, logics) − 3 s, floored at 0; with
   * messageIndexSafe also no later than indexMsgTimestamp (getMinTimestampIndex).
   */
  minTimestamp(messageIndexSafe = false): number {
    const min = Math.max(0, Math.min(this.physicMsgTimestamp, this.logicsMsgTimestamp) - 3000);
    return messageIndexSafe ? Math.min(min, this.indexMsgTimestamp) : min;
  }

  /** Writes the three timestamps and datasyncs the file; concurrent calls run one after another. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.writePage());
    // The chain only orders flushes; this flush's caller gets its error through `run`.
    this.flushing = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    await this.flushing;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async writePage(): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new StoreIOError(this.file, 'write', new Error('checkpoint closed'));
    writeInt64(this.page, this.physicMsgTimestamp, 0);
    writeInt64(this.page, this.logicsMsgTimestamp, 8);
    writeInt64(this.page, this.indexMsgTimestamp, 16);
    if (this.recoverOffset >= 0) {
      this.page.writeBigInt64BE(RECOVER_MAGIC, RECOVER_AT);
      writeInt64(this.page, this.recoverOffset, RECOVER_AT + 8);
      writeInt64(this.page, this.physicMsgTimestamp, RECOVER_AT + 16);
      writeInt64(this.page, this.logicsMsgTimestamp, RECOVER_AT + 24);
    }
    if (this.confirmOffset >= 0) {
      writeInt64(this.page, this.confirmOffset, APACHE_CONFIRM_AT);
      this.page.writeBigInt64BE(CONFIRM_MAGIC, CONFIRM_AT);
      writeInt64(this.page, this.confirmOffset, CONFIRM_AT + 8);
    } else {
      this.page.fill(0, APACHE_CONFIRM_AT, APACHE_CONFIRM_AT + 8);
      this.page.fill(0, CONFIRM_AT, CONFIRM_AT + 16);
    }
    if (this.indexMark) {
      this.page.writeBigInt64BE(INDEX_MAGIC, INDEX_AT);
      // 17 digits exceed a double's exact integers.
      this.page.writeBigInt64BE(BigInt(this.indexMark.fileName), INDEX_AT + 8);
      encodeIndexHeader(this.indexMark.header, this.page.subarray(INDEX_AT + 16, INDEX_AT + 16 + INDEX_HEADER_SIZE));
    } else this.page.fill(0, INDEX_AT, INDEX_AT + 16 + INDEX_HEADER_SIZE);
    try {
      await handle.write(this.page, 0, CHECKPOINT_FILE_SIZE, 0);
      await handle.datasync();
    } catch (error) {
      throw new StoreIOError(this.file, 'write', error);
    }
  }
}
