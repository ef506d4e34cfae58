/**
 * v5 messages ↔ the broker's own: a gRPC Message becomes a SEND_MESSAGE request for the send
 * handler (properties named as a 4.x client names them, so both kinds of client read each
 * other's messages), and a stored record becomes a gRPC Message with its system properties.
 * The mapping follows Apache's proxy (grpc/v2/common/GrpcConverter): tag → TAGS, keys → KEYS,
 * message id → UNIQ_KEY, message group → __SHARDINGKEY, delivery timestamp → TIMER_DELIVER_MS.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { encodeProperties, MessageConst, type MessageProperties, MessageSysFlag, type SendMessageRequestHeader, type StoredMessage } from '@rocketmq-ts/protocol';
import { type Message, type SystemProperties, toDuration, toTimestamp, timestampMs } from './types.ts';

/** The 5.x message-group property (MessageConst.PROPERTY_SHARDING_KEY). */
export const SHARDING_KEY = '__SHARDINGKEY';
/** The producer group of gRPC sends (MixAll.CLIENT_INNER_PRODUCER_GROUP); v5 producers have none. */
export const GRPC_PRODUCER_GROUP = 'CLIENT_INNER_PRODUCER';

const SYSTEM_KEYS = new Set<string>([...Object.values(MessageConst), SHARDING_KEY, 'POP_CK', 'TRACE_CONTEXT', 'BORN_HOST']);

export interface SendRequestParts {
  header: SendMessageRequestHeader;
  body: Buffer;
}

/** Why a message cannot be sent, as a v5 status code. */
export class BadMessage extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function toSendRequest(message: Message, now: number): SendRequestParts {
  const sys = message.systemProperties;
  const properties: MessageProperties = {};
  for (const [key, value] of Object.entries(message.userProperties ?? {})) {
    if (SYSTEM_KEYS.has(key)) throw new BadMessage('ILLEGAL_MESSAGE_PROPERTY_KEY', `property key ${key} is reserved for the system; rename it`);
    properties[key] = value;
  }
  if (sys.tag) properties[MessageConst.TAGS] = sys.tag;
  if (sys.keys.length > 0) properties[MessageConst.KEYS] = sys.keys.join(MessageConst.KEY_SEPARATOR);
  if (sys.messageId) properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX] = sys.messageId;
  if (sys.messageGroup) properties[SHARDING_KEY] = sys.messageGroup;
  if (sys.traceContext) properties['TRACE_CONTEXT'] = sys.traceContext;
  const deliverAt = timestampMs(sys.deliveryTimestamp);
  if (deliverAt !== undefined && sys.messageType === 'DELAY') properties[MessageConst.TIMER_DELIVER_MS] = String(deliverAt);
  let sysFlag = 0;
  if (sys.messageType === 'TRANSACTION') {
    properties[MessageConst.TRANSACTION_PREPARED] = 'true';
    properties[MessageConst.PRODUCER_GROUP] = GRPC_PRODUCER_GROUP;
    sysFlag |= MessageSysFlag.TRANSACTION_PREPARED_TYPE;
    // The client's "not before" for the first check-back (Apache's proxy: CHECK_IMMUNITY_TIME_IN_SECONDS).
    const recovery = sys.orphanedTransactionRecoveryDuration;
    if (recovery && recovery.seconds > 0) properties[MessageConst.CHECK_IMMUNITY_TIME_IN_SECONDS] = String(recovery.seconds);
  }
  const body = sys.bodyEncoding === 'GZIP' ? gunzipSync(message.body) : Buffer.from(message.body);
  return {
    header: {
      producerGroup: GRPC_PRODUCER_GROUP,
      topic: message.topic.name,
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId: sys.queueId,
      sysFlag,
      bornTimestamp: timestampMs(sys.bornTimestamp) ?? now,
      flag: 0,
      properties: encodeProperties(properties),
      reconsumeTimes: 0,
      unitMode: false,
      batch: false,
      maxReconsumeTimes: undefined,
    },
    body,
  };
}

function messageType(p: MessageProperties): string {
  if (p[MessageConst.TRANSACTION_PREPARED] === 'true') return 'TRANSACTION';
  if (p[SHARDING_KEY]) return 'FIFO';
  if (p[MessageConst.TIMER_DELIVER_MS] || p[MessageConst.DELAY_TIME_LEVEL] || p[MessageConst.TIMER_DELAY_MS] || p[MessageConst.TIMER_DELAY_SEC]) return 'DELAY';
  return 'NORMAL';
}

export interface Delivery {
  receiptHandle: string;
  attempt: number;
  invisibleMs: number;
}

/** A stored record as a v5 Message; `delivery` adds what ReceiveMessage hands out. */
export function toGrpcMessage(stored: StoredMessage, offsetMsgId: string, delivery?: Delivery): Message {
  const p = stored.properties;
  const userProperties: Record<string, string> = {};
  for (const [key, value] of Object.entries(p)) if (!SYSTEM_KEYS.has(key)) userProperties[key] = value;
  const deliverMs = Number(p[MessageConst.TIMER_DELIVER_MS] ?? p[MessageConst.TIMER_OUT_MS] ?? NaN);
  const sys: SystemProperties = {
    keys: (p[MessageConst.KEYS] ?? '').split(MessageConst.KEY_SEPARATOR).filter((k) => k.length > 0),
    messageId: p[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX] ?? offsetMsgId,
    bodyDigest: { type: 'MD5', checksum: createHash('md5').update(stored.body).digest('hex').toUpperCase() },
    bodyEncoding: 'IDENTITY',
    messageType: messageType(p),
    bornTimestamp: toTimestamp(stored.bornTimestamp),
    bornHost: stored.bornHost.address,
    storeTimestamp: toTimestamp(stored.storeTimestamp),
    storeHost: `${stored.storeHost.address}:${stored.storeHost.port}`,
    queueId: stored.queueId,
    queueOffset: stored.queueOffset,
  };
  if (p[MessageConst.TAGS]) sys.tag = p[MessageConst.TAGS];
  if (p[SHARDING_KEY]) sys.messageGroup = p[SHARDING_KEY];
  if (p['TRACE_CONTEXT']) sys.traceContext = p['TRACE_CONTEXT'];
  if (Number.isFinite(deliverMs)) sys.deliveryTimestamp = toTimestamp(deliverMs);
  if (delivery) {
    sys.receiptHandle = delivery.receiptHandle;
    sys.deliveryAttempt = delivery.attempt;
    sys.invisibleDuration = toDuration(delivery.invisibleMs);
  }
  return { topic: { name: stored.topic }, userProperties, systemProperties: sys, body: stored.body };
}

/**
 * A v5 transaction id names the half message for EndTransaction: its commit-log offset and its
 * offset in the half queue (what END_TRANSACTION checks), as Apache's proxy packs them into its
 * own id. The client only echoes it back.
 */
export function encodeTransactionId(commitLogOffset: number, tranStateTableOffset: number): string {
  return `T_${commitLogOffset.toString(16).toUpperCase()}_${tranStateTableOffset.toString(16).toUpperCase()}`;
}

export function decodeTransactionId(id: string): { commitLogOffset: number; tranStateTableOffset: number } | undefined {
  const match = /^T_([0-9A-F]{1,13})_([0-9A-F]{1,13})$/.exec(id);
  if (!match) return undefined;
  return { commitLogOffset: parseInt(match[1]!, 16), tranStateTableOffset: parseInt(match[2]!, 16) };
}
