/** Transaction headers. Java: EndTransactionRequestHeader.java, CheckTransactionStateRequestHeader.java. */
import { defineHeader, type HeaderOf } from './field-table.ts';

export const EndTransactionRequestHeader = defineHeader('EndTransactionRequestHeader', [
  { name: 'producerGroup', type: 'string', required: true },
  { name: 'tranStateTableOffset', type: 'long', required: true },
  { name: 'commitLogOffset', type: 'long', required: true },
  { name: 'commitOrRollback', type: 'int', required: true },
  { name: 'fromTransactionCheck', type: 'bool', required: false, primitive: true },
  { name: 'msgId', type: 'string', required: true },
  { name: 'transactionId', type: 'string', required: false },
] as const);
export type EndTransactionRequestHeader = HeaderOf<typeof EndTransactionRequestHeader>;

export const CheckTransactionStateRequestHeader = defineHeader('CheckTransactionStateRequestHeader', [
  { name: 'tranStateTableOffset', type: 'long', required: true },
  { name: 'commitLogOffset', type: 'long', required: true },
  { name: 'msgId', type: 'string', required: false },
  { name: 'transactionId', type: 'string', required: false },
  { name: 'offsetMsgId', type: 'string', required: false },
] as const);
export type CheckTransactionStateRequestHeader = HeaderOf<typeof CheckTransactionStateRequestHeader>;

/** The 4.8 response header class of END_TRANSACTION: no fields. */
export const EndTransactionResponseHeader = defineHeader('EndTransactionResponseHeader', [] as const);

/** Declared in 4.8 for a transaction check answer; same fields as END_TRANSACTION's core. */
export const CheckTransactionStateResponseHeader = defineHeader('CheckTransactionStateResponseHeader', [
  { name: 'producerGroup', type: 'string', required: true },
  { name: 'tranStateTableOffset', type: 'long', required: true },
  { name: 'commitLogOffset', type: 'long', required: true },
  { name: 'commitOrRollback', type: 'int', required: true },
] as const);

/** RESUME_CHECK_HALF_MESSAGE (323). */
export const ResumeCheckHalfMessageRequestHeader = defineHeader('ResumeCheckHalfMessageRequestHeader', [
  { name: 'msgId', type: 'string', required: false },
] as const);

/** commitOrRollback values (MessageSysFlag transaction types). */
export const TransactionType = {
  NOT_TYPE: 0,
  PREPARED: 4,
  COMMIT: 8,
  ROLLBACK: 12,
} as const;
