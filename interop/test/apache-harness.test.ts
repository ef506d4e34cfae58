/**
 * The Apache RocketMQ harness itself: the real 4.8.0 name server and broker (jars from Maven
 * Central) boot on free ports, the Java 4.8.0 producer sends 200 messages and the Java pull
 * consumer reads them back intact, and a clean stop leaves a store directory in 4.8's layout
 * (what produceApacheStore gives the store's cross-format tests).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ApacheRocketMQ } from '../lib/apache-rocketmq.ts';
import { apacheStoreProblems, produceApacheStore } from '../lib/apache-store.ts';
import { expectedBody, runJavaConsumer, type ConsumedMessage } from '../lib/java-client.ts';
import { defer } from '../lib/cleanup.ts';

const COUNT = 200;
const BODY_SIZE = 1024;
const CQ_UNIT = 20;

test('Apache RocketMQ 4.8.0 + Java client 4.8.0: 200 messages round-trip and the store is left in 4.8 layout', { timeout: 90_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'rmqts-apache-harness-'));
  defer(t, () => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'store');
  const topic = `harness_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const keysPrefix = `${topic}-key-`;

  let server: ApacheRocketMQ | undefined;
  let consumed: ConsumedMessage[] = [];
  const produced = await produceApacheStore({
    dir,
    topic,
    count: COUNT,
    bodySize: BODY_SIZE,
    tags: 'TagA',
    keysPrefix,
    whileRunning: async (rmq) => {
      server = rmq;
      defer(t, () => rmq.stop()); // idempotent; produceApacheStore stops it too
      t.diagnostic(
        `startup ms: namesrv ${rmq.startupMillis.namesrv}, broker ${rmq.startupMillis.broker}; ` +
          `RSS after startup KiB: namesrv ${rmq.startupRssKiB.namesrv}, broker ${rmq.startupRssKiB.broker}`,
      );
      consumed = await runJavaConsumer({ namesrvAddr: rmq.namesrvAddr, topic, expect: COUNT, waitMillis: 30_000 });
      const rss = rmq.rssKiB();
      t.diagnostic(`RSS after ${COUNT} sends + reads KiB: namesrv ${rss.namesrv}, broker ${rss.broker}`);
    },
  });
  assert.ok(server, 'whileRunning ran');
  const brokerAddr = server.brokerAddr;

  // The producer's view.
  assert.equal(produced.length, COUNT);
  assert.deepEqual(
    produced.map((line) => line.i),
    Array.from({ length: COUNT }, (_, i) => i),
  );
  for (const line of produced) assert.equal(line.status, 'SEND_OK', `message ${line.i}`);
  assert.equal(new Set(produced.map((line) => line.msgId)).size, COUNT, 'unique msgIds');

  // Every message came back once, intact.
  assert.equal(consumed.length, COUNT, `consumed ${consumed.length} messages`);
  const byIdx = new Map<number, ConsumedMessage>();
  for (const message of consumed) {
    const idx = Number(message.properties.idx);
    assert.ok(Number.isInteger(idx) && idx >= 0 && idx < COUNT, `idx property ${message.properties.idx}`);
    assert.ok(!byIdx.has(idx), `message ${idx} read twice`);
    byIdx.set(idx, message);
  }
  for (const sent of produced) {
    const got = byIdx.get(sent.i);
    assert.ok(got, `message ${sent.i} was not read`);
    assert.equal(got.topic, topic);
    assert.equal(got.bodyHex, expectedBody(sent.i, BODY_SIZE).toString('hex'), `body of ${sent.i}`);
    assert.equal(got.keys, `${keysPrefix}${sent.i}`);
    assert.equal(got.tags, 'TagA');
    assert.equal(got.properties.KEYS, `${keysPrefix}${sent.i}`);
    assert.equal(got.properties.TAGS, 'TagA');
    assert.equal(got.properties.UNIQ_KEY, sent.msgId);
    assert.equal(got.msgId, sent.msgId);
    assert.equal(got.offsetMsgId, sent.offsetMsgId);
    assert.equal(got.queueId, sent.queueId);
    assert.equal(got.queueOffset, sent.queueOffset);
    assert.equal(got.reconsumeTimes, 0);
    assert.equal(got.storeHost, brokerAddr);
    assert.equal(got.sysFlag, 0, 'not compressed, not transactional');
  }

  // The store left behind (produceApacheStore already checked these; the test names them).
  assert.deepEqual(apacheStoreProblems(dir, [topic]), []);
  assert.equal(statSync(join(dir, 'commitlog', '00000000000000000000')).size, 64 * 1024 * 1024);
  const topics = JSON.parse(readFileSync(join(dir, 'config', 'topics.json'), 'utf8')) as {
    topicConfigTable: Record<string, { readQueueNums: number; writeQueueNums: number }>;
  };
  const topicConfig = topics.topicConfigTable[topic];
  assert.ok(topicConfig, `config/topics.json lists ${topic}`);

  // Each ConsumeQueue unit (commitLogOffset int64, size int32, tagsCode int64) points at the
  // message the consumer read at that queue offset.
  const queueDirs = readdirSync(join(dir, 'consumequeue', topic)).map(Number).sort((a, b) => a - b);
  assert.deepEqual(queueDirs, [...new Set(produced.map((line) => line.queueId))].sort((a, b) => a - b));
  let units = 0;
  for (const queueId of queueDirs) {
    const file = readFileSync(join(dir, 'consumequeue', topic, String(queueId), '00000000000000000000'));
    for (let pos = 0; pos + CQ_UNIT <= file.length; pos += CQ_UNIT) {
      const size = file.readInt32BE(pos + 8);
      if (size === 0) break;
      const message = consumed.find((m) => m.queueId === queueId && m.queueOffset === pos / CQ_UNIT);
      assert.ok(message, `ConsumeQueue ${queueId} unit ${pos / CQ_UNIT} has a consumed message`);
      assert.equal(Number(file.readBigInt64BE(pos)), message.commitLogOffset);
      assert.equal(size, message.storeSize);
      units++;
    }
  }
  assert.equal(units, COUNT);
});
