/**
 * commitSync sends a broker one offset commit at a time: Apache RocketMQ 4.8/4.9's
 * ConsumerOffsetManager.commitOffset puts a new per-topic table when a group has none, so two
 * concurrent first commits of a group on a topic can lose one (the ts-client differential saw
 * committed(q0) = 0 after commitSync about once in ten runs against Apache 4.8.0). A commit that
 * cannot be made rejects commitSync instead of passing silently.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { MessageQueue } from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';
import { LitePullConsumer, Producer } from '../src/index.ts';

interface OffsetApi {
  updateConsumerOffset(addr: string, group: string, mq: MessageQueue, offset: number, timeoutMillis: number, oneway: boolean): Promise<void>;
}

it('commitSync commits one queue at a time per broker, and rejects when a commit fails', { timeout: 60_000 }, async (t) => {
  const cluster = await startCluster(t, { autoCreateTopicEnable: true });
  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: 'commit_seq_producer' });
  await producer.start();
  t.after(() => producer.shutdown());
  for (let i = 0; i < 8; i++) await producer.send({ topic: 'CommitSeqTopic', body: `m-${i}` });

  const consumer = new LitePullConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: 'commit_seq_group', autoCommit: false });
  t.after(() => consumer.shutdown());
  const queues = await consumer.fetchMessageQueues('CommitSeqTopic');
  consumer.assign(queues);
  await consumer.start();
  for (const mq of queues) await consumer.seekToBegin(mq);
  let polled = 0;
  const deadline = Date.now() + 15_000;
  while (polled < 8 && Date.now() < deadline) polled += (await consumer.poll(500)).length;
  assert.equal(polled, 8);

  const api = (consumer as unknown as { instance: { api: OffsetApi } }).instance.api;
  const original = api.updateConsumerOffset.bind(api);
  let inFlight = 0;
  let most = 0;
  api.updateConsumerOffset = async (...args) => {
    inFlight++;
    most = Math.max(most, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return await original(...args);
    } finally {
      inFlight--;
    }
  };
  await consumer.commitSync();
  assert.equal(most, 1, 'one commit in flight at a time to the broker');
  let committed = 0;
  for (const mq of queues) committed += await consumer.committed(mq);
  assert.equal(committed, 8, 'every queue committed');

  api.updateConsumerOffset = () => Promise.reject(new Error('connection reset'));
  await assert.rejects(consumer.commitSync(), /4 offset commit\(s\) of commit_seq_group failed/);
});
