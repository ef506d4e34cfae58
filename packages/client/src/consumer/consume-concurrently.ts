/**
 * Concurrent consumption (ConsumeMessageConcurrentlyService): each pulled message goes to the
 * listener as soon as one of consumeThreadMax slots is free; success commits past it, failure
 * sends it back for a later retry (clustering) or drops it (broadcasting, as the Java client).
 */
import type { ClientInstance } from '../core/client-instance.ts';
import { MQClientError } from '../errors.ts';
import { traceProcess } from '../instrumentation.ts';
import type { MessageExt } from '../message.ts';
import { CONSUME_RETURN_TYPE, type ConsumeTracer } from './consume-trace.ts';
import { type ConsumeContext, errorText, type MessageListener } from './listener.ts';
import type { OffsetStore } from './offset-store.ts';
import type { ProcessQueue } from './process-queue.ts';
import { restoreRetryTopic, type SendBack } from './send-back.ts';
import type { MessageModel } from './subscription.ts';

/** How long a message neither the broker nor the retry topic took waits before it is consumed here again. */
const LOCAL_RETRY_MILLIS = 5000;

export interface ConcurrentConsumeDeps {
  instance: ClientInstance;
  group: string;
  messageModel: MessageModel;
  consumeThreadMax: number;
  offsets: OffsetStore;
  sendBack: SendBack;
  listenerFor(topic: string): MessageListener | undefined;
  tracer: ConsumeTracer | undefined;
  isRunning(): boolean;
}

export class ConcurrentConsumeService {
  /** Listener calls waiting for a slot, FIFO. */
  private readonly waiting: (() => void)[] = [];
  private running = 0;

  constructor(private readonly deps: ConcurrentConsumeDeps) {}

  /** Listener calls in progress. */
  get busy(): number {
    return this.running;
  }

  submit(pq: ProcessQueue, messages: readonly MessageExt[]): void {
    for (const message of messages) void this.submitOne(pq, message);
  }

  /** Releases every call waiting for a slot (shutdown); they return without consuming. */
  releaseWaiting(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }

  private traceDescription() {
    return { group: this.deps.group, clientId: this.deps.instance.clientId, consumptionModel: this.deps.messageModel === 'CLUSTERING' ? ('clustering' as const) : ('broadcasting' as const) };
  }

  private async acquireSlot(): Promise<boolean> {
    if (this.running < this.deps.consumeThreadMax) {
      this.running++;
      return true;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (!this.deps.isRunning()) return false;
    this.running++;
    return true;
  }

  private releaseSlot(): void {
    this.running--;
    this.waiting.shift()?.();
  }

  private async submitOne(pq: ProcessQueue, message: MessageExt): Promise<void> {
    if (!(await this.acquireSlot())) return;
    pq.inFlight++;
    try {
      if (pq.dropped) return;
      await this.consumeOne(pq, message);
    } finally {
      pq.inFlight--;
      this.releaseSlot();
    }
  }

  private async consumeOne(pq: ProcessQueue, message: MessageExt): Promise<void> {
    const { instance, group } = this.deps;
    restoreRetryTopic(message, group);
    const context: ConsumeContext = { queue: pq.mq, delayLevelWhenNextConsume: 0 };
    const listener = this.deps.listenerFor(message.topic);
    let ok = false;
    let returnType: number = CONSUME_RETURN_TYPE.FAILED;
    const trace = this.deps.tracer?.before(message);
    try {
      if (!listener) throw new MQClientError(`no listener for topic ${message.topic}`);
      ok = (await traceProcess(() => this.traceDescription(), message, async () => listener(message, context))) !== 'RECONSUME_LATER';
      if (ok) returnType = CONSUME_RETURN_TYPE.SUCCESS;
    } catch (error) {
      returnType = CONSUME_RETURN_TYPE.EXCEPTION;
      instance.logger.warn({ msgId: message.msgId, topic: message.topic, err: errorText(error) }, 'listener failed; the message will be retried');
    }
    this.deps.tracer?.after(trace, ok, returnType);
    if (!ok && this.deps.messageModel === 'CLUSTERING') {
      const sentBack = await this.deps.sendBack.sendMessageBack(message, pq.mq.brokerName, context.delayLevelWhenNextConsume);
      if (!sentBack) {
        // Neither the broker nor the retry topic took it: consume it here again shortly.
        setTimeout(() => void this.submitOne(pq, message), LOCAL_RETRY_MILLIS).unref();
        return;
      }
    }
    const offset = pq.remove([message.queueOffset]);
    if (offset >= 0 && !pq.dropped) this.deps.offsets.update(pq.mq, offset, true);
  }
}
