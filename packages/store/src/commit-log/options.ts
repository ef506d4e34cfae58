/**
 * CommitLog settings. Keys keep broker.conf's names (MessageStoreConfig.java, spec §9, §14) so a
 * user's file maps onto them directly; the rest are rocketmq-ts seams (clock, I/O, logger).
 */
import { type Logger, silentLogger } from '@rocketmq-ts/protocol';
import { StoreConfigError } from '../errors.ts';
import type { FlushDiskType } from '../flush/flush-service.ts';
import type { StoreCheckpoint } from '../recovery/checkpoint.ts';
import { segmentIO, type SegmentIO } from '../segment/segment-io.ts';
import { type DeliverTimeOf, defaultDeliverTimeOf } from './dispatch-request.ts';

export interface CommitLogOptions {
  /** The commit-log directory (storePathCommitLog; `<storePathRootDir>/commitlog`). */
  storePathCommitLog: string;
  /**
   * Size of every segment file in bytes. A store must be opened with the size it was written with.
   * @defaultValue 1 GiB (1073741824)
   */
  mappedFileSizeCommitLog?: number;
  /**
   * Largest stored record, in bytes.
   * @defaultValue 4 MiB (4194304)
   */
  maxMessageSize?: number;
  /** @defaultValue 'ASYNC_FLUSH' */
  flushDiskType?: FlushDiskType;
  /**
   * ASYNC_FLUSH: period of the background flush, in ms.
   * @defaultValue 500
   */
  flushIntervalCommitLog?: number;
  /**
   * ASYNC_FLUSH: flush only when at least this many 4 KiB pages are dirty…
   * @defaultValue 4
   */
  flushCommitLogLeastPages?: number;
  /**
   * …or when this many ms passed since the last flush.
   * @defaultValue 10000
   */
  flushCommitLogThoroughInterval?: number;
  /**
   * SYNC_FLUSH: how long an append waits for its datasync before it reports FLUSH_DISK_TIMEOUT, in ms.
   * @defaultValue 5000
   */
  syncFlushTimeout?: number;
  /**
   * Check body CRCs while recovering.
   * @defaultValue true
   */
  checkCRCOnRecover?: boolean;
  /**
   * Recover as after a crash (the store's `abort` file exists): find the start segment from the
   * checkpoint instead of the last three segments.
   * @defaultValue false
   */
  abnormalRecovery?: boolean;
  /** The store checkpoint: read for abnormal recovery, its physicMsgTimestamp updated on each flush. */
  checkpoint?: StoreCheckpoint;
  /**
   * Abnormal recovery also rewinds to the index checkpoint (indexMsgTimestamp).
   * @defaultValue false
   */
  messageIndexSafe?: boolean;
  /** Deliver time of SCHEDULE_TOPIC_XXXX records (their tagsCode). @defaultValue the default messageDelayLevel table */
  deliverTimeOf?: DeliverTimeOf;
  /**
   * Size of each write buffer appends are encoded into; a larger record gets its own.
   * @defaultValue 4 MiB
   */
  writeBufferSize?: number;
  /**
   * Size of the reads recovery and scan() make.
   * @defaultValue 4 MiB
   */
  readBufferSize?: number;
  logger?: Logger;
  /** Clock for store timestamps and flush deadlines. @defaultValue Date.now */
  now?: () => number;
  /** Replace file operations (tests: slow or failing datasync/write). */
  io?: Partial<SegmentIO>;
}

export type ResolvedCommitLogOptions = Required<Omit<CommitLogOptions, 'checkpoint' | 'io'>> & {
  checkpoint: StoreCheckpoint | undefined;
  io: SegmentIO;
};

export const COMMIT_LOG_DEFAULTS = {
  mappedFileSizeCommitLog: 1024 * 1024 * 1024,
  maxMessageSize: 4 * 1024 * 1024,
  flushDiskType: 'ASYNC_FLUSH',
  flushIntervalCommitLog: 500,
  flushCommitLogLeastPages: 4,
  flushCommitLogThoroughInterval: 10_000,
  syncFlushTimeout: 5000,
  checkCRCOnRecover: true,
  writeBufferSize: 4 * 1024 * 1024,
  readBufferSize: 4 * 1024 * 1024,
} as const;

export function resolveCommitLogOptions(options: CommitLogOptions): ResolvedCommitLogOptions {
  const resolved: ResolvedCommitLogOptions = {
    storePathCommitLog: options.storePathCommitLog,
    mappedFileSizeCommitLog: options.mappedFileSizeCommitLog ?? COMMIT_LOG_DEFAULTS.mappedFileSizeCommitLog,
    maxMessageSize: options.maxMessageSize ?? COMMIT_LOG_DEFAULTS.maxMessageSize,
    flushDiskType: options.flushDiskType ?? COMMIT_LOG_DEFAULTS.flushDiskType,
    flushIntervalCommitLog: options.flushIntervalCommitLog ?? COMMIT_LOG_DEFAULTS.flushIntervalCommitLog,
    flushCommitLogLeastPages: options.flushCommitLogLeastPages ?? COMMIT_LOG_DEFAULTS.flushCommitLogLeastPages,
    flushCommitLogThoroughInterval: options.flushCommitLogThoroughInterval ?? COMMIT_LOG_DEFAULTS.flushCommitLogThoroughInterval,
    syncFlushTimeout: options.syncFlushTimeout ?? COMMIT_LOG_DEFAULTS.syncFlushTimeout,
    checkCRCOnRecover: options.checkCRCOnRecover ?? COMMIT_LOG_DEFAULTS.checkCRCOnRecover,
    abnormalRecovery: options.abnormalRecovery ?? false,
    checkpoint: options.checkpoint,
    messageIndexSafe: options.messageIndexSafe ?? false,
    deliverTimeOf: options.deliverTimeOf ?? defaultDeliverTimeOf,
    writeBufferSize: options.writeBufferSize ?? COMMIT_LOG_DEFAULTS.writeBufferSize,
    readBufferSize: options.readBufferSize ?? COMMIT_LOG_DEFAULTS.readBufferSize,
    logger: options.logger ?? silentLogger,
    now: options.now ?? Date.now,
    io: segmentIO(options.io),
  };
  for (const key of ['mappedFileSizeCommitLog', 'maxMessageSize', 'flushIntervalCommitLog', 'syncFlushTimeout', 'writeBufferSize', 'readBufferSize'] as const) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value <= 0) throw new StoreConfigError(key, `must be a positive integer, not ${value}`);
  }
  if (resolved.flushDiskType !== 'ASYNC_FLUSH' && resolved.flushDiskType !== 'SYNC_FLUSH') {
    throw new StoreConfigError('flushDiskType', `must be ASYNC_FLUSH or SYNC_FLUSH, not ${String(resolved.flushDiskType)}`);
  }
  return resolved;
}
