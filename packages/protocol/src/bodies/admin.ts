/**
 * Admin and management bodies (remoting-protocol.md §4.4, §7.5–7.11): what mqadmin, the
 * dashboard and slave sync exchange with a broker, and what a broker asks a client for.
 * Java classes: common/.../admin/{TopicStatsTable,TopicOffset,ConsumeStats,OffsetWrapper};
 * common/.../protocol/body/*; store/.../schedule/DelayOffsetSerializeWrapper.
 *
 *   TopicStatsTable (202)        {"offsetTable":{{MQ}:{"lastUpdateTimestamp":L,"maxOffset":L,"minOffset":L}}}      HashMap
 *   ConsumeStats (208)           {"consumeTps":D,"offsetTable":{{MQ}:{"brokerOffset":L,"consumerOffset":L,"lastTimestamp":L}}}
 *   ConsumerConnection (203)     {"connectionSet":[Connection],"consumeFromWhere":E,"consumeType":E,"messageModel":E,
 *                                 "subscriptionTable":{topic:SubscriptionData}}                  ConcurrentHashMap
 *   ProducerConnection (204)     {"connectionSet":[Connection]}
 *   Connection                   {"clientAddr":S,"clientId":S,"language":E,"version":I}
 *   GroupList (300)              {"groupList":[S]}                                               HashSet
 *   ResetOffsetBody (220, 222)   {"offsetTable":{{MQ}:L}}                                        HashMap
 *   ResetOffsetBodyForC          {"offsetTable":[{"brokerName":S,"offset":L,"queueId":I,"topic":S}]}
 *   GetConsumerStatusBody (221, 223) {"consumerTable":{clientId:{{MQ}:L}},"messageQueueTable":{{MQ}:L}}   HashMaps
 *   QueryConsumeTimeSpanBody (303) {"consumeTimeSpanSet":[QueueTimeSpan]}
 *   QueueTimeSpan                {"consumeTimeStamp":L,"consumeTimeStampStr":S,"delayTime":L,"maxTimeStamp":L,
 *                                 "maxTimeStampStr":S,"messageQueue":MQ,"minTimeStamp":L,"minTimeStampStr":S}
 *                                 (the *Str getters: "yyyy-MM-dd#HH:mm:ss:SSS" in the writer's time zone)
 *   ConsumerRunningInfo (307)    {"jstack"?:S,"mqTable":{{MQ}:ProcessQueueInfo},"properties":{S:S},
 *                                 "statusTable":{topic:ConsumeStatus},"subscriptionSet":[SubscriptionData]}
 *                                 TreeMap, Properties, TreeMap, TreeSet
 *   ConsumeMessageDirectlyResult (309) {"autoCommit":B,"consumeResult"?:E,"order":B,"remark"?:S,"spentTimeMills":L}
 *   SubscriptionGroupWrapper (201) {"dataVersion":DataVersion,"subscriptionGroupTable":{group:SubscriptionGroupConfig}}
 *                                 ConcurrentHashMap(1024)
 *   ConsumerOffsetSerializeWrapper (43) {"offsetTable":{"topic@group":{queueId:L}}}   ConcurrentHashMap(512) of (32)
 *   DelayOffsetSerializeWrapper (45) {"offsetTable":{level:L}}                      ConcurrentHashMap(32)
 *   CheckClientRequestBody (46)  {"clientId":S,"group":S,"subscriptionData":SubscriptionData}
 *   QueryCorrectionOffsetBody (308) {"correctionOffsets":{queueId:L}}              HashMap
 *   BrokerStatsData (315)        {"statsDay":Item,"statsHour":Item,"statsMinute":Item}, Item {"avgpt":D,"sum":L,"tps":D}
 *   ConsumeStatsList (317)       {"brokerAddr":S,"consumeStatsList":[{group:[ConsumeStats]}],"totalDiff":L}
 *   TopicConfig (351 answer)     see route.ts topicConfigJson
 *
 * Writers emit fastjson's bytes for the same content, with each map and set in the iteration
 * order of the Java collection named above (as the broker or client builds it). Readers
 * accept any key form (object literal, bare or quoted number, a quoted JSON object),
 * whitespace, unknown fields, Go's `dropped`, and missing fields (Java's defaults).
 * Longs are JS numbers (exact below 2^53); doubles are written as Java doubles.
 */
