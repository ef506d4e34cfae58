/**
 * Typed requests to name servers and brokers (MQClientAPIImpl.java): each method builds one
 * command, sends it, and turns the response into a value or an MQBrokerError.
 */
import {
  type CheckClientRequestBody,
  ConsumerSendMsgBackRequestHeader,
  createRequest,
  decodeConsumerIdList,
  decodeHeader,
  decodeLockBatchResponse,
  decodeTopicRouteData,
  encodeHeader,
  encodeCheckClientRequestBody,
  encodeHeartbeatData,
  encodeLockBatchRequest,
  GetConsumerListByGroupRequestHeader,
  GetMaxOffsetRequestHeader,
  GetMaxOffsetResponseHeader,
  GetMinOffsetRequestHeader,
  GetMinOffsetResponseHeader,
  GetRouteInfoRequestHeader,
  type HeartbeatData,
  type MessageQueue,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  QueryConsumerOffsetRequestHeader,
  QueryConsumerOffsetResponseHeader,
  RecallMessageRequestHeader,
  RecallMessageResponseHeader,
  type RemotingClient,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  SearchOffsetRequestHeader,
  SearchOffsetResponseHeader,
  SEND_RESPONSE_RECALL_HANDLE,
  SendMessageRequestHeaderV2,
  type SendMessageRequestHeader,
  SendMessageResponseHeader,
  type TopicRouteData,
  UnregisterClientRequestHeader,
  UpdateConsumerOffsetRequestHeader,
  type HeaderTable,
  type HeaderOf,
} from '@rocketmq-ts/protocol';
import { MQBrokerError } from '../errors.ts';
import type { MessageExt, SendResult, SendStatus } from '../message.ts';
import { decodeMessages } from './received-message.ts';

export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface PullResult {
  status: PullStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  messages: MessageExt[];
  suggestWhichBrokerId: number;
}

const sendStatusByCode = new Map<number, SendStatus>([
  [ResponseCode.SUCCESS, 'SEND_OK'],
  [ResponseCode.FLUSH_DISK_TIMEOUT, 'FLUSH_DISK_TIMEOUT'],
  [ResponseCode.FLUSH_SLAVE_TIMEOUT, 'FLUSH_SLAVE_TIMEOUT'],
  [ResponseCode.SLAVE_NOT_AVAILABLE, 'SLAVE_NOT_AVAILABLE'],
]);

function request<H extends HeaderTable>(code: number, table: H, header: HeaderOf<H>, body?: Buffer) {
  return createRequest(code, { extFields: encodeHeader(table, header), body });
}

export class ClientApi {
  constructor(private readonly remoting: RemotingClient) {}

  private async call(addr: string, operation: string, command: RemotingCommand, timeoutMillis: number, ok: readonly number[] = [ResponseCode.SUCCESS]) {
    const response = await this.remoting.invoke(addr, command, timeoutMillis);
    if (!ok.includes(response.code)) throw new MQBrokerError(addr, operation, response.code, response.remark);
    return response;
  }

  /** The topic's route, or undefined when the name server does not know it. */
  async getTopicRoute(namesrvAddr: string, topic: string, timeoutMillis: number): Promise<TopicRouteData | undefined> {
    const response = await this.call(
      namesrvAddr,
      `GET_ROUTEINFO_BY_TOPIC ${topic}`,
      request(RequestCode.GET_ROUTEINFO_BY_TOPIC, GetRouteInfoRequestHeader, { topic }),
      timeoutMillis,
      [ResponseCode.SUCCESS, ResponseCode.TOPIC_NOT_EXIST],
    );
    return response.code === ResponseCode.TOPIC_NOT_EXIST ? undefined : decodeTopicRouteData(response.body);
  }

  sendCommand(header: SendMessageRequestHeader, body: Buffer, batch: boolean): RemotingCommand {
    return request(batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2, SendMessageRequestHeaderV2, header, body);
  }

