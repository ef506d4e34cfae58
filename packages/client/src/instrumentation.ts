/**
 * Tracing hooks for OpenTelemetry and other tracers, through node:diagnostics_channel, so the
 * client needs no tracing dependency and costs nothing while nobody listens. Two tracing
 * channels, each with start / end / asyncStart / asyncEnd / error events:
 *
 * - `rocketmq-ts:client:send` around producer.send / sendBatch / sendOneway. A subscriber's
 *   `start` handler may add entries to `event.properties` (e.g. a W3C `traceparent`); they
 *   travel with the message.
 * - `rocketmq-ts:client:process` around each listener call of a push consumer; the message's
 *   properties carry what the producer injected.
 *
 * `event.attributes` follow the OpenTelemetry messaging semantic conventions, RocketMQ part.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import type { MessageExt, SendResult } from './message.ts';

export type MessagingAttributes = Record<string, string | number | boolean | string[]>;

export interface SendTraceEvent {
  attributes: MessagingAttributes;
  /** The message's user properties, still mutable in the `start` handler. */
  properties: Record<string, string>;
  /** Set when the send resolved (undefined for sendOneway). */
  result?: SendResult;
  error?: unknown;
}

export interface ProcessTraceEvent {
  attributes: MessagingAttributes;
  message: MessageExt;
  error?: unknown;
}

export const SEND_CHANNEL = 'rocketmq-ts:client:send';
export const PROCESS_CHANNEL = 'rocketmq-ts:client:process';

const sendChannel = tracingChannel<unknown, SendTraceEvent>(SEND_CHANNEL);
const processChannel = tracingChannel<unknown, ProcessTraceEvent>(PROCESS_CHANNEL);

const listened = (channel: typeof sendChannel | typeof processChannel): boolean =>
  channel.start.hasSubscribers || channel.end.hasSubscribers || channel.asyncEnd.hasSubscribers || channel.error.hasSubscribers;

export interface SendDescription {
  operation: 'send' | 'send_batch' | 'send_oneway';
  topic: string;
  group: string;
  clientId: string;
  msgId: string;
  properties: Record<string, string>;
  tags?: string;
  keys?: string[];
  bodySize: number;
  messageType: 'normal' | 'fifo' | 'delay' | 'transaction';
  batchCount?: number;
}

/** Runs a send inside the send channel's trace when someone listens. */
export function traceSend<T extends SendResult | void>(describe: () => SendDescription, send: () => Promise<T>): Promise<T> {
  if (!listened(sendChannel)) return send();
  const d = describe();
  const attributes: MessagingAttributes = {
    'messaging.system': 'rocketmq',
    'messaging.operation.type': 'send',
    'messaging.operation.name': d.operation,
    'messaging.destination.name': d.topic,
    'messaging.rocketmq.client_group': d.group,
    'messaging.client.id': d.clientId,
    'messaging.message.id': d.msgId,
    'messaging.message.body.size': d.bodySize,
    'messaging.rocketmq.message.type': d.messageType,
  };
  if (d.tags) attributes['messaging.rocketmq.message.tag'] = d.tags;
  if (d.keys && d.keys.length > 0) attributes['messaging.rocketmq.message.keys'] = d.keys;
  if (d.batchCount !== undefined) attributes['messaging.batch.message_count'] = d.batchCount;
  const event: SendTraceEvent = { attributes, properties: d.properties };
  return sendChannel.tracePromise(async () => {
    const result = await send();
    if (result) {
      event.result = result;
      attributes['messaging.destination.partition.id'] = String(result.messageQueue.queueId);
      attributes['messaging.rocketmq.broker_name'] = result.messageQueue.brokerName;
    }
    return result;
  }, event);
}

export interface ProcessDescription {
  group: string;
  clientId: string;
  consumptionModel: 'clustering' | 'broadcasting';
}

/** Runs one listener call inside the process channel's trace when someone listens. */
export function traceProcess<T>(describe: () => ProcessDescription, message: MessageExt, process: () => Promise<T>): Promise<T> {
  if (!listened(processChannel)) return process();
  const d = describe();
  const attributes: MessagingAttributes = {
    'messaging.system': 'rocketmq',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': message.topic,
    'messaging.rocketmq.client_group': d.group,
    'messaging.client.id': d.clientId,
    'messaging.message.id': message.msgId,
    'messaging.message.body.size': message.body.length,
    'messaging.rocketmq.consumption_model': d.consumptionModel,
    'messaging.rocketmq.message.reconsume_times': message.reconsumeTimes,
    'messaging.destination.partition.id': String(message.queueId),
  };
  if (message.tags) attributes['messaging.rocketmq.message.tag'] = message.tags;
  if (message.keys.length > 0) attributes['messaging.rocketmq.message.keys'] = message.keys;
  return processChannel.tracePromise(process, { attributes, message });
}
