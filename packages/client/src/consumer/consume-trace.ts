/**
 * Message trace for consumption (ConsumeMessageTraceHookImpl): with enableMsgTrace, a SubBefore
 * record when a message goes to the listener and a SubAfter record with its outcome, written to
 * the trace topic in the Java client's layout by a trace dispatcher (trace/trace-writer.ts).
 */
import { MessageConst, UniqueIdGenerator } from '@rocketmq-ts/protocol';
import type { MessageExt } from '../message.ts';
import type { ClientOptions } from '../options.ts';
import { traceDispatcherFor } from '../producer/producer.ts';
import { CONSUME_RETURN_TYPE, type SubBeforeContext, type TraceDispatcher, type TraceOptions } from '../trace/trace-writer.ts';

export { CONSUME_RETURN_TYPE };

export class ConsumeTracer {
  private readonly ids: UniqueIdGenerator;

  private constructor(
    private readonly dispatcher: TraceDispatcher,
    private readonly group: string,
    private readonly clientIP: string,
  ) {
    this.ids = new UniqueIdGenerator(clientIP);
  }

  /** A tracer when the options turn trace on, else undefined. */
  static create(options: ClientOptions & TraceOptions, group: string, clientIP: string): ConsumeTracer | undefined {
    if (!options.enableMsgTrace) return undefined;
    return new ConsumeTracer(traceDispatcherFor(options, `_INNER_TRACE_PRODUCER-${group}`), group, clientIP);
  }

  /** consumeMessageBefore: a SubBefore record unless the producer turned trace off for the message. */
  before(message: MessageExt): SubBeforeContext | undefined {
    if (message.properties[MessageConst.TRACE_SWITCH] === 'false') return undefined;
    const ctx: SubBeforeContext = {
      type: 'SubBefore',
      timestamp: Date.now(),
      regionId: message.properties[MessageConst.MSG_REGION] ?? 'DefaultRegion',
      groupName: this.group,
      requestId: this.ids.next(),
      msgId: message.msgId,
      retryTimes: message.reconsumeTimes,
      keys: message.properties[MessageConst.KEYS],
      clientHost: this.clientIP,
    };
    this.dispatcher.append(ctx);
    return ctx;
  }

  /** consumeMessageAfter: the SubAfter record of the same request. */
  after(before: SubBeforeContext | undefined, success: boolean, contextCode: number): void {
    if (!before) return;
    const now = Date.now();
    this.dispatcher.append({
      type: 'SubAfter',
      requestId: before.requestId,
      regionId: before.regionId,
      msgId: before.msgId,
      costTime: now - before.timestamp,
      success,
      keys: before.keys,
      contextCode,
      timestamp: now,
      groupName: this.group,
    });
  }

  /** Sends what is queued. */
  shutdown(): Promise<void> {
    return this.dispatcher.shutdown();
  }
}
