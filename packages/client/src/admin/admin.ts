/**
 * Admin: what mqadmin and the console do (DefaultMQAdminExt), over the wire, against any
 * RocketMQ 4.x cluster. Results are plain objects (see types.ts); a broker's or name server's
 * refusal is an MQBrokerError carrying its response code, a problem on our side an MQClientError.
 *
 * ```ts
 * const admin = new Admin({ namesrvAddr: '127.0.0.1:9876' });
 * await admin.start();
 * await admin.createOrUpdateTopic({ topic: 'Orders', writeQueueNums: 4, readQueueNums: 4 }, { cluster: 'DefaultCluster' });
 * const { totalLag } = await admin.consumeStats('OrderConsumers');
 * await admin.shutdown();
 * ```
 */
import { decodeTraceRecords, DEFAULT_TRACE_TOPIC, type MessageTrace, messageTraceOf } from './trace.ts';
import {
  type BrokerStatsData,
  type ClusterInfo,
  decodeOffsetMessageId,
  isReadable,
  newSubscriptionGroupConfig,
  newTopicConfig,
  PermName,
  permToString,
  RemotingConnectError,
  RemotingTimeoutError,
  ResponseCode,
  type SubscriptionGroupConfig,
} from '@rocketmq-ts/protocol';
import { ClientInstance } from '../core/client-instance.ts';
import { MQBrokerError, MQClientError } from '../errors.ts';
import type { MessageExt, SendResult } from '../message.ts';
import { type ClientOptions, checkGroup, checkTopic, resolveClientOptions } from '../options.ts';
import { AdminApi } from './admin-api.ts';
import { MessageLookup, type QueuePull } from './message-lookup.ts';
import { parseRuntimeInfo } from './runtime-info.ts';
import type {
  AclConfigView,
  AclVersionInfo,
  AdminTarget,
  BrokerAddress,
  BrokerRuntimeInfo,
  ClientConnection,
  ClusterView,
  ConsumeDirectlyResult,
  ConsumerConnectionView,
  ConsumerRunningInfoView,
  ConsumeStatsView,
  MessageQueryOptions,
  MessageTrack,
  MessageView,
  PlainAccessAccount,
  ProducerConnectionView,
  QueueConsumeInfo,
  QueueOffsetInfo,
  ResetOffsetResult,
  TopicCreateOptions,
  TopicRoute,
  TopicStats,
} from './types.ts';
import { versionDesc } from './version.ts';

export type AdminOptions = ClientOptions;

export class Admin {
  private readonly instance: ClientInstance;
  private readonly api: AdminApi;
  private readonly messages: MessageLookup;
  private readonly clientOptions: ClientOptions;
  private state: 'created' | 'running' | 'stopped' = 'created';

  constructor(options: AdminOptions = {}) {
    const resolved = resolveClientOptions(options, 'Admin');
    this.clientOptions = options;
    this.instance = new ClientInstance(resolved, true);
    this.api = new AdminApi(this.instance.remoting, resolved.requestTimeoutMillis);
    this.messages = new MessageLookup(this, this.api, this.instance.api, resolved.requestTimeoutMillis, options);
  }

  get namesrvAddrs(): readonly string[] {
    return this.instance.namesrvAddrs;
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new MQClientError('Admin was already started; create a new one');
    this.state = 'running';
    this.instance.start();
  }

  async shutdown(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    await this.messages.close();
    await this.instance.shutdown();
  }

  private ensureRunning(): void {
    if (this.state !== 'running') throw new MQClientError(this.state === 'created' ? 'Admin is not started; call await admin.start() first' : 'Admin was shut down');
  }

  /** Runs `op` on the name servers in turn until one answers; a refusal (MQBrokerError) is final. */
  private async onNamesrv<T>(what: string, op: (addr: string) => Promise<T>): Promise<T> {
    this.ensureRunning();
    let lastError: unknown;
    for (const addr of this.instance.namesrvAddrs) {
      try {
        return await op(addr);
      } catch (error) {
        if (error instanceof MQBrokerError) throw error;
        lastError = error;
      }
    }
    throw new MQClientError(
      `${what}: no name server answered (${this.instance.namesrvAddrs.join(', ')}); check that a name server runs there and the address is right`,
      { cause: lastError, retriable: true },
    );
  }

  // cluster ----------------------------------------------------------------------------------

