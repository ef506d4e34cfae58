/**
 * Storage of RocketMQ 5.x timer messages (exact deliver time): a timing wheel over the
 * timer log. Memory is flat: one fixed-size slot table, whatever the number of pending timers.
 *
 * `timerwheel` (our own format) = 64-byte header + `slotCount` slots of 24 bytes:
 *
 *   header: magic int32 | version int32 | precisionMs int32 | slotCount int32
 *           | logEnd int64 | queueOffset int64 | readSlotMs int64 | logSegmentBytes int64
 *           | recallQueueOffset int64 | reserved
 *   slot:   slotMs int64 (which turn of the wheel it holds; 0 = never used)
 *           | headPos int64 (newest record of the slot's chain, −1 = none) | count int32
 *           | recalls int32 (recall markers placed in the slot)
 *
 * A slot covers `precisionMs`; slot i holds the slot times ≡ i (mod slotCount), and the stored
 * slotMs says which one, so a stale turn reads as empty. The file is a checkpoint written
 * atomically (temp + fsync + rename) after the timer log is synced up to `logEnd`; opening
 * replays the log records after `logEnd` into the wheel, so a crash anywhere loses nothing
 * the log holds. `queueOffset` (enqueue progress in rmq_sys_wheel_timer) and `readSlotMs`
 * (every slot before it is delivered) travel with it.
 *
 * Disk use is bounded: the log is kept in segments (timer-log.ts) and, after each checkpoint,
 * the segments no slot at or after the saved read slot can reach are deleted. Version 1 of
 * this file (before segments) has no logSegmentBytes; its single-file log is split on open.
 * Files written before recall markers have zeros where recallQueueOffset and recalls are,
 * which reads as "none yet".
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { readInt64, RocketMQError, writeInt64 } from '@rocketmq-ts/protocol';
import { syncDirectory } from '../segment/segment.ts';
import { DEFAULT_TIMER_LOG_SEGMENT_BYTES, TIMER_FLAG_RECALL, TimerLog, type TimerLogDiskUse, type TimerLogRecord } from './timer-log.ts';

const HEADER = 64;
const SLOT = 24;
const WHEEL_MAGIC = 0x54574831; // "TWH1"
const VERSION = 2;

export interface TimerStoreOptions {
  /** Directory of the timer files (`<storePathRootDir>/timerwheel`, `<root>/timerlog/…`). */
  storePathRootDir: string;
  /** Width of one slot. @defaultValue 1000 */
  precisionMs?: number;
  /** Slots in the wheel; the wheel spans slotCount × precisionMs. */
  slotCount: number;
  /**
   * Size of one timer log segment file, in bytes (rounded down to whole 56-byte records). An
   * existing log keeps the size it was written with. Apache's key of the same name.
   * @defaultValue 64 MiB (67,108,832 bytes: 1,198,372 records)
   */
  mappedFileSizeTimerLog?: number;
}

export interface TimerPlacement {
  deliverMs: number;
  slotMs: number;
  commitLogOffset: number;
  size: number;
  queueOffset: number;
}

/** A timer setting the store cannot run with; names the key to fix. */
export class TimerStoreConfigError extends RocketMQError {}

export class TimerStore {
  /** Next rmq_sys_wheel_timer queue-0 offset to enqueue. */
  queueOffset = 0;
  /** Next rmq_sys_wheel_timer queue-1 offset (recall markers) to enqueue. */
  recallQueueOffset = 0;
  /** Every slot before this one is delivered; 0 = not started. */
  readSlotMs = 0;
  /** The progress marks of the checkpoint on disk (nothing is trimmed before one exists). */
  private durable = { logEnd: 0, readSlotMs: 0 };

  private constructor(
    private readonly dir: string,
    readonly precisionMs: number,
    readonly slotCount: number,
    private readonly wheel: Buffer,
    private log: TimerLog | undefined,
  ) {}

