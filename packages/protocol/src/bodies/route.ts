/**
 * Name server bodies (remoting-protocol.md §7.1–7.3). Java: common/.../protocol/route/
 * TopicRouteData, QueueData, BrokerData; body/ClusterInfo, TopicList, KVTable,
 * RegisterBrokerBody, TopicConfigSerializeWrapper; common/.../DataVersion, TopicConfig.
 *
 *   TopicRouteData  {"brokerDatas":[BrokerData],"filterServerTable":{addr:[addr]},
 *                    "orderTopicConf"?:S,"queueDatas":[QueueData]}
 *   BrokerData      {"brokerAddrs":{0:"ip:port",…},"brokerName":S,"cluster":S}   (bare Long keys)
 *   QueueData       {"brokerName":S,"perm":I,"readQueueNums":I,"topicSynFlag":I,"writeQueueNums":I}
 *
 * Writers emit fastjson's bytes (sorted bean keys, bare numeric keys, Java HashMap order for
 * maps and sets); readers accept what any client or broker version sends (quoted or bare
 * keys, topicSysFlag from 4.9+, unknown fields).
 */
import { inflateSync } from 'node:zlib';
import { javaLongHash, javaMapOrder, javaStringHash, javaStringMapOrder } from '../codec/java-hash.ts';
import { JsonParseError } from '../errors.ts';
import { entriesOf, type JsonObject, type JsonValue, parseFastjson, writeFastjson, type WritableJson } from '../json/fastjson.ts';

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** brokerId → "ip:port"; 0 is the master. */
  brokerAddrs: Map<number, string>;
}

export interface TopicRouteData {
  orderTopicConf?: string | undefined;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  filterServerTable: Map<string, string[]>;
}

export interface ClusterInfo {
  brokerAddrTable: Map<string, BrokerData>;
  clusterAddrTable: Map<string, Set<string>>;
}

export interface DataVersion {
  counter: number;
  timestamp: number;
  /**
   * 5.x: the master epoch in controller mode (DataVersion.stateVersion). A name server keeps the
   * registration with the higher one for a brokerId; absent from 4.x brokers (0).
   */
  stateVersion?: number;
}

/** DataVersion JSON in fastjson's field order; stateVersion only when set (4.x bytes otherwise). */
function dataVersionJson(version: DataVersion): WritableJson {
  return version.stateVersion === undefined
    ? { counter: version.counter, timestamp: version.timestamp }
    : { counter: version.counter, stateVersion: version.stateVersion, timestamp: version.timestamp };
}

/** TopicConfig.java; topicFilterType is SINGLE_TAG or MULTI_TAG. */
export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: string;
  topicSysFlag: number;
  order: boolean;
}

/** A TopicConfig with Java's `new TopicConfig(name)` defaults for what `init` leaves out. */
export function newTopicConfig(topicName: string, init: Partial<Omit<TopicConfig, 'topicName'>> = {}): TopicConfig {
  return {
    topicName,
    readQueueNums: init.readQueueNums ?? 16,
    writeQueueNums: init.writeQueueNums ?? 16,
    perm: init.perm ?? PermName.READ | PermName.WRITE,
    topicFilterType: init.topicFilterType ?? 'SINGLE_TAG',
    topicSysFlag: init.topicSysFlag ?? 0,
    order: init.order ?? false,
  };
}

export interface TopicConfigSerializeWrapper {
  dataVersion: DataVersion;
  topicConfigTable: Map<string, TopicConfig>;
}

export interface RegisterBrokerBody {
  topicConfigSerializeWrapper: TopicConfigSerializeWrapper;
  filterServerList: string[];
}

/** PermName.java */
export const PermName = {
  PRIORITY: 8,
  READ: 4,
  WRITE: 2,
  INHERIT: 1,
} as const;

export function isReadable(perm: number): boolean {
  return (perm & PermName.READ) !== 0;
}

export function isWriteable(perm: number): boolean {
  return (perm & PermName.WRITE) !== 0;
}

export function permToString(perm: number): string {
  return `${isReadable(perm) ? 'R' : '-'}${isWriteable(perm) ? 'W' : '-'}${perm & PermName.INHERIT ? 'X' : '-'}`;
}

/** TopicSysFlag.java: unit-mode bits. */
export const TopicSysFlag = {
  UNIT: 0x1,
  UNIT_SUB: 0x2,
} as const;

// ---------------------------------------------------------------------------------------------
// writing

/** A Map in Java HashMap<String, …> iteration order, for byte parity with fastjson output. */
export function javaOrderedMap<V>(entries: Iterable<[string, V]>): Map<string, V> {
  const map = new Map(entries);
  return new Map(javaStringMapOrder([...map.keys()]).map((key) => [key, map.get(key)!]));
}

function brokerDataJson(data: BrokerData): WritableJson {
  const ids = javaMapOrder([...data.brokerAddrs.keys()], javaLongHash);
  return {
    brokerAddrs: new Map(ids.map((id) => [id, data.brokerAddrs.get(id)!])),
    brokerName: data.brokerName,
    cluster: data.cluster,
  };
}

