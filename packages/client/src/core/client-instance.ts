/**
 * What producers and consumers share (MQClientInstance.java): the connections, the name server
 * in use, the route cache refreshed every 30 s, heartbeats to every broker, and the handlers
 * for requests brokers send to clients. Each producer or consumer owns one instance, so two
 * consumers of one group in one process get distinct client ids and split queues correctly.
 */
import {
  type ConsumeMessageDirectlyResult,
  type ConsumerData,
  type ConsumerRunningInfo,
  ConsumeMessageDirectlyResultRequestHeader,
  createResponse,
  decodeHeader,
  decodeResetOffsetBody,
  encodeConsumeMessageDirectlyResult,
  encodeConsumerRunningInfo,
  GetConsumerRunningInfoRequestHeader,
  type HandlerTable,
  type Logger,
  type MessageQueue,
  NotifyConsumerIdsChangedRequestHeader,
  RemotingClient,
  RequestCode,
  type RemotingCommand,
  type RequestHandler,
  ResetOffsetRequestHeader,
  ResponseCode,
  signRequest,
  silentLogger,
  type SubscriptionData,
  type TopicRouteData,
} from '@rocketmq-ts/protocol';
import { MQClientError } from '../errors.ts';
import type { MessageExt } from '../message.ts';
import type { ResolvedClientOptions } from '../options.ts';
import { ClientApi } from './client-api.ts';
import { decodeMessage } from './received-message.ts';

/** What a consumer exposes to the instance. */
export interface ConsumerMember {
  readonly groupName: string;
  consumerData(): ConsumerData;
  subscribedTopics(): string[];
  doRebalance(): Promise<void>;
  persistOffsets(): Promise<void>;
  resetOffsets(topic: string, offsets: ReadonlyMap<MessageQueue, number>): Promise<void>;
  runningInfo(): ConsumerRunningInfo;
  consumeDirectly(message: MessageExt): Promise<ConsumeMessageDirectlyResult>;
}

let instanceCounter = 0;

export class ClientInstance {
  readonly clientId: string;
  readonly remoting: RemotingClient;
  readonly api: ClientApi;
  readonly logger: Logger;
  private readonly routes = new Map<string, TopicRouteData>();
  /** brokerName → brokerId → address, from every route seen. */
  private readonly brokerAddrs = new Map<string, Map<number, string>>();
  /** heartbeatNow: the last one per broker address. */
  private readonly heartbeatsNow = new Map<string, { at: number; done: Promise<boolean> }>();
  private readonly producerGroups = new Set<string>();
  private consumer: ConsumerMember | undefined;
  private readonly publishTopics = new Set<string>();
  private namesrvIndex: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private started = false;
  private transactionCheck: ((request: RemotingCommand, brokerAddr: string) => void) | undefined;
  private rebalancing: Promise<void> | undefined;
  private rebalanceAgain = false;

  constructor(
    readonly options: ResolvedClientOptions,
    /** Whether the instance name becomes the process id (producers and clustering consumers). */
    uniqueInstance: boolean,
  ) {
    const instance = uniqueInstance && options.instanceName === 'DEFAULT' ? `${process.pid}#${++instanceCounter}` : options.instanceName;
    this.clientId = `${options.clientIP}@${instance}`;
    this.logger = options.logger ?? silentLogger;
    const credentials = options.credentials;
    this.remoting = new RemotingClient({
      handlers: this.handlers(),
      logger: this.logger,
      idleTimeoutMillis: 120_000,
      tls: options.tls,
      beforeRequest: credentials ? (_addr, request) => signRequest(request, credentials) : undefined,
    });
    this.api = new ClientApi(this.remoting);
    this.namesrvIndex = Math.floor(Math.random() * options.namesrvAddrs.length);
  }

  /** Where CHECK_TRANSACTION_STATE requests go (a TransactionProducer); without one they are ignored. */
  onTransactionCheck(handler: (request: RemotingCommand, brokerAddr: string) => void): void {
    this.transactionCheck = handler;
  }

  registerProducer(group: string): void {
    this.producerGroups.add(group);
  }

  registerConsumer(consumer: ConsumerMember): void {
    this.consumer = consumer;
  }

  addPublishTopic(topic: string): void {
    this.publishTopics.add(topic);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const every = (millis: number, task: () => Promise<unknown>) => {
      const timer = setInterval(() => void task().catch((error: unknown) => this.logger.warn({ err: String(error) }, 'periodic task failed')), millis);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.pollNameServerInterval, () => this.refreshAllRoutes());
    every(this.options.heartbeatBrokerInterval, () => this.sendHeartbeatToAllBrokers());
  }

  /** Adds a periodic task that stops with the instance. */
  schedule(millis: number, task: () => Promise<unknown>): void {
    const timer = setInterval(() => void task().catch((error: unknown) => this.logger.warn({ err: String(error) }, 'periodic task failed')), millis);
    timer.unref();
    this.timers.push(timer);
  }

