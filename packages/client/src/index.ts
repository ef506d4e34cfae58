/**
 * @rocketmq-ts/client — RocketMQ producers and consumers for Node.js with async/await and
 * types, wire-compatible with Apache RocketMQ 4.x brokers and with rocketmq-ts.
 */
export { Producer, type ProducerOptions, type SendOptions } from './producer/producer.ts';
export {
  type HalfMessage,
  type LocalTransactionState,
  TransactionProducer,
  type TransactionProducerOptions,
  type TransactionSendResult,
} from './producer/transaction-producer.ts';
export {
  PushConsumer,
  type PushConsumerOptions,
  type MessageListener,
  type OrderlyMessageListener,
  type ConsumeContext,
  type OrderlyContext,
  type ConsumeConcurrentlyStatus,
  type ConsumeOrderlyStatus,
} from './consumer/push-consumer.ts';
export { LitePullConsumer, type LitePullConsumerOptions } from './consumer/lite-pull-consumer.ts';
export {
  allocateAveragely,
  allocateAveragelyByCircle,
  allocateByConfig,
  allocateConsistentHash,
  type AllocateStrategy,
} from './consumer/allocate.ts';
export type { ConsumeFromWhere, MessageModel, MessageSelector } from './consumer/subscription.ts';
export type { ConsumerEvents, ConsumerWarning } from './consumer/events.ts';
export type { Message, MessageExt, MessageQueue, SendResult, SendStatus } from './message.ts';
export type { AclCredentials, ClientOptions, ClientTlsOption, Logger } from './options.ts';
export type { ShutdownOptions, StartOptions } from './lifecycle.ts';
export {
  PROCESS_CHANNEL,
  SEND_CHANNEL,
  type MessagingAttributes,
  type ProcessTraceEvent,
  type SendTraceEvent,
} from './instrumentation.ts';
export { MQClientError, MQBrokerError, NoRouteError, SendFailedError } from './errors.ts';
export { RocketMQError, RemotingTimeoutError, RemotingConnectError, ConnectionClosedError } from '@rocketmq-ts/protocol';
export { Admin, type AdminOptions } from './admin/admin.ts';
export type * from './admin/types.ts';
export { decodeTraceRecords, DEFAULT_TRACE_TOPIC, messageTraceOf } from './admin/trace.ts';
export type { MessageTrace, OtherTrace, PubTrace, SubAfterTrace, SubBeforeTrace, TraceConsumption, TraceRecord } from './admin/trace.ts';
export { encodeTraceContext, type TraceLayout, type TraceOptions } from './trace/trace-writer.ts';
