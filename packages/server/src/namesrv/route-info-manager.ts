/**
 * The name server's route table (RouteInfoManager): which brokers exist, in which cluster,
 * which topics they serve with how many queues, and when each broker last registered.
 * In memory only; brokers re-register every 30 s. Pure data: sockets appear only as opaque
 * channel references so a closed connection can drop its broker.
 */
import {
  type BrokerData,
  type ClusterInfo,
  type DataVersion,
  PermName,
  type QueueData,
  type TopicConfigSerializeWrapper,
  type TopicRouteData,
  TopicSysFlag,
} from '@rocketmq-ts/protocol';

export const MASTER_ID = 0;

interface BrokerLiveInfo {
  lastUpdateTimestamp: number;
  dataVersion: DataVersion;
  channel: object | undefined;
  haServerAddr: string;
}

export interface RegisterBrokerInput {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
  haServerAddr: string;
  topicConfigWrapper: TopicConfigSerializeWrapper | undefined;
  filterServerList: string[];
  channel?: object;
  now?: number;
}

export interface RegisterBrokerResult {
  masterAddr?: string;
  haServerAddr?: string;
  /** Set when the registration was ignored: why (a newer registration holds its brokerId). */
  ignored?: string;
}

export interface RemovedBroker {
  brokerAddr: string;
  brokerName: string;
  reason: string;
}

export class RouteInfoManager {
  /** topic → brokerName → QueueData */
  private readonly topicQueueTable = new Map<string, Map<string, QueueData>>();
  private readonly brokerAddrTable = new Map<string, BrokerData>();
  private readonly clusterAddrTable = new Map<string, Set<string>>();
  private readonly brokerLiveTable = new Map<string, BrokerLiveInfo>();
  private readonly filterServerTable = new Map<string, string[]>();

  registerBroker(input: RegisterBrokerInput): RegisterBrokerResult {
    const now = input.now ?? Date.now();
    let brokerNames = this.clusterAddrTable.get(input.clusterName);
    if (!brokerNames) this.clusterAddrTable.set(input.clusterName, (brokerNames = new Set()));
    brokerNames.add(input.brokerName);

    let registerFirst = false;
    let brokerData = this.brokerAddrTable.get(input.brokerName);
    if (!brokerData) {
      registerFirst = true;
      brokerData = { cluster: input.clusterName, brokerName: input.brokerName, brokerAddrs: new Map() };
      this.brokerAddrTable.set(input.brokerName, brokerData);
    }
    // The same address under another id (a slave promoted to master, say) is replaced.
    for (const [id, addr] of brokerData.brokerAddrs) {
      if (addr === input.brokerAddr && id !== input.brokerId) brokerData.brokerAddrs.delete(id);
    }
    const previous = brokerData.brokerAddrs.get(input.brokerId);
    // 5.x (RouteInfoManager.registerBroker): another live broker holding this id with a higher
    // stateVersion (controller mode: a newer master epoch) keeps it. A stale old master cut off
    // from the controllers but not from us cannot take brokerId 0 back.
    if (previous !== undefined && previous !== input.brokerAddr) {
      const holder = this.brokerLiveTable.get(previous);
      const held = holder?.dataVersion.stateVersion ?? 0;
      const offered = input.topicConfigWrapper?.dataVersion.stateVersion ?? 0;
      if (holder && held > offered) {
        this.brokerLiveTable.delete(input.brokerAddr);
        this.filterServerTable.delete(input.brokerAddr);
        return { ignored: `brokerId ${input.brokerId} of ${input.brokerName} is held by ${previous} with stateVersion ${held} > ${offered}` };
      }
    }
    brokerData.brokerAddrs.set(input.brokerId, input.brokerAddr);
    registerFirst ||= previous === undefined;

    // Topic routes come from the master only, and only when they changed.
    if (input.topicConfigWrapper && input.brokerId === MASTER_ID) {
      if (registerFirst || this.isBrokerTopicConfigChanged(input.brokerAddr, input.topicConfigWrapper.dataVersion)) {
        for (const config of input.topicConfigWrapper.topicConfigTable.values()) {
          let byBroker = this.topicQueueTable.get(config.topicName);
          if (!byBroker) this.topicQueueTable.set(config.topicName, (byBroker = new Map()));
          byBroker.set(input.brokerName, {
            brokerName: input.brokerName,
            readQueueNums: config.readQueueNums,
            writeQueueNums: config.writeQueueNums,
            perm: config.perm,
            topicSysFlag: config.topicSysFlag,
          });
        }
      }
    }

    this.brokerLiveTable.set(input.brokerAddr, {
      lastUpdateTimestamp: now,
      dataVersion: input.topicConfigWrapper?.dataVersion ?? { counter: 0, timestamp: 0 },
      channel: input.channel,
      haServerAddr: input.haServerAddr,
    });
    if (input.filterServerList.length > 0) this.filterServerTable.set(input.brokerAddr, input.filterServerList);
    else this.filterServerTable.delete(input.brokerAddr);

    if (input.brokerId !== MASTER_ID) {
      const masterAddr = brokerData.brokerAddrs.get(MASTER_ID);
      if (masterAddr) {
        const master = this.brokerLiveTable.get(masterAddr);
        if (master) return { masterAddr, haServerAddr: master.haServerAddr };
      }
    }
    return {};
  }

