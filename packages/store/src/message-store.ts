/**
 * The storage engine (DefaultMessageStore): opens and recovers a store directory, appends to
 * the CommitLog, dispatches every written record into its ConsumeQueue and the IndexFile,
 * serves reads by queue with tag filtering, and runs retention and the disk guard.
 *
 * Start sequence (storage-format.md §6): lock → abort file? → checkpoint → consume queues
 * (load + recover) → index (drop files newer than the checkpoint after a crash) → commit log
 * (recover, cut the torn tail) → consume queues cut to the log's end → re-dispatch what the
 * queues miss → queue offsets rebuilt → abort file created.
 */
import { mkdir, statfs } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { type Logger, MessageSysFlag, readInt64, silentLogger, transactionType } from '@rocketmq-ts/protocol';
import { CommitLog } from './commit-log/commit-log.ts';
import { type DeliverTimeOf, defaultDeliverTimeOf, type DispatchRequest } from './commit-log/dispatch-request.ts';
import type { MessageToStore } from './commit-log/message-to-store.ts';
import { ConsumeQueueStore } from './consume-queue/consume-queue-store.ts';
import type { FlushDiskType } from './flush/flush-service.ts';
import { IndexService } from './index-file/index-service.ts';
import type {
  ArrivalListener,
  GetMessageResult,
  MessageFilter,
  MessageStoreApi,
  QueueUnit,
  QueryMessageResult,
  StorePutResult,
  StoreRuntimeInfo,
} from './message-store-api.ts';
import { abortFileExists, checkpointFilePath, commitLogDirPath, createAbortFile, removeAbortFile } from './recovery/abort-file.ts';
import { StoreCheckpoint } from './recovery/checkpoint.ts';
import { StoreLock } from './recovery/store-lock.ts';
import { ReplicaAppender } from './replication/replica-appender.ts';
import type { ReplicaSink, ReplicationSource } from './replication/replication-hooks.ts';
import { type DiskStats, RetentionService } from './retention/retention-service.ts';

export interface MessageStoreOptions {
  storePathRootDir: string;
  /** @defaultValue `<storePathRootDir>/commitlog` */
  storePathCommitLog?: string;
  /** @defaultValue 1 GiB */
  mappedFileSizeCommitLog?: number;
  /** @defaultValue 6,000,000 (300,000 units) */
  mappedFileSizeConsumeQueue?: number;
  /** @defaultValue 4 MiB */
  maxMessageSize?: number;
  /** @defaultValue 'ASYNC_FLUSH' */
  flushDiskType?: FlushDiskType;
  /** @defaultValue 500 */
  flushIntervalCommitLog?: number;
  /** @defaultValue 5000 */
  syncFlushTimeout?: number;
  /** Consume queue write/flush period, ms. @defaultValue 1000 */
  flushIntervalConsumeQueue?: number;
  /** @defaultValue true */
  checkCRCOnRecover?: boolean;
  /** @defaultValue true */
  messageIndexEnable?: boolean;
  /** @defaultValue 5,000,000 */
  maxHashSlotNum?: number;
  /** @defaultValue 20,000,000 */
  maxIndexNum?: number;
  /** Hours a commit-log file is kept. @defaultValue 72 */
  fileReservedTime?: number;
  /** Hours of the day (";"-separated) when expired files are deleted. @defaultValue "04" */
  deleteWhen?: string;
  /** Disk use (percent) above which expired files go at once. @defaultValue 75 */
  diskMaxUsedSpaceRatio?: number;
  /**
   * Apache's forced clean: above 85 % disk use delete the oldest commit-log files even if they
   * are within fileReservedTime or not consumed yet. Off: such files are kept and writes are
   * refused above 90 % until space returns. @defaultValue false
   */
  cleanFileForciblyEnable?: boolean;
  /**
   * How often consume queues, index and checkpoint are flushed (the "thorough" flush). After a
   * crash, recovery re-reads what was written since the last one. @defaultValue 10000
   */
  checkpointIntervalMillis?: number;
  /** Retention check period, ms. @defaultValue 10000 */
  cleanResourceInterval?: number;
  /** @defaultValue 256 KiB */
  maxTransferBytesOnMessageInMemory?: number;
  /** @defaultValue 32 */
  maxTransferCountOnMessageInMemory?: number;
  /** @defaultValue 64 KiB */
  maxTransferBytesOnMessageInDisk?: number;
  /** @defaultValue 8 */
  maxTransferCountOnMessageInDisk?: number;
  /** Percent of RAM behind the log head that still counts as "in memory". @defaultValue 40 */
  accessMessageInMemoryMaxRatio?: number;
  /** @defaultValue 64 */
  maxMsgsNumBatch?: number;
  /** Deliver time of a delayed record (SCHEDULE_TOPIC_XXXX tagsCode). */
  deliverTimeOf?: DeliverTimeOf;
  logger?: Logger;
  /** Clock for retention. @defaultValue Date.now */
  now?: () => number;
  /** Disk usage probe (tests inject one). @defaultValue statfs of the commit-log dir */
  diskStats?: () => Promise<DiskStats>;
  /**
   * Most records held back by the confirm offset (setConfirmOffset) before puts are refused:
   * each is kept in memory until the in-sync replicas acknowledge it. @defaultValue 100000
   */
  maxHeldBackRecords?: number;
  /**
   * Controller mode: start with the confirm offset the checkpoint recorded (setConfirmOffset),
   * so records a failover may still cut stay unreadable after a restart until the broker's role
   * is known, as Apache's reput stops at its persisted confirmOffset. @defaultValue false
   */
  restoreConfirmOffset?: boolean;
}

