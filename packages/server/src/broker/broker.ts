/**
 * The broker process (BrokerController): opens the store and its config files, serves the
 * handler table on listenPort and on the VIP port (listenPort − 2), registers with every name
 * server every 30 s and after topic changes, keeps the client registry fresh, persists
 * consumer offsets every 5 s, and wakes long polls when messages arrive.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { lowestUnconsumedOffset } from './group/unconsumed-offset.ts';
import {
  createRequest,
  type Connection,
  encodeHeader,
  type HostAddress,
  NotifyConsumerIdsChangedRequestHeader,
  RemotingClient,
  RemotingServer,
  RequestCode,
  type RequestHandler,
  type RequestHook,
  pickLocalAddress,
} from '@rocketmq-ts/protocol';
import {
  configFilePaths,
  ConsumerOffsetManager,
  DelayOffsetManager,
  deliverTimeFromLevels,
  MessageStore,
  SubscriptionGroupManager as SubscriptionGroupFile,
  TimerStore,
  TopicConfigManager as TopicConfigFile,
} from '@rocketmq-ts/store';
import { type ServerLogger, silentServerLogger } from '../common/logger.ts';
import { clientTls, type ServerTls, serverTls } from '../common/tls-config.ts';
import { checkSettings, ConfigError } from '../config/schema.ts';
import { type BrokerConfig, brokerDefaults, brokerSettings, parseDelayLevels } from './broker-config.ts';
import type { ClientChannel } from './client/client-channel.ts';
import { ConsumerManager } from './client/consumer-manager.ts';
import { ConsumerFilterFile, consumerFilterPath } from './filter/consumer-filter-file.ts';
import { ConsumerFilterManager } from './filter/consumer-filter-manager.ts';
import { SelectorCache } from './filter/selector-cache.ts';
import { ProducerManager } from './client/producer-manager.ts';
import { RebalanceLockManager } from './client/rebalance-lock-manager.ts';
import { SubscriptionGroupManager } from './group/subscription-group-manager.ts';
import { brokerHandlerTable } from './handlers/index.ts';
import { type BrokerServices, type BrokerStats, newBrokerStats } from './handlers/services.ts';
import { BrokerStatsManager } from './stats/broker-stats-manager.ts';
import { StoreStatsSampler } from './stats/store-stats-sampler.ts';
import { PullRequestHoldService } from './long-poll/pull-request-hold-service.ts';
import { BrokerOuterApi, parseNamesrvAddr } from './out/broker-outer-api.ts';
import { ScheduleMessageService } from './schedule/schedule-message-service.ts';
import { TimerMessageService } from './schedule/timer-message-service.ts';
import { TopicConfigManager } from './topic/topic-config-manager.ts';
import { Replication, type ReplicationOptions, validateRole } from './ha/replication.ts';
import { checkControllerMode } from './controller/controller-mode.ts';
import { ReplicasManager } from './controller/replicas-manager.ts';
import { TransactionCheckService } from './transaction/check-service.ts';
import { TransactionService } from './transaction/transaction-service.ts';
import { AclParseError, parseAccessResource } from './acl/access-resource.ts';
import { AclDeniedError, PlainPermissionManager } from './acl/plain-permission-manager.ts';
import { GrpcClientRegistry } from './client/grpc-clients.ts';
import { type GrpcEndpoint, startGrpcEndpoint } from './grpc/grpc-endpoint.ts';

/** Spare slots between the roll window and the wheel's end (5.x TIMER_BLANK_SLOTS). */
const TIMER_BLANK_SLOTS = 60;

/** 5.x accepts 100, 200, 500 or 1000 ms, rounding down to one of them. */
function normalizeTimerPrecision(value: number): number {
  const candidates = [100, 200, 500, 1000];
  return candidates.filter((c) => c <= value).pop() ?? 100;
}

export interface BrokerOptions {
  config?: Partial<BrokerConfig>;
  logger?: ServerLogger;
  /** How the port-in-use message names the setting: `listenPort in broker.conf (or --listenPort=<port>)` by default. */
  portHint?: string;
  /** HA client reconnect wait and slave sync period (tests shorten them). */
  replication?: ReplicationOptions;
}

