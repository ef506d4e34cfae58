/**
 * Admin codes about consumption and clients (AdminBrokerProcessor, Broker2Client): topic and
 * consume statistics, connections, who consumes a topic, offset tables, offset reset, clone,
 * correction offsets, and the calls forwarded to a consumer (running info, consume directly).
 */
import {
  CloneGroupOffsetRequestHeader,
  ConsumeMessageDirectlyResultRequestHeader,
  type ConnectionInfo,
  type ConsumeStats,
  createRequest,
  createResponse,
  decodeHeader,
  decodeOffsetMessageId,
  encodeBrokerStatsData,
  encodeConsumeStats,
  encodeConsumeStatsList,
  encodeConsumerConnection,
  encodeGroupList,
  encodeHeader,
  encodeProducerConnection,
  encodeQueryConsumeTimeSpanBody,
  encodeQueryCorrectionOffsetBody,
  encodeResetOffsetBody,
  encodeResetOffsetBodyForC,
  encodeSubscriptionGroupWrapper,
  encodeTopicStatsTable,
  GetConsumeStatsRequestHeader,
  GetConsumerConnectionListRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  GetProducerConnectionListRequestHeader,
  GetTopicStatsInfoRequestHeader,
  type MessageQueue,
  MQVersion,
  type OffsetWrapper,
  QueryConsumeTimeSpanRequestHeader,
  QueryCorrectionOffsetHeader,
  QueryTopicConsumeByWhoRequestHeader,
  type QueueTimeSpan,
  type RemotingCommand,
  RemotingTimeoutError,
  RequestCode,
  type RequestHandler,
  ResetOffsetRequestHeader,
  ResponseCode,
  type TopicOffset,
  ViewBrokerStatsDataRequestHeader,
} from '@rocketmq-ts/protocol';
import type { ClientChannel } from '../client/client-channel.ts';
import { GrpcClientRegistry } from '../client/grpc-clients.ts';
import type { BrokerServices } from './services.ts';

/** Clients older than this cannot answer broker → client calls (MQVersion V3_1_8_SNAPSHOT). */
const MIN_CLIENT_VERSION_FOR_CALLS = MQVersion.V3_1_8_SNAPSHOT;

export async function consumeStatsOf(services: BrokerServices, group: string, topic?: string): Promise<ConsumeStats> {
  const { topics, offsets, consumers, store, config } = services;
  const offsetTable = new Map<MessageQueue, OffsetWrapper>();
  const v5Topics = services.grpcClients.subscriptionsOf(group);
  const names = topic ? [topic] : [...new Set([...offsets.topicsOfGroup(group), ...v5Topics.keys()])];
  const online = consumers.group(group);
  // AdminBrokerProcessor.getConsumeStats: the group's pull rate over the last minute, summed over its topics.
  let consumeTps = 0;
  for (const name of names) {
    const topicConfig = topics.get(name);
    if (!topicConfig) continue;
    // An online group that does not subscribe the topic any more is not reported on it.
    if (online && online.subscriptions.size > 0 && !online.subscriptions.has(name) && !v5Topics.has(name)) continue;
    consumeTps += services.statsManager.tpsGroupGetNums(group, name);
    for (let queueId = 0; queueId < topicConfig.readQueueNums; queueId++) {
      const brokerOffset = Math.max(0, store.getMaxOffsetInQueue(name, queueId));
      // A POP (v5) queue: what is neither handed out nor acked yet, plus what is out and not acked, so
      // brokerOffset − consumerOffset is exactly the messages not yet acked (the committed offset,
      // the lowest unacked, would count every acked message above one slow delivery).
      const pop = services.pop?.progress(group, name, queueId);
      const committed = Math.max(0, offsets.queryOffset(group, name, queueId));
      const consumerOffset = pop ? Math.min(brokerOffset, Math.max(committed, pop.next - pop.inflight)) : committed;
      const lastTimestamp = consumerOffset > 0 ? Math.max(0, await store.getMessageStoreTimeStamp(name, queueId, consumerOffset - 1)) : 0;
      offsetTable.set({ topic: name, brokerName: config.brokerName, queueId }, { brokerOffset, consumerOffset, lastTimestamp });
    }
  }
  return { consumeTps, offsetTable };
}

