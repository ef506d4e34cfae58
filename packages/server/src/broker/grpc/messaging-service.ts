/**
 * The v5 MessagingService (apache/rocketmq/v2 service.proto) as a thin adapter over the same
 * broker services the remoting handlers use: sends go through the SEND_MESSAGE handler, dead
 * letters through CONSUMER_SEND_MSG_BACK, consumption through the POP service. Each RPC is a
 * method from a request object to a response object; grpc-server.ts binds them to calls.
 * What each RPC maps to is in docs/grpc.md (after Apache's proxy, proxy/…/grpc/v2/*Activity).
 */
import {
  buildSubscriptionData,
  ConsumerSendMsgBackRequestHeader,
  createOffsetMessageId,
  createRequest,
  decodeHeader,
  encodeHeader,
  isReadable,
  isWriteable,
  type RemotingCommand,
  RequestCode,
  type RequestContext,
  type RequestHandler,
  ResponseCode,
  SendMessageRequestHeader,
  SendMessageResponseHeader,
  type StoredMessage,
} from '@rocketmq-ts/protocol';
import { tagFilter } from '../filter/message-filter.ts';
import type { BrokerServices } from '../handlers/services.ts';
import type { PopService } from '../pop/pop-service.ts';
import { BadMessage, toGrpcMessage, toSendRequest } from './convert.ts';
import { durationMs, type Endpoints, type FilterExpression, type Message, type MessageQueue, OK, type Resource, type Settings, status, type Status, type TelemetryCommand, toDuration } from './types.ts';

export interface GrpcDeps {
  services: BrokerServices;
  /** The broker's remoting handler table (send, send-back, end-transaction are reused). */
  handlers: ReadonlyMap<number, RequestHandler>;
  pop: PopService;
  /** This endpoint's advertised gRPC address. */
  endpoints(): Endpoints;
}

/** Most messages one ReceiveMessage hands out (Apache's proxy: 32). */
const MAX_BATCH = 32;
const MAX_INVISIBLE_MS = 12 * 3600_000;
const DEFAULT_LONG_POLL_MS = 20_000;
/** Push consumers ask with autoRenew and no invisible duration: Apache's proxy then uses 60 s (defaultInvisibleTimeMills). */
const DEFAULT_INVISIBLE_MS = 60_000;

export interface ClientInfo {
  clientId: string;
  clientType: string;
  group?: string;
  lastSeen: number;
}

const REMOTING_TO_V5: Record<number, string> = {
  [ResponseCode.TOPIC_NOT_EXIST]: 'TOPIC_NOT_FOUND',
  [ResponseCode.MESSAGE_ILLEGAL]: 'BAD_REQUEST',
  [ResponseCode.NO_PERMISSION]: 'FORBIDDEN',
  [ResponseCode.SYSTEM_BUSY]: 'TOO_MANY_REQUESTS',
  [ResponseCode.FLUSH_DISK_TIMEOUT]: 'MASTER_PERSISTENCE_TIMEOUT',
  [ResponseCode.FLUSH_SLAVE_TIMEOUT]: 'SLAVE_PERSISTENCE_TIMEOUT',
  [ResponseCode.SLAVE_NOT_AVAILABLE]: 'HA_NOT_AVAILABLE',
  [ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST]: 'CONSUMER_GROUP_NOT_FOUND',
};

function fromRemoting(response: RemotingCommand | void, what: string): Status {
  if (!response) return status('INTERNAL_SERVER_ERROR', `${what}: no answer`);
  if (response.code === ResponseCode.SUCCESS) return OK;
  return status(REMOTING_TO_V5[response.code] ?? 'INTERNAL_SERVER_ERROR', response.remark ?? `${what} failed with code ${response.code}`);
}

export class MessagingService {
  readonly clients = new Map<string, ClientInfo>();

  constructor(private readonly deps: GrpcDeps) {}

  private get services(): BrokerServices {
    return this.deps.services;
  }

  /** The handlers reused here read only the peer address from their context. */
  private async callHandler(code: number, request: RemotingCommand, peer: string): Promise<RemotingCommand | void> {
    const handler = this.deps.handlers.get(code);
    if (!handler) throw new Error(`no handler for request code ${code}`);
    const ctx = { remoteAddress: peer } as RequestContext;
    return handler(ctx, request);
  }