  private async rawClusterInfo(): Promise<ClusterInfo> {
    return this.onNamesrv('cluster info', (addr) => this.api.clusterInfo(addr));
  }

  /** Clusters, brokers, roles and addresses (GET_BROKER_CLUSTER_INFO). */
  async clusterInfo(): Promise<ClusterView> {
    const info = await this.rawClusterInfo();
    const clusters: Record<string, string[]> = {};
    for (const [cluster, names] of info.clusterAddrTable) clusters[cluster] = [...names].sort();
    const brokers: BrokerAddress[] = [];
    for (const data of info.brokerAddrTable.values()) {
      for (const [brokerId, addr] of data.brokerAddrs) {
        brokers.push({ cluster: data.cluster, brokerName: data.brokerName, brokerId, addr, role: brokerId === 0 ? 'MASTER' : 'SLAVE' });
      }
    }
    brokers.sort((a, b) => a.cluster.localeCompare(b.cluster) || a.brokerName.localeCompare(b.brokerName) || a.brokerId - b.brokerId);
    return { clusters, brokers };
  }

  /** Master addresses of one cluster, or of every cluster. */
  async masterAddrs(cluster?: string): Promise<{ brokerName: string; addr: string }[]> {
    const info = await this.rawClusterInfo();
    let names: string[];
    if (cluster !== undefined) {
      const set = info.clusterAddrTable.get(cluster);
      if (!set) throw new MQClientError(`cluster "${cluster}" is not known to the name server; known clusters: ${[...info.clusterAddrTable.keys()].join(', ') || 'none'}`);
      names = [...set];
    } else {
      names = [...info.brokerAddrTable.keys()];
    }
    return names
      .sort()
      .map((brokerName) => ({ brokerName, addr: info.brokerAddrTable.get(brokerName)?.brokerAddrs.get(0) }))
      .filter((b): b is { brokerName: string; addr: string } => b.addr !== undefined);
  }

  private async targetAddrs(target: AdminTarget): Promise<string[]> {
    if ('brokerAddr' in target) return [target.brokerAddr];
    const masters = await this.masterAddrs(target.cluster);
    if (masters.length === 0) throw new MQClientError(`cluster "${target.cluster}" has no master broker online`);
    return masters.map((m) => m.addr);
  }

  // name server and broker settings ---------------------------------------------------------

  /** Every name server's settings (GET_NAMESRV_CONFIG), by name server address. */
  async namesrvConfigs(): Promise<Record<string, Record<string, string>>> {
    this.ensureRunning();
    const configs: Record<string, Record<string, string>> = {};
    for (const addr of this.instance.namesrvAddrs) configs[addr] = await this.api.namesrvConfig(addr);
    return configs;
  }

  /** Changes settings on every name server (UPDATE_NAMESRV_CONFIG); returns the name servers written. */
  async updateNamesrvConfig(properties: Record<string, string>): Promise<string[]> {
    this.ensureRunning();
    for (const addr of this.instance.namesrvAddrs) await this.api.updateNamesrvConfig(addr, properties);
    return [...this.instance.namesrvAddrs];
  }

  /** Puts a key of a namespace in every name server's KV store (PUT_KV_CONFIG), as mqadmin updateKvConfig. */
  async putKvConfig(namespace: string, key: string, value: string): Promise<void> {
    this.ensureRunning();
    for (const addr of this.instance.namesrvAddrs) await this.api.putKvConfig(addr, namespace, key, value);
  }

  async deleteKvConfig(namespace: string, key: string): Promise<void> {
    this.ensureRunning();
    for (const addr of this.instance.namesrvAddrs) await this.api.deleteKvConfig(addr, namespace, key);
  }

  /**
   * Takes away (or, with `add`, gives back) the write permission of every topic of `brokerName`
   * in every name server's routes (WIPE_WRITE_PERM_OF_BROKER 205 / ADD_WRITE_PERM_OF_BROKER 327);
   * per name server, how many topics changed.
   */
  async setBrokerWritePerm(brokerName: string, add: boolean): Promise<{ namesrvAddr: string; topicCount: number }[]> {
    this.ensureRunning();
    const results: { namesrvAddr: string; topicCount: number }[] = [];
    for (const namesrvAddr of this.instance.namesrvAddrs) results.push({ namesrvAddr, topicCount: await this.api.setWritePermOfBroker(namesrvAddr, brokerName, add) });
    return results;
  }

