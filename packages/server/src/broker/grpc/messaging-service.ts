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
  decodeOffsetMessageId,
  encodeHeader,
  MessageConst,
  MessageSysFlag,
  PermName,
  RecallMessageRequestHeader,
  RecallMessageResponseHeader,
  type RemotingCommand,
  RequestCode,
  type RequestContext,
  SEND_RESPONSE_RECALL_HANDLE,
  type RequestHandler,
  ResponseCode,
  SendMessageRequestHeader,
  SendMessageResponseHeader,
  type StoredMessage,
} from '@rocketmq-ts/protocol';
import type { MessageFilter } from '@rocketmq-ts/store';
import { selectorFilter, tagFilter } from '../filter/message-filter.ts';
import type { BrokerServices } from '../handlers/services.ts';
import type { PopService } from '../pop/pop-service.ts';
import { retryTopic } from '../topic/system-topics.ts';
import { brokerAssignments, brokerQueues, type ClusterRoute } from './cluster-route.ts';
import { ReceiptRenewer } from './receipt-renewer.ts';
import { BadMessage, decodeTransactionId, encodeTransactionId, GRPC_PRODUCER_GROUP, toGrpcMessage, toSendRequest } from './convert.ts';
import { durationMs, type Endpoints, type FilterExpression, type Message, type MessageQueue, OK, type Resource, type Settings, status, type Status, type TelemetryCommand, toDuration } from './types.ts';

export interface GrpcDeps {
  services: BrokerServices;
  /** The broker's remoting handler table (send, send-back, end-transaction are reused). */
  handlers: ReadonlyMap<number, RequestHandler>;
  pop: PopService;
  /** This endpoint's advertised gRPC address. */
  endpoints(): Endpoints;
  /** The other brokers' queues for QueryRoute and QueryAssignment; without it they answer with this broker's alone. */
  clusterRoute?: ClusterRoute;
}

/** Most messages one ReceiveMessage hands out (Apache's proxy: 32). */
const MAX_BATCH = 32;
const MAX_INVISIBLE_MS = 12 * 3600_000;
const DEFAULT_LONG_POLL_MS = 20_000;
/** Push consumers ask with autoRenew and no invisible duration: Apache's proxy then uses 60 s (defaultInvisibleTimeMills). */
const DEFAULT_INVISIBLE_MS = 60_000;

const REMOTING_TO_V5: Record<number, string> = {
  [ResponseCode.TOPIC_NOT_EXIST]: 'TOPIC_NOT_FOUND',
  [ResponseCode.MESSAGE_ILLEGAL]: 'BAD_REQUEST',
  [ResponseCode.NO_PERMISSION]: 'FORBIDDEN',
  [ResponseCode.SYSTEM_BUSY]: 'TOO_MANY_REQUESTS',
  [ResponseCode.FLUSH_DISK_TIMEOUT]: 'MASTER_PERSISTENCE_TIMEOUT',
  [ResponseCode.FLUSH_SLAVE_TIMEOUT]: 'SLAVE_PERSISTENCE_TIMEOUT',
  [ResponseCode.SLAVE_NOT_AVAILABLE]: 'HA_NOT_AVAILABLE',
  [ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST]: 'CONSUMER_GROUP_NOT_FOUND',
  [ResponseCode.ILLEGAL_OPERATION]: 'BAD_REQUEST',
};

function fromRemoting(response: RemotingCommand | void, what: string): Status {
  if (!response) return status('INTERNAL_SERVER_ERROR', `${what}: no answer`);
  if (response.code === ResponseCode.SUCCESS) return OK;
  return status(REMOTING_TO_V5[response.code] ?? 'INTERNAL_SERVER_ERROR', response.remark ?? `${what} failed with code ${response.code}`);
}

/** A producer's open Telemetry stream: where check-backs for its topics go. */
interface ProducerStream {
  write(command: TelemetryCommand): void;
  topics: Set<string>;
}

