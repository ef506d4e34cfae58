/**
 * Client management headers. Java: UnregisterClientRequestHeader, GetConsumerListByGroup
 * {Request,Response}Header, NotifyConsumerIdsChangedRequestHeader.
 */
import { defineHeader, type HeaderOf } from './field-table.ts';

export const UnregisterClientRequestHeader = defineHeader('UnregisterClientRequestHeader', [
  { name: 'clientID', type: 'string', required: true },
  { name: 'producerGroup', type: 'string', required: false },
  { name: 'consumerGroup', type: 'string', required: false },
] as const);
export type UnregisterClientRequestHeader = HeaderOf<typeof UnregisterClientRequestHeader>;

export const GetConsumerListByGroupRequestHeader = defineHeader('GetConsumerListByGroupRequestHeader', [
  { name: 'consumerGroup', type: 'string', required: true },
] as const);

export const NotifyConsumerIdsChangedRequestHeader = defineHeader('NotifyConsumerIdsChangedRequestHeader', [
  { name: 'consumerGroup', type: 'string', required: true },
] as const);

/** Response header classes with no fields: the answer is the code (and body). */
export const UnregisterClientResponseHeader = defineHeader('UnregisterClientResponseHeader', [] as const);
export const GetConsumerListByGroupResponseHeader = defineHeader('GetConsumerListByGroupResponseHeader', [] as const);