export class Broker {
  readonly config: BrokerConfig;
  private readonly logger: ServerLogger;
  private readonly servers: RemotingServer[] = [];
  private readonly namesrvClient: RemotingClient;
  private readonly outerApi: BrokerOuterApi;
  private readonly timers: NodeJS.Timeout[] = [];
  private services: BrokerServices | undefined;
  private store: MessageStore | undefined;
  private filterFile: ConsumerFilterFile | undefined;
  private files: { topics: TopicConfigFile; groups: SubscriptionGroupFile; offsets: ConsumerOffsetManager; delayOffsets: DelayOffsetManager } | undefined;
  private schedule: ScheduleMessageService | undefined;
  private timerStore: TimerStore | undefined;
  private timer: TimerMessageService | undefined;
  private replication: Replication | undefined;
  private replicas: ReplicasManager | undefined;
  private controllerClient: RemotingClient | undefined;
  private masterServicesOn = false;
  private transactionCheck: TransactionCheckService | undefined;
  private acl: PlainPermissionManager | undefined;
  private requestHook: RequestHook | undefined;
  private serverTls: ServerTls | undefined;
  private grpc: GrpcEndpoint | undefined;
  private registerPending = false;
  private stopped = false;

  private readonly replicationOptions: ReplicationOptions | undefined;
  private readonly portHint: string;

  constructor(options: BrokerOptions = {}) {
    this.config = { ...brokerDefaults, ...options.config };
    this.replicationOptions = options.replication;
    this.portHint = options.portHint ?? 'listenPort in broker.conf (or --listenPort=<port>)';
    if (!options.config?.storePathCommitLog && options.config?.storePathRootDir) {
      this.config.storePathCommitLog = join(options.config.storePathRootDir, 'commitlog');
    }
    this.logger = options.logger ?? silentServerLogger();
    this.namesrvClient = new RemotingClient({ logger: this.logger, tls: clientTls(this.config) });
    this.outerApi = new BrokerOuterApi(this.namesrvClient, this.logger);
  }

  get brokerAddr(): string {
    return `${this.config.brokerIP1}:${this.config.listenPort}`;
  }

  /** The handler services, once started (tests inspect them). */
  get internals(): BrokerServices {
    if (!this.services) throw new Error('the broker is not started');
    return this.services;
  }