/** The group's retry backoff as settingsFor announces it: 1 s doubling up to 60 s. */
function retryDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt - 1), 60_000);
}

export class MessagingService {
  private readonly producerStreams = new Map<string, ProducerStream>();
  private nextCheck = 0;
  /** Keeps autoRenew deliveries invisible while their client is alive (started with the endpoint). */
  readonly renewer: ReceiptRenewer;

  constructor(private readonly deps: GrpcDeps) {
    this.renewer = new ReceiptRenewer({
      active: () => this.masterNow(),
      pop: deps.pop,
      clientAlive: (clientId) => deps.services.grpcClients.get(clientId) !== undefined,
      retryDelayMs: (_group, attempt) => retryDelayMs(attempt),
    });
  }

  /** Whether this broker is master now (PopService.serving notices role changes); renewals stop on a follower. */
  private masterNow(): boolean {
    return this.deps.pop.serving();
  }

  /**
   * A follower's answer to sends, receives and EndTransaction. As Apache, where a slave refuses
   * sends with SERVICE_NOT_AVAILABLE (its in-broker proxy answers that as INTERNAL_SERVER_ERROR),
   * but named for what it is: HA_NOT_AVAILABLE, which the v5 clients retry like any server error
   * (producers on the next attempt, consumers on their next receive).
   */
  private followerStatus(): Status | undefined {
    if (this.masterNow()) return undefined;
    const name = this.services.config.brokerName;
    return status('HA_NOT_AVAILABLE', `broker ${name} on this endpoint is a follower now (controller mode): sends and receives are served by the master of ${name}; retry after the election or at its endpoint`);
  }

  /**
   * A follower's answer to a receipt handle (ack, change of invisible time, dead letter): the
   * POP state that issued it is not the live one any more, and the master delivers the message
   * again, so the handle is spent. INVALID_RECEIPT_HANDLE makes the clients stop retrying it
   * (they retry any other error without end against the same endpoint).
   */
  private followerHandleStatus(): Status | undefined {
    if (this.masterNow()) return undefined;
    const name = this.services.config.brokerName;
    return status('INVALID_RECEIPT_HANDLE', `broker ${name} on this endpoint is a follower now (controller mode): receipt handles it issued are void, the master of ${name} delivers the message again`);
  }

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

  /** This broker's own queues of the topic, with its own endpoint (undefined when it lacks the topic). */
  private messageQueues(topic: string): MessageQueue[] | undefined {
    const config = this.services.topics.get(topic);
    if (!config) return undefined;
    const broker = { name: this.services.config.brokerName, id: 0, endpoints: this.deps.endpoints() };
    return brokerQueues(topic, { ...config, perm: config.perm & this.services.config.brokerPermission }, broker);
  }

  /** The topic's queues over the cluster (cluster-route.ts), or this broker's alone without a route. */
  private async clusterQueues(topic: string): Promise<MessageQueue[] | undefined> {
    const local = { brokerName: this.services.config.brokerName, queues: this.messageQueues(topic) };
    return this.deps.clusterRoute ? this.deps.clusterRoute.messageQueues(topic, local) : local.queues;
  }

  async queryRoute(request: { topic: Resource }): Promise<{ status: Status; messageQueues: MessageQueue[] }> {
    const topic = request.topic?.name ?? '';
    const queues = await this.clusterQueues(topic);
    if (!queues) {
      return { status: status('TOPIC_NOT_FOUND', `topic ${topic} does not exist on broker ${this.services.config.brokerName} nor on any other broker serving gRPC in the name server's route; create it with \`mqadmin updateTopic -t ${topic}\``), messageQueues: [] };
    }
    return { status: OK, messageQueues: queues };
  }

  heartbeat(request: { group?: Resource; clientType: string }, clientId: string, peer?: string): { status: Status } {
    if (!clientId) return { status: status('CLIENT_ID_REQUIRED', 'the x-mq-client-id header is missing') };
    this.services.grpcClients.touch(clientId, { address: peer, clientType: request.clientType, group: request.group?.name });
    if (request.group?.name) this.consumerGroupSeen(request.group.name);
    return { status: OK };
  }