  static async open(options: TimerStoreOptions): Promise<TimerStore> {
    const precisionMs = options.precisionMs ?? 1000;
    const dir = options.storePathRootDir;
    await mkdir(dir, { recursive: true });
    const wheel = Buffer.alloc(HEADER + options.slotCount * SLOT);
    let logEnd = 0;
    let queueOffset = 0;
    let readSlotMs = 0;
    let recallQueueOffset = 0;
    let savedSegmentBytes = 0;
    let loaded = false;
    const saved = await readFile(join(dir, 'timerwheel')).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (saved && saved.length >= HEADER && saved.readInt32BE(0) === WHEEL_MAGIC) {
      const savedPrecision = saved.readInt32BE(8);
      const savedSlots = saved.readInt32BE(12);
      if (savedPrecision !== precisionMs || savedSlots !== options.slotCount) {
        throw new TimerStoreConfigError(
          `the timer wheel in ${dir} was written with timerPrecisionMs=${savedPrecision} and ${savedSlots} slots (timerRollWindowSlot), ` +
            `but the broker is configured with ${precisionMs} and ${options.slotCount}; restore the old settings until no timer message is pending`,
        );
      }
      saved.copy(wheel, 0, 0, Math.min(saved.length, wheel.length));
      loaded = true;
      logEnd = readInt64(saved, 16);
      queueOffset = readInt64(saved, 24);
      readSlotMs = readInt64(saved, 32);
      savedSegmentBytes = saved.readInt32BE(4) >= 2 ? readInt64(saved, 40) : 0;
      recallQueueOffset = saved.readInt32BE(4) >= 2 ? readInt64(saved, 48) : 0;
    }
    const store = new TimerStore(dir, precisionMs, options.slotCount, wheel, undefined);
    store.queueOffset = queueOffset;
    store.readSlotMs = readSlotMs;
    store.recallQueueOffset = recallQueueOffset;
    store.log = await TimerLog.open({
      dir: join(dir, 'timerlog'),
      savedSegmentBytes,
      segmentBytes: options.mappedFileSizeTimerLog ?? DEFAULT_TIMER_LOG_SEGMENT_BYTES,
      trustedEnd: logEnd,
      onRecord: (record) => {
        store.link(record.slotMs, record.pos, record.flags);
        store.advanceQueueOffset(record.queueOffset, record.flags);
      },
    });
    // The checkpoint read is on disk: finish a trim a crash interrupted.
    if (loaded) {
      store.durable = { logEnd, readSlotMs };
      await store.trimLog();
    }
    return store;
  }

  private get timerLog(): TimerLog {
    if (!this.log) throw new Error('the timer store is closed');
    return this.log;
  }

  /** Start of the slot that holds `ms`. */
  slotOf(ms: number): number {
    return Math.floor(ms / this.precisionMs) * this.precisionMs;
  }

  private slotAt(slotMs: number): number {
    const index = Math.floor(slotMs / this.precisionMs) % this.slotCount;
    return HEADER + index * SLOT;
  }

  /** The chain of one slot: newest record, count and recall markers placed (−1, 0, 0 when the slot is empty). */
  head(slotMs: number): { headPos: number; count: number; recalls: number } {
    const at = this.slotAt(slotMs);
    if (readInt64(this.wheel, at) !== slotMs) return { headPos: -1, count: 0, recalls: 0 };
    return { headPos: readInt64(this.wheel, at + 8), count: this.wheel.readInt32BE(at + 16), recalls: this.wheel.readInt32BE(at + 20) };
  }

  /** The first slot from `fromSlotMs` on that holds records, within one turn of the wheel. */
  nextBusySlot(fromSlotMs: number): number | undefined {
    for (let i = 0; i < this.slotCount; i++) {
      const slotMs = fromSlotMs + i * this.precisionMs;
      const at = this.slotAt(slotMs);
      if (readInt64(this.wheel, at) === slotMs && readInt64(this.wheel, at + 8) >= 0) return slotMs;
    }
    return undefined;
  }

  /**
   * Appends a record to the log and to its slot's chain; returns its position. `flags` is 0 for
   * a timer message (from queue 0) or TIMER_FLAG_RECALL for a recall marker (from queue 1).
   */
  place(placement: TimerPlacement, flags = 0): number {
    const prevPos = this.head(placement.slotMs).headPos;
    const pos = this.timerLog.append({ flags, prevPos, ...placement });
    this.link(placement.slotMs, pos, flags);
    this.advanceQueueOffset(placement.queueOffset, flags);
    return pos;
  }