import { parseLanguage, type LanguageName } from '../codes/language-code.ts';
import {
  bean,
  body,
  boolean,
  compareStrings,
  custom,
  double,
  enumOf,
  integerMap,
  integerSet,
  list,
  long,
  messageQueueMap,
  optional,
  optionalString,
  string,
  stringMap,
  stringSet,
} from './body-schema.ts';
import { readSubscriptionGroupConfig, type SubscriptionGroupConfig, subscriptionGroupJson } from './group.ts';
import { type MessageQueue, messageQueueJson, readMessageQueue, readSubscriptionData, type SubscriptionData, subscriptionDataJson } from './heartbeat.ts';
import { type DataVersion, readDataVersion, readTopicConfig, type TopicConfig, topicConfigJson } from './route.ts';

export { compareMessageQueue, messageQueueHash } from './body-schema.ts';

// ---------------------------------------------------------------------------------------------
// types

/** admin/TopicOffset: one write queue's offsets; lastUpdateTimestamp is 0 for an empty queue. */
export interface TopicOffset {
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

export interface TopicStatsTable {
  offsetTable: Map<MessageQueue, TopicOffset>;
}

/** admin/OffsetWrapper */
export interface OffsetWrapper {
  brokerOffset: number;
  consumerOffset: number;
  lastTimestamp: number;
}

export interface ConsumeStats {
  consumeTps: number;
  offsetTable: Map<MessageQueue, OffsetWrapper>;
}

/** body/Connection: one client connection of a group (named so as not to clash with the transport's Connection). */
export interface ConnectionInfo {
  clientId: string;
  clientAddr: string;
  language: LanguageName;
  /** MQVersion ordinal the client reported. */
  version: number;
}

export interface ConsumerConnection {
  connectionSet: ConnectionInfo[];
  /** topic → subscription. */
  subscriptionTable: Map<string, SubscriptionData>;
  /** CONSUME_PASSIVELY or CONSUME_ACTIVELY. */
  consumeType?: string | undefined;
  /** CLUSTERING or BROADCASTING. */
  messageModel?: string | undefined;
  consumeFromWhere?: string | undefined;
}

export interface ProducerConnection {
  connectionSet: ConnectionInfo[];
}

export interface ResetOffsetBody {
  offsetTable: Map<MessageQueue, number>;
}

/** message/MessageQueueForC */
export interface MessageQueueForC extends MessageQueue {
  offset: number;
}

export interface ResetOffsetBodyForC {
  offsetTable: MessageQueueForC[];
}

/** body/GetConsumerStatusBody (deprecated in Java, still answered by 4.8 clients). */
export interface GetConsumerStatusBody {
  messageQueueTable: Map<MessageQueue, number>;
  /** clientId → that client's offsets. */
  consumerTable: Map<string, Map<MessageQueue, number>>;
}

export interface QueueTimeSpan {
  messageQueue: MessageQueue;
  minTimeStamp: number;
  maxTimeStamp: number;
  consumeTimeStamp: number;
  delayTime: number;
}

export interface QueryConsumeTimeSpanBody {
  consumeTimeSpanSet: QueueTimeSpan[];
}

/** body/ProcessQueueInfo; `droped` is Java's spelling (Go writes `dropped`, read as well). */
export interface ProcessQueueInfo {
  commitOffset: number;
  cachedMsgMinOffset: number;
  cachedMsgMaxOffset: number;
  cachedMsgCount: number;
  cachedMsgSizeInMiB: number;
  transactionMsgMinOffset: number;
  transactionMsgMaxOffset: number;
  transactionMsgCount: number;
  locked: boolean;
  tryUnlockTimes: number;
  lastLockTimestamp: number;
  droped: boolean;
  lastPullTimestamp: number;
  lastConsumeTimestamp: number;
}

/** body/ConsumeStatus: doubles except consumeFailedMsgs. */
export interface ConsumeStatus {
  pullRT: number;
  pullTPS: number;
  consumeRT: number;
  consumeOKTPS: number;
  consumeFailedTPS: number;
  consumeFailedMsgs: number;
}

export interface ConsumerRunningInfo {
  /** java.util.Properties: PROP_* keys plus the consumer's settings. */
  properties: Map<string, string>;
  subscriptionSet: SubscriptionData[];
  mqTable: Map<MessageQueue, ProcessQueueInfo>;
  /** topic → status. */
  statusTable: Map<string, ConsumeStatus>;
  jstack?: string | undefined;
}

/** ConsumerRunningInfo.PROP_* keys. */
export const ConsumerRunningInfoProp = {
  NAMESERVER_ADDR: 'PROP_NAMESERVER_ADDR',
  THREADPOOL_CORE_SIZE: 'PROP_THREADPOOL_CORE_SIZE',
  CONSUME_ORDERLY: 'PROP_CONSUMEORDERLY',
  CONSUME_TYPE: 'PROP_CONSUME_TYPE',
  CLIENT_VERSION: 'PROP_CLIENT_VERSION',
  CONSUMER_START_TIMESTAMP: 'PROP_CONSUMER_START_TIMESTAMP',
} as const;

const CM_RESULTS = ['CR_SUCCESS', 'CR_LATER', 'CR_ROLLBACK', 'CR_COMMIT', 'CR_THROW_EXCEPTION', 'CR_RETURN_NULL'] as const;
export type CMResult = (typeof CM_RESULTS)[number];

export interface ConsumeMessageDirectlyResult {
  order: boolean;
  autoCommit: boolean;
  consumeResult?: CMResult | undefined;
  remark?: string | undefined;
  spentTimeMills: number;
}

export interface SubscriptionGroupWrapper {
  dataVersion: DataVersion;
  subscriptionGroupTable: Map<string, SubscriptionGroupConfig>;
}

export interface ConsumerOffsetSerializeWrapper {
  /** "topic@group" → queueId → committed offset. */
  offsetTable: Map<string, Map<number, number>>;
}

export interface DelayOffsetSerializeWrapper {
  /** delay level → offset in SCHEDULE_TOPIC_XXXX queue level−1. */
  offsetTable: Map<number, number>;
}

export interface CheckClientRequestBody {
  clientId: string;
  group: string;
  subscriptionData?: SubscriptionData | undefined;
}

export interface QueryCorrectionOffsetBody {
  /** queueId → offset. */
  correctionOffsets: Map<number, number>;
}

export interface BrokerStatsItem {
  sum: number;
  tps: number;
  avgpt: number;
}

export interface BrokerStatsData {
  statsMinute: BrokerStatsItem;
  statsHour: BrokerStatsItem;
  statsDay: BrokerStatsItem;
}

export interface ConsumeStatsList {
  brokerAddr?: string | undefined;
  /** One single-entry map per group: group → one ConsumeStats per topic. */
  consumeStatsList: Map<string, ConsumeStats[]>[];
  totalDiff: number;
}

// ---------------------------------------------------------------------------------------------
// shared parts

const messageQueue = custom<MessageQueue>(messageQueueJson, readMessageQueue);

/** SubscriptionData with tagsSet and codeSet in HashSet order. */
const subscription = custom<SubscriptionData>(
  (data) => subscriptionDataJson({ ...data, tagsSet: stringSet.write(data.tagsSet) as string[], codeSet: integerSet.write(data.codeSet) as number[] }),
  readSubscriptionData,
);

/** SubscriptionData.compareTo: by `topic@subString` (the TreeSet order; equal ones kept once). */
const subscriptionTreeSet = custom<SubscriptionData[]>(
  (set) => {
    const byKey = new Map<string, SubscriptionData>();
    for (const data of set) {
      const key = `${data.topic}@${data.subString}`;
      if (!byKey.has(key)) byKey.set(key, data);
    }
    return [...byKey.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, data]) => subscription.write(data));
  },
  (value) => list(subscription).read(value),
);