/** Largest run of other records a read may cover between two wanted records. */
const READ_GAP_BYTES = 32 * 1024;
/** Largest single read of the pull path. */
const READ_SPAN_BYTES = 1024 * 1024;
/** Commit-log bytes the index rebuild scans per step. */
const REINDEX_CHUNK_BYTES = 16 * 1024 * 1024;
/** Most record bytes a filtered pull reads (and judges) before yielding the event loop. */
const FILTER_READ_BYTES = 1024 * 1024;

export class MessageStore implements MessageStoreApi {
  private readonly arrivalListeners: ArrivalListener[] = [];
  private readonly memoryBudget: number;
  /** Where the pull path reads commit-log spans before copying records out (one pull at a time). */
  private readonly spanScratch = Buffer.allocUnsafe(256 * 1024);
  private spanScratchBusy = false;
  private cqTimer: NodeJS.Timeout | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private indexChain: Promise<void> = Promise.resolve();
  /** Dispatched records waiting for the index (taken as one batch by the next index step). */
  private indexBatch: DispatchRequest[] = [];
  private putTotal = 0;
  private foundTotal = 0;
  private closed = false;
  private replica: ReplicaAppender | undefined;
  private indexRebuilding = false;
  /** End of the last record dispatched (consume queues hold everything before it). */
  private dispatchedEnd = 0;
  /** Records ending past this stay out of the consume queues (setConfirmOffset). */
  private confirmBound = Number.POSITIVE_INFINITY;
  /** Written records held back by confirmBound, in log order. */
  private held: DispatchRequest[] = [];

  private constructor(
    private readonly options: MessageStoreOptions,
    private readonly lock: StoreLock,
    private readonly checkpoint: StoreCheckpoint,
    readonly commitLog: CommitLog,
    readonly consumeQueues: ConsumeQueueStore,
    private readonly index: IndexService | undefined,
    readonly retention: RetentionService,
    private readonly logger: Logger,
  ) {
    this.memoryBudget = (totalmem() * (options.accessMessageInMemoryMaxRatio ?? 40)) / 100;
  }

