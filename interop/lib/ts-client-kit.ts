/** Small helpers for tests that drive @rocketmq-ts/client against a running name server. */
import { createRequest, decodeHeader, encodeHeader, GetMaxOffsetRequestHeader, GetMaxOffsetResponseHeader, RemotingClient, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import type { MessageExt } from '@rocketmq-ts/client';

/** Resolves once `condition` holds, polling every 50 ms; rejects with `what` after `timeoutMillis`. */
export async function waitFor(condition: () => boolean, timeoutMillis: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMillis} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/** What a test keeps of a delivery. */
export interface Delivery {
  msgId: string;
  topic: string;
  tags: string | undefined;
  keys: string[];
  body: string;
  queueId: number;
  queueOffset: number;
  reconsumeTimes: number;
  properties: Record<string, string>;
  at: number;
  consumer: string;
}

export function delivery(message: MessageExt, consumer = ''): Delivery {
  return {
    msgId: message.msgId,
    topic: message.topic,
    tags: message.tags,
    keys: message.keys,
    body: message.body.toString('utf8'),
    queueId: message.queueId,
    queueOffset: message.queueOffset,
    reconsumeTimes: message.reconsumeTimes,
    properties: { ...message.properties },
    at: Date.now(),
    consumer,
  };
}

/** GET_MAX_OFFSET of one queue, straight over the wire (DLQ topics are write-only, so nothing can pull them). */
export async function maxOffset(brokerAddr: string, topic: string, queueId: number): Promise<number> {
  const client = new RemotingClient();
  try {
    const response = await client.invoke(
      brokerAddr,
      createRequest(RequestCode.GET_MAX_OFFSET, { extFields: encodeHeader(GetMaxOffsetRequestHeader, { topic, queueId }) }),
      3000,
    );
    if (response.code !== ResponseCode.SUCCESS) return -1;
    return decodeHeader(GetMaxOffsetResponseHeader, response.extFields).offset;
  } finally {
    await client.close();
  }
}
