/**
 * The push consumer (DefaultMQPushConsumer): subscribe, register a listener, start. It
 * rebalances queues among the group's clients, long-polls each of its queues, hands messages to
 * the listener with bounded concurrency (or one at a time per queue, in order, for an orderly
 * listener), commits progress, and sends failed messages back for a later retry.
 *
 *   const consumer = new PushConsumer({ groupName: 'pay_group', namesrvAddr: '127.0.0.1:9876' });
 *   consumer.subscribe('PayTopic', 'tag1 || tag2');
 *   consumer.onMessage(async (message) => { await handle(message.body); });
 *   await consumer.start();
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type ConsumeMessageDirectlyResult,
  type ConsumerData,
  type ConsumerRunningInfo,
  ConsumerRunningInfoProp,
  MessageConst,
  type MessageQueue,
  messageQueueKey,
  PullSysFlag,
  type ProcessQueueInfo,
  type SubscriptionData,
  UniqueIdGenerator,
} from '@rocketmq-ts/protocol';
import { ClientInstance, type ConsumerMember } from '../core/client-instance.ts';
import { MQClientError } from '../errors.ts';
import type { MessageExt } from '../message.ts';
import { checkGroup, checkTopic, type ClientOptions, resolveClientOptions } from '../options.ts';
import { Producer, traceDispatcherFor } from '../producer/producer.ts';
import { CONSUME_RETURN_TYPE, type SubBeforeContext, type TraceDispatcher, type TraceOptions } from '../trace/trace-writer.ts';
import { allocateAveragely, type AllocateStrategy } from './allocate.ts';
import { LocalFileOffsetStore, type OffsetStore, RemoteBrokerOffsetStore } from './offset-store.ts';
import { ProcessQueue } from './process-queue.ts';
import {
  compareQueues,
  computePullFromWhere,
  type ConsumeFromWhere,
  formatConsumeTimestamp,
  matchesTags,
  type MessageModel,
  parseConsumeTimestamp,
  sleep,
  allocateTopic,
  subscriptionFor,
  type MessageSelector,
} from './subscription.ts';

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

export interface PushConsumerOptions extends ClientOptions, TraceOptions {
  /** The consumer group (required). */
  groupName: string;
  /** @defaultValue "CLUSTERING" */
  messageModel?: MessageModel;
  /** Where a group without committed progress starts. @defaultValue "CONSUME_FROM_LAST_OFFSET" */
  consumeFromWhere?: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP: yyyyMMddHHmmss, epoch ms or a Date. @defaultValue 30 minutes ago */
  consumeTimestamp?: string | number | Date;
  /** @defaultValue AllocateMessageQueueAveragely */
  allocateStrategy?: AllocateStrategy;
  /** Listener calls running at once (consumeThreadMax). @defaultValue 20 */
  consumeThreadMax?: number;
  /** Stop pulling a queue whose cached offsets span more than this. @defaultValue 2000 */
  consumeConcurrentlyMaxSpan?: number;
  /** Stop pulling a queue with this many messages cached. @defaultValue 1000 */
  pullThresholdForQueue?: number;
  /** Stop pulling a queue with this many MiB cached. @defaultValue 100 */
  pullThresholdSizeForQueue?: number;
  /** Messages per pull. @defaultValue 32 */
  pullBatchSize?: number;
  /** Pause between pulls of one queue, ms. @defaultValue 0 */
  pullInterval?: number;
  /** Deliveries before a message goes to the dead-letter queue: −1 means 16 (concurrent) or unlimited (orderly). @defaultValue -1 */
  maxReconsumeTimes?: number;
  /** Orderly: pause before a failed message is tried again. @defaultValue 1000 */
  suspendCurrentQueueTimeMillis?: number;
  /** @defaultValue 5000 */
  persistConsumerOffsetInterval?: number;
  /** @defaultValue 20000 */
  rebalanceInterval?: number;
  /** Pause after a failed pull. @defaultValue 1000 */
  pullTimeDelayMillsWhenException?: number;
  /** How long the broker holds a pull with nothing new. @defaultValue 15000 */
  brokerSuspendMaxTimeMillis?: number;
  /** Broadcasting offsets live under this directory. @defaultValue ~/.rocketmq_offsets */
  localOffsetStoreDir?: string;
}

interface Subscription {
  data: SubscriptionData;
  listener: MessageListener | undefined;
  internal: boolean;
}

