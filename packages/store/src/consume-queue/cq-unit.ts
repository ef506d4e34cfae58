/**
 * The ConsumeQueue unit (storage-format.md §3; Java ConsumeQueue.CQ_STORE_UNIT_SIZE):
 *
 *   commitLogOffset int64 | size int32 | tagsCode int64        (20 bytes, big-endian)
 *
 * Logical offset n lives at byte n × 20 of the queue. A unit is valid when offset ≥ 0 and
 * size > 0; all-zero bytes end the queue. A blank unit {0, 0x7FFFFFFF, 0} fills the head of
 * a queue whose first message is not at logical offset 0 (ConsumeQueue.fillPreBlank).
 */
import { readInt64, writeInt64 } from '@rocketmq-ts/protocol';

export const CQ_STORE_UNIT_SIZE = 20;
export const BLANK_UNIT_SIZE = 0x7fffffff;

/** 300,000 units: MessageStoreConfig.mappedFileSizeConsumeQueue. */
export const DEFAULT_MAPPED_FILE_SIZE_CONSUME_QUEUE = 300_000 * CQ_STORE_UNIT_SIZE;

export function writeUnit(out: Buffer, at: number, commitLogOffset: number, size: number, tagsCode: number): void {
  writeInt64(out, commitLogOffset, at);
  out.writeInt32BE(size, at + 8);
  writeInt64(out, tagsCode, at + 12);
}

export function writeBlankUnit(out: Buffer, at: number): void {
  writeUnit(out, at, 0, BLANK_UNIT_SIZE, 0);
}

export function isValidUnit(commitLogOffset: number, size: number): boolean {
  return commitLogOffset >= 0 && size > 0;
}

/** A filler unit: offset 0 with size 0x7FFFFFFF (its tagsCode, 0 when we write it, is not checked). */
export function isBlankUnit(commitLogOffset: number, size: number): boolean {
  return size === BLANK_UNIT_SIZE && commitLogOffset === 0;
}

/**
 * Consecutive units read from one queue, kept as the raw bytes: the pull path walks them
 * with the accessors below and allocates nothing per unit.
 */
export class UnitBatch {
  static readonly EMPTY_BUFFER = Buffer.alloc(0);

  constructor(
    /** Logical offset of unit 0. */
    readonly startOffset: number,
    /** `count × 20` bytes. */
    readonly buffer: Buffer,
  ) {}

  static empty(startOffset: number): UnitBatch {
    return new UnitBatch(startOffset, UnitBatch.EMPTY_BUFFER);
  }

  get count(): number {
    return (this.buffer.length / CQ_STORE_UNIT_SIZE) | 0;
  }

  /** Logical offset just after the last unit: the pull's nextBeginOffset when all are taken. */
  get endOffset(): number {
    return this.startOffset + this.count;
  }

  offsetAt(i: number): number {
    return this.startOffset + i;
  }

  commitLogOffset(i: number): number {
    return readInt64(this.buffer, i * CQ_STORE_UNIT_SIZE);
  }

  size(i: number): number {
    return this.buffer.readInt32BE(i * CQ_STORE_UNIT_SIZE + 8);
  }

  tagsCode(i: number): number {
    return readInt64(this.buffer, i * CQ_STORE_UNIT_SIZE + 12);
  }

  /** A filler unit (pre-fill or gap): no message behind it; the pull skips it. */
  isBlank(i: number): boolean {
    const at = i * CQ_STORE_UNIT_SIZE;
    return this.buffer.readInt32BE(at + 8) === BLANK_UNIT_SIZE && readInt64(this.buffer, at) === 0;
  }
}
