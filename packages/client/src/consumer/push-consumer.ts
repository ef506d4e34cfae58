/**
 * The push consumer (DefaultMQPushConsumer): subscribe, register a listener, start. It is put
 * together from parts, each with one job: the rebalance service decides which queues it holds,
 * the pull service long-polls them, the concurrent or orderly consume service hands messages to
 * the listener, send-back retries failures, and the offset store commits progress.
 *
 *   const consumer = new PushConsumer({ groupName: 'pay_group', namesrvAddr: '127.0.0.1:9876' });
 *   consumer.subscribe('PayTopic', 'tag1 || tag2');
 *   consumer.onMessage(async (message) => { await handle(message.body); });
 *   await consumer.start();
 */
import { EventEmitter } from 'node:events';
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
} from '@rocketmq-ts/protocol';
import type { ClientInstance, ConsumerMember } from '../core/client-instance.ts';
import { MQClientError } from '../errors.ts';
import type { MessageExt } from '../message.ts';
import { abortable, type ShutdownOptions, type StartOptions, throwIfAborted } from '../lifecycle.ts';
import { checkTopic, type ClientOptions } from '../options.ts';
import type { TraceOptions } from '../trace/trace-writer.ts';
import { ConcurrentConsumeService } from './consume-concurrently.ts';
import { OrderlyConsumeService } from './consume-orderly.ts';
import { ConsumeTracer } from './consume-trace.ts';
import { checkSubscriptionsOrStop, consumerFoundation, type ConsumerOptions, fetchRoutes, type RebalanceSettings, runInBackground } from './consumer-base.ts';
import { type ConsumerEvents, noRouteWarning } from './events.ts';
import type { MessageListener, OrderlyMessageListener } from './listener.ts';
import { MessageStream } from './message-stream.ts';
import type { OffsetStore } from './offset-store.ts';
import type { ProcessQueue } from './process-queue.ts';
import { PullService } from './pull-service.ts';
import { QueueLocks } from './queue-locks.ts';
import { RebalanceService } from './rebalance-service.ts';
import { restoreRetryTopic, SendBack } from './send-back.ts';
import { type MessageModel, type MessageSelector, sleep, subscriptionFor } from './subscription.ts';

export type { ConsumeConcurrentlyStatus, ConsumeContext, ConsumeOrderlyStatus, MessageListener, OrderlyContext, OrderlyMessageListener } from './listener.ts';

export interface PushConsumerOptions extends ConsumerOptions, TraceOptions {
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
}

type PushSettings = Required<Omit<PushConsumerOptions, keyof ConsumerOptions | keyof TraceOptions>>;

interface Subscription {
  data: SubscriptionData;
  listener: MessageListener | undefined;
  internal: boolean;
}

const PULL_RPC_EXTRA_MILLIS = 15_000;
/** The longest resetOffsets waits for the pulls in flight on the queues it drops. */
const RESET_SETTLE_MILLIS = 3_000;
/** Orderly clustering consumers renew their queue locks this often (rebalance lock interval). */
const LOCK_RENEW_MILLIS = 20_000;
/** Flow control: how long a full or unlocked queue waits before it is looked at again. */
const BACKOFF_MILLIS = 50;
const UNLOCKED_BACKOFF_MILLIS = 1000;

/** How long shutdown() lets listener calls in flight finish by default. */
const DEFAULT_DRAIN_MILLIS = 30_000;

/**
 * Emits `warning` (ConsumerWarning) when a subscribed topic has no route at start. Messages go
 * to a listener (onMessage / onMessageOrderly) or, with neither, to `for await (const message of
 * consumer)`: a message counts as consumed when the loop asks for the next one.
 */
export class PushConsumer extends EventEmitter<ConsumerEvents> implements ConsumerMember, AsyncIterable<MessageExt> {
  readonly groupName: string;
  private readonly instance: ClientInstance;
  private readonly rebalanceSettings: RebalanceSettings;
  private readonly settings: PushSettings;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly offsets: OffsetStore;
  private readonly rebalancer: RebalanceService;
  private readonly puller: PullService;
  private readonly sendBack: SendBack;
  private readonly locks: QueueLocks;
  private readonly concurrently: ConcurrentConsumeService;
  private readonly orderlyService: OrderlyConsumeService;
  /** Writes SubBefore/SubAfter trace records when enableMsgTrace is on. */
  private readonly tracer: ConsumeTracer | undefined;
  private listener: MessageListener | undefined;
  private orderlyListener: OrderlyMessageListener | undefined;
  /** Set when no listener was registered: messages go to `for await`. */
  private stream: MessageStream | undefined;
  private state: 'created' | 'running' | 'stopping' | 'stopped' = 'created';
  private readonly startedAt = Date.now();

