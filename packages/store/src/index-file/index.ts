/** IndexFile: the message-key index (storage-format.md §4). */
export * from './index-service.ts';
export { IndexFile, indexKeyHash } from './index-file.ts';
export * from './index-header.ts';
export * from './errors.ts';
