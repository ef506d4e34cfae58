/**
 * Client pieces that need no server: queue allocation and sharding-key selection checked
 * against the real Java 4.8 classes (interop/golden/vectors.json, regenerated in CI), latency
 * fault avoidance, publish-queue selection, the process queue's commit offset, and validation.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { PermName, type TopicRouteData } from '@rocketmq-ts/protocol';
import { allocateAveragely, allocateAveragelyByCircle, allocateConsistentHash, type AllocateStrategy, Producer, PushConsumer } from '@rocketmq-ts/client';
import { LatencyFaultTolerance, notAvailableDuration } from '../src/producer/fault-strategy.ts';
import { PublishInfo, shardingQueueIndex } from '../src/producer/publish-info.ts';
import { ProcessQueue } from '../src/consumer/process-queue.ts';
import { compareQueues, formatConsumeTimestamp, parseConsumeTimestamp, subscriptionFor } from '../src/consumer/subscription.ts';
import { checkTopic, parseNamesrvAddr } from '../src/options.ts';
import type { MessageExt, MessageQueue } from '../src/message.ts';

const vectors = JSON.parse(readFileSync(new URL('../../../interop/golden/vectors.json', import.meta.url), 'utf8')) as {
  allocations: { strategy: string; queues: number; cidAll: string[]; allocation: Record<string, string[]> }[];
  shardingKeys: { key: string; queues: number; index: number }[];
};

const strategies: Record<string, AllocateStrategy> = {
  AVG: allocateAveragely,
  AVG_BY_CIRCLE: allocateAveragelyByCircle,
  CONSISTENT_HASH: allocateConsistentHash(),
};

function queuesOf(n: number): MessageQueue[] {
  const queues: MessageQueue[] = [];
  for (let q = 0; q < Math.floor(n / 2) + (n % 2); q++) queues.push({ topic: 'TopicA', brokerName: 'broker-a', queueId: q });
  for (let q = 0; q < Math.floor(n / 2); q++) queues.push({ topic: 'TopicA', brokerName: 'broker-b', queueId: q });
  return queues.sort(compareQueues);
}

describe('queue allocation matches the Java 4.8 strategies', () => {
  test(`${vectors.allocations.length} group shapes`, () => {
    assert.ok(vectors.allocations.length >= 24);
    for (const vector of vectors.allocations) {
      const strategy = strategies[vector.strategy]!;
      const mqAll = queuesOf(vector.queues);
      for (const cid of vector.cidAll) {
        const mine = strategy.allocate('group', cid, mqAll, vector.cidAll).map((mq) => `${mq.brokerName}:${mq.queueId}`);
        assert.deepEqual(mine, vector.allocation[cid], `${vector.strategy} ${vector.queues} queues, ${vector.cidAll.length} clients, ${cid}`);
      }
    }
  });

  test('a client missing from the id list gets nothing', () => {
    assert.deepEqual(allocateAveragely.allocate('g', 'x', queuesOf(4), ['a', 'b']), []);
  });
});

test('sharding keys pick the queue SelectMessageQueueByHash picks', () => {
  for (const v of vectors.shardingKeys) assert.equal(shardingQueueIndex(v.key, v.queues), v.index, `${JSON.stringify(v.key)} over ${v.queues}`);
});

describe('latency fault avoidance', () => {
  test('pause lengths by latency (MQFaultStrategy tables)', () => {
    assert.deepEqual([0, 99, 550, 999, 1000, 2500, 3000, 15000, 30000].map(notAvailableDuration), [0, 0, 30_000, 30_000, 60_000, 120_000, 180_000, 600_000, 600_000]);
  });

  test('a failed broker is avoided, then tried again', () => {
    let now = 1_000_000;
    const faults = new LatencyFaultTolerance(() => now);
    faults.record('broker-a', 10, true);
    assert.equal(faults.isAvailable('broker-a'), false);
    assert.equal(faults.leastBad(['broker-a', 'broker-b']), 'broker-b');
    now += 600_000;
    assert.equal(faults.isAvailable('broker-a'), true);
  });
});

function route(brokers: { name: string; queues: number; perm?: number; master?: boolean }[]): TopicRouteData {
  return {
    queueDatas: brokers.map((b) => ({ brokerName: b.name, readQueueNums: b.queues, writeQueueNums: b.queues, perm: b.perm ?? 6, topicSysFlag: 0 })),
    brokerDatas: brokers.map((b) => ({ cluster: 'c', brokerName: b.name, brokerAddrs: new Map(b.master === false ? [[1, '10.0.0.2:10911']] : [[0, '10.0.0.1:10911']]) })),
    filterServerTable: new Map(),
  } as unknown as TopicRouteData;
}

describe('publish queues', () => {
  test('writable queues of brokers with a master, brokers in name order', () => {
    const info = PublishInfo.fromRoute('T', route([{ name: 'b', queues: 2 }, { name: 'a', queues: 2 }, { name: 'ro', queues: 4, perm: PermName.READ }, { name: 'slave-only', queues: 4, master: false }]));
    assert.deepEqual(info.queues.map((q) => `${q.brokerName}:${q.queueId}`), ['a:0', 'a:1', 'b:0', 'b:1']);
  });

  test('a retry goes to another broker; round robin otherwise', () => {
    const info = PublishInfo.fromRoute('T', route([{ name: 'a', queues: 2 }, { name: 'b', queues: 2 }]));
    for (let i = 0; i < 20; i++) assert.equal(info.select('a', undefined).brokerName, 'b');
    const seen = new Set(Array.from({ length: 4 }, () => { const q = info.select(undefined, undefined); return `${q.brokerName}:${q.queueId}`; }));
    assert.equal(seen.size, 4);
  });

  test('with fault avoidance a paused broker is skipped', () => {
    const faults = new LatencyFaultTolerance();
    faults.record('a', 0, true);
    const info = PublishInfo.fromRoute('T', route([{ name: 'a', queues: 2 }, { name: 'b', queues: 2 }]));
    for (let i = 0; i < 10; i++) assert.equal(info.select(undefined, faults).brokerName, 'b');
  });

  test('orderTopicConf decides the queues of an ordered topic', () => {
    const r = route([{ name: 'a', queues: 8 }]);
    r.orderTopicConf = 'a:2;b:1';
    assert.deepEqual(PublishInfo.fromRoute('T', r).queues.map((q) => `${q.brokerName}:${q.queueId}`), ['a:0', 'a:1', 'b:0']);
  });
});

test('the process queue commits the smallest unconsumed offset', () => {
  const pq = new ProcessQueue({ topic: 'T', brokerName: 'a', queueId: 0 });
  const message = (offset: number) => ({ queueOffset: offset, body: Buffer.alloc(10) }) as MessageExt;
  pq.put([message(5), message(6), message(7)]);
  assert.equal(pq.cachedBytes, 30);
  assert.equal(pq.span(), 2);
  assert.equal(pq.remove([6]), 5);
  assert.equal(pq.remove([5]), 7);
  assert.equal(pq.remove([7]), 8);
  assert.equal(pq.cachedCount, 0);
});

describe('validation says what to fix', () => {
  test('topics, name servers, subscriptions, timestamps', () => {
    assert.throws(() => checkTopic('bad topic'), /may only contain/);
    assert.throws(() => checkTopic('x'.repeat(128)), /at most 127/);
    assert.throws(() => checkTopic('SCHEDULE_TOPIC_XXXX'), /delayTimeLevel/);
    assert.deepEqual(parseNamesrvAddr(' a:1; b:2 ;'), ['a:1', 'b:2']);
    assert.throws(() => new Producer({ namesrvAddr: 'nohost' }), /host:port/);
    assert.throws(() => subscriptionFor('T', 'a > 5'), /SQL92/);
    assert.deepEqual(subscriptionFor('T', 'A || B').tagsSet, ['A', 'B']);
    const at = new Date(2026, 0, 2, 3, 4, 5).getTime();
    assert.equal(formatConsumeTimestamp(at), '20260102030405');
    assert.equal(parseConsumeTimestamp('20260102030405'), at);
    assert.throws(() => parseConsumeTimestamp('2026-01-02'), /yyyyMMddHHmmss/);
  });

  test('sending before start, empty bodies, reserved properties and oversized bodies are refused before any I/O', async () => {
    const producer = new Producer({ namesrvAddr: '127.0.0.1:1', maxMessageSize: 16 });
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }), /not started/);
    await producer.start();
    await assert.rejects(producer.send({ topic: 'T', body: '' }), /empty/);
    await assert.rejects(producer.send({ topic: 'T', body: 'x', properties: { TAGS: 'a' } }), /reserved/);
    await assert.rejects(producer.send({ topic: 'T', body: 'x'.repeat(17) }), /over maxMessageSize 16/);
    // A separator inside a value would inject another property (issue 22).
    await assert.rejects(producer.send({ topic: 'T', body: 'x', properties: { a: 'v\u0002DELAY\u00013' } }), /contains \\u0001 or \\u0002/);
    await assert.rejects(producer.send({ topic: 'T', body: 'x', tags: 't\u0001x' }), /contains/);
    await assert.rejects(producer.sendBatch([{ topic: 'T', body: 'a' }, { topic: 'U', body: 'b' }]), /one topic/);
    await producer.shutdown();
  });

  test('a consumer needs a subscription; without a listener it is consumed by for await, and only then', async () => {
    const consumer = new PushConsumer({ groupName: 'g', namesrvAddr: '127.0.0.1:1' });
    await assert.rejects(consumer.start(), /subscribe/);
    assert.throws(() => consumer[Symbol.asyncIterator](), /call start\(\) before iterating/);
    const withListener = new PushConsumer({ groupName: 'g', namesrvAddr: '127.0.0.1:1', requestTimeoutMillis: 200 });
    withListener.subscribe('T').onMessage(() => undefined);
    await withListener.start();
    assert.throws(() => withListener[Symbol.asyncIterator](), /has a listener/);
    await withListener.shutdown();
  });

  test('no name server: a clear error naming the address', async () => {
    const producer = new Producer({ namesrvAddr: '127.0.0.1:1', requestTimeoutMillis: 500 });
    await producer.start();
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }), /no name server answered for topic T \(127\.0\.0\.1:1\)/);
    await producer.shutdown();
  });
});