  constructor(options: PushConsumerOptions) {
    super();
    this.groupName = options.groupName;
    const { instance, clientIP, offsets, rebalance } = consumerFoundation(options, 'PushConsumer');
    this.tracer = ConsumeTracer.create(options, this.groupName, clientIP);
    this.instance = instance;
    this.offsets = offsets;
    this.rebalanceSettings = rebalance;
    this.settings = {
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
    const isRunning = () => this.state === 'running';
    const clientOptions: ClientOptions = options;
    this.puller = new PullService(instance, this.groupName);
    this.sendBack = new SendBack(instance, this.groupName, clientOptions, () => this.maxReconsumeTimes);
    this.locks = new QueueLocks(instance, this.groupName);
    this.concurrently = new ConcurrentConsumeService({
      instance,
      group: this.groupName,
      messageModel: rebalance.messageModel,
      consumeThreadMax: this.settings.consumeThreadMax,
      offsets,
      sendBack: this.sendBack,
      listenerFor: (topic) => this.listenerFor(topic),
      tracer: this.tracer,
      isRunning,
    });
    this.orderlyService = new OrderlyConsumeService({
      instance,
      group: this.groupName,
      messageModel: rebalance.messageModel,
      suspendCurrentQueueTimeMillis: this.settings.suspendCurrentQueueTimeMillis,
      offsets,
      sendBack: this.sendBack,
      listener: () => this.orderlyListener!,
      maxReconsumeTimes: () => this.maxReconsumeTimes,
      tracer: this.tracer,
      isRunning,
    });
    this.rebalancer = new RebalanceService(instance, this.groupName, offsets, rebalance, isRunning, {
      admit: (queues) => (this.locksQueues ? this.locks.lock(queues) : Promise.resolve(undefined)),
      added: (pq) => runInBackground(instance, this.groupName, this.pullLoop(pq)),
      removed: (pq) => {
        if (this.locksQueues) runInBackground(instance, this.groupName, this.locks.unlockWhenIdle(pq));
      },
    });
  }

  get clientId(): string {
    return this.instance.clientId;
  }

  get messageModel(): MessageModel {
    return this.rebalanceSettings.messageModel;
  }

  private get orderly(): boolean {
    return this.orderlyListener !== undefined;
  }

  /** Orderly clustering consumption holds broker locks on its queues. */
  private get locksQueues(): boolean {
    return this.orderly && this.rebalanceSettings.messageModel === 'CLUSTERING';
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

  /**
   * Starts consuming. Without onMessage()/onMessageOrderly(), consume with `for await (const
   * message of consumer)`. Aborting `signal` gives up the start: the consumer shuts down and
   * start() rejects with the signal's reason.
   */
  async start(options: StartOptions = {}): Promise<void> {
    if (this.state !== 'created') throw new MQClientError(`PushConsumer ${this.groupName} was already started; create a new one`);
    if (this.subscriptions.size === 0) throw new MQClientError(`PushConsumer ${this.groupName}: subscribe to a topic before start()`);
    throwIfAborted(options.signal);
    if (!this.listener && !this.orderlyListener && [...this.subscriptions.values()].some((s) => !s.listener)) {
      this.stream = new MessageStream();
      this.listener = this.stream.listener;
    }
    this.state = 'running';
    try {
      await abortable(this.startRunning(), options.signal);
    } catch (error) {
      await this.shutdown({ timeoutMillis: 0 });
      throw error;
    }
  }

  /**
   * The consumer's messages, for `for await`; only for a consumer started without a listener.
   * The iteration ends when the consumer shuts down.
   */
  [Symbol.asyncIterator](): AsyncIterator<MessageExt> {
    if (!this.stream) {
      throw new MQClientError(
        this.state === 'created'
          ? `PushConsumer ${this.groupName}: call start() before iterating`
          : `PushConsumer ${this.groupName} has a listener; iterate only a consumer started without onMessage()/onMessageOrderly()`,
      );
    }
    return this.stream;
  }

  private async startRunning(): Promise<void> {
    if (this.rebalanceSettings.messageModel === 'CLUSTERING') {
      const retryTopic = `%RETRY%${this.groupName}`;
      this.subscriptions.set(retryTopic, { data: subscriptionFor(retryTopic, '*'), listener: undefined, internal: true });
    }
    await this.offsets.load();
    this.instance.registerConsumer(this);
    this.instance.start();
    const missing = await fetchRoutes(this.instance, this.userTopics());
    // An aborted start() has shut the consumer down meanwhile: schedule nothing more.
    if (this.state !== 'running') return;
    if (missing.length > 0) {
      this.instance.logger.warn({ topics: missing }, 'no route for the subscribed topics yet; will retry at each rebalance');
      this.emit('warning', noRouteWarning(this.groupName, missing));
    }
    await checkSubscriptionsOrStop(this.instance, this.groupName, [...this.subscriptions.values()].map((s) => s.data), () => this.shutdown());
    await this.instance.sendHeartbeatToAllBrokers();
    if (this.state !== 'running') return;
    this.instance.schedule(this.settings.rebalanceInterval, () => this.instance.rebalanceNow());
    this.instance.schedule(this.settings.persistConsumerOffsetInterval, () => this.persistOffsets());
    if (this.locksQueues) this.instance.schedule(LOCK_RENEW_MILLIS, () => this.locks.renew(this.rebalancer.held()));
    await this.instance.rebalanceNow();
    void this.rebalanceWhileRoutesAreMissing();
  }

  private userTopics(): string[] {
    return [...this.subscriptions.values()].filter((s) => !s.internal).map((s) => s.data.topic);
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
   * Stops pulling, lets listener calls in progress finish (up to `timeoutMillis`, 30 s by
   * default; later ones are not committed and come again), commits progress, unregisters from
   * the brokers (which rebalances the rest of the group) and closes the connections.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.state !== 'running') return;
    // 'stopping' ends the pull loops; the queues stay undropped while draining so that listener
    // calls finishing now still commit their offsets (as the Java client's shutdown does).
    this.state = 'stopping';
    this.concurrently.releaseWaiting();
    this.stream?.close();
    const pqs = [...this.rebalancer.processQueues.values()];
    const deadline = Date.now() + (options.timeoutMillis ?? DEFAULT_DRAIN_MILLIS);
    while (this.concurrently.busy > 0 || pqs.some((pq) => pq.inFlight > 0 || pq.consuming)) {
      if (Date.now() >= deadline) {
        this.instance.logger.warn({ group: this.groupName, busy: this.concurrently.busy }, 'shutdown: listener calls still running after the drain deadline; their messages will be delivered again');
        break;
      }
      await sleep(10);
    }
    this.rebalancer.dropAll();
    await this.persistOffsets(true);
    if (this.locksQueues) await this.locks.unlock(this.rebalancer.queues());
    this.rebalancer.processQueues.clear();
    await this.sendBack.shutdown();
    await this.tracer?.shutdown();
    this.state = 'stopped';
    await this.instance.shutdown();
  }

  /** The same as shutdown(): the name Node streams and servers use. */
  close(options: ShutdownOptions = {}): Promise<void> {
    return this.shutdown(options);
  }

  /** The queues this consumer holds now. */
  assignedQueues(): MessageQueue[] {
    return this.rebalancer.held().map((pq) => pq.mq);
  }

  // ConsumerMember

  consumerData(): ConsumerData {
    return {
      groupName: this.groupName,
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: this.rebalanceSettings.messageModel,
      consumeFromWhere: this.rebalanceSettings.consumeFromWhere,
      subscriptionDataSet: [...this.subscriptions.values()].map((s) => s.data),
      unitMode: false,
    };
  }

  subscribedTopics(): string[] {
    return [...this.subscriptions.keys()];
  }

  async persistOffsets(final = false): Promise<void> {
    await this.offsets.persist(this.rebalancer.queues(), final);
  }

  async doRebalance(): Promise<void> {
    if (this.state !== 'running') return;
    await this.rebalancer.rebalance(this.subscriptions.keys());
  }

  // pulling

  /** Whether a queue should wait before its next pull (ConsumeMessage*Service flow control). */
  private backoffMillis(pq: ProcessQueue): number {
    const { pullThresholdForQueue, pullThresholdSizeForQueue, consumeConcurrentlyMaxSpan } = this.settings;
    if (pq.cachedCount > pullThresholdForQueue || pq.cachedBytes > pullThresholdSizeForQueue * 1024 * 1024) return BACKOFF_MILLIS;
    if (!this.orderly && pq.span() > consumeConcurrentlyMaxSpan) return BACKOFF_MILLIS;
    if (this.locksQueues && (!pq.locked || pq.lockExpired())) return UNLOCKED_BACKOFF_MILLIS;
    return 0;
  }

  private async pullLoop(pq: ProcessQueue): Promise<void> {
    const clustering = this.rebalanceSettings.messageModel === 'CLUSTERING';
    let retriedAtOnce = false;
    while (!pq.dropped && this.state === 'running') {
      const backoff = this.backoffMillis(pq);
      if (backoff > 0) {
        await sleep(backoff);
        continue;
      }
      const subscription = this.subscriptions.get(pq.mq.topic);
      if (!subscription) {
        await sleep(this.settings.pullTimeDelayMillsWhenException);
        continue;
      }
      const committed = clustering ? (this.offsets.memoryOffset(pq.mq) ?? 0) : 0;
      const pulling = this.puller.pull(pq, {
        subscription: subscription.data,
        sysFlag: (committed > 0 ? PullSysFlag.COMMIT_OFFSET : 0) | PullSysFlag.SUSPEND,
        commitOffset: committed,
        batchSize: this.settings.pullBatchSize,
        suspendMillis: this.settings.brokerSuspendMaxTimeMillis,
        timeoutMillis: this.settings.brokerSuspendMaxTimeMillis + PULL_RPC_EXTRA_MILLIS,
      });
      pq.pulling = pulling;
      const outcome = await pulling.finally(() => (pq.pulling = undefined));
      // A pull answered during shutdown is not consumed: its messages come again after a restart.
      if (pq.dropped || this.state !== 'running') break;
      if (outcome.kind !== 'pulled') {
        // A new master in the refreshed route (failover) is pulled at once; once only in a row, so
        // a route naming dead brokers in turn cannot make this loop spin.
        const atOnce: boolean = outcome.kind === 'failed' && outcome.retryNow && !retriedAtOnce;
        retriedAtOnce = atOnce;
        if (!atOnce) await sleep(this.settings.pullTimeDelayMillsWhenException);
        continue;
      }
      retriedAtOnce = false;
      const { result, messages } = outcome;
      pq.lastPullTimestamp = Date.now();
      if (result.status === 'FOUND') {
        pq.nextOffset = result.nextBeginOffset;
        for (const message of messages) {
          message.properties[MessageConst.MIN_OFFSET] = String(result.minOffset);
          message.properties[MessageConst.MAX_OFFSET] = String(result.maxOffset);
        }
        if (messages.length > 0) {
          pq.put(messages);
          if (this.orderly) this.orderlyService.submit(pq);
          else this.concurrently.submit(pq, messages);
        } else if (pq.cachedCount === 0) this.offsets.update(pq.mq, result.nextBeginOffset, true);
      } else if (result.status === 'OFFSET_ILLEGAL') {
        this.instance.logger.warn({ mq: pq.mq, offset: pq.nextOffset, next: result.nextBeginOffset }, "pull offset is out of range; moving to the broker's suggestion");
        pq.dropped = true;
        this.rebalancer.processQueues.delete(messageQueueKey(pq.mq));
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

  private listenerFor(topic: string): MessageListener | undefined {
    return this.subscriptions.get(topic)?.listener ?? this.listener;
  }

  // broker → client requests

  async resetOffsets(topic: string, offsets: ReadonlyMap<MessageQueue, number>): Promise<void> {
    // Until the new offsets are stored, no rebalance may start these queues from the old ones.
    this.rebalancer.hold(topic);
    try {
      const dropped = this.rebalancer.dropTopic(topic);
      // A pull sent before the drop carries the old offset as its commitOffset. Apache's broker runs
      // pulls and offset updates on separate thread pools, so it could store that after the reset:
      // wait for the pulls in flight (a held one was committed when it arrived), within a bound.
      // (Java's client sleeps 10 s here.)
      await Promise.race([Promise.allSettled(dropped.map((pq) => pq.pulling)), sleep(RESET_SETTLE_MILLIS)]);
      for (const [mq, offset] of offsets) {
        this.offsets.update(mq, offset, false);
        await this.offsets.persist([mq], true);
      }
      for (const mq of offsets.keys()) this.offsets.remove(mq);
    } finally {
      this.rebalancer.release(topic);
    }
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
      ['messageModel', this.rebalanceSettings.messageModel],
      ['consumeFromWhere', this.rebalanceSettings.consumeFromWhere],
      ['consumerGroup', this.groupName],
      ['clientLanguage', 'NODE'],
    ]);
    const mqTable = new Map<MessageQueue, ProcessQueueInfo>();
    for (const pq of this.rebalancer.processQueues.values()) {
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
    restoreRetryTopic(message, this.groupName);
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
}
