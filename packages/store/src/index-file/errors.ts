import { RocketMQError } from '@rocketmq-ts/protocol';

/** An IndexFile whose size does not match maxHashSlotNum / maxIndexNum. */
export class IndexFileSizeError extends RocketMQError {
  constructor(
    readonly file: string,
    readonly actualSize: number,
    readonly expectedSize: number,
    readonly maxHashSlotNum: number,
    readonly maxIndexNum: number,
  ) {
    super(
      `index file ${file} is ${actualSize} bytes, but maxHashSlotNum ${maxHashSlotNum} and maxIndexNum ${maxIndexNum} ` +
        `make ${expectedSize} (40 + slots × 4 + entries × 20); set them to the values the store was written with ` +
        `(or move index/ aside: messages stored before then can no longer be found by key)`,
    );
  }
}