  static async open(options: MessageStoreOptions): Promise<MessageStore> {
    const root = options.storePathRootDir;
    const logger = options.logger ?? silentLogger;
    await mkdir(root, { recursive: true });
    const lock = await StoreLock.acquire(root);
    try {
      const abnormal = await abortFileExists(root);
      if (abnormal) logger.warn({ root }, 'the store was not shut down cleanly (abort file present): recovering from the checkpoint');
      const checkpoint = await StoreCheckpoint.open(checkpointFilePath(root));
      const consumeQueues = await ConsumeQueueStore.open(root, { mappedFileSizeConsumeQueue: options.mappedFileSizeConsumeQueue, logger });
      for (const report of await consumeQueues.recover()) logger.warn({ ...report }, 'consume queue damaged: kept everything before the damage');
      const index =
        options.messageIndexEnable === false
          ? undefined
          : await IndexService.open(root, { maxHashSlotNum: options.maxHashSlotNum, maxIndexNum: options.maxIndexNum, maxMsgsNumBatch: options.maxMsgsNumBatch, logger });
      const deliverTimeOf = options.deliverTimeOf ?? defaultDeliverTimeOf;
      const commitLog = await CommitLog.open({
        storePathCommitLog: options.storePathCommitLog ?? commitLogDirPath(root),
        mappedFileSizeCommitLog: options.mappedFileSizeCommitLog,
        maxMessageSize: options.maxMessageSize,
        flushDiskType: options.flushDiskType,
        flushIntervalCommitLog: options.flushIntervalCommitLog,
        syncFlushTimeout: options.syncFlushTimeout,
        checkCRCOnRecover: options.checkCRCOnRecover,
        abnormalRecovery: abnormal,
        checkpoint,
        deliverTimeOf,
        logger,
      });
      if (index && abnormal) await index.recoverAfterCrash(checkpoint.indexMsgTimestamp, checkpoint.indexMark, commitLog.recovery.end);
      const retention = new RetentionService(commitLog, consumeQueues, index, {
        fileReservedTime: options.fileReservedTime ?? 72,
        deleteWhen: options.deleteWhen ?? '04',
        diskMaxUsedSpaceRatio: options.diskMaxUsedSpaceRatio ?? 75,
        cleanResourceInterval: options.cleanResourceInterval ?? 10_000,
        cleanFileForciblyEnable: options.cleanFileForciblyEnable ?? false,
        now: options.now ?? Date.now,
        diskStats: options.diskStats ?? (() => diskStatsAt(options.storePathCommitLog ?? commitLogDirPath(root))),
        logger,
      });
      const store = new MessageStore(options, lock, checkpoint, commitLog, consumeQueues, index, retention, logger);
      if (options.restoreConfirmOffset && checkpoint.confirmOffset >= 0) store.confirmBound = checkpoint.confirmOffset;
      await store.recoverQueues(abnormal);
      await retention.refreshDiskStats();
      await createAbortFile(root);
      store.startServices();
      return store;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Cuts the queues to the log, re-dispatches what they miss, rebuilds the queue offsets. */
  private async recoverQueues(abnormal: boolean): Promise<void> {
    const { commitLog, consumeQueues } = this;
    const report = commitLog.recovery;
    if (report.mode === 'empty') await consumeQueues.destroyAll();
    const truncated = await consumeQueues.truncateDirty(report.end);
    if (truncated > 0) this.logger.warn({ units: truncated, end: report.end }, 'consume queue units past the commit log end were removed');
    // Dispatch runs in log order, so everything below the furthest record any queue holds was
    // dispatched (after a clean stop all queues are written); after a crash, start no later
    // than where recovery began scanning.
    let from = commitLog.minOffset;
    for (const queue of consumeQueues.all()) from = Math.max(from, queue.maxPhysicalOffset);
    if (abnormal) from = Math.min(from, report.scanFrom);
    from = Math.max(from, commitLog.minOffset);
    let redispatched = 0;
    // Consume queues now; the index below, in the background, so recovery time follows the
    // checkpoint interval while an index file can span gigabytes of log.
    await commitLog.scan(from, (request) => {
      if (this.held.length === 0 && request.commitLogOffset + request.size <= this.confirmBound) {
        this.dispatch(request, false, false);
        redispatched++;
      } else this.held.push(request);
    });
    // Held records (restoreConfirmOffset) are dispatched and indexed when the bound covers them.
    const end = this.held[0]?.commitLogOffset ?? report.end;
    if (this.held.length > 0) this.logger.warn({ confirmOffset: this.confirmBound, records: this.held.length }, 'records past the recorded confirm offset are held back until the broker knows its role');
    this.dispatchedEnd = end;
    await consumeQueues.write();
    for (const queue of consumeQueues.all()) commitLog.setQueueOffset(queue.topic, queue.queueId, queue.maxOffset);
    // Held records took their queue offsets already: new messages come after them.
    for (const request of this.held) {
      const type = transactionType(request.sysFlag);
      if (type !== MessageSysFlag.TRANSACTION_NOT_TYPE && type !== MessageSysFlag.TRANSACTION_COMMIT_TYPE) continue;
      if (request.queueOffset >= commitLog.queueOffsetOf(request.topic, request.queueId)) commitLog.setQueueOffset(request.topic, request.queueId, request.queueOffset + 1);
    }
    await consumeQueues.correctMinOffset(commitLog.minOffset);
    if (redispatched > 0) this.logger.info({ from, records: redispatched }, 're-dispatched commit log records into consume queues');
    // From here a crash recovers from this point, whatever happened before.
    await consumeQueues.flush();
    this.checkpoint.recoverOffset = Math.min(end, commitLog.flushedOffset);
    await this.checkpoint.flush();
    if (this.index) this.rebuildIndex(this.index, end, abnormal, from);
    commitLog.onDispatch((request) => this.onWritten(request));
  }

  /** A record is written: into the consume queues now, or held until the confirm offset covers it. */
  private onWritten(request: DispatchRequest): void {
    if (this.held.length === 0 && request.commitLogOffset + request.size <= this.confirmBound) this.dispatch(request, true);
    else this.held.push(request);
  }

  /**
   * Indexes what the kept index files miss, up to `end` (where the log ended at recovery),
   * ahead of every record appended later on the same chain: queries wait for it, sends do not.
   */
  private rebuildIndex(index: IndexService, end: number, abnormal: boolean, dispatchFrom: number): void {
    // After a crash the unfinished index file is gone: from the last record the kept files
    // hold. After a clean stop the files are complete: only what the queues were missing.
    const last = abnormal ? index.lastIndexedPhyOffset : -1;
    const from = Math.max(this.commitLog.minOffset, abnormal ? last : dispatchFrom, 0);
    if (from >= end) return;
    this.indexRebuilding = true;
    this.indexChain = this.indexChain
      .then(async () => {
        const started = Date.now();
        let at = from;
        let records = 0;
        // A stop ends the rebuild early; the next start goes on from the last indexed record.
        while (at < end && !this.closed) {
          const batch: DispatchRequest[] = [];
          const outcome = await this.commitLog.scan(
            at,
            (request) => {
              // The last indexed record itself is in the kept file already.
              if (request.commitLogOffset > last) batch.push(request);
            },
            { to: Math.min(end, at + REINDEX_CHUNK_BYTES) },
          );
          if (batch.length > 0) await index.buildIndexBatch(batch);
          records += batch.length;
          if (outcome.end <= at) break;
          at = outcome.end;
        }
        this.logger.info({ from, end, records, millis: Date.now() - started }, 'rebuilt the message index after recovery');
      })
      .catch((error: unknown) => this.logger.error({ err: String(error), from, end }, 'rebuilding the message index failed'))
      .finally(() => {
        this.indexRebuilding = false;
        // Checkpoint the rebuilt index now: a crash before the next periodic checkpoint would
        // otherwise roll it back to where this rebuild began and do it all again.
        if (!this.closed) void this.flushMetadata().catch((error: unknown) => this.logger.error({ err: String(error) }, 'checkpoint flush failed'));
      });
  }

  private startServices(): void {
    const interval = this.options.flushIntervalConsumeQueue ?? 1_000;
    this.cqTimer = setInterval(() => void this.consumeQueues.write().catch((error: unknown) => this.logger.error({ err: String(error) }, 'consume queue write failed')), interval);
    this.cqTimer.unref();
    this.checkpointTimer = setInterval(() => void this.flushMetadata().catch((error: unknown) => this.logger.error({ err: String(error) }, 'checkpoint flush failed')), this.options.checkpointIntervalMillis ?? 10_000);
    this.checkpointTimer.unref();
    this.retention.start();
  }

  /** The "thorough" flush: consume queues, index, checkpoint. */
  async flushMetadata(): Promise<void> {
    // Units dispatched so far are made durable by the consume-queue flush below; the flushed
    // commit-log offset is a record boundary too (the end of a written chunk).
    const recoverOffset = Math.min(this.dispatchedEnd, this.commitLog.flushedOffset);
    await this.consumeQueues.flush();
    // During an index rebuild the index waits for the next pass; the rest is checkpointed now.
    if (this.index && !this.indexRebuilding) {
      await this.indexChain;
      const { indexMsgTimestamp, mark } = await this.index.flush();
      if (indexMsgTimestamp > 0) this.checkpoint.indexMsgTimestamp = indexMsgTimestamp;
      this.checkpoint.indexMark = mark;
    }
    this.checkpoint.recoverOffset = recoverOffset;
    await this.checkpoint.flush();
  }

  /** One written record into its consume queue and the index; wakes long polls. */
  private dispatch(request: DispatchRequest, notify: boolean, indexToo = true): void {
    this.dispatchedEnd = request.commitLogOffset + request.size;
    const type = transactionType(request.sysFlag);
    if (type === MessageSysFlag.TRANSACTION_NOT_TYPE || type === MessageSysFlag.TRANSACTION_COMMIT_TYPE) {
      const queue = this.consumeQueues.getOrCreate(request.topic, request.queueId);
      queue.putUnit(request.queueOffset, request.commitLogOffset, request.size, request.tagsCode);
      this.checkpoint.logicsMsgTimestamp = request.storeTimestamp;
      if (notify) for (const listener of this.arrivalListeners) listener(request.topic, request.queueId, queue.maxOffset, request.tagsCode);
    }
    if (this.index && indexToo) {
      // Records dispatched together (one written chunk) are indexed as one batch.
      this.indexBatch.push(request);
      if (this.indexBatch.length === 1) {
        const index = this.index;
        this.indexChain = this.indexChain
          .then(() => {
            const batch = this.indexBatch;
            this.indexBatch = [];
            return index.buildIndexBatch(batch).catch((error: unknown) =>
              this.logger.error({ err: String(error), from: batch[0]?.commitLogOffset, records: batch.length }, 'index build failed'),
            );
          })
          // buildIndexBatch's own failure is logged above; this only keeps the chain going.
          .catch(() => undefined);
      }
    }
  }

  // ---- writes ------------------------------------------------------------------------------

  async putMessage(message: MessageToStore): Promise<StorePutResult> {
    const refused = this.refuse();
    if (refused) return refused;
    const { status, record } = await this.commitLog.append(message);
    this.putTotal++;
    return { status, records: [record] };
  }

  async putMessages(messages: readonly MessageToStore[]): Promise<StorePutResult> {
    const refused = this.refuse();
    if (refused) return refused;
    const { status, records } = await this.commitLog.appendBatch(messages);
    this.putTotal += records.length;
    return { status, records };
  }

  private refuse(): StorePutResult | undefined {
    if (this.closed) return { status: 'SERVICE_NOT_AVAILABLE', records: [], remark: 'the message store is shut down' };
    if (this.held.length >= (this.options.maxHeldBackRecords ?? 100_000)) {
      return {
        status: 'SERVICE_NOT_AVAILABLE',
        records: [],
        remark: `${this.held.length} records wait for the in-sync replicas to acknowledge them (the confirm offset); new messages are refused until they do or the controller removes the lagging replica from the in-sync set`,
      };
    }
    if (this.replica) {
      return { status: 'SERVICE_NOT_AVAILABLE', records: [], remark: 'message store is slave mode, so putMessage is forbidden: send to the master of this broker name' };
    }
    if (this.retention.diskFull) {
      const dir = this.options.storePathCommitLog ?? commitLogDirPath(this.options.storePathRootDir);
      return {
        status: 'SERVICE_NOT_AVAILABLE',
        records: [],
        // Apache's words first (SERVICE_NOT_AVAILABLE, "maybe disk full"), then what to do.
        remark:
          `service not available now, maybe disk full: the disk holding ${dir} is ${(this.retention.lastDiskUsage * 100).toFixed(1)} % full; ` +
          'new messages are refused until it is below 85 % (nothing stored is deleted to make room); free space, let consumers catch up or lower fileReservedTime',
      };
    }
    return undefined;
  }

  // ---- replication hooks ---------------------------------------------------------------------

  /** This log as a master's HA transfers see it. */
  replicationSource(): ReplicationSource {
    const commitLog = this.commitLog;
    return {
      get maxPhyOffset() {
        return commitLog.maxOffset;
      },
      segmentSize: commitLog.segmentSize,
      readRange: (offset, maxBytes) => commitLog.readRaw(offset, maxBytes),
      onAppended: (listener) => commitLog.onDispatch(() => listener()),
    };
  }

  /** Turns this store into a follower of a master's log: from now on local puts are refused. */
  replicaSink(): ReplicaSink {
    this.replica ??= new ReplicaAppender(this.commitLog, this.options.deliverTimeOf ?? defaultDeliverTimeOf, this.logger);
    return this.replica;
  }

  /** Whether local puts are refused because this store follows a master (replicaSink). */
  get following(): boolean {
    return this.replica !== undefined;
  }

  /**
   * Controller mode (Apache's confirmOffset): records ending past `offset` are written and
   * replicated but not dispatched, so consumers cannot read what a failover may still cut;
   * they are dispatched, in log order, once a later call covers them. Infinity (the default)
   * dispatches everything. Records already dispatched stay visible whatever the new value.
   */
  setConfirmOffset(offset: number): void {
    this.confirmBound = offset;
    this.checkpoint.confirmOffset = Number.isFinite(offset) ? offset : -1;
    if (this.held.length === 0) return;
    let released = 0;
    for (const request of this.held) {
      if (request.commitLogOffset + request.size > offset) break;
      this.dispatch(request, true);
      released++;
    }
    this.held = released === this.held.length ? [] : this.held.slice(released);
  }

  /** The bound setConfirmOffset set (Infinity: none). */
  get confirmOffset(): number {
    return this.confirmBound;
  }

  /** Bytes written but held back from the consume queues by the confirm offset. */
  get heldBackBytes(): number {
    const first = this.held[0];
    return first ? this.commitLog.maxOffset - first.commitLogOffset : 0;
  }

  /**
   * Controller mode: cuts the log and the consume queues at `offset` (a record boundary), so a
   * former master can follow a new one whose log differs after it. The index keeps entries of
   * cut records; lookups read the log and skip what is no longer there. Held-back records
   * (setConfirmOffset) after the cut are dropped; those before it are dispatched, since the
   * new master's log holds them too.
   */
  async truncateTo(offset: number): Promise<void> {
    if (this.held.length > 0) {
      const kept = this.held.filter((request) => request.commitLogOffset + request.size <= offset);
      this.held = [];
      for (const request of kept) this.dispatch(request, true);
    }
    if (offset >= this.commitLog.maxOffset) return;
    this.logger.warn({ from: this.commitLog.maxOffset, to: offset }, 'truncating the commit log to the new master epoch (records after this offset were never acknowledged to clients)');
    await this.commitLog.truncate(offset);
    await this.consumeQueues.write();
    await this.consumeQueues.truncateDirty(offset);
    for (const queue of this.consumeQueues.all()) this.commitLog.setQueueOffset(queue.topic, queue.queueId, queue.maxOffset);
    await this.consumeQueues.flush();
    this.dispatchedEnd = Math.min(this.dispatchedEnd, offset);
    this.checkpoint.recoverOffset = Math.min(this.checkpoint.recoverOffset, offset);
    await this.checkpoint.flush();
    // The appender's view (pending partial record) belongs to the old log.
    if (this.replica) this.replica = new ReplicaAppender(this.commitLog, this.options.deliverTimeOf ?? defaultDeliverTimeOf, this.logger);
  }

  /**
   * Controller mode: a follower becomes a master. A record received only in part is cut (the
   * old master never acknowledged it), then local puts are accepted again. Returns the log end.
   */
  async stopFollowing(): Promise<number> {
    const replica = this.replica;
    if (!replica) return this.commitLog.maxOffset;
    await this.truncateTo(replica.dispatchedPhyOffset);
    this.replica = undefined;
    return this.commitLog.maxOffset;
  }

  // ---- reads -------------------------------------------------------------------------------

  private inMemory(commitLogOffset: number): boolean {
    return this.commitLog.maxOffset - commitLogOffset <= this.memoryBudget;
  }

  async getMessage(_group: string, topic: string, queueId: number, offset: number, maxMsgNums: number, filter?: MessageFilter): Promise<GetMessageResult> {
    const result: GetMessageResult = { status: 'NO_MATCHED_LOGIC_QUEUE', nextBeginOffset: 0, minOffset: 0, maxOffset: 0, messages: [], bufferTotalSize: 0, suggestPullingFromSlave: false };
    const queue = this.consumeQueues.get(topic, queueId);
    if (!queue) return result;
    const min = queue.minOffset;
    const max = queue.maxOffset;
    result.minOffset = min;
    result.maxOffset = max;
    if (max === 0) {
      result.status = 'NO_MESSAGE_IN_QUEUE';
      return result;
    }
    if (offset < min) return { ...result, status: 'OFFSET_TOO_SMALL', nextBeginOffset: min };
    if (offset === max) return { ...result, status: 'OFFSET_OVERFLOW_ONE', nextBeginOffset: offset };
    if (offset > max) return { ...result, status: 'OFFSET_OVERFLOW_BADLY', nextBeginOffset: min === 0 ? min : max };
    if (filter?.isMatchedByCommitLog) return this.getFilteredMessages(queue, offset, maxMsgNums, filter, result);

    const maxScanUnits = Math.max(16_000, maxMsgNums * 20) / 20;
    const commitLogMin = this.commitLog.minOffset;
    const o = this.options;
    let scanned = 0;
    let removing = false;
    let lastOffset = -1;
    const wanted: { offset: number; size: number }[] = [];
    // The consume queue is read in growing steps, not maxScanUnits (800 units, 16 KB) at once:
    // without a filter the first step (the pull's own batch size) is nearly always enough.
    let step = Math.min(maxScanUnits, Math.max(maxMsgNums, 16));
    scan: while (scanned < maxScanUnits) {
      const units = await queue.getUnits(offset + scanned, Math.min(step, maxScanUnits - scanned));
      if (units.count === 0) break;
      for (let i = 0; i < units.count; i++) {
        const phy = units.commitLogOffset(i);
        const size = units.size(i);
        const inMemory = this.inMemory(phy);
        const maxCount = Math.min(maxMsgNums, inMemory ? (o.maxTransferCountOnMessageInMemory ?? 32) : (o.maxTransferCountOnMessageInDisk ?? 8));
        const maxBytes = inMemory ? (o.maxTransferBytesOnMessageInMemory ?? 256 * 1024) : (o.maxTransferBytesOnMessageInDisk ?? 64 * 1024);
        if (wanted.length > 0 && (wanted.length >= maxCount || result.bufferTotalSize + size > maxBytes)) break scan;
        scanned++;
        if (units.isBlank(i)) continue;
        if (phy < commitLogMin) {
          removing = true;
          continue;
        }
        if (filter && !filter.isMatchedByConsumeQueue(units.tagsCode(i))) continue;
        wanted.push({ offset: phy, size });
        result.bufferTotalSize += size;
        lastOffset = phy;
      }
      if (units.startOffset + units.count >= queue.maxOffset) break;
      step *= 4;
    }
    result.messages = await this.readRecords(wanted, result.bufferTotalSize);
    result.bufferTotalSize = 0;
    for (const record of result.messages) result.bufferTotalSize += record.length;
    result.nextBeginOffset = offset + scanned;
    result.status = result.messages.length > 0 ? 'FOUND' : removing ? 'MESSAGE_WAS_REMOVING' : 'NO_MATCHED_MESSAGE';
    if (result.messages.length > 0) this.foundTotal += result.messages.length;
    result.suggestPullingFromSlave = lastOffset >= 0 && !this.inMemory(lastOffset);
    return result;
  }

  /**
   * getMessage with a commit-log stage (SQL92): candidates that pass the consume-queue stage are
   * read in slices of at most FILTER_READ_BYTES and judged one by one; only accepted records
   * count toward the batch. The scan is bounded by the same number of units as a plain pull
   * (Apache's maxFilterMessageCount), and the event loop is yielded between slices.
   */
  private async getFilteredMessages(
    queue: NonNullable<ReturnType<ConsumeQueueStore['get']>>,
    offset: number,
    maxMsgNums: number,
    filter: MessageFilter,
    result: GetMessageResult,
  ): Promise<GetMessageResult> {
    const maxScanUnits = Math.max(16_000, maxMsgNums * 20) / 20;
    const commitLogMin = this.commitLog.minOffset;
    const o = this.options;
    let scanned = 0;
    let removing = false;
    let lastOffset = -1;
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let step = Math.min(maxScanUnits, Math.max(maxMsgNums, 16));
    scan: while (scanned < maxScanUnits) {
      const chunkStart = scanned;
      const units = await queue.getUnits(offset + chunkStart, Math.min(step, maxScanUnits - chunkStart));
      if (units.count === 0) break;
      let next = 0;
      while (next < units.count) {
        const slice: { offset: number; size: number; index: number }[] = [];
        let sliceBytes = 0;
        for (; next < units.count; next++) {
          if (units.isBlank(next)) continue;
          const phy = units.commitLogOffset(next);
          if (phy < commitLogMin) {
            removing = true;
            continue;
          }
          if (!filter.isMatchedByConsumeQueue(units.tagsCode(next))) continue;
          const size = units.size(next);
          if (slice.length > 0 && sliceBytes + size > FILTER_READ_BYTES) break;
          slice.push({ offset: phy, size, index: next });
          sliceBytes += size;
        }
        const records = await this.readRecords(slice, sliceBytes);
        for (let k = 0; k < slice.length; k++) {
          const { offset: phy, size, index } = slice[k]!;
          const record = records[k];
          if (!record) {
            scanned = chunkStart + index;
            break scan;
          }
          if (!filter.isMatchedByCommitLog!(record)) continue;
          const inMemory = this.inMemory(phy);
          const maxCount = Math.min(maxMsgNums, inMemory ? (o.maxTransferCountOnMessageInMemory ?? 32) : (o.maxTransferCountOnMessageInDisk ?? 8));
          const maxBytes = inMemory ? (o.maxTransferBytesOnMessageInMemory ?? 256 * 1024) : (o.maxTransferBytesOnMessageInDisk ?? 64 * 1024);
          if (kept.length > 0 && (kept.length >= maxCount || keptBytes + size > maxBytes)) {
            scanned = chunkStart + index;
            break scan;
          }
          kept.push(record);
          keptBytes += record.length;
          lastOffset = phy;
          if (kept.length >= maxCount) {
            scanned = chunkStart + index + 1;
            break scan;
          }
        }
      }
      scanned = chunkStart + units.count;
      if (units.startOffset + units.count >= queue.maxOffset) break;
      // Read about as many units as the match rate so far says the rest of the batch needs
      // (with a margin), not a blind ×4: a sparse filter otherwise reads most of a big chunk
      // past the batch's last match, and the next pull reads it again.
      const wanted = maxMsgNums - kept.length;
      step = kept.length > 0 ? Math.max(16, Math.ceil(((wanted * scanned) / kept.length) * 1.25)) : step * 4;
    }
    result.messages = kept;
    result.bufferTotalSize = keptBytes;
    result.nextBeginOffset = offset + scanned;
    result.status = kept.length > 0 ? 'FOUND' : removing ? 'MESSAGE_WAS_REMOVING' : 'NO_MATCHED_MESSAGE';
    this.foundTotal += kept.length;
    result.suggestPullingFromSlave = lastOffset >= 0 && !this.inMemory(lastOffset);
    return result;
  }

  /**
   * Reads records with as few reads as possible: records closer than READ_GAP_BYTES to the
   * previous one share its read (the gap, other queues' records, is read and skipped), up to
   * READ_SPAN_BYTES per read. A pull's 32 records of one queue among a few others interleaved
   * in the log take one read instead of 32. The records are copied back to back into one buffer
   * (the pull's body, sent as is); the spans are read into a reused scratch buffer.
   */
  private async readRecords(wanted: { offset: number; size: number }[], totalSize: number): Promise<Buffer[]> {
    const records: Buffer[] = [];
    const out = Buffer.allocUnsafe(totalSize);
    let filled = 0;
    let i = 0;
    while (i < wanted.length) {
      const start = wanted[i]!.offset;
      let end = start + wanted[i]!.size;
      let j = i + 1;
      while (j < wanted.length) {
        const next = wanted[j]!;
        if (next.offset < end || next.offset - end > READ_GAP_BYTES || next.offset + next.size - start > READ_SPAN_BYTES) break;
        end = next.offset + next.size;
        j++;
      }
      const copyOut = (span: Buffer): void => {
        for (let k = i; k < j; k++) {
          const { offset, size } = wanted[k]!;
          span.copy(out, filled, offset - start, offset - start + size);
          records.push(out.subarray(filled, filled + size));
          filled += size;
        }
      };
      let read = await this.readSpan(start, end - start, copyOut);
      if (!read && j > i + 1) {
        // The span crosses a segment end (or reaches past the written data): one by one.
        j = i + 1;
        end = start + wanted[i]!.size;
        read = await this.readSpan(start, end - start, copyOut);
      }
      if (!read) break;
      i = j;
    }
    return records;
  }

  /**
   * Reads `length` bytes of the commit log at `offset` and hands them to `use` (which must copy
   * out what it keeps): into the scratch buffer when it is free, else into a new one. False if
   * they are not readable as one span.
   */
  private async readSpan(offset: number, length: number, use: (span: Buffer) => void): Promise<boolean> {
    if (this.spanScratchBusy || length > this.spanScratch.length) {
      const span = await this.commitLog.read(offset, length);
      if (span) use(span);
      return span !== undefined;
    }
    this.spanScratchBusy = true;
    try {
      const span = this.spanScratch.subarray(0, length);
      if (!(await this.commitLog.readInto(span, offset))) return false;
      use(span);
      return true;
    } finally {
      this.spanScratchBusy = false;
    }
  }

  async getQueueUnits(topic: string, queueId: number, offset: number, maxCount: number): Promise<{ units: QueueUnit[]; nextOffset: number }> {
    const queue = this.consumeQueues.get(topic, queueId);
    if (!queue) return { units: [], nextOffset: offset };
    const from = Math.max(offset, queue.minOffset);
    if (from >= queue.maxOffset) return { units: [], nextOffset: from };
    const batch = await queue.getUnits(from, Math.min(maxCount, queue.maxOffset - from));
    const units: QueueUnit[] = [];
    for (let i = 0; i < batch.count; i++) {
      if (batch.isBlank(i)) continue;
      units.push({ queueOffset: batch.offsetAt(i), commitLogOffset: batch.commitLogOffset(i), size: batch.size(i), tagsCode: batch.tagsCode(i) });
    }
    return { units, nextOffset: batch.endOffset };
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueues.get(topic, queueId)?.maxOffset ?? 0;
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueues.get(topic, queueId)?.minOffset ?? 0;
  }

  private async storeTimeAt(commitLogOffset: number, size: number): Promise<number> {
    const head = await this.commitLog.read(commitLogOffset, Math.min(size, 120));
    if (!head || head.length < 64) return -1;
    const sysFlag = head.readInt32BE(36);
    const at = 48 + (sysFlag & MessageSysFlag.BORNHOST_V6 ? 20 : 8);
    return readInt64(head, at);
  }

  async getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): Promise<number> {
    const queue = this.consumeQueues.get(topic, queueId);
    if (!queue) return 0;
    return queue.searchOffsetByTime(timestamp, (offset, size) => this.storeTimeAt(offset, size));
  }

  async getMessageStoreTimeStamp(topic: string, queueId: number, consumeQueueOffset: number): Promise<number> {
    const queue = this.consumeQueues.get(topic, queueId);
    if (!queue) return -1;
    const units = await queue.getUnits(consumeQueueOffset, 1);
    if (units.count === 0 || units.startOffset !== consumeQueueOffset || units.isBlank(0)) return -1;
    return this.storeTimeAt(units.commitLogOffset(0), units.size(0));
  }

  async getEarliestMessageTime(topic: string, queueId: number): Promise<number> {
    const queue = this.consumeQueues.get(topic, queueId);
    if (!queue || queue.maxOffset === 0) return -1;
    return this.getMessageStoreTimeStamp(topic, queueId, queue.minOffset);
  }

  async lookMessageByOffset(commitLogOffset: number): Promise<Buffer | undefined> {
    if (commitLogOffset < this.commitLog.minOffset || commitLogOffset >= this.commitLog.maxOffset) return undefined;
    const head = await this.commitLog.read(commitLogOffset, 8);
    if (!head || head.length < 8) return undefined;
    const size = head.readInt32BE(0);
    if (size <= 8 || commitLogOffset + size > this.commitLog.maxOffset) return undefined;
    return this.commitLog.read(commitLogOffset, size);
  }

  async queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryMessageResult> {
    if (!this.index) return { messages: [], indexLastUpdateTimestamp: 0, indexLastUpdatePhyoffset: 0 };
    await this.indexChain;
    const found = await this.index.queryOffsets(topic, key, maxNum, begin, end);
    const messages: Buffer[] = [];
    for (const offset of found.phyOffsets) {
      const record = await this.lookMessageByOffset(offset);
      if (record) messages.push(record);
    }
    return { messages, indexLastUpdateTimestamp: found.indexLastUpdateTimestamp, indexLastUpdatePhyoffset: found.indexLastUpdatePhyoffset };
  }

  async checkInMemByConsumeOffset(topic: string, queueId: number, consumeOffset: number): Promise<boolean> {
    const queue = this.consumeQueues.get(topic, queueId);
    if (!queue) return true;
    const units = await queue.getUnits(consumeOffset, 1);
    if (units.count === 0) return true;
    return this.inMemory(units.commitLogOffset(0));
  }

  topics(): string[] {
    return this.consumeQueues.topics();
  }

  async deleteTopics(topics: Iterable<string>): Promise<number> {
    let count = 0;
    for (const topic of topics) {
      if (this.consumeQueues.queuesOf(topic).size === 0) continue;
      await this.consumeQueues.deleteTopic(topic);
      this.commitLog.clearQueueOffsets(topic);
      count++;
    }
    return count;
  }

  onMessageArriving(listener: ArrivalListener): void {
    this.arrivalListeners.push(listener);
  }

  runtimeInfo(): StoreRuntimeInfo {
    return {
      commitLogMinOffset: this.commitLog.minOffset,
      commitLogMaxOffset: this.commitLog.maxOffset,
      commitLogFlushedOffset: this.commitLog.flushedOffset,
      dispatchBehindBytes: this.heldBackBytes,
      putMessageTotal: this.putTotal,
      getMessageFoundTotal: this.foundTotal,
      diskUsedRatio: this.retention.lastDiskUsage,
      commitLogDirCapacity: this.retention.lastCapacity,
      earliestMessageTimeStamp: 0,
    };
  }

  /** Flushes everything, removes the abort file (a clean stop) and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.cqTimer);
    clearInterval(this.checkpointTimer);
    this.retention.stop();
    await this.commitLog.close();
    await this.indexChain;
    await this.flushMetadata();
    await this.consumeQueues.close();
    await this.index?.close();
    await this.checkpoint.close?.();
    await removeAbortFile(this.options.storePathRootDir);
    await this.lock.release();
  }
}

/**
 * Disk use as `df` and Apache's UtilAll.getDiskPartitionSpaceUsedPercent count it: used / (used +
 * available to users). Blocks reserved for root count in neither, so a file system with a large
 * reserve is not taken for fuller than it is (1 − available / total would say 90 % where df says 74 %).
 */
export function diskStatsOf(stats: { blocks: number; bfree: number; bavail: number; bsize: number }): DiskStats {
  const used = (stats.blocks - stats.bfree) * stats.bsize;
  const free = stats.bavail * stats.bsize;
  return { usedRatio: used + free === 0 ? 0 : used / (used + free), total: stats.blocks * stats.bsize, free };
}

async function diskStatsAt(dir: string): Promise<DiskStats> {
  return diskStatsOf(await statfs(dir).catch(() => statfs(join(dir, '..'))));
}
