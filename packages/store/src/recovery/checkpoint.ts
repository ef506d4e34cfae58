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
 */
import { type FileHandle, open } from 'node:fs/promises';
import { readInt64, writeInt64 } from '@rocketmq-ts/protocol';
import { StoreIOError } from '../errors.ts';

export const CHECKPOINT_FILE_SIZE = 4096;

export class StoreCheckpoint {
  physicMsgTimestamp = 0;
  logicsMsgTimestamp = 0;
  indexMsgTimestamp = 0;
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
    try {
      await handle.write(this.page, 0, CHECKPOINT_FILE_SIZE, 0);
      await handle.datasync();
    } catch (error) {
      throw new StoreIOError(this.file, 'write', error);
    }
  }
}
