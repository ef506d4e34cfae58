/**
 * The 40-byte IndexFile header (IndexHeader.java, storage-format.md §4):
 *
 *   beginTimestamp int64 @0 | endTimestamp int64 @8 | beginPhyOffset int64 @16 |
 *   endPhyOffset int64 @24 | hashSlotCount int32 @32 | indexCount int32 @36
 *
 * indexCount is the next entry index; entry 0 is never used, so it starts at 1 (0 on disk
 * reads as 1).
 */
import { readInt64, writeInt64 } from '@rocketmq-ts/protocol';

export const INDEX_HEADER_SIZE = 40;
export const HASH_SLOT_SIZE = 4;
export const INDEX_ENTRY_SIZE = 20;

export interface IndexHeader {
  beginTimestamp: number;
  endTimestamp: number;
  beginPhyOffset: number;
  endPhyOffset: number;
  hashSlotCount: number;
  indexCount: number;
}

/** The newest IndexFile as the store checkpoint records it: its name and its durable header. */
export interface IndexMark {
  fileName: string;
  header: IndexHeader;
}

export function newIndexHeader(): IndexHeader {
  return { beginTimestamp: 0, endTimestamp: 0, beginPhyOffset: 0, endPhyOffset: 0, hashSlotCount: 0, indexCount: 1 };
}

export function decodeIndexHeader(buffer: Buffer): IndexHeader {
  const indexCount = buffer.readInt32BE(36);
  return {
    beginTimestamp: readInt64(buffer, 0),
    endTimestamp: readInt64(buffer, 8),
    beginPhyOffset: readInt64(buffer, 16),
    endPhyOffset: readInt64(buffer, 24),
    hashSlotCount: buffer.readInt32BE(32),
    indexCount: indexCount <= 0 ? 1 : indexCount,
  };
}

export function encodeIndexHeader(header: IndexHeader, out: Buffer = Buffer.allocUnsafe(INDEX_HEADER_SIZE)): Buffer {
  writeInt64(out, header.beginTimestamp, 0);
  writeInt64(out, header.endTimestamp, 8);
  writeInt64(out, header.beginPhyOffset, 16);
  writeInt64(out, header.endPhyOffset, 24);
  out.writeInt32BE(header.hashSlotCount, 32);
  out.writeInt32BE(header.indexCount, 36);
  return out;
}

/** Size of an IndexFile: 40 + slots × 4 + entries × 20 (420,000,040 bytes at the defaults). */
export function indexFileSize(maxHashSlotNum: number, maxIndexNum: number): number {
  return INDEX_HEADER_SIZE + maxHashSlotNum * HASH_SLOT_SIZE + maxIndexNum * INDEX_ENTRY_SIZE;
}
