/**
 * The official v5 Java client (`org.apache.rocketmq:rocketmq-client-java` 5.0.8 from Maven
 * Central, interop/java-v5) against our broker's gRPC endpoint: Producer sends (normal, FIFO
 * message groups, delay, transactions with a checker), SimpleConsumer receive/ack/
 * changeInvisibleDuration with an unacked message coming back, PushConsumer on an orderly group
 * keeping each message group in order across a failure; and a Java 4.8 producer's messages read
 * by the v5 Java client and the reverse.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin } from '@rocketmq-ts/client';
import { CreateTopicRequestHeader, createRequest, encodeHeader, RemotingClient, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';
import { expectedBody, runJavaConsumer, runJavaProducer } from '../lib/java-client.ts';
import { startApacheWithProxy } from '../lib/apache-proxy.ts';
import { runV5Flow, type V5Result } from '../lib/java-v5.ts';
import { uniqueName } from '../lib/targets.ts';

/** Apache 5.x topics accept one message type (topic attribute message.type); ours accept every type. */
const MESSAGE_TYPES: Record<string, string> = { simple: 'NORMAL', fifo: 'FIFO', delay: 'DELAY', tx: 'TRANSACTION', plain: 'NORMAL' };

async function createTopics(namesrvAddr: string, brokerAddr: string, prefix: string, withMessageType = false): Promise<void> {
  const admin = new Admin({ namesrvAddr });
  const raw = new RemotingClient();
  await admin.start();
  try {
    for (const name of Object.keys(MESSAGE_TYPES)) {
      const topic = `${prefix}_${name}`;
      if (!withMessageType) {
        await admin.createOrUpdateTopic({ topic, readQueueNums: 4, writeQueueNums: 4 }, { brokerAddr });
        continue;
      }
      const header = encodeHeader(CreateTopicRequestHeader, { topic, defaultTopic: 'TBW102', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
      const response = await raw.invoke(brokerAddr, createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { extFields: { ...header, attributes: `+message.type=${MESSAGE_TYPES[name]}` } }), 10_000);
      assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    }
    await admin.createOrUpdateGroup({ groupName: `${prefix}_gfifo`, consumeMessageOrderly: true, retryMaxTimes: 16 }, { brokerAddr });
  } finally {
    await raw.close();
    await admin.shutdown();
  }
}

/** The assertions every v5 server must pass with V5Flow's simple, fifo, delay and tx results. */
export function assertV5Flow(results: Map<string, V5Result>): void {
  const simple = results.get('simple')!;
  assert.equal(simple.sent?.length, 8);
  assert.equal(simple.first?.length, 8, 'all eight sent messages are received');
  for (const m of simple.first!) {
    const i = Number(m.properties['idx']);
    assert.equal(m.id, simple.sent![i]);
    assert.equal(m.body, `body-${i}`);
    assert.equal(m.tag, i % 2 === 0 ? 'even' : 'odd');
    assert.deepEqual(m.keys, [`key-${i}`]);
    assert.equal(m.attempt, 1);
  }
  assert.deepEqual(
    simple.back!.map((m) => [m.id, m.attempt]),
    [[simple.sent![7], 2]],
    'only the unacked message comes back, with deliveryAttempt 2 (the one with a changed invisible time stays hidden)',
  );
  assert.deepEqual(simple.after, [], 'nothing acked comes back');

  const fifo = results.get('fifo')!;
  for (const g of ['g0', 'g1', 'g2']) {
    const seen = fifo.events!.filter((e) => e.startsWith(`${g}:`)).map((e) => e.split(':').slice(1).join(':'));
    const expected = g === 'g1' ? ['0:1:ok', '1:1:fail', '1:2:ok', '2:1:ok', '3:1:ok'] : ['0:1:ok', '1:1:ok', '2:1:ok', '3:1:ok'];
    assert.deepEqual(seen, expected, `message group ${g} in order, its failed message retried before the next`);
  }

  const delay = results.get('delay')!;
  assert.equal(delay.messages?.length, 2);
  for (const m of delay.messages!) {
    assert.equal(m.deliveryTimestamp, delay.deliverAt, 'the delivery timestamp travels with the message');
  }
  assert.ok(delay.receivedAt! >= delay.deliverAt!, 'not delivered before its delivery timestamp');

  const tx = results.get('tx')!;
  // At least once: Apache 5.3.3 delivered a checker-committed message twice in one run (a second check-back went out before the first answer landed).
  assert.deepEqual([...new Set(tx.received!.map((m) => m.body))].sort(), ['checked-commit', 'committed'], 'the committed transactions are delivered, the rolled-back ones never');
  assert.equal(tx.checked![tx.ids!['checked-commit']!], 'commit');
  assert.equal(tx.checked![tx.ids!['checked-rollback']!], 'rollback');
  assert.equal(tx.checked![tx.ids!['committed']!], undefined, 'an ended transaction is not checked');
  assert.equal(tx.checked![tx.ids!['rolled-back']!], undefined, 'an ended transaction is not checked');
}

test('rocketmq-client-java 5.0.8: producer, SimpleConsumer, PushConsumer, delay and transactions', { timeout: 400_000 }, async (t) => {
  const c = await startCluster(undefined, { transactionTimeOut: 6000, transactionCheckInterval: 1000 });
  t.after(() => c.stop());
  const prefix = uniqueName('v5j');
  await createTopics(c.namesrvAddr, c.brokerAddr, prefix);
  const results = await runV5Flow(`127.0.0.1:${c.broker.grpcEndpoint!.port}`, ['simple', 'fifo', 'delay', 'tx'], prefix);
  assertV5Flow(results);
  // Ours settles each transaction once (END_TRANSACTION after a resolution changes nothing): each committed message is delivered once.
  assert.deepEqual(results.get('tx')!.received!.map((m) => m.body).sort(), ['checked-commit', 'committed']);
});

test('differential: the same V5Flow run and assertions against Apache RocketMQ 5.3.3 namesrv + broker + proxy', { timeout: 600_000 }, async (t) => {
  // The same check-back settings as ours above: first check at 6 s (Apache's default transactionTimeOut), every second.
  const apache = await startApacheWithProxy({ transactionTimeOut: 6000, transactionCheckInterval: 1000 });
  t.after(() => apache.stop());
  const prefix = uniqueName('v5a');
  await createTopics(apache.namesrvAddr, apache.brokerAddr, prefix, true);
  const results = await runV5Flow(apache.endpoints, ['simple', 'fifo', 'delay', 'tx'], prefix);
  assertV5Flow(results);
});

test('a Java 4.8 producer to the v5 Java client, and the v5 producer to a Java 4.8 consumer', { timeout: 300_000 }, async (t) => {
  const c = await startCluster();
  t.after(() => c.stop());
  const endpoints = `127.0.0.1:${c.broker.grpcEndpoint!.port}`;
  const prefix = uniqueName('v5x');
  await createTopics(c.namesrvAddr, c.brokerAddr, prefix);
  const topic = `${prefix}_plain`;

  const fromJava4 = await runJavaProducer({ namesrvAddr: c.namesrvAddr, topic, count: 5, bodySize: 0, tags: 'TagJ', keysPrefix: 'jk-' });
  const consumed = (await runV5Flow(endpoints, ['consume'], prefix, 5)).get('consume')!;
  const byId = new Map(consumed.messages!.map((m) => [m.id, m]));
  for (const sent of fromJava4) {
    const m = byId.get(sent.msgId);
    assert.ok(m, `Java 4.8 message ${sent.i} (${sent.msgId}) not received by the v5 Java client`);
    assert.equal(m.body, expectedBody(sent.i, 0).toString());
    assert.equal(m.tag, 'TagJ');
    assert.deepEqual(m.keys, [`jk-${sent.i}`]);
  }

  const fromV5 = (await runV5Flow(endpoints, ['produce'], prefix, 5)).get('produce')!;
  assert.equal(fromV5.sent?.length, 5);
  const java4 = await runJavaConsumer({ namesrvAddr: c.namesrvAddr, topic, expect: 10 });
  const v5Ids = new Set(fromV5.sent);
  const got = java4.filter((m) => v5Ids.has(m.msgId));
  assert.equal(got.length, 5, 'every v5 message reaches the Java 4.8 consumer');
  for (const m of got) {
    const i = Number(m.properties['idx']);
    assert.equal(Buffer.from(m.bodyHex ?? '', 'hex').toString(), `v5-body-${i}`);
    assert.equal(m.tags, 'TagV5');
    assert.equal(m.keys, `v5-key-${i}`);
  }
});
