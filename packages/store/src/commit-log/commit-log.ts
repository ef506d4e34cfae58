/**
 * The CommitLog (Java CommitLog + DefaultAppendMessageCallback): every message of every topic,
 * appended to one segmented log (spec §2). One writer: append() runs synchronously up to the
 * point where the record is encoded — that is the single-writer section, where the physical
 * offset, the store timestamp (non-decreasing) and the queue offset are assigned. Encoded
 * records of concurrent appends accumulate in a write buffer; one positional write per chunk
 * puts them on disk. Then the records are visible (maxOffset moves), dispatch listeners run,
 * and appends resolve — at once (ASYNC_FLUSH or WAIT=false) or after the group-commit
 * datasync that covers them (SYNC_FLUSH).
 *
 * A record that does not fit in the rest of the segment (record + 8 > remaining) is preceded
 * by the 8-byte BLANK marker and goes to the next segment; a batch always lands in one segment.
 */
import {
  type Logger,
  MessageDecodeError,
  MessageSysFlag,
  MAX_PROPERTIES_BYTES,
  MAX_TOPIC_BYTES,
  decodeStoredMessage,
  type StoredMessage,
  storedMessageLength,
  transactionType,
  withHostFlags,
} from '@rocketmq-ts/protocol';
import { MessageIllegalError, MessageTooLargeError, ReplicaWriteError, StoreClosedError } from '../errors.ts';
import { FlushService, type FlushTarget } from '../flush/flush-service.ts';
import { recoverCommitLog, type RecoveryReport } from '../recovery/recover-commit-log.ts';
import type { Segment } from '../segment/segment.ts';
import { SegmentQueue } from '../segment/segment-queue.ts';
import { type DispatchRequest, dispatchFromAppend, dispatchFromBytes } from './dispatch-request.ts';
import { AppendedRecord, type MessageToStore, type PutBatchResult, type PutMessageResult } from './message-to-store.ts';
import { type CommitLogOptions, resolveCommitLogOptions, type ResolvedCommitLogOptions } from './options.ts';
import { BLANK_MARKER_LENGTH, MIN_RECORD_LENGTH, writeBlankMarker } from './record-check.ts';
import { encodeRecord } from './record-encoder.ts';
import { type ScanOutcome, scanRecords } from './record-scanner.ts';
import { BatchAppend, Chunk, type PendingAppend, SingleAppend, WriteBuffer } from './write-batch.ts';

export type DispatchListener = (request: DispatchRequest) => void;

/** Return false to stop the scan after this record. */
export type DispatchVisitor = (request: DispatchRequest) => boolean | void;

export interface ScanOptions {
  /** Check body CRCs (re-dispatch does not, recovery does). @defaultValue false */
  checkCRC?: boolean;
  /** Stop here (at most the end of the written data). */
  to?: number;
}

export interface CommitLogStats {
  /** Positional writes issued (one per chunk). */
  writes: number;
  writtenBytes: number;
  /** datasync rounds. */
  syncs: number;
}

export interface SegmentFileInfo {
  file: string;
  startOffset: number;
  endOffset: number;
}

/** A message measured for encoding. */
interface Encoded {
  topic: Buffer;
  propertiesLength: number;
  sysFlag: number;
  length: number;
}

const MAX_POOLED_BUFFERS = 4;
const EMPTY = Buffer.alloc(0);
/** SYNC_FLUSH keeps at least this much, and less than twice it, written with zeros ahead of the data (zeroAhead). */
const ZERO_AHEAD_BYTES = 1024 * 1024;
const ZEROS = Buffer.alloc(ZERO_AHEAD_BYTES);
const TRANSACTION_PREPARED = MessageSysFlag.TRANSACTION_PREPARED_TYPE;
const TRANSACTION_ROLLBACK = MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;

