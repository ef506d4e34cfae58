/**
 * The 5.x remoting POP codes (remoting/.../protocol/RequestCode POP_MESSAGE, ACK_MESSAGE,
 * CHANGE_MESSAGE_INVISIBLETIME and their headers) and the receipt a 5.x client acks with: the
 * client builds it from the POP_MESSAGE answer (MQClientAPIImpl.processPopResponse, when the
 * answer names no startOffsetInfo) as ExtraInfoUtil's space-separated
 * `ckQueueOffset popTime invisibleTime reviveQid retry brokerName queueId queueOffset`. Our
 * delivery number goes in popTime, so queueId, queueOffset and popTime name one delivery.
 */
import { defineHeader } from '@rocketmq-ts/protocol';

export const PopCode = {
  POP_MESSAGE: 200050,
  ACK_MESSAGE: 200051,
  CHANGE_MESSAGE_INVISIBLETIME: 200053,
} as const;

/** ResponseCode.POLLING_TIMEOUT (5.x): nothing to pop within the poll time. */
export const POLLING_TIMEOUT = 210;

/** KeyBuilder.POP_ORDER_REVIVE_QUEUE: the reviveQid by which a 5.x client tells an orderly pop (ExtraInfoUtil.isOrder). */
export const POP_ORDER_REVIVE_QUEUE = 999;

export const PopMessageRequestHeader = defineHeader('PopMessageRequestHeader', [
  { name: 'consumerGroup', type: 'string', required: true },
  { name: 'topic', type: 'string', required: true },
  { name: 'queueId', type: 'int', required: true },
  { name: 'maxMsgNums', type: 'int', required: true },
  { name: 'invisibleTime', type: 'long', required: true },
  { name: 'pollTime', type: 'long', required: true },
  { name: 'bornTime', type: 'long', required: true },
  { name: 'initMode', type: 'int', required: true },
  { name: 'expType', type: 'string', required: false },
  { name: 'exp', type: 'string', required: false },
  { name: 'order', type: 'bool', required: false },
  { name: 'attemptId', type: 'string', required: false },
] as const);

export const PopMessageResponseHeader = defineHeader('PopMessageResponseHeader', [
  { name: 'popTime', type: 'long', required: true },
  { name: 'invisibleTime', type: 'long', required: true },
  { name: 'reviveQid', type: 'int', required: true },
  { name: 'restNum', type: 'long', required: true },
] as const);

export const AckMessageRequestHeader = defineHeader('AckMessageRequestHeader', [
  { name: 'consumerGroup', type: 'string', required: true },
  { name: 'topic', type: 'string', required: true },
  { name: 'queueId', type: 'int', required: true },
  { name: 'extraInfo', type: 'string', required: true },
  { name: 'offset', type: 'long', required: true },
] as const);

export const ChangeInvisibleTimeRequestHeader = defineHeader('ChangeInvisibleTimeRequestHeader', [
  { name: 'consumerGroup', type: 'string', required: true },
  { name: 'topic', type: 'string', required: true },
  { name: 'queueId', type: 'int', required: true },
  { name: 'extraInfo', type: 'string', required: true },
  { name: 'offset', type: 'long', required: true },
  { name: 'invisibleTime', type: 'long', required: true },
] as const);

export const ChangeInvisibleTimeResponseHeader = defineHeader('ChangeInvisibleTimeResponseHeader', [
  { name: 'popTime', type: 'long', required: true },
  { name: 'invisibleTime', type: 'long', required: true },
  { name: 'reviveQid', type: 'int', required: true },
] as const);

/** The popTime field of an extraInfo (ExtraInfoUtil.getPopTime): our delivery number; undefined when malformed. */
export function popTimeOf(extraInfo: string): number | undefined {
  const fields = extraInfo.split(' ');
  const popTime = Number(fields[1]);
  return fields.length >= 8 && Number.isSafeInteger(popTime) && popTime >= 0 ? popTime : undefined;
}
