/**
 * One logical queue of a (topic, queueId): ConsumeQueue.java (4.8).
 *
 *   consumequeue/<topic>/<queueId>/<20-digit byte offset>   mappedFileSizeConsumeQueue bytes each
 *   unit n at byte n × 20:  commitLogOffset int64 | size int32 | tagsCode int64
 *
 * The meaning of the units lives here (pre-fill, idempotent dispatch, min/max offsets, search
 * by time, recovery, truncation, expiry); the files, the in-memory tail and the I/O live in
 * UnitFileQueue. Units dispatched but not yet written are visible to readers at once.
 *
 * Single writer: putUnit, recover, truncateDirty, correctMinOffset and deleteExpiredFiles
 * come from the store's one dispatch/cleanup path; reads may run at any time.
 */
import { join } from 'node:path';
import { type Logger, readInt64, silentLogger } from '@rocketmq-ts/protocol';
import {
  CQ_STORE_UNIT_SIZE,
  DEFAULT_MAPPED_FILE_SIZE_CONSUME_QUEUE,
  UnitBatch,
  isBlankUnit,
  isValidUnit,
  writeBlankUnit,
  writeUnit,
} from './cq-unit.ts';
import { ConsumeQueueConfigError, InvalidQueueTopicError } from './errors.ts';
import { FileHandlePool } from './file-handle-pool.ts';
import { offsetToFileName } from './file-name.ts';
import { SCAN_CHUNK, UnitFileQueue, isNotFound, isZero } from './unit-file-queue.ts';

export interface ConsumeQueueOptions {
  /**
   * Bytes per segment file; a multiple of 20.
   * @defaultValue 6,000,000 (300,000 units)
   */
  mappedFileSizeConsumeQueue?: number;
  /**
   * Unwritten units (bytes) after which a write starts in the background without waiting
   * for the next `write()`.
   * @defaultValue 65,520 (3,276 units)
   */
  writeBufferBytes?: number;
  logger?: Logger;
  /** Shared handle pool; a queue opened alone gets a private one. */
  pool?: FileHandlePool;
  /** Called when the queue goes from nothing to write to something to write. */
  onDirty?: (queue: ConsumeQueue) => void;
}

/** Units a pull's consume-queue read fetches at least: 8 KB, the next pulls' units too. */
const READ_AHEAD_UNITS = 400;

export type ConsumeQueueDamageKind = 'invalid-unit' | 'zeroed-unit' | 'out-of-order' | 'cut-file';

export interface ConsumeQueueDamage {
  kind: ConsumeQueueDamageKind;
  /** Segment file name where the valid data ends. */
  file: string;
  /** Logical offset of the first unit dropped (= the queue's max offset after recovery). */
  logicalOffset: number;
  detail: string;
}

export interface ConsumeQueueRecovery {
  topic: string;
  queueId: number;
  minOffset: number;
  maxOffset: number;
  maxPhysicalOffset: number;
  /** Why the valid data ended where it did; undefined for a clean end (zero bytes). */
  damage: ConsumeQueueDamage | undefined;
  /** Non-zero units after the end that were zeroed. */
  droppedUnits: number;
  /** Segment files after the end that were deleted. */
  droppedFiles: string[];
  /** Segment files shorter than the configured size, extended with zeros. */
  resizedFiles: string[];
}

interface Unit {
  commitLogOffset: number;
  size: number;
  tagsCode: number;
}

export class ConsumeQueue {
  readonly fileSize: number;
  private readonly ownsPool: boolean;
  private readonly pool: FileHandlePool;
  private readonly logger: Logger;
  private readonly writeBufferBytes: number;
  private readonly q: UnitFileQueue;
  /** Byte offset of the first readable unit (Java minLogicOffset). */
  private minLogicOffset = 0;
  private maxPhysicOffset = -1;
  private needsRecovery = false;
  /** The last units read ahead of a pull (READ_AHEAD_UNITS of them), served from memory. */
  private readAhead: UnitBatch | undefined;
  /** Bumped whenever existing units may change: a read that started before is not kept. */
  private generation = 0;
  /** Recoveries, truncations, deletions in progress. */
  private changing = 0;

