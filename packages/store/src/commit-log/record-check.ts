/**
 * Record validation (spec §2.3, Java CommitLog.checkMessageAndReturnSize), allocation-free:
 *
 *   totalSize int32 | magic int32 (BLANK ⇒ end of segment) | bodyCRC int32 | … sysFlag @36 …
 *   bodyLength int32 @ 68 + bornHost + storeHost | body | topicLength int8 (int16 with magic V2)
 *   | topic | propertiesLength int16 | properties
 *
 * A record is valid when its magic is MESSAGE (or 5.x V2), the lengths it declares add up to
 * TOTALSIZE, the body CRC matches (when asked) and — stricter than Java, which never writes
 * otherwise — its PHYSICALOFFSET field is its own position. The last rule rejects the stale
 * copies Java leaves behind a BLANK marker and any data from an earlier life of the file.
 */
import {
  BLANK_MAGIC_CODE,
  bodyCrc,
  MESSAGE_MAGIC_CODE,
  MESSAGE_MAGIC_CODE_V2,
  MessageSysFlag,
  readInt64,
  storedMessageLength,
} from '@rocketmq-ts/protocol';

/** The 8-byte end-of-segment marker: int32 remaining + int32 BLANK_MAGIC_CODE. */
export const BLANK_MARKER_LENGTH = 8;
/** Smallest possible record: no body, topic or properties, IPv4 hosts. */
export const MIN_RECORD_LENGTH = storedMessageLength(0, 0, 0, 0);

/** checkRecord results that are not a record length. */
export const RecordCheck = {
  /** A BLANK marker: the rest of the segment is empty. */
  BLANK: 0,
  /** The record is complete only beyond the bytes given: read more and check again. */
  NEED_MORE: -1,
  /** Zero bytes where a record should start: the clean end of the log. */
  ZERO: -2,
  BAD_MAGIC: -3,
  BAD_LENGTH: -4,
  /** The record runs past the end of its segment (or of the written data). */
  TRUNCATED: -5,
  BAD_CRC: -6,
  BAD_OFFSET: -7,
} as const;

const reasons: Record<number, string> = {
  [RecordCheck.ZERO]: 'zero bytes (end of data)',
  [RecordCheck.BAD_MAGIC]: 'not a record (bad magic code)',
  [RecordCheck.BAD_LENGTH]: 'record lengths do not add up to its TOTALSIZE',
  [RecordCheck.TRUNCATED]: 'record cut short (runs past the end of the segment or of the written data)',
  [RecordCheck.BAD_CRC]: 'body CRC mismatch',
  [RecordCheck.BAD_OFFSET]: 'PHYSICALOFFSET field does not match the record position',
};

export function recordCheckReason(code: number): string {
  return reasons[code] ?? `unknown (${code})`;
}

/**
 * Checks the record at `buffer[at]`, whose commit-log offset is `offset`. `available` is how
 * many bytes of it the buffer holds; `limit` how many the segment (or the written data) has
 * from `at` on (> 0; `available` ≥ min(limit, 8) unless more must be read). Returns the record length (> 0), or a RecordCheck code (≤ 0).
 */
export function checkRecord(buffer: Buffer, at: number, available: number, limit: number, offset: number, checkCRC: boolean): number {
  if (available < 8) {
    if (limit >= 8) return RecordCheck.NEED_MORE;
    // Fewer than 8 bytes before the segment end: the writer never leaves that, so it is the end.
    return isZero(buffer, at, available) ? RecordCheck.ZERO : RecordCheck.TRUNCATED;
  }
  const totalSize = buffer.readInt32BE(at);
  const magic = buffer.readInt32BE(at + 4);
  if (magic === BLANK_MAGIC_CODE) return RecordCheck.BLANK;
  if (magic !== MESSAGE_MAGIC_CODE && magic !== MESSAGE_MAGIC_CODE_V2) {
    return totalSize === 0 && magic === 0 ? RecordCheck.ZERO : RecordCheck.BAD_MAGIC;
  }
  if (totalSize < MIN_RECORD_LENGTH) return RecordCheck.BAD_LENGTH;
  if (totalSize > limit) return RecordCheck.TRUNCATED;
  if (totalSize > available) return RecordCheck.NEED_MORE;
  const sysFlag = buffer.readInt32BE(at + 36);
  const bornHostLength = sysFlag & MessageSysFlag.BORNHOST_V6 ? 20 : 8;
  const storeHostLength = sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6 ? 20 : 8;
  const bodyLengthAt = at + 68 + bornHostLength + storeHostLength;
  const end = at + totalSize;
  if (bodyLengthAt + 4 > end) return RecordCheck.BAD_LENGTH;
  const bodyLength = buffer.readInt32BE(bodyLengthAt);
  const bodyAt = bodyLengthAt + 4;
  const topicLengthAt = bodyAt + bodyLength;
  const topicLengthSize = magic === MESSAGE_MAGIC_CODE_V2 ? 2 : 1;
  if (bodyLength < 0 || topicLengthAt + topicLengthSize > end) return RecordCheck.BAD_LENGTH;
  const topicLength = topicLengthSize === 2 ? buffer.readInt16BE(topicLengthAt) : buffer.readUInt8(topicLengthAt);
  const propertiesLengthAt = topicLengthAt + topicLengthSize + topicLength;
  if (topicLength < 0 || propertiesLengthAt + 2 > end) return RecordCheck.BAD_LENGTH;
  const propertiesLength = buffer.readInt16BE(propertiesLengthAt);
  const expected = storedMessageLength(sysFlag, bodyLength, topicLength, propertiesLength) + topicLengthSize - 1;
  if (propertiesLength < 0 || expected !== totalSize) return RecordCheck.BAD_LENGTH;
  if (readInt64(buffer, at + 28) !== offset) return RecordCheck.BAD_OFFSET;
  if (checkCRC && bodyCrc(buffer.subarray(bodyAt, bodyAt + bodyLength)) !== buffer.readInt32BE(at + 8)) return RecordCheck.BAD_CRC;
  return totalSize;
}

function isZero(buffer: Buffer, at: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (buffer[at + i] !== 0) return false;
  return true;
}

/** Writes the end-of-segment marker: `remaining` bytes to the segment end, then BLANK_MAGIC_CODE. */
export function writeBlankMarker(buffer: Buffer, at: number, remaining: number): number {
  buffer.writeInt32BE(remaining, at);
  buffer.writeInt32BE(BLANK_MAGIC_CODE, at + 4);
  return at + BLANK_MARKER_LENGTH;
}
