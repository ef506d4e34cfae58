/**
 * CONSUMER_SEND_MSG_BACK (36): a consumer returns a message it failed to consume
 * (SendMessageProcessor.asyncConsumerSendMsgBack, remoting-protocol.md §11.3). It comes back
 * on %RETRY%<group> after delay level 3 + reconsumeTimes (or the level asked for), with the
 * same body, keys and UNIQ_KEY and reconsumeTimes + 1; once reconsumeTimes reaches
 * maxReconsumeTimes (or the level is negative) it goes to %DLQ%<group> instead — still carrying
 * the DELAY of its last retry, so (as in 4.8) it is parked at that level on the way. Like 4.8 it
 * keeps the original bornHost, sets WAIT=false, and stores ORIGIN_MESSAGE_ID only when the copy
 * is parked (4.8 adds it after serializing the properties; parking serializes them again).
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
      async (_ctx, request) => {
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
        properties[MessageConst.WAIT_STORE_MSG_OK] = 'false';

        const maxReconsumeTimes = request.version >= MQVersion.V3_4_9 && header.maxReconsumeTimes !== undefined ? header.maxReconsumeTimes : group.retryMaxTimes;
        let topic = retryTopic(header.group);
        let queueId = Math.floor(Math.random() * group.retryQueueNums);
        topics.createTopicInSendMessageBackMethod(topic, group.retryQueueNums, PermName.READ | PermName.WRITE);
        if (original.reconsumeTimes >= maxReconsumeTimes || header.delayLevel < 0) {
          topic = dlqTopic(header.group);
          queueId = 0;
          topics.createTopicInSendMessageBackMethod(topic, 1, PermName.WRITE);
          // As in 4.8, the DLQ copy keeps the DELAY the message was last retried with (the schedule
          // service leaves it in the stored properties), so it is parked at that level first.
        } else {
          properties[MessageConst.DELAY_TIME_LEVEL] = String(header.delayLevel === 0 ? 3 + original.reconsumeTimes : header.delayLevel);
        }
        // 4.8 serializes the properties here and adds ORIGIN_MESSAGE_ID to the in-memory map only;
        // CommitLog.putMessage serializes the map again when it parks a delayed message.
        const textProperties = { ...properties };
        properties[MessageConst.ORIGIN_MESSAGE_ID] ??= createOffsetMessageId(original.storeHost, original.commitLogOffset);
        const message: MessageToStore = {
          topic,
          queueId,
          flag: original.flag,
          body: original.body,
          propertiesText: '',
          sysFlag: original.sysFlag,
          bornTimestamp: original.bornTimestamp,
          // The original producer's, as in 4.8 (not the consumer sending it back).
          bornHost: original.bornHost,
          storeHost: services.storeHost,
          reconsumeTimes: original.reconsumeTimes + 1,
          preparedTransactionOffset: 0,
          waitStoreMsgOK: false,
        };
        applyDelay(services.delayLevels, message, properties);
        message.propertiesText = encodeProperties(message.topic === topic ? textProperties : properties, { order: 'java-hash' });
        message.properties = properties;
        await services.topics.persisted();
        const result = await store.putMessage(message);
        if (result.status === 'PUT_OK' || result.status === 'FLUSH_DISK_TIMEOUT') {
          services.statsManager.onSendBack(header.group, properties[MessageConst.RETRY_TOPIC] ?? original.topic);
          return createResponse(request, ResponseCode.SUCCESS);
        }
        return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `${result.status}: ${result.remark ?? 'the retry message could not be stored'}` });
      },
    ],
  ]);
}
