/**
 * Sending: SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320).
 * SendMessageProcessor + AbstractSendMessageProcessor.msgCheck (remoting-protocol.md §11.1):
 * validate the topic (auto-creating it from the template topic), pick the queue, redirect
 * exhausted retries to the dead-letter topic, add the CLUSTER property, store, answer
 * msgId/queueId/queueOffset with MSG_REGION and TRACE_ON.
 */
import {
  createResponse,
  decodeBatch,
  decodeHeader,
  decodeProperties,
  encodeHeader,
  encodeProperties,
  type ExtFields,
  joinProperties,
  MessageConst,
  type MessageProperties,
  MessageSysFlag,
  MQVersion,
  parseHost,
  PermName,
  type RemotingCommand,
  RequestCode,
  type RequestContext,
  type RequestHandler,
  ResponseCode,
  SendMessageRequestHeader,
  SendMessageRequestHeaderV2,
  SEND_RESPONSE_RECALL_HANDLE,
  SendMessageResponseHeader,
} from '@rocketmq-ts/protocol';
import { type MessageToStore, type StorePutResult, TIMER_TOPIC } from '@rocketmq-ts/store';
import { RequestRejected } from '../../common/errors.ts';
import { applyDelay } from '../schedule/delay.ts';
import { recallHandleFor } from '../schedule/recall.ts';
import { applyTimer } from '../schedule/timer.ts';
import { DLQ_GROUP_TOPIC_PREFIX, dlqTopic, RETRY_GROUP_TOPIC_PREFIX, SystemTopic, topicNameProblem } from '../topic/system-topics.ts';
import { isPreparedSend, toHalfMessage } from '../transaction/half-message.ts';
import { type BrokerServices, recordPutLatency } from './services.ts';

type SendHeader = SendMessageRequestHeader;

/** Topics clients may not send to (TopicValidator.isNotAllowedSendTopic). */
const NOT_ALLOWED_SEND_TOPICS = new Set<string>([SystemTopic.SCHEDULE, TIMER_TOPIC, SystemTopic.TRANS_HALF, SystemTopic.TRANS_OP_HALF, SystemTopic.TRANS_CHECK_MAX_TIME]);

const STATUS_CODES: Record<string, number> = {
  PUT_OK: ResponseCode.SUCCESS,
  FLUSH_DISK_TIMEOUT: ResponseCode.FLUSH_DISK_TIMEOUT,
  FLUSH_SLAVE_TIMEOUT: ResponseCode.FLUSH_SLAVE_TIMEOUT,
  SLAVE_NOT_AVAILABLE: ResponseCode.SLAVE_NOT_AVAILABLE,
  SERVICE_NOT_AVAILABLE: ResponseCode.SERVICE_NOT_AVAILABLE,
  MESSAGE_ILLEGAL: ResponseCode.MESSAGE_ILLEGAL,
  PROPERTIES_SIZE_EXCEEDED: ResponseCode.MESSAGE_ILLEGAL,
};

/** A send the broker refuses (answered with the code and remark). */
class SendRejected extends RequestRejected {}

function readHeader(request: RemotingCommand): SendHeader {
  const v2 = request.code === RequestCode.SEND_MESSAGE_V2 || request.code === RequestCode.SEND_BATCH_MESSAGE || request.code === RequestCode.SEND_REPLY_MESSAGE_V2;
  return v2 ? (decodeHeader(SendMessageRequestHeaderV2, request.extFields) as SendHeader) : decodeHeader(SendMessageRequestHeader, request.extFields);
}