  async shutdown(): Promise<void> {
    if (!this.started) {
      await this.remoting.close();
      return;
    }
    this.started = false;
    for (const timer of this.timers) clearInterval(timer);
    const groups: { producerGroup?: string; consumerGroup?: string }[] = [
      ...[...this.producerGroups].map((producerGroup) => ({ producerGroup })),
      ...(this.consumer ? [{ consumerGroup: this.consumer.groupName }] : []),
    ];
    await Promise.allSettled(
      this.allBrokerAddrs().flatMap((addr) => groups.map((group) => this.api.unregisterClient(addr, this.clientId, group, this.options.requestTimeoutMillis))),
    );
    await this.remoting.close();
  }

  get namesrvAddrs(): readonly string[] {
    return this.options.namesrvAddrs;
  }

  /** Asks the name servers in turn, starting with the one in use, until one answers. */
  async fetchRoute(topic: string): Promise<TopicRouteData | undefined> {
    const addrs = this.options.namesrvAddrs;
    let lastError: unknown;
    for (let attempt = 0; attempt < addrs.length; attempt++) {
      const addr = addrs[(this.namesrvIndex + attempt) % addrs.length]!;
      try {
        const route = await this.api.getTopicRoute(addr, topic, this.options.requestTimeoutMillis);
        this.namesrvIndex = (this.namesrvIndex + attempt) % addrs.length;
        return route;
      } catch (error) {
        lastError = error;
        this.logger.warn({ namesrv: addr, topic, err: String(error) }, 'name server did not answer; trying the next');
      }
    }
    throw new MQClientError(`no name server answered for topic ${topic} (${addrs.join(', ')}); check namesrvAddr and that a name server runs there`, {
      cause: lastError,
      retriable: true,
    });
  }

  /** Fetches and caches a topic's route; undefined when no name server knows the topic. */
  async updateRoute(topic: string): Promise<TopicRouteData | undefined> {
    const route = await this.fetchRoute(topic);
    if (!route) return undefined;
    this.routes.set(topic, route);
    const known = new Set(this.allBrokerAddrs());
    for (const broker of route.brokerDatas) {
      const addrs = this.brokerAddrs.get(broker.brokerName) ?? new Map<number, string>();
      for (const [id, addr] of broker.brokerAddrs) addrs.set(id, addr);
      this.brokerAddrs.set(broker.brokerName, addrs);
    }
    // A broker learnt of now hears from this client at once, not at the next 30 s heartbeat, so
    // consoles and admin tools see a new producer group as soon as it first sends.
    const added = this.allBrokerAddrs().filter((addr) => !known.has(addr));
    if (this.started && added.length > 0) void this.heartbeatTo(added);
    return route;
  }

  route(topic: string): TopicRouteData | undefined {
    return this.routes.get(topic);
  }

  async routeOf(topic: string): Promise<TopicRouteData | undefined> {
    return this.routes.get(topic) ?? (await this.updateRoute(topic));
  }

  private async refreshAllRoutes(): Promise<void> {
    const topics = new Set([...this.publishTopics, ...(this.consumer?.subscribedTopics() ?? [])]);
    for (const topic of topics) {
      await this.updateRoute(topic).catch((error: unknown) => this.logger.warn({ topic, err: String(error) }, 'route refresh failed'));
    }
  }

  /** The master's address (brokerId 0), through the VIP port when enabled. */
  masterAddr(brokerName: string, vip = false): string | undefined {
    const addr = this.brokerAddrs.get(brokerName)?.get(0);
    if (!addr || !vip || !this.options.vipChannelEnabled) return addr;
    const separator = addr.lastIndexOf(':');
    return `${addr.slice(0, separator)}:${Number(addr.slice(separator + 1)) - 2}`;
  }

  /** Any address of the broker, master first. */
  brokerAddr(brokerName: string): string | undefined {
    const addrs = this.brokerAddrs.get(brokerName);
    if (!addrs) return undefined;
    return addrs.get(0) ?? [...addrs.values()][0];
  }

  private allBrokerAddrs(): string[] {
    const all = new Set<string>();
    for (const addrs of this.brokerAddrs.values()) {
      for (const [id, addr] of addrs) if (id === 0 || this.consumer) all.add(addr);
    }
    return [...all];
  }

  /**
   * Asks every known broker whether it can serve each non-tag subscription
   * (MQClientInstance.checkClientInBroker): a broker without enablePropertyFilter, or one that
   * cannot compile the expression, fails the consumer's start instead of leaving it unfiltered.
   */
  async checkClientInBroker(group: string, subscriptions: readonly SubscriptionData[]): Promise<void> {
    for (const subscriptionData of subscriptions) {
      if (!subscriptionData.expressionType || subscriptionData.expressionType === 'TAG') continue;
      for (const addr of this.allBrokerAddrs()) {
        await this.api.checkClientConfig(addr, { clientId: this.clientId, group, subscriptionData }, this.options.requestTimeoutMillis);
      }
    }
  }