const PULL_RPC_EXTRA_MILLIS = 15_000;

export class PushConsumer implements ConsumerMember {
  readonly groupName: string;
  private readonly instance: ClientInstance;
  private readonly settings: Required<Omit<PushConsumerOptions, keyof ClientOptions | keyof TraceOptions | 'groupName' | 'consumeTimestamp' | 'allocateStrategy' | 'localOffsetStoreDir'>> & {
    consumeTimestamp: number;
    allocateStrategy: AllocateStrategy;
  };
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly processQueues = new Map<string, ProcessQueue>();
  private readonly offsets: OffsetStore;
  private listener: MessageListener | undefined;
  private orderlyListener: OrderlyMessageListener | undefined;
  private state: 'created' | 'running' | 'stopping' | 'stopped' = 'created';
  private innerProducer: Producer | undefined;
  private readonly startedAt = Date.now();
  private readonly clientOptions: ClientOptions;
  /** Listener calls waiting for a slot, FIFO. */
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  private readonly consumeStats = { ok: 0, failed: 0, pulled: 0 };
  /** Writes SubBefore/SubAfter records per consumption when enableMsgTrace is on. */
  private readonly tracer: TraceDispatcher | undefined;
  private traceIds: UniqueIdGenerator | undefined;
  private readonly clientIP: string;

  constructor(options: PushConsumerOptions) {
    this.groupName = options.groupName;
    checkGroup(this.groupName, 'PushConsumer');
    const resolved = resolveClientOptions(options, 'PushConsumer');
    const messageModel = options.messageModel ?? 'CLUSTERING';
    this.clientOptions = options;
    this.instance = new ClientInstance(resolved, messageModel === 'CLUSTERING');
    this.clientIP = resolved.clientIP;
    if (options.enableMsgTrace) {
      this.tracer = traceDispatcherFor(options, `_INNER_TRACE_PRODUCER-${this.groupName}`);
      this.traceIds = new UniqueIdGenerator(resolved.clientIP);
    }
    this.settings = {
      messageModel,
      consumeFromWhere: options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET',
      consumeTimestamp: parseConsumeTimestamp(options.consumeTimestamp ?? formatConsumeTimestamp(Date.now() - 30 * 60_000)),
      allocateStrategy: options.allocateStrategy ?? allocateAveragely,
      consumeThreadMax: options.consumeThreadMax ?? 20,
      consumeConcurrentlyMaxSpan: options.consumeConcurrentlyMaxSpan ?? 2000,
      pullThresholdForQueue: options.pullThresholdForQueue ?? 1000,
      pullThresholdSizeForQueue: options.pullThresholdSizeForQueue ?? 100,
      pullBatchSize: options.pullBatchSize ?? 32,
      pullInterval: options.pullInterval ?? 0,
      maxReconsumeTimes: options.maxReconsumeTimes ?? -1,
      suspendCurrentQueueTimeMillis: options.suspendCurrentQueueTimeMillis ?? 1000,
      persistConsumerOffsetInterval: options.persistConsumerOffsetInterval ?? 5000,
      rebalanceInterval: options.rebalanceInterval ?? 20_000,
      pullTimeDelayMillsWhenException: options.pullTimeDelayMillsWhenException ?? 1000,
      brokerSuspendMaxTimeMillis: options.brokerSuspendMaxTimeMillis ?? 15_000,
    };
    this.offsets =
      messageModel === 'CLUSTERING'
        ? new RemoteBrokerOffsetStore(this.instance, this.groupName)
        : new LocalFileOffsetStore(options.localOffsetStoreDir ?? join(homedir(), '.rocketmq_offsets'), this.instance.clientId, this.groupName);
  }

  get clientId(): string {
    return this.instance.clientId;
  }

  get messageModel(): MessageModel {
    return this.settings.messageModel;
  }

  private get orderly(): boolean {
    return this.orderlyListener !== undefined;
  }

  private get maxReconsumeTimes(): number {
    if (this.settings.maxReconsumeTimes >= 0) return this.settings.maxReconsumeTimes;
    return this.orderly ? 2_147_483_647 : 16;
  }

  /**
   * Subscribes to a topic with a tag expression ("*", "TagA", "TagA || TagB", or { tag }) or a
   * SQL92 selector ({ sql: "a > 5 AND b IN ('x')" }, filtered by the broker); `listener`
   * overrides onMessage's for this topic.
   */
  subscribe(topic: string, expression: string | MessageSelector = '*', listener?: MessageListener): this {
    checkTopic(topic);
    this.subscriptions.set(topic, { data: subscriptionFor(topic, expression), listener, internal: false });
    if (this.state === 'running') void this.instance.sendHeartbeatToAllBrokers().then(() => this.instance.rebalanceNow());
    return this;
  }