  /** The broker's settings (GET_BROKER_CONFIG). */
  async brokerConfig(brokerAddr: string): Promise<Record<string, string>> {
    this.ensureRunning();
    return this.api.brokerConfig(brokerAddr);
  }

  /** Changes broker settings at run time (UPDATE_BROKER_CONFIG) on one broker or every master of a cluster; returns the brokers written. */
  async updateBrokerConfig(properties: Record<string, string>, target: AdminTarget): Promise<string[]> {
    this.ensureRunning();
    const addrs = await this.targetAddrs(target);
    for (const addr of addrs) await this.api.updateBrokerConfig(addr, properties);
    return addrs;
  }

  // plain ACL -------------------------------------------------------------------------------

  /** Creates or updates an ACL account (UPDATE_AND_CREATE_ACL_CONFIG) on one broker or every master of a cluster; returns the brokers written. */
  async updateAccessConfig(account: PlainAccessAccount, target: AdminTarget): Promise<string[]> {
    this.ensureRunning();
    const addrs = await this.targetAddrs(target);
    for (const addr of addrs) await this.api.updateAccessConfig(addr, account);
    return addrs;
  }

  async deleteAccessConfig(accessKey: string, target: AdminTarget): Promise<string[]> {
    this.ensureRunning();
    const addrs = await this.targetAddrs(target);
    for (const addr of addrs) await this.api.deleteAccessConfig(addr, accessKey);
    return addrs;
  }

  async updateGlobalWhiteAddrs(addresses: readonly string[], target: AdminTarget): Promise<string[]> {
    this.ensureRunning();
    const addrs = await this.targetAddrs(target);
    for (const addr of addrs) await this.api.updateGlobalWhiteAddrs(addr, addresses);
    return addrs;
  }

  async aclVersionInfo(brokerAddr: string): Promise<AclVersionInfo> {
    this.ensureRunning();
    return this.api.aclVersionInfo(brokerAddr);
  }

  async aclConfig(brokerAddr: string): Promise<AclConfigView> {
    this.ensureRunning();
    return this.api.aclConfig(brokerAddr);
  }

  /** Copies srcGroup's committed offsets on `topic` to destGroup on every master of the topic's route (CLONE_GROUP_OFFSET). */
  async cloneGroupOffset(srcGroup: string, destGroup: string, topic: string, options: { offline?: boolean } = {}): Promise<string[]> {
    const masters = await this.topicMasters(topic);
    for (const { addr } of masters) await this.api.cloneGroupOffset(addr, srcGroup, destGroup, topic, options.offline ?? false);
    return masters.map((m) => m.addr);
  }

  /**
   * Has the broker storing a transactional half message check it with its producer again
   * (RESUME_CHECK_HALF_MESSAGE 323): `msgId` is the half message's offsetMsgId, whose store
   * host names the broker. MQBrokerError when the broker refuses (no half message there).
   */
  async resumeCheckHalfMessage(msgId: string): Promise<void> {
    this.ensureRunning();
    let host;
    try {
      host = decodeOffsetMessageId(msgId).storeHost;
    } catch (error) {
      throw new MQClientError(`${(error as Error).message}: resumeCheckHalfMessage needs the half message's offsetMsgId`, { cause: error });
    }
    await this.api.resumeCheckHalfMessage(`${host.address}:${host.port}`, msgId);
  }

  /** Version, TPS, disk use and the rest of GET_BROKER_RUNTIME_INFO. */
  async brokerRuntimeInfo(brokerAddr: string): Promise<BrokerRuntimeInfo> {
    this.ensureRunning();
    return parseRuntimeInfo(brokerAddr, await this.api.runtimeInfo(brokerAddr));
  }

  /**
   * One of the broker's statistics items as Apache's BrokerStatsManager keeps them (code 315):
   * `TOPIC_PUT_NUMS` / `TOPIC_PUT_SIZE` by topic, `GROUP_GET_NUMS` / `GROUP_GET_SIZE` by
   * `topic@group`, `BROKER_PUT_NUMS` / `BROKER_GET_NUMS` by cluster; sum, tps and average per
   * call over the last minute, hour and day. Undefined when the broker has no such item yet.
   */
  async brokerStats(brokerAddr: string, statsName: string, statsKey: string): Promise<BrokerStatsData | undefined> {
    this.ensureRunning();
    return this.api.brokerStatsData(brokerAddr, statsName, statsKey);
  }