  isBrokerTopicConfigChanged(brokerAddr: string, dataVersion: DataVersion): boolean {
    const known = this.brokerLiveTable.get(brokerAddr)?.dataVersion;
    return (
      !known || known.counter !== dataVersion.counter || known.timestamp !== dataVersion.timestamp || (known.stateVersion ?? 0) !== (dataVersion.stateVersion ?? 0)
    );
  }

  /** QUERY_DATA_VERSION: also counts as a sign of life. */
  queryDataVersion(brokerAddr: string, dataVersion: DataVersion, now = Date.now()): { changed: boolean; known?: DataVersion } {
    const live = this.brokerLiveTable.get(brokerAddr);
    const changed = this.isBrokerTopicConfigChanged(brokerAddr, dataVersion);
    if (live) live.lastUpdateTimestamp = now;
    return { changed, known: live?.dataVersion };
  }

  unregisterBroker(clusterName: string, brokerAddr: string, brokerName: string, brokerId: number): void {
    this.brokerLiveTable.delete(brokerAddr);
    this.filterServerTable.delete(brokerAddr);
    const brokerData = this.brokerAddrTable.get(brokerName);
    if (brokerData && brokerData.brokerAddrs.get(brokerId) === brokerAddr) brokerData.brokerAddrs.delete(brokerId);
    else if (brokerData) {
      for (const [id, addr] of brokerData.brokerAddrs) if (addr === brokerAddr) brokerData.brokerAddrs.delete(id);
    }
    if (brokerData && brokerData.brokerAddrs.size === 0) this.removeBrokerName(brokerName, clusterName);
  }

  private removeBrokerName(brokerName: string, clusterName?: string): void {
    this.brokerAddrTable.delete(brokerName);
    for (const [cluster, names] of this.clusterAddrTable) {
      if (clusterName !== undefined && cluster !== clusterName) continue;
      names.delete(brokerName);
      if (names.size === 0) this.clusterAddrTable.delete(cluster);
    }
    for (const [topic, byBroker] of this.topicQueueTable) {
      byBroker.delete(brokerName);
      if (byBroker.size === 0) this.topicQueueTable.delete(topic);
    }
  }

  private removeBrokerAddr(brokerAddr: string): RemovedBroker | undefined {
    this.brokerLiveTable.delete(brokerAddr);
    this.filterServerTable.delete(brokerAddr);
    for (const [brokerName, data] of this.brokerAddrTable) {
      for (const [id, addr] of data.brokerAddrs) {
        if (addr !== brokerAddr) continue;
        data.brokerAddrs.delete(id);
        if (data.brokerAddrs.size === 0) this.removeBrokerName(brokerName);
        return { brokerAddr, brokerName, reason: '' };
      }
    }
    return undefined;
  }

  /** Drops brokers silent for longer than `expiredMillis`; returns what was dropped. */
  scanNotActiveBroker(expiredMillis: number, now = Date.now()): RemovedBroker[] {
    const removed: RemovedBroker[] = [];
    for (const [addr, live] of this.brokerLiveTable) {
      if (live.lastUpdateTimestamp + expiredMillis >= now) continue;
      const gone = this.removeBrokerAddr(addr) ?? { brokerAddr: addr, brokerName: '?', reason: '' };
      removed.push({ ...gone, reason: `no registration for ${Math.round((now - live.lastUpdateTimestamp) / 1000)} s` });
    }
    return removed;
  }

