/**
 * The producer (DefaultMQProducer): `await producer.send(message)` resolves with the SendResult
 * once the broker stored the message, retrying on another broker as the Java client does;
 * `sendOneway` fires and forgets; `sendBatch` stores several messages in one queue at once;
 * `send(message, { shardingKey })` / `{ selector }` keeps related messages in one queue, in order;
 * `recallMessage` cancels a timer message before it is due.
 */
import {
  compressBody,
  decodeRecallHandle,
  encodeBatch,
  encodeProperties,
  MessageConst,
  type MessageQueue,
  MessageSysFlag,
  RocketMQError,
  type SendMessageRequestHeader,
  UniqueIdGenerator,
} from '@rocketmq-ts/protocol';
import { ClientInstance } from '../core/client-instance.ts';
import { MQBrokerError, MQClientError, NoRouteError, SendFailedError } from '../errors.ts';
import { type Message, RESERVED_PROPERTY_NAMES, type SendResult } from '../message.ts';
import { traceSend, type SendDescription } from '../instrumentation.ts';
import { abortable, type ShutdownOptions, type StartOptions, throwIfAborted } from '../lifecycle.ts';
import { checkGroup, checkTopic, type ClientOptions, resolveClientOptions } from '../options.ts';
import { LatencyFaultTolerance } from './fault-strategy.ts';
import { PublishInfo, shardingQueueIndex } from './publish-info.ts';
import { TRACE_MSG_TYPE, TraceDispatcher, type TraceOptions } from '../trace/trace-writer.ts';

export interface ProducerOptions extends ClientOptions, TraceOptions {
  /** The producer group. @defaultValue "DEFAULT_PRODUCER" */
  groupName?: string;
  /** Budget of one send, retries included. @defaultValue 3000 */
  sendMsgTimeout?: number;
  /** Extra attempts of a failed send, on another broker when there is one. @defaultValue 2 */
  retryTimesWhenSendFailed?: number;
  /** Also retry when the broker stored the message but not as asked (FLUSH_DISK_TIMEOUT, ...). @defaultValue false */
  retryAnotherBrokerWhenNotStoreOK?: boolean;
  /** Bodies of at least this many bytes are zlib-compressed. @defaultValue 4096 */
  compressMsgBodyOverHowmuch?: number;
  /** zlib level for compressed bodies. @defaultValue 5 */
  compressLevel?: number;
  /** Largest body (batch: the encoded batch) the producer sends. @defaultValue 4194304 (4 MiB) */
  maxMessageSize?: number;
  /** The topic whose route new topics borrow until the broker creates them. @defaultValue "TBW102" */
  createTopicKey?: string;
  /** Queues of a topic the broker auto-creates. @defaultValue 4 */
  defaultTopicQueueNums?: number;
  /** Avoid brokers that answered slowly or failed, for 30 s to 10 min. @defaultValue false */
  sendLatencyFaultEnable?: boolean;
}

export interface SendOptions {
  /** Overrides sendMsgTimeout for this send. */
  timeoutMillis?: number;
  /** Ordered send: all messages with the same key go to the same queue (Java's SelectMessageQueueByHash), one attempt. */
  shardingKey?: string;
  /** Ordered send: pick the queue yourself, one attempt. */
  selector?: (queues: readonly MessageQueue[], message: Message) => MessageQueue;
  /** Send to exactly this queue, one attempt. */
  queue?: MessageQueue;
  /**
   * Gives up waiting: the promise rejects with the signal's reason and no further attempt is
   * made. A request already on the wire may still be stored by the broker.
   */
  signal?: AbortSignal;
}

export interface PreparedMessage {
  topic: string;
  body: Buffer;
  properties: Record<string, string>;
  sysFlag: number;
  flag: number;
  msgId: string;
  batch: boolean;
  reconsumeTimes?: number;
  maxReconsumeTimes?: number;
}

export class Producer {
  readonly groupName: string;
  protected readonly instance: ClientInstance;
  protected readonly settings: Required<Omit<ProducerOptions, keyof ClientOptions | keyof TraceOptions | 'groupName'>>;
  private readonly publish = new Map<string, PublishInfo>();
  private readonly faults: LatencyFaultTolerance | undefined;
  private readonly ids: UniqueIdGenerator;
  private readonly clientIP: string;
  private state: 'created' | 'running' | 'stopped' = 'created';
  /** Sends not yet settled, so shutdown() can let them finish. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Writes a Pub record per send when enableMsgTrace is on. */
  private readonly tracer: TraceDispatcher | undefined;