  // topics -----------------------------------------------------------------------------------

  async topicList(): Promise<string[]> {
    const topics = await this.onNamesrv('topic list', (addr) => this.api.topicList(addr));
    return [...new Set(topics)].sort();
  }

  /** The topic's route; MQBrokerError TOPIC_NOT_EXIST (17) when no name server knows it. */
  async topicRoute(topic: string): Promise<TopicRoute> {
    this.ensureRunning();
    let route;
    try {
      route = await this.instance.updateRoute(topic);
    } catch (error) {
      throw new MQClientError(`route of ${topic}: no name server answered (${this.instance.namesrvAddrs.join(', ')}); check that a name server runs there`, {
        cause: error,
        retriable: true,
      });
    }
    if (!route) {
      throw new MQBrokerError(this.instance.namesrvAddrs.join(';'), `route of ${topic}`, ResponseCode.TOPIC_NOT_EXIST, `No topic route info in name server for the topic: ${topic}`);
    }
    return {
      topic,
      queues: route.queueDatas
        .map((q) => ({
          brokerName: q.brokerName,
          readQueueNums: q.readQueueNums,
          writeQueueNums: q.writeQueueNums,
          perm: q.perm,
          permText: permToString(q.perm),
          topicSysFlag: q.topicSysFlag,
        }))
        .sort((a, b) => a.brokerName.localeCompare(b.brokerName)),
      brokers: route.brokerDatas
        .map((b) => ({ cluster: b.cluster, brokerName: b.brokerName, addrs: Object.fromEntries([...b.brokerAddrs].map(([id, addr]) => [String(id), addr])) }))
        .sort((a, b) => a.brokerName.localeCompare(b.brokerName)),
    };
  }

  /** Masters of the brokers in a topic's route, with their write queue counts. */
  async topicMasters(topic: string): Promise<{ brokerName: string; addr: string; writeQueueNums: number }[]> {
    const route = await this.topicRoute(topic);
    return route.queues
      .map((q) => ({ brokerName: q.brokerName, addr: route.brokers.find((b) => b.brokerName === q.brokerName)?.addrs['0'], writeQueueNums: q.writeQueueNums }))
      .filter((b): b is { brokerName: string; addr: string; writeQueueNums: number } => b.addr !== undefined);
  }

  /** Creates or updates a topic on every master of a cluster or on one broker; returns the brokers written. */
  async createOrUpdateTopic(options: TopicCreateOptions, target: AdminTarget): Promise<string[]> {
    this.ensureRunning();
    checkTopic(options.topic);
    const config = newTopicConfig(options.topic, {
      readQueueNums: options.readQueueNums ?? 8,
      writeQueueNums: options.writeQueueNums ?? 8,
      perm: options.perm ?? PermName.READ | PermName.WRITE,
      order: options.order ?? false,
      topicSysFlag: options.topicSysFlag ?? 0,
    });
    for (const [name, value] of [['readQueueNums', config.readQueueNums], ['writeQueueNums', config.writeQueueNums]] as const) {
      if (!Number.isInteger(value) || value < 1 || value > 1024) throw new MQClientError(`${name} must be an integer from 1 to 1024, got ${value}`);
    }
    if (![2, 4, 6].includes(config.perm)) throw new MQClientError(`perm must be 2 (write only), 4 (read only) or 6 (read and write), got ${config.perm}`);
    const addrs = await this.targetAddrs(target);
    for (const addr of addrs) await this.api.createTopic(addr, config);
    return addrs;
  }

  /** Deletes a topic from the masters of its cluster (or every cluster) and from every name server. */
  async deleteTopic(topic: string, cluster?: string): Promise<void> {
    this.ensureRunning();
    const masters = await this.masterAddrs(cluster);
    for (const { addr } of masters) await this.api.deleteTopicInBroker(addr, topic);
    for (const namesrv of this.instance.namesrvAddrs) await this.api.deleteTopicInNamesrv(namesrv, topic);
  }