  private messageQueues(topic: string): MessageQueue[] | undefined {
    const config = this.services.topics.get(topic);
    if (!config) return undefined;
    const broker = { name: this.services.config.brokerName, id: 0, endpoints: this.deps.endpoints() };
    const perm = config.perm & this.services.config.brokerPermission;
    const queues: MessageQueue[] = [];
    const count = Math.max(config.readQueueNums, config.writeQueueNums);
    for (let id = 0; id < count; id++) {
      const r = isReadable(perm) && id < config.readQueueNums;
      const w = isWriteable(perm) && id < config.writeQueueNums;
      const permission = r && w ? 'READ_WRITE' : r ? 'READ' : w ? 'WRITE' : 'NONE';
      queues.push({ topic: { name: topic }, id, permission, broker, acceptMessageTypes: ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'] });
    }
    return queues;
  }

  queryRoute(request: { topic: Resource }): { status: Status; messageQueues: MessageQueue[] } {
    const topic = request.topic?.name ?? '';
    const queues = this.messageQueues(topic);
    if (!queues) {
      return { status: status('TOPIC_NOT_FOUND', `topic ${topic} does not exist on broker ${this.services.config.brokerName}; create it with \`mqadmin updateTopic -t ${topic}\``), messageQueues: [] };
    }
    return { status: OK, messageQueues: queues };
  }

  private touch(clientId: string, clientType: string | undefined, group: string | undefined): void {
    const known = this.clients.get(clientId);
    this.clients.set(clientId, { clientId, clientType: clientType ?? known?.clientType ?? 'CLIENT_TYPE_UNSPECIFIED', group: group || known?.group, lastSeen: Date.now() });
  }

  heartbeat(request: { group?: Resource; clientType: string }, clientId: string): { status: Status } {
    if (!clientId) return { status: status('CLIENT_ID_REQUIRED', 'the x-mq-client-id header is missing') };
    this.touch(clientId, request.clientType, request.group?.name);
    return { status: OK };
  }

  notifyClientTermination(_request: { group?: Resource }, clientId: string): { status: Status } {
    this.clients.delete(clientId);
    return { status: OK };
  }

  async sendMessage(request: { messages: Message[] }, peer: string): Promise<{ status: Status; entries: { status: Status; messageId: string; transactionId: string; offset: number; recallHandle: string }[] }> {
    const entries = [];
    for (const message of request.messages) {
      const messageId = message.systemProperties?.messageId ?? '';
      let entryStatus: Status;
      let offset = 0;
      let transactionId = '';
      try {
        const { header, body } = toSendRequest(message, Date.now());
        const response = await this.callHandler(RequestCode.SEND_MESSAGE, createRequest(RequestCode.SEND_MESSAGE, { extFields: encodeHeader(SendMessageRequestHeader, header), body }), peer);
        entryStatus = fromRemoting(response, 'send');
        if (response && response.code === ResponseCode.SUCCESS) {
          const answer = decodeHeader(SendMessageResponseHeader, response.extFields);
          offset = answer.queueOffset;
          transactionId = answer.transactionId ?? '';
        }
      } catch (error) {
        entryStatus = error instanceof BadMessage ? status(error.code, error.message) : status('INTERNAL_SERVER_ERROR', (error as Error).message);
      }
      entries.push({ status: entryStatus, messageId, transactionId, offset, recallHandle: '' });
    }
    const failed = entries.find((e) => e.status.code !== 'OK');
    const overall = !failed ? OK : entries.length === 1 ? failed.status : status('MULTIPLE_RESULTS', 'some messages were not sent; see each entry');
    return { status: overall, entries };
  }

  queryAssignment(request: { topic: Resource; group: Resource }): { status: Status; assignments: { messageQueue: MessageQueue }[] } {
    const topic = request.topic?.name ?? '';
    const queues = this.messageQueues(topic);
    if (!queues) return { status: status('TOPIC_NOT_FOUND', `topic ${topic} does not exist; create it with \`mqadmin updateTopic -t ${topic}\``), assignments: [] };
    const readable = queues.some((q) => q.permission === 'READ' || q.permission === 'READ_WRITE');
    if (!readable) return { status: OK, assignments: [] };
    // As Apache's proxy: one assignment per broker; receiving from it pops every readable queue.
    const broker = { name: this.services.config.brokerName, id: 0, endpoints: this.deps.endpoints() };
    return { status: OK, assignments: [{ messageQueue: { topic: { name: topic }, id: -1, permission: 'READ_WRITE', broker, acceptMessageTypes: ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'] } }] };
  }

  private maxAttempts(group: string): number {
    return (this.services.groups.get(group)?.retryMaxTimes ?? 16) + 1;
  }

  /** Stores an exhausted message on %DLQ%<group> through the send-back path (delay level −1). */
  async deadLetter(group: string, message: StoredMessage, peer = '127.0.0.1:0'): Promise<void> {
    const offsetMsgId = createOffsetMessageId(message.storeHost, message.commitLogOffset);
    const header = { offset: message.commitLogOffset, group, delayLevel: -1, originMsgId: offsetMsgId, originTopic: message.topic, unitMode: false, maxReconsumeTimes: undefined };
    const response = await this.callHandler(RequestCode.CONSUMER_SEND_MSG_BACK, createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, { extFields: encodeHeader(ConsumerSendMsgBackRequestHeader, header) }), peer);
    const result = fromRemoting(response, 'dead-letter');
    if (result.code !== 'OK') throw new Error(`cannot move message ${offsetMsgId} to %DLQ%${group}: ${result.message}`);
  }

  /**
   * Pops up to batchSize messages, long-polling up to the request's timeout; `write` gets each
   * response (messages, then the status). `cancelled` stops the wait when the client hung up.
   */
  async receiveMessage(
    request: { group: Resource; messageQueue: MessageQueue; filterExpression?: FilterExpression; batchSize: number; autoRenew?: boolean; invisibleDuration?: { seconds: number; nanos: number }; longPollingTimeout?: { seconds: number; nanos: number } },
    write: (response: object) => void,
    cancelled: () => boolean,
  ): Promise<void> {
    const group = request.group?.name ?? '';
    const topic = request.messageQueue?.topic?.name ?? '';
    const fail = (code: string, message: string): void => write({ status: status(code, message) });
    const config = this.services.topics.get(topic);
    if (!config) return fail('TOPIC_NOT_FOUND', `topic ${topic} does not exist; create it with \`mqadmin updateTopic -t ${topic}\``);
    const groupConfig = this.services.groups.findOrCreate(group);
    if (!groupConfig) return fail('CONSUMER_GROUP_NOT_FOUND', `consumer group ${group} does not exist; create it with \`mqadmin updateSubGroup -g ${group}\``);
    if (!groupConfig.consumeEnable) return fail('FORBIDDEN', `consumer group ${group} has consumeEnable=false`);
    const asked = durationMs(request.invisibleDuration);
    const invisibleMs = request.autoRenew || asked === undefined ? DEFAULT_INVISIBLE_MS : asked;
    if (invisibleMs <= 0 || invisibleMs > MAX_INVISIBLE_MS) return fail('ILLEGAL_INVISIBLE_TIME', `invisible duration ${invisibleMs} ms is outside 1 ms … 12 h`);
    const expression = request.filterExpression;
    if (expression?.type === 'SQL') return fail('NOT_IMPLEMENTED', 'SQL92 filters are not served over gRPC yet; subscribe by tag');
    const filter = tagFilter(buildSubscriptionData(topic, expression?.expression || '*'));
    const queueIds = Array.from({ length: config.readQueueNums }, (_, i) => i);
    const maxCount = Math.min(Math.max(1, request.batchSize || 1), MAX_BATCH);
    const deadline = Date.now() + (durationMs(request.longPollingTimeout) ?? DEFAULT_LONG_POLL_MS);
    const fifo = groupConfig.consumeMessageOrderly === true;
    for (;;) {
      const popped = await this.deps.pop.pop({ group, topic, queueIds, maxCount, invisibleMs, fifo, filter });
      if (popped.length > 0) {
        write({ deliveryTimestamp: { seconds: Math.floor(Date.now() / 1000), nanos: (Date.now() % 1000) * 1_000_000 } });
        for (const p of popped) {
          const offsetMsgId = createOffsetMessageId(p.message.storeHost, p.message.commitLogOffset);
          write({ message: toGrpcMessage(p.message, offsetMsgId, { receiptHandle: p.receiptHandle, attempt: p.attempt, invisibleMs: p.invisibleMs }) });
        }
        this.services.stats.getMessages += popped.length;
        return write({ status: OK });
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || cancelled()) return write({ status: status('MESSAGE_NOT_FOUND', 'no new message') });
      // Wake on an arrival, or at least each second to deliver messages whose invisible time ran out.
      await this.deps.pop.waitForArrival(topic, Math.min(remaining, 1000));
    }
  }

  ackMessage(request: { group: Resource; topic: Resource; entries: { messageId: string; receiptHandle: string }[] }): { status: Status; entries: { messageId: string; receiptHandle: string; status: Status }[] } {
    const group = request.group?.name ?? '';
    const topic = request.topic?.name ?? '';
    const entries = request.entries.map((entry) => {
      const result = this.deps.pop.ack(group, topic, entry.receiptHandle);
      const entryStatus = result === 'OK' ? OK : status('INVALID_RECEIPT_HANDLE', `receipt handle ${entry.receiptHandle} is not the latest delivery of message ${entry.messageId}: it was delivered again or its invisible time was changed`);
      return { messageId: entry.messageId, receiptHandle: entry.receiptHandle, status: entryStatus };
    });
    const failed = entries.find((e) => e.status.code !== 'OK');
    return { status: !failed ? OK : entries.length === 1 ? failed.status : status('MULTIPLE_RESULTS', 'some acks failed; see each entry'), entries };
  }

  changeInvisibleDuration(request: { group: Resource; topic: Resource; receiptHandle: string; invisibleDuration?: { seconds: number; nanos: number }; messageId: string }): { status: Status; receiptHandle: string } {
    const invisibleMs = durationMs(request.invisibleDuration) ?? -1;
    if (invisibleMs < 0 || invisibleMs > MAX_INVISIBLE_MS) return { status: status('ILLEGAL_INVISIBLE_TIME', `invisible duration ${invisibleMs} ms is outside 0 … 12 h`), receiptHandle: '' };
    const handle = this.deps.pop.changeInvisibleTime(request.group?.name ?? '', request.topic?.name ?? '', request.receiptHandle, invisibleMs);
    if (!handle) return { status: status('INVALID_RECEIPT_HANDLE', `receipt handle ${request.receiptHandle} of message ${request.messageId} is not the latest delivery (acked, delivered again, or changed)`), receiptHandle: '' };
    return { status: OK, receiptHandle: handle };
  }

  /** The client gave up (deliveryAttempt reached its maxAttempts): straight to %DLQ%<group>. */
  async forwardMessageToDeadLetterQueue(request: { group: Resource; topic: Resource; receiptHandle: string; messageId: string }): Promise<{ status: Status }> {
    const result = await this.deps.pop.deadLetter(request.group?.name ?? '', request.topic?.name ?? '', request.receiptHandle);
    if (result === 'OK') return { status: OK };
    return { status: status('INVALID_RECEIPT_HANDLE', `receipt handle ${request.receiptHandle} of message ${request.messageId} is not the latest delivery (acked, delivered again, or changed)`) };
  }

  /** The server's answer to a client's settings (Apache: proxy/…/grpc/v2/client/ClientActivity). */
  settingsFor(client: Settings): Settings {
    const base: Settings = { clientType: client.clientType, accessPoint: this.deps.endpoints(), requestTimeout: client.requestTimeout ?? toDuration(3000), userAgent: client.userAgent };
    if (client.pubSub === 'subscription' || client.subscription) {
      const group = client.subscription?.group?.name ?? '';
      const groupConfig = this.services.groups.get(group);
      return {
        ...base,
        backoffPolicy: { maxAttempts: this.maxAttempts(group), exponentialBackoff: { initial: toDuration(1000), max: toDuration(60_000), multiplier: 2 } },
        subscription: {
          group: client.subscription?.group,
          subscriptions: client.subscription?.subscriptions ?? [],
          fifo: groupConfig?.consumeMessageOrderly === true,
          receiveBatchSize: client.subscription?.receiveBatchSize ?? MAX_BATCH,
          longPollingTimeout: client.subscription?.longPollingTimeout ?? toDuration(DEFAULT_LONG_POLL_MS),
        },
      };
    }
    return {
      ...base,
      backoffPolicy: { maxAttempts: 3, exponentialBackoff: { initial: toDuration(10), max: toDuration(1000), multiplier: 2 } },
      publishing: { topics: client.publishing?.topics ?? [], maxBodySize: this.services.config.maxMessageSize, validateMessageType: false },
    };
  }

  /** One command from a client's Telemetry stream; answers settings with ours. */
  telemetry(command: TelemetryCommand, clientId: string): TelemetryCommand | undefined {
    if (command.settings) {
      const settings = command.settings;
      this.touch(clientId, settings.clientType, settings.subscription?.group?.name);
      return { status: OK, settings: this.settingsFor(settings) };
    }
    return undefined;
  }
}
