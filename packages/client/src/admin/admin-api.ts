/**
 * One typed request per admin code (MQClientAPIImpl's admin half): build the command, send it,
 * decode the body or throw MQBrokerError. No policy here — which broker to ask, merging and
 * fallbacks live in admin.ts.
 */
import {
  AddWritePermOfBrokerResponseHeader,
  CloneGroupOffsetRequestHeader,
  CreateAccessConfigRequestHeader,
  DeleteAccessConfigRequestHeader,
  GetBrokerAclConfigResponseHeader,
  UpdateGlobalWhiteAddrsConfigRequestHeader,
  parseFastjson,
  type BrokerStatsData,
  type ClusterInfo,
  type ConsumeMessageDirectlyResult,
  type ConsumeStats,
  ConsumeMessageDirectlyResultRequestHeader,
  type ConsumerConnection,
  type ConsumerRunningInfo,
  CreateTopicRequestHeader,
  createRequest,
  decodeBrokerStatsData,
  decodeClusterInfo,
  decodeConsumeMessageDirectlyResult,
  decodeConsumerConnection,
  decodeConsumerRunningInfo,
  decodeConsumeStats,
  decodeGroupList,
  decodeKVTable,
  decodeProducerConnection,
  decodeResetOffsetBody,
  decodeSubscriptionGroupWrapper,
  decodeTopicList,
  decodeTopicStatsTable,
  DeleteSubscriptionGroupRequestHeader,
  DeleteTopicInNamesrvRequestHeader,
  DeleteKVConfigRequestHeader,
  DeleteTopicRequestHeader,
  decodeHeader,
  encodeHeader,
  GetConsumerConnectionListRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  GetConsumeStatsRequestHeader,
  GetProducerConnectionListRequestHeader,
  GetTopicStatsInfoRequestHeader,
  type HeaderOf,
  type HeaderTable,
  type MessageQueue,
  type ProducerConnection,
  PutKVConfigRequestHeader,
  QueryMessageRequestHeader,
  QueryTopicConsumeByWhoRequestHeader,
  type RemotingClient,
  type RemotingCommand,
  RequestCode,
  ResetOffsetRequestHeader,
  ResumeCheckHalfMessageRequestHeader,
  ResponseCode,
  type SubscriptionGroupConfig,
  type TopicConfig,
  type TopicStatsTable,
  UNIQUE_KEY_QUERY,
  ViewBrokerStatsDataRequestHeader,
  ViewMessageRequestHeader,
  WipeWritePermOfBrokerRequestHeader,
  WipeWritePermOfBrokerResponseHeader,
  writeFastjson,
} from '@rocketmq-ts/protocol';
import { MQBrokerError } from '../errors.ts';
import type { MessageExt } from '../message.ts';
import { decodeMessage, decodeMessages } from '../core/received-message.ts';
import { parseProperties, propertiesText } from './properties-text.ts';
import type { AclConfigView, AclVersionInfo, PlainAccessAccount } from './types.ts';

function command<H extends HeaderTable>(code: number, table: H, header: HeaderOf<H>, body?: Buffer): RemotingCommand {
  return createRequest(code, { extFields: encodeHeader(table, header), body });
}

export class AdminApi {
  constructor(
    private readonly remoting: RemotingClient,
    private readonly timeoutMillis: number,
  ) {}

  private async call(addr: string, operation: string, request: RemotingCommand, ok: readonly number[] = [ResponseCode.SUCCESS], timeoutMillis = this.timeoutMillis) {
    const response = await this.remoting.invoke(addr, request, timeoutMillis);
    if (!ok.includes(response.code)) throw new MQBrokerError(addr, operation, response.code, response.remark);
    return response;
  }

  // name server ------------------------------------------------------------------------------

  async clusterInfo(namesrv: string): Promise<ClusterInfo> {
    const response = await this.call(namesrv, 'GET_BROKER_CLUSTER_INFO', createRequest(RequestCode.GET_BROKER_CLUSTER_INFO));
    return decodeClusterInfo(response.body);
  }

