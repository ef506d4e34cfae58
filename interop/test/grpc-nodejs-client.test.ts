/**
 * The official v5 Node.js client (`rocketmq-client-nodejs` from npm) against our broker's gRPC
 * endpoint: Producer sends (normal, FIFO message groups, delay), SimpleConsumer
 * receive/ack/changeInvisibleDuration, PushConsumer (normal with a retried failure, a listener
 * slower than 60 s kept invisible by autoRenew, FIFO kept in
 * order across a retry), unacked messages coming back after their invisible time, nothing acked
 * coming back after a kill -9 of the broker, and the Java 4.8 client on the same topics.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Admin } from '@rocketmq-ts/client';
import { NameServer, startCluster } from '@rocketmq-ts/server/internal';
import { ConsumeResult, type MessageView, Producer, PushConsumer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { expectedBody, runJavaConsumer, runJavaProducer } from '../lib/java-client.ts';
import { startRocketmqTsBrokerProcess } from '../lib/rocketmq-ts-broker-process.ts';
import { defer } from '../lib/cleanup.ts';

/** The client logs to ~/logs by default; tests keep quiet and surface errors only on failure. */
const quiet = { info(): void {}, warn(): void {}, error(): void {}, debug(): void {}, close(): void {} };

const unique = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;

async function createTopic(namesrvAddr: string, brokerAddr: string, topic: string, group?: { name: string; orderly?: boolean; retryMaxTimes?: number }): Promise<void> {
  const admin = new Admin({ namesrvAddr });
  await admin.start();
  try {
    await admin.createOrUpdateTopic({ topic, readQueueNums: 4, writeQueueNums: 4 }, { brokerAddr });
    if (group) await admin.createOrUpdateGroup({ groupName: group.name, consumeMessageOrderly: group.orderly ?? false, retryMaxTimes: group.retryMaxTimes ?? 16 }, { brokerAddr });
  } finally {
    await admin.shutdown();
  }
}

/** Clients to shut down, newest first, before the servers they talk to stop. */
type Closers = (() => Promise<unknown>)[];

/** A cluster whose stop first shuts down the clients in `closers`. */
async function cluster(t: TestContext): Promise<{ namesrvAddr: string; brokerAddr: string; endpoints: string; closers: Closers; broker: Awaited<ReturnType<typeof startCluster>>['broker'] }> {
  const c = await startCluster();
  const closers: Closers = [];
  defer(t, async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await c.stop();
  });
  return { namesrvAddr: c.namesrvAddr, brokerAddr: c.brokerAddr, endpoints: `127.0.0.1:${c.broker.grpcEndpoint!.port}`, closers, broker: c.broker };
}

async function producer(closers: Closers, endpoints: string, topic: string): Promise<Producer> {
  const p = new Producer({ endpoints, namespace: '', topic, logger: quiet });
  await p.startup();
  closers.push(() => p.shutdown());
  return p;
}

async function simpleConsumer(closers: Closers, endpoints: string, group: string, topic: string, awaitDuration = 2000): Promise<SimpleConsumer> {
  const c = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: group, subscriptions: new Map([[topic, '*']]), awaitDuration, logger: quiet });
  await c.startup();
  closers.push(() => c.shutdown());
  return c;
}

/**
 * rocketmq-client-nodejs 1.0.8's consume services each open their own file logger (egg-logger,
 * flushed by an interval) that shutdown never closes, which would keep the test process alive:
 * intervals started while a PushConsumer starts are cleared once it has shut down.
 */
async function pushConsumer(closers: Closers, options: ConstructorParameters<typeof PushConsumer>[0]): Promise<PushConsumer> {
  const intervals: ReturnType<typeof setInterval>[] = [];
  const original = globalThis.setInterval;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const timer = original(...args);
    intervals.push(timer);
    return timer;
  }) as typeof setInterval;
  const consumer = new PushConsumer(options);
  try {
    await consumer.startup();
  } finally {
    globalThis.setInterval = original;
  }
  closers.push(async () => {
    await consumer.shutdown();
    for (const timer of intervals) clearInterval(timer);
  });
  return consumer;
}

