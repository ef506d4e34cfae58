/**
 * The timer log: append-only fixed-size records, one per timer message placed in the wheel,
 * kept in segment files of `segmentBytes` (timer-log-files.ts); a position is a global offset
 * and lives in segment `floor(pos / segmentBytes)`. Records of one wheel slot form a chain, newest first, through `prevPos`, so the
 * wheel needs only the newest position per slot and nothing per timer lives in memory.
 *
 *   0  magic           int32   TIMER_LOG_MAGIC
 *   4  flags           int32   bit 0 DONE: delivered (or rolled); written in place afterwards
 *                              bit 1 RECALL: a recall marker (its message names the timer message
 *                              to drop), placed from rmq_sys_wheel_timer queue 1
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
 *
 * Trimming: each segment keeps three numbers (records, records done, the latest slot any of
 * its records was placed in), rebuilt by a scan on open. A chain only links records of one
 * slot, so once every slot a segment's records were placed in is before the durable read slot
 * (no walk, now or after a restart, opens such a slot again) and all its records are done,
 * nothing can reach the segment and `trim` deletes it. The caller passes the read slot and
 * log end of a checkpoint already on disk.
 */
import { type FileHandle, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readInt64, writeInt64 } from '@rocketmq-ts/protocol';
import { syncDirectory } from '../segment/segment.ts';
import { checkLayout, inferSegmentBytes, listSegmentStarts, segmentFileName, splitOversizedSegment } from './timer-log-files.ts';

export const TIMER_LOG_UNIT = 56;
export const TIMER_LOG_MAGIC = 0x54494d31; // "TIM1"
export const TIMER_FLAG_DONE = 1;
/** A recall marker (RecallMessage), not a message to deliver. */
export const TIMER_FLAG_RECALL = 2;
const READ_WINDOW = 64 * 1024;
/** Default segment size: 64 MiB rounded down to whole records. */
export const DEFAULT_TIMER_LOG_SEGMENT_BYTES = Math.floor((64 * 1024 * 1024) / 56) * 56;

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

/** Rounds a configured segment size down to whole records (at least one). */
export function timerLogSegmentBytes(configured: number): number {
  return Math.max(TIMER_LOG_UNIT, Math.floor(configured / TIMER_LOG_UNIT) * TIMER_LOG_UNIT);
}

interface Segment {
  readonly start: number;
  /** Opened on the first write (a segment of buffered records only has no file yet). */
  handle: FileHandle | undefined;
  /** Bytes in the file. */
  written: number;
  /** Written since the last datasync. */
  dirty: boolean;
  records: number;
  done: number;
  /** Latest slotMs of its records (+∞ when a record could not be read: never trimmed). */
  maxSlotMs: number;
}

export interface TimerLogOpenOptions {
  dir: string;
  /** Segment size of a log whose size was saved (the wheel file); 0 when unknown. */
  savedSegmentBytes: number;
  /** Segment size for a new log (or a single-file log of an earlier version). */
  segmentBytes: number;
  /** Bytes known durable (the checkpoint's log end): a torn tail is cut only after it. */
  trustedEnd: number;
  /** Called with each record from `trustedEnd` on, in order (the wheel replays them). */
  onRecord: (record: TimerLogRecord) => void;
}

export interface TimerLogDiskUse {
  segments: number;
  bytes: number;
}

export class TimerLog {
  /** Records appended but not yet written, starting at `writtenEnd`. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  private window: { segment: Segment; from: number; data: Buffer } | undefined;
  /** Done flags being written, by record position (a window read meanwhile may miss them). */
  private doneWrites = new Map<number, Promise<unknown>>();
  /** A segment file was created since the last sync (the directory needs a sync too). */
  private created = false;
  private trimming: Promise<number> = Promise.resolve(0);

  private constructor(
    private readonly dir: string,
    readonly segmentBytes: number,
    /** Live segments by index (`pos / segmentBytes`); a missing index was trimmed. */
    private readonly segments: Map<number, Segment>,
    /** Bytes written to the files (durable on `sync`). */
    private writtenEnd: number,
  ) {}

