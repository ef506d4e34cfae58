/** ConsumeQueue: the per-(topic, queueId) logical queues (storage-format.md §3). */
export * from './consume-queue.ts';
export * from './consume-queue-store.ts';
export * from './cq-unit.ts';
export * from './errors.ts';
export { FileHandlePool, type FileHandlePoolOptions } from './file-handle-pool.ts';