export class CommitLog implements FlushTarget {
  /** What recovery found and dropped when this log was opened. */
  readonly recovery: RecoveryReport;
  writtenOffset: number;
  lastWrittenTimestamp = 0;
  private writeOffset: number;
  private writeSegment: Segment | undefined;
  private lastStoreTimestamp = 0;
  private current: Chunk | undefined;
  private sealed: Chunk[] = [];
  private activeBuffer: WriteBuffer | undefined;
  private readonly pool: WriteBuffer[] = [];
  private writing = false;
  private writeScheduled = false;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly listeners: DispatchListener[] = [];
  private readonly topicQueueTable = new Map<string, number>();
  private readonly topicBytes = new Map<string, Buffer>();
  private readonly flushService: FlushService;
  private readonly scratch: Encoded = { topic: EMPTY, propertiesLength: 0, sysFlag: 0, length: 0 };
  private readonly logger: Logger;
  private writes = 0;
  private writtenBytes = 0;
  /** Every byte of the log before this offset has been written, with data or with zeros (zeroAhead). */
  private zeroedOffset: number;
  private zeroAheadStopped = false;

  private constructor(
    private readonly queue: SegmentQueue,
    private readonly options: ResolvedCommitLogOptions,
    report: RecoveryReport,
  ) {
    this.recovery = report;
    this.logger = options.logger;
    this.writeOffset = report.end;
    this.writtenOffset = report.end;
    this.zeroedOffset = report.end;
    this.writeSegment = queue.find(report.end);
    const checkpoint = options.checkpoint;
    this.flushService = new FlushService(this, {
      flushDiskType: options.flushDiskType,
      flushIntervalCommitLog: options.flushIntervalCommitLog,
      flushCommitLogLeastPages: options.flushCommitLogLeastPages,
      flushCommitLogThoroughInterval: options.flushCommitLogThoroughInterval,
      logger: options.logger,
      now: options.now,
      onFlushed: checkpoint
        ? (_offset, storeTimestamp) => {
            if (storeTimestamp > 0) checkpoint.physicMsgTimestamp = storeTimestamp;
          }
        : undefined,
    });
  }

  /**
   * Loads the segments (refusing a wrong-size one), recovers (normal, or abnormal when
   * `abnormalRecovery`), cuts the log at the end found, and starts the flusher.
   */
  static async open(options: CommitLogOptions): Promise<CommitLog> {
    const resolved = resolveCommitLogOptions(options);
    const queue = await SegmentQueue.load({
      dir: resolved.storePathCommitLog,
      segmentSize: resolved.mappedFileSizeCommitLog,
      sizeSetting: 'mappedFileSizeCommitLog',
      io: resolved.io,
      logger: resolved.logger,
    });
    try {
      const report = await recoverCommitLog(queue, {
        abnormal: resolved.abnormalRecovery,
        checkpointMinTimestamp: resolved.checkpoint?.minTimestamp(resolved.messageIndexSafe) ?? 0,
        checkpointOffset: resolved.messageIndexSafe ? -1 : (resolved.checkpoint?.recoverOffset ?? -1),
        checkCRC: resolved.checkCRCOnRecover,
        readSize: resolved.readBufferSize,
        logger: resolved.logger,
      });
      const log = new CommitLog(queue, resolved, report);
      log.flushService.start();
      return log;
    } catch (error) {
      await queue.close();
      throw error;
    }
  }

  // ---- appending -------------------------------------------------------------------------

  /** Appends one message. Rejects with MessageIllegalError (code 13) or a StoreUnavailableError (code 14). */
  append(message: MessageToStore): Promise<PutMessageResult> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    const encoded = this.scratch;
    try {
      this.measure(message, encoded);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return new Promise<PutMessageResult>((resolve, reject) => {
      const pending = new SingleAppend(message, resolve, reject);
      const chunk = this.reserve(encoded.length);
      pending.record = this.encode(chunk, message, encoded);
      this.addPending(chunk, pending);
    });
  }