const connection = bean<ConnectionInfo>({
  clientId: string,
  clientAddr: string,
  language: custom<LanguageName>((language) => language, (value) => parseLanguage(value)),
  version: long,
});

const topicOffset = bean<TopicOffset>({ minOffset: long, maxOffset: long, lastUpdateTimestamp: long });
const offsetWrapper = bean<OffsetWrapper>({ brokerOffset: long, consumerOffset: long, lastTimestamp: long });
const consumeStats = bean<ConsumeStats>({ consumeTps: double, offsetTable: messageQueueMap(offsetWrapper) });

const processQueueInfo = bean<ProcessQueueInfo>({
  commitOffset: long,
  cachedMsgMinOffset: long,
  cachedMsgMaxOffset: long,
  cachedMsgCount: long,
  cachedMsgSizeInMiB: long,
  transactionMsgMinOffset: long,
  transactionMsgMaxOffset: long,
  transactionMsgCount: long,
  locked: boolean(),
  tryUnlockTimes: long,
  lastLockTimestamp: long,
  droped: [boolean(), { readAlso: ['dropped'] }],
  lastPullTimestamp: long,
  lastConsumeTimestamp: long,
});

/** body/ConsumeStatus: doubles except consumeFailedMsgs. */
const consumeStatus = bean<ConsumeStatus>({ pullRT: double, pullTPS: double, consumeRT: double, consumeOKTPS: double, consumeFailedTPS: double, consumeFailedMsgs: long });