  /** Per-queue min/max offsets and last store time (GET_TOPIC_STATS_INFO on each master). */
  async topicStats(topic: string): Promise<TopicStats> {
    const masters = await this.topicMasters(topic);
    const queues: QueueOffsetInfo[] = [];
    for (const { addr } of masters) {
      const table = await this.api.topicStats(addr, topic);
      for (const [mq, offset] of table.offsetTable) queues.push({ brokerName: mq.brokerName, queueId: mq.queueId, ...offset });
    }
    queues.sort((a, b) => a.brokerName.localeCompare(b.brokerName) || a.queueId - b.queueId);
    return { topic, queues, totalMessages: queues.reduce((sum, q) => sum + Math.max(0, q.maxOffset - q.minOffset), 0) };
  }

  /** Groups that consume (or have offsets on) the topic, from every broker of its route. */
  async topicConsumers(topic: string): Promise<string[]> {
    const masters = await this.topicMasters(topic);
    const groups = new Set<string>();
    for (const { addr } of masters) for (const group of await this.api.consumedBy(addr, topic)) groups.add(group);
    return [...groups].sort();
  }

  // subscription groups ----------------------------------------------------------------------

  /** Every subscription group of every master (GET_ALL_SUBSCRIPTIONGROUP_CONFIG), one entry per name. */
  async groups(cluster?: string): Promise<SubscriptionGroupConfig[]> {
    const byName = new Map<string, SubscriptionGroupConfig>();
    for (const { addr } of await this.masterAddrs(cluster)) {
      for (const config of await this.api.allSubscriptionGroups(addr)) if (!byName.has(config.groupName)) byName.set(config.groupName, config);
    }
    return [...byName.values()].sort((a, b) => a.groupName.localeCompare(b.groupName));
  }

  async createOrUpdateGroup(config: Partial<SubscriptionGroupConfig> & { groupName: string }, target: AdminTarget): Promise<string[]> {
    this.ensureRunning();
    checkGroup(config.groupName, 'Admin');
    const full = newSubscriptionGroupConfig(config.groupName, config);
    if (!Number.isInteger(full.retryMaxTimes) || full.retryMaxTimes < -1) throw new MQClientError(`retryMaxTimes must be an integer ≥ −1, got ${full.retryMaxTimes}`);
    const addrs = await this.targetAddrs(target);
    for (const addr of addrs) await this.api.createSubscriptionGroup(addr, full);
    return addrs;
  }

  /** Deletes the group's settings, and (as mqadmin deleteSubGroup) its %RETRY% and %DLQ% topics unless told not to. */
  async deleteGroup(group: string, target: AdminTarget, options: { removeRetryAndDlqTopics?: boolean } = {}): Promise<void> {
    this.ensureRunning();
    const addrs = await this.targetAddrs(target);
    for (const addr of addrs) await this.api.deleteSubscriptionGroup(addr, group);
    if (options.removeRetryAndDlqTopics ?? true) {
      for (const topic of [`%RETRY%${group}`, `%DLQ%${group}`]) {
        for (const addr of addrs) await this.api.deleteTopicInBroker(addr, topic);
        // A name server that never had the group's retry/DLQ topic refuses; the topic is gone from it either way.
        for (const namesrv of this.instance.namesrvAddrs) await this.api.deleteTopicInNamesrv(namesrv, topic).catch(() => undefined);
      }
    }
  }

  // consumers and producers ------------------------------------------------------------------

  /** Per-queue broker and consumer offsets, lag and total lag (GET_CONSUME_STATS on every master). */
  async consumeStats(group: string, topic?: string): Promise<ConsumeStatsView> {
    const queues: QueueConsumeInfo[] = [];
    let consumeTps = 0;
    for (const { addr } of await this.masterAddrs()) {
      const stats = await this.api.consumeStats(addr, group, topic);
      consumeTps += stats.consumeTps;
      for (const [mq, o] of stats.offsetTable) {
        queues.push({
          topic: mq.topic,
          brokerName: mq.brokerName,
          queueId: mq.queueId,
          brokerOffset: o.brokerOffset,
          consumerOffset: o.consumerOffset,
          lag: Math.max(0, o.brokerOffset - o.consumerOffset),
          lastTimestamp: o.lastTimestamp,
        });
      }
    }
    queues.sort((a, b) => a.topic.localeCompare(b.topic) || a.brokerName.localeCompare(b.brokerName) || a.queueId - b.queueId);
    return { group, queues, totalLag: queues.reduce((sum, q) => sum + q.lag, 0), consumeTps };
  }

