/**
 * v5 (gRPC) clients seen by admin tools like 4.x clients: the official `rocketmq-client-nodejs`
 * Producer and SimpleConsumer against our broker, then our Admin client, our mqadmin and Apache
 * 4.8's mqadmin list them (client id, address, language, version) in the consumer and producer
 * connection lists, and the POP group's consume stats show the real lag: messages neither acked
 * nor handed out, plus those handed out and not acked — never −1, and not the acked ones above a
 * slow delivery.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Admin } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { type MessageView, Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { defer } from '../lib/cleanup.ts';
import { apacheMqadmin, ourMqadmin } from '../lib/mqadmin-run.ts';

const quiet = { info(): void {}, warn(): void {}, error(): void {}, debug(): void {}, close(): void {} };
const unique = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;

test('v5 producer and SimpleConsumer in the connection lists, with the POP group lag', { timeout: 240_000 }, async (t) => {
  const cluster = await startCluster();
  const closers: (() => Promise<unknown>)[] = [];
  defer(t, async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await cluster.stop();
  });
  const endpoints = `127.0.0.1:${cluster.broker.grpcEndpoint!.port}`;
  const admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
  await admin.start();
  closers.push(() => admin.shutdown());
  const topic = unique('v5_seen');
  const group = unique('v5_seen_group');
  await admin.createOrUpdateTopic({ topic, readQueueNums: 2, writeQueueNums: 2 }, { brokerAddr: cluster.brokerAddr });

  const producer = new Producer({ endpoints, namespace: '', topic, logger: quiet });
  closers.push(() => producer.shutdown());
  await producer.startup();
  for (let i = 0; i < 10; i++) await producer.send({ topic, tag: i % 2 ? 'TagA' : 'TagB', body: Buffer.from(`seen-${i}`) });

  const consumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: group, subscriptions: new Map([[topic, 'TagA||TagB']]), awaitDuration: 2000, logger: quiet });
  closers.push(() => consumer.shutdown());
  await consumer.startup();
  // Four out, three of them acked: one stays invisible for a minute.
  const got: MessageView[] = [];
  const deadline = Date.now() + 30_000;
  while (got.length < 4 && Date.now() < deadline) got.push(...(await consumer.receive(4 - got.length, 60_000)));
  assert.equal(got.length, 4);
  // Ack the later ones, so the one left out sits below acked messages when it is the lowest.
  got.sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
  for (const m of got.slice(1)) await consumer.ack(m);

  const consumers = await admin.consumerConnection(group);
  assert.equal(consumers.connections.length, 1, JSON.stringify(consumers));
  const c = consumers.connections[0]!;
  assert.match(c.clientId, /@/, 'the v5 client id');
  assert.match(c.clientAddr, /^127\.0\.0\.1:\d+$/);
  assert.equal(c.language, 'NODE_JS');
  assert.ok(c.version > 0);
  assert.equal(consumers.consumeType, 'CONSUME_ACTIVELY');
  assert.equal(consumers.messageModel, 'CLUSTERING');
  assert.deepEqual(
    consumers.subscriptions.map((s) => [s.topic, s.subString]),
    [[topic, 'TagA||TagB']],
  );

  const producers = await admin.producerConnection(topic, topic);
  assert.equal(producers.connections.length, 1, 'the v5 producer, under the topic it publishes (as Apache\'s proxy)');
  assert.equal(producers.connections[0]!.language, 'NODE_JS');
  assert.match(producers.connections[0]!.clientAddr, /^127\.0\.0\.1:\d+$/);

  const stats = await admin.consumeStats(group);
  assert.equal(stats.totalLag, 7, `10 sent, 3 acked: ${JSON.stringify(stats.queues)}`);
  assert.ok(stats.queues.every((q) => q.consumerOffset >= 0 && q.lag >= 0));

  const ours = await ourMqadmin('consumerConnection', '-n', cluster.namesrvAddr, '-g', group);
  assert.equal(ours.code, 0, ours.stderr);
  assert.ok(ours.stdout.includes(c.clientId) && ours.stdout.includes('NODE_JS'), ours.stdout);
  const progress = await ourMqadmin('consumerProgress', '-n', cluster.namesrvAddr, '-g', group);
  assert.equal(progress.code, 0, progress.stderr);
  assert.match(progress.stdout, /Diff Total: 7\b/, progress.stdout);
  const ourProducers = await ourMqadmin('producerConnection', '-n', cluster.namesrvAddr, '-g', topic, '-t', topic);
  assert.equal(ourProducers.code, 0, ourProducers.stderr);
  assert.ok(ourProducers.stdout.includes('NODE_JS'), ourProducers.stdout);

  // Apache 4.8's tools find the group's brokers by its %RETRY% topic, which a v5 consumer's settings create (as a 4.x heartbeat); they print NODE_JS as null (4.8's LanguageCode has no NODE_JS).
  const apache = await apacheMqadmin('consumerConnection', '-n', cluster.namesrvAddr, '-g', group);
  assert.equal(apache.code, 0, apache.stderr);
  assert.ok(apache.stdout.includes(c.clientId), `${apache.stdout}\n${apache.stderr}`);
  const apacheProgress = await apacheMqadmin('consumerProgress', '-n', cluster.namesrvAddr, '-g', group);
  assert.match(apacheProgress.stdout, /Diff Total: 7\b/, apacheProgress.stdout);

  // NotifyClientTermination takes the consumer off the list at once.
  await consumer.shutdown();
  assert.equal((await admin.consumerConnection(group)).connections.length, 0);
});