  private constructor(
    readonly topic: string,
    readonly queueId: number,
    /** consumequeue/<topic>/<queueId> */
    readonly dir: string,
    options: ConsumeQueueOptions,
  ) {
    this.fileSize = options.mappedFileSizeConsumeQueue ?? DEFAULT_MAPPED_FILE_SIZE_CONSUME_QUEUE;
    if (!Number.isSafeInteger(this.fileSize) || this.fileSize <= 0 || this.fileSize % CQ_STORE_UNIT_SIZE !== 0) {
      throw new ConsumeQueueConfigError(
        `mappedFileSizeConsumeQueue must be a positive multiple of ${CQ_STORE_UNIT_SIZE}, got ${this.fileSize}`,
      );
    }
    this.ownsPool = options.pool === undefined;
    this.pool = options.pool ?? new FileHandlePool({ maxOpenFiles: 8 });
    this.logger = options.logger ?? silentLogger;
    this.writeBufferBytes = options.writeBufferBytes ?? SCAN_CHUNK;
    const onDirty = options.onDirty;
    this.q = new UnitFileQueue(dir, this.fileSize, this.pool, this.logger, () => onDirty?.(this));
  }

  /**
   * Opens the queue of `topic`/`queueId` under `<rootDir>/consumequeue` and lists its files.
   * A queue with files must be `recover()`ed before the first putUnit.
   */
  static async open(rootDir: string, topic: string, queueId: number, options: ConsumeQueueOptions = {}): Promise<ConsumeQueue> {
    const queue = ConsumeQueue.create(rootDir, topic, queueId, options);
    await queue.load();
    return queue;
  }

  /** A queue object without touching the disk: for a queue known to have no files yet. */
  static create(rootDir: string, topic: string, queueId: number, options: ConsumeQueueOptions = {}): ConsumeQueue {
    validateTopicDirName(topic);
    if (!Number.isInteger(queueId) || queueId < 0) throw new ConsumeQueueConfigError(`queueId must be a non-negative integer, got ${queueId}`);
    return new ConsumeQueue(topic, queueId, join(rootDir, 'consumequeue', topic, String(queueId)), options);
  }

  /** Logical offset of the first readable unit. */
  get minOffset(): number {
    return this.minLogicOffset / CQ_STORE_UNIT_SIZE;
  }

  /** Logical offset the next unit gets (units dispatched but not yet written count). */
  get maxOffset(): number {
    return this.q.writeEnd / CQ_STORE_UNIT_SIZE;
  }

  /** End (offset + size) of the last commit-log record referenced; -1 when none. */
  get maxPhysicalOffset(): number {
    return this.maxPhysicOffset;
  }

  get fileCount(): number {
    return this.q.files.length;
  }

  /** Unwritten bytes waiting in memory. */
  get pendingBytes(): number {
    return this.q.pendingBytes;
  }

  /** The first logical offset of the segment after the one holding `logicalOffset`. */
  rollNextFile(logicalOffset: number): number {
    const unitsPerFile = this.fileSize / CQ_STORE_UNIT_SIZE;
    return logicalOffset + unitsPerFile - (logicalOffset % unitsPerFile);
  }

  // -------------------------------------------------------------------------------------------
  // Write path