  private static connection(c: { clientId: string; clientAddr: string; language: string; version: number }): ClientConnection {
    return { clientId: c.clientId, clientAddr: c.clientAddr, language: c.language, version: c.version, versionDesc: versionDesc(c.version) };
  }

  /** The group's online members, their versions and subscriptions; no connections when none is online. */
  async consumerConnection(group: string): Promise<ConsumerConnectionView> {
    const view: ConsumerConnectionView = { group, connections: [], subscriptions: [], consumeType: undefined, messageModel: undefined, consumeFromWhere: undefined };
    const seen = new Set<string>();
    for (const { addr } of await this.masterAddrs()) {
      const connection = await this.api.consumerConnection(addr, group);
      if (!connection) continue;
      for (const c of connection.connectionSet) {
        if (seen.has(c.clientId)) continue;
        seen.add(c.clientId);
        view.connections.push(Admin.connection(c));
      }
      if (view.subscriptions.length === 0) view.subscriptions = [...connection.subscriptionTable.values()].sort((a, b) => a.topic.localeCompare(b.topic));
      view.consumeType ??= connection.consumeType;
      view.messageModel ??= connection.messageModel;
      view.consumeFromWhere ??= connection.consumeFromWhere;
    }
    view.connections.sort((a, b) => a.clientId.localeCompare(b.clientId));
    return view;
  }

  /** The group's connected producers; with a topic, asks only the brokers of its route (as mqadmin producerConnection). */
  async producerConnection(group: string, topic?: string): Promise<ProducerConnectionView> {
    const brokers = topic ? await this.topicMasters(topic) : await this.masterAddrs();
    const connections = new Map<string, ClientConnection>();
    for (const { addr } of brokers) {
      const connection = await this.api.producerConnection(addr, group);
      for (const c of connection?.connectionSet ?? []) if (!connections.has(c.clientId)) connections.set(c.clientId, Admin.connection(c));
    }
    return { group, connections: [...connections.values()].sort((a, b) => a.clientId.localeCompare(b.clientId)) };
  }

  /** What one consumer client reports about itself (GET_CONSUMER_RUNNING_INFO through a broker it is connected to). */
  async consumerRunningInfo(group: string, clientId: string, options: { jstack?: boolean } = {}): Promise<ConsumerRunningInfoView> {
    for (const { addr } of await this.masterAddrs()) {
      const connection = await this.api.consumerConnection(addr, group);
      if (!connection?.connectionSet.some((c) => c.clientId === clientId)) continue;
      const info = await this.api.consumerRunningInfo(addr, group, clientId, options.jstack ?? false);
      return {
        clientId,
        properties: Object.fromEntries(info.properties),
        subscriptions: info.subscriptionSet,
        queues: [...info.mqTable].map(([mq, pq]) => ({ topic: mq.topic, brokerName: mq.brokerName, queueId: mq.queueId, ...pq })),
        status: Object.fromEntries(info.statusTable),
        jstack: info.jstack,
      };
    }
    throw new MQBrokerError('', `running info of ${clientId}`, ResponseCode.CONSUMER_NOT_ONLINE, `the consumer ${clientId} of group ${group} is not connected to any broker`);
  }

