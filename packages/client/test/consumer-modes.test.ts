/**
 * Every consumer mode against our own broker, in process (no Java needed): orderly push
 * consumption (per-queue order kept across a failed message), broadcasting (every member gets
 * everything; local offsets resume after a restart), and the lite pull consumer (subscribe mode
 * with commitSync and resume by a second member; assign mode with seek).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { LitePullConsumer, type MessageExt, Producer, PushConsumer } from '../src/index.ts';

const id = () => randomUUID().replace(/-/g, '').slice(0, 10);

async function waitFor(what: string, probe: () => boolean, timeoutMillis = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function producerFor(t: TestContext, namesrvAddr: string): Promise<Producer> {
  const producer = new Producer({ namesrvAddr, groupName: `p_${id()}` });
  await producer.start();
  t.after(() => producer.shutdown());
  return producer;
}

async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('consumer modes against our broker', () => {
  it('orderly: each order is consumed step by step, and a failed step is retried before the next', async (t) => {
    const cluster = await startCluster(t);
    const topic = `orderly_${id()}`;
    const producer = await producerFor(t, cluster.namesrvAddr);
    const orders = ['o1', 'o2', 'o3', 'o4'];
    const steps = 8;
    for (let step = 0; step < steps; step++) {
      for (const order of orders) await producer.send({ topic, body: `${order}:${step}`, keys: order }, { shardingKey: order });
    }

    const seen = new Map<string, number[]>();
    let failedOnce = false;
    const consumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: `orderly_${id()}`, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', suspendCurrentQueueTimeMillis: 100 });
    consumer.subscribe(topic, '*');
    consumer.onMessageOrderly((message) => {
      const [order = '', step = ''] = message.body.toString().split(':');
      if (order === 'o2' && step === '3' && !failedOnce) {
        failedOnce = true;
        return 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
      }
      seen.set(order, [...(seen.get(order) ?? []), Number(step)]);
      return 'SUCCESS';
    });
    await consumer.start();
    t.after(() => consumer.shutdown());

    await waitFor('every step of every order', () => orders.every((order) => (seen.get(order)?.length ?? 0) >= steps));
    assert.ok(failedOnce);
    const inOrder = Array.from({ length: steps }, (_, step) => step);
    for (const order of orders) assert.deepEqual(seen.get(order), inOrder, `order ${order}`);
  });

  it('broadcasting: every member gets every message, and a restarted member resumes from its local offsets', async (t) => {
    const cluster = await startCluster(t);
    const topic = `bcast_${id()}`;
    const group = `bcast_${id()}`;
    const producer = await producerFor(t, cluster.namesrvAddr);
    const offsetDir = await tempDir(t, 'rmqts-offsets-');

    const member = (instanceName: string, into: string[]) => {
      const consumer = new PushConsumer({
        namesrvAddr: cluster.namesrvAddr,
        groupName: group,
        instanceName,
        messageModel: 'BROADCASTING',
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        localOffsetStoreDir: offsetDir,
        persistConsumerOffsetInterval: 200,
      });
      consumer.subscribe(topic, '*');
      consumer.onMessage((message) => {
        into.push(message.body.toString());
      });
      return consumer;
    };
    await producer.send({ topic, body: 'warm-up' });
    const first: string[] = [];
    const second: string[] = [];
    const a = member('a', first);
    const b = member('b', second);
    await a.start();
    await b.start();
    t.after(() => a.shutdown());
    t.after(() => b.shutdown());
    const bodies = Array.from({ length: 20 }, (_, i) => `m${i}`);
    for (const body of bodies) await producer.send({ topic, body });
    await waitFor('both members to get all 21', () => first.length >= 21 && second.length >= 21);
    assert.deepEqual([...first].sort(), ['warm-up', ...bodies].sort());
    assert.deepEqual([...second].sort(), ['warm-up', ...bodies].sort());

    await b.shutdown();
    const more = Array.from({ length: 5 }, (_, i) => `n${i}`);
    for (const body of more) await producer.send({ topic, body });
    const afterRestart: string[] = [];
    const b2 = member('b', afterRestart);
    await b2.start();
    t.after(() => b2.shutdown());
    await waitFor('the restarted member to get the 5 new ones', () => afterRestart.length >= 5);
    await waitFor('the other member to get them too', () => first.length >= 26);
    assert.deepEqual([...afterRestart].sort(), [...more].sort(), 'resumed from its stored offsets, nothing consumed before the restart came again');
  });

  it('lite pull, subscribe mode: poll, commitSync, and a second member resumes after the committed offsets', async (t) => {
    const cluster = await startCluster(t);
    const topic = `lite_${id()}`;
    const group = `lite_${id()}`;
    const producer = await producerFor(t, cluster.namesrvAddr);
    for (let i = 0; i < 30; i++) await producer.send({ topic, body: `a${i}` });

    const first = new LitePullConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', autoCommit: false });
    first.subscribe(topic, '*');
    await first.start();
    const got: MessageExt[] = [];
    const deadline = Date.now() + 30_000;
    while (got.length < 30 && Date.now() < deadline) got.push(...(await first.poll(1000)));
    assert.deepEqual(got.map((m) => m.body.toString()).sort(), Array.from({ length: 30 }, (_, i) => `a${i}`).sort());
    await first.commitSync();
    await first.shutdown();

    for (let i = 0; i < 10; i++) await producer.send({ topic, body: `b${i}` });
    const second = new LitePullConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    second.subscribe(topic, '*');
    await second.start();
    t.after(() => second.shutdown());
    const later: string[] = [];
    const until = Date.now() + 30_000;
    while (later.length < 10 && Date.now() < until) later.push(...(await second.poll(1000)).map((m) => m.body.toString()));
    assert.deepEqual(later.sort(), Array.from({ length: 10 }, (_, i) => `b${i}`).sort());
  });

  it('lite pull, assign mode: seek replays a queue from the offset asked for', async (t) => {
    const cluster = await startCluster(t);
    const topic = `assign_${id()}`;
    const producer = await producerFor(t, cluster.namesrvAddr);
    const queue = (await producer.fetchPublishMessageQueues(topic).catch(async () => {
      await producer.send({ topic, body: 'create' });
      return producer.fetchPublishMessageQueues(topic);
    }))[0];
    assert.ok(queue);
    for (let i = 0; i < 12; i++) await producer.send({ topic, body: `q${i}` }, { queue });

    const consumer = new LitePullConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: `assign_${id()}`, autoCommit: false });
    consumer.assign([queue]);
    await consumer.start();
    t.after(() => consumer.shutdown());
    await consumer.seek(queue, 0);
    const all: MessageExt[] = [];
    const deadline = Date.now() + 30_000;
    while (all.filter((m) => m.body.toString().startsWith('q')).length < 12 && Date.now() < deadline) all.push(...(await consumer.poll(1000)));
    const bodies = all.map((m) => m.body.toString()).filter((body) => body.startsWith('q'));
    assert.deepEqual(bodies, Array.from({ length: 12 }, (_, i) => `q${i}`), 'one queue is read in order');

    const eighth = all.find((m) => m.body.toString() === 'q8');
    assert.ok(eighth);
    await consumer.seek(queue, eighth.queueOffset);
    const replay: string[] = [];
    const until = Date.now() + 30_000;
    while (replay.length < 4 && Date.now() < until) replay.push(...(await consumer.poll(1000)).map((m) => m.body.toString()));
    assert.deepEqual(replay, ['q8', 'q9', 'q10', 'q11']);
  });
});