  /**
   * Appends the unit for the record at `commitLogOffset` with queue offset `logicalOffset`.
   * Returns false when the unit is already there (re-dispatch after recovery): its record
   * ends at or before the queue's max physical offset, or its logical offset is taken.
   * The first unit of an empty queue at k > 0 front-fills its file with blank units and
   * makes k the min offset; a gap (logical offset past the end) is filled with blank units
   * too, so unit n stays at byte n × 20 (Java appends at the end and logs "[BUG]").
   */
  putUnit(logicalOffset: number, commitLogOffset: number, size: number, tagsCode: number): boolean {
    if (this.needsRecovery) {
      throw new ConsumeQueueConfigError(`consume queue ${this.topic}/${this.queueId} must be recovered before it is written`);
    }
    if (commitLogOffset + size <= this.maxPhysicOffset) return false;
    const q = this.q;
    const expect = logicalOffset * CQ_STORE_UNIT_SIZE;
    if (q.files.length === 0) {
      q.resetEnd(q.fileStartOf(expect));
      this.minLogicOffset = expect;
      if (expect > q.writeEnd) {
        this.logger.info({ topic: this.topic, queueId: this.queueId, logicalOffset }, 'consume queue starts past 0: front-filling blank units');
      }
      this.appendBlanks(expect);
    } else if (expect !== q.writeEnd) {
      if (expect < q.writeEnd) return false;
      // An empty queue restarts at the new offset; a queue with units gets a gap of blanks.
      if (q.writeEnd === this.minLogicOffset) this.minLogicOffset = expect;
      this.logger.warn(
        { topic: this.topic, queueId: this.queueId, logicalOffset, maxOffset: this.maxOffset },
        'consume queue gap: filling the missing logical offsets with blank units',
      );
      this.appendBlanks(expect);
    }
    const { buffer, at } = q.reserveUnit();
    writeUnit(buffer, at, commitLogOffset, size, tagsCode);
    this.maxPhysicOffset = commitLogOffset + size;
    if (q.pendingBytes >= this.writeBufferBytes && !q.isWriting) {
      q.write().catch((error: unknown) => {
        this.logger.error({ topic: this.topic, queueId: this.queueId, err: error }, 'background consume queue write failed; will retry');
      });
    }
    return true;
  }

  private appendBlanks(untilByte: number): void {
    while (this.q.writeEnd < untilByte) {
      const { buffer, at } = this.q.reserveUnit();
      writeBlankUnit(buffer, at);
    }
  }

  /** Writes the units dispatched since the last write (one positional write per file touched); no datasync. */
  write(): Promise<void> {
    return this.q.write();
  }

  /** write() + datasync of every file written since the last flush. */
  flush(): Promise<void> {
    return this.q.flush();
  }

  // -------------------------------------------------------------------------------------------
  // Read path

  /**
   * Up to `maxCount` units from `logicalOffset` on (from minOffset if below it), as raw bytes;
   * empty at or past maxOffset. Blank filler units inside the range are returned (isBlank).
   */
  async getUnits(logicalOffset: number, maxCount: number): Promise<UnitBatch> {
    for (let attempt = 0; ; attempt++) {
      const start = Math.max(logicalOffset, this.minOffset);
      const count = Math.min(Math.max(0, Math.floor(maxCount)), this.maxOffset - start);
      if (count <= 0) return UnitBatch.empty(start);
      const ahead = this.readAhead;
      if (ahead && start >= ahead.startOffset && start + count <= ahead.endOffset) {
        const from = (start - ahead.startOffset) * CQ_STORE_UNIT_SIZE;
        return new UnitBatch(start, ahead.buffer.subarray(from, from + count * CQ_STORE_UNIT_SIZE));
      }
      // Read ahead: a consumer's next pulls ask for the units after these.
      const readCount = count < READ_AHEAD_UNITS ? Math.min(READ_AHEAD_UNITS, this.maxOffset - start) : count;
      const buffer = Buffer.allocUnsafe(readCount * CQ_STORE_UNIT_SIZE);
      const generation = this.generation;
      try {
        await this.q.readInto(buffer, start * CQ_STORE_UNIT_SIZE);
        if (readCount > count && generation === this.generation && this.changing === 0) this.readAhead = new UnitBatch(start, buffer);
        return new UnitBatch(start, buffer.subarray(0, count * CQ_STORE_UNIT_SIZE));
      } catch (error) {
        // A cleanup deleted the file under us: the offset is now below min, read from there.
        if (!isNotFound(error) || attempt > 0 || start >= this.minOffset) throw error;
      }
    }
  }

