/**
 * What the Admin client returns: plain, JSON-serializable objects (arrays instead of Maps keyed
 * by MessageQueue), so a console can send them to a browser as they are.
 */
import type { ConsumeStatus, ProcessQueueInfo, SubscriptionData, SubscriptionGroupConfig } from '@rocketmq-ts/protocol';
import type { MessageExt } from '../message.ts';

export type { SubscriptionGroupConfig, SubscriptionData };

export interface BrokerAddress {
  cluster: string;
  brokerName: string;
  /** 0 is the master. */
  brokerId: number;
  addr: string;
  role: 'MASTER' | 'SLAVE';
}

export interface ClusterView {
  /** cluster name → broker names. */
  clusters: Record<string, string[]>;
  brokers: BrokerAddress[];
}

/** GET_BROKER_RUNTIME_INFO, with the figures consoles show parsed out; `raw` keeps every key. */
export interface BrokerRuntimeInfo {
  addr: string;
  version: string;
  /** Messages put per second (the broker's 10 s average). */
  putTps: number;
  /** Messages delivered per second. */
  getTps: number;
  msgPutTotalTodayNow: number;
  msgGetTotalTodayNow: number;
  msgPutTotalYesterdayMorning: number;
  msgPutTotalTodayMorning: number;
  /** Fraction 0..1 of the commit log's disk in use; −1 when the broker cannot tell (Apache before its commit-log directory exists). */
  commitLogDiskRatio: number;
  commitLogDirCapacity: string;
  commitLogMaxOffset: number;
  commitLogMinOffset: number;
  putMessageSizeTotal: number;
  bootTimestamp: number;
  runtime: string;
  /** rocketmq-ts brokers only (absent from Apache's table): ASYNC_MASTER, SYNC_MASTER or SLAVE. */
  brokerRole?: string;
  /**
   * Replication lag in bytes, rocketmq-ts brokers only: on a master, its commit-log end minus the
   * furthest offset a connected slave acknowledged (−1 with no slave); on a slave, the master's
   * end as last seen minus its own.
   */
  replicationLagBytes?: number;
  /** A slave's HA client: IDLE, CONNECTING, TRANSFER, PAUSED or STOPPED (rocketmq-ts only). */
  haClientState?: string;
  /** Controller mode (rocketmq-ts only, docs/failover.md): the controller leader, ids, master epoch and in-sync set. */
  controller?: { leader: string; brokerControllerId: number; masterEpoch: number; inSyncReplicas: number[]; epochs: string } | undefined;
  raw: Record<string, string>;
}

export interface TopicCreateOptions {
  topic: string;
  /** @defaultValue 8 (mqadmin updateTopic) */
  readQueueNums?: number;
  /** @defaultValue 8 */
  writeQueueNums?: number;
  /** PermName bits: 2 write, 4 read, 6 both. @defaultValue 6 */
  perm?: number;
  /** @defaultValue false */
  order?: boolean;
  /** TopicSysFlag bits: 1 unit topic, 2 has unit subscription (mqadmin updateTopic -u / -s). @defaultValue 0 */
  topicSysFlag?: number;
}

/** Where a topic or group setting goes: every master of a cluster, or one broker. */
export type AdminTarget = { cluster: string } | { brokerAddr: string };

export interface QueueRoute {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  /** "RW-" style, as mqadmin prints it. */
  permText: string;
  /** TopicSysFlag bits (QueueData.topicSynFlag). */
  topicSysFlag: number;
}

export interface TopicRoute {
  topic: string;
  queues: QueueRoute[];
  brokers: { cluster: string; brokerName: string; addrs: Record<string, string> }[];
}

export interface QueueOffsetInfo {
  brokerName: string;
  queueId: number;
  minOffset: number;
  maxOffset: number;
  /** Store time of the last message, 0 for an empty queue. */
  lastUpdateTimestamp: number;
}

export interface TopicStats {
  topic: string;
  queues: QueueOffsetInfo[];
  /** Sum over queues of maxOffset − minOffset. */
  totalMessages: number;
}

