/**
 * Admin codes used by mqadmin and the console (AdminBrokerProcessor): topics, groups, broker
 * settings and runtime figures. The statistics/connection/reset codes live in admin-stats.ts.
 */
import {
  CreateTopicRequestHeader,
  createResponse,
  decodeHeader,
  DeleteSubscriptionGroupRequestHeader,
  DeleteTopicRequestHeader,
  encodeHeader,
  encodeKVTable,
  encodeTopicList,
  GetBrokerConfigResponseHeader,
  GetSubscriptionGroupConfigRequestHeader,
  GetTopicConfigRequestHeader,
  parseBody,
  readSubscriptionGroupConfig,
  RequestCode,
  type RequestHandler,
  ResponseCode,
  subscriptionGroupJson,
  topicConfigJson,
  topicConfigWrapperJson,
  writeFastjson,
} from '@rocketmq-ts/protocol';
import { parsePropertiesText } from '../../config/properties.ts';
import { parseUpdate, printSettings } from '../../config/schema.ts';
import { brokerSettings } from '../broker-config.ts';
import { topicNameProblem } from '../topic/system-topics.ts';
import { type BrokerServices, putLatencyText } from './services.ts';

/** Settings that may change while the broker runs (the rest need a restart). */
const RUNTIME_SETTINGS = new Set<string>([
  'brokerPermission',
  'autoCreateTopicEnable',
  'autoCreateSubscriptionGroup',
  'defaultTopicQueueNums',
  'maxMessageSize',
  'fileReservedTime',
  'deleteWhen',
  'diskMaxUsedSpaceRatio',
  'notifyConsumerIdsChangedEnable',
  'longPollingEnable',
  'shortPollingTimeMills',
  'traceOn',
  'rejectTransactionMessage',
]);

