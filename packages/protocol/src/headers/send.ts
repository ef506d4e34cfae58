/**
 * Send headers. Java: common/.../protocol/header/SendMessageRequestHeader.java,
 * SendMessageRequestHeaderV2.java (short names a..m), SendMessageResponseHeader.java,
 * ReplyMessageRequestHeader.java.
 *
 *   SEND_MESSAGE (10) / SEND_REPLY_MESSAGE (324): long names
 *   SEND_MESSAGE_V2 (310) / SEND_BATCH_MESSAGE (320) / SEND_REPLY_MESSAGE_V2 (325): a..m
 *   RECALL_MESSAGE (370, 5.3+): RecallMessageRequestHeader.java, RecallMessageResponseHeader.java
 */
import { defineHeader, type HeaderOf } from './field-table.ts';

export const SendMessageRequestHeader = defineHeader('SendMessageRequestHeader', [
  { name: 'producerGroup', type: 'string', required: true },
  { name: 'topic', type: 'string', required: true },
  { name: 'defaultTopic', type: 'string', required: true },
  { name: 'defaultTopicQueueNums', type: 'int', required: true },
  { name: 'queueId', type: 'int', required: true },
  { name: 'sysFlag', type: 'int', required: true },
  { name: 'bornTimestamp', type: 'long', required: true },
  { name: 'flag', type: 'int', required: true },
  { name: 'properties', type: 'string', required: false },
  { name: 'reconsumeTimes', type: 'int', required: false },
  { name: 'unitMode', type: 'bool', required: false, primitive: true },
  { name: 'batch', type: 'bool', required: false, primitive: true },
  { name: 'maxReconsumeTimes', type: 'int', required: false },
] as const);
export type SendMessageRequestHeader = HeaderOf<typeof SendMessageRequestHeader>;

/** The same fields under their V2 wire names; decoded values use the V1 names. */
export const SendMessageRequestHeaderV2 = defineHeader('SendMessageRequestHeaderV2', [
  { name: 'producerGroup', wire: 'a', type: 'string', required: true },
  { name: 'topic', wire: 'b', type: 'string', required: true },
  { name: 'defaultTopic', wire: 'c', type: 'string', required: true },
  { name: 'defaultTopicQueueNums', wire: 'd', type: 'int', required: true },
  { name: 'queueId', wire: 'e', type: 'int', required: true },
  { name: 'sysFlag', wire: 'f', type: 'int', required: true },
  { name: 'bornTimestamp', wire: 'g', type: 'long', required: true },
  { name: 'flag', wire: 'h', type: 'int', required: true },
  { name: 'properties', wire: 'i', type: 'string', required: false },
  { name: 'reconsumeTimes', wire: 'j', type: 'int', required: false },
  { name: 'unitMode', wire: 'k', type: 'bool', required: false, primitive: true },
  { name: 'maxReconsumeTimes', wire: 'l', type: 'int', required: false },
  { name: 'batch', wire: 'm', type: 'bool', required: false, primitive: true },
] as const);

export const SendMessageResponseHeader = defineHeader('SendMessageResponseHeader', [
  { name: 'msgId', type: 'string', required: true },
  { name: 'queueId', type: 'int', required: true },
  { name: 'queueOffset', type: 'long', required: true },
  { name: 'transactionId', type: 'string', required: false },
] as const);
/** 5.3+ adds this field to SendMessageResponseHeader (not in the 4.x header above): a timer message's recall handle. */
export const SEND_RESPONSE_RECALL_HANDLE = 'recallHandle';
export type SendMessageResponseHeader = HeaderOf<typeof SendMessageResponseHeader>;

export const ReplyMessageRequestHeader = defineHeader('ReplyMessageRequestHeader', [
  { name: 'producerGroup', type: 'string', required: true },
  { name: 'topic', type: 'string', required: true },
  { name: 'defaultTopic', type: 'string', required: true },
  { name: 'defaultTopicQueueNums', type: 'int', required: true },
  { name: 'queueId', type: 'int', required: true },
  { name: 'sysFlag', type: 'int', required: true },
  { name: 'bornTimestamp', type: 'long', required: true },
  { name: 'flag', type: 'int', required: true },
  { name: 'properties', type: 'string', required: false },
  { name: 'reconsumeTimes', type: 'int', required: false },
  { name: 'unitMode', type: 'bool', required: false, primitive: true },
  { name: 'bornHost', type: 'string', required: true },
  { name: 'storeHost', type: 'string', required: true },
  { name: 'storeTimestamp', type: 'long', required: false, primitive: true },
] as const);
export type ReplyMessageRequestHeader = HeaderOf<typeof ReplyMessageRequestHeader>;

/** RECALL_MESSAGE (5.3+): cancel a timer message not yet delivered, by the handle its send returned. */
export const RecallMessageRequestHeader = defineHeader('RecallMessageRequestHeader', [
  { name: 'producerGroup', type: 'string', required: false },
  { name: 'topic', type: 'string', required: true },
  { name: 'recallHandle', type: 'string', required: true },
] as const);
export type RecallMessageRequestHeader = HeaderOf<typeof RecallMessageRequestHeader>;

export const RecallMessageResponseHeader = defineHeader('RecallMessageResponseHeader', [{ name: 'msgId', type: 'string', required: true }] as const);
export type RecallMessageResponseHeader = HeaderOf<typeof RecallMessageResponseHeader>;