  /** Appends messages as one unit: contiguous, in one segment, resolved together. */
  appendBatch(messages: readonly MessageToStore[]): Promise<PutBatchResult> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    if (messages.length === 0) return Promise.resolve({ status: 'PUT_OK', records: [] });
    const encoded: Encoded[] = [];
    let total = 0;
    try {
      for (const message of messages) {
        const one = this.measure(message, { topic: EMPTY, propertiesLength: 0, sysFlag: 0, length: 0 });
        encoded.push(one);
        total += one.length;
      }
      if (total + BLANK_MARKER_LENGTH > this.options.mappedFileSizeCommitLog) {
        throw new MessageTooLargeError(messages[0]!.topic, total, this.options.mappedFileSizeCommitLog - BLANK_MARKER_LENGTH, 'mappedFileSizeCommitLog');
      }
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return new Promise<PutBatchResult>((resolve, reject) => {
      const pending = new BatchAppend(messages, resolve, reject);
      const chunk = this.reserve(total);
      for (let i = 0; i < messages.length; i++) pending.records.push(this.encode(chunk, messages[i]!, encoded[i]!));
      this.addPending(chunk, pending);
    });
  }

  /** Registers a listener called with every record once it is written; returns the unsubscribe function. */
  onDispatch(listener: DispatchListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  /** Next queue offset of `topic`/`queueId` (topicQueueTable). */
  queueOffsetOf(topic: string, queueId: number): number {
    return this.topicQueueTable.get(`${topic}-${queueId}`) ?? 0;
  }

  /** Sets the next queue offset (rebuilt by the message store from the consume queues after recovery). */
  setQueueOffset(topic: string, queueId: number, next: number): void {
    this.topicQueueTable.set(`${topic}-${queueId}`, next);
  }

  /** Forgets the queue offsets of a topic (topic deleted), or of every topic. */
  clearQueueOffsets(topic?: string): void {
    if (topic === undefined) return this.topicQueueTable.clear();
    for (const key of this.topicQueueTable.keys()) {
      if (key.slice(0, key.lastIndexOf('-')) === topic) this.topicQueueTable.delete(key);
    }
  }

  /** The whole topicQueueTable, `"<topic>-<queueId>" → next offset`. */
  queueOffsetTable(): ReadonlyMap<string, number> {
    return this.topicQueueTable;
  }

  // ---- reading -----------------------------------------------------------------------------

  /** First offset still stored. */
  get minOffset(): number {
    return this.queue.first()?.startOffset ?? this.writtenOffset;
  }

  /** End of the written (visible) data. */
  get maxOffset(): number {
    return this.writtenOffset;
  }

  /** Everything before this offset is durable. */
  get flushedOffset(): number {
    return this.flushService.flushedOffset;
  }

  get stats(): CommitLogStats {
    return { writes: this.writes, writtenBytes: this.writtenBytes, syncs: this.flushService.syncCount };
  }

  /** `size` bytes at `offset`, if they are stored, written and in one segment. */
  async read(offset: number, size: number): Promise<Buffer | undefined> {
    if (size <= 0 || offset < this.minOffset || offset + size > this.writtenOffset) return undefined;
    const buffer = Buffer.allocUnsafe(size);
    return (await this.readInto(buffer, offset)) ? buffer : undefined;
  }

  /** Fills `buffer` with the bytes at `offset`; false if they are not all stored, written and in one segment. */
  async readInto(buffer: Buffer, offset: number): Promise<boolean> {
    const size = buffer.length;
    if (size <= 0 || offset < this.minOffset || offset + size > this.writtenOffset) return false;
    const segment = this.queue.find(offset);
    if (!segment || offset + size > segment.endOffset) return false;
    return (await segment.read(buffer, 0, size, offset - segment.startOffset)) === size;
  }

  /** The record starting at `offset`, decoded (body as stored), if there is one. */
  async readRecord(offset: number): Promise<StoredMessage | undefined> {
    const header = await this.read(offset, 8);
    if (!header) return undefined;
    const size = header.readInt32BE(0);
    if (size < MIN_RECORD_LENGTH) return undefined;
    const bytes = await this.read(offset, size);
    if (!bytes) return undefined;
    try {
      return decodeStoredMessage(bytes, 0);
    } catch (error) {
      if (error instanceof MessageDecodeError) return undefined;
      throw error;
    }
  }

  /**
   * Walks the written records from `from` (a record start), following BLANK markers to the next
   * segment, validating each one (spec §2.3), and calls `visit` with its dispatch info. Stops
   * at the end of the written data (or `to`), at an invalid record, or when `visit` returns false.
   */
  scan(from: number, visit: DispatchVisitor, options: ScanOptions = {}): Promise<ScanOutcome> {
    const limit = Math.min(options.to ?? this.writtenOffset, this.writtenOffset);
    const deliverTimeOf = this.options.deliverTimeOf;
    return scanRecords(
      this.queue,
      from,
      { limit, checkCRC: options.checkCRC ?? false, readSize: this.options.readBufferSize },
      (buffer, at, offset) => visit(dispatchFromBytes(buffer, at, offset, deliverTimeOf)),
    );
  }

  // ---- replication (storage side only: the broker's HA service moves the bytes) -------------

  /** Size of one commit-log segment (the HA master starts a new slave at a segment start). */
  get segmentSize(): number {
    return this.options.mappedFileSizeCommitLog;
  }

  /** The segment end after `offset` (where a BLANK marker sends the next record). */
  segmentEndOf(offset: number): number {
    return offset - (offset % this.options.mappedFileSizeCommitLog) + this.options.mappedFileSizeCommitLog;
  }

  /**
   * Up to `maxBytes` raw bytes of the written log from `offset`, never past the end of the
   * segment holding it (an HA transfer frame); undefined when nothing is stored there yet.
   */
  async readRaw(offset: number, maxBytes: number): Promise<Buffer | undefined> {
    if (offset < this.minOffset || offset >= this.writtenOffset) return undefined;
    const segment = this.queue.find(offset);
    if (!segment) return undefined;
    const length = Math.min(maxBytes, this.writtenOffset - offset, segment.endOffset - offset);
    const buffer = Buffer.allocUnsafe(length);
    const read = await segment.read(buffer, 0, length, offset - segment.startOffset);
    return read === length ? buffer : undefined;
  }

  /**
   * Writes bytes copied from a master's log at `offset` (a slave's log: byte for byte the
   * master's, which may end inside a record). `offset` must be the end of this log, or, for an
   * empty log, a segment start. Local appends must not run at the same time.
   */
  async writeRaw(offset: number, data: Buffer): Promise<void> {
    if (this.closed) throw new StoreClosedError();
    if (this.writing || this.writeScheduled || this.current || this.sealed.length > 0 || this.writeOffset !== this.writtenOffset) {
      throw new ReplicaWriteError(offset, this.writtenOffset, 'local appends are in progress on a store that follows a master');
    }
    const empty = this.queue.last() === undefined;
    if (empty) {
      if (offset % this.options.mappedFileSizeCommitLog !== 0) {
        throw new ReplicaWriteError(offset, this.writtenOffset, `an empty log can only start at a segment start (a multiple of mappedFileSizeCommitLog=${this.options.mappedFileSizeCommitLog})`);
      }
      this.writeOffset = this.writtenOffset = offset;
    } else if (offset !== this.writtenOffset) {
      throw new ReplicaWriteError(offset, this.writtenOffset, 'the data does not continue this log');
    }
    let done = 0;
    while (done < data.length) {
      const at = offset + done;
      const segment = this.startSegment(at);
      const length = Math.min(data.length - done, segment.endOffset - at);
      await segment.write(data, done, length, at - segment.startOffset);
      done += length;
      this.writeOffset = this.writtenOffset = at + length;
      this.writes++;
      this.writtenBytes += length;
    }
    this.flushService.written();
  }

  /**
   * Cuts the log at `offset` (a record boundary at or below the end): later segments are
   * deleted and the bytes after `offset` in its segment zeroed, so recovery never finds the
   * cut records again. Used when a former master follows a new one whose log differs after
   * `offset` (controller mode). Waits for local appends in flight first.
   */
  async truncate(offset: number): Promise<void> {
    if (this.closed) throw new StoreClosedError();
    await this.whenIdle();
    if (offset >= this.writtenOffset) return;
    const segments = this.queue.segments;
    // Segments starting at or after the cut go; the next write creates them again.
    const dropFrom = segments.findIndex((segment) => segment.startOffset >= offset);
    if (dropFrom >= 0) await this.queue.deleteFrom(dropFrom);
    const last = this.queue.last();
    if (last && last.endOffset > offset) await this.queue.zeroTail(last, offset - last.startOffset);
    this.writeOffset = this.writtenOffset = this.zeroedOffset = offset;
    this.writeSegment = this.queue.find(offset);
    this.flushService.flushedOffset = Math.min(this.flushService.flushedOffset, offset);
    this.clearQueueOffsets();
  }

  /** Hands a replicated record to the dispatch listeners, as completeChunk does for local ones. */
  dispatchReplicated(request: DispatchRequest): void {
    const type = transactionType(request.sysFlag);
    if (type !== TRANSACTION_PREPARED && type !== TRANSACTION_ROLLBACK) {
      this.topicQueueTable.set(`${request.topic}-${request.queueId}`, request.queueOffset + 1);
    }
    if (request.storeTimestamp > this.lastStoreTimestamp) this.lastStoreTimestamp = request.storeTimestamp;
    this.lastWrittenTimestamp = request.storeTimestamp;
    for (const listener of this.listeners) {
      try {
        listener(request);
      } catch (error) {
        this.logger.error({ err: error, commitLogOffset: request.commitLogOffset }, 'a commit-log dispatch listener failed');
      }
    }
  }

  // ---- segments, flush, close --------------------------------------------------------------

  segmentFiles(): SegmentFileInfo[] {
    return this.queue.segments.map((segment) => ({ file: segment.file, startOffset: segment.startOffset, endOffset: segment.endOffset }));
  }

  /**
   * Deletes up to `count` of the oldest segments (retention). Never the segment being written
   * nor one holding data not yet durable. Returns the deleted files.
   */
  async deleteOldestSegments(count: number): Promise<string[]> {
    const segments = this.queue.segments;
    let deletable = 0;
    while (
      deletable < count &&
      deletable < segments.length - 1 &&
      segments[deletable] !== this.writeSegment &&
      segments[deletable]!.endOffset <= this.flushedOffset
    ) {
      deletable++;
    }
    return (await this.queue.deleteOldest(deletable)).map((segment) => segment.file);
  }

  /** Makes everything appended so far durable. */
  async flush(): Promise<void> {
    await this.whenIdle();
    await this.flushService.flushAll();
  }

  /**
   * datasync of every segment holding bytes of [from, to) (FlushTarget). Under ASYNC_FLUSH no send
   * waits for it, so it runs in the thread pool, never inline on the event loop (inline-io.ts).
   */
  async syncRange(from: number, to: number): Promise<void> {
    const background = this.options.flushDiskType === 'ASYNC_FLUSH';
    for (const segment of this.queue.between(from, to)) {
      await segment.datasync(Math.min(to, segment.endOffset) - Math.max(from, segment.startOffset), background);
    }
  }

  /** Stops accepting appends, writes and flushes what is pending, closes the files. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await this.whenIdle();
      try {
        await this.flushService.flushAll();
      } finally {
        this.flushService.stop();
        await this.queue.close();
      }
    })();
    return this.closing;
  }

  // ---- the writer --------------------------------------------------------------------------

  private measure(message: MessageToStore, into: Encoded): Encoded {
    let topic = this.topicBytes.get(message.topic);
    if (!topic) {
      topic = Buffer.from(message.topic, 'utf8');
      if (topic.length > MAX_TOPIC_BYTES) {
        throw new MessageIllegalError(`topic ${message.topic} is ${topic.length} bytes long; a topic has at most ${MAX_TOPIC_BYTES} bytes`);
      }
      if (this.topicBytes.size >= 4096) this.topicBytes.clear();
      this.topicBytes.set(message.topic, topic);
    }
    const propertiesLength = Buffer.byteLength(message.propertiesText, 'utf8');
    if (propertiesLength > MAX_PROPERTIES_BYTES) {
      throw new MessageIllegalError(
        `the properties of a message for topic ${message.topic} take ${propertiesLength} bytes; at most ${MAX_PROPERTIES_BYTES} are allowed (fewer or shorter keys, user properties)`,
      );
    }
    let sysFlag: number;
    try {
      sysFlag = withHostFlags(message.sysFlag, message.bornHost, message.storeHost);
    } catch (error) {
      throw new MessageIllegalError(`message for topic ${message.topic}: ${(error as Error).message}`);
    }
    const length = storedMessageLength(sysFlag, message.body.length, topic.length, propertiesLength);
    if (length > this.options.maxMessageSize) throw new MessageTooLargeError(message.topic, length, this.options.maxMessageSize);
    if (length + BLANK_MARKER_LENGTH > this.options.mappedFileSizeCommitLog) {
      throw new MessageTooLargeError(message.topic, length, this.options.mappedFileSizeCommitLog - BLANK_MARKER_LENGTH, 'mappedFileSizeCommitLog');
    }
    into.topic = topic;
    into.propertiesLength = propertiesLength;
    into.sysFlag = sysFlag;
    into.length = length;
    return into;
  }

  /** Room for `length` contiguous bytes in the segment being written (moving to the next segment if needed). */
  private reserve(length: number): Chunk {
    let segment = this.writeSegment;
    if (!segment || this.writeOffset >= segment.endOffset) {
      segment = this.startSegment(this.writeOffset);
    } else if (this.writeOffset + length + BLANK_MARKER_LENGTH > segment.endOffset) {
      const chunk = this.chunkFor(segment, BLANK_MARKER_LENGTH);
      chunk.end = writeBlankMarker(chunk.buffer.bytes, chunk.end, segment.endOffset - this.writeOffset);
      chunk.buffer.used = chunk.end;
      chunk.endOffset = this.writeOffset = segment.endOffset;
      segment = this.startSegment(this.writeOffset);
    }
    return this.chunkFor(segment, length);
  }

  private startSegment(offset: number): Segment {
    let segment = this.queue.find(offset);
    if (segment?.failed) segment = this.queue.recreate(segment);
    else if (!segment) segment = this.queue.create(offset);
    this.writeSegment = segment;
    return segment;
  }

  /** The open chunk if it is in `segment` and its buffer has `length` bytes free; else a new chunk. */
  private chunkFor(segment: Segment, length: number): Chunk {
    const current = this.current;
    if (current && current.segment === segment && current.buffer.free >= length) return current;
    if (current) {
      this.sealed.push(current);
      this.current = undefined;
    }
    let buffer = this.activeBuffer;
    if (!buffer || buffer.free < length) buffer = this.switchBuffer(length);
    const chunk = new Chunk(buffer, buffer.used, segment, this.writeOffset);
    buffer.pending++;
    this.current = chunk;
    this.scheduleWrite();
    return chunk;
  }

  private switchBuffer(length: number): WriteBuffer {
    const old = this.activeBuffer;
    const size = this.options.writeBufferSize;
    const next = length > size ? new WriteBuffer(Buffer.allocUnsafeSlow(length), false) : (this.pool.pop() ?? new WriteBuffer(Buffer.allocUnsafeSlow(size), true));
    this.activeBuffer = next;
    if (old && old.pending === 0) this.recycle(old);
    return next;
  }

  private recycle(buffer: WriteBuffer): void {
    buffer.used = 0;
    if (buffer.pooled && this.pool.length < MAX_POOLED_BUFFERS) this.pool.push(buffer);
  }

  private releaseBuffer(buffer: WriteBuffer): void {
    if (--buffer.pending > 0) return;
    if (buffer === this.activeBuffer) buffer.used = 0;
    else this.recycle(buffer);
  }

  /** Encodes one record at the end of `chunk`: the single-writer section. */
  private encode(chunk: Chunk, message: MessageToStore, encoded: Encoded): AppendedRecord {
    const offset = this.writeOffset;
    const now = this.options.now();
    const storeTimestamp = now > this.lastStoreTimestamp ? (this.lastStoreTimestamp = now) : this.lastStoreTimestamp;
    let queueOffset = 0;
    const type = transactionType(encoded.sysFlag);
    if (type !== TRANSACTION_PREPARED && type !== TRANSACTION_ROLLBACK) {
      const key = `${message.topic}-${message.queueId}`;
      queueOffset = this.topicQueueTable.get(key) ?? 0;
      this.topicQueueTable.set(key, queueOffset + 1);
    }
    const buffer = chunk.buffer;
    encodeRecord(buffer.bytes, buffer.view, chunk.end, message, encoded.topic, encoded.propertiesLength, encoded.sysFlag, encoded.length, queueOffset, offset, storeTimestamp);
    chunk.end += encoded.length;
    chunk.buffer.used = chunk.end;
    this.writeOffset = offset + encoded.length;
    chunk.endOffset = this.writeOffset;
    chunk.lastStoreTimestamp = storeTimestamp;
    return new AppendedRecord(offset, encoded.length, queueOffset, storeTimestamp, encoded.sysFlag, message.storeHost);
  }

  private addPending(chunk: Chunk, pending: PendingAppend): void {
    pending.endOffset = this.writeOffset;
    pending.deadline = this.lastStoreTimestamp + this.options.syncFlushTimeout;
    chunk.appends.push(pending);
  }

  private scheduleWrite(): void {
    if (this.writeScheduled || this.writing) return;
    this.writeScheduled = true;
    queueMicrotask(() => void this.writeLoop());
  }

  private async writeLoop(): Promise<void> {
    this.writeScheduled = false;
    if (this.writing) return;
    this.writing = true;
    try {
      for (;;) {
        let chunk = this.sealed.shift();
        if (!chunk && this.current) {
          chunk = this.current;
          this.current = undefined;
        }
        if (!chunk) break;
        try {
          await chunk.segment.write(chunk.buffer.bytes, chunk.start, chunk.end - chunk.start, chunk.offset - chunk.segment.startOffset);
        } catch (error) {
          await this.abortFrom(chunk, error);
          continue;
        }
        this.writes++;
        this.writtenBytes += chunk.end - chunk.start;
        this.completeChunk(chunk);
        if (this.flushService.sync && this.zeroAheadDue(chunk)) await this.zeroAhead(chunk);
      }
    } finally {
      this.writing = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /**
   * SYNC_FLUSH: writes zeros just ahead of the data, so the group commit's datasync overwrites
   * blocks that already exist. Segments are sparse (as Java's are); a datasync after appends into
   * a hole also allocates the blocks and commits the file system's journal. Measured on ext4 here,
   * a datasync after 16 KiB of appends took 273 µs into a hole and 131 µs over zeros; that wait is
   * in every SYNC_FLUSH send. The zeros become durable with the next datasync, one or two of
   * those per MiB appended. Runs in the write loop, after the chunk it follows, so zeros never
   * land after data at the same place; a failed zero write only ends the optimisation.
   */
  private async zeroAhead(chunk: Chunk): Promise<void> {
    const segment = chunk.segment;
    while (this.zeroAheadDue(chunk)) {
      const length = Math.min(ZERO_AHEAD_BYTES, segment.endOffset - this.zeroedOffset);
      try {
        await segment.write(ZEROS, 0, length, this.zeroedOffset - segment.startOffset);
        this.zeroedOffset += length;
      } catch (error) {
        this.zeroAheadStopped = true;
        this.logger.warn({ err: error, file: segment.file }, 'writing zeros ahead of the commit log failed; SYNC_FLUSH appends go on into unallocated space');
      }
    }
  }

  /** Whether zeros are due after `chunk` (checked without an await: most chunks need none). */
  private zeroAheadDue(chunk: Chunk): boolean {
    if (this.zeroedOffset < chunk.endOffset) this.zeroedOffset = chunk.endOffset;
    return !this.zeroAheadStopped && this.zeroedOffset - chunk.endOffset < ZERO_AHEAD_BYTES && this.zeroedOffset < chunk.segment.endOffset;
  }

  private completeChunk(chunk: Chunk): void {
    this.writtenOffset = chunk.endOffset;
    if (chunk.appends.length > 0) this.lastWrittenTimestamp = chunk.lastStoreTimestamp;
    this.releaseBuffer(chunk.buffer);
    if (this.listeners.length > 0) this.dispatch(chunk);
    const sync = this.flushService.sync;
    for (const pending of chunk.appends) {
      if (sync && pending.waitFlush) this.flushService.waitFor(pending);
      else pending.complete('PUT_OK');
    }
    this.flushService.written();
  }

  private dispatch(chunk: Chunk): void {
    const deliverTimeOf = this.options.deliverTimeOf;
    for (const pending of chunk.appends) {
      pending.forEachRecord((message, record) => {
        const request = dispatchFromAppend(message, record, record.sysFlag, deliverTimeOf);
        for (const listener of this.listeners) {
          try {
            listener(request);
          } catch (error) {
            this.logger.error({ err: error, commitLogOffset: record.commitLogOffset }, 'a commit-log dispatch listener failed');
          }
        }
      });
    }
  }

  /**
   * A chunk could not be written (disk full, I/O error): it and every chunk after it are
   * undone — their appends fail, the write position, the queue offsets and the buffers go
   * back to where that chunk started — and whatever part of it reached the file is zeroed.
   */
  private async abortFrom(failed: Chunk, error: unknown): Promise<void> {
    const chunks = [failed, ...this.sealed];
    this.sealed = [];
    if (this.current) chunks.push(this.current);
    this.current = undefined;
    this.writeOffset = failed.offset;
    this.writeSegment = undefined; // startSegment finds (or re-creates) it on the next append
    const resetTo = new Map<string, number>();
    for (const chunk of chunks) {
      for (const pending of chunk.appends) {
        pending.forEachRecord((message, record) => {
          const type = transactionType(record.sysFlag);
          if (type === TRANSACTION_PREPARED || type === TRANSACTION_ROLLBACK) return;
          const key = `${message.topic}-${message.queueId}`;
          if (!resetTo.has(key)) resetTo.set(key, record.queueOffset);
        });
      }
    }
    for (const [key, next] of resetTo) this.topicQueueTable.set(key, next);
    for (const chunk of chunks) this.releaseBuffer(chunk.buffer);
    const count = chunks.reduce((sum, chunk) => sum + chunk.appends.length, 0);
    this.logger.error({ err: error, offset: failed.offset, file: failed.segment.file, appends: count }, 'commit log write failed; the appends from this offset on are refused');
    for (const chunk of chunks) for (const pending of chunk.appends) pending.fail(error);
    if (!failed.segment.failed) {
      const length = failed.end - failed.start;
      // Best effort: the appends already failed and recovery ignores bytes past the last valid record.
      await failed.segment.write(Buffer.alloc(length), 0, length, failed.offset - failed.segment.startOffset).catch(() => {});
    }
  }

  private whenIdle(): Promise<void> {
    if (!this.writing && !this.writeScheduled && !this.current && this.sealed.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