  unsubscribe(topic: string): void {
    this.subscriptions.delete(topic);
  }

  /** The listener for messages of every subscribed topic (MessageListenerConcurrently). */
  onMessage(listener: MessageListener): this {
    if (this.orderlyListener) throw new MQClientError('this consumer already has an orderly listener; use one kind');
    this.listener = listener;
    return this;
  }

  /** An orderly listener (MessageListenerOrderly): queues are locked on the broker, one message at a time per queue. */
  onMessageOrderly(listener: OrderlyMessageListener): this {
    if (this.listener) throw new MQClientError('this consumer already has a concurrent listener; use one kind');
    this.orderlyListener = listener;
    return this;
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new MQClientError(`PushConsumer ${this.groupName} was already started; create a new one`);
    if (this.subscriptions.size === 0) throw new MQClientError(`PushConsumer ${this.groupName}: subscribe to a topic before start()`);
    if (!this.listener && !this.orderlyListener && [...this.subscriptions.values()].some((s) => !s.listener)) {
      throw new MQClientError(`PushConsumer ${this.groupName}: register a listener with onMessage() or onMessageOrderly() before start()`);
    }
    this.state = 'running';
    if (this.settings.messageModel === 'CLUSTERING') {
      const retryTopic = `%RETRY%${this.groupName}`;
      this.subscriptions.set(retryTopic, { data: subscriptionFor(retryTopic, '*'), listener: undefined, internal: true });
    }
    await this.offsets.load();
    this.instance.registerConsumer(this);
    this.instance.start();
    for (const topic of this.subscriptions.keys()) {
      await this.instance.updateRoute(topic).catch((error: unknown) => this.instance.logger.warn({ topic, err: String(error) }, 'route fetch failed'));
    }
    if (![...this.subscriptions.values()].some((s) => !s.internal && this.instance.route(s.data.topic))) {
      const topics = [...this.subscriptions.values()].filter((s) => !s.internal).map((s) => s.data.topic);
      this.instance.logger.warn({ topics }, 'no route for the subscribed topics yet; will retry at each rebalance');
    }
    try {
      await this.instance.checkClientInBroker(
        this.groupName,
        [...this.subscriptions.values()].map((s) => s.data),
      );
    } catch (error) {
      await this.shutdown();
      throw error;
    }
    await this.instance.sendHeartbeatToAllBrokers();
    this.instance.schedule(this.settings.rebalanceInterval, () => this.instance.rebalanceNow());
    this.instance.schedule(this.settings.persistConsumerOffsetInterval, () => this.persistOffsets());
    if (this.orderly && this.settings.messageModel === 'CLUSTERING') this.instance.schedule(20_000, () => this.lockAll());
    await this.instance.rebalanceNow();
    void this.rebalanceWhileRoutesAreMissing();
  }

  /**
   * The broker creates %RETRY%<group> on the first heartbeat and registers it with the name
   * servers a moment later; ask again soon rather than at the next 20 s rebalance.
   */
  private async rebalanceWhileRoutesAreMissing(): Promise<void> {
    for (const wait of [300, 700, 1500, 3000, 6000]) {
      if ([...this.subscriptions.keys()].every((topic) => this.instance.route(topic))) return;
      await sleep(wait);
      if (this.state !== 'running') return;
      await this.instance.rebalanceNow();
    }
  }

  /**
   * Stops pulling, waits for listener calls in progress, commits progress, unregisters from
   * the brokers (which rebalances the rest of the group) and closes the connections.
   */
  async shutdown(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    for (const pq of this.processQueues.values()) pq.dropped = true;
    for (const wake of this.waiting.splice(0)) wake();
    while (this.running > 0 || [...this.processQueues.values()].some((pq) => pq.inFlight > 0 || pq.consuming)) await sleep(10);
    await this.persistOffsets(true);
    if (this.orderly && this.settings.messageModel === 'CLUSTERING') await this.unlockAll([...this.processQueues.values()].map((pq) => pq.mq));
    this.processQueues.clear();
    await this.innerProducer?.shutdown();
    await this.tracer?.shutdown();
    this.state = 'stopped';
    await this.instance.shutdown();
  }