function queueDataJson(data: QueueData): WritableJson {
  return {
    brokerName: data.brokerName,
    perm: data.perm,
    readQueueNums: data.readQueueNums,
    topicSynFlag: data.topicSysFlag, // sic: the 4.8 field name; 4.8 clients read only this one
    writeQueueNums: data.writeQueueNums,
  };
}

export function encodeTopicRouteData(route: TopicRouteData): Buffer {
  return Buffer.from(
    writeFastjson({
      brokerDatas: route.brokerDatas.map(brokerDataJson),
      filterServerTable: javaOrderedMap(route.filterServerTable),
      orderTopicConf: route.orderTopicConf,
      queueDatas: route.queueDatas.map(queueDataJson),
    }),
  );
}

export function encodeClusterInfo(info: ClusterInfo): Buffer {
  return Buffer.from(
    writeFastjson({
      brokerAddrTable: new Map([...javaOrderedMap(info.brokerAddrTable)].map(([name, data]) => [name, brokerDataJson(data)])),
      clusterAddrTable: new Map(
        [...javaOrderedMap(info.clusterAddrTable)].map(([cluster, names]) => [cluster, javaStringMapOrder([...names])]),
      ),
    }),
  );
}

export function encodeTopicList(topics: Iterable<string>, brokerAddr?: string): Buffer {
  return Buffer.from(writeFastjson({ brokerAddr, topicList: javaStringMapOrder([...new Set(topics)]) }));
}

export function encodeKVTable(table: ReadonlyMap<string, string>): Buffer {
  return Buffer.from(writeFastjson({ table: javaOrderedMap(table) }));
}

export function topicConfigJson(config: TopicConfig): WritableJson {
  return {
    order: config.order,
    perm: config.perm,
    readQueueNums: config.readQueueNums,
    topicFilterType: config.topicFilterType,
    topicName: config.topicName,
    topicSysFlag: config.topicSysFlag,
    writeQueueNums: config.writeQueueNums,
  };
}

/** The broker's topic table is a `new ConcurrentHashMap(1024)`: its iteration order, for byte parity. */
export function topicConfigWrapperJson(wrapper: TopicConfigSerializeWrapper): WritableJson {
  const names = javaMapOrder([...wrapper.topicConfigTable.keys()], javaStringHash, 'ConcurrentHashMap', 1024);
  return {
    dataVersion: dataVersionJson(wrapper.dataVersion),
    topicConfigTable: new Map(names.map((name) => [name, topicConfigJson(wrapper.topicConfigTable.get(name)!)])),
  };
}

export function encodeRegisterBrokerBody(body: RegisterBrokerBody): Buffer {
  return Buffer.from(
    writeFastjson({ filterServerList: body.filterServerList, topicConfigSerializeWrapper: topicConfigWrapperJson(body.topicConfigSerializeWrapper) }),
  );
}

export function encodeDataVersion(version: DataVersion): Buffer {
  return Buffer.from(writeFastjson(dataVersionJson(version)));
}

// ---------------------------------------------------------------------------------------------
// reading

export function parseBody(body: Uint8Array | undefined, what: string): JsonObject {
  if (!body || body.length === 0) throw new JsonParseError(`${what}: empty body`);
  const value = parseFastjson(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  if (!isObject(value)) throw new JsonParseError(`${what}: expected a JSON object`);
  return value;
}

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Map);
}

export function num(value: JsonValue | undefined, fallback = 0): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return fallback;
}

export function str(value: JsonValue | undefined, fallback = ''): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? fallback : String(value);
}

export function bool(value: JsonValue | undefined, fallback = false): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.toLowerCase() === 'true';
  return fallback;
}

