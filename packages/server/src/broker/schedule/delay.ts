/**
 * Parking a delayed message (CommitLog.putMessage, 4.8): a non-transactional message with a
 * DELAY level goes to SCHEDULE_TOPIC_XXXX, queue level − 1, remembering its real topic and
 * queue in REAL_TOPIC / REAL_QID; levels above the configured ones are clamped.
 */
import { MessageConst, type MessageProperties, MessageSysFlag, transactionType } from '@rocketmq-ts/protocol';
import type { MessageToStore } from '@rocketmq-ts/store';
import { SCHEDULE_TOPIC_QUEUE_NUM, SystemTopic } from '../topic/system-topics.ts';

export function applyDelay(delayLevels: readonly number[], message: MessageToStore, properties: MessageProperties): void {
  const level = Number.parseInt(properties[MessageConst.DELAY_TIME_LEVEL] ?? '0', 10);
  const txType = transactionType(message.sysFlag);
  if (!(level > 0) || (txType !== MessageSysFlag.TRANSACTION_NOT_TYPE && txType !== MessageSysFlag.TRANSACTION_COMMIT_TYPE)) return;
  const clamped = Math.min(level, delayLevels.length, SCHEDULE_TOPIC_QUEUE_NUM);
  if (clamped !== level) properties[MessageConst.DELAY_TIME_LEVEL] = String(clamped);
  properties[MessageConst.REAL_TOPIC] = message.topic;
  properties[MessageConst.REAL_QUEUE_ID] = String(message.queueId);
  message.topic = SystemTopic.SCHEDULE;
  message.queueId = clamped - 1;
}
