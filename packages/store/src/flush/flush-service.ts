/**
 * Making written commit-log data durable (spec §9; Java CommitLog.FlushRealTimeService and
 * GroupCommitService), with fdatasync instead of MappedByteBuffer.force.
 *
 * ASYNC_FLUSH: every flushIntervalCommitLog ms, datasync when at least
 * flushCommitLogLeastPages × 4 KiB are dirty, or when flushCommitLogThoroughInterval has passed
 * since the last flush. Appends do not wait.
 *
 * SYNC_FLUSH (group commit): while written data is not durable, one datasync after another
 * covers everything written when it starts; each completes every waiter whose record it
 * covers — one datasync for all the appends that arrived during the previous one. A waiter
 * not covered by its deadline (append time + syncFlushTimeout) completes with ok = false
 * (FLUSH_DISK_TIMEOUT; the record stays stored). Deadlines grow with offsets, so one timer on
 * the oldest waiter serves all.
 */
import { type Logger, silentLogger } from '@rocketmq-ts/protocol';

export type FlushDiskType = 'ASYNC_FLUSH' | 'SYNC_FLUSH';

export const OS_PAGE_SIZE = 4096;

/** The log being flushed. */
export interface FlushTarget {
  /** End of the data written to the files so far. */
  readonly writtenOffset: number;
  /** Store timestamp of the last record written. */
  readonly lastWrittenTimestamp: number;
  /** datasync every file holding bytes of [from, to). */
  syncRange(from: number, to: number): Promise<void>;
}

/** An append waiting for its data to be durable. */
export interface FlushWaiter {
  /** Offset just after the waiter's last byte. */
  readonly endOffset: number;
  /** Time (of the `now` clock) after which the waiter gives up. */
  readonly deadline: number;
  /** Called once: true when durable, false on timeout or a failed datasync. */
  flushed(ok: boolean): void;
}

export interface FlushServiceOptions {
  flushDiskType: FlushDiskType;
  flushIntervalCommitLog: number;
  flushCommitLogLeastPages: number;
  flushCommitLogThoroughInterval: number;
  logger?: Logger;
  now?: () => number;
  /** After each datasync: the durable offset and the store time of the last record it covers. */
  onFlushed?: (offset: number, storeTimestamp: number) => void;
}

export class FlushService {
  /** Everything before this offset is durable. */
  flushedOffset: number;
  /** Number of datasync rounds so far (each covers one or more segments). */
  syncCount = 0;
  private readonly waiters: FlushWaiter[] = [];
  private head = 0;
  private chain: Promise<void> = Promise.resolve();
  private syncing = false;
  private groupCommitRunning = false;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private intervalTimer: NodeJS.Timeout | undefined;
  private lastFlushTime: number;
  private readonly now: () => number;
  private readonly logger: Logger;

  constructor(
    private readonly target: FlushTarget,
    private readonly options: FlushServiceOptions,
  ) {
    this.flushedOffset = target.writtenOffset;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.lastFlushTime = this.now();
  }

  get sync(): boolean {
    return this.options.flushDiskType === 'SYNC_FLUSH';
  }

  start(): void {
    if (this.sync || this.intervalTimer) return;
    this.intervalTimer = setInterval(() => this.periodicFlush(), this.options.flushIntervalCommitLog);
    this.intervalTimer.unref();
  }

  /** Registers a waiter (SYNC_FLUSH); completes it at once when its data is already durable. */
  waitFor(waiter: FlushWaiter): void {
    if (waiter.endOffset <= this.flushedOffset) {
      waiter.flushed(true);
      return;
    }
    this.waiters.push(waiter);
    this.armTimeout();
    this.written();
  }

  /** The log wrote more data: with SYNC_FLUSH, make it durable now. */
  written(): void {
    if (this.sync && !this.groupCommitRunning) void this.groupCommit();
  }

  /** Makes everything written so far durable (shutdown, tests). */
  async flushAll(): Promise<void> {
    await this.enqueueSync();
  }

  /** Stops the timers; waiters still pending complete with ok = false. */
  stop(): void {
    clearInterval(this.intervalTimer);
    clearTimeout(this.timeoutTimer);
    this.intervalTimer = undefined;
    this.timeoutTimer = undefined;
    while (this.head < this.waiters.length) this.shift().flushed(false);
  }

  get pendingWaiters(): number {
    return this.waiters.length - this.head;
  }

  private async groupCommit(): Promise<void> {
    this.groupCommitRunning = true;
    try {
      while (this.target.writtenOffset > this.flushedOffset) {
        if (!(await this.enqueueSync())) break; // a failed datasync: retry on the next write
      }
    } finally {
      this.groupCommitRunning = false;
    }
  }

  private periodicFlush(): void {
    if (this.syncing) return;
    const dirty = this.target.writtenOffset - this.flushedOffset;
    if (dirty <= 0) return;
    const thorough = this.now() - this.lastFlushTime >= this.options.flushCommitLogThoroughInterval;
    if (thorough || dirty >= this.options.flushCommitLogLeastPages * OS_PAGE_SIZE) void this.enqueueSync();
  }

  /** Runs one datasync round after the ones already queued; resolves false if it failed. */
  private enqueueSync(): Promise<boolean> {
    const run = this.chain.then(() => this.syncOnce());
    this.chain = run.then(() => undefined);
    return run;
  }

  private async syncOnce(): Promise<boolean> {
    const from = this.flushedOffset;
    const to = this.target.writtenOffset;
    if (to <= from) return true;
    const storeTimestamp = this.target.lastWrittenTimestamp;
    this.syncing = true;
    try {
      await this.target.syncRange(from, to);
    } catch (error) {
      this.logger.error({ err: error, from, to }, 'commit log datasync failed; waiting appends get FLUSH_DISK_TIMEOUT');
      this.failWaitersUpTo(to);
      return false;
    } finally {
      this.syncing = false;
    }
    this.syncCount++;
    this.flushedOffset = to;
    this.lastFlushTime = this.now();
    this.options.onFlushed?.(to, storeTimestamp);
    while (this.head < this.waiters.length && this.waiters[this.head]!.endOffset <= to) this.shift().flushed(true);
    return true;
  }

  private failWaitersUpTo(offset: number): void {
    while (this.head < this.waiters.length && this.waiters[this.head]!.endOffset <= offset) this.shift().flushed(false);
  }

  private shift(): FlushWaiter {
    const waiter = this.waiters[this.head++]!;
    if (this.head === this.waiters.length) {
      this.waiters.length = 0;
      this.head = 0;
      clearTimeout(this.timeoutTimer);
      this.timeoutTimer = undefined;
    } else if (this.head >= 1024 && this.head * 2 >= this.waiters.length) {
      this.waiters.splice(0, this.head);
      this.head = 0;
    }
    return waiter;
  }

  private armTimeout(): void {
    if (this.timeoutTimer || this.head >= this.waiters.length) return;
    const delay = Math.max(0, this.waiters[this.head]!.deadline - this.now());
    this.timeoutTimer = setTimeout(() => this.expire(), delay);
  }

  private expire(): void {
    this.timeoutTimer = undefined;
    const now = this.now();
    while (this.head < this.waiters.length && this.waiters[this.head]!.deadline <= now) this.shift().flushed(false);
    this.armTimeout();
  }
}
