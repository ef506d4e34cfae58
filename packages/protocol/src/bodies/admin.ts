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
import { type JavaMapKind, javaMapOrder, javaStringHash, javaStringMapOrder } from '../codec/java-hash.ts';
import { parseLanguage, type LanguageName } from '../codes/language-code.ts';
import { entriesOf, JavaDouble, type JsonValue, parseFastjson, type WritableJson, writeFastjson } from '../json/fastjson.ts';
import { readSubscriptionGroupConfig, type SubscriptionGroupConfig, subscriptionGroupJson } from './group.ts';
import { type MessageQueue, messageQueueJson, messageQueueKey, readMessageQueue, readSubscriptionData, type SubscriptionData, subscriptionDataJson } from './heartbeat.ts';
import { bool, type DataVersion, isObject, list, num, parseBody, readDataVersion, readTopicConfig, str, type TopicConfig, topicConfigJson } from './route.ts';

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

export type CMResult = 'CR_SUCCESS' | 'CR_LATER' | 'CR_ROLLBACK' | 'CR_COMMIT' | 'CR_THROW_EXCEPTION' | 'CR_RETURN_NULL';
const CM_RESULTS: readonly string[] = ['CR_SUCCESS', 'CR_LATER', 'CR_ROLLBACK', 'CR_COMMIT', 'CR_THROW_EXCEPTION', 'CR_RETURN_NULL'];

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
// Java ordering

/** MessageQueue.hashCode: 31-based over brokerName, queueId, topic. */
export function messageQueueHash(mq: MessageQueue): number {
  let hash = (31 + javaStringHash(mq.brokerName)) | 0;
  hash = (Math.imul(31, hash) + mq.queueId) | 0;
  return (Math.imul(31, hash) + javaStringHash(mq.topic)) | 0;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0; // UTF-16 code units, as String.compareTo
}

/** MessageQueue.compareTo: topic, then brokerName, then queueId (the TreeMap order). */
export function compareMessageQueue(a: MessageQueue, b: MessageQueue): number {
  return compareStrings(a.topic, b.topic) || compareStrings(a.brokerName, b.brokerName) || a.queueId - b.queueId;
}

const integerHash = (value: number): number => value | 0;

/** Entries with equal MessageQueues merged as a Java map would: first position, last value. */
function mqEntries<V>(table: ReadonlyMap<MessageQueue, V>): [MessageQueue, V][] {
  const merged = new Map<string, [MessageQueue, V]>();
  for (const [mq, value] of table) {
    const key = messageQueueKey(mq);
    const seen = merged.get(key);
    if (seen) seen[1] = value;
    else merged.set(key, [mq, value]);
  }
  return [...merged.values()];
}

/** A MessageQueue-keyed map as fastjson writes it: object-literal keys, HashMap or TreeMap order. */
function mqMapJson<V>(table: ReadonlyMap<MessageQueue, V>, valueJson: (value: V) => WritableJson, order: 'HashMap' | 'TreeMap' = 'HashMap'): WritableJson {
  const entries = mqEntries(table);
  const ordered = order === 'TreeMap' ? entries.sort(([a], [b]) => compareMessageQueue(a, b)) : javaMapOrder(entries, ([mq]) => messageQueueHash(mq));
  return new Map(ordered.map(([mq, value]): [WritableJson, WritableJson] => [messageQueueJson(mq), valueJson(value)]));
}

function stringMapJson<V>(table: ReadonlyMap<string, V>, valueJson: (value: V) => WritableJson, kind: JavaMapKind, initialCapacity?: number): WritableJson {
  const keys = initialCapacity === undefined ? javaStringMapOrder([...table.keys()], kind) : javaMapOrder([...table.keys()], javaStringHash, kind, initialCapacity);
  return new Map(keys.map((key): [WritableJson, WritableJson] => [key, valueJson(table.get(key)!)]));
}

function integerMapJson(table: ReadonlyMap<number, number>, kind: JavaMapKind, initialCapacity?: number): WritableJson {
  return new Map(javaMapOrder([...table.keys()], integerHash, kind, initialCapacity).map((key): [WritableJson, WritableJson] => [key, table.get(key)!]));
}

/** SubscriptionData with tagsSet and codeSet in HashSet order. */
function subscriptionJson(data: SubscriptionData): WritableJson {
  return subscriptionDataJson({
    ...data,
    tagsSet: [...javaStringMapOrder([...new Set(data.tagsSet)])],
    codeSet: javaMapOrder([...new Set(data.codeSet)], integerHash),
  });
}