  /**
   * Units below maxOffset never change, except by recovery, truncation and deletion, which run
   * through here: the read-ahead is dropped before and after, and not kept meanwhile.
   */
  private async changingUnits<T>(change: () => Promise<T>): Promise<T> {
    this.changing++;
    this.forgetReadAhead();
    try {
      return await change();
    } finally {
      this.changing--;
      this.forgetReadAhead();
    }
  }

  private forgetReadAhead(): void {
    this.readAhead = undefined;
    this.generation++;
  }

  /**
   * The logical offset whose record's store time is closest to `timestamp` (4.8
   * getOffsetInQueueByTime): binary search over [minOffset, maxOffset); an exact match wins
   * (the first of equal times), else the nearer neighbour, the earlier on a tie; the last
   * unit when all are older, the first when all are newer; maxOffset for an empty queue (0
   * without files). `storeTimeAt` reads a record's store timestamp; a negative answer (record
   * gone) makes the result 0, as in Java. Blank units count as "older".
   */
  async searchOffsetByTime(timestamp: number, storeTimeAt: (commitLogOffset: number, size: number) => Promise<number>): Promise<number> {
    let low = this.minOffset;
    let high = this.maxOffset - 1;
    if (high < low) return this.maxOffset;
    let left = -1;
    let leftTime = -1;
    let right = -1;
    let rightTime = -1;
    let target = -1;
    while (high >= low) {
      const mid = Math.floor((low + high) / 2);
      const unit = await this.readUnit(mid * CQ_STORE_UNIT_SIZE);
      if (isBlankUnit(unit.commitLogOffset, unit.size) || !isValidUnit(unit.commitLogOffset, unit.size)) {
        low = mid + 1;
        continue;
      }
      const storeTime = await storeTimeAt(unit.commitLogOffset, unit.size);
      if (storeTime < 0) return 0;
      if (storeTime === timestamp) {
        target = mid;
        high = mid - 1; // keep looking left for the first unit with this time
      } else if (storeTime > timestamp) {
        high = mid - 1;
        right = mid;
        rightTime = storeTime;
      } else {
        low = mid + 1;
        left = mid;
        leftTime = storeTime;
      }
    }
    if (target !== -1) return target;
    if (leftTime === -1) return right === -1 ? this.minOffset : right;
    if (rightTime === -1) return left;
    return Math.abs(timestamp - leftTime) > Math.abs(timestamp - rightTime) ? right : left;
  }

  private async readUnit(byteOffset: number): Promise<Unit> {
    const scratch = Buffer.allocUnsafe(CQ_STORE_UNIT_SIZE);
    await this.q.readInto(scratch, byteOffset);
    return { commitLogOffset: readInt64(scratch, 0), size: scratch.readInt32BE(8), tagsCode: readInt64(scratch, 12) };
  }

  // -------------------------------------------------------------------------------------------
  // Load, recovery, truncation, retention

  private async load(): Promise<void> {
    await this.q.load();
    if (this.q.files.length > 0) {
      this.minLogicOffset = this.q.files[0]!;
      this.needsRecovery = true;
    }
  }

  /**
   * Finds the end of the valid units (ConsumeQueue.recover): scans from the third-from-last
   * file and stops at the first unit that is invalid (offset < 0 or size ≤ 0), points before
   * its predecessor's record (out of order), or lies past the end of a cut file. Everything
   * after that point is zeroed, later files are deleted, cut files are extended back to the
   * configured size. Blank pre-fill units are valid.
   */
  recover(): Promise<ConsumeQueueRecovery> {
    return this.changingUnits(() => this.recoverUnits());
  }

