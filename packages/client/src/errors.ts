/**
 * Errors the client throws. Every one is a RocketMQError (from @rocketmq-ts/protocol), so
 * `error.code` is the RocketMQ response code where one applies and `error.retriable` says
 * whether trying again may help. Messages say what went wrong and what to do about it.
 */
import { RocketMQError, responseCodeInfo } from '@rocketmq-ts/protocol';

/** Client-side problems: bad arguments, a bad message, a client in the wrong state. */
export class MQClientError extends RocketMQError {
  constructor(message: string, options: { code?: number; cause?: unknown; retriable?: boolean } = {}) {
    super(message, options);
  }
}

/** The broker or name server answered with a non-success response code. */
export class MQBrokerError extends RocketMQError {
  readonly responseCode: number;
  readonly responseCodeName: string;

  constructor(
    readonly addr: string,
    readonly operation: string,
    responseCode: number,
    readonly remark: string | undefined,
  ) {
    const info = responseCodeInfo(responseCode);
    const hint = info.hint ? `; ${info.hint}` : '';
    super(`${operation} failed at ${addr}: ${info.name} (${responseCode})${remark ? `: ${remark}` : ''}${hint}`, {
      code: responseCode,
      retriable: info.retriable,
    });
    this.responseCode = responseCode;
    this.responseCodeName = info.name;
  }
}

/** No name server knows the topic, and it could not be borrowed from TBW102 either. */
export class NoRouteError extends MQClientError {
  constructor(
    readonly topic: string,
    namesrvAddrs: readonly string[],
  ) {
    super(
      `No route info of this topic: ${topic} (asked ${namesrvAddrs.join(', ') || 'no name server'}); ` +
        `create it with "mqadmin updateTopic -t ${topic} -c <cluster>", enable autoCreateTopicEnable on the broker, ` +
        `or check that namesrvAddr points at the name server the broker registers with`,
      { code: 17, retriable: true },
    );
  }
}

/** A send that could not be completed within its budget of attempts and time. */
export class SendFailedError extends MQClientError {
  constructor(
    message: string,
    readonly attempts: number,
    readonly brokersTried: readonly string[],
    cause: unknown,
  ) {
    super(message, { cause, retriable: true, ...(cause instanceof RocketMQError && cause.code !== undefined ? { code: cause.code } : {}) });
  }
}
