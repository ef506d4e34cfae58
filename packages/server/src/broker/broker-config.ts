/**
 * Broker settings with RocketMQ's key names (BrokerConfig, MessageStoreConfig,
 * NettyServerConfig) and their 4.8 defaults, as one schema (config/schema.ts): type, range or
 * allowed values, default and doc per key. A user's broker.conf works as is; a bad value or a
 * feature we do not have refuses to start, naming the key and the fix.
 * Durations are milliseconds unless the name says otherwise; sizes are bytes.
 */
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { tlsSettings } from '../common/tls-config.ts';
import { bool, defaultsOf, int, oneOf, type SettingsValues, text } from '../config/schema.ts';

const storeRoot = join(homedir(), 'store');
const MiB = 1024 * 1024;
const port = { min: 0, max: 65535 } as const;
const ipOrHost = /^([A-Za-z0-9._-]+|[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/;
const hostPort = /^[^\s;:]+:\d{1,5}(;[^\s;:]+:\d{1,5})*;?$/;
const resourceName = /^[A-Za-z0-9%|_.-]+$/;

export const brokerSettings = {
  // identity and cluster
  brokerClusterName: text('DefaultCluster', { doc: 'Cluster this broker registers in.', important: true, allowEmpty: false, pattern: resourceName, rule: 'be letters, digits, %, |, _, . or -', invalidExample: 'my cluster' }),
  brokerName: text(hostname(), { shownDefault: '(the host name)', doc: 'Broker group name; a master and its slaves share it. Default: the host name.', important: true, allowEmpty: false, pattern: resourceName, rule: 'be letters, digits, %, |, _, . or -', invalidExample: 'broker a' }),
  brokerId: int(0, { doc: '0 for a master; 1, 2, … for its slaves.', important: true, min: 0 }),
  brokerIP1: text('', { doc: 'Address advertised to clients and the name server; empty = pick one (logged).', important: true, pattern: ipOrHost, rule: 'be an IP address or host name, without a port', invalidExample: '10.0.0.1 10.0.0.2' }),
  brokerIP2: text('', { doc: 'HA address for slaves; empty = brokerIP1.', pattern: ipOrHost, rule: 'be an IP address or host name, without a port', invalidExample: '10.0.0.1 10.0.0.2' }),
  brokerRole: oneOf('ASYNC_MASTER', ['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE'], { doc: 'Replication role (docs/replication.md).', important: true }),
  brokerPermission: int(6, { doc: 'Permission bits advertised for every topic of this broker: 4 read, 2 write, 6 both (wipeWritePerm sets 4).', min: 0, max: 15 }),
  namesrvAddr: text(process.env.NAMESRV_ADDR ?? '', { shownDefault: '$NAMESRV_ADDR, else empty', doc: 'Name servers, "host:port;host:port". Default: NAMESRV_ADDR.', important: true, pattern: hostPort, rule: 'be host:port, several separated by ;', invalidExample: '127.0.0.1' }),
  regionId: text('DefaultRegion', { doc: 'Region stamped on sent messages (MSG_REGION).', allowEmpty: false }),
  traceOn: bool(true, { doc: 'TRACE_ON flag stamped on send responses.' }),
  rocketmqHome: text(process.env.ROCKETMQ_HOME ?? '', { shownDefault: '$ROCKETMQ_HOME, else empty', doc: 'Installation directory (ROCKETMQ_HOME); conf/ files are looked up under it.' }),
  aclEnable: bool(false, { doc: 'ACL 1.0: check every request against plain_acl.yml (accounts, signatures, permissions; docs/security.md).' }),
  'rocketmq.acl.plain.file': text('', {
    doc: 'The ACL file (Apache: -Drocketmq.acl.plain.file); relative paths are under rocketmqHome; empty = rocketmqHome/conf/plain_acl.yml.',
  }),

  // network
  listenPort: int(10911, { doc: 'Remoting port for clients; 0 = any free port.', important: true, ...port }),
  fastListenPort: int(0, { doc: 'The VIP channel; 0 = listenPort − 2, −1 = off.', min: -1, max: 65535 }),
  haListenPort: int(0, { doc: 'Always listenPort + 1 at start, as in Apache RocketMQ; a configured value is ignored with a warning.', ...port }),
  bindAddress: text('0.0.0.0', { doc: 'Address the remoting ports bind to.', allowEmpty: false, pattern: ipOrHost, rule: 'be an IP address or host name', invalidExample: '0.0.0.0:10911' }),
  grpcServerPort: int(8081, { doc: "The v5 gRPC endpoint (MessagingService, as Apache's proxy: 8081); 0 = any free port, -1 = off. Masters only; in controller mode every broker, serving while master (docs/grpc.md).", important: true, min: -1, max: 65535 }),
  serverChannelMaxIdleTimeSeconds: int(120, { doc: 'A connection silent this long (seconds) is closed.', min: 1 }),
  maxFrameLength: int(16 * MiB, { doc: 'Largest remoting frame accepted (bytes).', min: 1024 }),
  serverMaxInboundBytes: int(256 * MiB, {
    doc: 'Ours: bytes of unfinished frames and queued requests held across all connections of a port before the connections holding the most stop reading.',
    min: 1024 * 1024,
  }),
  serverMaxRequestsPerTurn: int(32, {
    doc: 'Ours: requests one connection hands to the handlers per event-loop turn before other connections are served; a pipelining peer waits for the next turn.',
    min: 1,
  }),
  serverSelectorThreads: int(0, {
    doc: 'Threads that accept, read and write the connections of listenPort (Netty\'s selector threads). 0 (ours): on the event loop, the least CPU per message. 1 or more: one I/O thread beside the event loop, experimental: on 2 cores it costs more CPU per message and latency than it saves (docs/performance.md, "The I/O thread"); not with TLS.',
    min: 0,
  }),
  // TLS on listenPort and the VIP port, and to the name servers (tls.enable): common/tls-config.ts
  ...tlsSettings,

  // replication (MessageStoreConfig ha*; brokerRole above)
  haMasterAddress: text('', { doc: "A SLAVE's master HA address (host:port); empty = the one the name server returns on registration.", important: true, pattern: hostPort, rule: 'be host:port', invalidExample: 'master-host' }),
  haSendHeartbeatInterval: int(5_000, { doc: 'A slave reports its offset (and a master sends an empty frame) at least this often.', min: 1 }),
  haHousekeepingInterval: int(20_000, { doc: 'An HA connection with nothing read this long is closed.', min: 1 }),
  haTransferBatchSize: int(32 * 1024, { doc: 'Most bytes in one HA transfer frame.', min: 1 }),
  haSlaveFallbehindMax: int(256 * MiB, { doc: 'SYNC_MASTER: a slave this many bytes behind counts as not available.', min: 0 }),
  enableDLegerCommitLog: bool(false, { doc: 'DLedger (Raft) commit log.', notImplemented: 'the DLedger commit log is not implemented; use master/slave replication with brokerRole (docs/replication.md)' }),
  // controller mode (5.x BrokerConfig / MessageStoreConfig names; docs/failover.md)
  enableControllerMode: bool(false, {
    doc: "Automatic failover: Apache RocketMQ 5.x controllers (controllerAddr) elect this broker name's master; brokerRole and brokerId are then assigned, not configured.",
    important: true,
  }),
  controllerAddr: text('', { doc: 'The controllers, host:port;host:port;… (controller mode).', important: true, pattern: hostPort, rule: 'be host:port;host:port', invalidExample: 'controller-host' }),
  fetchControllerAddrByDnsLookup: bool(false, { doc: 'Controller mode: resolve controllerAddr as a DNS name.', notImplemented: 'fetchControllerAddrByDnsLookup is not implemented; list the controllers in controllerAddr' }),
  controllerHeartBeatTimeoutMills: int(10_000, { doc: 'Controller mode: a broker silent this long is declared dead by the controller (sent in each heartbeat).', min: 1 }),
  brokerHeartbeatInterval: int(1_000, { doc: 'Controller mode: heartbeat period to every controller.', min: 1 }),
  syncBrokerMetadataPeriod: int(5_000, { doc: 'Controller mode: how often the broker asks the controller for its master and in-sync set (role changes are also pushed at once).', min: 1 }),
  checkSyncStateSetPeriod: int(5_000, { doc: 'Controller mode: how often a master re-checks which slaves are in sync.', min: 1 }),
  syncControllerMetadataPeriod: int(10_000, { doc: 'Controller mode: how often the broker looks up the controller leader.', min: 1 }),
  haMaxTimeSlaveNotCatchup: int(15_000, { doc: 'Controller mode: a slave not caught up for this long leaves the in-sync set.', min: 1 }),
  allAckInSyncStateSet: bool(false, { doc: 'Controller mode: a send waits for every member of the in-sync set (set true for no acknowledged loss on failover).', important: true }),
  minInSyncReplicas: int(1, { doc: 'Controller mode: sends answer SLAVE_NOT_AVAILABLE while the in-sync set (master included) is smaller than this.', min: 1 }),

  // registration
  registerNameServerPeriod: int(30_000, { doc: 'How often the broker registers with every name server (clamped to 10–60 s).', min: 1 }),
  registerBrokerTimeoutMills: int(6_000, { doc: 'Timeout of one registration request.', min: 1 }),
  forceRegister: bool(true, { doc: 'Register the full topic table every period.', notImplemented: 'the broker always registers its full topic table (forceRegister=false, registering only on change, is not implemented)' }),
  compressedRegister: bool(false, { doc: 'Compress the registration body.', notImplemented: 'compressed registration is not implemented' }),

  // topics and groups
  autoCreateTopicEnable: bool(true, { doc: 'Create a topic on first send (from TBW102). Turn off in production and create topics with mqadmin updateTopic.', important: true }),
  defaultTopicQueueNums: int(8, { doc: 'Queues of an auto-created topic.', min: 1, max: 1024 }),
  autoCreateSubscriptionGroup: bool(true, { doc: 'Create a consumer group on first use.', important: true }),
  clusterTopicEnable: bool(true, { doc: 'Keep a topic named after the cluster (read/write).' }),
  brokerTopicEnable: bool(true, { doc: 'Keep a topic named after the broker (read/write).' }),
  traceTopicEnable: bool(false, { doc: 'Create the message-trace topic (msgTraceTopicName) on this broker.' }),
  msgTraceTopicName: text('RMQ_SYS_TRACE_TOPIC', { doc: 'Topic the clients write message traces to.', allowEmpty: false, pattern: resourceName, rule: 'be a topic name (letters, digits, %, |, _, . or -)', invalidExample: 'trace topic' }),
  notifyConsumerIdsChangedEnable: bool(true, { doc: 'Tell consumers when their group changes, so they rebalance at once.' }),
  rejectTransactionMessage: bool(false, { doc: 'Refuse transactional (half) messages.' }),
  storeReplyMessageEnable: bool(true, { doc: 'Store request-reply messages.', notImplemented: 'refusing reply messages (storeReplyMessageEnable=false) is not implemented' }),

  // store
  storePathRootDir: text(storeRoot, { shownDefault: '~/store', doc: 'Store directory (commitlog/, consumequeue/, index/, config/). Default: ~/store.', important: true, allowEmpty: false }),
  storePathCommitLog: text(join(storeRoot, 'commitlog'), { shownDefault: '~/store/commitlog', doc: 'Commit log directory. Default: <storePathRootDir>/commitlog.', important: true, allowEmpty: false }),
  mappedFileSizeCommitLog: int(1024 * MiB, { doc: 'Size of one commit-log file (bytes). Keep it when opening an existing store.', min: 1 }),
  mappedFileSizeConsumeQueue: int(300_000 * 20, { doc: 'Size of one consume-queue file (bytes, a multiple of 20).', min: 20 }),
  maxMessageSize: int(4 * MiB, { doc: 'Largest message body accepted (bytes).', important: true, min: 1 }),
  flushDiskType: oneOf('ASYNC_FLUSH', ['ASYNC_FLUSH', 'SYNC_FLUSH'], { doc: 'SYNC_FLUSH answers a send only after the commit log is on disk.', important: true }),
  flushIntervalCommitLog: int(500, { doc: 'ASYNC_FLUSH: how often the commit log is flushed.', min: 1 }),
  syncFlushTimeout: int(5_000, { doc: 'SYNC_FLUSH: a send waits this long for the flush (then FLUSH_DISK_TIMEOUT).', min: 1 }),
  flushIntervalConsumeQueue: int(1_000, { doc: 'How often consume queues are flushed.', min: 1 }),
  flushConsumerOffsetInterval: int(5_000, { doc: 'How often consumer offsets are written to config/consumerOffset.json.', min: 1 }),
  flushDelayOffsetInterval: int(10_000, { doc: 'How often delayed-message progress is written.', min: 1 }),
  checkCRCOnRecover: bool(true, { doc: 'Check message CRCs when recovering after a crash.' }),
  messageIndexEnable: bool(true, { doc: 'Keep the index by key and unique key (queryMsgByKey).' }),
  maxHashSlotNum: int(5_000_000, { doc: 'Hash slots of one index file.', min: 1 }),
  maxIndexNum: int(20_000_000, { doc: 'Entries of one index file.', min: 1 }),
  deleteWhen: text('04', { doc: 'Hours (two digits, ;-separated) when expired files are deleted.', important: true, pattern: /^\d{2}(;\d{2})*$/, rule: 'be hours of the day, two digits each, separated by ; (e.g. 04 or 04;16)', invalidExample: '4am' }),
  fileReservedTime: int(72, { doc: 'Hours a commit-log file is kept after its last write.', important: true, min: 0 }),
  diskMaxUsedSpaceRatio: int(75, { doc: 'Disk use (percent) above which old files are deleted early.', min: 10, max: 95 }),
  cleanResourceInterval: int(10_000, { doc: 'How often retention runs.', min: 1 }),
  cleanFileForciblyEnable: bool(false, {
    doc: "Apache's forced clean above 85 % disk use, which deletes unexpired, unconsumed files. Apache: on; ours: off, so acknowledged messages are kept and writes are refused above 90 % instead.",
  }),
  messageDelayLevel: text('1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h', { doc: 'Delay levels, space-separated, each a number and s, m, h or d.', allowEmpty: false, pattern: /^\d+[smhd]( +\d+[smhd])*$/, rule: 'be space-separated delays like 1s 5s 1m 2h 1d', invalidExample: '1s 5 10s' }),
  transientStorePoolEnable: bool(false, { doc: 'Write through an off-heap buffer pool.', notImplemented: 'the transient store pool is not implemented' }),
  // 5.x timer messages (MessageStoreConfig.timer*)
  timerWheelEnable: bool(true, { doc: 'Accept TIMER_DELIVER_MS / TIMER_DELAY_MS / TIMER_DELAY_SEC messages.' }),
  timerPrecisionMs: int(1000, { doc: 'Width of a wheel slot (100, 200, 500 or 1000, as 5.x; others round down); delivery is at the exact ms regardless.', min: 100, max: 1000 }),
  timerMaxDelaySec: int(3600 * 24 * 40, { doc: 'Longest accepted delay (seconds). 5.x: 3 days; ours: 40 days.', min: 1 }),
  timerRollWindowSlot: int(3600 * 24 * 2, { doc: 'Slots the wheel looks ahead; farther timers roll. Keep slots × precision below fileReservedTime.', min: 2 }),
  recallMessageEnable: bool(false, { doc: 'Serve RECALL_MESSAGE / the v5 RecallMessage: cancel a timer message before it is due, by the recall handle its send returned. Off by default, as Apache 5.3+.' }),
  allowRecallWhenBrokerNotWriteable: bool(true, { doc: 'Serve recalls while brokerPermission has no write bit (as Apache).' }),
  timerFlushIntervalMs: int(1000, { doc: 'How often buffered timer-log records are written.', min: 1 }),
  mappedFileSizeTimerLog: int(64 * MiB, { doc: 'Size of one timer-log segment file (bytes).', min: 1 }),
  maxTransferBytesOnMessageInMemory: int(256 * 1024, { doc: 'Pull: most bytes per answer from memory.', min: 1 }),
  maxTransferCountOnMessageInMemory: int(32, { doc: 'Pull: most messages per answer from memory.', min: 1 }),
  maxTransferBytesOnMessageInDisk: int(64 * 1024, { doc: 'Pull: most bytes per answer from disk.', min: 1 }),
  maxTransferCountOnMessageInDisk: int(8, { doc: 'Pull: most messages per answer from disk.', min: 1 }),
  accessMessageInMemoryMaxRatio: int(40, { doc: 'Percent of memory beyond which reads count as from disk (and slaves are suggested).', min: 0, max: 100 }),
  defaultQueryMaxNum: int(32, { doc: 'Most messages one query by key returns.', min: 1 }),

  // consumption
  longPollingEnable: bool(true, { doc: 'Hold pulls until a message arrives (else short polling).' }),
  shortPollingTimeMills: int(1_000, { doc: 'Short polling: how long a pull with nothing is held.', min: 0 }),
  slaveReadEnable: bool(false, { doc: 'Suggest slaves to consumers that read old messages.' }),
  offsetCheckInSlave: bool(false, {
    doc: "A slave corrects an out-of-range pull offset as a master does; off (Apache's default) it answers the requested offset with PULL_RETRY_IMMEDIATELY, leaving corrections to the master.",
  }),
  enablePropertyFilter: bool(false, { doc: 'Serve SQL92 subscriptions (MessageSelector.bySql); off, they are refused as in Apache.' }),
  filterSupportRetry: bool(false, { doc: 'Judge %RETRY% messages by the SQL92 filter of their topic.' }),
  channelExpiredTimeout: int(120_000, { doc: 'Clients silent this long are dropped.', min: 1 }),
  rebalanceLockMaxLiveTime: int(60_000, { doc: 'A queue lock of an orderly consumer lasts this long.', min: 1 }),

  // transactions
  transactionTimeOut: int(6_000, { doc: 'A half message older than this is checked back with its producer.', min: 1 }),
  transactionCheckMax: int(15, { doc: 'Check-backs before a half message is discarded.', min: 1 }),
  transactionCheckInterval: int(60_000, { doc: 'How often half messages are checked.', min: 1 }),

  // overload protection: beyond this many requests waiting, answer SYSTEM_BUSY
  sendThreadPoolQueueCapacity: int(10_000, { doc: 'Sends waiting beyond this answer SYSTEM_BUSY.', min: 1 }),
  pullThreadPoolQueueCapacity: int(100_000, { doc: 'Pulls waiting beyond this answer SYSTEM_BUSY.', min: 1 }),
  litePullMessageEnable: bool(true, { doc: 'Serve LITE_PULL_MESSAGE (5.x lite pull consumer); false answers NO_PERMISSION, as Apache 5.x.' }),
};

export const brokerDefaults = defaultsOf(brokerSettings);

export type BrokerConfig = SettingsValues<typeof brokerSettings>;

/** What `mqbroker -m` prints: the settings people change. */
export const importantBrokerKeys = Object.keys(brokerSettings).filter((key) => brokerSettings[key as keyof BrokerConfig].important) as (keyof BrokerConfig)[];

/** Older RocketMQ releases (and many tutorials) spell these with one p; 4.8 reads mapped…. */
export const brokerKeyAliases: Record<string, keyof BrokerConfig> = {
  mapedFileSizeCommitLog: 'mappedFileSizeCommitLog',
  mapedFileSizeConsumeQueue: 'mappedFileSizeConsumeQueue',
};

/**
 * Apache keys that tune the JVM (thread pools, Netty selectors, page-cache tricks): common in
 * existing broker.conf files, meaningless on Node's event loop. Accepted with a warning.
 */
export const brokerNoEffectKeys: Record<string, string> = Object.fromEntries(
  [
    'sendMessageThreadPoolNums',
    'pullMessageThreadPoolNums',
    'queryMessageThreadPoolNums',
    'adminBrokerThreadPoolNums',
    'clientManageThreadPoolNums',
    'consumerManageThreadPoolNums',
    'heartbeatThreadPoolNums',
    'endTransactionThreadPoolNums',
    'serverWorkerThreads',
    'serverCallbackExecutorThreads',
    'serverOnewaySemaphoreValue',
    'serverAsyncSemaphoreValue',
    'useEpollNativeSelector',
    'serverPooledByteBufAllocatorEnable',
    'warmMapedFileEnable',
    'useReentrantLockWhenPutMessage',
    'osPageCacheBusyTimeOutMills',
    'waitTimeMillsInSendQueue',
    'waitTimeMillsInPullQueue',
  ].map((key) => [key, 'it tunes Java threads or memory; a rocketmq-ts broker runs on one Node.js event loop (to use more cores, run more brokers: npm start -- --brokers N, docs/deployment.md)']),
);

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