/** Receives until `count` messages came or `withinMs` passed. */
async function receiveAll(consumer: SimpleConsumer, count: number, withinMs: number, invisibleMs = 20_000): Promise<MessageView[]> {
  const got: MessageView[] = [];
  const deadline = Date.now() + withinMs;
  while (got.length < count && Date.now() < deadline) got.push(...(await consumer.receive(16, invisibleMs)));
  return got;
}

test('Producer sends and SimpleConsumer receives, acks and changes invisible time; unacked messages come back', { timeout: 180_000 }, async (t) => {
  const { namesrvAddr, brokerAddr, endpoints, closers, broker } = await cluster(t);
  const topic = unique('v5_simple');
  const group = unique('v5_group');
  await createTopic(namesrvAddr, brokerAddr, topic);
  const p = await producer(closers, endpoints, topic);
  const sent = new Map<string, number>();
  for (let i = 0; i < 12; i++) {
    const receipt = await p.send({ topic, tag: i % 2 ? 'odd' : 'even', keys: [`key-${i}`], properties: new Map([['idx', String(i)]]), body: Buffer.from(`body-${i}`) });
    sent.set(receipt.messageId, i);
  }

  const c = await simpleConsumer(closers, endpoints, group, topic);
  const first = await receiveAll(c, 12, 30_000, 4000);
  assert.equal(first.length, 12);
  for (const m of first) {
    const i = sent.get(m.messageId);
    assert.ok(i !== undefined, `unknown message id ${m.messageId}`);
    assert.equal(m.body.toString(), `body-${i}`);
    assert.equal(m.tag, i % 2 ? 'odd' : 'even');
    assert.deepEqual(m.keys, [`key-${i}`]);
    assert.equal(m.properties.get('idx'), String(i));
    assert.equal(m.deliveryAttempt, 1);
    assert.ok(!m.corrupted);
  }
  const acked = first.slice(0, 8);
  for (const m of acked) await c.ack(m);
  // One message gets 30 s more; the other three stay at 4 s and must come back.
  const extended = first[8]!;
  await c.changeInvisibleDuration(extended, 30_000);
  const unacked = first.slice(9);

  const back = await receiveAll(c, 3, 20_000, 20_000);
  assert.deepEqual(back.map((m) => m.messageId).sort(), unacked.map((m) => m.messageId).sort(), 'exactly the unacked ones come back');
  assert.ok(back.every((m) => m.deliveryAttempt === 2));
  for (const m of back) await c.ack(m);
  await c.ack(extended); // the new receipt handle from changeInvisibleDuration
  assert.deepEqual(await c.receive(16, 20_000), [], 'nothing acked comes back');

  const offsets = broker.internals.offsets.offsetsOf(topic, group);
  let committed = 0;
  for (const offset of offsets?.values() ?? []) committed += offset;
  assert.equal(committed, 12, 'committed offsets cover every acked message (consumer lag 0)');
});

test('delay messages are received at their delivery time, not before', { timeout: 120_000 }, async (t) => {
  const { namesrvAddr, brokerAddr, endpoints, closers } = await cluster(t);
  const topic = unique('v5_delay');
  await createTopic(namesrvAddr, brokerAddr, topic);
  const p = await producer(closers, endpoints, topic);
  const c = await simpleConsumer(closers, endpoints, unique('v5_group'), topic, 1000);
  const deliverAt = Date.now() + 4000;
  await p.send({ topic, body: Buffer.from('later'), deliveryTimestamp: new Date(deliverAt) });
  const got = await receiveAll(c, 1, 30_000);
  assert.equal(got.length, 1);
  assert.ok(Date.now() >= deliverAt - 50, `received ${deliverAt - Date.now()} ms early`);
  assert.equal(got[0]!.body.toString(), 'later');
  assert.equal(got[0]!.deliveryTimestamp?.getTime(), deliverAt);
});

