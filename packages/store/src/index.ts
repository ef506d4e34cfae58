/**
 * @rocketmq-ts/store — RocketMQ's storage engine: CommitLog, ConsumeQueue, IndexFile,
 * recovery, retention — with Apache RocketMQ 4.x on-disk formats.
 */
export * from './errors.ts';
export * from './commit-log/commit-log.ts';
export * from './commit-log/message-to-store.ts';
export * from './commit-log/dispatch-request.ts';
export * from './commit-log/options.ts';
export type { ScanOutcome } from './commit-log/record-scanner.ts';
export type { FlushDiskType } from './flush/flush-service.ts';
export * from './recovery/checkpoint.ts';
export * from './recovery/store-lock.ts';
export * from './recovery/abort-file.ts';
export type { RecoveryReport } from './recovery/recover-commit-log.ts';
export * from './message-store-api.ts';
export * from './consume-queue/index.ts';
export * from './index-file/index.ts';
export * from './metadata/index.ts';
export * from './message-store.ts';
export * from './retention/retention-service.ts';
export * from './timer/timer-log.ts';
export * from './timer/timer-store.ts';
export * from './replication/replication-hooks.ts';
export { ReplicaAppender } from './replication/replica-appender.ts';