  /** The queues this consumer holds now. */
  assignedQueues(): MessageQueue[] {
    return [...this.processQueues.values()].filter((pq) => !pq.dropped).map((pq) => pq.mq);
  }

  // ConsumerMember

  consumerData(): ConsumerData {
    return {
      groupName: this.groupName,
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: this.settings.messageModel,
      consumeFromWhere: this.settings.consumeFromWhere,
      subscriptionDataSet: [...this.subscriptions.values()].map((s) => s.data),
      unitMode: false,
    };
  }

  subscribedTopics(): string[] {
    return [...this.subscriptions.keys()];
  }

  async persistOffsets(final = false): Promise<void> {
    const mqs = [...this.processQueues.values()].map((pq) => pq.mq);
    await this.offsets.persist(mqs, final);
  }

  async doRebalance(): Promise<void> {
    if (this.state !== 'running') return;
    for (const { data } of this.subscriptions.values()) {
      const topic = data.topic;
      const mine = await allocateTopic(this.instance, this.groupName, topic, this.settings.messageModel, this.settings.allocateStrategy);
      if (!mine) continue;
      await this.updateProcessQueues(topic, mine);
    }
  }

  private async updateProcessQueues(topic: string, mine: readonly MessageQueue[]): Promise<void> {
    const wanted = new Map(mine.map((mq) => [messageQueueKey(mq), mq]));
    for (const [key, pq] of this.processQueues) {
      if (pq.mq.topic !== topic || (wanted.has(key) && !pq.dropped)) continue;
      pq.dropped = true;
      this.processQueues.delete(key);
      await this.offsets.persist([pq.mq], false);
      this.offsets.remove(pq.mq);
      if (this.orderly && this.settings.messageModel === 'CLUSTERING') this.background(this.unlockWhenIdle(pq));
      this.instance.logger.info({ mq: pq.mq, group: this.groupName }, 'queue released');
    }
    const added: MessageQueue[] = [];
    for (const [key, mq] of wanted) if (!this.processQueues.has(key)) added.push(mq);
    added.sort(compareQueues);
    const lockedNow = this.orderly && this.settings.messageModel === 'CLUSTERING' ? await this.lock(added) : undefined;
    for (const mq of added) {
      const key = messageQueueKey(mq);
      if (lockedNow && !lockedNow.has(key)) continue;
      this.offsets.remove(mq);
      const start = await computePullFromWhere(this.instance, this.offsets, mq, this.settings.consumeFromWhere, this.settings.consumeTimestamp);
      if (start === undefined || this.state !== 'running' || this.processQueues.has(key)) continue;
      const pq = new ProcessQueue(mq);
      pq.nextOffset = start;
      if (lockedNow) {
        pq.locked = true;
        pq.lastLockTimestamp = Date.now();
      }
      this.processQueues.set(key, pq);
      this.instance.logger.info({ mq, group: this.groupName, offset: start }, 'queue assigned');
      this.background(this.pullLoop(pq));
    }
  }

  // queue locks (orderly, clustering)

  private async lock(mqs: readonly MessageQueue[]): Promise<Set<string>> {
    const locked = new Set<string>();
    const byBroker = new Map<string, MessageQueue[]>();
    for (const mq of mqs) byBroker.set(mq.brokerName, [...(byBroker.get(mq.brokerName) ?? []), mq]);
    for (const [brokerName, list] of byBroker) {
      const addr = this.instance.masterAddr(brokerName);
      if (!addr) continue;
      try {
        for (const mq of await this.instance.api.lockBatch(addr, this.groupName, this.clientId, list, 3000)) locked.add(messageQueueKey(mq));
      } catch (error) {
        this.instance.logger.warn({ broker: brokerName, err: String(error) }, 'locking queues failed');
      }
    }
    return locked;
  }

  private async lockAll(): Promise<void> {
    const pqs = [...this.processQueues.values()].filter((pq) => !pq.dropped);
    if (pqs.length === 0) return;
    const locked = await this.lock(pqs.map((pq) => pq.mq));
    const now = Date.now();
    for (const pq of pqs) {
      if (locked.has(messageQueueKey(pq.mq))) {
        pq.locked = true;
        pq.lastLockTimestamp = now;
      } else pq.locked = false;
    }
  }

