/**
 * CommitLog recovery (spec §6 step 3; Java CommitLog.recoverNormally / recoverAbnormally).
 *
 * With the checkpoint's recoverOffset (ours), either mode validates from there: the time
 * recovery takes follows what was written in the last checkpoint interval, not the store size.
 * Without it, normal (no `abort`): validate from the 3rd-from-last segment. abnormal: from the newest
 * segment whose first record is a message with 0 < storeTimestamp ≤ checkpoint min timestamp
 * (else the first segment). Records are validated with CRC (checkCRCOnRecover); the first
 * invalid one is the end. Then the log is cut there: later segments are deleted and the rest
 * of the containing segment is zeroed (Java leaves those bytes; we zero them so no later scan
 * can resurrect a stale record). The report says what was dropped, and it is logged.
 */
import { MESSAGE_MAGIC_CODE, MESSAGE_MAGIC_CODE_V2, type Logger, MessageSysFlag, readInt64 } from '@rocketmq-ts/protocol';
import { scanRecords } from '../commit-log/record-scanner.ts';
import type { Segment } from '../segment/segment.ts';
import type { SegmentQueue } from '../segment/segment-queue.ts';

export interface RecoveryReport {
  /** 'empty': there were no segments. */
  mode: 'normal' | 'abnormal' | 'empty';
  /**
   * Where validation started. After an abnormal recovery every record from here on must be
   * dispatched again (consume-queue dispatch skips what it already has); after a normal one
   * re-dispatch from the consume queues' max physical offset suffices.
   */
  scanFrom: number;
  /** The log ends here (the commit log's maxOffset after recovery). */
  end: number;
  /** = end: the first byte no longer part of the log. */
  droppedFrom: number;
  /** Non-zero bytes found after `end` and removed (in the containing segment and in deleted ones). */
  droppedBytes: number;
  /** Segment files deleted because they lay after the end. */
  droppedSegments: string[];
  /** Why validation stopped at `end`. */
  reason: string;
}

export interface RecoverCommitLogOptions {
  abnormal: boolean;
  /** Abnormal recovery: records stored at or before this time are known flushed and dispatched (ms). */
  checkpointMinTimestamp: number;
  /**
   * A record boundary below which everything is flushed and dispatched (the checkpoint's
   * recoverOffset), -1 when unknown. When it lies in the log, validation starts there.
   */
  checkpointOffset?: number;
  checkCRC: boolean;
  readSize: number;
  logger: Logger;
}

export async function recoverCommitLog(queue: SegmentQueue, options: RecoverCommitLogOptions): Promise<RecoveryReport> {
  const segments = queue.segments;
  const last = queue.last();
  if (!last) {
    return { mode: 'empty', scanFrom: 0, end: 0, droppedFrom: 0, droppedBytes: 0, droppedSegments: [], reason: 'no commit-log segments' };
  }
  const known = options.checkpointOffset ?? -1;
  const first = segments[0]!;
  let scanFrom: number;
  if (known >= first.startOffset && known <= last.endOffset) {
    scanFrom = known;
  } else {
    const startIndex = options.abnormal ? await abnormalStartIndex(segments, options.checkpointMinTimestamp) : Math.max(0, segments.length - 3);
    scanFrom = segments[startIndex]!.startOffset;
  }
  const outcome = await scanRecords(queue, scanFrom, { limit: last.endOffset, checkCRC: options.checkCRC, readSize: options.readSize });
  const end = outcome.end;
  const containing = outcome.segment ?? queue.find(end) ?? last;

  let droppedBytes = 0;
  const droppedSegments: string[] = [];
  const laterIndex = queue.indexOf(containing) + 1;
  for (const segment of segments.slice(laterIndex)) {
    droppedBytes += await dataExtent(segment, 0);
    droppedSegments.push(segment.name);
  }
  await queue.deleteFrom(laterIndex);
  const position = end - containing.startOffset;
  if (position < containing.size) {
    droppedBytes += await dataExtent(containing, position);
    await queue.zeroTail(containing, position);
  }

  const report: RecoveryReport = {
    mode: options.abnormal ? 'abnormal' : 'normal',
    scanFrom,
    end,
    droppedFrom: end,
    droppedBytes,
    droppedSegments,
    reason: outcome.reason,
  };
  if (droppedBytes > 0 || droppedSegments.length > 0) {
    options.logger.warn(
      { ...report, segment: containing.file },
      `commit log recovery dropped ${droppedBytes} bytes from offset ${end} (${outcome.reason})` +
        (droppedSegments.length > 0 ? ` and deleted segments ${droppedSegments.join(', ')}` : ''),
    );
  } else {
    options.logger.info({ ...report }, `commit log recovered (${report.mode}); it ends at offset ${end}`);
  }
  return report;
}

/** isMappedFileMatchedRecover, newest segment first. */
async function abnormalStartIndex(segments: readonly Segment[], minTimestamp: number): Promise<number> {
  const header = Buffer.alloc(128);
  for (let index = segments.length - 1; index >= 0; index--) {
    const segment = segments[index]!;
    const read = await segment.read(header, 0, header.length, 0);
    if (read < 80) continue;
    const magic = header.readInt32BE(4);
    if (magic !== MESSAGE_MAGIC_CODE && magic !== MESSAGE_MAGIC_CODE_V2) continue;
    const sysFlag = header.readInt32BE(36);
    const storeTimestamp = readInt64(header, sysFlag & MessageSysFlag.BORNHOST_V6 ? 68 : 56);
    if (storeTimestamp > 0 && storeTimestamp <= minTimestamp) return index;
  }
  return 0;
}

const PAGE = 4096;
const ZERO_PAGE = Buffer.alloc(PAGE);

/**
 * How many bytes after `position` hold data: up to the last non-zero byte before the first
 * all-zero aligned 4 KiB page (data is written front to back, so that is where it ends).
 */
export async function dataExtent(segment: Segment, position: number): Promise<number> {
  const window = Buffer.allocUnsafe(256 * 1024);
  let lastNonZero = -1;
  let at = position - (position % PAGE);
  while (at < segment.size) {
    const read = await segment.read(window, 0, Math.min(window.length, segment.size - at), at);
    if (read <= 0) break;
    for (let i = 0; i < read; i += PAGE) {
      const from = Math.max(i, position - at);
      const to = Math.min(read, i + PAGE);
      if (from >= to) continue;
      if (window.compare(ZERO_PAGE, 0, to - from, from, to) === 0) {
        if (from === i) return lastNonZero < position ? 0 : lastNonZero + 1 - position;
      } else {
        let j = to - 1;
        while (window[j] === 0) j--;
        lastNonZero = at + j;
      }
    }
    at += read;
  }
  return lastNonZero < position ? 0 : lastNonZero + 1 - position;
}