  private async recoverUnits(): Promise<ConsumeQueueRecovery> {
    const q = this.q;
    const report: ConsumeQueueRecovery = {
      topic: this.topic,
      queueId: this.queueId,
      minOffset: 0,
      maxOffset: 0,
      maxPhysicalOffset: -1,
      damage: undefined,
      droppedUnits: 0,
      droppedFiles: [],
      resizedFiles: [],
    };
    this.needsRecovery = false;
    if (q.files.length === 0) return report;

    let index = Math.max(0, q.files.length - 3);
    let maxPhys = index > 0 ? await this.lastRealUnitEnd(q.files[index]!) : -1;
    let prevEnd = maxPhys;
    let end = -1;
    let damage: ConsumeQueueDamage | undefined;
    const scratch = Buffer.allocUnsafe(SCAN_CHUNK);
    scan: for (; index < q.files.length; index++) {
      const fileStart = q.files[index]!;
      const onDisk = q.shortFiles.get(fileStart) ?? this.fileSize;
      const available = onDisk - (onDisk % CQ_STORE_UNIT_SIZE);
      for (let pos = 0; pos < available; pos += SCAN_CHUNK) {
        const n = Math.min(SCAN_CHUNK, available - pos);
        await q.readFile(fileStart, scratch, 0, n, pos);
        for (let i = 0; i < n; i += CQ_STORE_UNIT_SIZE) {
          const offset = readInt64(scratch, i);
          const size = scratch.readInt32BE(i + 8);
          const at = fileStart + pos + i;
          if (!isValidUnit(offset, size)) {
            end = at;
            if (!isZero(scratch, i, CQ_STORE_UNIT_SIZE)) {
              damage = this.damage('invalid-unit', at, `unit {offset ${offset}, size ${size}} is not valid`);
            }
            break scan;
          }
          if (isBlankUnit(offset, size)) continue;
          if (offset < prevEnd) {
            end = at;
            damage = this.damage('out-of-order', at, `unit points at commit-log offset ${offset}, before the previous record's end ${prevEnd}`);
            break scan;
          }
          prevEnd = offset + size;
          maxPhys = prevEnd;
        }
      }
      if (available < this.fileSize) {
        end = fileStart + available;
        damage = this.damage('cut-file', end, `file is ${onDisk} of ${this.fileSize} bytes`);
        break;
      }
    }
    if (end === -1) end = q.files[q.files.length - 1]! + this.fileSize;

    // Zero what follows the end inside its file: always after damage; after a clean end only
    // if the next chunk shows data (zeroed units with valid ones behind them).
    const endFile = q.fileStartOf(end);
    if (q.files.includes(endFile)) {
      const limit = Math.max(end - endFile, q.shortFiles.get(endFile) ?? this.fileSize);
      let dirty = damage !== undefined;
      if (!dirty) {
        const n = Math.min(SCAN_CHUNK, limit - (end - endFile));
        await q.readFile(endFile, scratch, 0, n, end - endFile);
        dirty = !isZero(scratch, 0, n);
        if (dirty) damage = this.damage('zeroed-unit', end, 'zero bytes followed by more units');
      }
      if (dirty) report.droppedUnits = await q.zeroRange(endFile, end - endFile, limit, scratch);
    }
    // Later files: deleted (Java MappedFileQueue.truncateDirtyFiles); data in them is damage.
    for (const start of q.files.filter((fileStart) => fileStart > end)) {
      const first = await this.readUnit(start);
      if (damage === undefined && isValidUnit(first.commitLogOffset, first.size)) {
        damage = this.damage('zeroed-unit', end, `file ${offsetToFileName(start)} after the end holds units`);
      }
      await q.deleteFile(start);
      report.droppedFiles.push(offsetToFileName(start));
    }
    for (const [start, size] of [...q.shortFiles]) {
      await q.extend(start);
      report.resizedFiles.push(offsetToFileName(start));
      this.logger.warn({ file: q.pathOf(start), size, expected: this.fileSize }, 'consume queue file was short; extended with zeros');
    }

    q.resetEnd(end);
    this.maxPhysicOffset = maxPhys;
    if (this.minLogicOffset > end) this.minLogicOffset = end;
    report.damage = damage;
    report.minOffset = this.minOffset;
    report.maxOffset = this.maxOffset;
    report.maxPhysicalOffset = this.maxPhysicOffset;
    if (damage || report.droppedUnits > 0 || report.droppedFiles.length > 0) {
      this.logger.warn({ ...report }, 'consume queue recovered with data dropped');
    }
    return report;
  }