test('PushConsumer consumes every message; a failed one is delivered again', { timeout: 180_000 }, async (t) => {
  const { namesrvAddr, brokerAddr, endpoints, closers } = await cluster(t);
  const topic = unique('v5_push');
  const group = unique('v5_group');
  await createTopic(namesrvAddr, brokerAddr, topic, { name: group });
  const p = await producer(closers, endpoints, topic);
  for (let i = 0; i < 20; i++) await p.send({ topic, body: Buffer.from(`push-${i}`) });

  const seen = new Map<string, number[]>();
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await pushConsumer(closers, {
    endpoints,
    namespace: '',
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    logger: quiet,
    messageListener: {
      consume(m: MessageView) {
        const body = m.body.toString();
        seen.set(body, [...(seen.get(body) ?? []), m.deliveryAttempt ?? 0]);
        if (body === 'push-7' && m.deliveryAttempt === 1) return ConsumeResult.FAILURE;
        if (seen.size === 20 && seen.get('push-7')!.length === 2) done();
        return ConsumeResult.SUCCESS;
      },
    },
  });
  await finished;
  assert.equal(seen.size, 20);
  assert.deepEqual(seen.get('push-7'), [1, 2], 'the failure came back as attempt 2');
});

test('a PushConsumer listener slower than 60 s gets its message once: autoRenew keeps it invisible', { timeout: 180_000 }, async (t) => {
  const { namesrvAddr, brokerAddr, endpoints, closers, broker } = await cluster(t);
  const topic = unique('v5_slow');
  const group = unique('v5_slow_group');
  await createTopic(namesrvAddr, brokerAddr, topic, { name: group });
  const p = await producer(closers, endpoints, topic);
  await p.send({ topic, body: Buffer.from('slow') });
  await p.send({ topic, body: Buffer.from('quick') });

  const deliveries: string[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await pushConsumer(closers, {
    endpoints,
    namespace: '',
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    logger: quiet,
    messageListener: {
      async consume(m: MessageView) {
        const body = m.body.toString();
        deliveries.push(`${body}#${m.deliveryAttempt ?? 0}`);
        // Past the 60 s an autoRenew receive gets: without renewal it would be delivered again meanwhile.
        if (body === 'slow') {
          await new Promise((r) => setTimeout(r, 75_000));
          done();
        }
        return ConsumeResult.SUCCESS;
      },
    },
  });
  await finished;
  const pop = broker.grpcEndpoint!.pop;
  const inflight = (): number => [0, 1, 2, 3].reduce((n, q) => n + pop.inflightCount(group, topic, q), 0);
  for (let i = 0; i < 50 && inflight() > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(deliveries.sort(), ['quick#1', 'slow#1'], 'each delivered once, the slow one not again while its listener ran');
  assert.equal(inflight(), 0, 'the ack with the handle received counted after the renewals');
});

test('FIFO message groups stay in order across a retry (PushConsumer, orderly group)', { timeout: 180_000 }, async (t) => {
  const { namesrvAddr, brokerAddr, endpoints, closers } = await cluster(t);
  const topic = unique('v5_fifo');
  const group = unique('v5_fifo_group');
  await createTopic(namesrvAddr, brokerAddr, topic, { name: group, orderly: true });
  const p = await producer(closers, endpoints, topic);
  const GROUPS = ['g0', 'g1', 'g2'];
  const PER_GROUP = 8;
  for (let i = 0; i < PER_GROUP; i++) for (const g of GROUPS) await p.send({ topic, messageGroup: g, body: Buffer.from(`${g}:${i}`) });

  const order = new Map<string, number[]>(GROUPS.map((g) => [g, []]));
  let failedOnce = false;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await pushConsumer(closers, {
    endpoints,
    namespace: '',
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    logger: quiet,
    messageListener: {
      consume(m: MessageView) {
        const [g, i] = m.body.toString().split(':') as [string, string];
        assert.equal(m.messageGroup, g);
        if (g === 'g1' && i === '3' && !failedOnce) {
          failedOnce = true;
          return ConsumeResult.FAILURE;
        }
        order.get(g)!.push(Number(i));
        if ([...order.values()].every((list) => list.length >= PER_GROUP)) done();
        return ConsumeResult.SUCCESS;
      },
    },
  });
  await finished;
  for (const g of GROUPS) assert.deepEqual(order.get(g), Array.from({ length: PER_GROUP }, (_, i) => i), `group ${g} in order`);
  assert.ok(failedOnce);
});

/**
 * rocketmq-client-nodejs 1.0.8 removes its telemetry stream's error listener at shutdown before
 * the stream has closed; a SIGKILLed server in that window makes the reset an uncaught error.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1000));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

test('nothing acked comes back after a kill -9 of the broker; the unacked do', { timeout: 300_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-grpc-kill-'));
  defer(t, () => rm(dir, { recursive: true, force: true }));
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kvConfig.json') } });
  const { port: namesrvPort } = await namesrv.start();
  defer(t, () => namesrv.stop());
  const namesrvAddr = `127.0.0.1:${namesrvPort}`;
  const grpcServerPort = await freePort();
  const storeDir = join(dir, 'store');
  const start = () => startRocketmqTsBrokerProcess({ namesrvAddr, storeDir, brokerConfig: { grpcServerPort, flushDiskType: 'ASYNC_FLUSH' } });
  let broker = await start();
  const closers: Closers = [];
  defer(t, async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await settle();
    await broker.kill();
  });
  const endpoints = `127.0.0.1:${grpcServerPort}`;
  const topic = unique('v5_kill');
  const group = unique('v5_group');
  await createTopic(namesrvAddr, broker.brokerAddr, topic);

  const p = new Producer({ endpoints, namespace: '', topic, logger: quiet });
  await p.startup();
  for (let i = 0; i < 10; i++) await p.send({ topic, body: Buffer.from(`k-${i}`) });
  await p.shutdown();
  const c1 = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: group, subscriptions: new Map([[topic, '*']]), awaitDuration: 2000, logger: quiet });
  await c1.startup();
  const got = await receiveAll(c1, 10, 30_000, 5000);
  assert.equal(got.length, 10);
  const acked = new Set<string>();
  for (const m of got.slice(0, 6)) {
    await c1.ack(m);
    acked.add(m.body.toString());
  }
  // The client leaves first (its background streams would otherwise fail the test when the
  // broker dies); the broker then dies by SIGKILL right after answering the acks.
  await c1.shutdown();
  await settle();
  await broker.kill();

  broker = await start();
  const c2 = await simpleConsumer(closers, endpoints, group, topic, 2000);
  const after: string[] = [];
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) for (const m of await c2.receive(16, 30_000)) after.push(m.body.toString());
  assert.deepEqual(after.filter((b) => acked.has(b)), [], 'an acked message came back');
  assert.deepEqual(after.sort(), got.slice(6).map((m) => m.body.toString()).sort(), 'every unacked message came back once');
});

test('a Java 4.8 producer\'s messages reach the v5 client, and the v5 producer\'s reach a Java 4.8 consumer', { timeout: 300_000 }, async (t) => {
  const { namesrvAddr, brokerAddr, endpoints, closers } = await cluster(t);
  const topic = unique('v5_java');
  await createTopic(namesrvAddr, brokerAddr, topic);

  const produced = await runJavaProducer({ namesrvAddr: namesrvAddr, topic, count: 20, bodySize: 256, tags: 'TagJ', keysPrefix: 'jk-' });
  const c = await simpleConsumer(closers, endpoints, unique('v5_group'), topic);
  const got = await receiveAll(c, 20, 60_000);
  assert.equal(got.length, 20);
  const byId = new Map(got.map((m) => [m.messageId, m]));
  for (const sent of produced) {
    const m = byId.get(sent.msgId);
    assert.ok(m, `Java message ${sent.i} (${sent.msgId}) not received`);
    assert.equal(m.body.toString('hex'), expectedBody(sent.i, 256).toString('hex'));
    assert.equal(m.tag, 'TagJ');
    assert.deepEqual(m.keys, [`jk-${sent.i}`]);
    assert.equal(m.properties.get('idx'), String(sent.i));
    await c.ack(m);
  }

  const p = await producer(closers, endpoints, topic);
  const v5Ids = new Set<string>();
  for (let i = 0; i < 10; i++) v5Ids.add((await p.send({ topic, tag: 'TagV5', keys: [`v5-${i}`], body: Buffer.from(`from-v5-${i}`) })).messageId);
  const consumed = await runJavaConsumer({ namesrvAddr: namesrvAddr, topic, expect: 30 });
  const fromV5 = consumed.filter((m) => v5Ids.has(m.msgId));
  assert.equal(fromV5.length, 10);
  for (const m of fromV5) {
    const i = Number(m.keys?.replace('v5-', ''));
    assert.equal(Buffer.from(m.bodyHex ?? '', 'hex').toString(), `from-v5-${i}`);
    assert.equal(m.tags, 'TagV5');
  }
});