  constructor(options: ProducerOptions = {}) {
    this.groupName = options.groupName ?? 'DEFAULT_PRODUCER';
    checkGroup(this.groupName, 'Producer');
    const resolved = resolveClientOptions(options, 'Producer');
    this.instance = new ClientInstance(resolved, true);
    this.ids = new UniqueIdGenerator(resolved.clientIP);
    this.clientIP = resolved.clientIP;
    this.tracer = options.enableMsgTrace ? traceDispatcherFor(options, `_INNER_TRACE_PRODUCER-${this.groupName}`) : undefined;
    this.settings = {
      sendMsgTimeout: options.sendMsgTimeout ?? 3000,
      retryTimesWhenSendFailed: options.retryTimesWhenSendFailed ?? 2,
      retryAnotherBrokerWhenNotStoreOK: options.retryAnotherBrokerWhenNotStoreOK ?? false,
      compressMsgBodyOverHowmuch: options.compressMsgBodyOverHowmuch ?? 4096,
      compressLevel: options.compressLevel ?? 5,
      maxMessageSize: options.maxMessageSize ?? 4 * 1024 * 1024,
      createTopicKey: options.createTopicKey ?? 'TBW102',
      defaultTopicQueueNums: options.defaultTopicQueueNums ?? 4,
      sendLatencyFaultEnable: options.sendLatencyFaultEnable ?? false,
    };
    this.faults = this.settings.sendLatencyFaultEnable ? new LatencyFaultTolerance() : undefined;
  }

  get clientId(): string {
    return this.instance.clientId;
  }

  /** Starts the producer (routes are fetched on first send). `signal` is accepted for symmetry with the consumers. */
  async start(options: StartOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    if (this.state !== 'created') throw new MQClientError(`Producer ${this.groupName} was already started; create a new one`);
    this.state = 'running';
    this.instance.registerProducer(this.groupName);
    this.instance.start();
  }

  /**
   * Stops taking sends, lets those in flight settle (up to `timeoutMillis`, by default the send
   * budget sendMsgTimeout), then unregisters from every broker and closes the connections.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    const deadline = options.timeoutMillis ?? this.settings.sendMsgTimeout;
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const settled = Promise.allSettled([...this.inFlight]).then(() => true);
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadline)));
      if (!(await Promise.race([settled, late]))) this.instance.logger.warn({ group: this.groupName, pending: this.inFlight.size }, 'shutdown: sends still in flight after the drain deadline; closing anyway');
      clearTimeout(timer);
    }
    await this.tracer?.shutdown();
    await this.instance.shutdown();
  }

  /** The same as shutdown(): the name Node streams and servers use. */
  close(options: ShutdownOptions = {}): Promise<void> {
    return this.shutdown(options);
  }

  /** Counts a send as in flight until it settles. */
  protected track<T>(send: Promise<T>): Promise<T> {
    this.inFlight.add(send);
    const forget = () => this.inFlight.delete(send);
    send.then(forget, forget);
    return send;
  }

  protected describe(operation: SendDescription['operation'], prepared: PreparedMessage, message: Message, options: SendOptions, batchCount?: number): SendDescription {
    const keys = typeof message.keys === 'string' ? [message.keys] : [...(message.keys ?? [])];
    const ordered = options.queue ?? options.selector ?? options.shardingKey;
    return {
      operation,
      topic: prepared.topic,
      group: this.groupName,
      clientId: this.clientId,
      msgId: prepared.msgId,
      properties: prepared.properties,
      ...(message.tags ? { tags: message.tags } : {}),
      keys,
      bodySize: prepared.body.length,
      messageType: ordered !== undefined ? 'fifo' : message.delayTimeLevel || message.deliverTimeMs !== undefined ? 'delay' : 'normal',
      ...(batchCount !== undefined ? { batchCount } : {}),
    };
  }

  /**
   * Cancels a timer message (`deliverTimeMs`) that is not yet due, by the `recallHandle` its send
   * returned; resolves to the message id. The broker must allow it (`recallMessageEnable=true`,
   * RocketMQ 5.3+ or rocketmq-ts); a message due already is refused.
   */
  async recallMessage(topic: string, recallHandle: string, options: { timeoutMillis?: number } = {}): Promise<string> {
    this.ensureRunning();
    let brokerName: string;
    try {
      brokerName = decodeRecallHandle(recallHandle).brokerName;
    } catch (error) {
      throw new MQClientError(`cannot recall from topic ${topic}: ${(error as Error).message}`);
    }
    await this.publishInfo(topic);
    const addr = this.addrOf(brokerName, topic);
    return this.instance.api.recallMessage(addr, { topic, recallHandle, producerGroup: this.groupName }, options.timeoutMillis ?? this.settings.sendMsgTimeout);
  }

