/**
 * RECALL_MESSAGE (370) with Apache's rocketmq-client 5.5.0 making the calls over remoting
 * (interop/java-pop RecallFlow): a send with a deliver time answers with a recall handle
 * (SendResult.getRecallHandle), DefaultMQProducer.recallMessage cancels one message, which a
 * lite pull consumer never reads while the others arrive at their time; a garbled handle and a
 * recall after the time are refused. The same run against Apache RocketMQ 5.5.0's broker
 * (recallMessageEnable=true there too) passes the same assertions.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Admin } from '@rocketmq-ts/client';
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

test('rocketmq-client 5.5.0 recalls a timer message over remoting', { timeout: 300_000 }, async (t) => {
  const cluster = await startCluster(undefined, { recallMessageEnable: true });
  defer(t, () => cluster.stop());
  const topic = unique('recall_remoting');
  await createTopic(cluster.namesrvAddr, cluster.brokerAddr, topic);
  const result = await runRecallFlow(cluster.namesrvAddr, topic, unique('recall_group'));
  assertRecallFlow(result);
  assert.match(result.garbled, /recall handle is invalid/);
  assert.match(result.late, /due already/);
});

test('differential: the same RecallFlow against Apache RocketMQ 5.5.0', { timeout: 600_000 }, async (t) => {
  const workDir = await tempDir(t, 'recall-apache-');
  const apache = await startApache('5.5.0', { flushDiskType: 'ASYNC_FLUSH', workDir, topics: [] }, { recallMessageEnable: true });
  defer(t, () => apache.stop());
  const topic = unique('recall_remoting');
  await createTopic(apache.namesrvAddr, apache.brokerAddr, topic);
  assertRecallFlow(await runRecallFlow(apache.namesrvAddr, topic, unique('recall_group')));
});
