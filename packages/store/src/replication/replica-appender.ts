/**
 * The follower's side of replication: bytes copied from a master's commit log are written at
 * the same physical offsets, then every record they complete is dispatched into its consume
 * queue and the index exactly as a local write is (Java: HAClient → appendToCommitLog, then
 * ReputMessageService). Transfer frames are cut by size, not by record, so a frame may end
 * inside a record: those bytes are kept until the rest arrives (`pending`). A BLANK marker
 * sends dispatch to the next segment; the filler behind it is written but not parsed.
 */
import { type Logger, silentLogger } from '@rocketmq-ts/protocol';
import type { CommitLog } from '../commit-log/commit-log.ts';
import { type DeliverTimeOf, dispatchFromBytes } from '../commit-log/dispatch-request.ts';
import { checkRecord, RecordCheck, recordCheckReason } from '../commit-log/record-check.ts';

const EMPTY = Buffer.alloc(0);

export class ReplicaAppender {
  /** Everything before this offset is dispatched; the bytes from here to the log end are `pending`. */
  private dispatchedOffset: number;
  private pending: Buffer = EMPTY;
  private stalled = false;

  constructor(
    private readonly commitLog: CommitLog,
    private readonly deliverTimeOf: DeliverTimeOf,
    private readonly logger: Logger = silentLogger,
  ) {
    // Recovery cut any torn record, so the log ends on a record boundary when it is opened.
    this.dispatchedOffset = commitLog.maxOffset;
  }

  /** End of the data received (what the follower reports to its master). */
  get maxPhyOffset(): number {
    return this.commitLog.maxOffset;
  }

  /** End of the last complete record dispatched. */
  get dispatchedPhyOffset(): number {
    return this.dispatchedOffset;
  }

  /** Writes `data` at `offset` (see CommitLog.writeRaw for the rules), then dispatches the records it completes. */
  async append(offset: number, data: Buffer): Promise<void> {
    if (data.length === 0) return;
    await this.commitLog.writeRaw(offset, data);
    // An empty log may start at a later segment: dispatch starts with it.
    if (this.pending.length === 0) this.dispatchedOffset = Math.max(this.dispatchedOffset, offset);
    if (!this.stalled) this.dispatch(offset, data);
  }

  private dispatch(offset: number, data: Buffer): void {
    let buffer: Buffer;
    let bufferStart: number;
    if (this.pending.length > 0) {
      buffer = Buffer.concat([this.pending, data]);
      bufferStart = this.dispatchedOffset;
    } else {
      buffer = data;
      bufferStart = offset;
    }
    const bufferEnd = bufferStart + buffer.length;
    // After a BLANK marker the position is the next segment while filler may still arrive.
    let position = Math.max(this.dispatchedOffset, bufferStart);
    while (position < bufferEnd && !this.stalled) {
      const at = position - bufferStart;
      const segmentEnd = this.commitLog.segmentEndOf(position);
      const code = checkRecord(buffer, at, bufferEnd - position, segmentEnd - position, position, false);
      if (code > 0) {
        this.commitLog.dispatchReplicated(dispatchFromBytes(buffer, at, position, this.deliverTimeOf));
        position += code;
      } else if (code === RecordCheck.BLANK) {
        position = segmentEnd;
      } else if (code === RecordCheck.NEED_MORE) {
        break;
      } else {
        // Not a record where one must start: the bytes are kept (they are the master's), but
        // nothing after them can be dispatched until the store is checked.
        this.stalled = true;
        this.logger.error(
          { offset: position, reason: recordCheckReason(code) },
          'replicated commit-log data is not a valid record: dispatch to consume queues stops here; compare this store with the master',
        );
      }
    }
    this.dispatchedOffset = position;
    this.pending = position < bufferEnd && !this.stalled ? Buffer.from(buffer.subarray(position - bufferStart)) : EMPTY;
  }
}