  async sendHeartbeatToAllBrokers(): Promise<void> {
    await this.heartbeatTo(this.allBrokerAddrs());
  }

  /**
   * A heartbeat to one broker now, for a broker that refused a pull for want of one; at most one
   * per broker per second, shared by the callers meanwhile. Resolves whether it was accepted.
   */
  heartbeatNow(addr: string): Promise<boolean> {
    const last = this.heartbeatsNow.get(addr);
    if (last && Date.now() - last.at < 1_000) return last.done;
    const done = this.heartbeatTo([addr]).then((accepted) => accepted === 1);
    this.heartbeatsNow.set(addr, { at: Date.now(), done });
    return done;
  }

  /** Heartbeats never reject: a failure is logged and the next round tries again. Resolves how many brokers accepted it. */
  private async heartbeatTo(addrs: readonly string[]): Promise<number> {
    const data = {
      clientID: this.clientId,
      producerDataSet: [...this.producerGroups].map((groupName) => ({ groupName })),
      consumerDataSet: this.consumer ? [this.consumer.consumerData()] : [],
    };
    if (data.producerDataSet.length === 0 && data.consumerDataSet.length === 0) return 0;
    const accepted = await Promise.all(
      addrs.map((addr) =>
        this.api.heartbeat(addr, data, this.options.requestTimeoutMillis).then(
          () => true,
          (error: unknown) => {
            this.logger.warn({ broker: addr, err: String(error) }, 'heartbeat failed');
            return false;
          },
        ),
      ),
    );
    return accepted.filter(Boolean).length;
  }

  /** Runs a rebalance now; calls during one run one more afterwards. */
  rebalanceNow(): Promise<void> {
    if (!this.consumer) return Promise.resolve();
    if (this.rebalancing) {
      this.rebalanceAgain = true;
      return this.rebalancing;
    }
    const consumer = this.consumer;
    this.rebalancing = (async () => {
      do {
        this.rebalanceAgain = false;
        await consumer.doRebalance().catch((error: unknown) => this.logger.warn({ err: String(error) }, 'rebalance failed'));
      } while (this.rebalanceAgain && this.started);
    })().finally(() => {
      this.rebalancing = undefined;
    });
    return this.rebalancing;
  }

  private handlers(): HandlerTable {
    const table = new Map<number, RequestHandler>();
    // Oneway: the answer is a separate END_TRANSACTION once the checker has decided.
    table.set(RequestCode.CHECK_TRANSACTION_STATE, (ctx, request) => {
      if (this.transactionCheck) this.transactionCheck(request, ctx.remoteAddress);
      else this.logger.debug({ broker: ctx.remoteAddress }, 'CHECK_TRANSACTION_STATE for a client without a TransactionProducer: ignored');
    });
    table.set(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (_ctx, request) => {
      const { consumerGroup } = decodeHeader(NotifyConsumerIdsChangedRequestHeader, request.extFields);
      this.logger.info({ group: consumerGroup }, 'consumer ids changed; rebalancing');
      void this.rebalanceNow();
    });
    table.set(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, async (_ctx, request) => {
      const header = decodeHeader(ResetOffsetRequestHeader, request.extFields);
      const consumer = this.consumer;
      if (consumer && consumer.groupName === header.group) {
        await consumer.resetOffsets(header.topic, decodeResetOffsetBody(request.body).offsetTable);
      }
      return createResponse(request, ResponseCode.SUCCESS);
    });
    table.set(RequestCode.GET_CONSUMER_RUNNING_INFO, (_ctx, request) => {
      const header = decodeHeader(GetConsumerRunningInfoRequestHeader, request.extFields);
      const consumer = this.consumer;
      if (!consumer || consumer.groupName !== header.consumerGroup) {
        return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `the consumer group ${header.consumerGroup} is not in client ${this.clientId}` });
      }
      return createResponse(request, ResponseCode.SUCCESS, { body: encodeConsumerRunningInfo(consumer.runningInfo()) });
    });
    table.set(RequestCode.CONSUME_MESSAGE_DIRECTLY, async (_ctx, request) => {
      const header = decodeHeader(ConsumeMessageDirectlyResultRequestHeader, request.extFields);
      const consumer = this.consumer;
      if (!consumer || consumer.groupName !== header.consumerGroup || !request.body) {
        return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `the consumer group ${header.consumerGroup} is not in client ${this.clientId}` });
      }
      const result = await consumer.consumeDirectly(decodeMessage(request.body, header.brokerName ?? ''));
      return createResponse(request, ResponseCode.SUCCESS, { body: encodeConsumeMessageDirectlyResult(result) });
    });
    return table;
  }
}