  /**
   * As a 4.x consumer's HEART_BEAT (which Apache's proxy sends for v5 consumers): the group's
   * %RETRY% topic exists, so tools that find a group's brokers by its route (Apache's mqadmin
   * consumerConnection / consumerProgress) find this one.
   */
  private consumerGroupSeen(group: string): void {
    const groupConfig = this.services.groups.findOrCreate(group);
    if (groupConfig) this.services.topics.createTopicInSendMessageBackMethod(retryTopic(group), groupConfig.retryQueueNums, PermName.READ | PermName.WRITE);
  }

  notifyClientTermination(_request: { group?: Resource }, clientId: string): { status: Status } {
    this.services.grpcClients.remove(clientId);
    this.renewer.clientGone(clientId);
    return { status: OK };
  }

  async sendMessage(request: { messages: Message[] }, peer: string): Promise<{ status: Status; entries: { status: Status; messageId: string; transactionId: string; offset: number; recallHandle: string }[] }> {
    const entries = [];
    const follower = this.followerStatus();
    if (follower) return { status: follower, entries: request.messages.map((m) => ({ status: follower, messageId: m.systemProperties?.messageId ?? '', transactionId: '', offset: 0, recallHandle: '' })) };
    for (const message of request.messages) {
      const messageId = message.systemProperties?.messageId ?? '';
      let entryStatus: Status;
      let offset = 0;
      let transactionId = '';
      let recallHandle = '';
      try {
        const { header, body } = toSendRequest(message, Date.now());
        const response = await this.callHandler(RequestCode.SEND_MESSAGE, createRequest(RequestCode.SEND_MESSAGE, { extFields: encodeHeader(SendMessageRequestHeader, header), body }), peer);
        entryStatus = fromRemoting(response, 'send');
        if (response && response.code === ResponseCode.SUCCESS) {
          const answer = decodeHeader(SendMessageResponseHeader, response.extFields);
          offset = answer.queueOffset;
          recallHandle = response.extFields?.[SEND_RESPONSE_RECALL_HANDLE] ?? '';
          // A half message: the id EndTransaction will name it by (its commit-log and half-queue offsets).
          if (message.systemProperties?.messageType === 'TRANSACTION') transactionId = encodeTransactionId(decodeOffsetMessageId(answer.msgId).commitLogOffset, answer.queueOffset);
        }
      } catch (error) {
        entryStatus = error instanceof BadMessage ? status(error.code, error.message) : status('INTERNAL_SERVER_ERROR', (error as Error).message);
      }
      entries.push({ status: entryStatus, messageId, transactionId, offset, recallHandle });
    }
    const failed = entries.find((e) => e.status.code !== 'OK');
    const overall = !failed ? OK : entries.length === 1 ? failed.status : status('MULTIPLE_RESULTS', 'some messages were not sent; see each entry');
    return { status: overall, entries };
  }

  /** Cancels a timer message not yet due, by the recall handle its send returned (RECALL_MESSAGE). */
  async recallMessage(request: { topic: Resource; recallHandle: string }, peer: string): Promise<{ status: Status; messageId: string }> {
    const follower = this.followerStatus();
    if (follower) return { status: follower, messageId: '' };
    const header = { topic: request.topic?.name ?? '', recallHandle: request.recallHandle ?? '', producerGroup: GRPC_PRODUCER_GROUP };
    const response = await this.callHandler(RequestCode.RECALL_MESSAGE, createRequest(RequestCode.RECALL_MESSAGE, { extFields: encodeHeader(RecallMessageRequestHeader, header) }), peer);
    const result = fromRemoting(response, 'recall');
    if (result.code !== 'OK' || !response) return { status: result, messageId: '' };
    return { status: OK, messageId: decodeHeader(RecallMessageResponseHeader, response.extFields).msgId };
  }