  private damage(kind: ConsumeQueueDamageKind, atByte: number, detail: string): ConsumeQueueDamage {
    return { kind, file: offsetToFileName(this.q.fileStartOf(atByte)), logicalOffset: atByte / CQ_STORE_UNIT_SIZE, detail };
  }

  /** End of the last non-blank valid unit before byte `before`; -1 if none. */
  private async lastRealUnitEnd(before: number): Promise<number> {
    const first = this.q.files[0] ?? 0;
    const scratch = Buffer.allocUnsafe(SCAN_CHUNK);
    let end = before;
    while (end > first) {
      const from = Math.max(first, end - SCAN_CHUNK);
      const chunk = scratch.subarray(0, end - from);
      await this.q.readInto(chunk, from);
      for (let i = chunk.length - CQ_STORE_UNIT_SIZE; i >= 0; i -= CQ_STORE_UNIT_SIZE) {
        const offset = readInt64(chunk, i);
        const size = chunk.readInt32BE(i + 8);
        if (isValidUnit(offset, size) && !isBlankUnit(offset, size)) return offset + size;
      }
      end = from;
    }
    return -1;
  }

  /**
   * Drops the units whose record ends past `commitLogEnd` (ConsumeQueue.truncateDirtyLogicFiles,
   * after the commit log was cut there): a last file whose first unit is dirty is deleted,
   * the rest of the containing file zeroed. Returns the number of units dropped.
   */
  truncateDirty(commitLogEnd: number): Promise<number> {
    return this.changingUnits(() => this.truncateDirtyUnits(commitLogEnd));
  }

  private async truncateDirtyUnits(commitLogEnd: number): Promise<number> {
    if (this.maxPhysicOffset <= commitLogEnd) return 0;
    const q = this.q;
    await q.write();
    const oldMax = this.maxOffset;
    const scratch = Buffer.allocUnsafe(SCAN_CHUNK);
    let newEnd = q.writeEnd;
    while (q.files.length > 0) {
      const fileStart = q.files[q.files.length - 1]!;
      const dataEnd = Math.min(q.writeEnd, fileStart + this.fileSize);
      let firstDirty = -1;
      for (let pos = fileStart; pos < dataEnd && firstDirty === -1; pos += SCAN_CHUNK) {
        const n = Math.min(SCAN_CHUNK, dataEnd - pos);
        await q.readFile(fileStart, scratch, 0, n, pos - fileStart);
        for (let i = 0; i < n; i += CQ_STORE_UNIT_SIZE) {
          const offset = readInt64(scratch, i);
          const size = scratch.readInt32BE(i + 8);
          if (isBlankUnit(offset, size)) continue;
          if (!isValidUnit(offset, size) || offset + size > commitLogEnd) {
            firstDirty = pos + i;
            break;
          }
        }
      }
      if (firstDirty === -1) {
        newEnd = dataEnd;
        break;
      }
      if (firstDirty === fileStart) {
        await q.deleteFile(fileStart);
        newEnd = fileStart;
        q.resetEnd(fileStart);
        continue;
      }
      newEnd = firstDirty;
      await q.zeroRange(fileStart, firstDirty - fileStart, dataEnd - fileStart, scratch);
      break;
    }
    q.resetEnd(q.files.length === 0 ? 0 : newEnd);
    if (this.minLogicOffset > q.writeEnd) this.minLogicOffset = q.writeEnd;
    this.maxPhysicOffset = await this.lastRealUnitEnd(q.writeEnd);
    const dropped = oldMax - this.maxOffset;
    this.logger.warn({ topic: this.topic, queueId: this.queueId, commitLogEnd, dropped }, 'consume queue truncated to the commit log end');
    return dropped;
  }