  /** A broker's registering connection closed: drop it at once. */
  onChannelClosed(channel: object): RemovedBroker[] {
    const removed: RemovedBroker[] = [];
    for (const [addr, live] of this.brokerLiveTable) {
      if (live.channel !== channel) continue;
      const gone = this.removeBrokerAddr(addr);
      if (gone) removed.push({ ...gone, reason: 'connection closed' });
    }
    return removed;
  }

  pickupTopicRouteData(topic: string): TopicRouteData | undefined {
    const byBroker = this.topicQueueTable.get(topic);
    if (!byBroker || byBroker.size === 0) return undefined;
    const queueDatas = [...byBroker.values()].map((q) => ({ ...q }));
    const brokerDatas: BrokerData[] = [];
    const filterServerTable = new Map<string, string[]>();
    for (const brokerName of byBroker.keys()) {
      const data = this.brokerAddrTable.get(brokerName);
      if (!data) continue;
      brokerDatas.push({ cluster: data.cluster, brokerName, brokerAddrs: new Map(data.brokerAddrs) });
      for (const addr of data.brokerAddrs.values()) {
        const servers = this.filterServerTable.get(addr);
        if (servers) filterServerTable.set(addr, servers);
      }
    }
    if (brokerDatas.length === 0) return undefined;
    return { queueDatas, brokerDatas, filterServerTable };
  }

  clusterInfo(): ClusterInfo {
    return {
      brokerAddrTable: new Map([...this.brokerAddrTable].map(([name, d]) => [name, { ...d, brokerAddrs: new Map(d.brokerAddrs) }])),
      clusterAddrTable: new Map([...this.clusterAddrTable].map(([cluster, names]) => [cluster, new Set(names)])),
    };
  }

  allTopics(): string[] {
    return [...this.topicQueueTable.keys()];
  }

  deleteTopic(topic: string): boolean {
    return this.topicQueueTable.delete(topic);
  }

  topicsByCluster(cluster: string): string[] {
    const names = this.clusterAddrTable.get(cluster);
    if (!names) return [];
    return [...this.topicQueueTable].filter(([, byBroker]) => [...byBroker.keys()].some((name) => names.has(name))).map(([topic]) => topic);
  }

  /** GET_SYSTEM_TOPIC_LIST_FROM_NS: cluster and broker names, plus one broker address. */
  systemTopics(): { topics: string[]; brokerAddr?: string } {
    const topics: string[] = [];
    let brokerAddr: string | undefined;
    for (const [cluster, names] of this.clusterAddrTable) {
      topics.push(cluster, ...names);
    }
    for (const data of this.brokerAddrTable.values()) {
      brokerAddr ??= data.brokerAddrs.get(MASTER_ID) ?? data.brokerAddrs.values().next().value;
    }
    return { topics, brokerAddr };
  }

  /** Topics by unit flags (GET_UNIT_TOPIC_LIST and friends). */
  topicsWithSysFlag(test: (flag: number) => boolean): string[] {
    return [...this.topicQueueTable].filter(([, byBroker]) => [...byBroker.values()].some((q) => test(q.topicSysFlag))).map(([topic]) => topic);
  }

  static isUnit(flag: number): boolean {
    return (flag & TopicSysFlag.UNIT) !== 0;
  }

  static hasUnitSub(flag: number): boolean {
    return (flag & TopicSysFlag.UNIT_SUB) !== 0;
  }

  /** WIPE_WRITE_PERM_OF_BROKER (clear) / ADD_WRITE_PERM_OF_BROKER (set): returns topics touched. */
  updateWritePermOfBroker(brokerName: string, writable: boolean): number {
    let count = 0;
    for (const byBroker of this.topicQueueTable.values()) {
      const queueData = byBroker.get(brokerName);
      if (!queueData) continue;
      queueData.perm = writable ? queueData.perm | PermName.WRITE : queueData.perm & ~PermName.WRITE;
      count++;
    }
    return count;
  }

  get liveBrokerCount(): number {
    return this.brokerLiveTable.size;
  }
}