  async sendMessage(addr: string, brokerName: string, command: RemotingCommand, msgId: string, timeoutMillis: number): Promise<SendResult> {
    const response = await this.remoting.invoke(addr, command, timeoutMillis);
    const sendStatus = sendStatusByCode.get(response.code);
    const topic = command.extFields?.['b'] ?? '';
    if (!sendStatus) throw new MQBrokerError(addr, `send to ${topic}`, response.code, response.remark);
    const header = decodeHeader(SendMessageResponseHeader, response.extFields);
    const ext = response.extFields ?? {};
    return {
      sendStatus,
      msgId,
      offsetMsgId: header.msgId,
      messageQueue: { topic, brokerName, queueId: header.queueId },
      queueOffset: header.queueOffset,
      transactionId: header.transactionId,
      ...(ext[SEND_RESPONSE_RECALL_HANDLE] ? { recallHandle: ext[SEND_RESPONSE_RECALL_HANDLE] } : {}),
      regionId: ext['MSG_REGION'] ?? 'DefaultRegion',
      traceOn: ext['TRACE_ON'] !== 'false',
    };
  }

  async sendOneway(addr: string, command: RemotingCommand, timeoutMillis: number): Promise<void> {
    await this.remoting.invokeOneway(addr, command, timeoutMillis);
  }

  async pullMessage(addr: string, brokerName: string, header: PullMessageRequestHeader, timeoutMillis: number): Promise<PullResult> {
    const response = await this.remoting.invoke(addr, request(RequestCode.PULL_MESSAGE, PullMessageRequestHeader, header), timeoutMillis);
    const statuses: Record<number, PullStatus> = {
      [ResponseCode.SUCCESS]: 'FOUND',
      [ResponseCode.PULL_NOT_FOUND]: 'NO_NEW_MSG',
      [ResponseCode.PULL_RETRY_IMMEDIATELY]: 'NO_MATCHED_MSG',
      [ResponseCode.PULL_OFFSET_MOVED]: 'OFFSET_ILLEGAL',
    };
    const status = statuses[response.code];
    if (!status) throw new MQBrokerError(addr, `pull ${header.topic}:${header.queueId}`, response.code, response.remark);
    const fields = decodeHeader(PullMessageResponseHeader, response.extFields);
    return {
      status,
      nextBeginOffset: fields.nextBeginOffset,
      minOffset: fields.minOffset,
      maxOffset: fields.maxOffset,
      suggestWhichBrokerId: fields.suggestWhichBrokerId,
      messages: status === 'FOUND' ? decodeMessages(response.body, brokerName) : [],
    };
  }

  /** The committed offset, or undefined when the broker has none (QUERY_NOT_FOUND or any broker error). */
  async queryConsumerOffset(addr: string, group: string, mq: MessageQueue, timeoutMillis: number): Promise<number | undefined> {
    const response = await this.remoting.invoke(
      addr,
      request(RequestCode.QUERY_CONSUMER_OFFSET, QueryConsumerOffsetRequestHeader, { consumerGroup: group, topic: mq.topic, queueId: mq.queueId }),
      timeoutMillis,
    );
    if (response.code !== ResponseCode.SUCCESS) return undefined;
    return decodeHeader(QueryConsumerOffsetResponseHeader, response.extFields).offset;
  }

  async updateConsumerOffset(addr: string, group: string, mq: MessageQueue, offset: number, timeoutMillis: number, oneway: boolean): Promise<void> {
    const command = request(RequestCode.UPDATE_CONSUMER_OFFSET, UpdateConsumerOffsetRequestHeader, {
      consumerGroup: group,
      topic: mq.topic,
      queueId: mq.queueId,
      commitOffset: offset,
    });
    if (oneway) await this.remoting.invokeOneway(addr, command, timeoutMillis);
    else await this.call(addr, `update offset of ${group} on ${mq.topic}:${mq.queueId}`, command, timeoutMillis);
  }

  async getMaxOffset(addr: string, mq: MessageQueue, timeoutMillis: number): Promise<number> {
    const response = await this.call(addr, `GET_MAX_OFFSET ${mq.topic}:${mq.queueId}`, request(RequestCode.GET_MAX_OFFSET, GetMaxOffsetRequestHeader, { topic: mq.topic, queueId: mq.queueId }), timeoutMillis);
    return decodeHeader(GetMaxOffsetResponseHeader, response.extFields).offset;
  }

