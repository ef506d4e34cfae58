import { RocketMQError } from '@rocketmq-ts/protocol';

/** A config file whose content and backup both fail to decode. */
export class ConfigFileCorruptError extends RocketMQError {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    super(
      `cannot read ${file} or ${file}.bak${reason}; repair the JSON, or move both files aside to start with an empty table`,
      { cause },
    );
  }
}

/** JSON that parses but does not have the shape of the config file. */
export class ConfigShapeError extends RocketMQError {}