/** A v5 client cannot be called through the broker: v5 has no running-info or consume-directly command. */
function v5CallRefused(services: BrokerServices, request: RemotingCommand, group: string, clientId: string): RemotingCommand | undefined {
  if (!services.grpcClients.consumersOf(group).some((c) => c.clientId === clientId)) return undefined;
  return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `The Consumer <${group}> <${clientId}> is a v5 (gRPC) client: it answers no running-info or consume-directly call` });
}

function connectionInfo(channel: ClientChannel): ConnectionInfo {
  return { clientId: channel.clientId, clientAddr: channel.connection.remoteAddress, language: channel.language, version: channel.version };
}

/** Sends a request to a connected client and relays its answer (Broker2Client.callClient). */
async function callClient(services: BrokerServices, request: RemotingCommand, channel: ClientChannel, timeoutMillis: number): Promise<RemotingCommand> {
  const forwarded = createRequest(request.code, { extFields: { ...request.extFields }, body: request.body });
  try {
    const answer = await channel.connection.request(forwarded, timeoutMillis);
    return createResponse(request, answer.code, { remark: answer.remark, body: answer.body, extFields: answer.extFields });
  } catch (error) {
    if (error instanceof RemotingTimeoutError) {
      return createResponse(request, ResponseCode.CONSUME_MSG_TIMEOUT, { remark: `consumer ${channel.clientId} did not answer within ${timeoutMillis} ms` });
    }
    services.logger.warn({ clientId: channel.clientId, err: (error as Error).message }, 'call to a client failed');
    return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `cannot reach consumer ${channel.clientId}: ${(error as Error).message}` });
  }
}

