import type { HostAddress, RemotingCommand } from '@rocketmq-ts/protocol';
import type { ConsumerOffsetManager, DelayOffsetManager, MessageStoreApi } from '@rocketmq-ts/store';
import type { ServerLogger } from '../../common/logger.ts';
import type { BrokerConfig } from '../broker-config.ts';
import type { ConsumerManager } from '../client/consumer-manager.ts';
import type { GrpcClientRegistry } from '../client/grpc-clients.ts';
import type { PopService } from '../pop/pop-service.ts';
import type { ProducerManager } from '../client/producer-manager.ts';
import type { RebalanceLockManager } from '../client/rebalance-lock-manager.ts';
import type { ConsumerFilterManager } from '../filter/consumer-filter-manager.ts';
import type { SelectorCache } from '../filter/selector-cache.ts';
import type { SubscriptionGroupManager } from '../group/subscription-group-manager.ts';
import type { PullRequestHoldService } from '../long-poll/pull-request-hold-service.ts';
import type { TopicConfigManager } from '../topic/topic-config-manager.ts';
import type { ReplicationStatus } from '../ha/replication.ts';
import type { TransactionService } from '../transaction/transaction-service.ts';
import type { PlainPermissionManager } from '../acl/plain-permission-manager.ts';
import type { BrokerStatsManager } from '../stats/broker-stats-manager.ts';
import type { StoreStatsSampler } from '../stats/store-stats-sampler.ts';

/** Counters shown by GET_BROKER_RUNTIME_INFO and the console. */
export interface BrokerStats {
  putMessages: number;
  putBytes: number;
  getMessages: number;
  getBytes: number;
  sendRequestsInFlight: number;
  pullRequestsInFlight: number;
  /** Pulls answered without a message. */
  getMisses: number;
  /** Store put latency histogram, buckets as PUT_MESSAGE_DISTRIBUTE_BUCKETS. */
  putLatency: number[];
  putMessageEntireTimeMax: number;
  getMessageEntireTimeMax: number;
  /** Pulls answered with messages. */
  getFound: number;
}

/** Upper bounds (ms) of the put-latency buckets RocketMQ reports, last one open-ended. */
export const PUT_MESSAGE_DISTRIBUTE_BUCKETS = [0, 10, 50, 100, 200, 500, 1000, 2000, 3000, 4000, 5000, 10000] as const;
const BUCKET_LABELS = ['<=0ms', '0~10ms', '10~50ms', '50~100ms', '100~200ms', '200~500ms', '500ms~1s', '1~2s', '2~3s', '3~4s', '4~5s', '5~10s', '10s~'];

export function newBrokerStats(): BrokerStats {
  return {
    putMessages: 0,
    putBytes: 0,
    getMessages: 0,
    getBytes: 0,
    sendRequestsInFlight: 0,
    pullRequestsInFlight: 0,
    getMisses: 0,
    putLatency: new Array<number>(BUCKET_LABELS.length).fill(0),
    putMessageEntireTimeMax: 0,
    getMessageEntireTimeMax: 0,
    getFound: 0,
  };
}

export function recordPutLatency(stats: BrokerStats, millis: number): void {
  let bucket = PUT_MESSAGE_DISTRIBUTE_BUCKETS.findIndex((bound) => millis <= bound);
  if (bucket < 0) bucket = BUCKET_LABELS.length - 1;
  stats.putLatency[bucket]!++;
  if (millis > stats.putMessageEntireTimeMax) stats.putMessageEntireTimeMax = millis;
}

/** "[<=0ms]:n [0~10ms]:n …" as RocketMQ's putMessageDistributeTime. */
export function putLatencyText(stats: BrokerStats): string {
  return BUCKET_LABELS.map((label, i) => `[${label}]:${stats.putLatency[i] ?? 0}`).join(' ');
}

/** The replication role as handlers see it (broker/ha/replication.ts). */
export interface ReplicationView {
  readonly role: 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';
  /** SYNC_MASTER: resolves once a slave has everything before `recordEnd`, or with why not. */
  awaitReplica(recordEnd: number): Promise<'PUT_OK' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE'>;
  status(): ReplicationStatus;
}

/** Controller mode as handlers see it (broker/controller/, broker/ha/replication.ts). */
export interface ControllerModeView {
  /** NOTIFY_BROKER_ROLE_CHANGED from a controller. */
  onRoleChangeNotified(request: RemotingCommand): void;
  /** GET_BROKER_EPOCH_CACHE: this log's epochs as JSON (EpochEntryCache field names). */
  epochCacheBody(): Buffer;
  /** Runtime-info entries for consoles: controller leader, master epoch, this broker's controller id, in-sync set, epochs. */
  runtimeEntries(): [string, string][];
}

/** Everything broker handlers work with; handlers never see sockets. */
export interface BrokerServices {
  readonly config: BrokerConfig;
  readonly store: MessageStoreApi;
  readonly topics: TopicConfigManager;
  readonly groups: SubscriptionGroupManager;
  readonly consumers: ConsumerManager;
  readonly producers: ProducerManager;
  readonly locks: RebalanceLockManager;
  readonly offsets: ConsumerOffsetManager;
  /** Delivery progress per delay level (delayOffset.json). */
  readonly delayOffsets: DelayOffsetManager;
  readonly hold: PullRequestHoldService;
  /** Half messages, END_TRANSACTION and their counters. */
  readonly transactions: TransactionService;
  /** SQL92 filters registered by consumer heartbeats, per topic and group. */
  readonly filters: ConsumerFilterManager;
  /** Compiled SQL92 selectors by expression text (pull headers, CHECK_CLIENT_CONFIG, heartbeats). */
  readonly selectors: SelectorCache;
  readonly logger: ServerLogger;
  /** brokerIP1:listenPort — written into every record and offsetMsgId. */
  readonly storeHost: HostAddress;
  readonly stats: BrokerStats;
  /** Apache's per-topic / per-group stats items (VIEW_BROKER_STATS_DATA, consumeTps, the console). */
  readonly statsManager: BrokerStatsManager;
  /** Per-second samples behind the runtime info's putTps, getTransferedTps, …. */
  readonly storeStats: StoreStatsSampler;
  /** Delay of each level in ms (messageDelayLevel), level 1 first. */
  readonly delayLevels: readonly number[];
  /** Re-register with every name server now (after a topic change); resolves when they answered. */
  registerBrokerAll(): Promise<void>;
  /** Milliseconds since the broker started accepting sends. */
  readonly startTimestamp: number;
  /** Set once the broker has started its replication role. */
  replication?: ReplicationView;
  /** Controller mode (enableControllerMode): role pushes from the controller, epochs for new slaves. */
  controllerMode?: ControllerModeView;
  /** v5 (gRPC) clients, listed by admin codes beside 4.x clients; empty without the gRPC endpoint. */
  readonly grpcClients: GrpcClientRegistry;
  /** POP consumption (broker/pop/): started with the gRPC endpoint, which owns it; the remoting POP codes use it too. */
  pop?: PopService;
  /** ACL 1.0 accounts and rules (plain_acl.yml); absent when aclEnable=false. */
  readonly acl?: PlainPermissionManager | undefined;
}
