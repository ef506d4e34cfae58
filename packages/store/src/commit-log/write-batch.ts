/**
 * The writer's in-memory side: appends are encoded into pooled write buffers, in chunks. A
 * chunk is a run of bytes that is contiguous both in its buffer and in one segment file, so it
 * goes to disk with one positional write; it also lists the appends whose records it holds.
 * An append resolves when its chunk is written (or, with SYNC_FLUSH, durable).
 */
import type { FlushWaiter } from '../flush/flush-service.ts';
import type { Segment } from '../segment/segment.ts';
import type { AppendedRecord, MessageToStore, PutBatchResult, PutMessageResult, PutMessageStatus } from './message-to-store.ts';

export class WriteBuffer {
  /** Bytes in use from the start (the end of the newest chunk in it). */
  used = 0;
  /** Chunks in this buffer not yet written (including the open one). */
  pending = 0;
  readonly view: DataView;

  constructor(
    readonly bytes: Buffer,
    /** Returned to the pool when empty (false for one-off buffers of oversized records). */
    readonly pooled: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get free(): number {
    return this.bytes.length - this.used;
  }
}

export class Chunk {
  /** End of the chunk's bytes in `buffer`. */
  end: number;
  /** Commit-log offset after the chunk (the segment end when it closes with a BLANK marker). */
  endOffset: number;
  lastStoreTimestamp = 0;
  readonly appends: PendingAppend[] = [];

  constructor(
    readonly buffer: WriteBuffer,
    /** Start of the chunk's bytes in `buffer`. */
    readonly start: number,
    readonly segment: Segment,
    /** Commit-log offset of the chunk's first byte. */
    readonly offset: number,
  ) {
    this.end = start;
    this.endOffset = offset;
  }
}

/** One append() or appendBatch() call, waiting for its chunk. */
export abstract class PendingAppend implements FlushWaiter {
  endOffset = 0;
  deadline = 0;

  constructor(
    readonly waitFlush: boolean,
    private readonly rejectWith: (error: unknown) => void,
  ) {}

  abstract complete(status: PutMessageStatus): void;
  /** Calls `visit` for each record, in order. */
  abstract forEachRecord(visit: (message: MessageToStore, record: AppendedRecord) => void): void;

  flushed(ok: boolean): void {
    this.complete(ok ? 'PUT_OK' : 'FLUSH_DISK_TIMEOUT');
  }

  fail(error: unknown): void {
    this.rejectWith(error);
  }
}

export class SingleAppend extends PendingAppend {
  record!: AppendedRecord;

  constructor(
    readonly message: MessageToStore,
    private readonly resolve: (result: PutMessageResult) => void,
    reject: (error: unknown) => void,
  ) {
    super(message.waitStoreMsgOK !== false, reject);
  }

  complete(status: PutMessageStatus): void {
    this.resolve({ status, record: this.record });
  }

  forEachRecord(visit: (message: MessageToStore, record: AppendedRecord) => void): void {
    visit(this.message, this.record);
  }
}

export class BatchAppend extends PendingAppend {
  readonly records: AppendedRecord[] = [];

  constructor(
    readonly messages: readonly MessageToStore[],
    private readonly resolve: (result: PutBatchResult) => void,
    reject: (error: unknown) => void,
  ) {
    super(messages.some((message) => message.waitStoreMsgOK !== false), reject);
  }

  complete(status: PutMessageStatus): void {
    this.resolve({ status, records: this.records });
  }

  forEachRecord(visit: (message: MessageToStore, record: AppendedRecord) => void): void {
    for (let i = 0; i < this.records.length; i++) visit(this.messages[i]!, this.records[i]!);
  }
}
