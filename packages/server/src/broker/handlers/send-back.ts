/**
 * CONSUMER_SEND_MSG_BACK (36): a consumer returns a message it failed to consume
 * (SendMessageProcessor.asyncConsumerSendMsgBack, remoting-protocol.md §11.3). It comes back
 * on %RETRY%<group> after delay level 3 + reconsumeTimes (or the level asked for), with the
 * same body, keys and UNIQ_KEY and reconsumeTimes + 1; once reconsumeTimes reaches
 * maxReconsumeTimes (or the level is negative) it goes to %DLQ%<group> instead.
 */
import {
  ConsumerSendMsgBackRequestHeader,
  createOffsetMessageId,
  createResponse,
  decodeHeader,
  decodeStoredMessage,
  encodeProperties,
  isWriteable,
  MessageConst,
  MQVersion,
  parseHost,
  PermName,
  RequestCode,
  type RequestHandler,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import type { MessageToStore } from '@rocketmq-ts/store';
import { applyDelay } from '../schedule/delay.ts';
import { dlqTopic, retryTopic } from '../topic/system-topics.ts';
import type { BrokerServices } from './services.ts';

export function sendBackHandlers(services: BrokerServices): Map<number, RequestHandler> {
  const { groups, topics, store, config } = services;
  return new Map<number, RequestHandler>([
    [
      RequestCode.CONSUMER_SEND_MSG_BACK,
      async (ctx, request) => {
        const header = decodeHeader(ConsumerSendMsgBackRequestHeader, request.extFields);
        const group = groups.findOrCreate(header.group);
        if (!group) {
          return createResponse(request, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, { remark: `subscription group not exist, ${header.group}; create it with \`mqadmin updateSubGroup\`` });
        }
        if (!isWriteable(config.brokerPermission)) return createResponse(request, ResponseCode.NO_PERMISSION, { remark: `the broker[${config.brokerName}] sending message is forbidden` });
        if (group.retryQueueNums <= 0) return createResponse(request, ResponseCode.SUCCESS);

        const record = await store.lookMessageByOffset(header.offset);
        if (!record) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `look message by offset failed, ${header.offset}` });
        const original = decodeStoredMessage(record);
        const properties = { ...original.properties };
        properties[MessageConst.RETRY_TOPIC] ??= original.topic;

        const maxReconsumeTimes = request.version >= MQVersion.V3_4_9 && header.maxReconsumeTimes !== undefined ? header.maxReconsumeTimes : group.retryMaxTimes;
        let topic = retryTopic(header.group);
        let queueId = Math.floor(Math.random() * group.retryQueueNums);
        topics.createTopicInSendMessageBackMethod(topic, group.retryQueueNums, PermName.READ | PermName.WRITE);
        delete properties[MessageConst.DELAY_TIME_LEVEL];
        if (original.reconsumeTimes >= maxReconsumeTimes || header.delayLevel < 0) {
          topic = dlqTopic(header.group);
          queueId = 0;
          topics.createTopicInSendMessageBackMethod(topic, 1, PermName.WRITE);
        } else {
          properties[MessageConst.DELAY_TIME_LEVEL] = String(header.delayLevel === 0 ? 3 + original.reconsumeTimes : header.delayLevel);
        }
        properties[MessageConst.ORIGIN_MESSAGE_ID] ??= createOffsetMessageId(original.storeHost, original.commitLogOffset);
        properties[MessageConst.CLUSTER] = config.brokerClusterName;
        const message: MessageToStore = {
          topic,
          queueId,
          flag: original.flag,
          body: original.body,
          propertiesText: '',
          sysFlag: original.sysFlag,
          bornTimestamp: original.bornTimestamp,
          bornHost: parseHost(ctx.remoteAddress),
          storeHost: services.storeHost,
          reconsumeTimes: original.reconsumeTimes + 1,
          preparedTransactionOffset: 0,
          waitStoreMsgOK: false,
        };
        applyDelay(services.delayLevels, message, properties);
        message.propertiesText = encodeProperties(properties, { order: 'java-hash' });
        message.properties = properties;
        const result = await store.putMessage(message);
        if (result.status === 'PUT_OK' || result.status === 'FLUSH_DISK_TIMEOUT') return createResponse(request, ResponseCode.SUCCESS);
        return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `${result.status}: ${result.remark ?? 'the retry message could not be stored'}` });
      },
    ],
  ]);
}