/** Where the message goes: topic config checks, auto-create, queue choice, retry → DLQ. */
function resolveTarget(services: BrokerServices, header: SendHeader, request: RemotingCommand, ctx: RequestContext): { topic: string; queueId: number } {
  const { config, topics, groups } = services;
  if (config.brokerRole === 'SLAVE') {
    // Apache's store refuses puts on a slave (SERVICE_NOT_AVAILABLE); refuse before auto-creating a topic here.
    throw new SendRejected(
      ResponseCode.SERVICE_NOT_AVAILABLE,
      `service not available now: broker ${config.brokerName} (brokerId ${config.brokerId}) is a SLAVE and takes no messages; send to its master (brokerId 0)`,
    );
  }
  const problem = topicNameProblem(header.topic);
  if (problem) throw new SendRejected(ResponseCode.SYSTEM_ERROR, `${problem}; rename the topic`);
  if (header.topic === SystemTopic.AUTO_CREATE_TOPIC_KEY) {
    // 4.8 AbstractSendMessageProcessor.msgCheck (isTopicCanSendMessage): the template topic takes no messages.
    throw new SendRejected(ResponseCode.SYSTEM_ERROR, `the topic[${header.topic}] is conflict with system reserved words: it is the template for auto-created topics; send to your own topic`);
  }
  if (NOT_ALLOWED_SEND_TOPICS.has(header.topic)) {
    throw new SendRejected(ResponseCode.NO_PERMISSION, `Sending message to topic[${header.topic}] is forbidden: it is a system topic`);
  }
  if (header.topic.startsWith(DLQ_GROUP_TOPIC_PREFIX)) {
    // Only the broker writes dead letters (send-back after maxReconsumeTimes); a producer may not.
    throw new SendRejected(ResponseCode.NO_PERMISSION, `Sending message to topic[${header.topic}] is forbidden: dead-letter topics are written by the broker only; resend to the original topic to retry`);
  }
  if (!(config.brokerPermission & PermName.WRITE)) {
    throw new SendRejected(ResponseCode.NO_PERMISSION, `the broker[${config.brokerName}] sending message is forbidden: brokerPermission=${config.brokerPermission} has no write bit`);
  }
  const isRetry = header.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX);
  let topicConfig = topics.createTopicInSendMessageMethod(header.topic, header.defaultTopic, header.defaultTopicQueueNums, 0);
  if (!topicConfig && isRetry) topicConfig = topics.createTopicInSendMessageBackMethod(header.topic, 1, PermName.READ | PermName.WRITE);
  if (!topicConfig) {
    throw new SendRejected(
      ResponseCode.TOPIC_NOT_EXIST,
      `topic[${header.topic}] not exist on broker ${config.brokerName}, apply first please: run \`mqadmin updateTopic -b <broker> -t ${header.topic}\` ` +
        `or set autoCreateTopicEnable=true (the template topic ${header.defaultTopic} must exist and be inheritable)`,
    );
  }
  if (!(topicConfig.perm & PermName.WRITE)) {
    throw new SendRejected(ResponseCode.NO_PERMISSION, `the topic[${header.topic}] sending message is forbidden: its perm is ${topicConfig.perm}`);
  }
  const queueCount = Math.max(topicConfig.readQueueNums, topicConfig.writeQueueNums);
  if (header.queueId >= queueCount) {
    throw new SendRejected(ResponseCode.SYSTEM_ERROR, `request queueId[${header.queueId}] is illegal, topic ${header.topic} has ${queueCount} queues. Producer: ${ctx.remoteAddress}`);
  }
  let topic = header.topic;
  let queueId = header.queueId < 0 ? Math.floor(Math.random() * topicConfig.writeQueueNums) : header.queueId;
  if (isRetry) {
    const group = header.topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
    const groupConfig = groups.findOrCreate(group);
    if (!groupConfig) {
      throw new SendRejected(ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group not exist, ${group}; create it with \`mqadmin updateSubGroup -g ${group}\``);
    }
    const maxReconsumeTimes = request.version >= MQVersion.V3_4_9 && header.maxReconsumeTimes !== undefined ? header.maxReconsumeTimes : groupConfig.retryMaxTimes;
    if ((header.reconsumeTimes ?? 0) >= maxReconsumeTimes) {
      topic = dlqTopic(group);
      topics.createTopicInSendMessageBackMethod(topic, 1, PermName.WRITE);
      queueId = 0;
    }
  }
  return { topic, queueId };
}

/** 0-byte bodies are refused, as every Apache client refuses them (Validators.checkMessage). */
function checkBody(body: Buffer): void {
  if (body.length === 0) throw new SendRejected(ResponseCode.MESSAGE_ILLEGAL, 'the message body length is zero; send a non-empty body');
}

function putResponse(services: BrokerServices, request: RemotingCommand, result: StorePutResult, joinIds: boolean, topic: string): RemotingCommand {
  const code = STATUS_CODES[result.status] ?? ResponseCode.SYSTEM_ERROR;
  const extFields: ExtFields = { MSG_REGION: services.config.regionId, TRACE_ON: String(services.config.traceOn) };
  const first = result.records[0];
  if (first && (code === ResponseCode.SUCCESS || code === ResponseCode.FLUSH_DISK_TIMEOUT || code === ResponseCode.FLUSH_SLAVE_TIMEOUT || code === ResponseCode.SLAVE_NOT_AVAILABLE)) {
    encodeHeader(
      SendMessageResponseHeader,
      { msgId: joinIds ? result.records.map((r) => r.offsetMsgId).join(',') : first.offsetMsgId, queueId: -1, queueOffset: first.queueOffset },
      extFields,
    );
    services.stats.putMessages += result.records.length;
    let bytes = 0;
    for (const record of result.records) bytes += record.size;
    services.stats.putBytes += bytes;
    services.statsManager.onPut(topic, result.records.length, bytes);
  }
  return createResponse(request, code, { extFields, remark: code === ResponseCode.SUCCESS ? undefined : (result.remark ?? result.status) });
}