export function adminHandlers(services: BrokerServices): Map<number, RequestHandler> {
  const { topics, groups, store, offsets, config, logger } = services;
  let configVersion = { counter: 0, timestamp: Date.now() };
  return new Map<number, RequestHandler>([
    [
      RequestCode.UPDATE_AND_CREATE_TOPIC,
      async (ctx, request) => {
        const header = decodeHeader(CreateTopicRequestHeader, request.extFields);
        const problem = topicNameProblem(header.topic);
        if (problem) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: problem });
        if (header.topic === config.brokerClusterName) {
          return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `the topic[${header.topic}] conflicts with the cluster name; choose another name` });
        }
        topics.updateTopicConfig({
          topicName: header.topic,
          readQueueNums: header.readQueueNums,
          writeQueueNums: header.writeQueueNums,
          perm: header.perm,
          topicFilterType: header.topicFilterType,
          topicSysFlag: header.topicSysFlag ?? 0,
          order: header.order ?? false,
        });
        logger.info({ topic: header.topic, from: ctx.remoteAddress }, 'topic created or updated by admin');
        // As Apache does: answer once topics.json holds the topic (it survives a kill -9 from now
        // on) and the name servers know it, so a route query right after the create finds it.
        await topics.persisted();
        await services.registerBrokerAll();
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.DELETE_TOPIC_IN_BROKER,
      async (ctx, request) => {
        const { topic } = decodeHeader(DeleteTopicRequestHeader, request.extFields);
        topics.deleteTopic(topic);
        offsets.deleteTopic(topic);
        await store.deleteTopics([topic]);
        logger.info({ topic, from: ctx.remoteAddress }, 'topic deleted by admin');
        await services.registerBrokerAll();
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.GET_ALL_TOPIC_CONFIG,
      (_ctx, request) => createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(writeFastjson(topicConfigWrapperJson(topics.wrapper()))) }),
    ],
    [
      RequestCode.GET_TOPIC_CONFIG,
      (_ctx, request) => {
        const { topic } = decodeHeader(GetTopicConfigRequestHeader, request.extFields);
        const found = topics.get(topic);
        if (!found) return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, { remark: `No topic in this broker. topic: ${topic}` });
        return createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(writeFastjson(topicConfigJson(found))) });
      },
    ],
    [
      RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER,
      (_ctx, request) => createResponse(request, ResponseCode.SUCCESS, { body: encodeTopicList(topics.all().map((t) => t.topicName).filter((name) => topics.isSystemTopic(name))) }),
    ],
    [
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      (_ctx, request) => {
        const body = parseBody(request.body, 'SubscriptionGroupConfig');
        const group = readSubscriptionGroupConfig(body);
        if (!group.groupName) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: 'the subscription group config has no groupName' });
        groups.update(group);
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.DELETE_SUBSCRIPTIONGROUP,
      (_ctx, request) => {
        const { groupName } = decodeHeader(DeleteSubscriptionGroupRequestHeader, request.extFields);
        groups.delete(groupName);
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG,
      (_ctx, request) => {
        const { group } = decodeHeader(GetSubscriptionGroupConfigRequestHeader, request.extFields);
        const found = groups.get(group);
        if (!found) return createResponse(request, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, { remark: `subscription group ${group} does not exist on ${config.brokerName}` });
        return createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(writeFastjson(subscriptionGroupJson(found))) });
      },
    ],
    [
      RequestCode.UPDATE_BROKER_CONFIG,
      async (ctx, request) => {
        const properties = parsePropertiesText(request.body?.toString('utf8') ?? '');
        const refused = Object.keys(properties).filter((key) => !RUNTIME_SETTINGS.has(key));
        if (refused.length > 0) {
          return createResponse(request, ResponseCode.SYSTEM_ERROR, {
            remark: `these settings cannot change while the broker runs (edit broker.conf and restart): ${refused.join(', ')}`,
          });
        }
        try {
          Object.assign(config, parseUpdate(brokerSettings, properties, 'broker'));
        } catch (error) {
          return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: (error as Error).message });
        }
        configVersion = { counter: configVersion.counter + 1, timestamp: Date.now() };
        logger.info({ settings: properties, from: ctx.remoteAddress }, 'broker settings updated');
        if ('brokerPermission' in properties) await services.registerBrokerAll();
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.GET_BROKER_CONFIG,
      (_ctx, request) =>
        createResponse(request, ResponseCode.SUCCESS, {
          extFields: encodeHeader(GetBrokerConfigResponseHeader, { version: writeFastjson(configVersion) }),
          body: Buffer.from(printSettings(brokerSettings, config, false)),
        }),
    ],
    [RequestCode.GET_BROKER_RUNTIME_INFO, (_ctx, request) => createResponse(request, ResponseCode.SUCCESS, { body: encodeKVTable(runtimeInfo(services)) })],
  ]);
}