export function adminStatsHandlers(services: BrokerServices): Map<number, RequestHandler> {
  const { topics, offsets, consumers, producers, groups, store, config } = services;
  const mq = (topic: string, queueId: number): MessageQueue => ({ topic, brokerName: config.brokerName, queueId });
  return new Map<number, RequestHandler>([
    [
      RequestCode.GET_TOPIC_STATS_INFO,
      async (_ctx, request) => {
        const { topic } = decodeHeader(GetTopicStatsInfoRequestHeader, request.extFields);
        const topicConfig = topics.get(topic);
        if (!topicConfig) return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, { remark: `topic[${topic}] not exist on broker ${config.brokerName}` });
        const offsetTable = new Map<MessageQueue, TopicOffset>();
        for (let queueId = 0; queueId < topicConfig.writeQueueNums; queueId++) {
          const maxOffset = store.getMaxOffsetInQueue(topic, queueId);
          const lastUpdateTimestamp = maxOffset > 0 ? Math.max(0, await store.getMessageStoreTimeStamp(topic, queueId, maxOffset - 1)) : 0;
          offsetTable.set(mq(topic, queueId), { minOffset: store.getMinOffsetInQueue(topic, queueId), maxOffset, lastUpdateTimestamp });
        }
        return createResponse(request, ResponseCode.SUCCESS, { body: encodeTopicStatsTable({ offsetTable }) });
      },
    ],
    [
      RequestCode.VIEW_BROKER_STATS_DATA,
      (_ctx, request) => {
        const { statsName, statsKey } = decodeHeader(ViewBrokerStatsDataRequestHeader, request.extFields);
        const item = services.statsManager.item(statsName, statsKey);
        // Apache's wording, which mqadmin and the dashboard show as is.
        if (!item) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `The stats <${statsName}> <${statsKey}> not exist` });
        return createResponse(request, ResponseCode.SUCCESS, { body: encodeBrokerStatsData({ statsMinute: item.inMinute(), statsHour: item.inHour(), statsDay: item.inDay() }) });
      },
    ],
    [
      RequestCode.GET_CONSUME_STATS,
      async (_ctx, request) => {
        const header = decodeHeader(GetConsumeStatsRequestHeader, request.extFields);
        return createResponse(request, ResponseCode.SUCCESS, { body: encodeConsumeStats(await consumeStatsOf(services, header.consumerGroup, header.topic)) });
      },
    ],
    [
      RequestCode.GET_BROKER_CONSUME_STATS,
      async (_ctx, request) => {
        const consumeStatsList: Map<string, ConsumeStats[]>[] = [];
        let totalDiff = 0;
        for (const group of new Set([...consumers.groupNames(), ...services.grpcClients.consumerGroups(), ...[...offsets.entries()].map((entry) => entry.group)])) {
          const stats = await consumeStatsOf(services, group);
          for (const wrapper of stats.offsetTable.values()) totalDiff += wrapper.brokerOffset - wrapper.consumerOffset;
          consumeStatsList.push(new Map([[group, [stats]]]));
        }
        return createResponse(request, ResponseCode.SUCCESS, {
          body: encodeConsumeStatsList({ brokerAddr: `${config.brokerIP1}:${config.listenPort}`, consumeStatsList, totalDiff }),
        });
      },
    ],
    [
      RequestCode.GET_CONSUMER_CONNECTION_LIST,
      (_ctx, request) => {
        const { consumerGroup } = decodeHeader(GetConsumerConnectionListRequestHeader, request.extFields);
        const info = consumers.group(consumerGroup);
        const remoting = info ? [...info.channels.values()] : [];
        // v5 (gRPC) members too, as Apache's proxy registers them with the broker.
        const v5 = services.grpcClients.consumersOf(consumerGroup);
        if (remoting.length === 0 && v5.length === 0) {
          return createResponse(request, ResponseCode.CONSUMER_NOT_ONLINE, { remark: `the consumer group[${consumerGroup}] not online` });
        }
        const fromRemoting = remoting.length > 0 ? info : undefined;
        return createResponse(request, ResponseCode.SUCCESS, {
          body: encodeConsumerConnection({
            connectionSet: [...remoting.map(connectionInfo), ...v5.map(GrpcClientRegistry.connectionInfo)],
            subscriptionTable: new Map([...services.grpcClients.subscriptionsOf(consumerGroup), ...(info?.subscriptions ?? [])]),
            consumeType: fromRemoting?.consumeType ?? GrpcClientRegistry.consumeType(v5),
            messageModel: fromRemoting?.messageModel ?? 'CLUSTERING',
            consumeFromWhere: fromRemoting?.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET',
          }),
        });
      },
    ],
    [
      RequestCode.GET_PRODUCER_CONNECTION_LIST,
      (_ctx, request) => {
        const { producerGroup } = decodeHeader(GetProducerConnectionListRequestHeader, request.extFields);
        const channels = producers.channels(producerGroup);
        // v5 producers have no group: Apache's proxy registers them under each topic they publish.
        const v5 = services.grpcClients.producersOf(producerGroup);
        if (channels.length === 0 && v5.length === 0) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `the producer group[${producerGroup}] not exist` });
        return createResponse(request, ResponseCode.SUCCESS, { body: encodeProducerConnection({ connectionSet: [...channels.map(connectionInfo), ...v5.map(GrpcClientRegistry.connectionInfo)] }) });
      },
    ],
    [
      RequestCode.QUERY_TOPIC_CONSUME_BY_WHO,
      (_ctx, request) => {
        const { topic } = decodeHeader(QueryTopicConsumeByWhoRequestHeader, request.extFields);
        return createResponse(request, ResponseCode.SUCCESS, {
          body: encodeGroupList(new Set([...consumers.groupsSubscribing(topic), ...services.grpcClients.groupsSubscribing(topic), ...offsets.groupsOfTopic(topic)])),
        });
      },
    ],
    [
      RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
      (_ctx, request) =>
        createResponse(request, ResponseCode.SUCCESS, {
          body: encodeSubscriptionGroupWrapper({ dataVersion: groups.dataVersion, subscriptionGroupTable: new Map(groups.all().map((g) => [g.groupName, g])) }),
        }),
    ],
    [RequestCode.GET_ALL_CONSUMER_OFFSET, (_ctx, request) => createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(offsets.encode(false)) })],
    [RequestCode.GET_ALL_DELAY_OFFSET, (_ctx, request) => createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(services.delayOffsets.encode(false)) })],
    [
      RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
      async (_ctx, request) => {
        const header = decodeHeader(ResetOffsetRequestHeader, request.extFields);
        const timestamp = header.timestamp ?? 0;
        const topicConfig = topics.get(header.topic);
        if (!topicConfig) {
          return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `[reset-offset] reset offset failed, no topic in this broker. topic=${header.topic}` });
        }
        const offsetTable = new Map<MessageQueue, number>();
        for (let queueId = 0; queueId < topicConfig.writeQueueNums; queueId++) {
          const consumerOffset = offsets.queryOffset(header.group, header.topic, queueId);
          if (consumerOffset === -1) {
            return createResponse(request, ResponseCode.SYSTEM_ERROR, {
              remark: `the consumer group <${header.group}> has no offset on topic ${header.topic}: it never consumed it on broker ${config.brokerName}`,
            });
          }
          let target = timestamp === -1 ? store.getMaxOffsetInQueue(header.topic, queueId) : await store.getOffsetInQueueByTime(header.topic, queueId, timestamp);
          if (target < 0) target = 0;
          offsetTable.set(mq(header.topic, queueId), header.isForce || target < consumerOffset ? target : consumerOffset);
        }
        const info = consumers.group(header.group);
        const channels = info ? [...info.channels.values()] : [];
        if (channels.length === 0) {
          return createResponse(request, ResponseCode.CONSUMER_NOT_ONLINE, {
            remark: `Consumer not online, so can not reset offset, Group: ${header.group} Topic: ${header.topic} Timestamp: ${timestamp}; start a consumer of the group first`,
          });
        }
        const body = encodeResetOffsetBody({ offsetTable });
        for (const channel of channels) {
          if (channel.version < MQVersion.V3_0_7_SNAPSHOT) continue;
          const notify = createRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, {
            extFields: encodeHeader(ResetOffsetRequestHeader, { topic: header.topic, group: header.group, timestamp, isForce: header.isForce ?? false }),
            body:
              channel.language === 'CPP'
                ? encodeResetOffsetBodyForC({ offsetTable: [...offsetTable].map(([queue, offset]) => ({ ...queue, offset })) })
                : body,
          });
          try {
            channel.connection.oneway(notify);
          } catch (error) {
            services.logger.warn({ clientId: channel.clientId, err: (error as Error).message }, 'cannot send the offset reset to a consumer');
          }
        }
        return createResponse(request, ResponseCode.SUCCESS, { body });
      },
    ],
    [
      RequestCode.QUERY_CONSUME_TIME_SPAN,
      async (_ctx, request) => {
        const header = decodeHeader(QueryConsumeTimeSpanRequestHeader, request.extFields);
        const topicConfig = topics.get(header.topic);
        if (!topicConfig) return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, { remark: `topic[${header.topic}] not exist` });
        const spans: QueueTimeSpan[] = [];
        for (let queueId = 0; queueId < topicConfig.writeQueueNums; queueId++) {
          const min = store.getMinOffsetInQueue(header.topic, queueId);
          const max = store.getMaxOffsetInQueue(header.topic, queueId);
          const minTimeStamp = Math.max(0, await store.getEarliestMessageTime(header.topic, queueId));
          const maxTimeStamp = max > 0 ? Math.max(0, await store.getMessageStoreTimeStamp(header.topic, queueId, max - 1)) : 0;
          const consumed = offsets.queryOffset(header.group, header.topic, queueId);
          const consumeTimeStamp = consumed > min ? Math.max(0, await store.getMessageStoreTimeStamp(header.topic, queueId, consumed - 1)) : 0;
          spans.push({ messageQueue: mq(header.topic, queueId), minTimeStamp, maxTimeStamp, consumeTimeStamp, delayTime: consumeTimeStamp > 0 ? maxTimeStamp - consumeTimeStamp : 0 });
        }
        return createResponse(request, ResponseCode.SUCCESS, { body: encodeQueryConsumeTimeSpanBody({ consumeTimeSpanSet: spans }) });
      },
    ],
    [
      RequestCode.CLONE_GROUP_OFFSET,
      (_ctx, request) => {
        const header = decodeHeader(CloneGroupOffsetRequestHeader, request.extFields);
        const names = header.topic ? [header.topic] : offsets.topicsOfGroup(header.srcGroup);
        for (const topic of names) {
          const source = offsets.offsetsOf(topic, header.srcGroup);
          if (source) offsets.setOffsets(topic, header.destGroup, source);
        }
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.QUERY_CORRECTION_OFFSET,
      (_ctx, request) => {
        const header = decodeHeader(QueryCorrectionOffsetHeader, request.extFields);
        const filter = new Set((header.filterGroups ?? '').split(',').map((g) => g.trim()).filter(Boolean));
        const correctionOffsets = new Map<number, number>();
        for (const group of offsets.groupsOfTopic(header.topic)) {
          if (filter.has(group)) continue;
          for (const [queueId, offset] of offsets.offsetsOf(header.topic, group) ?? []) {
            correctionOffsets.set(queueId, Math.min(offset, correctionOffsets.get(queueId) ?? Infinity));
          }
        }
        for (const [queueId, offset] of offsets.offsetsOf(header.topic, header.compareGroup) ?? []) {
          const correction = correctionOffsets.get(queueId);
          if (correction !== undefined && correction > offset) correctionOffsets.set(queueId, Number.MAX_SAFE_INTEGER);
        }
        return createResponse(request, ResponseCode.SUCCESS, { body: encodeQueryCorrectionOffsetBody({ correctionOffsets }) });
      },
    ],
    [
      RequestCode.GET_CONSUMER_RUNNING_INFO,
      async (_ctx, request) => {
        const header = decodeHeader(GetConsumerRunningInfoRequestHeader, request.extFields);
        const channel = consumers.findChannel(header.consumerGroup, header.clientId);
        if (!channel) return v5CallRefused(services, request, header.consumerGroup, header.clientId) ?? createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `The Consumer <${header.consumerGroup}> <${header.clientId}> not online` });
        if (channel.version < MIN_CLIENT_VERSION_FOR_CALLS) {
          return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `The Consumer <${header.clientId}> version <${channel.version}> is too old to answer` });
        }
        return callClient(services, request, channel, 10_000);
      },
    ],
    [
      RequestCode.CONSUME_MESSAGE_DIRECTLY,
      async (_ctx, request) => {
        const header = decodeHeader(ConsumeMessageDirectlyResultRequestHeader, request.extFields);
        const channel = header.clientId ? consumers.findChannel(header.consumerGroup, header.clientId) : undefined;
        if (!channel) return (header.clientId ? v5CallRefused(services, request, header.consumerGroup, header.clientId) : undefined) ?? createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `The Consumer <${header.consumerGroup}> <${header.clientId ?? ''}> not online` });
        let record: Buffer | undefined;
        try {
          record = header.msgId ? await store.lookMessageByOffset(decodeOffsetMessageId(header.msgId).commitLogOffset) : undefined;
        } catch {
          record = undefined;
        }
        if (!record) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `no message with offset id ${header.msgId ?? ''} on this broker` });
        return callClient(services, { ...request, body: record }, channel, 10_000);
      },
    ],
    [
      RequestCode.CLEAN_UNUSED_TOPIC,
      async (_ctx, request) => {
        await store.deleteTopics(store.topics().filter((topic) => !topics.has(topic)));
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
  ]);
}
