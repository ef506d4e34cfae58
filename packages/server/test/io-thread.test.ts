/**
 * serverSelectorThreads=1: the broker's connections on its I/O thread. Our producer and push
 * consumer work end to end through it (small and large messages, long polls held and answered),
 * the broker stops cleanly, and the combination the thread cannot serve (TLS) is refused at start.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type MessageExt, Producer, PushConsumer } from '@rocketmq-ts/client';
import { hasOpenssl, makeTestCerts, startCluster } from '@rocketmq-ts/server/internal';

const id = (): string => randomUUID().replace(/-/g, '').slice(0, 10);

test('a broker with serverSelectorThreads=1 serves producers and push consumers', { timeout: 120_000 }, async (t) => {
  const cluster = await startCluster(t, { serverSelectorThreads: 1 });
  const topic = `io_${id()}`;
  const producer = new Producer({ groupName: `io_p_${id()}`, namesrvAddr: cluster.namesrvAddr });
  await producer.start();
  t.after(() => producer.shutdown());

  const received = new Map<string, MessageExt>();
  const consumer = new PushConsumer({ groupName: `io_c_${id()}`, namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  consumer.subscribe(topic, '*').onMessage((message) => void received.set(message.keys.join(' '), message));
  // The first send creates the topic; the consumer then holds long polls that the later sends answer.
  const first = await producer.send({ topic, keys: 'k-0', body: 'm-0' });
  assert.equal(first.sendStatus, 'SEND_OK');
  await consumer.start();
  t.after(() => consumer.shutdown());

  const large = randomBytes(3 * 1024 * 1024); // incompressible: a 3 MiB frame each way
  const results = await Promise.all([
    ...Array.from({ length: 199 }, (_, i) => producer.send({ topic, keys: `k-${i + 1}`, body: `m-${i + 1}` })),
    producer.send({ topic, keys: 'large', body: large }),
  ]);
  assert.ok(results.every((r) => r.sendStatus === 'SEND_OK'));

  const deadline = Date.now() + 60_000;
  while (received.size < 201 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(received.size, 201, `received ${received.size} of 201`);
  for (let i = 0; i < 200; i++) assert.equal(Buffer.from(received.get(`k-${i}`)!.body).toString(), `m-${i}`);
  assert.ok(Buffer.from(received.get('large')!.body).equals(large), 'the 3 MiB body arrives intact');
});

test('serverSelectorThreads with TLS on the remoting port is refused at start', { skip: hasOpenssl() ? false : 'openssl is not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rmqts-io-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const certs = makeTestCerts(dir);
  await assert.rejects(
    startCluster(undefined, { serverSelectorThreads: 1, 'tls.server.mode': 'permissive', 'tls.server.certPath': certs.cert, 'tls.server.keyPath': certs.key }),
    /serverSelectorThreads=1 \(the I\/O thread\) serves plain remoting only; with tls.server.mode=permissive and a certificate, set serverSelectorThreads=0/,
  );
});
