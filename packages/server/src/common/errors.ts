/**
 * The server's errors belong to the same family as the client's (RocketMQError from
 * @rocketmq-ts/protocol): `code` is the response code a client receives, `retriable` says
 * whether trying again may help.
 */
import { RocketMQError, responseCodeInfo } from '@rocketmq-ts/protocol';

/** A request the broker refuses; handlers answer it with `code` and the message as remark. */
export class RequestRejected extends RocketMQError {
  declare readonly code: number;

  constructor(code: number, remark: string, options: { cause?: unknown } = {}) {
    super(remark, { code, retriable: responseCodeInfo(code).retriable, ...options });
  }
}