  private async unlockAll(mqs: readonly MessageQueue[]): Promise<void> {
    const byBroker = new Map<string, MessageQueue[]>();
    for (const mq of mqs) byBroker.set(mq.brokerName, [...(byBroker.get(mq.brokerName) ?? []), mq]);
    await Promise.all(
      [...byBroker].map(async ([brokerName, list]) => {
        const addr = this.instance.masterAddr(brokerName);
        if (addr) await this.instance.api.unlockBatch(addr, this.groupName, this.clientId, list, 3000).catch(() => undefined);
      }),
    );
  }

  private async unlockWhenIdle(pq: ProcessQueue): Promise<void> {
    while (pq.consuming || pq.inFlight > 0) await sleep(20);
    await this.unlockAll([pq.mq]);
  }

  // pulling

  private async pullLoop(pq: ProcessQueue): Promise<void> {
    const clustering = this.settings.messageModel === 'CLUSTERING';
    while (!pq.dropped && this.state === 'running') {
      if (pq.cachedCount > this.settings.pullThresholdForQueue || pq.cachedBytes > this.settings.pullThresholdSizeForQueue * 1024 * 1024) {
        await sleep(50);
        continue;
      }
      if (!this.orderly && pq.span() > this.settings.consumeConcurrentlyMaxSpan) {
        await sleep(50);
        continue;
      }
      if (this.orderly && clustering && (!pq.locked || pq.lockExpired())) {
        await sleep(1000);
        continue;
      }
      const subscription = this.subscriptions.get(pq.mq.topic);
      const addr = this.instance.masterAddr(pq.mq.brokerName);
      if (!subscription || !addr) {
        await sleep(this.settings.pullTimeDelayMillsWhenException);
        continue;
      }
      const committed = clustering ? (this.offsets.memoryOffset(pq.mq) ?? 0) : 0;
      let result;
      try {
        result = await this.instance.api.pullMessage(
          addr,
          pq.mq.brokerName,
          {
            consumerGroup: this.groupName,
            topic: pq.mq.topic,
            queueId: pq.mq.queueId,
            queueOffset: pq.nextOffset,
            maxMsgNums: this.settings.pullBatchSize,
            sysFlag: (committed > 0 ? PullSysFlag.COMMIT_OFFSET : 0) | PullSysFlag.SUSPEND,
            commitOffset: committed,
            suspendTimeoutMillis: this.settings.brokerSuspendMaxTimeMillis,
            subscription: subscription.data.subString,
            subVersion: subscription.data.subVersion,
            expressionType: subscription.data.expressionType,
          },
          this.settings.brokerSuspendMaxTimeMillis + PULL_RPC_EXTRA_MILLIS,
        );
      } catch (error) {
        if (pq.dropped || this.state !== 'running') break;
        this.instance.logger.warn({ mq: pq.mq, err: String(error) }, 'pull failed; retrying shortly');
        await sleep(this.settings.pullTimeDelayMillsWhenException);
        continue;
      }
      if (pq.dropped) break;
      pq.lastPullTimestamp = Date.now();
      if (result.status === 'FOUND') {
        pq.nextOffset = result.nextBeginOffset;
        const messages = result.messages.filter((message) => matchesTags(message, subscription.data));
        for (const message of messages) {
          message.properties[MessageConst.MIN_OFFSET] = String(result.minOffset);
          message.properties[MessageConst.MAX_OFFSET] = String(result.maxOffset);
        }
        this.consumeStats.pulled += messages.length;
        if (messages.length > 0) {
          pq.put(messages);
          if (this.orderly) this.background(this.consumeOrderly(pq));
          else for (const message of messages) void this.submitConcurrently(pq, message);
        } else if (pq.cachedCount === 0) this.offsets.update(pq.mq, result.nextBeginOffset, true);
      } else if (result.status === 'OFFSET_ILLEGAL') {
        this.instance.logger.warn({ mq: pq.mq, offset: pq.nextOffset, next: result.nextBeginOffset }, 'pull offset is out of range; moving to the broker\'s suggestion');
        pq.dropped = true;
        this.processQueues.delete(messageQueueKey(pq.mq));
        this.offsets.update(pq.mq, result.nextBeginOffset, false);
        await this.offsets.persist([pq.mq], true);
        void this.instance.rebalanceNow();
        break;
      } else {
        pq.nextOffset = result.nextBeginOffset;
        if (pq.cachedCount === 0) this.offsets.update(pq.mq, result.nextBeginOffset, true);
      }
      if (this.settings.pullInterval > 0) await sleep(this.settings.pullInterval);
    }
  }

