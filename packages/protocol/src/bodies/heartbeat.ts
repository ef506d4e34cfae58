/**
 * Client bodies (remoting-protocol.md §7.4, §6.7): HeartbeatData with its ConsumerData and
 * SubscriptionData, the consumer id list, and the queue-lock bodies.
 * Readers accept the Go client's numeric-string codeSet and nanosecond subVersion, and
 * ali-ons's missing expressionType.
 */
import { tagsCode } from '../message/tag-hash.ts';
import { type JsonValue, type WritableJson, writeFastjson } from '../json/fastjson.ts';
import { bool, isObject, list, num, parseBody, str } from './route.ts';

export interface SubscriptionData {
  classFilterMode: boolean;
  topic: string;
  subString: string;
  tagsSet: string[];
  codeSet: number[];
  subVersion: number;
  /** TAG or SQL92. */
  expressionType: string;
}

export interface ConsumerData {
  groupName: string;
  /** CONSUME_PASSIVELY (push) or CONSUME_ACTIVELY (pull). */
  consumeType: string;
  /** CLUSTERING or BROADCASTING. */
  messageModel: string;
  consumeFromWhere: string;
  subscriptionDataSet: SubscriptionData[];
  unitMode: boolean;
}

export interface HeartbeatData {
  clientID: string;
  producerDataSet: { groupName: string }[];
  consumerDataSet: ConsumerData[];
}

export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

export const SUB_ALL = '*';

/** FilterAPI.buildSubscriptionData for TAG expressions: "*" or "a || b". */
export function buildSubscriptionData(topic: string, expression: string | undefined, expressionType = 'TAG', subVersion = Date.now()): SubscriptionData {
  const data: SubscriptionData = { classFilterMode: false, topic, subString: SUB_ALL, tagsSet: [], codeSet: [], subVersion, expressionType };
  if (expressionType !== 'TAG') {
    data.subString = expression ?? '';
    return data;
  }
  if (!expression || expression.trim() === '' || expression.trim() === SUB_ALL) return data;
  data.subString = expression;
  for (const part of expression.split('||')) {
    const tag = part.trim();
    if (tag === '') continue;
    data.tagsSet.push(tag);
    data.codeSet.push(tagsCode(tag));
  }
  return data;
}

export function readSubscriptionData(value: JsonValue | undefined): SubscriptionData {
  const object = isObject(value) ? value : {};
  return {
    classFilterMode: bool(object['classFilterMode']),
    topic: str(object['topic']),
    subString: str(object['subString'], SUB_ALL),
    tagsSet: list(object['tagsSet']).map((t) => str(t)),
    codeSet: list(object['codeSet']).map((c) => num(c)),
    subVersion: num(object['subVersion']),
    expressionType: str(object['expressionType'], 'TAG') || 'TAG',
  };
}

export function subscriptionDataJson(data: SubscriptionData): WritableJson {
  return { ...data };
}

export function readConsumerData(value: JsonValue | undefined): ConsumerData {
  const object = isObject(value) ? value : {};
  return {
    groupName: str(object['groupName']),
    consumeType: str(object['consumeType'], 'CONSUME_PASSIVELY'),
    messageModel: str(object['messageModel'], 'CLUSTERING'),
    consumeFromWhere: str(object['consumeFromWhere'], 'CONSUME_FROM_LAST_OFFSET'),
    subscriptionDataSet: list(object['subscriptionDataSet']).map(readSubscriptionData),
    unitMode: bool(object['unitMode']),
  };
}

export function decodeHeartbeatData(body: Uint8Array | undefined): HeartbeatData {
  const object = parseBody(body, 'HeartbeatData');
  return {
    clientID: str(object['clientID']),
    producerDataSet: list(object['producerDataSet']).map((p) => ({ groupName: str(isObject(p) ? p['groupName'] : undefined) })),
    consumerDataSet: list(object['consumerDataSet']).map(readConsumerData),
  };
}

export function encodeHeartbeatData(data: HeartbeatData): Buffer {
  return Buffer.from(
    writeFastjson({
      clientID: data.clientID,
      consumerDataSet: data.consumerDataSet.map((c) => ({ ...c, subscriptionDataSet: c.subscriptionDataSet.map(subscriptionDataJson) })),
      producerDataSet: data.producerDataSet.map((p) => ({ groupName: p.groupName })),
    }),
  );
}

export function readMessageQueue(value: JsonValue | undefined): MessageQueue {
  const object = isObject(value) ? value : {};
  return { topic: str(object['topic']), brokerName: str(object['brokerName']), queueId: num(object['queueId']) };
}

export function messageQueueJson(mq: MessageQueue): WritableJson {
  return { brokerName: mq.brokerName, queueId: mq.queueId, topic: mq.topic };
}

export function messageQueueKey(mq: MessageQueue): string {
  return `${mq.topic}\u0000${mq.brokerName}\u0000${mq.queueId}`;
}

/** LOCK_BATCH_MQ / UNLOCK_BATCH_MQ request body. */
export interface LockBatchRequestBody {
  consumerGroup: string;
  clientId: string;
  mqSet: MessageQueue[];
}

export function decodeLockBatchRequest(body: Uint8Array | undefined): LockBatchRequestBody {
  const object = parseBody(body, 'LockBatchRequestBody');
  return { consumerGroup: str(object['consumerGroup']), clientId: str(object['clientId']), mqSet: list(object['mqSet']).map(readMessageQueue) };
}

export function encodeLockBatchRequest(request: LockBatchRequestBody): Buffer {
  return Buffer.from(writeFastjson({ clientId: request.clientId, consumerGroup: request.consumerGroup, mqSet: request.mqSet.map(messageQueueJson) }));
}

export function encodeLockBatchResponse(locked: MessageQueue[]): Buffer {
  return Buffer.from(writeFastjson({ lockOKMQSet: locked.map(messageQueueJson) }));
}

export function decodeLockBatchResponse(body: Uint8Array | undefined): MessageQueue[] {
  return list(parseBody(body, 'LockBatchResponseBody')['lockOKMQSet']).map(readMessageQueue);
}

export function encodeConsumerIdList(ids: string[]): Buffer {
  return Buffer.from(writeFastjson({ consumerIdList: ids }));
}

export function decodeConsumerIdList(body: Uint8Array | undefined): string[] {
  return list(parseBody(body, 'GetConsumerListByGroupResponseBody')['consumerIdList']).map((id) => str(id));
}