const double = (value: number): JavaDouble => new JavaDouble(value);

// ---------------------------------------------------------------------------------------------
// lenient readers

/** A map key written as an object literal, or (leniently) as a quoted JSON object. */
function keyAsMessageQueue(key: number | string | JsonValue): MessageQueue | undefined {
  if (isObject(key)) return readMessageQueue(key);
  if (typeof key === 'string' && key.trimStart().startsWith('{')) {
    try {
      const parsed = parseFastjson(key);
      if (isObject(parsed)) return readMessageQueue(parsed);
    } catch {
      // not a queue; skipped below
    }
  }
  return undefined;
}

function readMqMap<V>(value: JsonValue | undefined, read: (value: JsonValue) => V): Map<MessageQueue, V> {
  const out = new Map<MessageQueue, V>();
  for (const [key, item] of entriesOf(value)) {
    const mq = keyAsMessageQueue(key);
    if (mq) out.set(mq, read(item));
  }
  return out;
}

function readStringMap<V>(value: JsonValue | undefined, read: (value: JsonValue, key: string) => V): Map<string, V> {
  return new Map(entriesOf(value).map(([key, item]): [string, V] => [String(key), read(item, String(key))]));
}

function readIntegerMap(value: JsonValue | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const [key, item] of entriesOf(value)) {
    const id = typeof key === 'number' ? key : typeof key === 'string' && key.trim() !== '' ? Number(key) : NaN;
    if (Number.isFinite(id)) out.set(id, num(item));
  }
  return out;
}

