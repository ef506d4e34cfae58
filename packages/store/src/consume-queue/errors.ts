import { RocketMQError } from '@rocketmq-ts/protocol';

/** A ConsumeQueue option or file that does not fit the configured layout. */
export class ConsumeQueueConfigError extends RocketMQError {}

/** A ConsumeQueue segment longer than `mappedFileSizeConsumeQueue` (Apache refuses it too). */
export class ConsumeQueueFileSizeError extends ConsumeQueueConfigError {
  constructor(
    readonly file: string,
    readonly actualSize: number,
    readonly expectedSize: number,
  ) {
    super(
      `consume queue file ${file} is ${actualSize} bytes, but mappedFileSizeConsumeQueue is ${expectedSize}; ` +
        `set mappedFileSizeConsumeQueue to the size the store was written with (${actualSize} if all files agree)`,
    );
  }
}

/** A topic name that cannot be a directory name under consumequeue/. */
export class InvalidQueueTopicError extends RocketMQError {
  constructor(readonly topic: string) {
    super(
      `topic ${JSON.stringify(topic)} cannot name a consume queue directory ` +
        `(topics match ^[%|a-zA-Z0-9_-]+$ and are at most 127 characters)`,
    );
  }
}
