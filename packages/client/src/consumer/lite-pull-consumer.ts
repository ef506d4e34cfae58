/**
 * The lite pull consumer (DefaultLitePullConsumer): the application asks for messages.
 * `subscribe` lets the group split queues as push consumers do; `assign` picks queues by hand.
 * Background pulls fill a buffer; `poll()` takes from it, and consumed offsets are committed
 * every autoCommitIntervalMillis (or by `commitSync()`).
 *
 *   for await (const messages of consumer) for (const m of messages) handle(m);
 */
import { EventEmitter } from 'node:events';
import {
  type ConsumeMessageDirectlyResult,
  type ConsumerData,
  type ConsumerRunningInfo,
  type MessageQueue,
  messageQueueKey,
  PullSysFlag,
  type SubscriptionData,
} from '@rocketmq-ts/protocol';
import type { ClientInstance, ConsumerMember } from '../core/client-instance.ts';
import { MQClientError } from '../errors.ts';
import type { MessageExt } from '../message.ts';
import { abortable, type StartOptions, throwIfAborted } from '../lifecycle.ts';
import { checkTopic } from '../options.ts';
import { checkSubscriptionsOrStop, consumerFoundation, type ConsumerOptions, fetchRoutes, type RebalanceSettings, runInBackground } from './consumer-base.ts';
import { type ConsumerEvents, noRouteWarning } from './events.ts';
import type { OffsetStore } from './offset-store.ts';
import { ProcessQueue } from './process-queue.ts';
import { PullService } from './pull-service.ts';
import { RebalanceService } from './rebalance-service.ts';
import { type MessageSelector, sleep, subscribeQueues, subscriptionFor } from './subscription.ts';

export interface LitePullConsumerOptions extends ConsumerOptions {
  /** Messages per pull and at most per poll(). @defaultValue 10 */
  pullBatchSize?: number;
  /** @defaultValue 5000 */
  pollTimeoutMillis?: number;
  /** @defaultValue true */
  autoCommit?: boolean;
  /** @defaultValue 5000 (at least 1000) */
  autoCommitIntervalMillis?: number;
  /** Messages buffered for all queues before pulling pauses. @defaultValue 10000 */
  pullThresholdForAll?: number;
  /** @defaultValue 1000 */
  pullThresholdForQueue?: number;
  /** @defaultValue 20000 */
  brokerSuspendMaxTimeMillis?: number;
  /** @defaultValue 30000 */
  topicMetadataCheckIntervalMillis?: number;
}

interface PulledBatch {
  pq: ProcessQueue;
  messages: MessageExt[];
}

/** Emits `warning` (ConsumerWarning) when a subscribed topic has no route at start. */
export class LitePullConsumer extends EventEmitter<ConsumerEvents> implements ConsumerMember, AsyncIterable<MessageExt[]> {
  readonly groupName: string;
  private readonly instance: ClientInstance;
  private readonly offsets: OffsetStore;
  private readonly subscriptions = new Map<string, SubscriptionData>();
  private assigned: MessageQueue[] | undefined;
  private readonly rebalanceSettings: RebalanceSettings;
  private readonly rebalancer: RebalanceService;
  private readonly puller: PullService;
  private readonly buffer: PulledBatch[] = [];
  private bufferedCount = 0;
  private readonly wakers: (() => void)[] = [];
  private state: 'created' | 'running' | 'stopped' = 'created';
  private readonly settings: {
    pullBatchSize: number;
    pollTimeoutMillis: number;
    autoCommit: boolean;
    autoCommitIntervalMillis: number;
    pullThresholdForAll: number;
    pullThresholdForQueue: number;
    brokerSuspendMaxTimeMillis: number;
    topicMetadataCheckIntervalMillis: number;
  };

