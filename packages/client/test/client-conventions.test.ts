/**
 * What Node users expect of a client, against our broker in process: a producer is visible to
 * admin tools as soon as it has sent (not after the first 30 s heartbeat); a consumer of a topic
 * nobody knows says so with a `warning` event; broadcasting offsets are not written under the
 * user's home unless a directory is given.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { Admin, type ConsumerWarning, LitePullConsumer, Producer, PushConsumer } from '../src/index.ts';

const id = () => randomUUID().replace(/-/g, '').slice(0, 10);

describe('client conventions', () => {
  it('a producer group is known to the broker right after its first send', async (t) => {
    const cluster = await startCluster(t);
    const group = `p_${id()}`;
    const topic = `hb_${id()}`;
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: group });
    await producer.start();
    t.after(() => producer.shutdown());
    await producer.send({ topic, body: 'hello' });

    const admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
    await admin.start();
    t.after(() => admin.shutdown());
    const deadline = Date.now() + 3000;
    let connections = 0;
    while (connections === 0 && Date.now() < deadline) {
      connections = (await admin.producerConnection(group)).connections.length;
      if (connections === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(connections, 1, 'the heartbeat went out when the broker became known, well before the 30 s period');
  });

  it('push and lite-pull consumers emit a NO_ROUTE warning for a topic without a route', async (t) => {
    const cluster = await startCluster(t);
    const topic = `nobody_${id()}`;
    const push = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: `g_${id()}` });
    push.subscribe(topic, '*').onMessage(() => undefined);
    const pushWarning = once(push, 'warning') as Promise<[ConsumerWarning]>;
    await push.start();
    t.after(() => push.shutdown());
    const [warning] = await pushWarning;
    assert.equal(warning.code, 'NO_ROUTE');
    assert.deepEqual(warning.topics, [topic]);
    assert.match(warning.message, /mqadmin updateTopic/);

    const lite = new LitePullConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: `l_${id()}` });
    lite.subscribe(topic, '*');
    const liteWarning = once(lite, 'warning') as Promise<[ConsumerWarning]>;
    await lite.start();
    t.after(() => lite.shutdown());
    assert.deepEqual((await liteWarning)[0].topics, [topic]);
  });

  it('a broadcasting consumer writes nothing under $HOME unless given localOffsetStoreDir', async (t) => {
    const cluster = await startCluster(t);
    const home = await mkdtemp(join(tmpdir(), 'rmqts-home-'));
    const realHome = process.env['HOME'];
    process.env['HOME'] = home;
    t.after(async () => {
      process.env['HOME'] = realHome;
      await rm(home, { recursive: true, force: true });
    });
    const topic = `b_${id()}`;
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}` });
    await producer.start();
    t.after(() => producer.shutdown());
    await producer.send({ topic, body: 'one' });
    const got: string[] = [];
    const consumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: `b_${id()}`, messageModel: 'BROADCASTING', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    consumer.subscribe(topic, '*').onMessage((message) => {
      got.push(message.body.toString());
    });
    await consumer.start();
    const deadline = Date.now() + 20_000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await consumer.shutdown();
    assert.deepEqual(got, ['one']);
    assert.equal(existsSync(join(home, '.rocketmq_offsets')), false);
  });
});
