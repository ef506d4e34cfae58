/**
 * One typed request per admin code (MQClientAPIImpl's admin half): build the command, send it,
 * decode the body or throw MQBrokerError. No policy here — which broker to ask, merging and
 * fallbacks live in admin.ts.
 */
import {
  type ClusterInfo,
  type ConsumeMessageDirectlyResult,
  type ConsumeStats,
  ConsumeMessageDirectlyResultRequestHeader,
  type ConsumerConnection,
  type ConsumerRunningInfo,
  CreateTopicRequestHeader,
  createRequest,
  type BrokerStatsData,
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
  DeleteTopicRequestHeader,
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
  QueryMessageRequestHeader,
  QueryTopicConsumeByWhoRequestHeader,
  type RemotingClient,
  type RemotingCommand,
  RequestCode,
  ResetOffsetRequestHeader,
  ResponseCode,
  type SubscriptionGroupConfig,
  type TopicConfig,
  type TopicStatsTable,
  UNIQUE_KEY_QUERY,
  ViewBrokerStatsDataRequestHeader,
  ViewMessageRequestHeader,
  writeFastjson,
} from '@rocketmq-ts/protocol';
import { MQBrokerError } from '../errors.ts';
import type { MessageExt } from '../message.ts';
import { decodeMessage, decodeMessages } from '../core/received-message.ts';

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

  // broker -----------------------------------------------------------------------------------

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
