/**
 * Orderly consumption (ConsumeMessageOrderlyService): one worker per queue hands its messages
 * to the listener one at a time in offset order; a failure pauses the queue and retries the same
 * message, up to maxReconsumeTimes, then it is dead-lettered and the queue moves on. With
 * clustering the worker runs only while this client holds the queue's broker lock.
 */
import type { ClientInstance } from '../core/client-instance.ts';
import { traceProcess } from '../instrumentation.ts';
import { CONSUME_RETURN_TYPE, type ConsumeTracer } from './consume-trace.ts';
import { runInBackground } from './consumer-base.ts';
import { errorText, type OrderlyContext, type OrderlyMessageListener } from './listener.ts';
import type { OffsetStore } from './offset-store.ts';
import type { ProcessQueue } from './process-queue.ts';
import { restoreRetryTopic, type SendBack } from './send-back.ts';
import { type MessageModel, sleep } from './subscription.ts';

/** How soon a worker that found its queue unlocked looks again. */
const UNLOCKED_RECHECK_MILLIS = 100;

export interface OrderlyConsumeDeps {
  instance: ClientInstance;
  group: string;
  messageModel: MessageModel;
  suspendCurrentQueueTimeMillis: number;
  offsets: OffsetStore;
  sendBack: SendBack;
  listener(): OrderlyMessageListener;
  maxReconsumeTimes(): number;
  tracer: ConsumeTracer | undefined;
  isRunning(): boolean;
}

export class OrderlyConsumeService {
  constructor(private readonly deps: OrderlyConsumeDeps) {}

  /** Starts the queue's worker unless one runs already. */
  submit(pq: ProcessQueue): void {
    runInBackground(this.deps.instance, this.deps.group, this.consume(pq));
  }

  private async consume(pq: ProcessQueue): Promise<void> {
    if (pq.consuming) return;
    pq.consuming = true;
    const { instance, messageModel, offsets } = this.deps;
    const clustering = messageModel === 'CLUSTERING';
    try {
      while (!pq.dropped && this.deps.isRunning()) {
        if (clustering && (!pq.locked || pq.lockExpired())) {
          setTimeout(() => this.submit(pq), UNLOCKED_RECHECK_MILLIS).unref();
          return;
        }
        const message = pq.first();
        if (!message) return;
        restoreRetryTopic(message, this.deps.group);
        const context: OrderlyContext = { queue: pq.mq, suspendCurrentQueueTimeMillis: this.deps.suspendCurrentQueueTimeMillis };
        let ok = false;
        let returnType: number = CONSUME_RETURN_TYPE.FAILED;
        const trace = this.deps.tracer?.before(message);
        pq.inFlight++;
        try {
          const listener = this.deps.listener();
          const traced = { group: this.deps.group, clientId: instance.clientId, consumptionModel: clustering ? ('clustering' as const) : ('broadcasting' as const) };
          ok = (await traceProcess(() => traced, message, async () => listener(message, context))) !== 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
          if (ok) returnType = CONSUME_RETURN_TYPE.SUCCESS;
        } catch (error) {
          returnType = CONSUME_RETURN_TYPE.EXCEPTION;
          instance.logger.warn({ msgId: message.msgId, err: errorText(error) }, 'orderly listener failed; retrying the message after a pause');
        } finally {
          pq.inFlight--;
        }
        this.deps.tracer?.after(trace, ok, returnType);
        if (!ok) {
          // As ConsumeMessageOrderlyService.checkReconsumeTimes: count first, dead-letter once the count reaches the maximum.
          if (message.reconsumeTimes < this.deps.maxReconsumeTimes() || messageModel === 'BROADCASTING') {
            message.reconsumeTimes++;
            await sleep(context.suspendCurrentQueueTimeMillis);
            continue;
          }
          // Out of local retries: hand it to the broker's dead-letter path and move on.
          try {
            await this.deps.sendBack.resendToRetryTopic(message, 3 + message.reconsumeTimes);
          } catch (error) {
            instance.logger.warn({ msgId: message.msgId, err: String(error) }, 'dead-lettering failed; retrying the message');
            await sleep(context.suspendCurrentQueueTimeMillis);
            continue;
          }
        }
        pq.remove([message.queueOffset]);
        if (!pq.dropped) offsets.update(pq.mq, message.queueOffset + 1, false);
      }
    } finally {
      pq.consuming = false;
    }
  }
}