  /** The queues this producer would send a topic's messages to. */
  async fetchPublishMessageQueues(topic: string): Promise<MessageQueue[]> {
    this.ensureRunning();
    return [...(await this.publishInfo(topic)).queues];
  }

  async send(message: Message, options: SendOptions = {}): Promise<SendResult> {
    this.ensureRunning();
    throwIfAborted(options.signal);
    const started = Date.now();
    const prepared = this.prepare(message);
    const ordered = options.queue ?? options.selector ?? options.shardingKey;
    return this.track(
      traceSend(
        () => this.describe('send', prepared, message, options),
        async () => {
          const result = await abortable(
            ordered !== undefined ? this.sendToSelectedQueue(prepared, message, options) : this.sendWithRetries(prepared, options.timeoutMillis ?? this.settings.sendMsgTimeout, options.signal),
            options.signal,
          );
          if (this.tracer) this.tracePub(this.tracer, message, prepared, result, started);
          return result;
        },
      ),
    );
  }

  /** SendMessageTraceHookImpl: a Pub record unless the broker turned trace off or this is a trace message. */
  private tracePub(tracer: TraceDispatcher, message: Message, prepared: PreparedMessage, result: SendResult, started: number): void {
    if (!result.traceOn || message.topic === tracer.topic) return;
    const delayed = (message.delayTimeLevel ?? 0) > 0 || message.deliverTimeMs !== undefined;
    tracer.append({
      type: 'Pub',
      timestamp: started,
      regionId: result.regionId || 'DefaultRegion',
      groupName: this.groupName,
      topic: message.topic,
      msgId: result.msgId,
      tags: message.tags,
      keys: prepared.properties[MessageConst.KEYS],
      storeHost: this.instance.masterAddr(result.messageQueue.brokerName, true) ?? '',
      bodyLength: prepared.body.length,
      costTime: Date.now() - started,
      msgType: delayed ? TRACE_MSG_TYPE.Delay_Msg : TRACE_MSG_TYPE.Normal_Msg,
      offsetMsgId: result.offsetMsgId,
      success: result.sendStatus === 'SEND_OK',
      clientHost: this.clientIP,
    });
  }

  /** Sends without waiting for the broker: one attempt, no result, no retry. */
  async sendOneway(message: Message, options: SendOptions = {}): Promise<void> {
    this.ensureRunning();
    throwIfAborted(options.signal);
    const prepared = this.prepare(message);
    const oneway = async (): Promise<void> => {
      const info = await this.publishInfo(prepared.topic);
      const queue = options.queue ?? (options.selector || options.shardingKey !== undefined ? this.selectOrdered(info, message, options) : info.select(undefined, this.faults));
      const addr = this.addrOf(queue.brokerName, prepared.topic);
      const command = this.instance.api.sendCommand(this.header(prepared, queue, info), prepared.body, prepared.batch);
      await this.instance.api.sendOneway(addr, command, options.timeoutMillis ?? this.settings.sendMsgTimeout);
    };
    await this.track(traceSend(() => this.describe('send_oneway', prepared, message, options), () => abortable(oneway(), options.signal)));
  }