  /**
   * Sets minOffset to the first real unit whose record starts at or after `commitLogMinOffset`
   * (ConsumeQueue.correctMinOffset; blank units are skipped); maxOffset if there is none.
   */
  correctMinOffset(commitLogMinOffset: number): Promise<void> {
    return this.changingUnits(() => this.correctMinOffsetUnits(commitLogMinOffset));
  }

  private async correctMinOffsetUnits(commitLogMinOffset: number): Promise<void> {
    const q = this.q;
    const first = q.files[0];
    if (first === undefined) return;
    const scratch = Buffer.allocUnsafe(SCAN_CHUNK);
    for (let pos = Math.max(first, this.minLogicOffset); pos < q.writeEnd; pos += SCAN_CHUNK) {
      const chunk = scratch.subarray(0, Math.min(SCAN_CHUNK, q.writeEnd - pos));
      await q.readInto(chunk, pos);
      for (let i = 0; i < chunk.length; i += CQ_STORE_UNIT_SIZE) {
        const offset = readInt64(chunk, i);
        const size = chunk.readInt32BE(i + 8);
        if (!isValidUnit(offset, size) || isBlankUnit(offset, size)) continue;
        if (offset >= commitLogMinOffset) {
          this.minLogicOffset = pos + i;
          return;
        }
      }
    }
    this.minLogicOffset = q.writeEnd;
  }

  /**
   * Deletes the files, oldest first and never the last one, whose last unit points below
   * `commitLogMinOffset` (MappedFileQueue.deleteExpiredFileByOffset), then corrects minOffset.
   * Returns the number of files deleted.
   */
  deleteExpiredFiles(commitLogMinOffset: number): Promise<number> {
    return this.changingUnits(() => this.deleteExpiredFilesUnits(commitLogMinOffset));
  }

  private async deleteExpiredFilesUnits(commitLogMinOffset: number): Promise<number> {
    const q = this.q;
    let deleted = 0;
    while (q.files.length > 1) {
      const fileStart = q.files[0]!;
      const last = await this.readUnit(fileStart + this.fileSize - CQ_STORE_UNIT_SIZE);
      if (last.commitLogOffset >= commitLogMinOffset) break;
      // min moves first, so readers stop asking for the file before it goes
      if (this.minLogicOffset < q.files[1]!) this.minLogicOffset = q.files[1]!;
      await q.deleteFile(fileStart);
      deleted++;
    }
    await this.correctMinOffset(commitLogMinOffset);
    if (deleted > 0) this.logger.info({ topic: this.topic, queueId: this.queueId, deleted, minOffset: this.minOffset }, 'deleted expired consume queue files');
    return deleted;
  }

  /** Deletes every file and the queue's directory (topic deleted, or no commit log at all). */
  destroy(): Promise<void> {
    return this.changingUnits(() => this.destroyUnits());
  }

  private async destroyUnits(): Promise<void> {
    await this.q.destroy();
    this.minLogicOffset = 0;
    this.maxPhysicOffset = -1;
    this.needsRecovery = false;
  }

  /** Flushes and releases this queue's file handles. */
  async close(): Promise<void> {
    await this.q.flush();
    if (this.ownsPool) await this.pool.close();
    else await this.q.releaseHandles();
  }
}

/** Topic names become directory names: refuse anything that could leave consumequeue/. */
export function validateTopicDirName(topic: string): void {
  if (topic.length === 0 || topic === '.' || topic === '..' || /[/\\\0]/.test(topic)) throw new InvalidQueueTopicError(topic);
}
