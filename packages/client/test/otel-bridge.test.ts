/**
 * examples/otel-bridge.ts turns the client's diagnostics_channel events into OpenTelemetry
 * spans (the SDK's in-memory exporter collects them): a PRODUCER span per send with the
 * messaging attributes, and a CONSUMER span per listener call in the same trace, child of it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startCluster } from '@rocketmq-ts/server/internal';
import { traceRocketMQ } from '../../../examples/otel-bridge.ts';
import { Producer, PushConsumer } from '../src/index.ts';

test('OpenTelemetry: a send span and the listener span of the same message share one trace', async (t) => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const stop = traceRocketMQ(provider.getTracer('test'), new W3CTraceContextPropagator());
  t.after(stop);

  const cluster = await startCluster(t);
  const topic = `otel_${randomUUID().slice(0, 8)}`;
  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: 'otel_p' });
  await producer.start();
  t.after(() => producer.shutdown());
  const sent = await producer.send({ topic, body: 'hello', tags: 'TagA' });

  const consumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: 'otel_c', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  let calls = 0;
  consumer.subscribe(topic, '*').onMessage(() => {
    calls++;
    if (calls === 1) throw new Error('first try fails');
  });
  await consumer.start();
  t.after(() => consumer.shutdown());
  const deadline = Date.now() + 30_000;
  while (exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER).length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

  const spans = exporter.getFinishedSpans();
  const send = spans.find((s) => s.kind === SpanKind.PRODUCER && s.name === `send ${topic}`);
  const process = spans.find((s) => s.kind === SpanKind.CONSUMER && s.name === `process ${topic}`);
  assert.ok(send, 'a producer span');
  assert.ok(process, 'a consumer span');
  assert.equal(send.attributes['messaging.system'], 'rocketmq');
  assert.equal(send.attributes['messaging.message.id'], sent.msgId);
  assert.equal(send.attributes['messaging.rocketmq.message.tag'], 'TagA');
  assert.equal(process.spanContext().traceId, send.spanContext().traceId, 'one trace from send to process');
  assert.equal(process.parentSpanContext?.spanId, send.spanContext().spanId);
  assert.equal(process.status.code, SpanStatusCode.ERROR, 'the failing first delivery is recorded as an error');
});