  /**
   * Stores several messages of one topic in one queue with one request. All must share the
   * topic and waitStoreMsgOK, have no delay and not be retry messages.
   */
  async sendBatch(messages: readonly Message[], options: SendOptions = {}): Promise<SendResult> {
    this.ensureRunning();
    throwIfAborted(options.signal);
    if (messages.length === 0) throw new MQClientError('sendBatch needs at least one message');
    const first = messages[0]!;
    const entries = messages.map((message) => {
      if (message.topic !== first.topic) throw new MQClientError(`a batch holds one topic; got "${first.topic}" and "${message.topic}"`);
      if ((message.waitStoreMsgOK ?? true) !== (first.waitStoreMsgOK ?? true)) throw new MQClientError('every message of a batch must have the same waitStoreMsgOK');
      if (message.delayTimeLevel || message.deliverTimeMs !== undefined) throw new MQClientError('delayed messages cannot be sent in a batch; send them one by one');
      if (message.topic.startsWith('%RETRY%')) throw new MQClientError('retry-topic messages cannot be sent in a batch');
      const prepared = this.prepare(message, false);
      return { prepared, entry: { flag: prepared.flag, body: prepared.body, propertiesText: encodeProperties(prepared.properties, { order: 'java-hash' }) } };
    });
    const body = encodeBatch(entries.map((e) => e.entry));
    if (body.length > this.settings.maxMessageSize) {
      throw new MQClientError(`the batch encodes to ${body.length} bytes, over maxMessageSize ${this.settings.maxMessageSize}; split it into smaller batches`, { code: 13 });
    }
    const prepared: PreparedMessage = {
      topic: first.topic,
      body,
      properties: { [MessageConst.WAIT_STORE_MSG_OK]: String(first.waitStoreMsgOK ?? true) },
      sysFlag: 0,
      flag: 0,
      msgId: entries.map((e) => e.prepared.msgId).join(','),
      batch: true,
    };
    const ordered = options.queue ?? options.selector ?? options.shardingKey;
    return this.track(
      traceSend(
        () => this.describe('send_batch', prepared, first, options, messages.length),
        () =>
          abortable(
            ordered !== undefined ? this.sendToSelectedQueue(prepared, first, options) : this.sendWithRetries(prepared, options.timeoutMillis ?? this.settings.sendMsgTimeout, options.signal),
            options.signal,
          ),
      ),
    );
  }

  /** Re-sends a consumed message to its group's retry topic (the orderly consumer's dead-letter path). */
  async sendToRetryTopic(message: Message & { reconsumeTimes: number; maxReconsumeTimes: number }): Promise<SendResult> {
    this.ensureRunning();
    const prepared = this.prepare(message);
    prepared.reconsumeTimes = message.reconsumeTimes;
    prepared.maxReconsumeTimes = message.maxReconsumeTimes;
    return this.sendWithRetries(prepared, this.settings.sendMsgTimeout);
  }

  protected ensureRunning(): void {
    if (this.state === 'created') throw new MQClientError(`Producer ${this.groupName} is not started; call await producer.start() first`);
    if (this.state === 'stopped') throw new MQClientError(`Producer ${this.groupName} was shut down`);
  }

