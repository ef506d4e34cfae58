/** What a push consumer's application code implements (MessageListenerConcurrently / MessageListenerOrderly). */
import type { MessageQueue } from '@rocketmq-ts/protocol';
import type { MessageExt } from '../message.ts';

export type ConsumeConcurrentlyStatus = 'CONSUME_SUCCESS' | 'RECONSUME_LATER';
export type ConsumeOrderlyStatus = 'SUCCESS' | 'SUSPEND_CURRENT_QUEUE_A_MOMENT';

export interface ConsumeContext {
  /** The queue the message was pulled from (a %RETRY% queue for retried messages). */
  readonly queue: MessageQueue;
  /** Delay level of the retry if this consumption fails: 0 lets the broker pick 3 + reconsumeTimes, −1 sends it to the dead-letter queue at once. */
  delayLevelWhenNextConsume: number;
}

export interface OrderlyContext {
  readonly queue: MessageQueue;
  /** How long to wait before this queue is tried again after a failure. */
  suspendCurrentQueueTimeMillis: number;
}

/** Resolve (or return CONSUME_SUCCESS) when consumed; throw or return RECONSUME_LATER to have it redelivered later. */
export type MessageListener = (message: MessageExt, context: ConsumeContext) => Promise<ConsumeConcurrentlyStatus | void> | ConsumeConcurrentlyStatus | void;
/** Called one message at a time per queue, in queue order. Throw or return SUSPEND_CURRENT_QUEUE_A_MOMENT to retry it after a pause. */
export type OrderlyMessageListener = (message: MessageExt, context: OrderlyContext) => Promise<ConsumeOrderlyStatus | void> | ConsumeOrderlyStatus | void;

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