  async start(): Promise<void> {
    const config = this.config;
    // The CLI checked text settings already; this catches values given in code.
    const problems = checkSettings(brokerSettings, config);
    if (problems.length > 0) throw new ConfigError(problems);
    if (config.enableControllerMode) {
      checkControllerMode(config);
      // The controller assigns the role and the id; until then this broker takes no writes.
      config.brokerRole = 'SLAVE';
      config.brokerId = -1;
    }
    const role = config.enableControllerMode ? 'SLAVE' : validateRole(config);
    if (role !== 'SLAVE' && config.brokerId !== 0) {
      this.logger.warn({ brokerId: config.brokerId }, `a master's brokerId is always 0 (brokerRole=${role}); using 0`);
      config.brokerId = 0;
    }
    if (!config.brokerIP1) {
      config.brokerIP1 = pickLocalAddress();
      this.logger.info(
        { brokerIP1: config.brokerIP1 },
        'brokerIP1 not set: advertising this address; if clients cannot reach it (sendDefaultImpl call timeout), set brokerIP1 in broker.conf',
      );
    }
    const delayLevels = parseDelayLevels(config.messageDelayLevel);
    this.serverTls = serverTls(config);
    // A certificate is what makes TLS servable; permissive without one (the default) is plain only.
    if (config.serverSelectorThreads > 0 && this.serverTls.secureContext) {
      throw new Error(
        `serverSelectorThreads=${config.serverSelectorThreads} (the I/O thread) serves plain remoting only; with tls.server.mode=${this.serverTls.mode} and a certificate, set serverSelectorThreads=0`,
      );
    }
    if (config.serverSelectorThreads > 1) {
      this.logger.warn({ serverSelectorThreads: config.serverSelectorThreads }, 'rocketmq-ts runs one I/O thread for serverSelectorThreads >= 1 (docs/performance.md, "Cores")');
    }
    if (config.aclEnable) await this.startAcl();
    const store = await MessageStore.open({
      storePathRootDir: config.storePathRootDir,
      storePathCommitLog: config.storePathCommitLog,
      mappedFileSizeCommitLog: config.mappedFileSizeCommitLog,
      mappedFileSizeConsumeQueue: config.mappedFileSizeConsumeQueue,
      maxMessageSize: config.maxMessageSize,
      flushDiskType: config.flushDiskType === 'SYNC_FLUSH' ? 'SYNC_FLUSH' : 'ASYNC_FLUSH',
      flushIntervalCommitLog: config.flushIntervalCommitLog,
      syncFlushTimeout: config.syncFlushTimeout,
      flushIntervalConsumeQueue: config.flushIntervalConsumeQueue,
      checkCRCOnRecover: config.checkCRCOnRecover,
      messageIndexEnable: config.messageIndexEnable,
      maxHashSlotNum: config.maxHashSlotNum,
      maxIndexNum: config.maxIndexNum,
      fileReservedTime: config.fileReservedTime,
      deleteWhen: config.deleteWhen,
      diskMaxUsedSpaceRatio: config.diskMaxUsedSpaceRatio,
      cleanResourceInterval: config.cleanResourceInterval,
      cleanFileForciblyEnable: config.cleanFileForciblyEnable,
      maxTransferBytesOnMessageInMemory: config.maxTransferBytesOnMessageInMemory,
      maxTransferCountOnMessageInMemory: config.maxTransferCountOnMessageInMemory,
      maxTransferBytesOnMessageInDisk: config.maxTransferBytesOnMessageInDisk,
      maxTransferCountOnMessageInDisk: config.maxTransferCountOnMessageInDisk,
      accessMessageInMemoryMaxRatio: config.accessMessageInMemoryMaxRatio,
      deliverTimeOf: deliverTimeFromLevels(delayLevels),
      restoreConfirmOffset: config.enableControllerMode,
      logger: this.logger,
    });
    this.store = store;
    const paths = configFilePaths(config.storePathRootDir);
    const files = {
      topics: await TopicConfigFile.load(paths.topics, { logger: this.logger }),
      groups: await SubscriptionGroupFile.load(paths.subscriptionGroup, { logger: this.logger }),
      offsets: await ConsumerOffsetManager.load(paths.consumerOffset, { logger: this.logger }),
      delayOffsets: await DelayOffsetManager.load(paths.delayOffset, { logger: this.logger }),
    };
    this.files = files;
    store.retention.setUnconsumedOffsetProbe(() => lowestUnconsumedOffset(store, files.offsets));

    const topics = new TopicConfigManager(config, files.topics, (change) => {
      this.logger.info(change, 'topic changed');
      this.scheduleRegister();
    });
    const groups = new SubscriptionGroupManager(files.groups, () => config.autoCreateSubscriptionGroup);
    const consumers = new ConsumerManager((group, members) => this.notifyConsumerIdsChanged(group, members));
    const producers = new ProducerManager();
    const stats: BrokerStats = newBrokerStats();
    const statsManager = new BrokerStatsManager({ clusterName: config.brokerClusterName });
    const storeStats = new StoreStatsSampler(() => ({ put: stats.putMessages, getFound: stats.getFound, getMiss: stats.getMisses, getTransfered: stats.getMessages }));
    const hold = new PullRequestHoldService((topic, queueId) => store.getMaxOffsetInQueue(topic, queueId), config.longPollingEnable ? 5_000 : config.shortPollingTimeMills);
    const storeHost: HostAddress = { address: config.brokerIP1, port: config.listenPort };
    const transactions = new TransactionService({ store, topics, storeHost, logger: this.logger, brokerRole: () => config.brokerRole });
    const selectors = new SelectorCache();
    const filters = new ConsumerFilterManager(selectors, this.logger);
    this.filterFile = await ConsumerFilterFile.load(consumerFilterPath(config.storePathRootDir), filters, { logger: this.logger });
    const services: BrokerServices = {
      config,
      store,
      topics,
      groups,
      consumers,
      producers,
      locks: new RebalanceLockManager(config.rebalanceLockMaxLiveTime),
      offsets: files.offsets,
      delayOffsets: files.delayOffsets,
      hold,
      transactions,
      filters,
      selectors,
      logger: this.logger,
      storeHost,
      stats,
      statsManager,
      storeStats,
      delayLevels,
      registerBrokerAll: () => this.registerBrokerAll(),
      startTimestamp: Date.now(),
      grpcClients: new GrpcClientRegistry(() => config.channelExpiredTimeout),
      acl: this.acl,
    };
    this.services = services;
    statsManager.start();
    storeStats.start();
    const replication = new Replication(config, store, this.namesrvClient, { topics: files.topics, offsets: files.offsets, delayOffsets: files.delayOffsets, groups: files.groups }, this.logger, this.replicationOptions);
    this.replication = replication;
    services.replication = replication;
    store.onMessageArriving((topic, queueId, maxOffset, tagsCode) => hold.notifyMessageArriving(topic, queueId, maxOffset, tagsCode));
    hold.start();
    if (role !== 'SLAVE') await this.masterServices(true);

    const handlers = brokerHandlerTable(services);
    await this.listen(config.listenPort, handlers, config.serverSelectorThreads > 0);
    const fastPort = config.fastListenPort === 0 ? config.listenPort - 2 : config.fastListenPort;
    if (fastPort > 0) {
      // The VIP channel serves everything but pulls, as in RocketMQ.
      const vip = new Map<number, RequestHandler>([...handlers].filter(([code]) => code !== RequestCode.PULL_MESSAGE));
      await this.listen(fastPort, vip);
    }
    // As BrokerStartup: the HA port is always listenPort + 1.
    if (config.haListenPort !== 0 && config.haListenPort !== config.listenPort + 1) {
      this.logger.warn({ haListenPort: config.haListenPort }, 'haListenPort is always listenPort + 1 (as in Apache RocketMQ); the configured value is ignored');
    }
    config.haListenPort = config.listenPort + 1;
    await replication.start({
      masterServices: (on) => this.masterServices(on),
      proposeInSyncSet: (ids) => void this.replicas?.alterSyncStateSet(ids),
      registerNow: () => void this.registerBrokerAll(),
    });
    if (config.enableControllerMode) this.startReplicasManager(replication, services);
    // v5 clients consume by POP, which changes state: masters only. Under a controller the role
    // changes at run time, so the endpoint serves throughout and answers as a follower meanwhile.
    if (config.grpcServerPort >= 0 && (role !== 'SLAVE' || config.enableControllerMode)) this.grpc = await startGrpcEndpoint(services, handlers, this.serverTls, this.outerApi);

    this.every(10_000, () => this.scanNotActiveClients());
    this.every(config.flushConsumerOffsetInterval, () => {
      if (files.offsets.takeDirty()) void files.offsets.persist();
    });
    this.every(Math.min(Math.max(config.registerNameServerPeriod, 10_000), 60_000), () => void this.registerBrokerAll());
    await this.registerBrokerAll();
    this.logger.info({ brokerName: config.brokerName, addr: this.brokerAddr, namesrvAddr: config.namesrvAddr }, 'the broker boot success');
  }