  protected prepare(message: Message, compress = true): PreparedMessage {
    checkTopic(message.topic);
    const body = typeof message.body === 'string' ? Buffer.from(message.body, 'utf8') : Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
    if (body.length === 0) throw new MQClientError(`the message body is empty (topic ${message.topic}); RocketMQ needs at least one byte`, { code: 13 });
    if (body.length > this.settings.maxMessageSize) {
      throw new MQClientError(`the message body is ${body.length} bytes, over maxMessageSize ${this.settings.maxMessageSize}; send smaller messages or raise maxMessageSize on the producer and the broker`, { code: 13 });
    }
    const properties: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.properties ?? {})) {
      if (RESERVED_PROPERTY_NAMES.has(name) && !(name === MessageConst.RETRY_TOPIC || name === MessageConst.ORIGIN_MESSAGE_ID)) {
        throw new MQClientError(`property name "${name}" is reserved by RocketMQ; use the message field for it or pick another name`);
      }
      properties[name] = value;
    }
    if (message.tags !== undefined && message.tags !== '') properties[MessageConst.TAGS] = message.tags;
    const keys = typeof message.keys === 'string' ? message.keys : message.keys?.join(MessageConst.KEY_SEPARATOR);
    if (keys) properties[MessageConst.KEYS] = keys;
    if (message.delayTimeLevel) properties[MessageConst.DELAY_TIME_LEVEL] = String(message.delayTimeLevel);
    checkPropertySeparators(properties);
    if (message.deliverTimeMs !== undefined) properties[MessageConst.TIMER_DELIVER_MS] = String(Math.trunc(message.deliverTimeMs));
    properties[MessageConst.WAIT_STORE_MSG_OK] = String(message.waitStoreMsgOK ?? true);
    const msgId = this.ids.next();
    properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX] = msgId;
    let sysFlag = 0;
    let payload = body;
    if (compress && body.length >= this.settings.compressMsgBodyOverHowmuch) {
      payload = compressBody(body, this.settings.compressLevel);
      sysFlag |= MessageSysFlag.COMPRESSED;
    }
    return { topic: message.topic, body: payload, properties, sysFlag, flag: message.flag ?? 0, msgId, batch: false };
  }

  private header(prepared: PreparedMessage, queue: MessageQueue, _info: PublishInfo): SendMessageRequestHeader {
    const properties = { ...prepared.properties };
    let reconsumeTimes = 0;
    let maxReconsumeTimes: number | undefined;
    if (prepared.topic.startsWith('%RETRY%')) {
      reconsumeTimes = prepared.reconsumeTimes ?? 0;
      maxReconsumeTimes = prepared.maxReconsumeTimes;
    }
    return {
      producerGroup: this.groupName,
      topic: prepared.topic,
      defaultTopic: this.settings.createTopicKey,
      defaultTopicQueueNums: this.settings.defaultTopicQueueNums,
      queueId: queue.queueId,
      sysFlag: prepared.sysFlag,
      bornTimestamp: Date.now(),
      flag: prepared.flag,
      properties: encodeProperties(properties, { order: 'java-hash' }),
      reconsumeTimes,
      unitMode: false,
      batch: prepared.batch,
      ...(maxReconsumeTimes !== undefined ? { maxReconsumeTimes } : {}),
    };
  }

  private async publishInfo(topic: string): Promise<PublishInfo> {
    this.instance.addPublishTopic(topic);
    const route = this.instance.route(topic);
    const cached = this.publish.get(topic);
    if (route && cached?.route === route && cached.queues.length > 0) return cached;
    if (route) {
      const info = PublishInfo.fromRoute(topic, route);
      this.publish.set(topic, info);
      if (info.queues.length > 0) return info;
    }
    if (cached?.borrowed) return cached;
    const fetched = await this.instance.updateRoute(topic);
    if (fetched) {
      const info = PublishInfo.fromRoute(topic, fetched);
      this.publish.set(topic, info);
      if (info.queues.length > 0) return info;
      throw new NoMasterError(`topic ${topic} has no writable queue on a broker with a master; check its perm with mqadmin topicRoute -t ${topic}, or whether its masters are running`);
    }
    const borrowedRoute = await this.instance.updateRoute(this.settings.createTopicKey);
    if (borrowedRoute) {
      const info = PublishInfo.fromRoute(topic, borrowedRoute, true, this.settings.defaultTopicQueueNums);
      if (info.queues.length > 0) {
        this.publish.set(topic, info);
        return info;
      }
    }
    throw new NoRouteError(topic, this.instance.namesrvAddrs);
  }

  protected addrOf(brokerName: string, topic: string): string {
    const addr = this.instance.masterAddr(brokerName, true);
    if (!addr) throw new MQClientError(`broker ${brokerName} of topic ${topic} has no master address in the route; is its master running?`, { retriable: true });
    return addr;
  }

  private selectOrdered(info: PublishInfo, message: Message, options: SendOptions): MessageQueue {
    if (options.selector) {
      const queue = options.selector(info.queues, message);
      if (!queue || !info.queues.some((q) => q.brokerName === queue.brokerName && q.queueId === queue.queueId && q.topic === queue.topic)) {
        throw new MQClientError(`the queue selector returned a queue that is not one of topic ${message.topic}'s ${info.queues.length} queues`);
      }
      return queue;
    }
    return info.queues[shardingQueueIndex(options.shardingKey ?? '', info.queues.length)]!;
  }

  private async sendToSelectedQueue(prepared: PreparedMessage, message: Message, options: SendOptions): Promise<SendResult> {
    const info = await this.publishInfo(prepared.topic);
    const queue = options.queue ?? this.selectOrdered(info, message, options);
    const addr = this.addrOf(queue.brokerName, prepared.topic);
    const command = this.instance.api.sendCommand(this.header(prepared, queue, info), prepared.body, prepared.batch);
    return this.instance.api.sendMessage(addr, queue.brokerName, command, prepared.msgId, options.timeoutMillis ?? this.settings.sendMsgTimeout);
  }

  /**
   * The topic's publish info; while the route names no master for any of its brokers (a
   * failover between the old master's death and the election), the route is asked again every
   * ROUTE_WAIT_STEP_MS within the send's budget rather than failing at once as the Java client does.
   */
  private async publishInfoWithin(topic: string, started: number, timeoutMillis: number, signal?: AbortSignal): Promise<PublishInfo> {
    for (;;) {
      try {
        return await this.publishInfo(topic);
      } catch (error) {
        const left = timeoutMillis - (Date.now() - started);
        if (!(error instanceof NoMasterError) || left <= ROUTE_WAIT_STEP_MS || signal?.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, ROUTE_WAIT_STEP_MS));
      }
    }
  }

  protected async sendWithRetries(prepared: PreparedMessage, timeoutMillis: number, signal?: AbortSignal): Promise<SendResult> {
    const started = Date.now();
    let info = await this.publishInfoWithin(prepared.topic, started, timeoutMillis, signal);
    const attempts = 1 + this.settings.retryTimesWhenSendFailed;
    const brokersTried: string[] = [];
    let lastBroker: string | undefined;
    let lastError: unknown;
    let notStoreOk: SendResult | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      // abortable() has already rejected the caller's promise; make no further attempt.
      if (signal?.aborted) throw signal.reason;
      const queue = info.select(lastBroker, this.faults);
      lastBroker = queue.brokerName;
      brokersTried.push(queue.brokerName);
      const spent = Date.now() - started;
      if (spent >= timeoutMillis) {
        lastError = new MQClientError(`the send budget of ${timeoutMillis} ms was used up before attempt ${attempt}`);
        break;
      }
      const attemptStarted = Date.now();
      try {
        const addr = this.addrOf(queue.brokerName, prepared.topic);
        const command = this.instance.api.sendCommand(this.header(prepared, queue, info), prepared.body, prepared.batch);
        const result = await this.instance.api.sendMessage(addr, queue.brokerName, command, prepared.msgId, timeoutMillis - spent);
        this.faults?.record(queue.brokerName, Date.now() - attemptStarted, false);
        if (result.sendStatus !== 'SEND_OK' && this.settings.retryAnotherBrokerWhenNotStoreOK && attempt < attempts) {
          notStoreOk = result;
          continue;
        }
        return result;
      } catch (error) {
        lastError = error;
        const isBrokerAnswer = error instanceof MQBrokerError;
        this.faults?.record(queue.brokerName, Date.now() - attemptStarted, !isBrokerAnswer);
        this.instance.logger.warn({ topic: prepared.topic, broker: queue.brokerName, attempt, err: String(error) }, 'send attempt failed');
        if (isBrokerAnswer && !error.retriable) throw error;
        if (!(error instanceof RocketMQError) || (!isBrokerAnswer && !error.retriable)) throw error;
        // The broker may be gone and another one master now (controller-mode failover): ask the
        // name server at once instead of waiting for the 30 s route poll.
        if (!isBrokerAnswer && attempt < attempts) {
          await this.instance.updateRoute(prepared.topic).catch(() => undefined);
          // No master there now: wait (within the budget) for the election rather than spend the next attempts at once.
          try {
            info = await this.publishInfoWithin(prepared.topic, started, timeoutMillis, signal);
          } catch (routeError) {
            // Still no master when the budget ran out: that is the reason to report.
            if (routeError instanceof NoMasterError) {
              lastError = routeError;
              break;
            }
          }
        }
      }
    }
    if (notStoreOk) return notStoreOk;
    const cause = lastError instanceof Error ? lastError.message : String(lastError);
    throw new SendFailedError(
      `send to topic ${prepared.topic} failed after ${brokersTried.length} attempt(s) in ${Date.now() - started} ms (brokers tried: ${brokersTried.join(', ')}): ${cause}`,
      brokersTried.length,
      brokersTried,
      lastError,
    );
  }
}

