/**
 * Walks commit-log records from an offset, segment after segment (a BLANK marker sends the
 * walk to the next segment), validating each one with checkRecord, until the limit, the first
 * invalid record, or the visitor says stop. Shared by recovery (find the end) and by
 * CommitLog.scan (re-dispatch). Reads in windows of `readSize` bytes with positional reads.
 */
import type { Segment } from '../segment/segment.ts';
import type { SegmentQueue } from '../segment/segment-queue.ts';
import { checkRecord, RecordCheck, recordCheckReason } from './record-check.ts';

/** Called per valid record; `buffer` is reused after the call returns. Return false to stop after it. */
export type RawRecordVisitor = (buffer: Buffer, at: number, offset: number, size: number) => boolean | void;

export interface ScanOutcome {
  /** Offset just after the last valid record (or BLANK marker): where the next record would start. */
  end: number;
  /** 'end': the limit, zero bytes or a final BLANK marker; 'invalid': a bad record at `end`; 'visitor': stopped on request. */
  stop: 'end' | 'invalid' | 'visitor';
  /** The RecordCheck code found at `end` (ZERO, BLANK, or an invalid one), when stop is not 'visitor'. */
  code?: number;
  /** Why the walk stopped, in words. */
  reason: string;
  /** The segment that holds `end` (undefined when `end` is outside every segment). */
  segment: Segment | undefined;
}

export interface ScanRecordsOptions {
  /** Stop at this offset (the end of the written data, or the end of the last segment). */
  limit: number;
  checkCRC: boolean;
  /** @defaultValue 4 MiB */
  readSize?: number;
}

const DEFAULT_READ_SIZE = 4 * 1024 * 1024;

export async function scanRecords(queue: SegmentQueue, from: number, options: ScanRecordsOptions, visit?: RawRecordVisitor): Promise<ScanOutcome> {
  const { limit, checkCRC } = options;
  const readSize = options.readSize ?? DEFAULT_READ_SIZE;
  let buffer = Buffer.allocUnsafe(Math.min(readSize, Math.max(limit - from, 8)));
  let offset = from;
  for (;;) {
    const segment = queue.find(offset);
    if (!segment || offset >= limit) {
      return { end: offset, stop: 'end', reason: offset >= limit ? 'reached the end of the data' : 'no segment holds this offset', segment };
    }
    const segmentLimit = Math.min(segment.endOffset, limit);
    let windowStart = offset;
    let windowLength = 0;
    for (;;) {
      if (offset >= segmentLimit) {
        if (segmentLimit === limit) return { end: offset, stop: 'end', reason: 'reached the end of the data', segment };
        // A record never fills a segment to its last byte (8 bytes are kept for the BLANK marker).
        return invalid(offset, RecordCheck.TRUNCATED, segment);
      }
      const at = offset - windowStart;
      const code = checkRecord(buffer, at, windowLength - at, segmentLimit - offset, offset, checkCRC);
      if (code > 0) {
        if (visit?.(buffer, at, offset, code) === false) {
          return { end: offset + code, stop: 'visitor', reason: 'stopped by the visitor', segment };
        }
        offset += code;
        continue;
      }
      if (code === RecordCheck.NEED_MORE) {
        const declared = windowLength - at >= 4 ? buffer.readInt32BE(at) : 0;
        const want = Math.min(Math.max(readSize, declared, 8), segmentLimit - offset);
        if (buffer.length < want) buffer = Buffer.allocUnsafe(want);
        windowStart = offset;
        windowLength = await segment.read(buffer, 0, want, offset - segment.startOffset);
        if (windowLength < Math.min(want, 8) || (declared > 0 && windowLength < declared)) {
          return invalid(offset, RecordCheck.TRUNCATED, segment);
        }
        continue;
      }
      if (code === RecordCheck.BLANK) {
        const next = queue.find(segment.endOffset);
        if (next && segment.endOffset < limit) {
          offset = segment.endOffset;
          break;
        }
        // The data ends with this segment (the next one is not written yet): the next record goes there.
        return { end: segment.endOffset, stop: 'end', code, reason: 'BLANK marker at the end of the data', segment };
      }
      if (code === RecordCheck.ZERO) return { end: offset, stop: 'end', code, reason: recordCheckReason(code), segment };
      return invalid(offset, code, segment);
    }
  }
}

function invalid(offset: number, code: number, segment: Segment): ScanOutcome {
  return { end: offset, stop: 'invalid', code, reason: recordCheckReason(code), segment };
}
