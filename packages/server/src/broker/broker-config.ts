/**
 * Broker settings with RocketMQ's key names (BrokerConfig, MessageStoreConfig,
 * NettyServerConfig) and their 4.8 defaults, in one place. A user's broker.conf works as is;
 * keys we do not implement are reported at startup rather than silently dropped.
 * Durations are milliseconds unless the name says otherwise; sizes are bytes.
 */
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

const storeRoot = join(homedir(), 'store');

export const brokerDefaults = {
  // identity and cluster
  brokerClusterName: 'DefaultCluster',
  brokerName: hostname(),
  brokerId: 0,
  /** Address advertised to clients and the name server; empty = pick one (logged). */
  brokerIP1: '',
  /** HA address for slaves; empty = brokerIP1. */
  brokerIP2: '',
  brokerRole: 'ASYNC_MASTER',
  brokerPermission: 6,
  namesrvAddr: process.env.NAMESRV_ADDR ?? '',
  regionId: 'DefaultRegion',
  traceOn: true,
  rocketmqHome: process.env.ROCKETMQ_HOME ?? '',

  // network
  listenPort: 10911,
  /** The VIP channel (RocketMQ: listenPort − 2); 0 = listenPort − 2, −1 = off. */
  fastListenPort: 0,
  /** Apache overwrites it with listenPort + 1 at start; so do we (a configured value is ignored, with a warning). */
  haListenPort: 0,
  bindAddress: '0.0.0.0',
  /** The v5 gRPC endpoint (MessagingService, as Apache's proxy: 8081); 0 = any free port, −1 = off. Masters only. */
  grpcServerPort: 8081,
  serverChannelMaxIdleTimeSeconds: 120,
  maxFrameLength: 16 * 1024 * 1024,

  // replication (MessageStoreConfig ha*; brokerRole above)
  /** The master's HA address (host:port) for a SLAVE; empty = the one the name server returns on registration. */
  haMasterAddress: '',
  /** A slave reports its offset (and a master sends an empty frame) at least this often. */
  haSendHeartbeatInterval: 5_000,
  /** An HA connection with nothing read this long is closed. */
  haHousekeepingInterval: 20_000,
  /** Most bytes in one HA transfer frame. */
  haTransferBatchSize: 32 * 1024,
  /** SYNC_MASTER: a slave this many bytes behind counts as not available. */
  haSlaveFallbehindMax: 256 * 1024 * 1024,

  // registration
  registerNameServerPeriod: 30_000,
  registerBrokerTimeoutMills: 6_000,
  forceRegister: true,
  compressedRegister: false,

  // topics and groups
  autoCreateTopicEnable: true,
  defaultTopicQueueNums: 8,
  autoCreateSubscriptionGroup: true,
  clusterTopicEnable: true,
  brokerTopicEnable: true,
  traceTopicEnable: false,
  msgTraceTopicName: 'RMQ_SYS_TRACE_TOPIC',
  notifyConsumerIdsChangedEnable: true,
  rejectTransactionMessage: false,
  storeReplyMessageEnable: true,

  // store
  storePathRootDir: storeRoot,
  storePathCommitLog: join(storeRoot, 'commitlog'),
  mappedFileSizeCommitLog: 1024 * 1024 * 1024,
  mappedFileSizeConsumeQueue: 300_000 * 20,
  maxMessageSize: 4 * 1024 * 1024,
  flushDiskType: 'ASYNC_FLUSH',
  flushIntervalCommitLog: 500,
  syncFlushTimeout: 5_000,
  flushIntervalConsumeQueue: 1_000,
  flushConsumerOffsetInterval: 5_000,
  flushDelayOffsetInterval: 10_000,
  checkCRCOnRecover: true,
  messageIndexEnable: true,
  maxHashSlotNum: 5_000_000,
  maxIndexNum: 20_000_000,
  deleteWhen: '04',
  fileReservedTime: 72,
  diskMaxUsedSpaceRatio: 75,
  cleanResourceInterval: 10_000,
  messageDelayLevel: '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h',
  // 5.x timer messages (MessageStoreConfig.timer*)
  /** Accept TIMER_DELIVER_MS / TIMER_DELAY_MS / TIMER_DELAY_SEC messages. */
  timerWheelEnable: true,
  /** Width of a wheel slot (100, 200, 500 or 1000, as 5.x); delivery is at the exact ms regardless. */
  timerPrecisionMs: 1000,
  /** Longest accepted delay. 5.x: 3 days; ours: 40 days. */
  timerMaxDelaySec: 3600 * 24 * 40,
  /** Slots the wheel looks ahead; farther timers roll (re-appended) when the last slot comes round. Keep slots × precision below fileReservedTime. */
  timerRollWindowSlot: 3600 * 24 * 2,
  /** How often buffered timer-log records are written. */
  timerFlushIntervalMs: 1000,
  /** Size of one timer-log segment file; a segment is deleted once every timer in it has fired. */
  mappedFileSizeTimerLog: 64 * 1024 * 1024,
  maxTransferBytesOnMessageInMemory: 256 * 1024,
  maxTransferCountOnMessageInMemory: 32,
  maxTransferBytesOnMessageInDisk: 64 * 1024,
  maxTransferCountOnMessageInDisk: 8,
  accessMessageInMemoryMaxRatio: 40,
  defaultQueryMaxNum: 32,

  // consumption
  longPollingEnable: true,
  shortPollingTimeMills: 1_000,
  slaveReadEnable: false,
  /** Serve SQL92 subscriptions (MessageSelector.bySql); off, they are refused with SYSTEM_ERROR as in Apache. */
  enablePropertyFilter: false,
  /** Judge %RETRY% messages by the SQL92 filter of the topic they came from (off: retries are delivered unfiltered). */
  filterSupportRetry: false,
  /** Clients silent this long are dropped (ClientHousekeepingService: 120 s). */
  channelExpiredTimeout: 120_000,
  /** A queue lock of an orderly consumer lasts this long (rocketmq.broker.rebalance.lockMaxLiveTime). */
  rebalanceLockMaxLiveTime: 60_000,

  // transactions
  transactionTimeOut: 6_000,
  transactionCheckMax: 15,
  transactionCheckInterval: 60_000,

  // overload protection: beyond this many requests waiting, answer SYSTEM_BUSY
  sendThreadPoolQueueCapacity: 10_000,
  pullThreadPoolQueueCapacity: 100_000,
  /** LITE_PULL_MESSAGE (the 5.x lite pull consumer) served; false answers NO_PERMISSION, as Apache 5.x. */
  litePullMessageEnable: true,
};

