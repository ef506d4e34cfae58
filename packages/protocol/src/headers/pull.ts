/**
 * Pull and consume-back headers. Java: PullMessageRequestHeader.java,
 * PullMessageResponseHeader.java, ConsumerSendMsgBackRequestHeader.java.
 */
import { defineHeader, type HeaderOf } from './field-table.ts';

export const PullMessageRequestHeader = defineHeader('PullMessageRequestHeader', [
  { name: 'consumerGroup', type: 'string', required: true },
  { name: 'topic', type: 'string', required: true },
  { name: 'queueId', type: 'int', required: true },
  { name: 'queueOffset', type: 'long', required: true },
  { name: 'maxMsgNums', type: 'int', required: true },
  { name: 'sysFlag', type: 'int', required: true },
  { name: 'commitOffset', type: 'long', required: true },
  { name: 'suspendTimeoutMillis', type: 'long', required: true },
  { name: 'subscription', type: 'string', required: false },
  { name: 'subVersion', type: 'long', required: true },
  { name: 'expressionType', type: 'string', required: false },
] as const);
export type PullMessageRequestHeader = HeaderOf<typeof PullMessageRequestHeader>;

export const PullMessageResponseHeader = defineHeader('PullMessageResponseHeader', [
  { name: 'suggestWhichBrokerId', type: 'long', required: true },
  { name: 'nextBeginOffset', type: 'long', required: true },
  { name: 'minOffset', type: 'long', required: true },
  { name: 'maxOffset', type: 'long', required: true },
] as const);
export type PullMessageResponseHeader = HeaderOf<typeof PullMessageResponseHeader>;

/** PullSysFlag bits. */
export const PullSysFlag = {
  COMMIT_OFFSET: 0x1,
  SUSPEND: 0x2,
  SUBSCRIPTION: 0x4,
  CLASS_FILTER: 0x8,
  LITE_PULL: 0x10,
} as const;

export const ConsumerSendMsgBackRequestHeader = defineHeader('ConsumerSendMsgBackRequestHeader', [
  { name: 'offset', type: 'long', required: true },
  { name: 'group', type: 'string', required: true },
  { name: 'delayLevel', type: 'int', required: true },
  { name: 'originMsgId', type: 'string', required: false },
  { name: 'originTopic', type: 'string', required: false },
  { name: 'unitMode', type: 'bool', required: false, primitive: true },
  { name: 'maxReconsumeTimes', type: 'int', required: false },
] as const);
export type ConsumerSendMsgBackRequestHeader = HeaderOf<typeof ConsumerSendMsgBackRequestHeader>;
