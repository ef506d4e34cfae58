/** For tests and sibling modules only: the building blocks under the public surface. */
export * from './segment/segment.ts';
export * from './segment/segment-io.ts';
export * from './segment/segment-queue.ts';
export * from './commit-log/record-check.ts';
export * from './commit-log/record-scanner.ts';
export * from './flush/flush-service.ts';
export * from './recovery/recover-commit-log.ts';
export * from './testing/test-message.ts';
