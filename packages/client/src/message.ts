/**
 * The messages users send and receive, and what a send returns. Field names follow the Java
 * client's Message / MessageExt / SendResult so RocketMQ users recognise them.
 */
import { type MessageQueue } from '@rocketmq-ts/protocol';

export type { MessageQueue };

/** A message to send. */
export interface Message {
  topic: string;
  /** Strings are sent as UTF-8. */
  body: string | Buffer | Uint8Array;
  /** One tag; consumers filter on it ("TagA || TagB"). */
  tags?: string;
  /** Keys for lookup by key (mqadmin queryMsgByKey, the console); several are joined by spaces. */
  keys?: string | readonly string[];
  /** User properties; names RocketMQ reserves (TAGS, KEYS, DELAY, ...) are refused. */
  properties?: Readonly<Record<string, string>>;
  /** Delay level 1..18 of the broker's messageDelayLevel ("1s 5s 10s 30s 1m 2m ..."); 0 = none. */
  delayTimeLevel?: number;
  /** Deliver at this epoch millisecond (RocketMQ 5.x timer messages, property TIMER_DELIVER_MS). */
  deliverTimeMs?: number;
  /** @defaultValue 0 */
  flag?: number;
  /** Whether a sync-flush / sync-master broker waits for the store before answering. @defaultValue true */
  waitStoreMsgOK?: boolean;
}

export type SendStatus = 'SEND_OK' | 'FLUSH_DISK_TIMEOUT' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE';

export interface SendResult {
  sendStatus: SendStatus;
  /** The client-generated id (UNIQ_KEY); for a batch, the ids joined by ",". */
  msgId: string;
  /** The broker's id: store host + commit log offset. */
  offsetMsgId: string;
  messageQueue: MessageQueue;
  queueOffset: number;
  transactionId?: string | undefined;
  /** A timer message's handle for Producer.recallMessage (brokers of RocketMQ 5.3+ and rocketmq-ts). */
  recallHandle?: string;
  regionId: string;
  traceOn: boolean;
}

/** A received message. */
export interface MessageExt {
  topic: string;
  body: Buffer;
  tags: string | undefined;
  keys: string[];
  /** Every property, user and system. */
  properties: Record<string, string>;
  /** UNIQ_KEY when the producer set one, else offsetMsgId. */
  msgId: string;
  offsetMsgId: string;
  queue: MessageQueue;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  /** How many times this message was consumed and sent back before (0 on first delivery). */
  reconsumeTimes: number;
  bornTimestamp: number;
  bornHost: string;
  storeTimestamp: number;
  storeHost: string;
  sysFlag: number;
  flag: number;
  bodyCRC: number;
  storeSize: number;
  /** A committed transactional message: the commit-log offset of its half message (0 otherwise). */
  preparedTransactionOffset?: number;
  delayTimeLevel: number;
}

/** Property names the client and broker own; user properties may not use them. */
export const RESERVED_PROPERTY_NAMES: ReadonlySet<string> = new Set([
  'TRACE_ON', 'MSG_REGION', 'KEYS', 'TAGS', 'WAIT', 'DELAY', 'RETRY_TOPIC', 'REAL_TOPIC', 'REAL_QID',
  'TRAN_MSG', 'PGROUP', 'MIN_OFFSET', 'MAX_OFFSET', 'BUYER_ID', 'ORIGIN_MESSAGE_ID', 'TRANSFER_FLAG',
  'CORRECTION_FLAG', 'MQ2_FLAG', 'RECONSUME_TIME', 'UNIQ_KEY', 'MAX_RECONSUME_TIMES', 'CONSUME_START_TIME',
  'TRAN_PREPARED_QUEUE_OFFSET', 'TRANSACTION_CHECK_TIMES', 'CHECK_IMMUNITY_TIME_IN_SECONDS', 'INSTANCE_ID',
  'CORRELATION_ID', 'REPLY_TO_CLIENT', 'TTL', 'ARRIVE_TIME', 'PUSH_REPLY_TIME', 'CLUSTER', 'MSG_TYPE',
]);
