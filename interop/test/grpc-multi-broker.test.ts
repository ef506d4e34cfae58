/**
 * The official v5 Node.js client (`rocketmq-client-nodejs`) given only broker-a's gRPC endpoint,
 * with two masters (broker-a, broker-b, each its own gRPC port) under one name server: QueryRoute
 * names both brokers' queues with each one's endpoint, so a Producer's sends land on both, and
 * QueryAssignment one assignment per broker, so a SimpleConsumer receives and acks everything
 * from both. A broker with gRPC off is left out of the route.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Admin } from '@rocketmq-ts/client';
import { type Broker, startBroker, startCluster } from '@rocketmq-ts/server/internal';
import { type MessageView, Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { defer } from '../lib/cleanup.ts';
import { quietV5Logger } from '../lib/v5-node.ts';

/** The client logs to ~/logs by default; tests keep quietV5Logger. */

const COUNT = 40;

/** Messages of `topic` stored on a broker: the sum of its queues' max offsets. */
function storedOn(broker: Broker, topic: string): number {
  let total = 0;
  for (let queueId = 0; queueId < 4; queueId++) total += broker.internals.store.getMaxOffsetInQueue(topic, queueId);
  return total;
}

const unique = (): string => `v5_mb_${randomUUID().replace(/-/g, '').slice(0, 10)}`;

/** The topic on each broker, once the name server's route lists all of them. */
async function createTopic(admin: Admin, topic: string, brokerAddrs: string[]): Promise<void> {
  for (const brokerAddr of brokerAddrs) await admin.createOrUpdateTopic({ topic, readQueueNums: 4, writeQueueNums: 4 }, { brokerAddr });
  // Brokers re-register at once on a new topic; clients start once the route lists every one.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const route = await admin.topicRoute(topic).catch(() => undefined);
    if (route?.queues.length === brokerAddrs.length) return;
    assert.ok(Date.now() < deadline, `the name server's route of ${topic} never listed all ${brokerAddrs.length} brokers`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a v5 client given one broker endpoint sends to and receives from every broker of the cluster', { timeout: 90_000 }, async (t) => {
  const cluster = await startCluster(undefined, { brokerName: 'broker-a' });
  defer(t, () => cluster.stop());
  const b = await startBroker(undefined, cluster.namesrvAddr, { brokerName: 'broker-b' });
  defer(t, () => b.stop());
  const a = cluster.broker;
  const portA = a.grpcEndpoint!.port;
  const portB = b.broker.grpcEndpoint!.port;
  assert.notEqual(portA, portB);

  const topic = unique();
  const group = `${topic}_group`;
  const admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
  await admin.start();
  defer(t, () => admin.shutdown());
  await createTopic(admin, topic, [a.brokerAddr, b.broker.brokerAddr]);
  // Where broker-a learns broker-b's gRPC port: GET_BROKER_CONFIG reports the bound port (grpcServerPort=0 asked for any).
  assert.equal((await admin.brokerConfig(b.broker.brokerAddr))['grpcServerPort'], String(portB));

  const endpoints = `127.0.0.1:${portA}`;
  const producer = new Producer({ endpoints, namespace: '', topic, logger: quietV5Logger });
  await producer.startup();
  defer(t, () => producer.shutdown());
  const sent = new Set<string>();
  for (let i = 0; i < COUNT; i++) sent.add((await producer.send({ topic, body: Buffer.from(`mb-${i}`) })).messageId);
  assert.equal(sent.size, COUNT);
  const onA = storedOn(a, topic);
  const onB = storedOn(b.broker, topic);
  assert.equal(onA + onB, COUNT, `every send stored once (broker-a ${onA}, broker-b ${onB})`);
  assert.ok(onA >= 10 && onB >= 10, `sends spread over both brokers: broker-a ${onA}, broker-b ${onB}`);

  const consumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: group, subscriptions: new Map([[topic, '*']]), awaitDuration: 1000, logger: quietV5Logger });
  await consumer.startup();
  defer(t, () => consumer.shutdown());
  const received = new Map<string, MessageView>();
  const receiveDeadline = Date.now() + 40_000;
  while (received.size < COUNT && Date.now() < receiveDeadline) {
    for (const message of await consumer.receive(16, 30_000)) {
      received.set(message.messageId, message);
      await consumer.ack(message);
    }
  }
  assert.deepEqual([...received.keys()].sort(), [...sent].sort(), 'every message received, from both brokers');
  const ackedOn = (broker: Broker): number => [...(broker.internals.offsets.offsetsOf(topic, group)?.values() ?? [])].reduce((sum, offset) => sum + offset, 0);
  assert.equal(ackedOn(a), onA, "broker-a's messages acked there");
  assert.equal(ackedOn(b.broker), onB, "broker-b's messages acked there");
});

test('a broker with gRPC off (grpcServerPort=-1) is left out: every send goes to the broker that serves gRPC', { timeout: 60_000 }, async (t) => {
  const cluster = await startCluster(undefined, { brokerName: 'broker-a' });
  defer(t, () => cluster.stop());
  const b = await startBroker(undefined, cluster.namesrvAddr, { brokerName: 'broker-b', grpcServerPort: -1 });
  defer(t, () => b.stop());
  const topic = unique();
  const admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
  await admin.start();
  defer(t, () => admin.shutdown());
  await createTopic(admin, topic, [cluster.brokerAddr, b.broker.brokerAddr]);

  const producer = new Producer({ endpoints: `127.0.0.1:${cluster.broker.grpcEndpoint!.port}`, namespace: '', topic, logger: quietV5Logger });
  await producer.startup();
  defer(t, () => producer.shutdown());
  for (let i = 0; i < 12; i++) await producer.send({ topic, body: Buffer.from(`off-${i}`) });
  assert.equal(storedOn(cluster.broker, topic), 12);
  assert.equal(storedOn(b.broker, topic), 0);
});
