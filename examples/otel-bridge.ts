// OpenTelemetry spans for @rocketmq-ts/client, from the client's diagnostics_channel events: a
// PRODUCER span per send (its context injected into the message as `traceparent`), a CONSUMER
// span per listener call, child of the producer's span. Wire it once at start-up:
//   const stop = traceRocketMQ(trace.getTracer('my-app'), new W3CTraceContextPropagator());
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type TextMapPropagator, trace, type Tracer } from '@opentelemetry/api';
import { PROCESS_CHANNEL, type ProcessTraceEvent, SEND_CHANNEL, type SendTraceEvent } from '@rocketmq-ts/client';

/** Subscribes; returns a function that unsubscribes. */
export function traceRocketMQ(tracer: Tracer, propagator: TextMapPropagator): () => void {
  const spans = new WeakMap<object, Span>();
  const record = (event: { error?: unknown }): void => {
    const span = spans.get(event);
    if (!span) return;
    span.recordException(event.error instanceof Error ? event.error : String(event.error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  };
  const finish = (event: { attributes: Record<string, unknown> }): void => {
    const span = spans.get(event);
    if (!span) return;
    span.setAttributes(event.attributes as Record<string, string | number | boolean | string[]>);
    span.end();
  };
  const handlers: Record<string, (message: unknown) => void> = {
    [`tracing:${SEND_CHANNEL}:start`]: (message) => {
      const event = message as SendTraceEvent;
      const span = tracer.startSpan(`send ${String(event.attributes['messaging.destination.name'])}`, { kind: SpanKind.PRODUCER, attributes: event.attributes });
      spans.set(event, span);
      propagator.inject(trace.setSpan(context.active(), span), event.properties, {
        set: (carrier, key, value) => {
          carrier[key] = value;
        },
      });
    },
    [`tracing:${SEND_CHANNEL}:error`]: (message) => record(message as SendTraceEvent),
    [`tracing:${SEND_CHANNEL}:asyncEnd`]: (message) => finish(message as SendTraceEvent),
    [`tracing:${PROCESS_CHANNEL}:start`]: (message) => {
      const event = message as ProcessTraceEvent;
      const parent = propagator.extract(ROOT_CONTEXT, event.message.properties, {
        get: (carrier, key) => carrier[key],
        keys: (carrier) => Object.keys(carrier),
      });
      spans.set(event, tracer.startSpan(`process ${event.message.topic}`, { kind: SpanKind.CONSUMER, attributes: event.attributes }, parent));
    },
    [`tracing:${PROCESS_CHANNEL}:error`]: (message) => record(message as ProcessTraceEvent),
    [`tracing:${PROCESS_CHANNEL}:asyncEnd`]: (message) => finish(message as ProcessTraceEvent),
  };
  for (const [name, handler] of Object.entries(handlers)) subscribe(name, handler);
  return () => {
    for (const [name, handler] of Object.entries(handlers)) unsubscribe(name, handler);
  };
}
