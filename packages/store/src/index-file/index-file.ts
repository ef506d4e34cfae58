/**
 * One IndexFile (IndexFile.java, storage-format.md §4):
 *
 *   header 40 B | maxHashSlotNum × int32 slot (newest entry index, 0 = empty) |
 *   maxIndexNum × entry { keyHash int32 | phyOffset int64 | timeDiff int32 (s) | prevIndex int32 }
 *
 * Only the newest file is written ("active"). Node has no mmap, so the active file keeps its
 * whole slot table in memory as an Int32Array — maxHashSlotNum × 4 bytes, **20 MB at the
 * default 5,000,000 slots** — and buffers new entries; `write()` writes the new entries, the
 * 4 KiB slot pages that changed and the header, in that order, from one consistent snapshot.
 * Older files are read from disk on query, through a short-lived read-only handle.
 */
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename } from 'node:path';
import { javaStringHash, readInt64, writeInt64 } from '@rocketmq-ts/protocol';
import {
  HASH_SLOT_SIZE,
  INDEX_ENTRY_SIZE,
  INDEX_HEADER_SIZE,
  type IndexHeader,
  decodeIndexHeader,
  encodeIndexHeader,
  indexFileSize,
  newIndexHeader,
} from './index-header.ts';

/** Slots per dirty-tracking page: 1024 × 4 B = one 4 KiB OS page. */
const SLOTS_PER_PAGE = 1024;
const SLOT_READ_CHUNK = 256 * SLOTS_PER_PAGE;
const INITIAL_PENDING_ENTRIES = 256;
const LITTLE_ENDIAN = endianness() === 'LE';

/** |String.hashCode(key)|, with Integer.MIN_VALUE (whose abs is negative) mapped to 0. */
export function indexKeyHash(key: string): number {
  const hash = Math.abs(javaStringHash(key));
  return hash > 0x7fffffff ? 0 : hash;
}

/** State kept only while the file is the one being written. */
interface ActiveState {
  handle: FileHandle;
  slots: Int32Array;
  dirtyPages: Uint8Array;
  dirtyPageCount: number;
  /** Entries not yet written: indexes [pendingFirst, pendingFirst + pendingCount). */
  pending: Buffer;
  pendingFirst: number;
  pendingCount: number;
  headerDirty: boolean;
}

/** Entries read per pass when a file is rolled back (20 MiB). */
const ROLL_BACK_CHUNK = 1 << 20;

export class IndexFile {
  readonly name: string;
  readonly fileSize: number;
  private active: ActiveState | undefined;
  private writing: Promise<void> | undefined;
  /** The header as of the last write that also wrote every changed slot page (the disk agrees with it). */
  private slotsWrittenAt: IndexHeader | undefined;

  private constructor(
    readonly path: string,
    readonly hashSlotNum: number,
    readonly indexNum: number,
    readonly header: IndexHeader,
  ) {
    this.name = basename(path);
    this.fileSize = indexFileSize(hashSlotNum, indexNum);
  }