  private advanceQueueOffset(queueOffset: number, flags: number): void {
    if (flags & TIMER_FLAG_RECALL) this.recallQueueOffset = Math.max(this.recallQueueOffset, queueOffset + 1);
    else this.queueOffset = Math.max(this.queueOffset, queueOffset + 1);
  }

  private link(slotMs: number, pos: number, flags: number): void {
    const at = this.slotAt(slotMs);
    const fresh = readInt64(this.wheel, at) !== slotMs;
    const recall = flags & TIMER_FLAG_RECALL ? 1 : 0;
    writeInt64(this.wheel, slotMs, at);
    writeInt64(this.wheel, pos, at + 8);
    this.wheel.writeInt32BE(fresh ? 1 : this.wheel.readInt32BE(at + 16) + 1, at + 16);
    this.wheel.writeInt32BE(fresh ? recall : this.wheel.readInt32BE(at + 20) + recall, at + 20);
  }

  read(pos: number): Promise<TimerLogRecord | undefined> {
    return this.timerLog.read(pos);
  }

  /** Flags a record delivered; with its slot, the slot's count (a gauge) goes down too. */
  markDone(pos: number, slotMs?: number): void {
    this.timerLog.markDone(pos);
    if (slotMs === undefined) return;
    const at = this.slotAt(slotMs);
    if (readInt64(this.wheel, at) === slotMs) this.wheel.writeInt32BE(Math.max(0, this.wheel.readInt32BE(at + 16) - 1), at + 16);
  }

  /** Timers not yet delivered in slots from `fromSlotMs` on (a gauge: walks the wheel, not the log; a crash may leave it high). */
  pendingCount(fromSlotMs: number): number {
    let total = 0;
    for (let at = HEADER; at < this.wheel.length; at += SLOT) {
      const slotMs = readInt64(this.wheel, at);
      if (slotMs !== 0 && slotMs >= fromSlotMs) total += this.wheel.readInt32BE(at + 16);
    }
    return total;
  }

  /** Writes buffered log records (not synced). */
  write(): Promise<void> {
    return this.timerLog.write();
  }

  /** Makes the log durable, saves the wheel with the progress marks, then trims the log. */
  async checkpoint(): Promise<void> {
    await this.saveCheckpoint();
    await this.trimLog();
  }

  /** Makes the log durable and saves the wheel with the progress marks (no trim). */
  async saveCheckpoint(): Promise<void> {
    const log = this.timerLog;
    const snapshot = Buffer.from(this.wheel);
    snapshot.writeInt32BE(WHEEL_MAGIC, 0);
    snapshot.writeInt32BE(VERSION, 4);
    snapshot.writeInt32BE(this.precisionMs, 8);
    snapshot.writeInt32BE(this.slotCount, 12);
    writeInt64(snapshot, log.end, 16);
    writeInt64(snapshot, this.queueOffset, 24);
    writeInt64(snapshot, this.readSlotMs, 32);
    writeInt64(snapshot, log.segmentBytes, 40);
    writeInt64(snapshot, this.recallQueueOffset, 48);
    // The snapshot may name records only up to logEnd: they must be on disk before it is.
    await log.sync();
    const path = join(this.dir, 'timerwheel');
    const handle = await open(`${path}.tmp`, 'w');
    try {
      await handle.writeFile(snapshot);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(`${path}.tmp`, path);
    await syncDirectory(this.dir);
    this.durable = { logEnd: readInt64(snapshot, 16), readSlotMs: readInt64(snapshot, 32) };
  }

  /**
   * Deletes the log segments no walk can reach from the last saved checkpoint on (only a saved
   * one counts: a restart reads it, never an older one). Returns how many.
   */
  trimLog(): Promise<number> {
    return this.timerLog.trim(this.durable.logEnd, this.durable.readSlotMs);
  }

  /** What the timer log takes on disk. */
  diskUse(): TimerLogDiskUse {
    return this.timerLog.diskUse();
  }

  async close(): Promise<void> {
    if (!this.log) return;
    await this.checkpoint();
    await this.log.close();
    this.log = undefined;
  }
}
