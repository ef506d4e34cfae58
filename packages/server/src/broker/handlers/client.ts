/**
 * Client management: HEART_BEAT (34), UNREGISTER_CLIENT (35), GET_CONSUMER_LIST_BY_GROUP (38),
 * LOCK_BATCH_MQ (41), UNLOCK_BATCH_MQ (42), CHECK_CLIENT_CONFIG (46).
 * ClientManageProcessor, ConsumerManageProcessor, AdminBrokerProcessor (lock/unlock).
 */
import {
  createResponse,
  decodeHeader,
  decodeHeartbeatData,
  decodeLockBatchRequest,
  encodeConsumerIdList,
  encodeLockBatchResponse,
  GetConsumerListByGroupRequestHeader,
  isObject,
  parseBody,
  PermName,
  readSubscriptionData,
  RequestCode,
  type RequestHandler,
  ResponseCode,
  str,
  TopicSysFlag,
  UnregisterClientRequestHeader,
} from '@rocketmq-ts/protocol';
import { isTagType } from '../filter/consumer-filter-manager.ts';
import { retryTopic } from '../topic/system-topics.ts';
import type { BrokerServices } from './services.ts';

export function clientHandlers(services: BrokerServices): Map<number, RequestHandler> {
  const { consumers, producers, groups, topics, locks, config } = services;
  const notifyEnabled = (group: string): boolean => config.notifyConsumerIdsChangedEnable && (groups.get(group)?.notifyConsumerIdsChangedEnable ?? true);
  return new Map<number, RequestHandler>([
    [
      RequestCode.HEART_BEAT,
      (ctx, request) => {
        const heartbeat = decodeHeartbeatData(request.body);
        const now = Date.now();
        const channel = { connection: ctx.connection, clientId: heartbeat.clientID, language: request.language, version: request.version, lastUpdateTimestamp: now };
        for (const consumer of heartbeat.consumerDataSet) {
          const groupConfig = groups.findOrCreate(consumer.groupName);
          if (groupConfig) {
            const sysFlag = consumer.unitMode ? TopicSysFlag.UNIT_SUB : 0;
            topics.createTopicInSendMessageBackMethod(retryTopic(consumer.groupName), groupConfig.retryQueueNums, PermName.READ | PermName.WRITE, sysFlag);
          }
          const changed = consumers.registerConsumer(
            {
              group: consumer.groupName,
              channel: { ...channel },
              consumeType: consumer.consumeType,
              messageModel: consumer.messageModel,
              consumeFromWhere: consumer.consumeFromWhere,
              subscriptions: consumer.subscriptionDataSet,
            },
            notifyEnabled(consumer.groupName),
          );
          // Every heartbeat, as Apache's REGISTER event: SQL92 subscriptions (re)compiled per subscription version.
          services.filters.register(consumer.groupName, consumer.subscriptionDataSet);
          if (changed) services.logger.info({ group: consumer.groupName, clientId: heartbeat.clientID, from: ctx.remoteAddress }, 'consumer group changed');
        }
        for (const producer of heartbeat.producerDataSet) producers.registerProducer(producer.groupName, { ...channel });
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.UNREGISTER_CLIENT,
      (ctx, request) => {
        const header = decodeHeader(UnregisterClientRequestHeader, request.extFields);
        if (header.producerGroup) producers.unregisterProducer(header.producerGroup, ctx.connection);
        if (header.consumerGroup) consumers.unregisterConsumer(header.consumerGroup, ctx.connection, notifyEnabled(header.consumerGroup));
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.GET_CONSUMER_LIST_BY_GROUP,
      (ctx, request) => {
        const { consumerGroup } = decodeHeader(GetConsumerListByGroupRequestHeader, request.extFields);
        const ids = consumers.clientIds(consumerGroup);
        if (ids.length === 0) {
          return createResponse(request, ResponseCode.SYSTEM_ERROR, {
            remark: `no consumer for this group, ${consumerGroup} (asked by ${ctx.remoteAddress}); the group's consumers have not sent a heartbeat to this broker`,
          });
        }
        return createResponse(request, ResponseCode.SUCCESS, { body: encodeConsumerIdList(ids) });
      },
    ],
    [
      RequestCode.LOCK_BATCH_MQ,
      (_ctx, request) => {
        const body = decodeLockBatchRequest(request.body);
        const locked = locks.tryLockBatch(body.consumerGroup, body.mqSet, body.clientId);
        return createResponse(request, ResponseCode.SUCCESS, { body: encodeLockBatchResponse(locked) });
      },
    ],
    [
      RequestCode.UNLOCK_BATCH_MQ,
      (_ctx, request) => {
        const body = decodeLockBatchRequest(request.body);
        locks.unlockBatch(body.consumerGroup, body.mqSet, body.clientId);
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.CHECK_CLIENT_CONFIG,
      (_ctx, request) => {
        const body = parseBody(request.body, 'CheckClientRequestBody');
        if (!isObject(body['subscriptionData'])) return createResponse(request, ResponseCode.SUCCESS);
        const subscription = readSubscriptionData(body['subscriptionData']);
        if (isTagType(subscription.expressionType)) return createResponse(request, ResponseCode.SUCCESS);
        if (!config.enablePropertyFilter) {
          return createResponse(request, ResponseCode.SYSTEM_ERROR, {
            remark: `The broker does not support consumer to filter message by ${subscription.expressionType}: set enablePropertyFilter=true in broker ${config.brokerName}'s broker.conf, or subscribe group ${str(body['group'])} with tags`,
          });
        }
        const failure = services.selectors.failure(subscription.expressionType, subscription.subString);
        if (failure !== undefined) {
          services.logger.warn({ clientId: str(body['clientId']), group: str(body['group']), topic: subscription.topic, expression: subscription.subString, err: failure }, 'a consumer filter does not compile');
          return createResponse(request, ResponseCode.SUBSCRIPTION_PARSE_FAILED, { remark: failure });
        }
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
  ]);
}
