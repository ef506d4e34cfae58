/** Message lookup headers. Java: QueryMessage{Request,Response}Header, ViewMessageRequestHeader. */
import { defineHeader, type HeaderOf } from './field-table.ts';

export const QueryMessageRequestHeader = defineHeader('QueryMessageRequestHeader', [
  { name: 'topic', type: 'string', required: true },
  { name: 'key', type: 'string', required: true },
  { name: 'maxNum', type: 'int', required: true },
  { name: 'beginTimestamp', type: 'long', required: true },
  { name: 'endTimestamp', type: 'long', required: true },
] as const);
export type QueryMessageRequestHeader = HeaderOf<typeof QueryMessageRequestHeader>;

export const QueryMessageResponseHeader = defineHeader('QueryMessageResponseHeader', [
  { name: 'indexLastUpdateTimestamp', type: 'long', required: true },
  { name: 'indexLastUpdatePhyoffset', type: 'long', required: true },
] as const);

export const ViewMessageRequestHeader = defineHeader('ViewMessageRequestHeader', [
  { name: 'offset', type: 'long', required: true },
] as const);

export const ViewMessageResponseHeader = defineHeader('ViewMessageResponseHeader', [] as const);

/** QUERY_CONSUME_QUEUE (321): dump consume-queue units. */
export const QueryConsumeQueueRequestHeader = defineHeader('QueryConsumeQueueRequestHeader', [
  { name: 'topic', type: 'string', required: false },
  { name: 'queueId', type: 'int', required: false, primitive: true },
  { name: 'index', type: 'long', required: false, primitive: true },
  { name: 'count', type: 'int', required: false, primitive: true },
  { name: 'consumerGroup', type: 'string', required: false },
] as const);

/** The extra ext key the client adds when querying by UNIQ_KEY. */
export const UNIQUE_KEY_QUERY = '_UNIQUE_KEY_QUERY';
