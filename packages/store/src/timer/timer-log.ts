/**
 * The timer log: an append-only file of fixed-size records, one per timer message placed in
 * the wheel. Records of one wheel slot form a chain, newest first, through `prevPos`, so the
 * wheel needs only the newest position per slot and nothing per timer lives in memory.
 *
 *   0  magic           int32   TIMER_LOG_MAGIC
 *   4  flags           int32   bit 0 DONE: delivered (or rolled); written in place afterwards
 *   8  deliverMs       int64   when the message is due (epoch ms)
 *  16  slotMs          int64   start of the wheel slot the record was placed in
 *  24  prevPos         int64   previous record of the same slot (−1: none)
 *  32  commitLogOffset int64   the message in the CommitLog (topic rmq_sys_wheel_timer)
 *  40  queueOffset     int64   its offset in rmq_sys_wheel_timer queue 0 (enqueue progress)
 *  48  size            int32   its record size
 *  52  reserved        int32
 *
 * Appends are buffered in memory until `write()`; reads see buffered records too, so the
 * wheel may point at a record before it reaches the disk. Chains are read through a small
 * window (records of one slot usually lie close together), so a walk costs few reads.
 * Our own format: Apache's TimerLog differs (it stores a delay, not the deliver time).
 */
import { open, type FileHandle, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readInt64, writeInt64 } from '@rocketmq-ts/protocol';

export const TIMER_LOG_UNIT = 56;
export const TIMER_LOG_MAGIC = 0x54494d31; // "TIM1"
export const TIMER_FLAG_DONE = 1;
const READ_WINDOW = 64 * 1024;

export interface TimerLogRecord {
  pos: number;
  flags: number;
  deliverMs: number;
  slotMs: number;
  prevPos: number;
  commitLogOffset: number;
  queueOffset: number;
  size: number;
}

export function decodeTimerRecord(buffer: Buffer, at: number, pos: number): TimerLogRecord | undefined {
  if (buffer.length - at < TIMER_LOG_UNIT || buffer.readInt32BE(at) !== TIMER_LOG_MAGIC) return undefined;
  return {
    pos,
    flags: buffer.readInt32BE(at + 4),
    deliverMs: readInt64(buffer, at + 8),
    slotMs: readInt64(buffer, at + 16),
    prevPos: readInt64(buffer, at + 24),
    commitLogOffset: readInt64(buffer, at + 32),
    queueOffset: readInt64(buffer, at + 40),
    size: buffer.readInt32BE(at + 48),
  };
}

function encodeTimerRecord(out: Buffer, at: number, record: Omit<TimerLogRecord, 'pos'>): void {
  out.writeInt32BE(TIMER_LOG_MAGIC, at);
  out.writeInt32BE(record.flags, at + 4);
  writeInt64(out, record.deliverMs, at + 8);
  writeInt64(out, record.slotMs, at + 16);
  writeInt64(out, record.prevPos, at + 24);
  writeInt64(out, record.commitLogOffset, at + 32);
  writeInt64(out, record.queueOffset, at + 40);
  out.writeInt32BE(record.size, at + 48);
  out.writeInt32BE(0, at + 52);
}

export class TimerLog {
  /** Records appended but not yet written, starting at `writtenEnd`. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  private window: { from: number; data: Buffer } | undefined;
  /** Done flags being written, by record position (a window read meanwhile may miss them). */
  private doneWrites = new Map<number, Promise<unknown>>();

  private constructor(
    private readonly handle: FileHandle,
    /** Bytes durable in the file (written; synced on `sync`). */
    private writtenEnd: number,
  ) {}