  /** As Apache's proxy: one assignment per broker with readable queues; receiving from it pops every readable queue there. */
  async queryAssignment(request: { topic: Resource; group: Resource }): Promise<{ status: Status; assignments: { messageQueue: MessageQueue }[] }> {
    const topic = request.topic?.name ?? '';
    const queues = await this.clusterQueues(topic);
    if (!queues) return { status: status('TOPIC_NOT_FOUND', `topic ${topic} does not exist; create it with \`mqadmin updateTopic -t ${topic}\``), assignments: [] };
    return { status: OK, assignments: brokerAssignments(topic, queues) };
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
    clientId = '',
  ): Promise<void> {
    const group = request.group?.name ?? '';
    const topic = request.messageQueue?.topic?.name ?? '';
    const fail = (code: string, message: string): void => write({ status: status(code, message) });
    const follower = this.followerStatus();
    if (follower) return write({ status: follower });
    const config = this.services.topics.get(topic);
    if (!config) return fail('TOPIC_NOT_FOUND', `topic ${topic} does not exist; create it with \`mqadmin updateTopic -t ${topic}\``);
    const groupConfig = this.services.groups.findOrCreate(group);
    if (!groupConfig) return fail('CONSUMER_GROUP_NOT_FOUND', `consumer group ${group} does not exist; create it with \`mqadmin updateSubGroup -g ${group}\``);
    if (!groupConfig.consumeEnable) return fail('FORBIDDEN', `consumer group ${group} has consumeEnable=false`);
    const asked = durationMs(request.invisibleDuration);
    const invisibleMs = request.autoRenew || asked === undefined ? DEFAULT_INVISIBLE_MS : asked;
    if (invisibleMs <= 0 || invisibleMs > MAX_INVISIBLE_MS) return fail('ILLEGAL_INVISIBLE_TIME', `invisible duration ${invisibleMs} ms is outside 1 ms … 12 h`);
    const expression = request.filterExpression;
    let filter: MessageFilter;
    if (expression?.type === 'SQL') {
      // As Apache's PopMessageProcessor: SQL92 only where the broker enables property filters.
      if (!this.services.config.enablePropertyFilter) return fail('NOT_IMPLEMENTED', 'this broker does not filter by SQL92: set enablePropertyFilter=true in broker.conf, or subscribe by tag');
      try {
        filter = selectorFilter(this.services.selectors.get(expression.expression));
      } catch (error) {
        return fail('ILLEGAL_FILTER_EXPRESSION', `SQL92 expression ${JSON.stringify(expression.expression)}: ${(error as Error).message}`);
      }
    } else {
      filter = tagFilter(buildSubscriptionData(topic, expression?.expression || '*'));
    }
    const queueIds = Array.from({ length: config.readQueueNums }, (_, i) => i);
    const maxCount = Math.min(Math.max(1, request.batchSize || 1), MAX_BATCH);
    const deadline = Date.now() + (durationMs(request.longPollingTimeout) ?? DEFAULT_LONG_POLL_MS);
    const fifo = groupConfig.consumeMessageOrderly === true;
    for (;;) {
      // The role may change during a long poll: a follower's POP state is not the live one.
      if (!this.masterNow()) return write({ status: this.followerStatus() });
      const seenArrivals = this.deps.pop.arrivalCount(topic);
      const popped = await this.deps.pop.pop({ group, topic, queueIds, maxCount, invisibleMs, fifo, filter });
      if (popped.length > 0) {
        write({ deliveryTimestamp: { seconds: Math.floor(Date.now() / 1000), nanos: (Date.now() % 1000) * 1_000_000 } });
        for (const p of popped) {
          const offsetMsgId = createOffsetMessageId(p.message.storeHost, p.message.commitLogOffset);
          write({ message: toGrpcMessage(p.message, offsetMsgId, { receiptHandle: p.receiptHandle, attempt: p.attempt, invisibleMs: p.invisibleMs }) });
        }
        this.services.stats.getMessages += popped.length;
        // As Apache's proxy: only autoRenew deliveries of a known client are renewed (until ack, change or its departure).
        if (request.autoRenew && clientId) for (const p of popped) this.renewer.add(clientId, group, topic, p.receiptHandle, p.invisibleMs, p.attempt);
        return write({ status: OK });
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || cancelled()) return write({ status: status('MESSAGE_NOT_FOUND', 'no new message') });
      // Wake on an arrival, or at least each second to deliver messages whose invisible time ran out.
      await this.deps.pop.waitForArrival(topic, Math.min(remaining, 1000), seenArrivals);
    }
  }