  /**
   * Moves the group's offsets on `topic` to the first message stored at or after `timestamp`
   * (−1: the end). The broker does it and tells online consumers (INVOKE_BROKER_TO_RESET_OFFSET);
   * where no consumer is online, the offsets are searched and committed directly, as mqadmin's
   * resetOffsetByTime falls back to its old command. Without `force`, offsets only move back.
   */
  async resetOffsetByTime(group: string, topic: string, timestamp: number, options: { force?: boolean } = {}): Promise<ResetOffsetResult> {
    if (!Number.isFinite(timestamp) || (timestamp < 0 && timestamp !== -1)) throw new MQClientError(`timestamp must be epoch milliseconds or −1 (the end), got ${timestamp}`);
    const force = options.force ?? true;
    const result: ResetOffsetResult = { mode: 'broker', queues: [] };
    for (const { brokerName, addr, writeQueueNums } of await this.topicMasters(topic)) {
      try {
        const table = await this.api.resetOffset(addr, topic, group, timestamp, force);
        for (const [mq, offset] of table) result.queues.push({ topic, brokerName: mq.brokerName || brokerName, queueId: mq.queueId, offset });
      } catch (error) {
        if (!(error instanceof MQBrokerError) || error.responseCode !== ResponseCode.CONSUMER_NOT_ONLINE) throw error;
        result.mode = 'offline';
        const client = this.instance.api;
        const timeout = this.instance.options.requestTimeoutMillis;
        for (let queueId = 0; queueId < writeQueueNums; queueId++) {
          const mq = { topic, brokerName, queueId };
          const target = timestamp === -1 ? await client.getMaxOffset(addr, mq, timeout) : await client.searchOffset(addr, mq, timestamp, timeout);
          const current = await client.queryConsumerOffset(addr, group, mq, timeout);
          const offset = force || current === undefined || target < current ? target : current;
          await client.updateConsumerOffset(addr, group, mq, offset, timeout, false);
          const brokerOffset = timestamp === -1 ? target : await client.getMaxOffset(addr, mq, timeout);
          result.queues.push({ topic, brokerName, queueId, offset, rollback: { brokerOffset, consumerOffset: current ?? -1, timestampOffset: target } });
        }
      }
    }
    result.queues.sort((a, b) => a.brokerName.localeCompare(b.brokerName) || a.queueId - b.queueId);
    return result;
  }

  // messages ---------------------------------------------------------------------------------

  /** A queue's master address, from the topic's route; MQClientError when the broker is not in it. */
  private async queueMaster(mq: { topic: string; brokerName: string }): Promise<string> {
    const master = (await this.topicMasters(mq.topic)).find((m) => m.brokerName === mq.brokerName);
    if (!master) throw new MQClientError(`broker ${mq.brokerName} has no master in the route of ${mq.topic}`);
    return master.addr;
  }

  /** The queue's min and max offsets (GET_MIN_OFFSET / GET_MAX_OFFSET), and with `timestamp` the offset stored at that time. */
  async queueOffsets(mq: { topic: string; brokerName: string; queueId: number }, timestamp?: number): Promise<{ minOffset: number; maxOffset: number; timeOffset?: number }> {
    this.ensureRunning();
    const addr = await this.queueMaster(mq);
    const timeout = this.instance.options.requestTimeoutMillis;
    const minOffset = await this.instance.api.getMinOffset(addr, mq, timeout);
    const maxOffset = await this.instance.api.getMaxOffset(addr, mq, timeout);
    return timestamp === undefined ? { minOffset, maxOffset } : { minOffset, maxOffset, timeOffset: await this.instance.api.searchOffset(addr, mq, timestamp, timeout) };
  }

  /** Up to `maxNums` (≤ 32) messages of one queue from `offset` (PULL_MESSAGE as the tools consumer), filtered by tag expression. */
  async pullQueue(mq: { topic: string; brokerName: string; queueId: number }, offset: number, maxNums: number, subExpression = '*'): Promise<QueuePull> {
    this.ensureRunning();
    return this.messages.pullQueue(await this.queueMaster(mq), mq, offset, maxNums, subExpression);
  }

  /** A message by offsetMsgId alone, as mqadmin queryMsgById (VIEW_MESSAGE_BY_ID at the store host the id names). */
  async viewMessageById(offsetMsgId: string): Promise<MessageExt> {
    this.ensureRunning();
    return this.messages.find('', offsetMsgId);
  }

  /** Messages with `key`, as MessageExt (mqadmin queryMsgByKey / queryMsgByUniqueKey print their stored fields). */
  async queryMessagesByKey(topic: string, key: string, options: MessageQueryOptions = {}): Promise<MessageExt[]> {
    this.ensureRunning();
    return this.messages.byKey(topic, key, options);
  }

  /** For each group consuming the message's topic: consumed or not (mqadmin's consume track under queryMsgById). */
  async messageTrackOf(message: MessageExt): Promise<MessageTrack[]> {
    this.ensureRunning();
    return this.messages.track(message);
  }

  /** By offsetMsgId (VIEW_MESSAGE_BY_ID at the store host), else by the client id (UNIQ_KEY) on every broker of `topic`. */
  async viewMessage(topic: string, msgId: string): Promise<MessageView> {
    this.ensureRunning();
    return this.messages.view(await this.messages.find(topic, msgId));
  }

  async findMessage(topic: string, msgId: string): Promise<MessageExt> {
    this.ensureRunning();
    return this.messages.find(topic, msgId);
  }