/** SimpleDateFormat "yyyy-MM-dd#HH:mm:ss:SSS" in the local time zone (QueueTimeSpan's *Str getters). */
export function queueTimeSpanDate(millis: number): string {
  const d = new Date(millis);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `#${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}:${pad(d.getMilliseconds(), 3)}`
  );
}

const queueTimeSpan = bean<QueueTimeSpan>(
  { messageQueue, minTimeStamp: long, maxTimeStamp: long, consumeTimeStamp: long, delayTime: long },
  {
    consumeTimeStampStr: (s) => queueTimeSpanDate(s.consumeTimeStamp),
    maxTimeStampStr: (s) => queueTimeSpanDate(s.maxTimeStamp),
    minTimeStampStr: (s) => queueTimeSpanDate(s.minTimeStamp),
  },
);

const brokerStatsItem = bean<BrokerStatsItem>({ sum: long, tps: double, avgpt: double });

// ---------------------------------------------------------------------------------------------
// the bodies (request codes as in the table at the top)

const TOPIC_STATS_TABLE = body('TopicStatsTable', bean<TopicStatsTable>({ offsetTable: messageQueueMap(topicOffset) }));
const CONSUME_STATS = body('ConsumeStats', consumeStats);
const CONSUME_STATS_LIST = body(
  'ConsumeStatsList',
  bean<ConsumeStatsList>({ brokerAddr: optionalString, consumeStatsList: list(stringMap(list(consumeStats), 'HashMap')), totalDiff: long }),
);
/** Connections are written in the given order (Java's HashSet<Connection> iterates by identity hash). */
const CONSUMER_CONNECTION = body(
  'ConsumerConnection',
  bean<ConsumerConnection>({
    connectionSet: list(connection),
    subscriptionTable: stringMap(subscription, 'ConcurrentHashMap'),
    consumeType: optionalString,
    messageModel: optionalString,
    consumeFromWhere: optionalString,
  }),
);
const PRODUCER_CONNECTION = body('ProducerConnection', bean<ProducerConnection>({ connectionSet: list(connection) }));
const GROUP_LIST = body('GroupList', bean<{ groupList: string[] }>({ groupList: stringSet }));
const RESET_OFFSET_BODY = body('ResetOffsetBody', bean<ResetOffsetBody>({ offsetTable: messageQueueMap(long) }));
const RESET_OFFSET_BODY_FOR_C = body(
  'ResetOffsetBodyForC',
  bean<ResetOffsetBodyForC>({ offsetTable: list(bean<MessageQueueForC>({ topic: string, brokerName: string, queueId: long, offset: long })) }),
);
const GET_CONSUMER_STATUS_BODY = body(
  'GetConsumerStatusBody',
  bean<GetConsumerStatusBody>({ messageQueueTable: messageQueueMap(long), consumerTable: stringMap(messageQueueMap(long), 'HashMap') }),
);
const QUERY_CONSUME_TIME_SPAN_BODY = body('QueryConsumeTimeSpanBody', bean<QueryConsumeTimeSpanBody>({ consumeTimeSpanSet: list(queueTimeSpan) }));
/**
 * properties iterate as java.util.Properties does on Java 9+ (a ConcurrentHashMap inside;
 * Java 8's Hashtable order differs); mqTable and statusTable are TreeMaps, subscriptionSet a TreeSet.
 */
