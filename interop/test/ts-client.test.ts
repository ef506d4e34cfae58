/**
 * The TypeScript client's scenario suite, run twice: against our name server + broker and
 * against Apache RocketMQ 4.8.0 (Maven Central jars), with the same assertions. Sends (sync,
 * oneway, batch, compressed, ordered), tag subscriptions, queue splitting and rebalancing,
 * broadcasting, orderly consumption, consumeFromWhere for new groups, retries after a throwing
 * listener, orderly dead-lettering, lite pull with seek/commit, and shutdown without loss.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LitePullConsumer, type Message, type MessageQueue, Producer, PushConsumer, type PushConsumerOptions, type SendResult } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { startApacheTarget, uniqueName } from '../lib/targets.ts';
import { type Delivery, delivery, maxOffset, sleep, waitFor } from '../lib/ts-client-kit.ts';

/** Short retry delays so retries show within a second (level 3 is the first retry). */
const DELAY_LEVELS = '1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s';

interface Target {
  name: string;
  start(): Promise<{ namesrvAddr: string; brokerAddr: string; stop(): Promise<void> }>;
}

const targets: Target[] = [
  { name: 'rocketmq-ts', start: async () => startCluster(undefined, { messageDelayLevel: DELAY_LEVELS }) },
  { name: 'Apache RocketMQ 4.8.0', start: () => startApacheTarget('ts-client', { messageDelayLevel: DELAY_LEVELS }) },
];

/** The client must never leave a rejected promise unhandled, whatever the servers do. */
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
after(() => assert.deepEqual(unhandled.map(String), [], 'unhandled rejections from the client'));