/**
 * SYNC_MASTER (CommitLog.handleHA): a stored message with WAIT ≠ false waits until a slave has
 * it; a replica status other than OK replaces the flush status. The message stays stored.
 */
async function waitForSlave(services: BrokerServices, stored: StorePutResult, wait: boolean): Promise<StorePutResult> {
  const replication = services.replication;
  if (!wait || !replication || replication.role !== 'SYNC_MASTER') return stored;
  if (stored.status !== 'PUT_OK' && stored.status !== 'FLUSH_DISK_TIMEOUT') return stored;
  const last = stored.records.at(-1);
  if (!last) return stored;
  const replica = await replication.awaitReplica(last.commitLogOffset + last.size);
  if (replica === 'PUT_OK') return stored;
  const remark =
    replica === 'SLAVE_NOT_AVAILABLE'
      ? `the message is stored on ${services.config.brokerName}, but no slave is connected or it is over haSlaveFallbehindMax behind (brokerRole=SYNC_MASTER); start the slave or check its haMasterAddress`
      : `the message is stored on ${services.config.brokerName}, but no slave confirmed it within syncFlushTimeout=${services.config.syncFlushTimeout} ms (brokerRole=SYNC_MASTER)`;
  return { ...stored, status: replica, remark };
}

/** Stored properties: the sender's plus CLUSTER, written as the Java broker writes them. */
function storedProperties(services: BrokerServices, properties: MessageProperties): string {
  properties[MessageConst.CLUSTER] = services.config.brokerClusterName;
  return encodeProperties(properties, { order: 'java-hash' });
}

async function sendSingle(services: BrokerServices, ctx: RequestContext, request: RemotingCommand): Promise<RemotingCommand> {
  const header = readHeader(request);
  const body = request.body ?? Buffer.alloc(0);
  if (body.length > services.config.maxMessageSize) {
    throw new SendRejected(
      ResponseCode.MESSAGE_ILLEGAL,
      `the message body size ${body.length} is over the max value ${services.config.maxMessageSize}; raise maxMessageSize on the broker and the producer, or send smaller messages`,
    );
  }
  checkBody(body);
  const { topic, queueId } = resolveTarget(services, header, request, ctx);
  // A topic auto-created just now is on disk before its first message is acknowledged.
  await services.topics.persisted();
  const properties = decodeProperties(header.properties);
  const prepared = isPreparedSend(properties, header.reconsumeTimes ?? 0);
  if (prepared && services.config.rejectTransactionMessage) {
    throw new SendRejected(
      ResponseCode.NO_PERMISSION,
      `the broker[${services.config.brokerName}] sending transaction message is forbidden: rejectTransactionMessage=true; set it to false in broker.conf or send without a TransactionMQProducer`,
    );
  }
  const message: MessageToStore = {
    topic,
    queueId,
    flag: header.flag,
    body,
    propertiesText: '',
    sysFlag: header.sysFlag,
    bornTimestamp: header.bornTimestamp,
    bornHost: parseHost(ctx.remoteAddress),
    storeHost: services.storeHost,
    reconsumeTimes: header.reconsumeTimes ?? 0,
    preparedTransactionOffset: 0,
    waitStoreMsgOK: properties[MessageConst.WAIT_STORE_MSG_OK] !== 'false',
  };
  if (prepared) {
    // A half message waits in RMQ_SYS_TRANS_HALF_TOPIC for END_TRANSACTION; delay and timer do not apply to it.
    toHalfMessage(message, properties);
    services.transactions.log.ensureTopics();
    services.transactions.counters.halfMessages++;
  } else {
    const timerRejected = applyTimer(services.config, message, properties, Date.now());
    if (timerRejected) throw new SendRejected(timerRejected.code, timerRejected.remark);
    applyDelay(services.delayLevels, message, properties);
  }
  message.propertiesText = storedProperties(services, properties);
  message.properties = properties;
  const started = performance.now();
  const stored = await waitForSlave(services, await services.store.putMessage(message), message.waitStoreMsgOK !== false);
  recordPutLatency(services.stats, Math.round(performance.now() - started));
  const response = putResponse(services, request, stored, false, header.topic);
  if (response.extFields && response.code !== ResponseCode.SYSTEM_ERROR && 'queueId' in response.extFields) {
    response.extFields['queueId'] = String(queueId);
    const recallHandle = message.topic === TIMER_TOPIC ? recallHandleFor(services.config.brokerName, properties) : undefined;
    if (recallHandle) response.extFields[SEND_RESPONSE_RECALL_HANDLE] = recallHandle;
  }
  return response;
}