  // concurrent consumption

  private async acquireSlot(): Promise<boolean> {
    if (this.running < this.settings.consumeThreadMax) {
      this.running++;
      return true;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.state !== 'running') return false;
    this.running++;
    return true;
  }

  /** ConsumeMessageTraceHookImpl.consumeMessageBefore: a SubBefore record unless the producer turned trace off. */
  private traceBefore(message: MessageExt): SubBeforeContext | undefined {
    if (!this.tracer || !this.traceIds || message.properties[MessageConst.TRACE_SWITCH] === 'false') return undefined;
    const ctx: SubBeforeContext = {
      type: 'SubBefore',
      timestamp: Date.now(),
      regionId: message.properties[MessageConst.MSG_REGION] ?? 'DefaultRegion',
      groupName: this.groupName,
      requestId: this.traceIds.next(),
      msgId: message.msgId,
      retryTimes: message.reconsumeTimes,
      keys: message.properties[MessageConst.KEYS],
      clientHost: this.clientIP,
    };
    this.tracer.append(ctx);
    return ctx;
  }

  /** consumeMessageAfter: the SubAfter record of the same request. */
  private traceAfter(before: SubBeforeContext, success: boolean, contextCode: number): void {
    const now = Date.now();
    this.tracer?.append({
      type: 'SubAfter',
      requestId: before.requestId,
      regionId: before.regionId,
      msgId: before.msgId,
      costTime: now - before.timestamp,
      success,
      keys: before.keys,
      contextCode,
      timestamp: now,
      groupName: this.groupName,
    });
  }

  private releaseSlot(): void {
    this.running--;
    this.waiting.shift()?.();
  }

  private listenerFor(topic: string): MessageListener | undefined {
    return this.subscriptions.get(topic)?.listener ?? this.listener;
  }

  /** Shows a retried message under its original topic (ConsumeMessageConcurrentlyService.resetRetryAndNamespace). */
  private restoreTopic(message: MessageExt): void {
    const retryTopic = message.properties[MessageConst.RETRY_TOPIC];
    if (retryTopic && message.topic === `%RETRY%${this.groupName}`) message.topic = retryTopic;
    message.properties[MessageConst.CONSUME_START_TIMESTAMP] = String(Date.now());
  }

  private async submitConcurrently(pq: ProcessQueue, message: MessageExt): Promise<void> {
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
    this.restoreTopic(message);
    const context: ConsumeContext = { queue: pq.mq, delayLevelWhenNextConsume: 0 };
    const listener = this.listenerFor(message.topic);
    let ok = false;
    let returnType: number = CONSUME_RETURN_TYPE.FAILED;
    const trace = this.traceBefore(message);
    try {
      if (!listener) throw new MQClientError(`no listener for topic ${message.topic}`);
      ok = (await listener(message, context)) !== 'RECONSUME_LATER';
      if (ok) returnType = CONSUME_RETURN_TYPE.SUCCESS;
    } catch (error) {
      returnType = CONSUME_RETURN_TYPE.EXCEPTION;
      this.instance.logger.warn({ msgId: message.msgId, topic: message.topic, err: error instanceof Error ? error.message : String(error) }, 'listener failed; the message will be retried');
    }
    if (trace) this.traceAfter(trace, ok, returnType);
    if (ok) this.consumeStats.ok++;
    else this.consumeStats.failed++;
    if (!ok && this.settings.messageModel === 'CLUSTERING') {
      const sentBack = await this.sendMessageBack(message, pq.mq.brokerName, context.delayLevelWhenNextConsume);
      if (!sentBack) {
        // Neither the broker nor the retry topic took it: consume it here again shortly.
        setTimeout(() => void this.submitConcurrently(pq, message), 5000).unref();
        return;
      }
    }
    const offset = pq.remove([message.queueOffset]);
    if (offset >= 0 && !pq.dropped) this.offsets.update(pq.mq, offset, true);
  }

  private async sendMessageBack(message: MessageExt, brokerName: string, delayLevel: number): Promise<boolean> {
    const addr = this.instance.masterAddr(brokerName) ?? message.storeHost;
    try {
      await this.instance.api.sendMessageBack(
        addr,
        {
          offset: message.commitLogOffset,
          group: this.groupName,
          delayLevel,
          originMsgId: message.msgId,
          originTopic: message.topic,
          unitMode: false,
          maxReconsumeTimes: this.maxReconsumeTimes,
        },
        5000,
      );
      return true;
    } catch (error) {
      this.instance.logger.warn({ msgId: message.msgId, err: String(error) }, 'sending the message back failed; re-sending it to the retry topic');
      return this.resendToRetryTopic(message, 3 + message.reconsumeTimes).then(
        () => true,
        () => false,
      );
    }
  }