const CONSUMER_RUNNING_INFO = body(
  'ConsumerRunningInfo',
  bean<ConsumerRunningInfo>({
    properties: stringMap(string, 'ConcurrentHashMap'),
    subscriptionSet: subscriptionTreeSet,
    mqTable: messageQueueMap(processQueueInfo, 'TreeMap'),
    statusTable: stringMap(consumeStatus, 'TreeMap'),
    jstack: optionalString,
  }),
);
const CONSUME_MESSAGE_DIRECTLY_RESULT = body(
  'ConsumeMessageDirectlyResult',
  bean<ConsumeMessageDirectlyResult>({ order: boolean(), autoCommit: boolean(true), consumeResult: enumOf(CM_RESULTS), remark: optionalString, spentTimeMills: long }),
);
/** The table in SubscriptionGroupManager's order: ConcurrentHashMap(1024). */
const SUBSCRIPTION_GROUP_WRAPPER = body(
  'SubscriptionGroupWrapper',
  bean<SubscriptionGroupWrapper>({
    dataVersion: custom<DataVersion>((v) => ({ counter: v.counter, timestamp: v.timestamp }), readDataVersion),
    subscriptionGroupTable: stringMap(custom(subscriptionGroupJson, (config, name) => readSubscriptionGroupConfig(config, name)), 'ConcurrentHashMap', 1024),
  }),
);
/**
 * consumerOffset.json / GET_ALL_CONSUMER_OFFSET: ConsumerOffsetManager's order, a
 * ConcurrentHashMap(512) of ConcurrentHashMap(32). (A Java broker that loaded the file at
 * startup holds fastjson's default-capacity maps instead, so its order can differ; readers
 * never depend on it.)
 */
const CONSUMER_OFFSET_WRAPPER = body(
  'ConsumerOffsetSerializeWrapper',
  bean<ConsumerOffsetSerializeWrapper>({ offsetTable: stringMap(integerMap('ConcurrentHashMap', 32), 'ConcurrentHashMap', 512) }),
);
/** delayOffset.json / GET_ALL_DELAY_OFFSET: ScheduleMessageService's ConcurrentHashMap(32). */
const DELAY_OFFSET_WRAPPER = body('DelayOffsetSerializeWrapper', bean<DelayOffsetSerializeWrapper>({ offsetTable: integerMap('ConcurrentHashMap', 32) }));
const CHECK_CLIENT_REQUEST_BODY = body(
  'CheckClientRequestBody',
  bean<CheckClientRequestBody>({ clientId: string, group: string, subscriptionData: optional(subscription) }),
);
const QUERY_CORRECTION_OFFSET_BODY = body('QueryCorrectionOffsetBody', bean<QueryCorrectionOffsetBody>({ correctionOffsets: integerMap('HashMap') }));
const BROKER_STATS_DATA = body('BrokerStatsData', bean<BrokerStatsData>({ statsMinute: brokerStatsItem, statsHour: brokerStatsItem, statsDay: brokerStatsItem }));
const TOPIC_CONFIG = body('TopicConfig', custom<TopicConfig>(topicConfigJson, readTopicConfig));

// ---------------------------------------------------------------------------------------------
// encode / decode, by body

export const encodeTopicStatsTable = (table: TopicStatsTable): Buffer => TOPIC_STATS_TABLE.encode(table);
export const decodeTopicStatsTable = (bytes: Uint8Array | undefined): TopicStatsTable => TOPIC_STATS_TABLE.decode(bytes);

export const encodeConsumeStats = (stats: ConsumeStats): Buffer => CONSUME_STATS.encode(stats);
export const decodeConsumeStats = (bytes: Uint8Array | undefined): ConsumeStats => CONSUME_STATS.decode(bytes);

/** ConsumeStats.computeTotalDiff: Σ (brokerOffset − consumerOffset). */
export function consumeStatsTotalDiff(stats: ConsumeStats): number {
  let diff = 0;
  for (const o of stats.offsetTable.values()) diff += o.brokerOffset - o.consumerOffset;
  return diff;
}

export const encodeConsumeStatsList = (stats: ConsumeStatsList): Buffer => CONSUME_STATS_LIST.encode(stats);
export const decodeConsumeStatsList = (bytes: Uint8Array | undefined): ConsumeStatsList => CONSUME_STATS_LIST.decode(bytes);

export const encodeConsumerConnection = (value: ConsumerConnection): Buffer => CONSUMER_CONNECTION.encode(value);
export const decodeConsumerConnection = (bytes: Uint8Array | undefined): ConsumerConnection => CONSUMER_CONNECTION.decode(bytes);

export const encodeProducerConnection = (value: ProducerConnection): Buffer => PRODUCER_CONNECTION.encode(value);
export const decodeProducerConnection = (bytes: Uint8Array | undefined): ProducerConnection => PRODUCER_CONNECTION.decode(bytes);

export const encodeGroupList = (groups: Iterable<string>): Buffer => GROUP_LIST.encode({ groupList: [...groups] });
export const decodeGroupList = (bytes: Uint8Array | undefined): string[] => GROUP_LIST.decode(bytes).groupList;

export const encodeResetOffsetBody = (value: ResetOffsetBody): Buffer => RESET_OFFSET_BODY.encode(value);
export const decodeResetOffsetBody = (bytes: Uint8Array | undefined): ResetOffsetBody => RESET_OFFSET_BODY.decode(bytes);

