/**
 * Offset headers. Java: QueryConsumerOffset{Request,Response}Header, UpdateConsumerOffset
 * {Request,Response}Header, GetMaxOffset/GetMinOffset/SearchOffset/GetEarliestMsgStoretime
 * {Request,Response}Header.
 */
import { defineHeader, type HeaderOf } from './field-table.ts';

export const QueryConsumerOffsetRequestHeader = defineHeader('QueryConsumerOffsetRequestHeader', [
  { name: 'consumerGroup', type: 'string', required: true },
  { name: 'topic', type: 'string', required: true },
  { name: 'queueId', type: 'int', required: true },
] as const);
export type QueryConsumerOffsetRequestHeader = HeaderOf<typeof QueryConsumerOffsetRequestHeader>;

export const QueryConsumerOffsetResponseHeader = defineHeader('QueryConsumerOffsetResponseHeader', [
  { name: 'offset', type: 'long', required: true },
] as const);

export const UpdateConsumerOffsetRequestHeader = defineHeader('UpdateConsumerOffsetRequestHeader', [
  { name: 'consumerGroup', type: 'string', required: true },
  { name: 'topic', type: 'string', required: true },
  { name: 'queueId', type: 'int', required: true },
  { name: 'commitOffset', type: 'long', required: true },
] as const);
export type UpdateConsumerOffsetRequestHeader = HeaderOf<typeof UpdateConsumerOffsetRequestHeader>;

export const UpdateConsumerOffsetResponseHeader = defineHeader('UpdateConsumerOffsetResponseHeader', [] as const);

export const GetMaxOffsetRequestHeader = defineHeader('GetMaxOffsetRequestHeader', [
  { name: 'topic', type: 'string', required: true },
  { name: 'queueId', type: 'int', required: true },
] as const);
export type GetMaxOffsetRequestHeader = HeaderOf<typeof GetMaxOffsetRequestHeader>;

export const GetMaxOffsetResponseHeader = defineHeader('GetMaxOffsetResponseHeader', [
  { name: 'offset', type: 'long', required: true },
] as const);

export const GetMinOffsetRequestHeader = defineHeader('GetMinOffsetRequestHeader', [
  { name: 'topic', type: 'string', required: true },
  { name: 'queueId', type: 'int', required: true },
] as const);

export const GetMinOffsetResponseHeader = defineHeader('GetMinOffsetResponseHeader', [
  { name: 'offset', type: 'long', required: true },
] as const);

export const SearchOffsetRequestHeader = defineHeader('SearchOffsetRequestHeader', [
  { name: 'topic', type: 'string', required: true },
  { name: 'queueId', type: 'int', required: true },
  { name: 'timestamp', type: 'long', required: true },
] as const);
export type SearchOffsetRequestHeader = HeaderOf<typeof SearchOffsetRequestHeader>;

export const SearchOffsetResponseHeader = defineHeader('SearchOffsetResponseHeader', [
  { name: 'offset', type: 'long', required: true },
] as const);

export const GetEarliestMsgStoretimeRequestHeader = defineHeader('GetEarliestMsgStoretimeRequestHeader', [
  { name: 'topic', type: 'string', required: true },
  { name: 'queueId', type: 'int', required: true },
] as const);

export const GetEarliestMsgStoretimeResponseHeader = defineHeader('GetEarliestMsgStoretimeResponseHeader', [
  { name: 'timestamp', type: 'long', required: true },
] as const);