const object = (value: JsonValue | undefined): Record<string, JsonValue> => (isObject(value) ? value : {});
const optionalString = (value: JsonValue | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

// ---------------------------------------------------------------------------------------------
// TopicStatsTable (202)

export function encodeTopicStatsTable(table: TopicStatsTable): Buffer {
  return Buffer.from(
    writeFastjson({
      offsetTable: mqMapJson(table.offsetTable, (o) => ({ lastUpdateTimestamp: o.lastUpdateTimestamp, maxOffset: o.maxOffset, minOffset: o.minOffset })),
    }),
  );
}

export function decodeTopicStatsTable(body: Uint8Array | undefined): TopicStatsTable {
  const offsetTable = readMqMap(parseBody(body, 'TopicStatsTable')['offsetTable'], (value) => {
    const o = object(value);
    return { minOffset: num(o['minOffset']), maxOffset: num(o['maxOffset']), lastUpdateTimestamp: num(o['lastUpdateTimestamp']) };
  });
  return { offsetTable };
}

// ---------------------------------------------------------------------------------------------
// ConsumeStats (208) and ConsumeStatsList (317)

export function consumeStatsJson(stats: ConsumeStats): WritableJson {
  return {
    consumeTps: double(stats.consumeTps),
    offsetTable: mqMapJson(stats.offsetTable, (o) => ({ brokerOffset: o.brokerOffset, consumerOffset: o.consumerOffset, lastTimestamp: o.lastTimestamp })),
  };
}

export function readConsumeStats(value: JsonValue | undefined): ConsumeStats {
  const o = object(value);
  const offsetTable = readMqMap(o['offsetTable'], (item) => {
    const w = object(item);
    return { brokerOffset: num(w['brokerOffset']), consumerOffset: num(w['consumerOffset']), lastTimestamp: num(w['lastTimestamp']) };
  });
  return { consumeTps: num(o['consumeTps']), offsetTable };
}

export function encodeConsumeStats(stats: ConsumeStats): Buffer {
  return Buffer.from(writeFastjson(consumeStatsJson(stats)));
}

export function decodeConsumeStats(body: Uint8Array | undefined): ConsumeStats {
  return readConsumeStats(parseBody(body, 'ConsumeStats'));
}

/** ConsumeStats.computeTotalDiff: Σ (brokerOffset − consumerOffset). */
export function consumeStatsTotalDiff(stats: ConsumeStats): number {
  let diff = 0;
  for (const o of stats.offsetTable.values()) diff += o.brokerOffset - o.consumerOffset;
  return diff;
}

export function encodeConsumeStatsList(stats: ConsumeStatsList): Buffer {
  return Buffer.from(
    writeFastjson({
      brokerAddr: stats.brokerAddr,
      consumeStatsList: stats.consumeStatsList.map((byGroup) => stringMapJson(byGroup, (list) => list.map(consumeStatsJson), 'HashMap')),
      totalDiff: stats.totalDiff,
    }),
  );
}

export function decodeConsumeStatsList(body: Uint8Array | undefined): ConsumeStatsList {
  const o = parseBody(body, 'ConsumeStatsList');
  return {
    brokerAddr: optionalString(o['brokerAddr']),
    consumeStatsList: list(o['consumeStatsList']).map((byGroup) => readStringMap(byGroup, (item) => list(item).map(readConsumeStats))),
    totalDiff: num(o['totalDiff']),
  };
}

// ---------------------------------------------------------------------------------------------
// ConsumerConnection (203), ProducerConnection (204)

function connectionJson(c: ConnectionInfo): WritableJson {
  return { clientAddr: c.clientAddr, clientId: c.clientId, language: c.language, version: c.version };
}

function readConnection(value: JsonValue | undefined): ConnectionInfo {
  const o = object(value);
  return { clientId: str(o['clientId']), clientAddr: str(o['clientAddr']), language: parseLanguage(o['language']), version: num(o['version']) };
}

/** Connections are written in the given order (Java's HashSet<Connection> iterates by identity hash). */
export function encodeConsumerConnection(connection: ConsumerConnection): Buffer {
  return Buffer.from(
    writeFastjson({
      connectionSet: connection.connectionSet.map(connectionJson),
      consumeFromWhere: connection.consumeFromWhere,
      consumeType: connection.consumeType,
      messageModel: connection.messageModel,
      subscriptionTable: stringMapJson(connection.subscriptionTable, subscriptionJson, 'ConcurrentHashMap'),
    }),
  );
}

export function decodeConsumerConnection(body: Uint8Array | undefined): ConsumerConnection {
  const o = parseBody(body, 'ConsumerConnection');
  return {
    connectionSet: list(o['connectionSet']).map(readConnection),
    subscriptionTable: readStringMap(o['subscriptionTable'], (item) => readSubscriptionData(item)),
    consumeType: optionalString(o['consumeType']),
    messageModel: optionalString(o['messageModel']),
    consumeFromWhere: optionalString(o['consumeFromWhere']),
  };
}

export function encodeProducerConnection(connection: ProducerConnection): Buffer {
  return Buffer.from(writeFastjson({ connectionSet: connection.connectionSet.map(connectionJson) }));
}

export function decodeProducerConnection(body: Uint8Array | undefined): ProducerConnection {
  return { connectionSet: list(parseBody(body, 'ProducerConnection')['connectionSet']).map(readConnection) };
}

// ---------------------------------------------------------------------------------------------
// GroupList (300)

export function encodeGroupList(groups: Iterable<string>): Buffer {
  return Buffer.from(writeFastjson({ groupList: javaStringMapOrder([...new Set(groups)]) }));
}

export function decodeGroupList(body: Uint8Array | undefined): string[] {
  return list(parseBody(body, 'GroupList')['groupList']).map((g) => str(g));
}

// ---------------------------------------------------------------------------------------------
// ResetOffsetBody (220 request, 222 response), ResetOffsetBodyForC

export function encodeResetOffsetBody(body: ResetOffsetBody): Buffer {
  return Buffer.from(writeFastjson({ offsetTable: mqMapJson(body.offsetTable, (offset) => offset) }));
}

export function decodeResetOffsetBody(body: Uint8Array | undefined): ResetOffsetBody {
  return { offsetTable: readMqMap(parseBody(body, 'ResetOffsetBody')['offsetTable'], (v) => num(v)) };
}

export function encodeResetOffsetBodyForC(body: ResetOffsetBodyForC): Buffer {
  return Buffer.from(
    writeFastjson({ offsetTable: body.offsetTable.map((q) => ({ brokerName: q.brokerName, offset: q.offset, queueId: q.queueId, topic: q.topic })) }),
  );
}

export function decodeResetOffsetBodyForC(body: Uint8Array | undefined): ResetOffsetBodyForC {
  return {
    offsetTable: list(parseBody(body, 'ResetOffsetBodyForC')['offsetTable']).map((item) => ({ ...readMessageQueue(item), offset: num(object(item)['offset']) })),
  };
}

// ---------------------------------------------------------------------------------------------
// GetConsumerStatusBody (221 response, 223 response)

export function encodeGetConsumerStatusBody(body: GetConsumerStatusBody): Buffer {
  return Buffer.from(
    writeFastjson({
      consumerTable: stringMapJson(body.consumerTable, (table) => mqMapJson(table, (offset) => offset), 'HashMap'),
      messageQueueTable: mqMapJson(body.messageQueueTable, (offset) => offset),
    }),
  );
}

export function decodeGetConsumerStatusBody(body: Uint8Array | undefined): GetConsumerStatusBody {
  const o = parseBody(body, 'GetConsumerStatusBody');
  return {
    messageQueueTable: readMqMap(o['messageQueueTable'], (v) => num(v)),
    consumerTable: readStringMap(o['consumerTable'], (table) => readMqMap(table, (v) => num(v))),
  };
}

// ---------------------------------------------------------------------------------------------
// QueryConsumeTimeSpanBody (303)

/** SimpleDateFormat "yyyy-MM-dd#HH:mm:ss:SSS" in the local time zone (QueueTimeSpan's *Str getters). */
export function queueTimeSpanDate(millis: number): string {
  const d = new Date(millis);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `#${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}:${pad(d.getMilliseconds(), 3)}`
  );
}