  constructor(options: LitePullConsumerOptions) {
    super();
    this.groupName = options.groupName;
    const { instance, offsets, rebalance } = consumerFoundation(options, 'LitePullConsumer');
    this.instance = instance;
    this.offsets = offsets;
    this.rebalanceSettings = rebalance;
    this.settings = {
      pullBatchSize: options.pullBatchSize ?? 10,
      pollTimeoutMillis: options.pollTimeoutMillis ?? 5000,
      autoCommit: options.autoCommit ?? true,
      autoCommitIntervalMillis: Math.max(1000, options.autoCommitIntervalMillis ?? 5000),
      pullThresholdForAll: options.pullThresholdForAll ?? 10_000,
      pullThresholdForQueue: options.pullThresholdForQueue ?? 1000,
      brokerSuspendMaxTimeMillis: options.brokerSuspendMaxTimeMillis ?? 20_000,
      topicMetadataCheckIntervalMillis: options.topicMetadataCheckIntervalMillis ?? 30_000,
    };
    this.puller = new PullService(instance, this.groupName);
    this.rebalancer = new RebalanceService(instance, this.groupName, offsets, rebalance, () => this.state === 'running', {
      added: (pq) => runInBackground(instance, this.groupName, this.pullLoop(pq)),
      removed: (pq) => this.dropBuffered(pq),
    });
  }

  get clientId(): string {
    return this.instance.clientId;
  }

  /** Subscribes with tags ("*", "TagA || TagB", { tag }) or a broker-side SQL92 selector ({ sql }). */
  subscribe(topic: string, expression: string | MessageSelector = '*'): this {
    checkTopic(topic);
    if (this.assigned) throw new MQClientError('this consumer uses assign(); subscribe() and assign() do not mix');
    this.subscriptions.set(topic, subscriptionFor(topic, expression));
    if (this.state === 'running') void this.instance.sendHeartbeatToAllBrokers().then(() => this.instance.rebalanceNow());
    return this;
  }

  /** Consume exactly these queues; no rebalancing. */
  assign(queues: readonly MessageQueue[]): void {
    if (this.subscriptions.size > 0) throw new MQClientError('this consumer uses subscribe(); subscribe() and assign() do not mix');
    this.assigned = [...queues];
    if (this.state === 'running') void this.rebalancer.update(null, this.assigned);
  }

  /** Every readable queue of a topic. */
  async fetchMessageQueues(topic: string): Promise<MessageQueue[]> {
    const route = await this.instance.updateRoute(topic);
    if (!route) throw new MQClientError(`topic ${topic} has no route; create it first`, { code: 17 });
    return subscribeQueues(topic, route);
  }

  /** Starts pulling. Aborting `signal` gives up the start: the consumer shuts down and start() rejects with the signal's reason. */
  async start(options: StartOptions = {}): Promise<void> {
    if (this.state !== 'created') throw new MQClientError(`LitePullConsumer ${this.groupName} was already started; create a new one`);
    throwIfAborted(options.signal);
    this.state = 'running';
    try {
      await abortable(this.startRunning(), options.signal);
    } catch (error) {
      await this.shutdown();
      throw error;
    }
  }

  private async startRunning(): Promise<void> {
    await this.offsets.load();
    this.instance.registerConsumer(this);
    this.instance.start();
    const missing = await fetchRoutes(this.instance, this.subscriptions.keys());
    // An aborted start() has shut the consumer down meanwhile: schedule nothing more.
    if (this.state !== 'running') return;
    if (missing.length > 0) this.emit('warning', noRouteWarning(this.groupName, missing));
    await checkSubscriptionsOrStop(this.instance, this.groupName, [...this.subscriptions.values()], () => this.shutdown());
    await this.instance.sendHeartbeatToAllBrokers();
    if (this.state !== 'running') return;
    if (this.settings.autoCommit) this.instance.schedule(this.settings.autoCommitIntervalMillis, () => this.persistOffsets());
    this.instance.schedule(this.settings.topicMetadataCheckIntervalMillis, () => this.instance.rebalanceNow());
    if (this.assigned) await this.rebalancer.update(null, this.assigned);
    else await this.instance.rebalanceNow();
  }