for (const target of targets) {
  describe(`TypeScript client against ${target.name}`, { concurrency: 1 }, () => {
    let server: Awaited<ReturnType<Target['start']>>;
    let producer: Producer;
    const consumers: (PushConsumer | LitePullConsumer)[] = [];
    let offsetDir: string;

    before(async () => {
      server = await target.start();
      offsetDir = await mkdtemp(join(tmpdir(), 'rmqts-offsets-'));
      // The first send to a new topic makes the broker create it; on a loaded machine (beside
      // other interop files) that alone has taken over the 3 s default budget on Apache 4.8.0.
      producer = new Producer({ groupName: uniqueName('pg'), namesrvAddr: server.namesrvAddr, sendMsgTimeout: 10_000 });
      await producer.start();
    });

    after(async () => {
      await Promise.allSettled(consumers.map((c) => c.shutdown()));
      await producer?.shutdown();
      await server?.stop();
      await rm(offsetDir, { recursive: true, force: true });
    });

    function pushConsumer(options: Omit<PushConsumerOptions, 'namesrvAddr'>): PushConsumer {
      // A new topic reaches the name server when the broker registers it (async, slower under
      // load); a consumer that asked before would wait the default 30 s for its next route poll.
      const consumer = new PushConsumer({ namesrvAddr: server.namesrvAddr, localOffsetStoreDir: offsetDir, rebalanceInterval: 2000, pollNameServerInterval: 1000, ...options });
      consumers.push(consumer);
      return consumer;
    }

    /** Creates the topic (first send auto-creates it from TBW102) and returns that first result. */
    async function createTopic(topic: string): Promise<SendResult> {
      return producer.send({ topic, body: 'create', tags: 'create' });
    }

    test('sync, oneway, batch and compressed sends arrive intact, exactly once', async () => {
      const topic = uniqueName('TsSend');
      const sent = new Map<string, Message>();
      for (let i = 0; i < 12; i++) {
        const message: Message = { topic, body: `sync-${i}`, tags: i % 2 ? 'TagB' : 'TagA', keys: [`k-${i}`, `alt-${i}`], properties: { seq: String(i) } };
        const result = await producer.send(message);
        assert.equal(result.sendStatus, 'SEND_OK');
        assert.equal(result.messageQueue.topic, topic);
        sent.set(result.msgId, message);
      }
      const big: Message = { topic, body: 'x'.repeat(10_000) + 'end', tags: 'Big', keys: 'big' };
      sent.set((await producer.send(big)).msgId, big);
      const batch: Message[] = Array.from({ length: 5 }, (_, i) => ({ topic, body: `batch-${i}`, tags: 'Batch', keys: `b-${i}` }));
      const batchResult = await producer.sendBatch(batch);
      const batchIds = batchResult.msgId.split(',');
      assert.equal(batchIds.length, 5);
      batchIds.forEach((id, i) => sent.set(id, batch[i]!));
      for (let i = 0; i < 3; i++) await producer.sendOneway({ topic, body: `oneway-${i}`, tags: 'Oneway', keys: `o-${i}` });

      const got: Delivery[] = [];
      const consumer = pushConsumer({ groupName: uniqueName('cg'), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
      consumer.subscribe(topic, 'TagA || TagB || Big || Batch || Oneway');
      consumer.onMessage((message) => {
        got.push(delivery(message));
      });
      await consumer.start();
      await waitFor(() => got.length >= sent.size + 3, 20_000, () => `${sent.size + 3} messages, got ${got.length}`);
      await sleep(300);
      assert.equal(got.length, sent.size + 3, 'each message exactly once');
      assert.equal(new Set(got.map((d) => d.msgId)).size, got.length, 'distinct msgIds');
      for (const d of got.filter((x) => x.tags !== 'Oneway')) {
        const message = sent.get(d.msgId);
        assert.ok(message, `delivered msgId ${d.msgId} matches a SendResult.msgId`);
        assert.equal(d.body, message.body);
        assert.equal(d.tags, message.tags);
        assert.deepEqual(d.keys, typeof message.keys === 'string' ? [message.keys] : message.keys);
        assert.equal(d.topic, topic);
        assert.equal(d.reconsumeTimes, 0);
        if (message.properties) assert.equal(d.properties['seq'], message.properties['seq']);
      }
      assert.deepEqual(got.filter((d) => d.tags === 'Oneway').map((d) => d.body).sort(), ['oneway-0', 'oneway-1', 'oneway-2']);
      assert.equal(new Set(got.filter((d) => d.tags === 'Batch').map((d) => `${d.queueId}`)).size, 1, 'a batch lands in one queue');
    });

    test('a tag subscription receives only its tags', async () => {
      const topic = uniqueName('TsTags');
      await createTopic(topic);
      const got: Delivery[] = [];
      const consumer = pushConsumer({ groupName: uniqueName('cg'), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
      consumer.subscribe(topic, 'TagA || TagC').onMessage((m) => void got.push(delivery(m)));
      await consumer.start();
      for (let i = 0; i < 15; i++) await producer.send({ topic, body: `m-${i}`, tags: ['TagA', 'TagB', 'TagC'][i % 3]! });
      await waitFor(() => got.length >= 10, 20_000, () => `10 TagA/TagC messages, got ${got.length}`);
      await sleep(500);
      assert.equal(got.length, 10);
      assert.ok(got.every((d) => d.tags === 'TagA' || d.tags === 'TagC'));
    });

    test('two consumers split the queues 2/2, and one takes all four when the other leaves', async () => {
      const topic = uniqueName('TsSplit');
      await createTopic(topic);
      const group = uniqueName('cg');
      const got: Delivery[] = [];
      const c1 = pushConsumer({ groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
      const c2 = pushConsumer({ groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
      c1.subscribe(topic).onMessage((m) => void got.push(delivery(m, 'c1')));
      c2.subscribe(topic).onMessage((m) => void got.push(delivery(m, 'c2')));
      await c1.start();
      await c2.start();
      const own = (c: PushConsumer) => c.assignedQueues().filter((mq) => mq.topic === topic);
      await waitFor(() => own(c1).length === 2 && own(c2).length === 2, 30_000, () => `a 2/2 split, have ${own(c1).length}/${own(c2).length}`);
      const ids = new Set([...own(c1), ...own(c2)].map((mq) => mq.queueId));
      assert.equal(ids.size, 4, 'every queue has one owner');
      for (let i = 0; i < 20; i++) await producer.send({ topic, body: `before-${i}` });
      await waitFor(() => got.filter((d) => d.body.startsWith('before')).length >= 20, 20_000, 'the 20 messages sent while both run');
      assert.ok(got.some((d) => d.consumer === 'c1') && got.some((d) => d.consumer === 'c2'), 'both consumers consumed');
      await c2.shutdown();
      await waitFor(() => own(c1).length === 4, 30_000, () => `c1 to own all 4 queues, owns ${own(c1).length}`);
      for (let i = 0; i < 20; i++) await producer.send({ topic, body: `after-${i}` });
      await waitFor(() => got.filter((d) => d.body.startsWith('after')).length >= 20, 20_000, 'the 20 messages sent after c2 left');
      assert.ok(got.filter((d) => d.body.startsWith('after')).every((d) => d.consumer === 'c1'));
    });

    test('broadcasting: every consumer of the group gets every message', async () => {
      const topic = uniqueName('TsBroadcast');
      await createTopic(topic);
      const group = uniqueName('cg');
      const got: Delivery[] = [];
      const members = ['b1', 'b2'].map((name) => {
        const c = pushConsumer({ groupName: group, messageModel: 'BROADCASTING', instanceName: name });
        c.subscribe(topic).onMessage((m) => void got.push(delivery(m, name)));
        return c;
      });
      for (const c of members) await c.start();
      await waitFor(() => members.every((c) => c.assignedQueues().filter((mq) => mq.topic === topic).length === 4), 20_000, 'all queues on both');
      await sleep(300);
      for (let i = 0; i < 10; i++) await producer.send({ topic, body: `bc-${i}` });
      await waitFor(() => got.length >= 20, 20_000, () => `20 deliveries, got ${got.length}`);
      for (const name of ['b1', 'b2']) assert.deepEqual(got.filter((d) => d.consumer === name).map((d) => d.body).sort(), Array.from({ length: 10 }, (_, i) => `bc-${i}`).sort());
    });

    test('ordered sends by sharding key are consumed in order by an orderly listener, a failure retried in place', async () => {
      const topic = uniqueName('TsOrder');
      await createTopic(topic);
      const keys = ['order-a', 'order-b', 'order-c'];
      const queueOf = new Map<string, number>();
      for (let seq = 0; seq < 10; seq++) {
        for (const key of keys) {
          const result = await producer.send({ topic, body: `${key}:${seq}`, keys: key }, { shardingKey: key });
          if (queueOf.has(key)) assert.equal(result.messageQueue.queueId, queueOf.get(key), 'one key, one queue');
          queueOf.set(key, result.messageQueue.queueId);
        }
      }
      const got: Delivery[] = [];
      let failed = false;
      const consumer = pushConsumer({ groupName: uniqueName('cg'), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', suspendCurrentQueueTimeMillis: 200 });
      consumer.subscribe(topic, '*').onMessageOrderly((m) => {
        const d = delivery(m);
        if (d.body === 'order-b:4' && !failed) {
          failed = true;
          throw new Error('fail once');
        }
        got.push(d);
      });
      await consumer.start();
      await waitFor(() => got.filter((d) => d.body.startsWith('order-')).length >= 30, 30_000, () => `30 ordered messages, got ${got.length}`);
      for (const key of keys) {
        const seqs = got.filter((d) => d.body.startsWith(`${key}:`)).map((d) => Number(d.body.split(':')[1]));
        assert.deepEqual(seqs, Array.from({ length: 10 }, (_, i) => i), `order of ${key}`);
      }
      assert.ok(failed);
    });

    test('consumeFromWhere for a new group on a young topic: all three policies start at the first message', async () => {
      const topic = uniqueName('TsFrom');
      await createTopic(topic);
      for (let i = 0; i < 8; i++) await producer.send({ topic, body: `old-${i}` });
      const counts: Record<string, number> = {};
      for (const policy of ['CONSUME_FROM_LAST_OFFSET', 'CONSUME_FROM_FIRST_OFFSET', 'CONSUME_FROM_TIMESTAMP'] as const) {
        const got: Delivery[] = [];
        const consumer = pushConsumer({ groupName: uniqueName('cg'), consumeFromWhere: policy, consumeTimestamp: new Date(Date.now() + 3_600_000) });
        consumer.subscribe(topic).onMessage((m) => void got.push(delivery(m)));
        await consumer.start();
        await waitFor(() => got.length >= 9, 15_000, () => `${policy}: the 9 stored messages, got ${got.length}`);
        counts[policy] = got.length;
        await consumer.shutdown();
      }
      assert.deepEqual(counts, { CONSUME_FROM_LAST_OFFSET: 9, CONSUME_FROM_FIRST_OFFSET: 9, CONSUME_FROM_TIMESTAMP: 9 });
    });

    test('a throwing listener gets the message again, same id, keys and body, reconsumeTimes 1', async () => {
      const topic = uniqueName('TsRetry');
      await createTopic(topic);
      const group = uniqueName('cg');
      const got: Delivery[] = [];
      const consumer = pushConsumer({ groupName: group });
      consumer.subscribe(topic, 'R').onMessage((m) => {
        got.push(delivery(m));
        if (m.reconsumeTimes === 0) throw new Error('first delivery fails');
      });
      await consumer.start();
      await waitFor(() => consumer.assignedQueues().some((mq) => mq.topic === `%RETRY%${group}`), 15_000, 'the retry queue');
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await producer.send({ topic, body: `retry-${i}`, tags: 'R', keys: `rk-${i}` }));
      await waitFor(() => got.length >= 6, 30_000, () => `3 first deliveries and 3 retries, got ${got.length}`);
      await sleep(500);
      assert.equal(got.length, 6);
      for (const [i, result] of results.entries()) {
        const deliveries = got.filter((d) => d.msgId === result.msgId);
        assert.deepEqual(deliveries.map((d) => d.reconsumeTimes), [0, 1], `message ${i}`);
        for (const d of deliveries) {
          assert.equal(d.topic, topic, 'the retry shows the original topic');
          assert.equal(d.body, `retry-${i}`);
          assert.deepEqual(d.keys, [`rk-${i}`]);
          assert.equal(d.tags, 'R');
        }
        assert.ok(deliveries[1]!.at - deliveries[0]!.at >= 800, 'the retry waits for its delay level');
      }
    });

    test('an orderly listener that keeps failing: local retries, then the message is dead-lettered and the queue moves on', async () => {
      const topic = uniqueName('TsOrderDlq');
      const group = uniqueName('cg');
      await producer.send({ topic, body: 'poison', keys: 'poison' }, { shardingKey: 'k' });
      await producer.send({ topic, body: 'next', keys: 'next' }, { shardingKey: 'k' });
      const attempts: number[] = [];
      const got: string[] = [];
      const consumer = pushConsumer({ groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', maxReconsumeTimes: 2, suspendCurrentQueueTimeMillis: 100 });
      consumer.subscribe(topic).onMessageOrderly((m) => {
        if (m.body.toString() === 'poison') {
          attempts.push(m.reconsumeTimes);
          throw new Error('poison');
        }
        got.push(m.body.toString());
      });
      await consumer.start();
      await waitFor(() => got.includes('next'), 30_000, 'the message after the poison one');
      assert.deepEqual(attempts, [0, 1, 2], 'delivered maxReconsumeTimes + 1 times, as the Java client does');
      const dlq = `%DLQ%${group}`;
      const deadline = Date.now() + 15_000;
      let dlqMax = await maxOffset(server.brokerAddr, dlq, 0);
      while (dlqMax < 1 && Date.now() < deadline) {
        await sleep(200);
        dlqMax = await maxOffset(server.brokerAddr, dlq, 0);
      }
      assert.equal(dlqMax, 1, `${dlq} holds the poison message`);
    });

    test('delayTimeLevel and deliverTimeMs', async () => {
      const topic = uniqueName('TsDelay');
      await createTopic(topic);
      const got: Delivery[] = [];
      const consumer = pushConsumer({ groupName: uniqueName('cg') });
      consumer.subscribe(topic, 'D').onMessage((m) => void got.push(delivery(m)));
      await consumer.start();
      await waitFor(() => consumer.assignedQueues().filter((mq) => mq.topic === topic).length === 4, 15_000, 'the queues');
      const sentAt = Date.now();
      await producer.send({ topic, body: 'level-2', tags: 'D', delayTimeLevel: 2 });
      const deliverAt = Date.now() + 1500;
      await producer.send({ topic, body: 'timer', tags: 'D', deliverTimeMs: deliverAt });
      await waitFor(() => got.length >= 2, 15_000, () => `2 delayed messages, got ${got.length}`);
      const level2 = got.find((d) => d.body === 'level-2')!;
      assert.ok(level2.at - sentAt >= 900, `level 2 (1 s here) held ${level2.at - sentAt} ms`);
      const timer = got.find((d) => d.body === 'timer')!;
      if (target.name === 'rocketmq-ts') {
        assert.ok(timer.at >= deliverAt, `a TIMER_DELIVER_MS message is not delivered early (${timer.at - deliverAt} ms)`);
        assert.ok(timer.at - deliverAt < 1000, `and not much later (${timer.at - deliverAt} ms)`);
      } else {
        // Apache 4.8 predates 5.x timer messages: the property is stored and ignored.
        assert.ok(timer.at < deliverAt, 'Apache 4.8 delivers a TIMER_DELIVER_MS message at once');
      }
      assert.equal(timer.properties['TIMER_DELIVER_MS'], String(deliverAt));
    });

    test('lite pull: assign, poll, seek back, commit', async () => {
      const topic = uniqueName('TsLite');
      await createTopic(topic);
      for (let i = 0; i < 20; i++) await producer.send({ topic, body: `lite-${i}` });
      const group = uniqueName('lg');
      const consumer = new LitePullConsumer({ groupName: group, namesrvAddr: server.namesrvAddr, autoCommit: false });
      consumers.push(consumer);
      const queues = await consumer.fetchMessageQueues(topic);
      assert.equal(queues.length, 4);
      consumer.assign(queues);
      await consumer.start();
      for (const mq of queues) await consumer.seekToBegin(mq);
      const bodies: string[] = [];
      const deadline = Date.now() + 15_000;
      while (bodies.length < 21 && Date.now() < deadline) for (const m of await consumer.poll(1000)) bodies.push(m.body.toString());
      assert.equal(bodies.length, 21);
      const q0: MessageQueue = queues[0]!;
      await consumer.seek(q0, 0);
      const again: number[] = [];
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        const batch = await consumer.poll(500);
        for (const m of batch) again.push(m.queueId);
        if (batch.length === 0 && again.length > 0) break;
      }
      assert.ok(again.length > 0 && again.every((id) => id === q0.queueId), 'after seek, queue 0 is read again');
      await consumer.commitSync();
      const committed = await consumer.committed(q0);
      assert.ok(committed > 0, `committed offset of queue 0: ${committed}`);
    });

    test('shutdown of one consumer while messages flow loses nothing', async () => {
      const topic = uniqueName('TsShutdown');
      await createTopic(topic);
      const group = uniqueName('cg');
      const got: Delivery[] = [];
      const slow = (name: string) => async (m: Parameters<Parameters<PushConsumer['onMessage']>[0]>[0]) => {
        await sleep(2);
        got.push(delivery(m, name));
      };
      const a = pushConsumer({ groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
      a.subscribe(topic).onMessage(slow('a'));
      await a.start();
      const total = 300;
      const sending = (async () => {
        for (let i = 0; i < total; i++) await producer.send({ topic, body: `flow-${i}` });
      })();
      await waitFor(() => got.length >= 60, 30_000, 'a to consume 60');
      const b = pushConsumer({ groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
      b.subscribe(topic).onMessage(slow('b'));
      await b.start();
      await sleep(500);
      await a.shutdown();
      await sending;
      const bodies = () => new Set(got.map((d) => d.body).filter((body) => body.startsWith('flow-')));
      await waitFor(() => bodies().size >= total, 40_000, () => `all ${total} consumed by a or b, have ${bodies().size}`);
      const duplicates = got.filter((d) => d.body.startsWith('flow-')).length - total;
      assert.ok(duplicates <= 64, `re-deliveries after the shutdown stay within RocketMQ's at-least-once window (${duplicates})`);
    });
  });
}