  /** Opens the log and cuts a torn or zeroed tail at the last whole record from `trustedEnd` on. */
  static async open(file: string, onRecord: (record: TimerLogRecord) => void, trustedEnd: number): Promise<TimerLog> {
    await mkdir(dirname(file), { recursive: true });
    const handle = await open(file, 'a+').then(async (h) => {
      await h.close();
      return open(file, 'r+');
    });
    const size = (await handle.stat()).size;
    let end = Math.min(trustedEnd - (trustedEnd % TIMER_LOG_UNIT), size - (size % TIMER_LOG_UNIT));
    const chunk = Buffer.alloc(TIMER_LOG_UNIT * 4096);
    scan: while (end < size) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - end), end);
      const whole = bytesRead - (bytesRead % TIMER_LOG_UNIT);
      if (whole === 0) break;
      for (let at = 0; at < whole; at += TIMER_LOG_UNIT) {
        const record = decodeTimerRecord(chunk, at, end);
        if (!record) break scan;
        onRecord(record);
        end += TIMER_LOG_UNIT;
      }
    }
    if (end < size) await handle.truncate(end);
    return new TimerLog(handle, end);
  }

  /** Position the next record gets. */
  get end(): number {
    return this.writtenEnd + this.pendingBytes;
  }

  append(record: Omit<TimerLogRecord, 'pos'>): number {
    const pos = this.end;
    const buffer = Buffer.allocUnsafe(TIMER_LOG_UNIT);
    encodeTimerRecord(buffer, 0, record);
    this.pending.push(buffer);
    this.pendingBytes += TIMER_LOG_UNIT;
    return pos;
  }

  /** Writes the buffered records (in order; concurrent calls queue up). */
  write(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.pendingBytes === 0) return;
      const data = Buffer.concat(this.pending, this.pendingBytes);
      let done = 0;
      while (done < data.length) done += (await this.handle.write(data, done, data.length - done, this.writtenEnd + done)).bytesWritten;
      // Only what was taken leaves the buffer: appends made during the write stay queued.
      let taken = 0;
      while (taken < data.length) taken += this.pending.shift()!.length;
      this.pendingBytes -= data.length;
      this.writtenEnd += data.length;
    });
    return this.writing;
  }

  /** Writes everything appended so far, done flags included, and makes it durable. */
  async sync(): Promise<void> {
    await this.write();
    await Promise.all(this.doneWrites.values());
    await this.handle.datasync();
  }

  /** Reads the record at `pos` (buffered or on disk). */
  async read(pos: number): Promise<TimerLogRecord | undefined> {
    if (pos < 0 || pos >= this.end) return undefined;
    if (pos >= this.writtenEnd) {
      let at = this.writtenEnd;
      for (const buffer of this.pending) {
        if (pos < at + buffer.length) return decodeTimerRecord(buffer, pos - at, pos);
        at += buffer.length;
      }
      return undefined;
    }
    const w = this.window;
    if (w && pos >= w.from && pos + TIMER_LOG_UNIT <= w.from + w.data.length) return this.withDoneFlag(decodeTimerRecord(w.data, pos - w.from, pos));
    const from = Math.max(0, pos + TIMER_LOG_UNIT - READ_WINDOW);
    const data = Buffer.allocUnsafe(Math.min(READ_WINDOW, this.writtenEnd - from));
    const { bytesRead } = await this.handle.read(data, 0, data.length, from);
    this.window = { from, data: data.subarray(0, bytesRead) };
    return this.withDoneFlag(decodeTimerRecord(this.window.data, pos - from, pos));
  }

  /** A window read may predate a done flag still being written: apply those. */
  private withDoneFlag(record: TimerLogRecord | undefined): TimerLogRecord | undefined {
    if (record && this.doneWrites.has(record.pos)) record.flags |= TIMER_FLAG_DONE;
    return record;
  }

  /** Marks a record delivered, so a restart does not deliver it again. */
  markDone(pos: number): void {
    if (pos >= this.writtenEnd) {
      let at = this.writtenEnd;
      for (const buffer of this.pending) {
        if (pos < at + buffer.length) {
          const i = pos - at;
          buffer.writeInt32BE(buffer.readInt32BE(i + 4) | TIMER_FLAG_DONE, i + 4);
          return;
        }
        at += buffer.length;
      }
      return;
    }
    const w = this.window;
    if (w && pos >= w.from && pos + TIMER_LOG_UNIT <= w.from + w.data.length) {
      const i = pos - w.from;
      w.data.writeInt32BE(w.data.readInt32BE(i + 4) | TIMER_FLAG_DONE, i + 4);
    }
    const flag = Buffer.allocUnsafe(4);
    flag.writeInt32BE(TIMER_FLAG_DONE);
    // Records are only ever marked once and the flags word holds nothing else.
    const write = this.handle.write(flag, 0, 4, pos + 4).finally(() => {
      if (this.doneWrites.get(pos) === write) this.doneWrites.delete(pos);
    });
    this.doneWrites.set(pos, write);
  }

  async close(): Promise<void> {
    await this.sync();
    await this.handle.close();
  }
}
