/**
 * The official v5 clients over TLS to our gRPC port (tls.server.mode=enforcing, so nothing gets
 * through in plain text): `rocketmq-client-nodejs` with `sslEnabled` (trusting the test CA through
 * grpc-js's GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, lib/grpc-test-roots.ts) sends, receives and acks; `rocketmq-client-java`
 * 5.0.8 with `enableSsl` (its client trusts any certificate) produces and consumes. Certificates
 * are made by openssl at test time.
 */
// First: sets grpc-js's roots file before grpc-js loads.
import { GRPC_TEST_ROOTS_FILE } from '../lib/grpc-test-roots.ts';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { Admin } from '@rocketmq-ts/client';
import { makeTestCerts, startCluster } from '@rocketmq-ts/server/internal';
import { type MessageView, Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { defer, tempDir } from '../lib/cleanup.ts';
import { runV5Flow } from '../lib/java-v5.ts';

const quiet = { info(): void {}, warn(): void {}, error(): void {}, debug(): void {}, close(): void {} };
const unique = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;


async function tlsCluster(t: TestContext) {
  const certs = makeTestCerts(await tempDir(t, 'rmqts-grpc-tls-'));
  const cluster = await startCluster(undefined, { 'tls.server.mode': 'enforcing', 'tls.server.certPath': certs.cert, 'tls.server.keyPath': certs.key });
  const closers: (() => Promise<unknown>)[] = [];
  defer(t, async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await cluster.stop();
  });
  // Enforcing covers the remoting port too: the Admin client speaks TLS as well.
  const admin = new Admin({ namesrvAddr: cluster.namesrvAddr, tls: { ca: readFileSync(certs.ca) } });
  await admin.start();
  const createTopic = async (topic: string): Promise<void> => {
    await admin.createOrUpdateTopic({ topic, readQueueNums: 4, writeQueueNums: 4 }, { brokerAddr: cluster.brokerAddr });
  };
  closers.push(() => admin.shutdown());
  return { certs, endpoints: `127.0.0.1:${cluster.broker.grpcEndpoint!.port}`, closers, createTopic };
}

test('rocketmq-client-nodejs with sslEnabled: send, receive, ack over TLS; plain clients are refused', { timeout: 120_000 }, async (t) => {
  const { certs, endpoints, closers, createTopic } = await tlsCluster(t);
  copyFileSync(certs.ca, GRPC_TEST_ROOTS_FILE);
  defer(t, () => rmSync(GRPC_TEST_ROOTS_FILE, { force: true }));
  const topic = unique('v5_tls');
  await createTopic(topic);

  const producer = new Producer({ endpoints, namespace: '', topic, sslEnabled: true, logger: quiet });
  closers.push(() => producer.shutdown());
  await producer.startup();
  const sent = new Set<string>();
  for (let i = 0; i < 5; i++) sent.add((await producer.send({ topic, tag: 'tls', body: Buffer.from(`tls-${i}`) })).messageId);

  const consumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: unique('v5_tls_group'), subscriptions: new Map([[topic, '*']]), awaitDuration: 2000, sslEnabled: true, logger: quiet });
  closers.push(() => consumer.shutdown());
  await consumer.startup();
  const got: MessageView[] = [];
  const deadline = Date.now() + 30_000;
  while (got.length < 5 && Date.now() < deadline) got.push(...(await consumer.receive(16, 20_000)));
  assert.deepEqual(new Set(got.map((m) => m.messageId)), sent);
  assert.deepEqual(got.map((m) => m.body.toString()).sort(), ['tls-0', 'tls-1', 'tls-2', 'tls-3', 'tls-4']);
  assert.ok(got.every((m) => m.bornHost !== ''), 'the producer host is known');
  for (const m of got) await consumer.ack(m);

  const plain = new Producer({ endpoints, namespace: '', topic, logger: quiet, requestTimeout: 3000 });
  closers.push(() => plain.shutdown());
  await assert.rejects(plain.startup(), 'a plain-text client gets nothing from an enforcing port');
});

test('rocketmq-client-java 5.0.8 with enableSsl: produce and consume over TLS', { timeout: 300_000 }, async (t) => {
  const { endpoints, createTopic } = await tlsCluster(t);
  const prefix = unique('v5j_tls');
  await createTopic(`${prefix}_plain`);
  const produced = (await runV5Flow(endpoints, ['produce'], prefix, 5, 120_000, { ssl: true })).get('produce');
  assert.equal(produced?.sent?.length, 5);
  const consumed = (await runV5Flow(endpoints, ['consume'], prefix, 5, 120_000, { ssl: true })).get('consume');
  assert.deepEqual(new Set(consumed?.messages?.map((m) => m.id)), new Set(produced!.sent));
});