async function sendBatch(services: BrokerServices, ctx: RequestContext, request: RemotingCommand): Promise<RemotingCommand> {
  const header = readHeader(request);
  if (header.topic.length > 127) throw new SendRejected(ResponseCode.MESSAGE_ILLEGAL, `message topic length too long ${header.topic.length}`);
  if (header.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) throw new SendRejected(ResponseCode.MESSAGE_ILLEGAL, 'batch request does not support retry group topics');
  const body = request.body ?? Buffer.alloc(0);
  if (body.length > services.config.maxMessageSize) {
    throw new SendRejected(ResponseCode.MESSAGE_ILLEGAL, `the batch of ${body.length} bytes is over maxMessageSize ${services.config.maxMessageSize}; split it`);
  }
  const { topic, queueId } = resolveTarget(services, header, request, ctx);
  await services.topics.persisted();
  const batchProperties = decodeProperties(header.properties);
  const batchPropertiesText = storedProperties(services, batchProperties);
  const bornHost = parseHost(ctx.remoteAddress);
  const entries = decodeBatch(body);
  if (entries.length === 0) throw new SendRejected(ResponseCode.MESSAGE_ILLEGAL, 'the batch is empty');
  const messages = entries.map((entry): MessageToStore => {
    checkBody(entry.body);
    const own = decodeProperties(entry.propertiesText);
    if (own[MessageConst.DELAY_TIME_LEVEL] !== undefined && own[MessageConst.DELAY_TIME_LEVEL] !== '0') {
      throw new SendRejected(ResponseCode.MESSAGE_ILLEGAL, 'a batch message may not have a delay level; send delayed messages one by one');
    }
    if (header.sysFlag & MessageSysFlag.TRANSACTION_PREPARED_TYPE) throw new SendRejected(ResponseCode.MESSAGE_ILLEGAL, 'a batch may not hold transaction messages');
    return {
      topic,
      queueId,
      flag: entry.flag,
      body: entry.body,
      propertiesText: joinProperties(entry.propertiesText, batchPropertiesText),
      properties: { ...own, ...batchProperties },
      sysFlag: header.sysFlag,
      bornTimestamp: header.bornTimestamp,
      bornHost,
      storeHost: services.storeHost,
      reconsumeTimes: header.reconsumeTimes ?? 0,
      preparedTransactionOffset: 0,
      waitStoreMsgOK: batchProperties[MessageConst.WAIT_STORE_MSG_OK] !== 'false',
    };
  });
  const started = performance.now();
  const stored = await waitForSlave(services, await services.store.putMessages(messages), messages[0]!.waitStoreMsgOK !== false);
  recordPutLatency(services.stats, Math.round(performance.now() - started));
  const response = putResponse(services, request, stored, true, topic);
  if (response.extFields && 'queueId' in response.extFields) response.extFields['queueId'] = String(queueId);
  return response;
}

/** Turns SendRejected into the response Java gives, with the standard extra fields. */
function guarded(services: BrokerServices, send: (services: BrokerServices, ctx: RequestContext, request: RemotingCommand) => Promise<RemotingCommand>): RequestHandler {
  return async (ctx, request) => {
    if (services.stats.sendRequestsInFlight >= services.config.sendThreadPoolQueueCapacity) {
      return createResponse(request, ResponseCode.SYSTEM_BUSY, {
        remark: `[OVERLOAD]system busy: ${services.stats.sendRequestsInFlight} sends in progress on broker ${services.config.brokerName}; retry later or add brokers`,
      });
    }
    services.stats.sendRequestsInFlight++;
    try {
      return await send(services, ctx, request);
    } catch (error) {
      if (!(error instanceof SendRejected)) throw error;
      return createResponse(request, error.code, {
        remark: error.message,
        extFields: { MSG_REGION: services.config.regionId, TRACE_ON: String(services.config.traceOn) },
      });
    } finally {
      services.stats.sendRequestsInFlight--;
    }
  };
}

export function sendHandlers(services: BrokerServices): Map<number, RequestHandler> {
  const single = guarded(services, sendSingle);
  return new Map<number, RequestHandler>([
    [RequestCode.SEND_MESSAGE, single],
    [RequestCode.SEND_MESSAGE_V2, single],
    [RequestCode.SEND_BATCH_MESSAGE, guarded(services, sendBatch)],
  ]);
}
