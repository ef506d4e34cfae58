/**
 * Which queues this client consumes (RebalanceImpl): for each topic, this client's share of the
 * queues; a process queue per queue held, created at the committed offset (or by
 * consumeFromWhere) and dropped with its progress committed when the share changes. The push and
 * lite pull consumers differ only in what happens when a queue comes and goes (QueueLifecycle).
 */
import { type MessageQueue, messageQueueKey } from '@rocketmq-ts/protocol';
import type { ClientInstance } from '../core/client-instance.ts';
import type { RebalanceSettings } from './consumer-base.ts';
import type { OffsetStore } from './offset-store.ts';
import { ProcessQueue } from './process-queue.ts';
import { allocateTopic, compareQueues, computePullFromWhere } from './subscription.ts';

export interface QueueLifecycle {
  /** Of the queues about to be taken, those that may be (orderly: locked on the broker); undefined: all. */
  admit?(queues: readonly MessageQueue[]): Promise<ReadonlySet<string> | undefined>;
  /** A queue was taken: start pulling it. */
  added(pq: ProcessQueue): void;
  /** A queue was given up (already marked dropped, progress committed). */
  removed(pq: ProcessQueue): void;
}

export class RebalanceService {
  /** messageQueueKey → the queue's process queue. */
  readonly processQueues = new Map<string, ProcessQueue>();

  constructor(
    private readonly instance: ClientInstance,
    private readonly group: string,
    private readonly offsets: OffsetStore,
    private readonly settings: RebalanceSettings,
    private readonly isRunning: () => boolean,
    private readonly lifecycle: QueueLifecycle,
  ) {}

  /** Topics whose queues are being reset: no rebalance takes queues of them meanwhile. */
  private readonly resetting = new Set<string>();

  /** Keeps rebalances off `topic` until release (an offset reset in progress). */
  hold(topic: string): void {
    this.resetting.add(topic);
  }

  release(topic: string): void {
    this.resetting.delete(topic);
  }

  /** Re-allocates every topic; a topic whose share cannot be told this round keeps its queues. */
  async rebalance(topics: Iterable<string>): Promise<void> {
    for (const topic of topics) {
      if (!this.isRunning()) return;
      if (this.resetting.has(topic)) continue;
      const mine = await allocateTopic(this.instance, this.group, topic, this.settings.messageModel, this.settings.allocateStrategy);
      if (mine) await this.update(topic, mine);
    }
  }

  /** Holds exactly `mine` of `topic` (of every topic when null: assigned queues). */
  async update(topic: string | null, mine: readonly MessageQueue[]): Promise<void> {
    const wanted = new Map(mine.map((mq) => [messageQueueKey(mq), mq]));
    for (const [key, pq] of this.processQueues) {
      if ((topic !== null && pq.mq.topic !== topic) || (wanted.has(key) && !pq.dropped)) continue;
      pq.dropped = true;
      this.processQueues.delete(key);
      await this.offsets.persist([pq.mq], false);
      this.offsets.remove(pq.mq);
      this.lifecycle.removed(pq);
      this.instance.logger.info({ mq: pq.mq, group: this.group }, 'queue released');
    }
    const added = [...wanted].filter(([key]) => !this.processQueues.has(key)).map(([, mq]) => mq);
    added.sort(compareQueues);
    const admitted = added.length > 0 ? await this.lifecycle.admit?.(added) : undefined;
    for (const mq of added) {
      const key = messageQueueKey(mq);
      if (admitted && !admitted.has(key)) continue;
      this.offsets.remove(mq);
      const start = await computePullFromWhere(this.instance, this.offsets, mq, this.settings.consumeFromWhere, this.settings.consumeTimestamp);
      // A reset that began meanwhile decides where this queue starts.
      if (start === undefined || !this.isRunning() || this.processQueues.has(key) || this.resetting.has(mq.topic)) continue;
      const pq = new ProcessQueue(mq);
      pq.nextOffset = start;
      if (admitted) {
        pq.locked = true;
        pq.lastLockTimestamp = Date.now();
      }
      this.processQueues.set(key, pq);
      this.instance.logger.info({ mq, group: this.group, offset: start }, 'queue assigned');
      this.lifecycle.added(pq);
    }
  }

  /** Puts a fresh process queue in place of a queue's current one (lite pull seek). */
  replace(pq: ProcessQueue): void {
    const key = messageQueueKey(pq.mq);
    const old = this.processQueues.get(key);
    if (old) old.dropped = true;
    this.processQueues.set(key, pq);
  }

  /** Drops every queue of a topic without committing (an offset reset overrides progress); returns them. */
  dropTopic(topic: string): ProcessQueue[] {
    const dropped: ProcessQueue[] = [];
    for (const [key, pq] of this.processQueues) {
      if (pq.mq.topic !== topic) continue;
      pq.dropped = true;
      pq.clear();
      this.processQueues.delete(key);
      dropped.push(pq);
    }
    return dropped;
  }

  dropAll(): void {
    for (const pq of this.processQueues.values()) pq.dropped = true;
  }

  /** The process queues held (not dropped). */
  held(): ProcessQueue[] {
    return [...this.processQueues.values()].filter((pq) => !pq.dropped);
  }

  queues(): MessageQueue[] {
    return [...this.processQueues.values()].map((pq) => pq.mq);
  }
}
