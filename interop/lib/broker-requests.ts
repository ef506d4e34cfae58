/**
 * A few broker requests for interop checks, sent through the independent probe of
 * remoting-probe.ts (not our codec), so they ask Apache RocketMQ and rocketmq-ts the same way:
 * queue max offsets, consumer offsets, and QUERY_MESSAGE (the IndexFile lookup by key).
 */
import { probeRequest } from './remoting-probe.ts';

const QUERY_MESSAGE = 12;
const QUERY_CONSUMER_OFFSET = 14;
const UPDATE_CONSUMER_OFFSET = 15;
const GET_MAX_OFFSET = 30;
const SUCCESS = 0;
const QUERY_NOT_FOUND = 22;
const TIMEOUT_MILLIS = 5000;

function offsetOf(what: string, response: { code: number; remark: string | undefined; extFields: Record<string, string> }): number {
  if (response.code !== SUCCESS) throw new Error(`${what} answered code ${response.code}: ${response.remark ?? ''}`);
  const offset = Number(response.extFields['offset']);
  if (!Number.isSafeInteger(offset)) throw new Error(`${what} answered no offset: ${JSON.stringify(response.extFields)}`);
  return offset;
}

/** GET_MAX_OFFSET: the next offset of a queue (its message count when nothing was deleted). */
export async function getMaxOffset(brokerAddr: string, topic: string, queueId: number): Promise<number> {
  const response = await probeRequest(brokerAddr, GET_MAX_OFFSET, TIMEOUT_MILLIS, { topic, queueId: String(queueId) });
  return offsetOf(`GET_MAX_OFFSET ${topic}/${queueId} to ${brokerAddr}`, response);
}

/** UPDATE_CONSUMER_OFFSET (what a consumer's offset store sends). */
export async function updateConsumerOffset(brokerAddr: string, group: string, topic: string, queueId: number, offset: number): Promise<void> {
  const response = await probeRequest(brokerAddr, UPDATE_CONSUMER_OFFSET, TIMEOUT_MILLIS, {
    consumerGroup: group,
    topic,
    queueId: String(queueId),
    commitOffset: String(offset),
  });
  if (response.code !== SUCCESS) {
    throw new Error(`UPDATE_CONSUMER_OFFSET ${group} ${topic}/${queueId} to ${brokerAddr} answered code ${response.code}: ${response.remark ?? ''}`);
  }
}

/** QUERY_CONSUMER_OFFSET: the group's committed offset, or undefined when it has none (code 22). */
export async function queryConsumerOffset(brokerAddr: string, group: string, topic: string, queueId: number): Promise<number | undefined> {
  const response = await probeRequest(brokerAddr, QUERY_CONSUMER_OFFSET, TIMEOUT_MILLIS, { consumerGroup: group, topic, queueId: String(queueId) });
  if (response.code === QUERY_NOT_FOUND) return undefined;
  return offsetOf(`QUERY_CONSUMER_OFFSET ${group} ${topic}/${queueId} to ${brokerAddr}`, response);
}

/**
 * QUERY_MESSAGE: the stored records the broker's IndexFile lists under `topic#key` (raw,
 * concatenated, as the admin tools get them; an empty buffer when none). `uniqueKey` marks a
 * lookup by UNIQ_KEY (the client's msgId), as the tools send it.
 */
export async function queryMessageByKey(brokerAddr: string, topic: string, key: string, options: { maxNum?: number; uniqueKey?: boolean } = {}): Promise<Buffer> {
  const extFields: Record<string, string> = {
    topic,
    key,
    maxNum: String(options.maxNum ?? 32),
    beginTimestamp: '0',
    endTimestamp: String(Number.MAX_SAFE_INTEGER),
  };
  if (options.uniqueKey) extFields['_UNIQUE_KEY_QUERY'] = 'true';
  const response = await probeRequest(brokerAddr, QUERY_MESSAGE, TIMEOUT_MILLIS, extFields);
  if (response.code === QUERY_NOT_FOUND) return Buffer.alloc(0);
  if (response.code !== SUCCESS) throw new Error(`QUERY_MESSAGE ${topic}#${key} to ${brokerAddr} answered code ${response.code}: ${response.remark ?? ''}`);
  return response.body;
}