  async getMinOffset(addr: string, mq: MessageQueue, timeoutMillis: number): Promise<number> {
    const response = await this.call(addr, `GET_MIN_OFFSET ${mq.topic}:${mq.queueId}`, request(RequestCode.GET_MIN_OFFSET, GetMinOffsetRequestHeader, { topic: mq.topic, queueId: mq.queueId }), timeoutMillis);
    return decodeHeader(GetMinOffsetResponseHeader, response.extFields).offset;
  }

  async searchOffset(addr: string, mq: MessageQueue, timestamp: number, timeoutMillis: number): Promise<number> {
    const response = await this.call(
      addr,
      `SEARCH_OFFSET_BY_TIMESTAMP ${mq.topic}:${mq.queueId}`,
      request(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, SearchOffsetRequestHeader, { topic: mq.topic, queueId: mq.queueId, timestamp }),
      timeoutMillis,
    );
    return decodeHeader(SearchOffsetResponseHeader, response.extFields).offset;
  }

  async getConsumerIdList(addr: string, group: string, timeoutMillis: number): Promise<string[]> {
    const response = await this.call(
      addr,
      `GET_CONSUMER_LIST_BY_GROUP ${group}`,
      request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, GetConsumerListByGroupRequestHeader, { consumerGroup: group }),
      timeoutMillis,
    );
    return decodeConsumerIdList(response.body);
  }

  /** CHECK_CLIENT_CONFIG: whether the broker can filter with this subscription (SQL92 needs enablePropertyFilter). */
  async checkClientConfig(addr: string, body: CheckClientRequestBody, timeoutMillis: number): Promise<void> {
    await this.call(addr, 'CHECK_CLIENT_CONFIG', createRequest(RequestCode.CHECK_CLIENT_CONFIG, { body: encodeCheckClientRequestBody(body) }), timeoutMillis);
  }

  async heartbeat(addr: string, data: HeartbeatData, timeoutMillis: number): Promise<number> {
    const response = await this.call(addr, 'HEART_BEAT', createRequest(RequestCode.HEART_BEAT, { body: encodeHeartbeatData(data) }), timeoutMillis);
    return response.version;
  }

  async unregisterClient(addr: string, clientID: string, groups: { producerGroup?: string; consumerGroup?: string }, timeoutMillis: number): Promise<void> {
    await this.call(addr, 'UNREGISTER_CLIENT', request(RequestCode.UNREGISTER_CLIENT, UnregisterClientRequestHeader, { clientID, ...groups }), timeoutMillis);
  }

  async lockBatch(addr: string, group: string, clientId: string, mqSet: MessageQueue[], timeoutMillis: number): Promise<MessageQueue[]> {
    const response = await this.call(
      addr,
      'LOCK_BATCH_MQ',
      createRequest(RequestCode.LOCK_BATCH_MQ, { body: encodeLockBatchRequest({ consumerGroup: group, clientId, mqSet }) }),
      timeoutMillis,
    );
    return decodeLockBatchResponse(response.body);
  }

  async unlockBatch(addr: string, group: string, clientId: string, mqSet: MessageQueue[], timeoutMillis: number): Promise<void> {
    await this.call(addr, 'UNLOCK_BATCH_MQ', createRequest(RequestCode.UNLOCK_BATCH_MQ, { body: encodeLockBatchRequest({ consumerGroup: group, clientId, mqSet }) }), timeoutMillis);
  }

  async sendMessageBack(addr: string, header: ConsumerSendMsgBackRequestHeader, timeoutMillis: number): Promise<void> {
    await this.call(addr, `CONSUMER_SEND_MSG_BACK ${header.group}`, request(RequestCode.CONSUMER_SEND_MSG_BACK, ConsumerSendMsgBackRequestHeader, header), timeoutMillis);
  }

  /** RECALL_MESSAGE (5.3+): the recalled message's id. */
  async recallMessage(addr: string, header: RecallMessageRequestHeader, timeoutMillis: number): Promise<string> {
    const response = await this.call(addr, `RECALL_MESSAGE ${header.topic}`, request(RequestCode.RECALL_MESSAGE, RecallMessageRequestHeader, header), timeoutMillis);
    return decodeHeader(RecallMessageResponseHeader, response.extFields).msgId;
  }
}