/** GET_BROKER_RUNTIME_INFO keys the dashboards read (remoting-protocol.md §7.11). */
export function runtimeInfo(services: BrokerServices): Map<string, string> {
  const store = services.store.runtimeInfo();
  const stats = services.stats;
  const uptime = Date.now() - services.startTimestamp;
  const storeTps = services.storeStats.figures();
  const info = new Map<string, string>([
    ['brokerVersionDesc', 'V4_8_0'],
    ['brokerVersion', '373'],
    ['msgPutTotalYesterdayMorning', '0'],
    ['msgPutTotalTodayMorning', '0'],
    ['msgPutTotalTodayNow', String(stats.putMessages)],
    ['msgGetTotalYesterdayMorning', '0'],
    ['msgGetTotalTodayMorning', '0'],
    ['msgGetTotalTodayNow', String(stats.getMessages)],
    ['sendThreadPoolQueueSize', String(stats.sendRequestsInFlight)],
    ['sendThreadPoolQueueCapacity', String(services.config.sendThreadPoolQueueCapacity)],
    ['pullThreadPoolQueueSize', String(stats.pullRequestsInFlight)],
    ['pullThreadPoolQueueCapacity', String(services.config.pullThreadPoolQueueCapacity)],
    ['queryThreadPoolQueueSize', '0'],
    ['queryThreadPoolQueueCapacity', '20000'],
    ['EndTransactionQueueSize', '0'],
    ['EndTransactionThreadPoolQueueCapacity', '100000'],
    ['dispatchBehindBytes', String(store.dispatchBehindBytes)],
    ['pageCacheLockTimeMills', '0'],
    ['sendThreadPoolQueueHeadWaitTimeMills', '0'],
    ['pullThreadPoolQueueHeadWaitTimeMills', '0'],
    ['queryThreadPoolQueueHeadWaitTimeMills', '0'],
    ['earliestMessageTimeStamp', String(store.earliestMessageTimeStamp)],
    ['startAcceptSendRequestTimeStamp', String(services.startTimestamp)],
    ['remainTransientStoreBufferNumbs', '2147483647'],
    ['remainHowManyDataToCommit', '0'],
    ['remainHowManyDataToFlush', humanReadableByteCount(Math.max(0, store.commitLogMaxOffset - store.commitLogFlushedOffset))],
    ['commitLogDirCapacity', `Total : ${humanReadableByteCount(store.commitLogDirCapacity.total)}, Free : ${humanReadableByteCount(store.commitLogDirCapacity.free)}.`],
    ['commitLogDiskRatio', String(store.diskUsedRatio)],
    ['consumeQueueDiskRatio', String(store.diskUsedRatio)],
    ['dispatchMaxBuffer', '0'],
    ['getMessageEntireTimeMax', String(stats.getMessageEntireTimeMax)],
    ['getMissTps', storeTps.getMissTps],
    ['getTransferedTps', storeTps.getTransferedTps],
    ['putMessageAverageSize', String(stats.putMessages > 0 ? stats.putBytes / stats.putMessages : 0)],
    ['putMessageDistributeTime', putLatencyText(stats)],
    ['putMessageEntireTimeMax', String(stats.putMessageEntireTimeMax)],
    ['putTps', storeTps.putTps],
    ['getFoundTps', storeTps.getFoundTps],
    ['getTotalTps', storeTps.getTotalTps],
    ['commitLogMinOffset', String(store.commitLogMinOffset)],
    ['commitLogMaxOffset', String(store.commitLogMaxOffset)],
    ['runtime', `[ ${Math.floor(uptime / 86_400_000)} days, ${Math.floor(uptime / 3_600_000) % 24} hours, ${Math.floor(uptime / 60_000) % 60} minutes, ${Math.floor(uptime / 1000) % 60} seconds ]`],
    ['putMessageTimesTotal', String(store.putMessageTotal)],
    ['putMessageSizeTotal', String(stats.putBytes)],
    ['bootTimestamp', String(services.startTimestamp)],
  ]);
  // Replication (not in Apache's table, which only logs slaveFallBehindMuch): role and lag for consoles.
  const replication = services.replication?.status();
  if (replication) {
    info.set('brokerRole', replication.role);
    if (replication.role === 'SLAVE') {
      info.set('haMasterAddress', replication.haMasterAddress ?? '');
      info.set('haClientState', replication.haClientState ?? '');
      info.set('masterFallBehindMuch', String(replication.masterFallBehindBytes ?? 0));
    } else {
      info.set('haConnectionCount', String(replication.slaves.length));
      info.set('slaveFallBehindMuch', String(replication.slaveFallBehindBytes));
      info.set('slaveAckOffsets', replication.slaves.map((s) => `${s.addr}=${s.ackOffset}`).join(','));
    }
  }
  // Controller mode (ours; docs/failover.md): who elects, the master epoch and the in-sync set.
  for (const [key, value] of services.controllerMode?.runtimeEntries() ?? []) info.set(key, value);
  // Ours (Apache 4.8 has no such keys): transactional message counters since the broker started.
  const tx = services.transactions.counters;
  info.set('transactionHalfMessages', String(tx.halfMessages));
  info.set('transactionCommits', String(tx.commits));
  info.set('transactionRollbacks', String(tx.rollbacks));
  info.set('transactionDuplicateEnds', String(tx.duplicates));
  info.set('transactionChecks', String(tx.checks));
  info.set('transactionChecksWithoutProducer', String(tx.checksWithoutProducer));
  info.set('transactionDiscards', String(tx.discards));
  return info;
}

/** MixAll.humanReadableByteCount(bytes, false): "512 B", "1.5 KiB", "252.0 GiB". */
function humanReadableByteCount(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const exp = Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), 6);
  return `${(bytes / 1024 ** exp).toFixed(1)} ${'KMGTPE'[exp - 1]}iB`;
}
