/**
 * The console's message trace (GET /api/trace/:msgId and the #/trace page in chromium) for a
 * message sent and consumed by the TypeScript client with enableMsgTrace on our broker
 * (traceTopicEnable): sent (producer group, host, time, cost, status), stored (host, time,
 * queue), consumed by each group (client, time, cost, status, retries — one failed delivery
 * and its retry). The browser part is skipped when /usr/bin/chromium is missing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Producer, PushConsumer } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { chromium } from 'playwright-core';
import { startDashboard } from '../src/index.ts';
import type { TraceView } from '../src/api/trace-routes.ts';

const CHROMIUM = '/usr/bin/chromium';
const id = () => randomUUID().replace(/-/g, '').slice(0, 10);

test('message trace in the console: API and page', { timeout: 120_000 }, async (t) => {
  const cluster = await startCluster(t, { traceTopicEnable: true });
  const dashboard = await startDashboard({ namesrvAddr: cluster.namesrvAddr, port: 0, host: '127.0.0.1', sampleIntervalMillis: 1000 });
  t.after(() => dashboard.close());
  const topic = `trace_${id()}`;
  const producerGroup = `tracep_${id()}`;
  const consumerGroup = `tracec_${id()}`;

  const producer = new Producer({ groupName: producerGroup, namesrvAddr: cluster.namesrvAddr, enableMsgTrace: true });
  await producer.start();
  const sent = await producer.send({ topic, body: 'traced body', tags: 'TagT', keys: 'order-7' }).finally(() => producer.shutdown());

  let deliveries = 0;
  const consumer = new PushConsumer({ groupName: consumerGroup, namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', enableMsgTrace: true });
  consumer.subscribe(topic, '*').onMessage((_message, context) => {
    deliveries++;
    if (deliveries === 1) {
      context.delayLevelWhenNextConsume = 1;
      return 'RECONSUME_LATER';
    }
    return 'CONSUME_SUCCESS';
  });
  await consumer.start();
  try {
    const deadline = Date.now() + 30_000;
    while (deliveries < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(deliveries, 2, 'delivered, failed, redelivered');
  } finally {
    await consumer.shutdown();
  }

  let trace: TraceView | undefined;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${dashboard.url}/api/trace/${sent.msgId}`);
    if (response.status === 200) {
      trace = (await response.json()) as TraceView;
      if (trace.sent.length === 1 && trace.consumed.length === 2 && trace.consumed.every((c) => c.status !== 'unknown')) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  assert.ok(trace, 'the trace API answered');
  assert.equal(trace.msgId, sent.msgId);
  assert.equal(trace.traceTopic, 'RMQ_SYS_TRACE_TOPIC');
  assert.equal(trace.sent.length, 1);
  const pub = trace.sent[0]!;
  assert.equal(pub.producerGroup, producerGroup);
  assert.equal(pub.status, 'success');
  assert.equal(pub.topic, topic);
  assert.equal(pub.tags, 'TagT');
  assert.equal(pub.keys, 'order-7');
  assert.ok(pub.timestamp > 0 && pub.costTime >= 0);
  assert.deepEqual(trace.stored, [{ topic, storeHost: cluster.brokerAddr, offsetMsgId: sent.offsetMsgId, storeTimestamp: trace.stored[0]?.storeTimestamp, queueId: sent.messageQueue.queueId, queueOffset: sent.queueOffset }]);
  assert.ok((trace.stored[0]?.storeTimestamp ?? 0) >= pub.timestamp, 'stored after it was sent');
  assert.deepEqual(trace.consumed.map((c) => [c.consumerGroup, c.status, c.retryTimes]), [[consumerGroup, 'failed', 0], [consumerGroup, 'success', 1]]);
  assert.ok(trace.consumed.every((c) => c.timestamp >= pub.timestamp && c.costTime !== null && c.costTime >= 0));

  const missing = await fetch(`${dashboard.url}/api/trace/${'0'.repeat(32)}`);
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: string }).error, /no trace records/);
  const badTopic = await fetch(`${dashboard.url}/api/trace/${sent.msgId}?traceTopic=${encodeURIComponent('bad topic!')}`);
  assert.equal(badTopic.status, 400);

  if (!existsSync(CHROMIUM)) return t.diagnostic(`${CHROMIUM} is not installed; the page part is skipped`);
  const profile = await mkdtemp(join(tmpdir(), 'rmqts-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // One hook, browser first: after() hooks run in the order added, and removing the profile while
  // Chromium still wrote its cache failed (ENOTEMPTY), so the browser was never closed.
  t.after(async () => {
    await browser.close();
    await rm(profile, { recursive: true, force: true, maxRetries: 5 });
  });
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // From the message's detail page to its trace.
  await page.goto(`${dashboard.url}/#/messages`);
  await page.getByTestId('key-topic').fill(topic);
  await page.getByTestId('key-key').fill('order-7');
  await page.getByTestId('key-search').click();
  await page.getByTestId(`msg-${sent.msgId}`).click();
  await page.getByTestId('message-trace-link').click();
  const sentTable = page.getByTestId('trace-sent');
  await sentTable.getByText(producerGroup).waitFor();
  assert.match(await sentTable.innerText(), /success/);
  assert.match(await page.getByTestId('trace-stored').innerText(), new RegExp(cluster.brokerAddr.replace(/\./g, '\\.')));
  const consumedText = await page.getByTestId('trace-consumed').innerText();
  assert.match(consumedText, new RegExp(`${consumerGroup}[^\\n]*failed`));
  assert.match(consumedText, new RegExp(`${consumerGroup}[^\\n]*success\\s+1`));
  assert.deepEqual(pageErrors, []);
});
