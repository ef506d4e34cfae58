/**
 * Writing message trace as the Java client does with enableMsgTrace (CL/trace/
 * TraceDataEncoder, AsyncTraceDispatcher). The 4.9 record layout (the default) has no clientHost
 * on Pub and SubBefore; the 4.8 layout adds it, and only that one is read by 4.8's tools
 * (their SubBefore decoder reads the 9th field unconditionally), while 4.9 and later readers
 * take both. SubAfter carries contextCode, timestamp and group in both. Records travel
 * in messages of the trace topic whose keys are the traced msgIds and the traced messages'
 * own keys, so QUERY_MESSAGE by msgId on the trace topic finds them (Apache's
 * queryMsgTraceById, Admin.messageTrace). Sending is asynchronous and best effort: a full
 * queue drops records rather than slow the traced send or consumption, as Java's does.
 */
import type { Logger } from '@rocketmq-ts/protocol';
import { CONTENT_SPLITOR, DEFAULT_TRACE_TOPIC, FIELD_SPLITOR } from '../admin/trace.ts';
import type { Message } from '../message.ts';

/** The opt-in switch producers and push consumers take (Java's enableMsgTrace / customizedTraceTopic). */
export interface TraceOptions {
  /** Write a trace record for each message sent or consumed. @defaultValue false */
  enableMsgTrace?: boolean;
  /** The topic trace records go to. @defaultValue "RMQ_SYS_TRACE_TOPIC" */
  customizedTraceTopic?: string;
  /** Record layout: "4.9" as the Java 4.9 client writes, "4.8" (with clientHost) for clusters read by 4.8 tools. @defaultValue "4.9" */
  traceLayout?: TraceLayout;
}

export type TraceLayout = '4.8' | '4.9';

/** MessageType ordinals of the Pub record. */
export const TRACE_MSG_TYPE = { Normal_Msg: 0, Trans_Msg_Half: 1, Trans_msg_Commit: 2, Delay_Msg: 3 } as const;
/** ConsumeReturnType ordinals of the SubAfter record's contextCode. */
export const CONSUME_RETURN_TYPE = { SUCCESS: 0, TIME_OUT: 1, EXCEPTION: 2, RETURNNULL: 3, FAILED: 4 } as const;

export interface PubContext {
  type: 'Pub';
  timestamp: number;
  regionId: string;
  groupName: string;
  topic: string;
  msgId: string;
  tags: string | undefined;
  keys: string | undefined;
  storeHost: string;
  bodyLength: number;
  costTime: number;
  msgType: number;
  offsetMsgId: string;
  success: boolean;
  clientHost: string;
}

export interface SubBeforeContext {
  type: 'SubBefore';
  timestamp: number;
  regionId: string;
  groupName: string;
  requestId: string;
  msgId: string;
  retryTimes: number;
  keys: string | undefined;
  clientHost: string;
}

export interface SubAfterContext {
  type: 'SubAfter';
  requestId: string;
  regionId: string;
  msgId: string;
  costTime: number;
  success: boolean;
  keys: string | undefined;
  contextCode: number;
  timestamp: number;
  groupName: string;
}

export type TraceContext = PubContext | SubBeforeContext | SubAfterContext;

/** Java's StringBuilder.append(null) prints "null". */
const field = (value: string | number | boolean | undefined): string => (value === undefined ? 'null' : String(value));