  async shutdown(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    this.rebalancer.dropAll();
    for (const wake of this.wakers.splice(0)) wake();
    if (this.settings.autoCommit) await this.persistOffsets(true);
    this.rebalancer.processQueues.clear();
    this.buffer.length = 0;
    await this.instance.shutdown();
  }

  /** The same as shutdown(): the name Node streams and servers use. */
  close(): Promise<void> {
    return this.shutdown();
  }

  /**
   * Up to pullBatchSize messages (the next pulled batch), waiting up to `timeoutMillis` for
   * one; [] when none arrived. Returned messages count as consumed for the next commit.
   */
  async poll(timeoutMillis = this.settings.pollTimeoutMillis): Promise<MessageExt[]> {
    if (this.state !== 'running') throw new MQClientError(`LitePullConsumer ${this.groupName} is not running; call start() first`);
    const deadline = Date.now() + timeoutMillis;
    for (;;) {
      const batch = this.buffer.shift();
      if (batch) {
        this.bufferedCount -= batch.messages.length;
        if (batch.pq.dropped) continue;
        const offset = batch.pq.remove(batch.messages.map((m) => m.queueOffset));
        this.offsets.update(batch.pq.mq, offset, false);
        return batch.messages;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.state !== 'running') return [];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wakers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MessageExt[]> {
    while (this.state === 'running') {
      const messages = await this.poll();
      if (messages.length > 0) yield messages;
    }
  }

  /** Moves a queue's next pull to `offset` (the queue must be assigned to this consumer now). */
  async seek(mq: MessageQueue, offset: number): Promise<void> {
    const pq = this.rebalancer.processQueues.get(messageQueueKey(mq));
    if (!pq) throw new MQClientError(`queue ${mq.topic}:${mq.brokerName}:${mq.queueId} is not assigned to this consumer`);
    this.dropBuffered(pq);
    const fresh = new ProcessQueue(mq);
    fresh.nextOffset = offset;
    this.rebalancer.replace(fresh);
    this.offsets.update(mq, offset, false);
    runInBackground(this.instance, this.groupName, this.pullLoop(fresh));
  }

  async seekToBegin(mq: MessageQueue): Promise<void> {
    const addr = this.instance.masterAddr(mq.brokerName);
    if (!addr) throw new MQClientError(`broker ${mq.brokerName} has no master address`);
    await this.seek(mq, await this.instance.api.getMinOffset(addr, mq, 3000));
  }

  async seekToEnd(mq: MessageQueue): Promise<void> {
    const addr = this.instance.masterAddr(mq.brokerName);
    if (!addr) throw new MQClientError(`broker ${mq.brokerName} has no master address`);
    await this.seek(mq, await this.instance.api.getMaxOffset(addr, mq, 3000));
  }

  /**
   * Commits the consumed offsets of every assigned queue now, waiting for the brokers' answers;
   * rejects when some could not be committed (the rest are).
   */
  async commitSync(): Promise<void> {
    const failed = await this.offsets.persist(this.rebalancer.queues(), true);
    if (failed > 0) throw new MQClientError(`${failed} offset commit(s) of ${this.groupName} failed (no broker address, or no answer); the offsets stay in memory for the next commit`);
  }

  /** The committed offset of a queue on the broker (−1 if none). */
  async committed(mq: MessageQueue): Promise<number> {
    return this.offsets.readOffset(mq, true);
  }

  assignment(): MessageQueue[] {
    return this.rebalancer.held().map((pq) => pq.mq);
  }

  // ConsumerMember

  consumerData(): ConsumerData {
    return {
      groupName: this.groupName,
      consumeType: 'CONSUME_ACTIVELY',
      messageModel: this.rebalanceSettings.messageModel,
      consumeFromWhere: this.rebalanceSettings.consumeFromWhere,
      subscriptionDataSet: [...this.subscriptions.values()],
      unitMode: false,
    };
  }

  subscribedTopics(): string[] {
    return [...this.subscriptions.keys(), ...(this.assigned ?? []).map((mq) => mq.topic)];
  }

  async persistOffsets(final = false): Promise<void> {
    await this.offsets.persist(this.rebalancer.queues(), final);
  }

  async doRebalance(): Promise<void> {
    if (this.state !== 'running' || this.assigned) return;
    await this.rebalancer.rebalance(this.subscriptions.keys());
  }

  async resetOffsets(topic: string, offsets: ReadonlyMap<MessageQueue, number>): Promise<void> {
    for (const [mq, offset] of offsets) {
      if (mq.topic !== topic) continue;
      if (this.rebalancer.processQueues.has(messageQueueKey(mq))) await this.seek(mq, offset);
      else this.offsets.update(mq, offset, false);
    }
    await this.persistOffsets(true);
  }

  runningInfo(): ConsumerRunningInfo {
    return {
      properties: new Map([
        ['PROP_CONSUME_TYPE', 'CONSUME_ACTIVELY'],
        ['PROP_NAMESERVER_ADDR', this.instance.namesrvAddrs.join(';')],
        ['consumerGroup', this.groupName],
        ['messageModel', this.rebalanceSettings.messageModel],
      ]),
      subscriptionSet: [...this.subscriptions.values()],
      mqTable: new Map(),
      statusTable: new Map(),
    };
  }

  async consumeDirectly(): Promise<ConsumeMessageDirectlyResult> {
    return { order: false, autoCommit: true, consumeResult: 'CR_THROW_EXCEPTION', remark: 'a lite pull consumer has no listener to consume directly', spentTimeMills: 0 };
  }

  // internals

  private dropBuffered(pq: ProcessQueue): void {
    for (let i = this.buffer.length - 1; i >= 0; i--) {
      if (this.buffer[i]!.pq === pq) {
        this.bufferedCount -= this.buffer[i]!.messages.length;
        this.buffer.splice(i, 1);
      }
    }
  }

  private async pullLoop(pq: ProcessQueue): Promise<void> {
    let retriedAtOnce = false;
    while (!pq.dropped && this.state === 'running') {
      if (this.bufferedCount > this.settings.pullThresholdForAll || pq.cachedCount > this.settings.pullThresholdForQueue) {
        await sleep(50);
        continue;
      }
      const subscription = this.subscriptions.get(pq.mq.topic) ?? subscriptionFor(pq.mq.topic, '*');
      const outcome = await this.puller.pull(pq, {
        subscription,
        sysFlag: PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION | PullSysFlag.LITE_PULL,
        commitOffset: 0,
        subVersion: 0,
        batchSize: this.settings.pullBatchSize,
        suspendMillis: this.settings.brokerSuspendMaxTimeMillis,
        timeoutMillis: this.settings.brokerSuspendMaxTimeMillis + 10_000,
      });
      if (pq.dropped) break;
      if (outcome.kind !== 'pulled') {
        // A new master in the refreshed route (failover) is pulled at once, once in a row (as PushConsumer).
        const atOnce: boolean = outcome.kind === 'failed' && outcome.retryNow && !retriedAtOnce;
        retriedAtOnce = atOnce;
        if (!atOnce) await sleep(1000);
        continue;
      }
      retriedAtOnce = false;
      const { result, messages } = outcome;
      pq.nextOffset = result.nextBeginOffset;
      if (result.status === 'FOUND') {
        if (messages.length > 0) {
          pq.put(messages);
          this.buffer.push({ pq, messages });
          this.bufferedCount += messages.length;
          this.wakers.shift()?.();
        } else if (pq.cachedCount === 0) this.offsets.update(pq.mq, result.nextBeginOffset, false);
      } else if (result.status === 'OFFSET_ILLEGAL') {
        this.instance.logger.warn({ mq: pq.mq, next: result.nextBeginOffset }, 'pull offset out of range; moving to the broker\'s suggestion');
      }
    }
  }
}
