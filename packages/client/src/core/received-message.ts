/** Turns stored records from a pull or a query into the MessageExt users see. */
import {
  createOffsetMessageId,
  decodeStoredMessage,
  decodeStoredMessages,
  formatHost,
  MessageConst,
  type StoredMessage,
} from '@rocketmq-ts/protocol';
import type { MessageExt } from '../message.ts';

export function toMessageExt(stored: StoredMessage, brokerName: string): MessageExt {
  const properties = stored.properties;
  const offsetMsgId = createOffsetMessageId(stored.storeHost, stored.commitLogOffset);
  const keys = properties[MessageConst.KEYS];
  return {
    topic: stored.topic,
    body: stored.body,
    tags: properties[MessageConst.TAGS],
    keys: keys ? keys.split(MessageConst.KEY_SEPARATOR).filter((key) => key !== '') : [],
    properties,
    msgId: properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX] ?? offsetMsgId,
    offsetMsgId,
    queue: { topic: stored.topic, brokerName, queueId: stored.queueId },
    queueId: stored.queueId,
    queueOffset: stored.queueOffset,
    commitLogOffset: stored.commitLogOffset,
    reconsumeTimes: stored.reconsumeTimes,
    bornTimestamp: stored.bornTimestamp,
    bornHost: formatHost(stored.bornHost),
    storeTimestamp: stored.storeTimestamp,
    storeHost: formatHost(stored.storeHost),
    sysFlag: stored.sysFlag,
    flag: stored.flag,
    bodyCRC: stored.bodyCRC,
    storeSize: stored.storeSize,
    preparedTransactionOffset: stored.preparedTransactionOffset,
    delayTimeLevel: Number(properties[MessageConst.DELAY_TIME_LEVEL] ?? 0),
  };
}

export function decodeMessages(body: Buffer | undefined, brokerName: string): MessageExt[] {
  if (!body || body.length === 0) return [];
  return decodeStoredMessages(body, { uncompress: true }).map((stored) => toMessageExt(stored, brokerName));
}

export function decodeMessage(body: Buffer, brokerName: string): MessageExt {
  return toMessageExt(decodeStoredMessage(body, 0, { uncompress: true }), brokerName);
}