  /** Sends a copy to %RETRY%<group>; at reconsumeTimes ≥ maxReconsumeTimes the broker dead-letters it. */
  private async resendToRetryTopic(message: MessageExt, delayTimeLevel: number): Promise<void> {
    const producer = await this.producer();
    const properties: Record<string, string> = {};
    const skip = new Set<string>([MessageConst.TAGS, MessageConst.KEYS, MessageConst.DELAY_TIME_LEVEL, MessageConst.WAIT_STORE_MSG_OK, MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX, 'MIN_OFFSET', 'MAX_OFFSET', 'CONSUME_START_TIME', 'TRAN_MSG', 'RECONSUME_TIME', 'MAX_RECONSUME_TIMES', 'REAL_TOPIC', 'REAL_QID', 'CLUSTER']);
    for (const [name, value] of Object.entries(message.properties)) if (!skip.has(name)) properties[name] = value;
    properties[MessageConst.RETRY_TOPIC] = message.topic;
    properties[MessageConst.ORIGIN_MESSAGE_ID] = message.properties[MessageConst.ORIGIN_MESSAGE_ID] ?? message.msgId;
    await producer.sendToRetryTopic({
      topic: `%RETRY%${this.groupName}`,
      body: message.body,
      ...(message.tags !== undefined ? { tags: message.tags } : {}),
      keys: message.keys,
      properties,
      flag: message.flag,
      delayTimeLevel,
      reconsumeTimes: message.reconsumeTimes,
      maxReconsumeTimes: this.maxReconsumeTimes,
    });
  }

  private async producer(): Promise<Producer> {
    if (!this.innerProducer) {
      const producer = new Producer({ ...this.clientOptions, groupName: 'CLIENT_INNER_PRODUCER', instanceName: `${this.clientId}-inner` });
      this.innerProducer = producer;
      await producer.start();
    }
    return this.innerProducer;
  }

  // orderly consumption

  private async consumeOrderly(pq: ProcessQueue): Promise<void> {
    if (pq.consuming) return;
    pq.consuming = true;
    const clustering = this.settings.messageModel === 'CLUSTERING';
    try {
      while (!pq.dropped && this.state === 'running') {
        if (clustering && (!pq.locked || pq.lockExpired())) {
          setTimeout(() => this.background(this.consumeOrderly(pq)), 100).unref();
          return;
        }
        const message = pq.first();
        if (!message) return;
        this.restoreTopic(message);
        const context: OrderlyContext = { queue: pq.mq, suspendCurrentQueueTimeMillis: this.settings.suspendCurrentQueueTimeMillis };
        let ok = false;
        let returnType: number = CONSUME_RETURN_TYPE.FAILED;
        const trace = this.traceBefore(message);
        pq.inFlight++;
        try {
          ok = (await this.orderlyListener!(message, context)) !== 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
          if (ok) returnType = CONSUME_RETURN_TYPE.SUCCESS;
        } catch (error) {
          returnType = CONSUME_RETURN_TYPE.EXCEPTION;
          this.instance.logger.warn({ msgId: message.msgId, err: error instanceof Error ? error.message : String(error) }, 'orderly listener failed; retrying the message after a pause');
        } finally {
          pq.inFlight--;
        }
        if (trace) this.traceAfter(trace, ok, returnType);
        if (!ok) {
          this.consumeStats.failed++;
          // As ConsumeMessageOrderlyService.checkReconsumeTimes: count first, dead-letter once the count reaches the maximum.
          if (message.reconsumeTimes < this.maxReconsumeTimes || this.settings.messageModel === 'BROADCASTING') {
            message.reconsumeTimes++;
            await sleep(context.suspendCurrentQueueTimeMillis);
            continue;
          }
          // Out of local retries: hand it to the broker's dead-letter path and move on.
          try {
            await this.resendToRetryTopic(message, 3 + message.reconsumeTimes);
          } catch (error) {
            this.instance.logger.warn({ msgId: message.msgId, err: String(error) }, 'dead-lettering failed; retrying the message');
            await sleep(context.suspendCurrentQueueTimeMillis);
            continue;
          }
        } else this.consumeStats.ok++;
        pq.remove([message.queueOffset]);
        if (!pq.dropped) this.offsets.update(pq.mq, message.queueOffset + 1, false);
      }
    } finally {
      pq.consuming = false;
    }
  }