export function encodeQueryConsumeTimeSpanBody(body: QueryConsumeTimeSpanBody): Buffer {
  return Buffer.from(
    writeFastjson({
      consumeTimeSpanSet: body.consumeTimeSpanSet.map((s) => ({
        consumeTimeStamp: s.consumeTimeStamp,
        consumeTimeStampStr: queueTimeSpanDate(s.consumeTimeStamp),
        delayTime: s.delayTime,
        maxTimeStamp: s.maxTimeStamp,
        maxTimeStampStr: queueTimeSpanDate(s.maxTimeStamp),
        messageQueue: messageQueueJson(s.messageQueue),
        minTimeStamp: s.minTimeStamp,
        minTimeStampStr: queueTimeSpanDate(s.minTimeStamp),
      })),
    }),
  );
}

export function decodeQueryConsumeTimeSpanBody(body: Uint8Array | undefined): QueryConsumeTimeSpanBody {
  return {
    consumeTimeSpanSet: list(parseBody(body, 'QueryConsumeTimeSpanBody')['consumeTimeSpanSet']).map((item) => {
      const o = object(item);
      return {
        messageQueue: readMessageQueue(o['messageQueue']),
        minTimeStamp: num(o['minTimeStamp']),
        maxTimeStamp: num(o['maxTimeStamp']),
        consumeTimeStamp: num(o['consumeTimeStamp']),
        delayTime: num(o['delayTime']),
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// ConsumerRunningInfo (307)

function processQueueInfoJson(p: ProcessQueueInfo): WritableJson {
  return { ...p };
}

function readProcessQueueInfo(value: JsonValue | undefined): ProcessQueueInfo {
  const o = object(value);
  return {
    commitOffset: num(o['commitOffset']),
    cachedMsgMinOffset: num(o['cachedMsgMinOffset']),
    cachedMsgMaxOffset: num(o['cachedMsgMaxOffset']),
    cachedMsgCount: num(o['cachedMsgCount']),
    cachedMsgSizeInMiB: num(o['cachedMsgSizeInMiB']),
    transactionMsgMinOffset: num(o['transactionMsgMinOffset']),
    transactionMsgMaxOffset: num(o['transactionMsgMaxOffset']),
    transactionMsgCount: num(o['transactionMsgCount']),
    locked: bool(o['locked']),
    tryUnlockTimes: num(o['tryUnlockTimes']),
    lastLockTimestamp: num(o['lastLockTimestamp']),
    droped: bool(o['droped'] ?? o['dropped']),
    lastPullTimestamp: num(o['lastPullTimestamp']),
    lastConsumeTimestamp: num(o['lastConsumeTimestamp']),
  };
}

function consumeStatusJson(s: ConsumeStatus): WritableJson {
  return {
    consumeFailedMsgs: s.consumeFailedMsgs,
    consumeFailedTPS: double(s.consumeFailedTPS),
    consumeOKTPS: double(s.consumeOKTPS),
    consumeRT: double(s.consumeRT),
    pullRT: double(s.pullRT),
    pullTPS: double(s.pullTPS),
  };
}

function readConsumeStatus(value: JsonValue | undefined): ConsumeStatus {
  const o = object(value);
  return {
    pullRT: num(o['pullRT']),
    pullTPS: num(o['pullTPS']),
    consumeRT: num(o['consumeRT']),
    consumeOKTPS: num(o['consumeOKTPS']),
    consumeFailedTPS: num(o['consumeFailedTPS']),
    consumeFailedMsgs: num(o['consumeFailedMsgs']),
  };
}

/** SubscriptionData.compareTo: by `topic@subString` (the TreeSet order; equal ones kept once). */
function subscriptionSetOrder(set: readonly SubscriptionData[]): SubscriptionData[] {
  const byKey = new Map<string, SubscriptionData>();
  for (const data of set) {
    const key = `${data.topic}@${data.subString}`;
    if (!byKey.has(key)) byKey.set(key, data);
  }
  return [...byKey.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, data]) => data);
}

/**
 * properties iterate as java.util.Properties does on Java 9+ (a ConcurrentHashMap inside;
 * Java 8's Hashtable order differs); mqTable and statusTable are TreeMaps, subscriptionSet a TreeSet.
 */
export function encodeConsumerRunningInfo(info: ConsumerRunningInfo): Buffer {
  return Buffer.from(
    writeFastjson({
      jstack: info.jstack,
      mqTable: mqMapJson(info.mqTable, processQueueInfoJson, 'TreeMap'),
      properties: stringMapJson(info.properties, (v) => v, 'ConcurrentHashMap'),
      statusTable: new Map(
        [...info.statusTable.keys()].sort(compareStrings).map((topic): [WritableJson, WritableJson] => [topic, consumeStatusJson(info.statusTable.get(topic)!)]),
      ),
      subscriptionSet: subscriptionSetOrder(info.subscriptionSet).map(subscriptionJson),
    }),
  );
}

export function decodeConsumerRunningInfo(body: Uint8Array | undefined): ConsumerRunningInfo {
  const o = parseBody(body, 'ConsumerRunningInfo');
  return {
    properties: readStringMap(o['properties'], (v) => str(v)),
    subscriptionSet: list(o['subscriptionSet']).map(readSubscriptionData),
    mqTable: readMqMap(o['mqTable'], readProcessQueueInfo),
    statusTable: readStringMap(o['statusTable'], readConsumeStatus),
    jstack: optionalString(o['jstack']),
  };
}

// ---------------------------------------------------------------------------------------------
// ConsumeMessageDirectlyResult (309)

export function encodeConsumeMessageDirectlyResult(result: ConsumeMessageDirectlyResult): Buffer {
  return Buffer.from(
    writeFastjson({
      autoCommit: result.autoCommit,
      consumeResult: result.consumeResult,
      order: result.order,
      remark: result.remark,
      spentTimeMills: result.spentTimeMills,
    }),
  );
}

export function decodeConsumeMessageDirectlyResult(body: Uint8Array | undefined): ConsumeMessageDirectlyResult {
  const o = parseBody(body, 'ConsumeMessageDirectlyResult');
  const consumeResult = o['consumeResult'];
  return {
    order: bool(o['order']),
    autoCommit: bool(o['autoCommit'], true),
    consumeResult: typeof consumeResult === 'string' && CM_RESULTS.includes(consumeResult) ? (consumeResult as CMResult) : undefined,
    remark: optionalString(o['remark']),
    spentTimeMills: num(o['spentTimeMills']),
  };
}

// ---------------------------------------------------------------------------------------------
// SubscriptionGroupWrapper (201)

/** The table in SubscriptionGroupManager's order: ConcurrentHashMap(1024). */
export function encodeSubscriptionGroupWrapper(wrapper: SubscriptionGroupWrapper): Buffer {
  return Buffer.from(
    writeFastjson({
      dataVersion: { counter: wrapper.dataVersion.counter, timestamp: wrapper.dataVersion.timestamp },
      subscriptionGroupTable: stringMapJson(wrapper.subscriptionGroupTable, subscriptionGroupJson, 'ConcurrentHashMap', 1024),
    }),
  );
}

export function decodeSubscriptionGroupWrapper(body: Uint8Array | undefined): SubscriptionGroupWrapper {
  const o = parseBody(body, 'SubscriptionGroupWrapper');
  return {
    dataVersion: readDataVersion(o['dataVersion']),
    subscriptionGroupTable: readStringMap(o['subscriptionGroupTable'], (config, name) => readSubscriptionGroupConfig(config, name)),
  };
}

// ---------------------------------------------------------------------------------------------
// ConsumerOffsetSerializeWrapper (43) and DelayOffsetSerializeWrapper (45)

/**
 * consumerOffset.json / GET_ALL_CONSUMER_OFFSET: ConsumerOffsetManager's order, a
 * ConcurrentHashMap(512) of ConcurrentHashMap(32). (A Java broker that loaded the file at
 * startup holds fastjson's default-capacity maps instead, so its order can differ; readers
 * never depend on it.)
 */
export function encodeConsumerOffsetSerializeWrapper(wrapper: ConsumerOffsetSerializeWrapper, options: { pretty?: boolean } = {}): Buffer {
  return Buffer.from(
    writeFastjson(
      { offsetTable: stringMapJson(wrapper.offsetTable, (queues) => integerMapJson(queues, 'ConcurrentHashMap', 32), 'ConcurrentHashMap', 512) },
      options,
    ),
  );
}

export function decodeConsumerOffsetSerializeWrapper(body: Uint8Array | undefined): ConsumerOffsetSerializeWrapper {
  return { offsetTable: readStringMap(parseBody(body, 'ConsumerOffsetSerializeWrapper')['offsetTable'], (queues) => readIntegerMap(queues)) };
}

/** delayOffset.json / GET_ALL_DELAY_OFFSET: ScheduleMessageService's ConcurrentHashMap(32). */
export function encodeDelayOffsetSerializeWrapper(wrapper: DelayOffsetSerializeWrapper, options: { pretty?: boolean } = {}): Buffer {
  return Buffer.from(writeFastjson({ offsetTable: integerMapJson(wrapper.offsetTable, 'ConcurrentHashMap', 32) }, options));
}

export function decodeDelayOffsetSerializeWrapper(body: Uint8Array | undefined): DelayOffsetSerializeWrapper {
  return { offsetTable: readIntegerMap(parseBody(body, 'DelayOffsetSerializeWrapper')['offsetTable']) };
}

// ---------------------------------------------------------------------------------------------
// CheckClientRequestBody (46), QueryCorrectionOffsetBody (308)

export function encodeCheckClientRequestBody(request: CheckClientRequestBody): Buffer {
  return Buffer.from(
    writeFastjson({
      clientId: request.clientId,
      group: request.group,
      subscriptionData: request.subscriptionData ? subscriptionJson(request.subscriptionData) : undefined,
    }),
  );
}

export function decodeCheckClientRequestBody(body: Uint8Array | undefined): CheckClientRequestBody {
  const o = parseBody(body, 'CheckClientRequestBody');
  return {
    clientId: str(o['clientId']),
    group: str(o['group']),
    subscriptionData: isObject(o['subscriptionData']) ? readSubscriptionData(o['subscriptionData']) : undefined,
  };
}

export function encodeQueryCorrectionOffsetBody(body: QueryCorrectionOffsetBody): Buffer {
  return Buffer.from(writeFastjson({ correctionOffsets: integerMapJson(body.correctionOffsets, 'HashMap') }));
}

export function decodeQueryCorrectionOffsetBody(body: Uint8Array | undefined): QueryCorrectionOffsetBody {
  return { correctionOffsets: readIntegerMap(parseBody(body, 'QueryCorrectionOffsetBody')['correctionOffsets']) };
}

// ---------------------------------------------------------------------------------------------
// BrokerStatsData (315)

function brokerStatsItemJson(item: BrokerStatsItem): WritableJson {
  return { avgpt: double(item.avgpt), sum: item.sum, tps: double(item.tps) };
}

function readBrokerStatsItem(value: JsonValue | undefined): BrokerStatsItem {
  const o = object(value);
  return { sum: num(o['sum']), tps: num(o['tps']), avgpt: num(o['avgpt']) };
}

export function encodeBrokerStatsData(data: BrokerStatsData): Buffer {
  return Buffer.from(
    writeFastjson({
      statsDay: brokerStatsItemJson(data.statsDay),
      statsHour: brokerStatsItemJson(data.statsHour),
      statsMinute: brokerStatsItemJson(data.statsMinute),
    }),
  );
}

export function decodeBrokerStatsData(body: Uint8Array | undefined): BrokerStatsData {
  const o = parseBody(body, 'BrokerStatsData');
  return { statsMinute: readBrokerStatsItem(o['statsMinute']), statsHour: readBrokerStatsItem(o['statsHour']), statsDay: readBrokerStatsItem(o['statsDay']) };
}

// ---------------------------------------------------------------------------------------------
// TopicConfig (GET_TOPIC_CONFIG 351 answer)

export function encodeTopicConfig(config: TopicConfig): Buffer {
  return Buffer.from(writeFastjson(topicConfigJson(config)));
}

export function decodeTopicConfig(body: Uint8Array | undefined): TopicConfig {
  return readTopicConfig(parseBody(body, 'TopicConfig'));
}
