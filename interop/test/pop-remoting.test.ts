/**
 * The 5.x remoting POP codes (POP_MESSAGE 200050, ACK_MESSAGE 200051,
 * CHANGE_MESSAGE_INVISIBLETIME 200053) with Apache's rocketmq-client 5.5.0 making the calls
 * (interop/java-pop): messages popped with an invisible time, acked by the receipt the client
 * builds from our answer, a changed invisible time answering a new receipt (the old one then
 * refused), the unacked message back after its invisible time with reconsumeTimes 1, and
 * nothing acked coming back. The same POP state serves the v5 gRPC clients.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Admin } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { defer } from '../lib/cleanup.ts';
import { runPopFlow } from '../lib/java-pop.ts';

const unique = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;

test('rocketmq-client 5.5.0 pops, acks and changes invisible time over remoting', { timeout: 300_000 }, async (t) => {
  const cluster = await startCluster();
  defer(t, () => cluster.stop());
  const topic = unique('pop_remoting');
  const group = unique('pop_remoting_group');
  const admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
  await admin.start();
  try {
    await admin.createOrUpdateTopic({ topic, readQueueNums: 2, writeQueueNums: 2 }, { brokerAddr: cluster.brokerAddr });
  } finally {
    await admin.shutdown();
  }

  const result = await runPopFlow(cluster.namesrvAddr, cluster.brokerAddr, 'broker-a', topic, group);
  assert.deepEqual(result.first.map((m) => m.body).sort(), result.sent, 'every message popped once');
  assert.ok(result.first.every((m) => m.reconsumeTimes === 0 && m.tag === 'TagA' && m.popCk !== null));
  assert.deepEqual(result.acks, ['OK', 'OK', 'OK', 'OK']);
  assert.equal(result.changed, 'OK');
  assert.equal(result.staleAck, 'NO_EXIST', 'the receipt from before the change is refused');
  assert.deepEqual(
    result.back.map((m) => [m.body, m.reconsumeTimes]),
    [[result.first[5]!.body, 1]],
    'only the unacked message comes back, as a redelivery',
  );
  assert.deepEqual(result.backAcks, ['OK']);
  assert.equal(result.changedAck, 'OK', 'the receipt answered by the change acks');
  assert.deepEqual(result.after, [], 'nothing acked comes back');
});
