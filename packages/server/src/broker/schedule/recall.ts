/**
 * Recalling a timer message before it is delivered (RocketMQ 5.3+ RECALL_MESSAGE and the v5
 * RecallMessage RPC).
 *
 * A send that parks a timer message answers with a recall handle (protocol's
 * message/recall-handle.ts, Apache's RecallMessageHandle.HandleV1). A
 * recall stores a marker: a timer message due at the same time, with TIMER_DEL_UNIQKEY =
 * `<topic>+<uniqKey>`, in rmq_sys_wheel_timer queue 1 (TIMER_RECALL_QUEUE_ID), so it replicates
 * with the commit log like any message. The timer service places markers in the wheel slot of
 * their deliver time and, before it delivers a slot that holds any, reads their keys and drops
 * the messages they name (timer-message-service.ts).
 *
 * Unlike Apache, whose TIMER_OUT_MS is rounded down to the wheel precision (its handle carries
 * TIMER_OUT_MS + 1), ours is the exact deliver time, and so is the handle's.
 */
import { decodeRecallHandle, encodeRecallHandle, MessageConst, type MessageProperties, type RecallHandle, ResponseCode } from '@rocketmq-ts/protocol';
import { type MessageToStore, TIMER_RECALL_QUEUE_ID, TIMER_TOPIC } from '@rocketmq-ts/store';
import { applyTimer, type TimerSettings } from './timer.ts';

/** Apache's RecallMessageProcessor tags its markers so. */
export const RECALL_MESSAGE_TAG = '_RECALL_TAG_';

/** Names one timer message across rolls and restarts: its real topic and unique key (Apache's buildDeleteKey). */
export function recallKey(realTopic: string, uniqKey: string): string {
  return `${realTopic}+${uniqKey}`;
}

/**
 * The handle a send answers with, for a message applyTimer parked (TIMER_OUT_MS and REAL_TOPIC
 * set); none for retry topics (a retry is no producer's to recall) or messages without a
 * unique key.
 */
export function recallHandleFor(brokerName: string, properties: MessageProperties): string | undefined {
  const deliverMs = properties[MessageConst.TIMER_OUT_MS];
  const realTopic = properties[MessageConst.REAL_TOPIC];
  const uniqKey = properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
  if (deliverMs === undefined || realTopic === undefined || uniqKey === undefined || realTopic.startsWith('%RETRY%')) return undefined;
  return encodeRecallHandle({ topic: realTopic, brokerName, deliverMs: Number(deliverMs), messageId: uniqKey });
}

export interface RecallSettings extends TimerSettings {
  brokerName: string;
}

export interface RecallRefusal {
  code: number;
  remark: string;
}

/** Checks a handle against the request's topic, this broker and the clock (RecallMessageProcessor's rules). */
export function checkRecall(settings: RecallSettings, topic: string, handleText: string, now: number): RecallHandle | RecallRefusal {
  let handle: RecallHandle;
  try {
    handle = decodeRecallHandle(handleText);
  } catch (error) {
    return { code: ResponseCode.ILLEGAL_OPERATION, remark: (error as Error).message };
  }
  if (handle.topic !== topic) return { code: ResponseCode.ILLEGAL_OPERATION, remark: `recall failed, topic not match: the handle is for ${handle.topic}, the request names ${topic}` };
  if (handle.brokerName !== settings.brokerName) {
    return { code: ResponseCode.ILLEGAL_OPERATION, remark: `recall failed: the handle is for broker ${handle.brokerName}, this is ${settings.brokerName}; send the recall to the broker that stored the message` };
  }
  const timeLeft = handle.deliverMs - now;
  if (!(timeLeft > 0)) return { code: ResponseCode.ILLEGAL_OPERATION, remark: 'recall failed, timestamp invalid: the message is due already (delivered, or being delivered)' };
  if (timeLeft >= settings.timerMaxDelaySec * 1000) return { code: ResponseCode.ILLEGAL_OPERATION, remark: `recall failed, timestamp invalid: beyond timerMaxDelaySec=${settings.timerMaxDelaySec}` };
  return handle;
}

/** The marker a recall stores (parked by applyTimer, then moved to the recall queue). */
export function recallMarker(settings: RecallSettings, handle: RecallHandle, producerGroup: string | undefined, base: Pick<MessageToStore, 'bornHost' | 'storeHost'>, now: number): MessageToStore {
  const properties: MessageProperties = {
    [MessageConst.TAGS]: RECALL_MESSAGE_TAG,
    [MessageConst.TIMER_DEL_UNIQKEY]: recallKey(handle.topic, handle.messageId),
    [MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX]: handle.messageId,
    [MessageConst.TIMER_DELIVER_MS]: String(handle.deliverMs),
  };
  if (producerGroup) properties[MessageConst.PRODUCER_GROUP] = producerGroup;
  const message: MessageToStore = {
    topic: handle.topic,
    queueId: 0,
    flag: 0,
    body: Buffer.from('0'),
    propertiesText: '',
    sysFlag: 0,
    bornTimestamp: now,
    bornHost: base.bornHost,
    storeHost: base.storeHost,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    waitStoreMsgOK: true,
  };
  const refused = applyTimer(settings, message, properties, now);
  if (refused) throw new Error(refused.remark);
  if (message.topic !== TIMER_TOPIC) throw new Error('recall failed: the marker was not parked as a timer message');
  message.queueId = TIMER_RECALL_QUEUE_ID;
  message.properties = properties;
  return message;
}