  /** Opens the segments (splitting an old single-file log), rebuilds their counters and cuts a torn tail after `trustedEnd`. */
  static async open(options: TimerLogOpenOptions): Promise<TimerLog> {
    const { dir, trustedEnd, onRecord } = options;
    await mkdir(dir, { recursive: true });
    let starts = await listSegmentStarts(dir);
    const segmentBytes = timerLogSegmentBytes(options.savedSegmentBytes || inferSegmentBytes(starts) || options.segmentBytes);
    checkLayout(dir, starts, segmentBytes);
    let split = false;
    for (const start of starts) split = (await splitOversizedSegment(dir, start, segmentBytes)) || split;
    if (split) starts = await listSegmentStarts(dir);
    checkLayout(dir, starts, segmentBytes);
    const segments = new Map<number, Segment>();
    const trusted = trustedEnd - (trustedEnd % TIMER_LOG_UNIT);
    let end = 0;
    let cutAt: number | undefined;
    const chunk = Buffer.allocUnsafe(TIMER_LOG_UNIT * 4096);
    for (const [i, start] of starts.entries()) {
      const path = join(dir, segmentFileName(start));
      if (cutAt !== undefined) {
        // After a torn record: nothing here was ever durable.
        await unlink(path);
        continue;
      }
      const handle = await open(path, 'r+');
      const size = Math.min((await handle.stat()).size, segmentBytes);
      const segment: Segment = { start, handle, written: 0, dirty: false, records: 0, done: 0, maxSlotMs: -Infinity };
      let at = 0;
      scan: while (at + TIMER_LOG_UNIT <= size) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - at), at);
        const whole = bytesRead - (bytesRead % TIMER_LOG_UNIT);
        if (whole === 0) break;
        for (let k = 0; k < whole; k += TIMER_LOG_UNIT, at += TIMER_LOG_UNIT) {
          const pos = start + at;
          const record = decodeTimerRecord(chunk, k, pos);
          if (!record) {
            if (pos >= trusted) break scan;
            // Synced before a checkpoint yet unreadable: keep the segment for ever rather than guess.
            segment.records++;
            segment.maxSlotMs = Infinity;
            continue;
          }
          segment.records++;
          if (record.flags & TIMER_FLAG_DONE) segment.done++;
          segment.maxSlotMs = Math.max(segment.maxSlotMs, record.slotMs);
          if (pos >= trusted) onRecord(record);
        }
      }
      segment.written = at;
      if ((await handle.stat()).size > at) await handle.truncate(at);
      // A short segment followed by others: the tail after it is torn off (never the trusted part).
      if (at < segmentBytes && i < starts.length - 1 && start + at >= trusted) cutAt = start + at;
      segments.set(start / segmentBytes, segment);
      end = start + at;
    }
    // The checkpoint's end may lie past every file (its segment had no record yet, or was trimmed before it).
    return new TimerLog(dir, segmentBytes, segments, Math.max(end, trusted));
  }

  /** Position the next record gets. */
  get end(): number {
    return this.writtenEnd + this.pendingBytes;
  }

  private segmentOf(pos: number): Segment | undefined {
    return this.segments.get(Math.floor(pos / this.segmentBytes));
  }

  append(record: Omit<TimerLogRecord, 'pos'>): number {
    const pos = this.end;
    const buffer = Buffer.allocUnsafe(TIMER_LOG_UNIT);
    encodeTimerRecord(buffer, 0, record);
    this.pending.push(buffer);
    this.pendingBytes += TIMER_LOG_UNIT;
    const index = Math.floor(pos / this.segmentBytes);
    let segment = this.segments.get(index);
    if (!segment) {
      segment = { start: index * this.segmentBytes, handle: undefined, written: 0, dirty: false, records: 0, done: 0, maxSlotMs: -Infinity };
      this.segments.set(index, segment);
    }
    segment.records++;
    if (record.flags & TIMER_FLAG_DONE) segment.done++;
    segment.maxSlotMs = Math.max(segment.maxSlotMs, record.slotMs);
    return pos;
  }

  private async fileOf(segment: Segment): Promise<FileHandle> {
    if (segment.handle) return segment.handle;
    const path = join(this.dir, segmentFileName(segment.start));
    // 'a+' creates it; positional writes need 'r+' ('a' appends whatever the position).
    await (await open(path, 'a+')).close();
    segment.handle = await open(path, 'r+');
    this.created = true;
    return segment.handle;
  }

  /** Writes the buffered records (in order, split at segment ends; concurrent calls queue up). */
  write(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.pendingBytes === 0) return;
      const data = Buffer.concat(this.pending, this.pendingBytes);
      for (let done = 0; done < data.length; ) {
        const pos = this.writtenEnd + done;
        const segment = this.segmentOf(pos)!;
        const handle = await this.fileOf(segment);
        const length = Math.min(segment.start + this.segmentBytes - pos, data.length - done);
        for (let n = 0; n < length; ) n += (await handle.write(data, done + n, length - n, pos - segment.start + n)).bytesWritten;
        segment.written = pos - segment.start + length;
        segment.dirty = true;
        done += length;
      }
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
    for (const segment of this.segments.values()) {
      if (!segment.dirty || !segment.handle) continue;
      segment.dirty = false;
      await segment.handle.datasync();
    }
    if (this.created) {
      this.created = false;
      await syncDirectory(this.dir);
    }
  }

  /** Reads the record at `pos` (buffered or on disk); undefined past the end or in a trimmed segment. */
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
    const segment = this.segmentOf(pos);
    if (!segment?.handle) return undefined;
    const w = this.window;
    if (w && w.segment === segment && pos >= w.from && pos + TIMER_LOG_UNIT <= w.from + w.data.length) return this.withDoneFlag(decodeTimerRecord(w.data, pos - w.from, pos));
    // The window stays inside the segment: records never straddle two files.
    const from = Math.max(segment.start, pos + TIMER_LOG_UNIT - READ_WINDOW);
    const data = Buffer.allocUnsafe(Math.min(READ_WINDOW, segment.start + segment.written - from));
    const { bytesRead } = await segment.handle.read(data, 0, data.length, from - segment.start);
    this.window = { segment, from, data: data.subarray(0, bytesRead) };
    return this.withDoneFlag(decodeTimerRecord(this.window.data, pos - from, pos));
  }

  /** A window read may predate a done flag still being written: apply those. */
  private withDoneFlag(record: TimerLogRecord | undefined): TimerLogRecord | undefined {
    if (record && this.doneWrites.has(record.pos)) record.flags |= TIMER_FLAG_DONE;
    return record;
  }

  /** Marks a record delivered, so a restart does not deliver it again. */
  markDone(pos: number): void {
    const segment = this.segmentOf(pos);
    if (!segment || pos < 0 || pos >= this.end) return;
    if (pos >= this.writtenEnd) {
      let at = this.writtenEnd;
      for (const buffer of this.pending) {
        if (pos < at + buffer.length) {
          const i = pos - at;
          const flags = buffer.readInt32BE(i + 4);
          if (!(flags & TIMER_FLAG_DONE)) segment.done++;
          buffer.writeInt32BE(flags | TIMER_FLAG_DONE, i + 4);
          return;
        }
        at += buffer.length;
      }
      return;
    }
    const handle = segment.handle;
    if (!handle || this.doneWrites.has(pos)) return;
    // Records are marked once (a walk skips done ones), so the counter does not double count.
    segment.done = Math.min(segment.records, segment.done + 1);
    const w = this.window;
    if (w && w.segment === segment && pos >= w.from && pos + TIMER_LOG_UNIT <= w.from + w.data.length) {
      const i = pos - w.from;
      w.data.writeInt32BE(w.data.readInt32BE(i + 4) | TIMER_FLAG_DONE, i + 4);
    }
    const flag = Buffer.allocUnsafe(4);
    flag.writeInt32BE(TIMER_FLAG_DONE);
    // A done record is skipped whatever its other flags said, so DONE alone is written.
    const write = handle.write(flag, 0, 4, pos - segment.start + 4).finally(() => {
      if (this.doneWrites.get(pos) === write) this.doneWrites.delete(pos);
    });
    segment.dirty = true;
    this.doneWrites.set(pos, write);
  }

  /**
   * Deletes the segments nothing can read again, given a checkpoint already on disk: full and
   * before its log end, every record done, every record's slot before its read slot. Returns
   * how many were deleted. A crash part-way leaves segments that the next trim deletes.
   */
  trim(durableLogEnd: number, durableReadSlotMs: number): Promise<number> {
    // One trim at a time (two checkpoints may overlap).
    const run = this.trimming.then(() => this.trimNow(durableLogEnd, durableReadSlotMs));
    this.trimming = run.catch(() => 0);
    return run;
  }

  private async trimNow(durableLogEnd: number, durableReadSlotMs: number): Promise<number> {
    let deleted = 0;
    for (const [index, segment] of [...this.segments].sort((a, b) => a[0] - b[0])) {
      if (segment.start + this.segmentBytes > Math.min(durableLogEnd, this.writtenEnd)) break;
      if (segment.maxSlotMs >= durableReadSlotMs || segment.done < segment.records || this.segments.get(index) !== segment) continue;
      // Out of the map first: a read from now on answers undefined instead of touching a closed file.
      this.segments.delete(index);
      if (this.window?.segment === segment) this.window = undefined;
      const inFlight = [...this.doneWrites].filter(([pos]) => pos >= segment.start && pos < segment.start + this.segmentBytes).map(([, write]) => write);
      await Promise.allSettled(inFlight);
      await segment.handle?.close();
      await unlink(join(this.dir, segmentFileName(segment.start))).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      deleted++;
    }
    return deleted;
  }

  /** Segment files and their bytes (what the timer log takes on disk, buffered records aside). */
  diskUse(): TimerLogDiskUse {
    let segments = 0;
    let bytes = 0;
    for (const segment of this.segments.values()) {
      if (!segment.handle) continue;
      segments++;
      bytes += segment.written;
    }
    return { segments, bytes };
  }

  async close(): Promise<void> {
    await this.trimming;
    await this.sync();
    for (const segment of this.segments.values()) await segment.handle?.close();
    this.segments.clear();
  }
}