  /**
   * Delayed and timer messages are re-put, and half messages checked, by the master only; a
   * slave gets the results replicated. Under a controller they follow the role.
   */
  private async masterServices(on: boolean): Promise<void> {
    const services = this.services;
    const store = this.store;
    if (!services || !store || on === this.masterServicesOn) return;
    this.masterServicesOn = on;
    const config = this.config;
    if (on) {
      this.schedule = new ScheduleMessageService(store, services.delayOffsets, services.delayLevels, this.logger);
      this.schedule.start(config.flushDelayOffsetInterval);
      await this.startTimer(store);
      await services.transactions.recover();
      this.transactionCheck = new TransactionCheckService(services.transactions, services.offsets, services.producers, () => config, services.storeHost, this.logger);
      this.transactionCheck.start();
      return;
    }
    await this.transactionCheck?.stop();
    await this.schedule?.stop();
    await this.timer?.stop();
    await this.timerStore?.close();
    this.transactionCheck = undefined;
    this.schedule = undefined;
    this.timer = undefined;
    this.timerStore = undefined;
  }

  /** Controller mode: the controller client, and the two codes it pushes or a slave asks. */
  private startReplicasManager(replication: Replication, services: BrokerServices): void {
    this.controllerClient = new RemotingClient({ logger: this.logger });
    const replicas = new ReplicasManager(
      this.config,
      this.brokerAddr,
      this.controllerClient,
      {
        becomeMaster: (epoch, id, set) => replication.becomeMaster(epoch, id, set),
        becomeSlave: (addr, epoch, id) => replication.becomeSlave(addr, epoch, id),
        syncStateSetChanged: (set) => replication.setInSyncSet(set),
        get lastEpoch() {
          return replication.lastEpoch;
        },
        get maxPhyOffset() {
          return replication.status().maxPhyOffset;
        },
        get confirmOffset() {
          return replication.confirmOffset;
        },
      },
      this.logger,
    );
    this.replicas = replicas;
    services.controllerMode = {
      onRoleChangeNotified: (request) => replicas.onRoleChangeNotified(request),
      epochCacheBody: () => Buffer.from(JSON.stringify(replication.epochCache())),
      runtimeEntries: () => {
        const state = replicas.status();
        const confirmed = replication.status().controller?.inSyncSet ?? state.syncStateSet;
        return [
          ['controllerLeader', state.controllerLeader ?? ''],
          ['controllerAddr', state.controllerAddr.join(';')],
          ['brokerControllerId', String(state.brokerControllerId ?? -1)],
          ['masterEpoch', String(state.masterEpoch)],
          ['inSyncReplicas', confirmed.join(',')],
          ['confirmOffset', String(replication.confirmOffset)],
          ['epochs', replication.epochCache().epochList.map((e) => `${e.epoch}@${e.startOffset}`).join(',')],
        ];
      },
    };
    replicas.start();
  }