  ackMessage(request: { group: Resource; topic: Resource; entries: { messageId: string; receiptHandle: string }[] }): { status: Status; entries: { messageId: string; receiptHandle: string; status: Status }[] } {
    const group = request.group?.name ?? '';
    const topic = request.topic?.name ?? '';
    const follower = this.followerHandleStatus();
    if (follower) return { status: follower, entries: request.entries.map((e) => ({ messageId: e.messageId, receiptHandle: e.receiptHandle, status: follower })) };
    const entries = request.entries.map((entry) => {
      const result = this.deps.pop.ack(group, topic, this.renewer.take(group, topic, entry.receiptHandle));
      const entryStatus = result === 'OK' ? OK : status('INVALID_RECEIPT_HANDLE', `receipt handle ${entry.receiptHandle} is not the latest delivery of message ${entry.messageId}: it was delivered again or its invisible time was changed`);
      return { messageId: entry.messageId, receiptHandle: entry.receiptHandle, status: entryStatus };
    });
    const failed = entries.find((e) => e.status.code !== 'OK');
    return { status: !failed ? OK : entries.length === 1 ? failed.status : status('MULTIPLE_RESULTS', 'some acks failed; see each entry'), entries };
  }

  changeInvisibleDuration(request: { group: Resource; topic: Resource; receiptHandle: string; invisibleDuration?: { seconds: number; nanos: number }; messageId: string }): { status: Status; receiptHandle: string } {
    const invisibleMs = durationMs(request.invisibleDuration) ?? -1;
    if (invisibleMs < 0 || invisibleMs > MAX_INVISIBLE_MS) return { status: status('ILLEGAL_INVISIBLE_TIME', `invisible duration ${invisibleMs} ms is outside 0 … 12 h`), receiptHandle: '' };
    const follower = this.followerHandleStatus();
    if (follower) return { status: follower, receiptHandle: '' };
    const group = request.group?.name ?? '';
    const topic = request.topic?.name ?? '';
    const handle = this.deps.pop.changeInvisibleTime(group, topic, this.renewer.take(group, topic, request.receiptHandle), invisibleMs);
    if (!handle) return { status: status('INVALID_RECEIPT_HANDLE', `receipt handle ${request.receiptHandle} of message ${request.messageId} is not the latest delivery (acked, delivered again, or changed)`), receiptHandle: '' };
    return { status: OK, receiptHandle: handle };
  }

  /** The client gave up (deliveryAttempt reached its maxAttempts): straight to %DLQ%<group>. */
  async forwardMessageToDeadLetterQueue(request: { group: Resource; topic: Resource; receiptHandle: string; messageId: string }): Promise<{ status: Status }> {
    const follower = this.followerHandleStatus();
    if (follower) return { status: follower };
    const group = request.group?.name ?? '';
    const topic = request.topic?.name ?? '';
    const result = await this.deps.pop.deadLetter(group, topic, this.renewer.take(group, topic, request.receiptHandle));
    if (result === 'OK') return { status: OK };
    return { status: status('INVALID_RECEIPT_HANDLE', `receipt handle ${request.receiptHandle} of message ${request.messageId} is not the latest delivery (acked, delivered again, or changed)`) };
  }