export interface QueueConsumeInfo {
  topic: string;
  brokerName: string;
  queueId: number;
  brokerOffset: number;
  consumerOffset: number;
  /** brokerOffset − consumerOffset (0 when the consumer is ahead). */
  lag: number;
  /** Store time of the last consumed message; 0 when none. */
  lastTimestamp: number;
}

export interface ConsumeStatsView {
  group: string;
  queues: QueueConsumeInfo[];
  totalLag: number;
  /** Sum over brokers of the group's consume TPS. */
  consumeTps: number;
}

export interface ClientConnection {
  clientId: string;
  clientAddr: string;
  language: string;
  /** MQVersion ordinal. */
  version: number;
  /** "V4_8_0". */
  versionDesc: string;
}

export interface ConsumerConnectionView {
  group: string;
  connections: ClientConnection[];
  subscriptions: SubscriptionData[];
  consumeType: string | undefined;
  messageModel: string | undefined;
  consumeFromWhere: string | undefined;
}

export interface ProducerConnectionView {
  group: string;
  connections: ClientConnection[];
}

export interface ConsumerRunningInfoView {
  clientId: string;
  properties: Record<string, string>;
  subscriptions: SubscriptionData[];
  queues: (ProcessQueueInfo & { topic: string; brokerName: string; queueId: number })[];
  status: Record<string, ConsumeStatus>;
  jstack?: string | undefined;
}

export interface ResetOffsetResult {
  /** "broker": the broker reset and told the online consumers; "offline": committed directly (no consumer online). */
  mode: 'broker' | 'offline';
  queues: {
    topic: string;
    brokerName: string;
    queueId: number;
    offset: number;
    /** Offline mode only (mqadmin's RollbackStats): the queue's end, the group's offset before, the offset found for the time. */
    rollback?: { brokerOffset: number; consumerOffset: number; timestampOffset: number };
  }[];
}

/** A message as the console shows it: body as text and base64, every property. */
export interface MessageView {
  topic: string;
  msgId: string;
  offsetMsgId: string;
  tags: string | undefined;
  keys: string[];
  brokerName: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  reconsumeTimes: number;
  bornTimestamp: number;
  bornHost: string;
  storeTimestamp: number;
  storeHost: string;
  storeSize: number;
  sysFlag: number;
  properties: Record<string, string>;
  /** The body decoded as UTF-8 (may show replacement characters for binary bodies). */
  bodyText: string;
  bodyBase64: string;
}

export interface MessageQueryOptions {
  /** Epoch ms. @defaultValue 0 */
  begin?: number;
  /** Epoch ms. @defaultValue now */
  end?: number;
  /** @defaultValue 64 */
  maxNum?: number;
}

export type TrackType = 'CONSUMED' | 'NOT_CONSUMED_YET' | 'CONSUMED_BUT_FILTERED' | 'NOT_ONLINE' | 'CONSUME_BROADCASTING' | 'UNKNOWN';

export interface MessageTrack {
  group: string;
  trackType: TrackType;
  online: boolean;
  /** Why, in words. */
  detail: string;
}

export interface ConsumeDirectlyResult {
  order: boolean;
  autoCommit: boolean;
  consumeResult: string | undefined;
  remark: string | undefined;
  spentTimeMills: number;
}

export type { MessageExt };

/** One ACL 1.0 account (PlainAccessConfig); perms are DENY, PUB, SUB or PUB|SUB, topicPerms "topic=PERM". */
export interface PlainAccessAccount {
  accessKey: string;
  secretKey?: string | undefined;
  whiteRemoteAddress?: string | undefined;
  admin?: boolean;
  defaultTopicPerm?: string | undefined;
  defaultGroupPerm?: string | undefined;
  topicPerms?: string[] | undefined;
  groupPerms?: string[] | undefined;
}

/** A broker's plain_acl.yml as GET_BROKER_CLUSTER_ACL_CONFIG returns it. */
export interface AclConfigView {
  globalWhiteAddrs: string[];
  accounts: PlainAccessAccount[];
}

/** GET_BROKER_CLUSTER_ACL_INFO: who the broker is and its ACL data version. */
export interface AclVersionInfo {
  clusterName: string;
  brokerName: string;
  brokerAddr: string;
  counter: number;
  timestamp: number;
}