  /** Controller mode state (console, tests). */
  get replicasManager(): ReplicasManager | undefined {
    return this.replicas;
  }

  /** Loads plain_acl.yml (refusing to start when it is missing or invalid), watches it, and checks every request on both ports. */
  private async startAcl(): Promise<void> {
    const acl = await PlainPermissionManager.load(aclFilePath(this.config), this.logger);
    acl.watch();
    this.acl = acl;
    this.requestHook = (ctx, request) => {
      try {
        acl.validate(parseAccessResource(request, ctx.remoteAddress));
      } catch (error) {
        const denied = error instanceof AclParseError ? new AclDeniedError(error.message) : error;
        if (denied instanceof AclDeniedError) this.logger.debug({ peer: ctx.remoteAddress, code: request.code, reason: denied.reason }, 'request refused by ACL');
        throw denied;
      }
    };
  }

  /** ACL state (tests and the console's status). */
  get aclManager(): PlainPermissionManager | undefined {
    return this.acl;
  }

  /** The 5.x timer wheel (timer messages), its files beside the commit log's root. */
  private async startTimer(store: MessageStore): Promise<void> {
    const config = this.config;
    const precisionMs = normalizeTimerPrecision(config.timerPrecisionMs);
    const rollWindowSlots = Math.max(2, config.timerRollWindowSlot);
    this.timerStore = await TimerStore.open({ storePathRootDir: config.storePathRootDir, precisionMs, slotCount: rollWindowSlots + TIMER_BLANK_SLOTS, mappedFileSizeTimerLog: config.mappedFileSizeTimerLog });
    this.timer = new TimerMessageService(store, this.timerStore, { rollWindowSlots, flushIntervalMs: config.timerFlushIntervalMs }, this.logger);
    this.timer.start();
  }

  /** The store, once started (tests compare replicated bytes). */
  get messageStore(): MessageStore | undefined {
    return this.store;
  }

  /** Replication role and state, once started. */
  get replicationService(): Replication | undefined {
    return this.replication;
  }

  /** The transaction check-back loop (tests run a pass on demand). */
  get transactionCheckService(): TransactionCheckService | undefined {
    return this.transactionCheck;
  }

  /** The v5 gRPC endpoint, when serving (tests read its port and POP state). */
  get grpcEndpoint(): GrpcEndpoint | undefined {
    return this.grpc;
  }

  /** Timer-wheel figures (tests, benchmarks). */
  get timerService(): TimerMessageService | undefined {
    return this.timer;
  }

  private async listen(port: number, handlers: Map<number, RequestHandler>, ioThread = false): Promise<void> {
    const server = new RemotingServer({
      ioThread,
      handlers,
      beforeRequest: this.requestHook,
      // The I/O thread is plain remoting only; a TLS mode other than disabled is refused at start.
      tls: ioThread ? undefined : this.serverTls,
      logger: this.logger,
      maxFrameLength: this.config.maxFrameLength,
      maxInboundBytes: this.config.serverMaxInboundBytes,
      maxRequestsPerTurn: this.config.serverMaxRequestsPerTurn,
      idleTimeoutMillis: this.config.serverChannelMaxIdleTimeSeconds * 1000,
    });
    server.on('disconnect', (connection) => this.onDisconnect(connection));
    try {
      const address = await server.listen(port, this.config.bindAddress);
      if (port === 0 && this.servers.length === 0) this.config.listenPort = address.port;
    } catch (error) {
      throw new Error(
        `the broker cannot listen on ${this.config.bindAddress}:${port}: ${(error as Error).message}; another broker may be running — ` +
          `choose another port with ${this.portHint} (the VIP port listenPort − 2 must be free too, or set fastListenPort=-1)`,
        { cause: error },
      );
    }
    this.servers.push(server);
  }