  /** Messages with `key` among their keys (QUERY_MESSAGE on every broker of the topic). */
  async queryMessageByKey(topic: string, key: string, options: MessageQueryOptions = {}): Promise<MessageView[]> {
    this.ensureRunning();
    return (await this.messages.byKey(topic, key, options)).map((m) => this.messages.view(m));
  }

  /** Messages stored in [begin, end], newest first, at most maxNum (offsets searched by time, then pulled). */
  async queryMessageByTime(topic: string, options: MessageQueryOptions = {}): Promise<MessageView[]> {
    this.ensureRunning();
    return (await this.messages.byTime(topic, options)).map((m) => this.messages.view(m));
  }

  /**
   * The message's trace (what Java clients with enableMsgTrace wrote, queryMsgTraceById): the
   * trace messages whose keys hold `msgId` on every broker of the trace topic, decoded.
   */
  async messageTrace(msgId: string, options: { traceTopic?: string; maxNum?: number } = {}): Promise<MessageTrace> {
    this.ensureRunning();
    const found = await this.messages.byKey(options.traceTopic ?? DEFAULT_TRACE_TOPIC, msgId, { maxNum: options.maxNum ?? 64 });
    return messageTraceOf(msgId, found.flatMap((m) => decodeTraceRecords(m.body.toString('utf8'))));
  }

  /** For each group consuming the message's topic: consumed or not, judged from its offsets. */
  async messageTrack(topic: string, msgId: string): Promise<MessageTrack[]> {
    this.ensureRunning();
    return this.messages.track(await this.messages.find(topic, msgId));
  }

  /** Has one online consumer client consume the message now (CONSUME_MESSAGE_DIRECTLY through the broker). */
  async consumeMessageDirectly(group: string, clientId: string, topic: string, msgId: string): Promise<ConsumeDirectlyResult> {
    this.ensureRunning();
    return this.messages.consumeDirectly(group, clientId, topic, msgId);
  }

  /**
   * The group's dead-letter messages (topic %DLQ%<group>) stored in the time range; [] when it
   * has none. Brokers create DLQ topics write-only (perm 2), which refuses pulls, so a DLQ topic
   * that is not readable is first set to read+write on its brokers — the step rocketmq-dashboard's
   * FAQ asks users to do by hand — unless `makeReadable` is false.
   */
  async dlqMessages(group: string, options: MessageQueryOptions & { makeReadable?: boolean } = {}): Promise<MessageView[]> {
    this.ensureRunning();
    const topic = `%DLQ%${group}`;
    let route: TopicRoute;
    try {
      route = await this.topicRoute(topic);
    } catch (error) {
      if (error instanceof MQBrokerError && error.responseCode === ResponseCode.TOPIC_NOT_EXIST) return [];
      throw error;
    }
    if (options.makeReadable ?? true) {
      for (const queue of route.queues) {
        if (isReadable(queue.perm)) continue;
        const addr = route.brokers.find((b) => b.brokerName === queue.brokerName)?.addrs['0'];
        if (!addr) continue;
        const config = newTopicConfig(topic, { readQueueNums: queue.readQueueNums, writeQueueNums: queue.writeQueueNums, perm: PermName.READ | PermName.WRITE });
        await this.api.createTopic(addr, config);
      }
    }
    return this.queryMessageByTime(topic, options);
  }

  /**
   * Sends a dead-lettered message again to `%RETRY%<group>` with RETRY_TOPIC set to its original
   * topic, so the group's consumers receive it again under that topic (body, keys, tags and user
   * properties kept).
   */
  async resendDlqMessage(group: string, msgId: string): Promise<SendResult & { originalTopic: string }> {
    this.ensureRunning();
    const message = await this.messages.find(`%DLQ%${group}`, msgId);
    return this.messages.resendToRetry(group, message);
  }

  /** For resend: options of the Producer it uses. */
  get options(): ClientOptions {
    return this.clientOptions;
  }

  /** True when an error means "could not reach the server" rather than "the server said no". */
  static isUnreachable(error: unknown): boolean {
    if (error instanceof RemotingConnectError || error instanceof RemotingTimeoutError) return true;
    return error instanceof MQClientError && error.retriable && error.cause !== undefined && Admin.isUnreachable(error.cause);
  }
}