/** How often a send re-reads a route that names no master while its budget lasts. */
const ROUTE_WAIT_STEP_MS = 200;

/** The route has the topic but no writable queue on a broker with a master (none, or all without master now). */
class NoMasterError extends MQClientError {
  constructor(message: string) {
    super(message, { code: 16, retriable: true });
  }
}

/** The trace dispatcher of a traced client: its records go out through an inner producer with tracing off. */
export function traceDispatcherFor(options: ClientOptions & TraceOptions, groupName: string): TraceDispatcher {
  const { enableMsgTrace: _on, customizedTraceTopic: _topic, traceLayout: _layout, ...client } = options;
  return new TraceDispatcher(
    options,
    async () => {
      const producer = new Producer({ ...client, groupName, instanceName: `${groupName}-${process.pid}-${Date.now()}` });
      await producer.start();
      return producer;
    },
    options.logger,
  );
}

/**
 * Property names and values travel joined by \u0001 and \u0002: one inside a name or value
 * would split it into other properties on the broker (a value could inject DELAY or a tag).
 */
function checkPropertySeparators(properties: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(properties)) {
    if (hasSeparator(name) || hasSeparator(value)) {
      throw new MQClientError(`property "${name.replaceAll('\u0001', '?').replaceAll('\u0002', '?')}" contains \\u0001 or \\u0002, which separate properties on the wire; remove them`, { code: 13 });
    }
  }
}

function hasSeparator(text: string): boolean {
  return text.includes('\u0001') || text.includes('\u0002');
}