  private every(millis: number, task: () => void): void {
    const timer = setInterval(task, millis);
    timer.unref();
    this.timers.push(timer);
  }

  private onDisconnect(connection: Connection): void {
    const services = this.services;
    if (!services) return;
    services.producers.onConnectionClosed(connection);
    services.consumers.onConnectionClosed(connection, (group) => this.config.notifyConsumerIdsChangedEnable && (services.groups.get(group)?.notifyConsumerIdsChangedEnable ?? true));
  }

  private scanNotActiveClients(): void {
    const services = this.services;
    if (!services) return;
    const expired = new Set([...services.consumers.expiredConnections(this.config.channelExpiredTimeout), ...services.producers.expiredConnections(this.config.channelExpiredTimeout)]);
    for (const connection of expired) {
      this.logger.warn({ peer: connection.remoteAddress }, 'client silent for 120 s: closing its connection');
      connection.close('no heartbeat for 120 s');
    }
  }

  private notifyConsumerIdsChanged(group: string, members: ClientChannel[]): void {
    for (const member of members) {
      if (member.connection.closed) continue;
      try {
        member.connection.oneway(createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { extFields: encodeHeader(NotifyConsumerIdsChangedRequestHeader, { consumerGroup: group }) }));
      } catch (error) {
        this.logger.debug({ group, clientId: member.clientId, err: (error as Error).message }, 'cannot notify a consumer');
      }
    }
  }

  private scheduleRegister(): void {
    if (this.registerPending) return;
    this.registerPending = true;
    setImmediate(() => {
      this.registerPending = false;
      void this.registerBrokerAll();
    });
  }

  async registerBrokerAll(): Promise<void> {
    const services = this.services;
    if (!services || this.stopped) return;
    const namesrvAddrs = parseNamesrvAddr(this.config.namesrvAddr);
    // Controller mode: no route before the controller has named this broker's role.
    if (namesrvAddrs.length === 0 || this.config.brokerId < 0) return;
    const topics = services.topics.registrationWrapper(this.config.brokerPermission);
    // Controller mode: the master epoch as stateVersion, so a name server keeps the newest
    // master's registration for brokerId 0 against a stale master's (docs/failover.md).
    if (this.config.enableControllerMode && this.replication) topics.dataVersion.stateVersion = this.replication.masterEpoch;
    const results = await this.outerApi.registerBrokerAll(namesrvAddrs, this.identity(), topics, this.config.registerBrokerTimeoutMills);
    this.replication?.onRegistered(results);
    if (results.length === 0) {
      this.logger.error({ namesrvAddr: this.config.namesrvAddr }, 'no name server accepted the registration: clients will get "No route info of this topic"');
    }
  }

  private identity() {
    return {
      clusterName: this.config.brokerClusterName,
      brokerName: this.config.brokerName,
      brokerId: this.config.brokerId,
      brokerAddr: this.brokerAddr,
      haServerAddr: `${this.config.brokerIP2 || this.config.brokerIP1}:${this.config.listenPort + 1}`,
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.acl?.stop();
    await this.replicas?.stop();
    await this.controllerClient?.close();
    await this.replication?.stop();
    this.services?.hold.stop();
    this.services?.statsManager.stop();
    this.services?.storeStats.stop();
    await this.transactionCheck?.stop();
    await this.schedule?.stop();
    await this.timer?.stop();
    await this.timerStore?.close();
    const namesrvAddrs = parseNamesrvAddr(this.config.namesrvAddr);
    if (namesrvAddrs.length > 0 && this.config.brokerId >= 0) await this.outerApi.unregisterBrokerAll(namesrvAddrs, this.identity());
    await this.namesrvClient.close();
    await this.grpc?.close();
    for (const server of this.servers) await server.close();
    if (this.files) {
      await this.files.offsets.persist();
      await this.files.topics.persist();
      await this.files.groups.persist();
    }
    await this.filterFile?.close();
    await this.store?.close();
  }
}

/** Apache's -Drocketmq.acl.plain.file: under ROCKETMQ_HOME unless absolute; default conf/plain_acl.yml. */
export function aclFilePath(config: BrokerConfig): string {
  const file = config['rocketmq.acl.plain.file'] || join('conf', 'plain_acl.yml');
  return isAbsolute(file) ? file : resolve(config.rocketmqHome || '.', file);
}