/** One record's text (ended by FIELD_SPLITOR) and the keys its trace message must carry. */
export function encodeTraceContext(ctx: TraceContext, layout: TraceLayout = '4.9'): { data: string; keys: string[] } {
  let fields: (string | number | boolean | undefined)[];
  switch (ctx.type) {
    case 'Pub':
      fields = ['Pub', ctx.timestamp, ctx.regionId, ctx.groupName, ctx.topic, ctx.msgId, ctx.tags, ctx.keys, ctx.storeHost, ctx.bodyLength, ctx.costTime, ctx.msgType, ctx.offsetMsgId, ctx.success];
      if (layout === '4.8') fields.push(ctx.clientHost);
      break;
    case 'SubBefore':
      fields = ['SubBefore', ctx.timestamp, ctx.regionId, ctx.groupName, ctx.requestId, ctx.msgId, ctx.retryTimes, ctx.keys];
      if (layout === '4.8') fields.push(ctx.clientHost);
      break;
    case 'SubAfter':
      fields = ['SubAfter', ctx.requestId, ctx.msgId, ctx.costTime, ctx.success, ctx.keys, ctx.contextCode, ctx.timestamp, ctx.groupName];
      break;
  }
  const keys = [ctx.msgId];
  // 4.9 adds each of the message's keys (the index splits on spaces either way).
  if (ctx.keys) keys.push(...ctx.keys.split(' ').filter((k) => k !== ''));
  return { data: fields.map(field).join(CONTENT_SPLITOR) + FIELD_SPLITOR, keys };
}

/** Java's MAX_MSG_SIZE of a trace message body. */
const MAX_BODY_CHARS = 118_000;
const BATCH_SIZE = 100;
const QUEUE_SIZE = 2048;
const FLUSH_DELAY_MILLIS = 20;

/** Where the dispatcher sends trace messages: an inner producer with tracing off. */
export interface TraceSender {
  send(message: Message): Promise<unknown>;
  shutdown(): Promise<void>;
}

export class TraceDispatcher {
  readonly topic: string;
  private readonly layout: TraceLayout;
  private readonly queue: TraceContext[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sender: Promise<TraceSender> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private dropped = 0;
  private closed = false;

  constructor(
    options: TraceOptions,
    private readonly createSender: () => Promise<TraceSender>,
    private readonly logger: Logger | undefined,
  ) {
    this.topic = options.customizedTraceTopic || DEFAULT_TRACE_TOPIC;
    this.layout = options.traceLayout ?? '4.9';
  }

  /** Queues a record; false when the queue is full (the record is dropped). */
  append(ctx: TraceContext): boolean {
    if (this.closed) return false;
    if (this.queue.length >= QUEUE_SIZE) {
      if (this.dropped++ % 1000 === 0) this.logger?.warn({ topic: this.topic, dropped: this.dropped }, 'trace queue full; trace records dropped');
      return false;
    }
    this.queue.push(ctx);
    if (this.queue.length >= BATCH_SIZE) this.flushNow();
    else this.timer ??= setTimeout(() => this.flushNow(), FLUSH_DELAY_MILLIS).unref();
    return true;
  }

  /** Sends what is queued and waits for every trace message in flight, then stops the sender. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.flushNow();
    this.closed = true;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    if (this.sender) await (await this.sender).shutdown();
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, BATCH_SIZE);
      for (const message of this.pack(batch)) {
        const sending = this.sendOne(message).finally(() => this.inFlight.delete(sending));
        this.inFlight.add(sending);
      }
    }
  }

  /** Records grouped in messages of at most MAX_BODY_CHARS, each with the keys of its records. */
  private pack(batch: readonly TraceContext[]): Message[] {
    const messages: Message[] = [];
    let body = '';
    let keys = new Set<string>();
    for (const ctx of batch) {
      const encoded = encodeTraceContext(ctx, this.layout);
      if (body.length > 0 && body.length + encoded.data.length > MAX_BODY_CHARS) {
        messages.push({ topic: this.topic, body, keys: [...keys] });
        body = '';
        keys = new Set();
      }
      body += encoded.data;
      for (const key of encoded.keys) keys.add(key);
    }
    if (body.length > 0) messages.push({ topic: this.topic, body, keys: [...keys] });
    return messages;
  }

  private async sendOne(message: Message): Promise<void> {
    let sender: TraceSender;
    try {
      this.sender ??= this.createSender();
      sender = await this.sender;
    } catch (error) {
      this.sender = undefined;
      this.logger?.warn({ topic: this.topic, err: error instanceof Error ? error.message : String(error) }, 'the trace producer did not start; trace records are lost');
      return;
    }
    try {
      await sender.send(message);
    } catch (error) {
      this.logger?.warn({ topic: this.topic, err: error instanceof Error ? error.message : String(error) }, 'sending a trace message failed; its records are lost');
    }
  }
}