  /** Reads the header of an existing file; the file stays closed until used. */
  static async load(path: string, hashSlotNum: number, indexNum: number): Promise<IndexFile> {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(INDEX_HEADER_SIZE);
      await handle.read(buffer, 0, INDEX_HEADER_SIZE, 0);
      return new IndexFile(path, hashSlotNum, indexNum, decodeIndexHeader(buffer));
    } finally {
      await handle.close();
    }
  }

  /**
   * Creates a new file (sparse, full size) and makes it active. A file that follows a full
   * one starts from that file's end offset and end timestamp.
   */
  static async create(path: string, hashSlotNum: number, indexNum: number, endPhyOffset: number, endTimestamp: number): Promise<IndexFile> {
    const header = newIndexHeader();
    if (endPhyOffset > 0) header.beginPhyOffset = header.endPhyOffset = endPhyOffset;
    if (endTimestamp > 0) header.beginTimestamp = header.endTimestamp = endTimestamp;
    const file = new IndexFile(path, hashSlotNum, indexNum, header);
    const handle = await open(path, 'wx+');
    try {
      await handle.truncate(file.fileSize);
      file.active = file.newActiveState(handle, new Int32Array(hashSlotNum));
      file.active.headerDirty = true;
      file.slotsWrittenAt = undefined;
      await file.write();
    } catch (error) {
      await handle.close();
      throw error;
    }
    return file;
  }

  get isWriteFull(): boolean {
    return this.header.indexCount >= this.indexNum;
  }

  get isActive(): boolean {
    return this.active !== undefined;
  }

  get beginTimestamp(): number {
    return this.header.beginTimestamp;
  }

  get endTimestamp(): number {
    return this.header.endTimestamp;
  }

  get endPhyOffset(): number {
    return this.header.endPhyOffset;
  }

  /** Entries not yet written, in bytes. */
  get pendingBytes(): number {
    return this.active ? this.active.pendingCount * INDEX_ENTRY_SIZE : 0;
  }

  /** Makes a reopened, not yet full file writable: loads its slot table into memory. */
  async activate(): Promise<void> {
    if (this.active) return;
    const handle = await open(this.path, 'r+');
    try {
      const stat = await handle.stat();
      if (stat.size < this.fileSize) await handle.truncate(this.fileSize);
      const slots = new Int32Array(this.hashSlotNum);
      const chunk = Buffer.allocUnsafe(Math.min(SLOT_READ_CHUNK, this.hashSlotNum) * HASH_SLOT_SIZE);
      for (let first = 0; first < this.hashSlotNum; first += SLOT_READ_CHUNK) {
        const count = Math.min(SLOT_READ_CHUNK, this.hashSlotNum - first);
        const length = count * HASH_SLOT_SIZE;
        let read = 0;
        while (read < length) {
          const { bytesRead } = await handle.read(chunk, read, length - read, INDEX_HEADER_SIZE + first * HASH_SLOT_SIZE + read);
          if (bytesRead === 0) break;
          read += bytesRead;
        }
        chunk.fill(0, read, length);
        for (let i = 0; i < count; i++) slots[first + i] = chunk.readInt32BE(i * HASH_SLOT_SIZE);
      }
      this.active = this.newActiveState(handle, slots);
      this.slotsWrittenAt = { ...this.header };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * After a crash: returns this file to `mark`, its header as of a datasync at which the slot
   * table on disk agreed with it. A slot changed since then names an entry past the mark; it
   * is walked back along its chain, in passes over the entries from the newest down, to the
   * first entry within the mark. False when the file cannot be trusted (a chain through
   * something that is not an entry of that slot, as a power loss can leave): the caller
   * deletes it and rebuilds the index from the file's start.
   */
  async rollBack(mark: IndexHeader): Promise<boolean> {
    const written = this.header.indexCount;
    const first = mark.indexCount;
    if (first > written || first < 1 || (first > 1 && mark.beginTimestamp !== this.header.beginTimestamp)) return false;
    await this.activate();
    const active = this.active!;
    const slots = active.slots;
    const buffer = Buffer.allocUnsafe(Math.min(ROLL_BACK_CHUNK, Math.max(1, written - first)) * INDEX_ENTRY_SIZE);
    for (let hi = written; hi > first; hi -= ROLL_BACK_CHUNK) {
      const lo = Math.max(first, hi - ROLL_BACK_CHUNK);
      const entries = await readFully(active.handle, buffer, (hi - lo) * INDEX_ENTRY_SIZE, this.entryPosition(lo));
      for (let slot = 0; slot < this.hashSlotNum; slot++) {
        let index = slots[slot]!;
        if (index < lo) continue;
        // Entries at or past `written` were never counted by a header on disk.
        if (index >= hi) return false;
        while (index >= lo) {
          const at = (index - lo) * INDEX_ENTRY_SIZE;
          const keyHash = entries.readInt32BE(at);
          const prevIndex = entries.readInt32BE(at + 16);
          if (keyHash < 0 || keyHash % this.hashSlotNum !== slot || readInt64(entries, at + 4) < mark.endPhyOffset || prevIndex < 0 || prevIndex >= index) return false;
          index = prevIndex;
        }
        slots[slot] = index;
        this.markDirty(active, (slot / SLOTS_PER_PAGE) | 0, 1);
      }
    }
    Object.assign(this.header, mark);
    active.pendingFirst = mark.indexCount;
    active.pendingCount = 0;
    active.headerDirty = true;
    this.slotsWrittenAt = undefined;
    return true;
  }

  private newActiveState(handle: FileHandle, slots: Int32Array): ActiveState {
    return {
      handle,
      slots,
      dirtyPages: new Uint8Array(Math.ceil(this.hashSlotNum / SLOTS_PER_PAGE)),
      dirtyPageCount: 0,
      pending: Buffer.allocUnsafe(INITIAL_PENDING_ENTRIES * INDEX_ENTRY_SIZE),
      pendingFirst: this.header.indexCount,
      pendingCount: 0,
      headerDirty: false,
    };
  }

  /**
   * Adds `key` → `phyOffset` (IndexFile.putKey). False when the file is full. The file must
   * be active.
   */
  putKey(key: string, phyOffset: number, storeTimestamp: number): boolean {
    const active = this.active;
    if (!active) throw new Error(`index file ${this.path} is not open for writing`);
    const header = this.header;
    if (header.indexCount >= this.indexNum) return false;
    const keyHash = indexKeyHash(key);
    const slot = keyHash % this.hashSlotNum;
    let slotValue = active.slots[slot]!;
    if (slotValue <= 0 || slotValue > header.indexCount) slotValue = 0;

    let timeDiff = Math.trunc((storeTimestamp - header.beginTimestamp) / 1000);
    if (header.beginTimestamp <= 0 || timeDiff < 0) timeDiff = 0;
    else if (timeDiff > 0x7fffffff) timeDiff = 0x7fffffff;

    if ((active.pendingCount + 1) * INDEX_ENTRY_SIZE > active.pending.length) {
      const grown = Buffer.allocUnsafe(active.pending.length * 2);
      active.pending.copy(grown, 0, 0, active.pendingCount * INDEX_ENTRY_SIZE);
      active.pending = grown;
    }
    const at = active.pendingCount * INDEX_ENTRY_SIZE;
    active.pending.writeInt32BE(keyHash, at);
    writeInt64(active.pending, phyOffset, at + 4);
    active.pending.writeInt32BE(timeDiff, at + 12);
    active.pending.writeInt32BE(slotValue, at + 16);
    active.pendingCount++;

    active.slots[slot] = header.indexCount;
    const page = (slot / SLOTS_PER_PAGE) | 0;
    if (active.dirtyPages[page] === 0) {
      active.dirtyPages[page] = 1;
      active.dirtyPageCount++;
    }
    if (header.indexCount <= 1) {
      header.beginPhyOffset = phyOffset;
      header.beginTimestamp = storeTimestamp;
    }
    if (slotValue === 0) header.hashSlotCount++;
    header.indexCount++;
    header.endPhyOffset = phyOffset;
    header.endTimestamp = storeTimestamp;
    active.headerDirty = true;
    return true;
  }

  /** Whether [begin, end] overlaps the file's time range (IndexFile.isTimeMatched). */
  isTimeMatched(begin: number, end: number): boolean {
    const { beginTimestamp, endTimestamp } = this.header;
    return (
      (begin < beginTimestamp && end > endTimestamp) ||
      (begin >= beginTimestamp && begin <= endTimestamp) ||
      (end >= beginTimestamp && end <= endTimestamp)
    );
  }

  /**
   * Appends to `out` the phyOffsets of the entries of `key` stored within [begin, end], newest
   * first, until `out` holds maxNum (IndexFile.selectPhyOffset). Hash collisions included.
   */
  async select(out: number[], key: string, maxNum: number, begin: number, end: number): Promise<void> {
    const header = this.header;
    if (header.indexCount <= 1 || out.length >= maxNum) return;
    const keyHash = indexKeyHash(key);
    const slot = keyHash % this.hashSlotNum;
    let handle: FileHandle | undefined;
    const scratch = Buffer.allocUnsafe(INDEX_ENTRY_SIZE);
    try {
      let slotValue: number;
      if (this.active) slotValue = this.active.slots[slot]!;
      else {
        handle = await open(this.path, 'r');
        slotValue = (await readFully(handle, scratch, HASH_SLOT_SIZE, INDEX_HEADER_SIZE + slot * HASH_SLOT_SIZE)).readInt32BE(0);
      }
      if (slotValue <= 0 || slotValue > header.indexCount) return;
      for (let next = slotValue; out.length < maxNum; ) {
        let entry: Buffer;
        const active = this.active;
        if (active && next >= active.pendingFirst && next < active.pendingFirst + active.pendingCount) {
          entry = active.pending.subarray((next - active.pendingFirst) * INDEX_ENTRY_SIZE);
        } else {
          handle ??= await open(this.path, 'r');
          entry = await readFully(handle, scratch, INDEX_ENTRY_SIZE, this.entryPosition(next));
        }
        const keyHashRead = entry.readInt32BE(0);
        const phyOffset = readInt64(entry, 4);
        const timeDiff = entry.readInt32BE(12);
        const prevIndex = entry.readInt32BE(16);
        if (timeDiff < 0) break;
        const timeRead = header.beginTimestamp + timeDiff * 1000;
        if (keyHash === keyHashRead && timeRead >= begin && timeRead <= end) out.push(phyOffset);
        // Chains only point backwards; anything else is damage (Java checks prev == next only).
        if (prevIndex <= 0 || prevIndex > header.indexCount || prevIndex >= next || timeRead < begin) break;
        next = prevIndex;
      }
    } finally {
      await handle?.close();
    }
  }

  private entryPosition(index: number): number {
    return INDEX_HEADER_SIZE + this.hashSlotNum * HASH_SLOT_SIZE + index * INDEX_ENTRY_SIZE;
  }

  /**
   * Writes new entries, changed slot pages (unless `slots: false`) and the header; no datasync.
   * Without the slots the file on disk lags behind in its slot table only, which matters
   * nowhere: queries of the active file read the slots from memory, and after a crash the
   * active file is deleted (its end is past the checkpoint's indexMsgTimestamp).
   */
  async write(options: { slots?: boolean } = {}): Promise<void> {
    // Waits for the previous write only; its failure was already reported to its own caller.
    while (this.writing) await this.writing.catch(() => undefined);
    const active = this.active;
    if (!active || (active.pendingCount === 0 && active.dirtyPageCount === 0 && !active.headerDirty)) return;
    const writing = this.writeSnapshot(active, options.slots ?? true);
    this.writing = writing;
    try {
      await writing;
    } finally {
      if (this.writing === writing) this.writing = undefined;
    }
  }

  private async writeSnapshot(active: ActiveState, withSlots: boolean): Promise<void> {
    // Snapshot synchronously, so the three parts describe the same moment. The entries stay
    // in `pending` (readable) until they are on disk; putKey only appends after them, and a
    // grown buffer is a copy, so this view stays valid.
    const entryCount = active.pendingCount;
    const entries = active.pending.subarray(0, entryCount * INDEX_ENTRY_SIZE);
    const entriesAt = this.entryPosition(active.pendingFirst);
    const slotRuns = withSlots ? this.snapshotDirtyPages(active) : [];
    const header = active.headerDirty ? encodeIndexHeader(this.header) : undefined;
    const snapshot = withSlots ? { ...this.header } : undefined;
    active.headerDirty = false;
    try {
      if (entries.length > 0) await writeFully(active.handle, entries, entriesAt);
      for (const run of slotRuns) await writeFully(active.handle, run.bytes, run.position);
      if (header) await writeFully(active.handle, header, 0);
      if (snapshot) this.slotsWrittenAt = snapshot;
    } catch (error) {
      for (const run of slotRuns) this.markDirty(active, run.firstPage, run.pageCount);
      if (header) active.headerDirty = true;
      throw error;
    }
    active.pending.copyWithin(0, entryCount * INDEX_ENTRY_SIZE, active.pendingCount * INDEX_ENTRY_SIZE);
    active.pendingCount -= entryCount;
    active.pendingFirst += entryCount;
  }

  private snapshotDirtyPages(active: ActiveState): { position: number; bytes: Buffer; firstPage: number; pageCount: number }[] {
    const runs: { position: number; bytes: Buffer; firstPage: number; pageCount: number }[] = [];
    if (active.dirtyPageCount === 0) return runs;
    const pages = active.dirtyPages;
    for (let page = 0; page < pages.length; page++) {
      if (pages[page] === 0) continue;
      let last = page;
      while (last + 1 < pages.length && pages[last + 1] === 1) last++;
      const firstSlot = page * SLOTS_PER_PAGE;
      const endSlot = Math.min(this.hashSlotNum, (last + 1) * SLOTS_PER_PAGE);
      // A copy of the slots' memory, byte-swapped to big-endian by one native call.
      const bytes = Buffer.allocUnsafe((endSlot - firstSlot) * HASH_SLOT_SIZE);
      bytes.set(new Uint8Array(active.slots.buffer, active.slots.byteOffset + firstSlot * HASH_SLOT_SIZE, bytes.length));
      if (LITTLE_ENDIAN) bytes.swap32();
      runs.push({ position: INDEX_HEADER_SIZE + firstSlot * HASH_SLOT_SIZE, bytes, firstPage: page, pageCount: last - page + 1 });
      pages.fill(0, page, last + 1);
      page = last;
    }
    active.dirtyPageCount = 0;
    return runs;
  }

  private markDirty(active: ActiveState, firstPage: number, pageCount: number): void {
    for (let page = firstPage; page < firstPage + pageCount; page++) {
      if (active.dirtyPages[page] === 0) {
        active.dirtyPages[page] = 1;
        active.dirtyPageCount++;
      }
    }
  }

  /**
   * write() + datasync. Returns the header the file on disk now agrees with, slots included
   * (undefined for a file not being written, or rolled back and not yet rewritten).
   */
  async flush(): Promise<IndexHeader | undefined> {
    await this.write();
    const durable = this.slotsWrittenAt;
    await this.active?.handle.datasync();
    return this.active ? durable : undefined;
  }

  /** Flushes, closes the handle and frees the slot table: the file becomes read-only. */
  async deactivate(): Promise<void> {
    const active = this.active;
    if (!active) return;
    await this.flush();
    this.active = undefined;
    await active.handle.close();
  }

  /** Deletes the file (and drops any unwritten state). */
  async destroy(): Promise<void> {
    // Waits for the previous write only; its failure was already reported to its own caller.
    while (this.writing) await this.writing.catch(() => undefined);
    const active = this.active;
    this.active = undefined;
    await active?.handle.close();
    try {
      await unlink(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

async function readFully(handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<Buffer> {
  let read = 0;
  while (read < length) {
    const { bytesRead } = await handle.read(buffer, read, length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  buffer.fill(0, read, length);
  return buffer;
}

async function writeFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, written, buffer.length - written, position + written);
    written += bytesWritten;
  }
}