  // broker → client requests

  async resetOffsets(topic: string, offsets: ReadonlyMap<MessageQueue, number>): Promise<void> {
    for (const [key, pq] of this.processQueues) {
      if (pq.mq.topic !== topic) continue;
      pq.dropped = true;
      pq.clear();
      this.processQueues.delete(key);
    }
    await sleep(10);
    for (const [mq, offset] of offsets) {
      this.offsets.update(mq, offset, false);
      await this.offsets.persist([mq], true);
    }
    for (const mq of offsets.keys()) this.offsets.remove(mq);
    void this.instance.rebalanceNow();
  }

  runningInfo(): ConsumerRunningInfo {
    const properties = new Map<string, string>([
      [ConsumerRunningInfoProp.NAMESERVER_ADDR, this.instance.namesrvAddrs.join(';')],
      [ConsumerRunningInfoProp.CONSUME_TYPE, 'CONSUME_PASSIVELY'],
      [ConsumerRunningInfoProp.CONSUME_ORDERLY, String(this.orderly)],
      [ConsumerRunningInfoProp.THREADPOOL_CORE_SIZE, String(this.settings.consumeThreadMax)],
      [ConsumerRunningInfoProp.CONSUMER_START_TIMESTAMP, String(this.startedAt)],
      [ConsumerRunningInfoProp.CLIENT_VERSION, 'V4_8_0'],
      ['messageModel', this.settings.messageModel],
      ['consumeFromWhere', this.settings.consumeFromWhere],
      ['consumerGroup', this.groupName],
      ['clientLanguage', 'NODE'],
    ]);
    const mqTable = new Map<MessageQueue, ProcessQueueInfo>();
    for (const pq of this.processQueues.values()) {
      const first = pq.first();
      mqTable.set(pq.mq, {
        commitOffset: this.offsets.memoryOffset(pq.mq) ?? -1,
        cachedMsgMinOffset: first?.queueOffset ?? 0,
        cachedMsgMaxOffset: pq.cachedCount > 0 ? pq.maxOffset : 0,
        cachedMsgCount: pq.cachedCount,
        cachedMsgSizeInMiB: Math.floor(pq.cachedBytes / (1024 * 1024)),
        transactionMsgMinOffset: 0,
        transactionMsgMaxOffset: 0,
        transactionMsgCount: 0,
        locked: pq.locked,
        tryUnlockTimes: 0,
        lastLockTimestamp: pq.lastLockTimestamp,
        droped: pq.dropped,
        lastPullTimestamp: pq.lastPullTimestamp,
        lastConsumeTimestamp: pq.lastConsumeTimestamp,
      });
    }
    return { properties, subscriptionSet: [...this.subscriptions.values()].map((s) => s.data), mqTable, statusTable: new Map() };
  }

  async consumeDirectly(message: MessageExt): Promise<ConsumeMessageDirectlyResult> {
    const started = Date.now();
    this.restoreTopic(message);
    try {
      let ok: boolean;
      if (this.orderlyListener) ok = (await this.orderlyListener(message, { queue: message.queue, suspendCurrentQueueTimeMillis: 0 })) !== 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
      else {
        const listener = this.listenerFor(message.topic);
        if (!listener) throw new MQClientError(`no listener for topic ${message.topic}`);
        ok = (await listener(message, { queue: message.queue, delayLevelWhenNextConsume: 0 })) !== 'RECONSUME_LATER';
      }
      return { order: this.orderly, autoCommit: true, consumeResult: ok ? 'CR_SUCCESS' : 'CR_LATER', spentTimeMills: Date.now() - started };
    } catch (error) {
      return { order: this.orderly, autoCommit: true, consumeResult: 'CR_THROW_EXCEPTION', remark: error instanceof Error ? error.message : String(error), spentTimeMills: Date.now() - started };
    }
  }

  /** Runs a background task; a failure is logged, never an unhandled rejection. */
  private background(task: Promise<void>): void {
    task.catch((error: unknown) => this.instance.logger.error({ group: this.groupName, err: error instanceof Error ? error.stack : String(error) }, 'background task failed'));
  }
}
