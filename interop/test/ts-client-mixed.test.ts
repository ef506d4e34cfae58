/**
 * The TypeScript client with the official Java client 4.8.0 on both ends of a topic, on our
 * broker and on Apache RocketMQ 4.8.0: what the TypeScript producer sends (tags, keys, user
 * properties, compressed bodies, batches) reads back the same in the Java consumer, and what
 * the Java producer sends arrives intact in the TypeScript push consumer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Message, Producer, PushConsumer, type SendResult } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { expectedBody, runJavaConsumer, runJavaProducer } from '../lib/java-client.ts';
import { startApacheTarget, uniqueName } from '../lib/targets.ts';
import { type Delivery, delivery, waitFor } from '../lib/ts-client-kit.ts';

interface Target {
  name: string;
  start(): Promise<{ namesrvAddr: string; stop(): Promise<void> }>;
}

const targets: Target[] = [
  { name: 'rocketmq-ts', start: async () => startCluster() },
  { name: 'Apache RocketMQ 4.8.0', start: () => startApacheTarget('ts-mixed') },
];

for (const target of targets) {
  describe(`TypeScript and Java 4.8 clients together on ${target.name}`, { concurrency: 1 }, () => {
    let server: Awaited<ReturnType<Target['start']>>;
    before(async () => {
      server = await target.start();
    });
    after(async () => server?.stop());

    test('TypeScript producer → Java consumer', async () => {
      const topic = uniqueName('MixTsToJava');
      const producer = new Producer({ groupName: uniqueName('pg'), namesrvAddr: server.namesrvAddr });
      await producer.start();
      const sent = new Map<string, Message>();
      try {
        for (let i = 0; i < 10; i++) {
          const message: Message = { topic, body: i === 9 ? Buffer.alloc(6000, i) : `ts-${i}`, tags: `Tag${i % 2}`, keys: [`key-${i}`, `k2-${i}`], properties: { origin: 'node', i: String(i) } };
          const result: SendResult = await producer.send(message);
          sent.set(result.msgId, message);
        }
        const batch: Message[] = [0, 1, 2].map((i) => ({ topic, body: `batch-${i}`, keys: `bk-${i}` }));
        (await producer.sendBatch(batch)).msgId.split(',').forEach((id, i) => sent.set(id, batch[i]!));
      } finally {
        await producer.shutdown();
      }
      const consumed = await runJavaConsumer({ namesrvAddr: server.namesrvAddr, topic, expect: sent.size, waitMillis: 20_000 });
      assert.equal(consumed.length, sent.size);
      for (const c of consumed) {
        const message = sent.get(c.msgId);
        assert.ok(message, `Java read msgId ${c.msgId}, which the TypeScript producer returned`);
        const body = typeof message.body === 'string' ? Buffer.from(message.body) : Buffer.from(message.body);
        assert.equal(c.bodyHex, body.toString('hex'), 'body (the 6000-byte one was sent compressed)');
        assert.equal(c.tags ?? undefined, message.tags);
        assert.equal(c.keys, typeof message.keys === 'string' ? message.keys : message.keys!.join(' '));
        if (message.properties) {
          assert.equal(c.properties['origin'], 'node');
          assert.equal(c.properties['i'], message.properties['i']);
        }
        assert.equal(c.properties['UNIQ_KEY'], c.msgId);
      }
      const big = consumed.find((c) => c.properties['i'] === '9');
      assert.ok(big && (big.sysFlag & 0x1) === 1, 'the Java client saw the big body flagged compressed');
    });

    test('Java producer → TypeScript push consumer', async () => {
      const topic = uniqueName('MixJavaToTs');
      const produced = await runJavaProducer({ namesrvAddr: server.namesrvAddr, topic, count: 12, bodySize: 200, tags: 'JavaTag' });
      const got: Delivery[] = [];
      const consumer = new PushConsumer({ groupName: uniqueName('cg'), namesrvAddr: server.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
      consumer.subscribe(topic, 'JavaTag').onMessage((m) => void got.push(delivery(m)));
      await consumer.start();
      try {
        await waitFor(() => got.length >= produced.length, 20_000, () => `${produced.length} messages, got ${got.length}`);
      } finally {
        await consumer.shutdown();
      }
      assert.equal(got.length, produced.length);
      for (const p of produced) {
        const d = got.find((x) => x.msgId === p.msgId);
        assert.ok(d, `message ${p.i} (${p.msgId}) arrived`);
        assert.equal(d.body, expectedBody(p.i, 200).toString('latin1'));
        assert.deepEqual(d.keys, [`key-${p.i}`]);
        assert.equal(d.tags, 'JavaTag');
        assert.equal(d.queueId, p.queueId);
        assert.equal(d.queueOffset, p.queueOffset);
      }
    });
  });
}