export function list(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

export function readBrokerData(value: JsonValue | undefined): BrokerData {
  const object = isObject(value) ? value : {};
  const brokerAddrs = new Map<number, string>();
  for (const [key, addr] of entriesOf(object['brokerAddrs'])) brokerAddrs.set(Number(key), str(addr));
  return { cluster: str(object['cluster']), brokerName: str(object['brokerName']), brokerAddrs };
}

export function readQueueData(value: JsonValue | undefined): QueueData {
  const object = isObject(value) ? value : {};
  return {
    brokerName: str(object['brokerName']),
    readQueueNums: num(object['readQueueNums']),
    writeQueueNums: num(object['writeQueueNums']),
    perm: num(object['perm']),
    topicSysFlag: num(object['topicSynFlag'] ?? object['topicSysFlag']),
  };
}

export function decodeTopicRouteData(body: Uint8Array | undefined): TopicRouteData {
  const object = parseBody(body, 'TopicRouteData');
  const filterServerTable = new Map<string, string[]>();
  for (const [addr, servers] of entriesOf(object['filterServerTable'])) filterServerTable.set(String(addr), list(servers).map((s) => str(s)));
  return {
    orderTopicConf: typeof object['orderTopicConf'] === 'string' ? object['orderTopicConf'] : undefined,
    queueDatas: list(object['queueDatas']).map(readQueueData),
    brokerDatas: list(object['brokerDatas']).map(readBrokerData),
    filterServerTable,
  };
}

export function decodeClusterInfo(body: Uint8Array | undefined): ClusterInfo {
  const object = parseBody(body, 'ClusterInfo');
  const brokerAddrTable = new Map<string, BrokerData>();
  for (const [name, data] of entriesOf(object['brokerAddrTable'])) brokerAddrTable.set(String(name), readBrokerData(data));
  const clusterAddrTable = new Map<string, Set<string>>();
  for (const [cluster, names] of entriesOf(object['clusterAddrTable'])) clusterAddrTable.set(String(cluster), new Set(list(names).map((n) => str(n))));
  return { brokerAddrTable, clusterAddrTable };
}

export function decodeTopicList(body: Uint8Array | undefined): { topicList: string[]; brokerAddr?: string } {
  const object = parseBody(body, 'TopicList');
  return { topicList: list(object['topicList']).map((t) => str(t)), brokerAddr: typeof object['brokerAddr'] === 'string' ? object['brokerAddr'] : undefined };
}

export function decodeKVTable(body: Uint8Array | undefined): Map<string, string> {
  const object = parseBody(body, 'KVTable');
  return new Map(entriesOf(object['table']).map(([k, v]) => [String(k), str(v)]));
}

export function readDataVersion(value: JsonValue | undefined): DataVersion {
  const object = isObject(value) ? value : {};
  const version: DataVersion = { counter: num(object['counter']), timestamp: num(object['timestamp']) };
  if (object['stateVersion'] !== undefined) version.stateVersion = num(object['stateVersion']);
  return version;
}

export function readTopicConfig(value: JsonValue | undefined, name = ''): TopicConfig {
  const object = isObject(value) ? value : {};
  return {
    topicName: str(object['topicName'], name),
    readQueueNums: num(object['readQueueNums'], 16),
    writeQueueNums: num(object['writeQueueNums'], 16),
    perm: num(object['perm'], PermName.READ | PermName.WRITE),
    topicFilterType: str(object['topicFilterType'], 'SINGLE_TAG'),
    topicSysFlag: num(object['topicSysFlag']),
    order: bool(object['order']),
  };
}

export function readTopicConfigWrapper(value: JsonValue | undefined): TopicConfigSerializeWrapper {
  const object = isObject(value) ? value : {};
  const topicConfigTable = new Map<string, TopicConfig>();
  for (const [name, config] of entriesOf(object['topicConfigTable'])) topicConfigTable.set(String(name), readTopicConfig(config, String(name)));
  return { dataVersion: readDataVersion(object['dataVersion']), topicConfigTable };
}

export function decodeDataVersion(body: Uint8Array | undefined): DataVersion {
  return readDataVersion(parseBody(body, 'DataVersion'));
}

/**
 * REGISTER_BROKER body: JSON, or with header `compressed=true` a zlib stream of
 * int32 len + DataVersion JSON | int32 topicCount | (int32 len + "name readQ writeQ perm filterType")* |
 * int32 len + filterServerList JSON (RegisterBrokerBody.encode/decode).
 */
export function decodeRegisterBrokerBody(body: Uint8Array | undefined, compressed: boolean): RegisterBrokerBody {
  if (!compressed) {
    const object = parseBody(body, 'RegisterBrokerBody');
    return {
      topicConfigSerializeWrapper: readTopicConfigWrapper(object['topicConfigSerializeWrapper']),
      filterServerList: list(object['filterServerList']).map((s) => str(s)),
    };
  }
  if (!body || body.length === 0) throw new JsonParseError('RegisterBrokerBody: empty compressed body');
  const data = inflateSync(body);
  let at = 0;
  const chunk = (what: string): string => {
    if (at + 4 > data.length) throw new JsonParseError(`RegisterBrokerBody: truncated before ${what}`);
    const length = data.readInt32BE(at);
    if (length < 0 || at + 4 + length > data.length) throw new JsonParseError(`RegisterBrokerBody: ${what} runs past the end`);
    at += 4 + length;
    return data.toString('utf8', at - length, at);
  };
  const dataVersion = readDataVersion(parseFastjson(chunk('dataVersion')));
  if (at + 4 > data.length) throw new JsonParseError('RegisterBrokerBody: truncated before the topic count');
  const count = data.readInt32BE(at);
  at += 4;
  const topicConfigTable = new Map<string, TopicConfig>();
  for (let i = 0; i < count; i++) {
    const [topicName = '', readQ, writeQ, perm, filterType] = chunk(`topic ${i}`).split(' ');
    topicConfigTable.set(topicName, {
      topicName,
      readQueueNums: Number(readQ),
      writeQueueNums: Number(writeQ),
      perm: Number(perm),
      topicFilterType: filterType ?? 'SINGLE_TAG',
      topicSysFlag: 0,
      order: false,
    });
  }
  const filterServerList = list(parseFastjson(chunk('filterServerList'))).map((s) => str(s));
  return { topicConfigSerializeWrapper: { dataVersion, topicConfigTable }, filterServerList };
}
