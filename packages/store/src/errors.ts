/**
 * Errors of the storage engine. Every one is a RocketMQError; where the broker answers a
 * client with it, `code` is the response code the remoting layer sends (ResponseCode.java).
 * Messages name the cause, the subject (file, offset, size) and the fix (the setting to change).
 */
import { ResponseCode, RocketMQError } from '@rocketmq-ts/protocol';

/** A message the store refuses as it is (wire code 13, MESSAGE_ILLEGAL). */
export class MessageIllegalError extends RocketMQError {
  constructor(message: string) {
    super(message, { code: ResponseCode.MESSAGE_ILLEGAL });
  }
}

/** The stored record would be larger than `maxMessageSize` (MESSAGE_SIZE_EXCEEDED in Java). */
export class MessageTooLargeError extends MessageIllegalError {
  constructor(
    readonly topic: string,
    readonly size: number,
    readonly limit: number,
    readonly setting: 'maxMessageSize' | 'mappedFileSizeCommitLog' = 'maxMessageSize',
  ) {
    super(
      `message of ${size} bytes (stored record) for topic ${topic} exceeds the limit of ${limit} bytes; ` +
        `send a smaller message or raise ${setting} in the broker config`,
    );
  }
}

/** Store shut down, disk not writable, or an I/O failure: the client may retry elsewhere (code 14). */
export class StoreUnavailableError extends RocketMQError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: ResponseCode.SERVICE_NOT_AVAILABLE, retriable: true, cause });
  }
}

export class StoreClosedError extends StoreUnavailableError {
  constructor(what = 'commit log') {
    super(`the ${what} is closed (the broker is shutting down); retry on another broker`);
  }
}

/** A write failed because the disk is full (ENOSPC/EDQUOT). Nothing of the failed batch is visible. */
export class DiskFullError extends StoreUnavailableError {
  constructor(
    readonly file: string,
    cause?: unknown,
  ) {
    super(`disk full while writing ${file}; free space on that disk or lower fileReservedTime so old segments are deleted`, cause);
  }
}

/** A write or sync of a store file failed for another reason than a full disk. */
export class StoreIOError extends StoreUnavailableError {
  constructor(
    readonly file: string,
    readonly operation: string,
    cause?: unknown,
  ) {
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    super(`${operation} of ${file} failed${reason}; check the disk and the store directory's permissions`, cause);
  }
}

/** Data on disk that is not what the format says at `offset` (a file position, or a commit-log offset). */
export class CorruptSegmentError extends RocketMQError {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${file} is damaged at offset ${offset}: ${reason}`);
  }
}

/** A segment whose length is not the configured segment size (Apache refuses to start too). */
export class SegmentSizeError extends CorruptSegmentError {
  constructor(
    file: string,
    readonly actualSize: number,
    readonly expectedSize: number,
    readonly setting: string,
  ) {
    super(
      file,
      0,
      `its length is ${actualSize} bytes but ${setting} is ${expectedSize}; set ${setting}=${actualSize} ` +
        `if the store was written with that size, or move the file away`,
    );
  }
}

/** SYNC_FLUSH: the data was not durable within syncFlushTimeout (code 10). The record stays stored. */
export class FlushTimeoutError extends RocketMQError {
  constructor(
    readonly offset: number,
    readonly timeoutMillis: number,
  ) {
    super(
      `commit log data up to offset ${offset} was not flushed to disk within ${timeoutMillis} ms; ` +
        `the message is stored; check the disk's speed or raise syncFlushTimeout`,
      { code: ResponseCode.FLUSH_DISK_TIMEOUT },
    );
  }
}

/** Another store instance (this process or another one) holds the store directory. */
export class StoreLockedError extends RocketMQError {
  constructor(
    readonly lockFile: string,
    readonly pid: number,
  ) {
    const holder = pid === process.pid ? 'this process' : `process ${pid}`;
    super(
      `the store is already open by ${holder} (lock file ${lockFile}); stop that broker first, ` +
        `or, if no broker runs on this directory, delete ${lockFile}`,
    );
  }
}

/** A store setting with a value it cannot take; names the setting. */
export class StoreConfigError extends RocketMQError {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
  }
}

/**
 * Replicated bytes that cannot be written where the master says they go: the follower's log
 * and the master's have diverged (or the follower wrote locally). The HA client drops the
 * connection and reports its own end again.
 */
export class ReplicaWriteError extends RocketMQError {
  constructor(
    readonly offset: number,
    readonly logEnd: number,
    reason: string,
  ) {
    super(
      `cannot write replicated commit-log data at offset ${offset} (this log ends at ${logEnd}): ${reason}; ` +
        `if the slave's store belongs to another master, move its storePathRootDir away and let it copy the master's log again`,
    );
  }
}
