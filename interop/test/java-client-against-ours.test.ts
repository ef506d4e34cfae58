/**
 * The official Java 4.8.0 client against our name server and broker: DefaultMQProducer sends
 * (the topic auto-created from TBW102), DefaultMQPullConsumer reads every message back intact.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { expectedBody, runJavaConsumer, runJavaProducer } from '../lib/java-client.ts';

test('Java 4.8 producer and consumer work unchanged against rocketmq-ts', { timeout: 120_000 }, async (t) => {
  const cluster = await startCluster(t);
  const topic = `java_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const COUNT = 200;
  const produced = await runJavaProducer({ namesrvAddr: cluster.namesrvAddr, topic, count: COUNT, bodySize: 1024, tags: 'TagA', keysPrefix: `${topic}-k-` });
  assert.equal(produced.length, COUNT);
  assert.ok(produced.every((p) => p.status === 'SEND_OK'), JSON.stringify(produced.find((p) => p.status !== 'SEND_OK')));
  assert.equal(new Set(produced.map((p) => p.queueId)).size, 4, 'auto-created with 4 queues, all used');

  const consumed = await runJavaConsumer({ namesrvAddr: cluster.namesrvAddr, topic, expect: COUNT });
  assert.equal(consumed.length, COUNT);
  const byIndex = new Map(consumed.map((m) => [Number(m.properties['idx']), m]));
  for (const sent of produced) {
    const got = byIndex.get(sent.i);
    assert.ok(got, `message ${sent.i} was not consumed`);
    assert.equal(got.msgId, sent.msgId);
    assert.equal(got.offsetMsgId, sent.offsetMsgId);
    assert.equal(got.queueId, sent.queueId);
    assert.equal(got.queueOffset, sent.queueOffset);
    assert.equal(got.tags, 'TagA');
    assert.equal(got.keys, `${topic}-k-${sent.i}`);
    assert.equal(got.bodyHex, expectedBody(sent.i, 1024).toString('hex'));
    assert.equal(got.properties['CLUSTER'], 'DefaultCluster');
  }
});
