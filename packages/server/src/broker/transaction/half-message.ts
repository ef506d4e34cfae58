/**
 * A prepared (half) message as the broker stores it (TransactionalMessageBridge.parseHalfMessageInner,
 * wave2.md §c.1–c.2): parked in RMQ_SYS_TRANS_HALF_TOPIC queue 0 with its real topic and queue
 * in REAL_TOPIC / REAL_QID and the transaction bits of sysFlag cleared, so the store indexes it
 * like a normal message of a topic no consumer subscribes to.
 */
import { MessageConst, type MessageProperties, MessageSysFlag } from '@rocketmq-ts/protocol';
import type { MessageToStore } from '@rocketmq-ts/store';
import { SystemTopic } from '../topic/system-topics.ts';

/** The internal group whose offsets in consumerOffset.json track the check service's progress. */
export const TRANSACTION_CHECK_GROUP = 'CID_RMQ_SYS_TRANS';
/** The half topic has one queue; its op queue has the same id. */
export const HALF_QUEUE_ID = 0;

/** Clears the transaction bits (0x4/0x8/0xC) and sets `type`. */
export function withTransactionType(sysFlag: number, type: number): number {
  return (sysFlag & ~MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) | type;
}

/**
 * TRAN_MSG=true (any case, as Java's Boolean.parseBoolean) marks a half message — except a
 * retry a client re-sends itself (reconsumeTimes > 0 with a delay level): a committed message
 * keeps TRAN_MSG in its properties, and its retries are ordinary messages (SendMessageProcessor).
 */
export function isPreparedSend(properties: MessageProperties, reconsumeTimes: number): boolean {
  if (properties[MessageConst.TRANSACTION_PREPARED]?.toLowerCase() !== 'true') return false;
  return !(reconsumeTimes > 0 && Number(properties[MessageConst.DELAY_TIME_LEVEL] ?? '0') > 0);
}

/** Redirects a prepared send to the half queue; `properties` gains REAL_TOPIC and REAL_QID. */
export function toHalfMessage(message: MessageToStore, properties: MessageProperties): void {
  properties[MessageConst.REAL_TOPIC] = message.topic;
  properties[MessageConst.REAL_QUEUE_ID] = String(message.queueId);
  message.topic = SystemTopic.TRANS_HALF;
  message.queueId = HALF_QUEUE_ID;
  message.sysFlag = withTransactionType(message.sysFlag, MessageSysFlag.TRANSACTION_NOT_TYPE);
}

/**
 * What identifies one transaction across the half message and its check-back copies: the
 * client's UNIQ_KEY, or (a client that sets none) the first half-queue offset it had.
 */
export function transactionKey(properties: MessageProperties, queueOffset: number): string {
  const uniq = properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
  if (uniq) return uniq;
  return `half@${properties[MessageConst.TRANSACTION_PREPARED_QUEUE_OFFSET] ?? queueOffset}`;
}
