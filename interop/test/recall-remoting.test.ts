/**
 * RECALL_MESSAGE (370) with Apache's rocketmq-client 5.5.0 making the calls over remoting
 * (interop/java-pop RecallFlow): a send with a deliver time answers with a recall handle
 * (SendResult.getRecallHandle), DefaultMQProducer.recallMessage cancels one message, which a
 * lite pull consumer never reads while the others arrive at their time; a garbled handle and a
 * recall after the time are refused. Our TypeScript client does the same (SendResult.recallHandle,
 * Producer.recallMessage, a LitePullConsumer). Both runs against Apache RocketMQ 5.5.0's broker
 * (recallMessageEnable=true there too) pass the same assertions.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Admin, LitePullConsumer, Producer, type SendResult } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { startApache } from '../../bench/lib/apache-servers.ts';
import { defer, tempDir } from '../lib/cleanup.ts';
import { type RecallFlowResult, runRecallFlow } from '../lib/java-pop.ts';

const unique = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;

async function createTopic(namesrvAddr: string, brokerAddr: string, topic: string): Promise<void> {
  const admin = new Admin({ namesrvAddr });
  await admin.start();
  try {
    await admin.createOrUpdateTopic({ topic, readQueueNums: 2, writeQueueNums: 2 }, { brokerAddr });
  } finally {
    await admin.shutdown();
  }
}

function assertRecallFlow(result: RecallFlowResult): void {
  assert.ok(result.handles.every((h) => typeof h === 'string' && h.length > 0), 'each timer send answers with a recall handle');
  assert.equal(result.recalledId, result.recalledSendId, 'the recall answers with the message id');
  assert.deepEqual(result.received.map((m) => m.body).sort(), ['later-0', 'later-2'], 'the recalled message is never read');
  for (const m of result.received) assert.ok(m.lateBy >= -50, `${m.body} read ${-m.lateBy} ms before its time`);
  assert.notEqual(result.garbled, 'accepted');
  assert.notEqual(result.late, 'accepted');
}

/** RecallFlow's steps with our TypeScript client. */
async function tsRecallFlow(namesrvAddr: string, topic: string, group: string): Promise<RecallFlowResult> {
  const producer = new Producer({ namesrvAddr, groupName: `${group}_producer` });
  await producer.start();
  const consumer = new LitePullConsumer({ namesrvAddr, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  try {
    const base = Date.now() + 5000;
    const due = new Map<string, number>();
    const sent: SendResult[] = [];
    for (let i = 0; i < 3; i++) {
      due.set(`later-${i}`, base + i * 300);
      sent.push(await producer.send({ topic, tags: 'TagA', body: `later-${i}`, deliverTimeMs: base + i * 300 }));
    }
    const errorOf = async (run: () => Promise<unknown>): Promise<string> => run().then(() => 'accepted', (error: unknown) => (error as Error).message);
    const recalledId = await producer.recallMessage(topic, sent[1]!.recallHandle ?? '');
    const garbled = await errorOf(() => producer.recallMessage(topic, 'not-a-handle'));
    consumer.subscribe(topic, '*');
    await consumer.start();
    const received: RecallFlowResult['received'] = [];
    while (Date.now() < base + 15_000 && received.length < 3) {
      for (const m of await consumer.poll(1000)) received.push({ body: m.body.toString(), lateBy: Date.now() - due.get(m.body.toString())! });
    }
    const late = await errorOf(() => producer.recallMessage(topic, sent[0]!.recallHandle ?? ''));
    return { handles: sent.map((r) => r.recallHandle ?? null), recalledSendId: sent[1]!.msgId, recalledId, garbled, late, received };
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
  }
}

test('rocketmq-client 5.5.0 recalls a timer message over remoting', { timeout: 300_000 }, async (t) => {
  const cluster = await startCluster(undefined, { recallMessageEnable: true });
  defer(t, () => cluster.stop());
  const topic = unique('recall_remoting');
  await createTopic(cluster.namesrvAddr, cluster.brokerAddr, topic);
  const result = await runRecallFlow(cluster.namesrvAddr, topic, unique('recall_group'));
  assertRecallFlow(result);
  assert.match(result.garbled, /recall handle is invalid/);
  assert.match(result.late, /due already/);
  const tsTopic = unique('recall_remoting_ts');
  await createTopic(cluster.namesrvAddr, cluster.brokerAddr, tsTopic);
  const ours = await tsRecallFlow(cluster.namesrvAddr, tsTopic, unique('recall_ts_group'));
  assertRecallFlow(ours);
  assert.match(ours.late, /due already/);
});

test('differential: the same RecallFlow against Apache RocketMQ 5.5.0', { timeout: 600_000 }, async (t) => {
  const workDir = await tempDir(t, 'recall-apache-');
  const apache = await startApache('5.5.0', { flushDiskType: 'ASYNC_FLUSH', workDir, topics: [] }, { recallMessageEnable: true });
  defer(t, () => apache.stop());
  const topic = unique('recall_remoting');
  await createTopic(apache.namesrvAddr, apache.brokerAddr, topic);
  assertRecallFlow(await runRecallFlow(apache.namesrvAddr, topic, unique('recall_group')));
  // Our TypeScript client against Apache.
  const secondTopic = unique('recall_remoting_ts');
  await createTopic(apache.namesrvAddr, apache.brokerAddr, secondTopic);
  assertRecallFlow(await tsRecallFlow(apache.namesrvAddr, secondTopic, unique('recall_ts_group')));
});