  async topicList(namesrv: string): Promise<string[]> {
    const response = await this.call(namesrv, 'GET_ALL_TOPIC_LIST_FROM_NAMESERVER', createRequest(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER));
    return decodeTopicList(response.body).topicList;
  }

  async deleteTopicInNamesrv(namesrv: string, topic: string): Promise<void> {
    await this.call(namesrv, `DELETE_TOPIC_IN_NAMESRV ${topic}`, command(RequestCode.DELETE_TOPIC_IN_NAMESRV, DeleteTopicInNamesrvRequestHeader, { topic }));
  }

  async namesrvConfig(namesrv: string): Promise<Record<string, string>> {
    const response = await this.call(namesrv, 'GET_NAMESRV_CONFIG', createRequest(RequestCode.GET_NAMESRV_CONFIG));
    return parseProperties(response.body?.toString('utf8') ?? '');
  }

  async updateNamesrvConfig(namesrv: string, properties: Record<string, string>): Promise<void> {
    const body = Buffer.from(propertiesText(properties), 'utf8');
    await this.call(namesrv, 'UPDATE_NAMESRV_CONFIG', createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, { body }));
  }

  async putKvConfig(namesrv: string, namespace: string, key: string, value: string): Promise<void> {
    await this.call(namesrv, `PUT_KV_CONFIG ${namespace} ${key}`, command(RequestCode.PUT_KV_CONFIG, PutKVConfigRequestHeader, { namespace, key, value }));
  }

  async deleteKvConfig(namesrv: string, namespace: string, key: string): Promise<void> {
    await this.call(namesrv, `DELETE_KV_CONFIG ${namespace} ${key}`, command(RequestCode.DELETE_KV_CONFIG, DeleteKVConfigRequestHeader, { namespace, key }));
  }

  /** How many topics lost (or, with `add`, regained) the write permission of `brokerName` on this name server. */
  async setWritePermOfBroker(namesrv: string, brokerName: string, add: boolean): Promise<number> {
    const code = add ? RequestCode.ADD_WRITE_PERM_OF_BROKER : RequestCode.WIPE_WRITE_PERM_OF_BROKER;
    const name = add ? 'ADD_WRITE_PERM_OF_BROKER' : 'WIPE_WRITE_PERM_OF_BROKER';
    const response = await this.call(namesrv, `${name} ${brokerName}`, command(code, WipeWritePermOfBrokerRequestHeader, { brokerName }));
    return add
      ? decodeHeader(AddWritePermOfBrokerResponseHeader, response.extFields).addTopicCount
      : decodeHeader(WipeWritePermOfBrokerResponseHeader, response.extFields).wipeTopicCount;
  }

  // broker -----------------------------------------------------------------------------------

  async brokerConfig(broker: string): Promise<Record<string, string>> {
    const response = await this.call(broker, 'GET_BROKER_CONFIG', createRequest(RequestCode.GET_BROKER_CONFIG));
    return parseProperties(response.body?.toString('utf8') ?? '');
  }

  async updateBrokerConfig(broker: string, properties: Record<string, string>): Promise<void> {
    const body = Buffer.from(propertiesText(properties), 'utf8');
    await this.call(broker, 'UPDATE_BROKER_CONFIG', createRequest(RequestCode.UPDATE_BROKER_CONFIG, { body }));
  }

  // plain ACL (50–54) ---------------------------------------------------------------------

  async updateAccessConfig(broker: string, account: PlainAccessAccount): Promise<void> {
    const header = {
      accessKey: account.accessKey,
      secretKey: account.secretKey,
      whiteRemoteAddress: account.whiteRemoteAddress,
      admin: account.admin ?? false,
      defaultTopicPerm: account.defaultTopicPerm,
      defaultGroupPerm: account.defaultGroupPerm,
      topicPerms: account.topicPerms?.join(','),
      groupPerms: account.groupPerms?.join(','),
    };
    await this.call(broker, `UPDATE_AND_CREATE_ACL_CONFIG ${account.accessKey}`, command(RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, CreateAccessConfigRequestHeader, header));
  }

  async deleteAccessConfig(broker: string, accessKey: string): Promise<void> {
    await this.call(broker, `DELETE_ACL_CONFIG ${accessKey}`, command(RequestCode.DELETE_ACL_CONFIG, DeleteAccessConfigRequestHeader, { accessKey }));
  }

  async updateGlobalWhiteAddrs(broker: string, globalWhiteAddrs: readonly string[]): Promise<void> {
    await this.call(
      broker,
      'UPDATE_GLOBAL_WHITE_ADDRS_CONFIG',
      command(RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG, UpdateGlobalWhiteAddrsConfigRequestHeader, { globalWhiteAddrs: globalWhiteAddrs.join(',') }),
    );
  }

  /** GET_BROKER_CLUSTER_ACL_INFO (52): the broker's names and its plain_acl.yml data version. */
  async aclVersionInfo(broker: string): Promise<AclVersionInfo> {
    const response = await this.call(broker, 'GET_BROKER_CLUSTER_ACL_INFO', createRequest(RequestCode.GET_BROKER_CLUSTER_ACL_INFO));
    const header = decodeHeader(GetBrokerAclConfigResponseHeader, response.extFields);
    const version = parseFastjson(header.version) as { counter?: number; timestamp?: number } | null;
    return { clusterName: header.clusterName, brokerName: header.brokerName, brokerAddr: header.brokerAddr, counter: Number(version?.counter ?? 0), timestamp: Number(version?.timestamp ?? 0) };
  }

  /** GET_BROKER_CLUSTER_ACL_CONFIG (54): global white addresses and accounts, as the broker holds them. */
  async aclConfig(broker: string): Promise<AclConfigView> {
    const response = await this.call(broker, 'GET_BROKER_CLUSTER_ACL_CONFIG', createRequest(RequestCode.GET_BROKER_CLUSTER_ACL_CONFIG));
    const body = (response.body && response.body.length > 0 ? parseFastjson(response.body.toString('utf8')) : {}) as {
      globalWhiteAddrs?: string[] | null;
      plainAccessConfigs?: Record<string, unknown>[] | null;
    };
    const text = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : undefined);
    return {
      globalWhiteAddrs: (body.globalWhiteAddrs ?? []).map(String),
      accounts: (body.plainAccessConfigs ?? []).map((a) => ({
        accessKey: String(a['accessKey'] ?? ''),
        secretKey: text(a['secretKey']),
        whiteRemoteAddress: text(a['whiteRemoteAddress']),
        admin: a['admin'] === true,
        defaultTopicPerm: text(a['defaultTopicPerm']),
        defaultGroupPerm: text(a['defaultGroupPerm']),
        topicPerms: list(a['topicPerms']),
        groupPerms: list(a['groupPerms']),
      })),
    };
  }

  async cloneGroupOffset(broker: string, srcGroup: string, destGroup: string, topic: string, offline: boolean): Promise<void> {
    await this.call(
      broker,
      `CLONE_GROUP_OFFSET ${srcGroup} ${destGroup}`,
      command(RequestCode.CLONE_GROUP_OFFSET, CloneGroupOffsetRequestHeader, { srcGroup, destGroup, topic, offline }),
    );
  }

  /** Asks the broker to check a transactional half message again (its check count reset); MQBrokerError (SYSTEM_ERROR) when it cannot. */
  async resumeCheckHalfMessage(broker: string, msgId: string): Promise<void> {
    await this.call(broker, `RESUME_CHECK_HALF_MESSAGE ${msgId}`, command(RequestCode.RESUME_CHECK_HALF_MESSAGE, ResumeCheckHalfMessageRequestHeader, { msgId }));
  }


  async runtimeInfo(broker: string): Promise<Map<string, string>> {
    const response = await this.call(broker, 'GET_BROKER_RUNTIME_INFO', createRequest(RequestCode.GET_BROKER_RUNTIME_INFO));
    return decodeKVTable(response.body);
  }

  /** VIEW_BROKER_STATS_DATA (315); undefined when the broker has no such item (no traffic since it started). */
  async brokerStatsData(broker: string, statsName: string, statsKey: string): Promise<BrokerStatsData | undefined> {
    const response = await this.call(
      broker,
      `VIEW_BROKER_STATS_DATA ${statsName} ${statsKey}`,
      command(RequestCode.VIEW_BROKER_STATS_DATA, ViewBrokerStatsDataRequestHeader, { statsName, statsKey }),
      [ResponseCode.SUCCESS, ResponseCode.SYSTEM_ERROR],
    );
    return response.code === ResponseCode.SUCCESS ? decodeBrokerStatsData(response.body) : undefined;
  }

  async createTopic(broker: string, config: TopicConfig): Promise<void> {
    await this.call(
      broker,
      `UPDATE_AND_CREATE_TOPIC ${config.topicName}`,
      command(RequestCode.UPDATE_AND_CREATE_TOPIC, CreateTopicRequestHeader, {
        topic: config.topicName,
        defaultTopic: 'TBW102',
        readQueueNums: config.readQueueNums,
        writeQueueNums: config.writeQueueNums,
        perm: config.perm,
        topicFilterType: config.topicFilterType,
        topicSysFlag: config.topicSysFlag,
        order: config.order,
      }),
    );
  }

  async deleteTopicInBroker(broker: string, topic: string): Promise<void> {
    await this.call(broker, `DELETE_TOPIC_IN_BROKER ${topic}`, command(RequestCode.DELETE_TOPIC_IN_BROKER, DeleteTopicRequestHeader, { topic }));
  }

  async topicStats(broker: string, topic: string): Promise<TopicStatsTable> {
    const response = await this.call(broker, `GET_TOPIC_STATS_INFO ${topic}`, command(RequestCode.GET_TOPIC_STATS_INFO, GetTopicStatsInfoRequestHeader, { topic }));
    return decodeTopicStatsTable(response.body);
  }

  async consumedBy(broker: string, topic: string): Promise<string[]> {
    const response = await this.call(broker, `QUERY_TOPIC_CONSUME_BY_WHO ${topic}`, command(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, QueryTopicConsumeByWhoRequestHeader, { topic }));
    return decodeGroupList(response.body);
  }

  async allSubscriptionGroups(broker: string): Promise<SubscriptionGroupConfig[]> {
    const response = await this.call(broker, 'GET_ALL_SUBSCRIPTIONGROUP_CONFIG', createRequest(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG));
    return [...decodeSubscriptionGroupWrapper(response.body).subscriptionGroupTable.values()];
  }

  async createSubscriptionGroup(broker: string, config: SubscriptionGroupConfig): Promise<void> {
    const body = Buffer.from(writeFastjson({ ...config }));
    await this.call(broker, `UPDATE_AND_CREATE_SUBSCRIPTIONGROUP ${config.groupName}`, createRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, { body }));
  }

  async deleteSubscriptionGroup(broker: string, groupName: string): Promise<void> {
    await this.call(broker, `DELETE_SUBSCRIPTIONGROUP ${groupName}`, command(RequestCode.DELETE_SUBSCRIPTIONGROUP, DeleteSubscriptionGroupRequestHeader, { groupName }));
  }

  async consumeStats(broker: string, consumerGroup: string, topic?: string): Promise<ConsumeStats> {
    const response = await this.call(
      broker,
      `GET_CONSUME_STATS ${consumerGroup}`,
      command(RequestCode.GET_CONSUME_STATS, GetConsumeStatsRequestHeader, topic ? { consumerGroup, topic } : { consumerGroup }),
    );
    return decodeConsumeStats(response.body);
  }

  /** undefined when no consumer of the group is connected to this broker. */
  async consumerConnection(broker: string, consumerGroup: string): Promise<ConsumerConnection | undefined> {
    const response = await this.call(
      broker,
      `GET_CONSUMER_CONNECTION_LIST ${consumerGroup}`,
      command(RequestCode.GET_CONSUMER_CONNECTION_LIST, GetConsumerConnectionListRequestHeader, { consumerGroup }),
      [ResponseCode.SUCCESS, ResponseCode.CONSUMER_NOT_ONLINE],
    );
    return response.code === ResponseCode.SUCCESS ? decodeConsumerConnection(response.body) : undefined;
  }

  /** undefined when no producer of the group is connected to this broker. */
  async producerConnection(broker: string, producerGroup: string): Promise<ProducerConnection | undefined> {
    const response = await this.call(
      broker,
      `GET_PRODUCER_CONNECTION_LIST ${producerGroup}`,
      command(RequestCode.GET_PRODUCER_CONNECTION_LIST, GetProducerConnectionListRequestHeader, { producerGroup }),
      [ResponseCode.SUCCESS, ResponseCode.SYSTEM_ERROR],
    );
    return response.code === ResponseCode.SUCCESS ? decodeProducerConnection(response.body) : undefined;
  }

  async consumerRunningInfo(broker: string, consumerGroup: string, clientId: string, jstackEnable: boolean): Promise<ConsumerRunningInfo> {
    const response = await this.call(
      broker,
      `GET_CONSUMER_RUNNING_INFO ${consumerGroup} ${clientId}`,
      command(RequestCode.GET_CONSUMER_RUNNING_INFO, GetConsumerRunningInfoRequestHeader, { consumerGroup, clientId, jstackEnable }),
      [ResponseCode.SUCCESS],
      Math.max(this.timeoutMillis, 12_000),
    );
    return decodeConsumerRunningInfo(response.body);
  }

  async consumeMessageDirectly(broker: string, header: HeaderOf<typeof ConsumeMessageDirectlyResultRequestHeader>): Promise<ConsumeMessageDirectlyResult> {
    const response = await this.call(
      broker,
      `CONSUME_MESSAGE_DIRECTLY ${header.consumerGroup} ${header.msgId ?? ''}`,
      command(RequestCode.CONSUME_MESSAGE_DIRECTLY, ConsumeMessageDirectlyResultRequestHeader, header),
      [ResponseCode.SUCCESS],
      Math.max(this.timeoutMillis, 12_000),
    );
    return decodeConsumeMessageDirectlyResult(response.body);
  }

  /** The new offsets per queue; throws MQBrokerError (CONSUMER_NOT_ONLINE when no consumer is connected). */
  async resetOffset(broker: string, topic: string, group: string, timestamp: number, isForce: boolean): Promise<Map<MessageQueue, number>> {
    const response = await this.call(
      broker,
      `INVOKE_BROKER_TO_RESET_OFFSET ${group} ${topic}`,
      command(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, ResetOffsetRequestHeader, { topic, group, timestamp, isForce }),
    );
    return response.body && response.body.length > 0 ? decodeResetOffsetBody(response.body).offsetTable : new Map();
  }

  async viewMessage(broker: string, brokerName: string, commitLogOffset: number): Promise<MessageExt> {
    const response = await this.call(broker, `VIEW_MESSAGE_BY_ID ${commitLogOffset}`, command(RequestCode.VIEW_MESSAGE_BY_ID, ViewMessageRequestHeader, { offset: commitLogOffset }));
    if (!response.body) throw new MQBrokerError(broker, `VIEW_MESSAGE_BY_ID ${commitLogOffset}`, ResponseCode.SYSTEM_ERROR, 'empty body');
    return decodeMessage(response.body, brokerName);
  }

  /** Messages whose key (or, with `uniqueKey`, UNIQ_KEY) matches, from the broker's index; [] when none. */
  async queryMessage(
    broker: string,
    brokerName: string,
    query: { topic: string; key: string; maxNum: number; beginTimestamp: number; endTimestamp: number },
    uniqueKey: boolean,
  ): Promise<MessageExt[]> {
    const request = command(RequestCode.QUERY_MESSAGE, QueryMessageRequestHeader, query);
    if (uniqueKey) request.extFields = { ...request.extFields, [UNIQUE_KEY_QUERY]: 'true' };
    const response = await this.call(broker, `QUERY_MESSAGE ${query.topic} ${query.key}`, request, [ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND]);
    return response.code === ResponseCode.SUCCESS ? decodeMessages(response.body, brokerName) : [];
  }
}
