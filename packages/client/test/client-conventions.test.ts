/**
 * What Node users expect of a client, against our broker in process: a producer is visible to
 * admin tools as soon as it has sent (not after the first 30 s heartbeat); a consumer of a topic
 * nobody knows says so with a `warning` event; broadcasting offsets are not written under the
 * user's home unless a directory is given.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { subscribe as subscribeChannel, unsubscribe as unsubscribeChannel } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import {
  Admin,
  type ConsumerWarning,
  LitePullConsumer,
  type MessageExt,
  PROCESS_CHANNEL,
  type ProcessTraceEvent,
  Producer,
  PushConsumer,
  SEND_CHANNEL,
  type SendTraceEvent,
} from '../src/index.ts';

const id = () => randomUUID().replace(/-/g, '').slice(0, 10);

async function until(what: string, probe: () => boolean, timeoutMillis = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A "name server" that accepts connections and never answers: every request hangs until its timeout. */
async function silentServer(t: { after(fn: () => unknown): void }): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return `127.0.0.1:${address.port}`;
}

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

  it('for await on a push consumer: each message is consumed when the loop asks for the next; the one in hand at break comes again', async (t) => {
    const cluster = await startCluster(t);
    const topic = `iter_${id()}`;
    const group = `iter_${id()}`;
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}` });
    await producer.start();
    t.after(() => producer.shutdown());
    for (let i = 0; i < 4; i++) await producer.send({ topic, body: `m${i}` });

    const consumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    consumer.subscribe(topic, '*');
    await consumer.start();
    const seen: string[] = [];
    for await (const message of consumer) {
      seen.push(message.body.toString());
      if (seen.length === 4) break;
    }
    await consumer.shutdown();
    assert.deepEqual([...seen].sort(), ['m0', 'm1', 'm2', 'm3']);

    // The fourth was in hand when the loop broke: handed back, it arrives again through %RETRY%.
    const again: MessageExt[] = [];
    const second = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    second.subscribe(topic, '*').onMessage((message) => {
      again.push(message);
    });
    await second.start();
    t.after(() => second.shutdown());
    await until('the handed-back message', () => again.length >= 1, 40_000);
    assert.equal(again[0]!.body.toString(), seen[3]);
    assert.equal(again[0]!.reconsumeTimes, 1);
  });

  it('an AbortSignal ends a send and a start that would otherwise wait for their timeouts', async (t) => {
    const namesrvAddr = await silentServer(t);
    const producer = new Producer({ namesrvAddr, groupName: `p_${id()}`, sendMsgTimeout: 20_000, requestTimeoutMillis: 20_000 });
    await producer.start();
    t.after(() => producer.shutdown({ timeoutMillis: 0 }));
    const started = Date.now();
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }, { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' });
    assert.ok(Date.now() - started < 5000, 'rejected when the signal fired, not at the 20 s timeout');
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }, { signal: AbortSignal.abort() }), { name: 'AbortError' });

    const consumer = new PushConsumer({ namesrvAddr, groupName: `c_${id()}`, requestTimeoutMillis: 20_000 });
    consumer.subscribe('T', '*').onMessage(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('gave up')), 200);
    const consumerStarted = Date.now();
    await assert.rejects(consumer.start({ signal: controller.signal }), /gave up/);
    assert.ok(Date.now() - consumerStarted < 5000);
  });

  it('shutdown drains: a send in flight completes, and a stuck listener is given up at the deadline', async (t) => {
    const cluster = await startCluster(t);
    const topic = `drain_${id()}`;
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}` });
    await producer.start();
    await producer.send({ topic, body: 'warm' });
    const inFlight = producer.send({ topic, body: 'last' });
    await producer.shutdown();
    assert.equal((await inFlight).sendStatus, 'SEND_OK');

    const sender = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}` });
    await sender.start();
    t.after(() => sender.shutdown());
    let entered = false;
    const consumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: `c_${id()}`, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    consumer.subscribe(topic, '*').onMessage(async () => {
      entered = true;
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    });
    await consumer.start();
    await until('the listener to be called', () => entered);
    const stopping = Date.now();
    await consumer.close({ timeoutMillis: 300 });
    assert.ok(Date.now() - stopping < 5000, `close() returned after ${Date.now() - stopping} ms`);
  });

  it('send and process are traced on diagnostics_channel with messaging attributes, and a start handler can inject context', async (t) => {
    const cluster = await startCluster(t);
    const topic = `otel_${id()}`;
    const sends: SendTraceEvent[] = [];
    const processed: ProcessTraceEvent[] = [];
    const onSendStart = (event: unknown) => {
      const send = event as SendTraceEvent;
      send.properties['traceparent'] = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      sends.push(send);
    };
    const onProcessStart = (event: unknown) => processed.push(event as ProcessTraceEvent);
    subscribeChannel(`tracing:${SEND_CHANNEL}:start`, onSendStart);
    subscribeChannel(`tracing:${PROCESS_CHANNEL}:start`, onProcessStart);
    t.after(() => {
      unsubscribeChannel(`tracing:${SEND_CHANNEL}:start`, onSendStart);
      unsubscribeChannel(`tracing:${PROCESS_CHANNEL}:start`, onProcessStart);
    });

    const group = `c_${id()}`;
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}` });
    await producer.start();
    t.after(() => producer.shutdown());
    const result = await producer.send({ topic, body: 'traced', tags: 'TagA', keys: ['k1'] });
    const got: MessageExt[] = [];
    const consumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    consumer.subscribe(topic, '*').onMessage((message) => {
      got.push(message);
    });
    await consumer.start();
    t.after(() => consumer.shutdown());
    await until('the traced message', () => got.length === 1 && processed.some((e) => e.message.topic === topic));

    const send = sends.find((e) => e.attributes['messaging.destination.name'] === topic);
    assert.ok(send);
    assert.equal(send.attributes['messaging.system'], 'rocketmq');
    assert.equal(send.attributes['messaging.operation.type'], 'send');
    assert.equal(send.attributes['messaging.rocketmq.message.tag'], 'TagA');
    assert.deepEqual(send.attributes['messaging.rocketmq.message.keys'], ['k1']);
    assert.equal(send.attributes['messaging.rocketmq.message.type'], 'normal');
    assert.equal(send.result?.msgId, result.msgId);
    const process = processed.find((e) => e.message.topic === topic)!;
    assert.equal(process.attributes['messaging.operation.type'], 'process');
    assert.equal(process.attributes['messaging.rocketmq.client_group'], group);
    assert.equal(process.attributes['messaging.message.id'], result.msgId);
    assert.equal(process.message.properties['traceparent'], '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'context injected at send arrives with the message');
  });
});