  /**
   * EndTransaction (Apache: EndTransactionActivity → END_TRANSACTION): commit or roll back the
   * half message the transaction id names, through the broker's transaction service, so a late
   * or repeated answer (the client's and a check-back's) changes nothing twice.
   */
  async endTransaction(request: { topic: Resource; messageId: string; transactionId: string; resolution: string; source: string }, peer: string): Promise<{ status: Status }> {
    const follower = this.followerStatus();
    if (follower) return { status: follower };
    const ids = decodeTransactionId(request.transactionId ?? '');
    if (!ids) return { status: status('INVALID_TRANSACTION_ID', `transaction id ${request.transactionId} was not issued by this broker`) };
    const commitOrRollback =
      request.resolution === 'COMMIT' ? MessageSysFlag.TRANSACTION_COMMIT_TYPE : request.resolution === 'ROLLBACK' ? MessageSysFlag.TRANSACTION_ROLLBACK_TYPE : MessageSysFlag.TRANSACTION_NOT_TYPE;
    const header = {
      producerGroup: GRPC_PRODUCER_GROUP,
      tranStateTableOffset: ids.tranStateTableOffset,
      commitLogOffset: ids.commitLogOffset,
      commitOrRollback,
      fromTransactionCheck: request.source === 'SOURCE_SERVER_CHECK',
      msgId: request.messageId,
      transactionId: request.messageId,
    };
    const answer = await this.services.transactions.endTransaction(header, undefined, peer);
    if (!answer || answer.code === ResponseCode.SUCCESS) return { status: OK };
    const code = answer.remark?.startsWith('Find prepared') || answer.remark?.includes('offset wrong') ? 'INVALID_TRANSACTION_ID' : REMOTING_TO_V5[answer.code] ?? 'INTERNAL_SERVER_ERROR';
    return { status: status(code, answer.remark ?? `end transaction failed with code ${answer.code}`) };
  }

  /**
   * A check-back from the broker's transaction check service for a v5 producer's half message:
   * RecoverOrphanedTransactionCommand on the Telemetry stream of a producer publishing its topic
   * (any producer's when none names it); the answer comes back as EndTransaction.
   */
  relayCheck(copy: StoredMessage): boolean {
    const topic = copy.properties[MessageConst.REAL_TOPIC] ?? copy.topic;
    const producers = [...this.producerStreams.values()];
    const publishing = producers.filter((p) => p.topics.has(topic));
    const candidates = publishing.length > 0 ? publishing : producers;
    if (candidates.length === 0) return false;
    const stream = candidates[this.nextCheck++ % candidates.length]!;
    const real = { ...copy, topic, queueId: Number(copy.properties[MessageConst.REAL_QUEUE_ID] ?? copy.queueId) };
    const message = toGrpcMessage(real, createOffsetMessageId(copy.storeHost, copy.commitLogOffset));
    stream.write({ recoverOrphanedTransactionCommand: { message, transactionId: encodeTransactionId(copy.commitLogOffset, copy.queueOffset) } });
    return true;
  }

  /** The client's Telemetry stream ended: no more check-backs to it. */
  telemetryClosed(clientId: string, write: (command: TelemetryCommand) => void): void {
    if (this.producerStreams.get(clientId)?.write === write) this.producerStreams.delete(clientId);
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
  telemetry(command: TelemetryCommand, clientId: string, write?: (command: TelemetryCommand) => void, peer?: string): TelemetryCommand | undefined {
    if (command.settings) {
      const settings = command.settings;
      this.services.grpcClients.touch(clientId, {
        address: peer,
        clientType: settings.clientType,
        group: settings.subscription?.group?.name,
        userAgent: settings.userAgent,
        publishing: settings.publishing?.topics.map((t) => t.name),
        subscriptions: settings.subscription?.subscriptions.map((s) => ({ topic: s.topic?.name ?? '', type: s.expression?.type, expression: s.expression?.expression })),
      });
      const group = settings.subscription?.group?.name;
      if (group) this.consumerGroupSeen(group);
      if (write && settings.publishing) this.producerStreams.set(clientId, { write, topics: new Set(settings.publishing.topics.map((t) => t.name)) });
      return { status: OK, settings: this.settingsFor(settings) };
    }
    return undefined;
  }
}