export type BrokerConfig = typeof brokerDefaults;

/** What `mqbroker -m` prints: the settings people change. */
export const importantBrokerKeys: (keyof BrokerConfig)[] = [
  'brokerClusterName',
  'brokerName',
  'brokerId',
  'brokerIP1',
  'brokerRole',
  'haMasterAddress',
  'namesrvAddr',
  'listenPort',
  'storePathRootDir',
  'storePathCommitLog',
  'flushDiskType',
  'autoCreateTopicEnable',
  'autoCreateSubscriptionGroup',
  'deleteWhen',
  'fileReservedTime',
  'maxMessageSize',
];

/** Older RocketMQ releases (and many tutorials) spell these with one p; 4.8 reads mapped…. */
export const brokerKeyAliases: Record<string, keyof BrokerConfig> = {
  mapedFileSizeCommitLog: 'mappedFileSizeCommitLog',
  mapedFileSizeConsumeQueue: 'mappedFileSizeConsumeQueue',
};

/** Parses messageDelayLevel ("1s 5s 1m 2h 1d") into milliseconds per level (1-based index 0). */
export function parseDelayLevels(text: string): number[] {
  const units: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return text
    .trim()
    .split(/\s+/)
    .map((item) => {
      const match = /^(\d+)([smhd])$/.exec(item);
      if (!match) throw new Error(`messageDelayLevel item "${item}" must be a number followed by s, m, h or d`);
      return Number(match[1]) * units[match[2]!]!;
    });
}