export const encodeResetOffsetBodyForC = (value: ResetOffsetBodyForC): Buffer => RESET_OFFSET_BODY_FOR_C.encode(value);
export const decodeResetOffsetBodyForC = (bytes: Uint8Array | undefined): ResetOffsetBodyForC => RESET_OFFSET_BODY_FOR_C.decode(bytes);

export const encodeGetConsumerStatusBody = (value: GetConsumerStatusBody): Buffer => GET_CONSUMER_STATUS_BODY.encode(value);
export const decodeGetConsumerStatusBody = (bytes: Uint8Array | undefined): GetConsumerStatusBody => GET_CONSUMER_STATUS_BODY.decode(bytes);

export const encodeQueryConsumeTimeSpanBody = (value: QueryConsumeTimeSpanBody): Buffer => QUERY_CONSUME_TIME_SPAN_BODY.encode(value);
export const decodeQueryConsumeTimeSpanBody = (bytes: Uint8Array | undefined): QueryConsumeTimeSpanBody => QUERY_CONSUME_TIME_SPAN_BODY.decode(bytes);

export const encodeConsumerRunningInfo = (info: ConsumerRunningInfo): Buffer => CONSUMER_RUNNING_INFO.encode(info);
export const decodeConsumerRunningInfo = (bytes: Uint8Array | undefined): ConsumerRunningInfo => CONSUMER_RUNNING_INFO.decode(bytes);

export const encodeConsumeMessageDirectlyResult = (value: ConsumeMessageDirectlyResult): Buffer => CONSUME_MESSAGE_DIRECTLY_RESULT.encode(value);
export const decodeConsumeMessageDirectlyResult = (bytes: Uint8Array | undefined): ConsumeMessageDirectlyResult => CONSUME_MESSAGE_DIRECTLY_RESULT.decode(bytes);

export const encodeSubscriptionGroupWrapper = (value: SubscriptionGroupWrapper): Buffer => SUBSCRIPTION_GROUP_WRAPPER.encode(value);
export const decodeSubscriptionGroupWrapper = (bytes: Uint8Array | undefined): SubscriptionGroupWrapper => SUBSCRIPTION_GROUP_WRAPPER.decode(bytes);

export const encodeConsumerOffsetSerializeWrapper = (value: ConsumerOffsetSerializeWrapper, options: { pretty?: boolean } = {}): Buffer =>
  CONSUMER_OFFSET_WRAPPER.encode(value, options);
export const decodeConsumerOffsetSerializeWrapper = (bytes: Uint8Array | undefined): ConsumerOffsetSerializeWrapper => CONSUMER_OFFSET_WRAPPER.decode(bytes);

export const encodeDelayOffsetSerializeWrapper = (value: DelayOffsetSerializeWrapper, options: { pretty?: boolean } = {}): Buffer =>
  DELAY_OFFSET_WRAPPER.encode(value, options);
export const decodeDelayOffsetSerializeWrapper = (bytes: Uint8Array | undefined): DelayOffsetSerializeWrapper => DELAY_OFFSET_WRAPPER.decode(bytes);

export const encodeCheckClientRequestBody = (value: CheckClientRequestBody): Buffer => CHECK_CLIENT_REQUEST_BODY.encode(value);
export const decodeCheckClientRequestBody = (bytes: Uint8Array | undefined): CheckClientRequestBody => CHECK_CLIENT_REQUEST_BODY.decode(bytes);

export const encodeQueryCorrectionOffsetBody = (value: QueryCorrectionOffsetBody): Buffer => QUERY_CORRECTION_OFFSET_BODY.encode(value);
export const decodeQueryCorrectionOffsetBody = (bytes: Uint8Array | undefined): QueryCorrectionOffsetBody => QUERY_CORRECTION_OFFSET_BODY.decode(bytes);

export const encodeBrokerStatsData = (value: BrokerStatsData): Buffer => BROKER_STATS_DATA.encode(value);
export const decodeBrokerStatsData = (bytes: Uint8Array | undefined): BrokerStatsData => BROKER_STATS_DATA.decode(bytes);

export const encodeTopicConfig = (config: TopicConfig): Buffer => TOPIC_CONFIG.encode(config);
export const decodeTopicConfig = (bytes: Uint8Array | undefined): TopicConfig => TOPIC_CONFIG.decode(bytes);
