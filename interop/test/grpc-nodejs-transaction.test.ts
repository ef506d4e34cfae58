/**
 * Transactions over gRPC with the official v5 Node.js client (`rocketmq-client-nodejs` from npm):
 * half messages sent in a Transaction, committed and rolled back by the client (EndTransaction),
 * and left unknown so the broker's check-back reaches the producer's TransactionChecker over the
 * Telemetry stream (RecoverOrphanedTransactionCommand) and its answer ends them.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { type MessageView, Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { createPlainTopic, quietV5Logger } from '../lib/v5-node.ts';
import { uniqueName } from '../lib/targets.ts';

/** The client's TransactionResolution enum lives in its generated protocol code, not its index. */
const { TransactionResolution } = createRequire(import.meta.url)('rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js') as {
  TransactionResolution: { COMMIT: number; ROLLBACK: number };
};


test('transactions: commit, rollback, and unknown ones resolved by the checker through Telemetry', { timeout: 120_000 }, async (t) => {
  // Check half messages older than 2 s every second, so unknown transactions are asked about quickly.
  const c = await startCluster(undefined, { transactionTimeOut: 2000, transactionCheckInterval: 1000 });
  const closers: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await c.stop();
  });
  const endpoints = `127.0.0.1:${c.broker.grpcEndpoint!.port}`;
  const topic = uniqueName('v5_tx');
  const group = uniqueName('v5_tx_group');
  await createPlainTopic(c.namesrvAddr, c.brokerAddr, topic);

  const checked = new Map<string, string>();
  const checker = {
    async check(message: MessageView): Promise<number> {
      const decision = message.properties.get('decision') ?? '';
      checked.set(message.messageId, decision);
      assert.equal(message.topic, topic);
      return decision === 'commit' ? TransactionResolution.COMMIT : TransactionResolution.ROLLBACK;
    },
  };
  const producer = new Producer({ endpoints, namespace: '', topic, checker, logger: quietV5Logger });
  await producer.startup();
  closers.push(() => producer.shutdown());

  const sendInTransaction = async (name: string, decision: string, end?: 'commit' | 'rollback'): Promise<string> => {
    const transaction = producer.beginTransaction();
    const receipt = await producer.send({ topic, tag: 'tx', keys: [name], properties: new Map([['decision', decision]]), body: Buffer.from(name) }, transaction);
    assert.ok(receipt.transactionId, 'a half message gets a transaction id');
    if (end === 'commit') await transaction.commit();
    if (end === 'rollback') await transaction.rollback();
    return receipt.messageId;
  };
  const committed = await sendInTransaction('committed', 'rollback', 'commit');
  const rolledBack = await sendInTransaction('rolled-back', 'commit', 'rollback');
  const checkedCommit = await sendInTransaction('checked-commit', 'commit');
  const checkedRollback = await sendInTransaction('checked-rollback', 'rollback');

  const consumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: group, subscriptions: new Map([[topic, '*']]), awaitDuration: 2000, logger: quietV5Logger });
  await consumer.startup();
  closers.push(() => consumer.shutdown());
  const got = new Map<string, string>();
  const deadline = Date.now() + 60_000;
  while (got.size < 2 && Date.now() < deadline) {
    for (const m of await consumer.receive(16, 20_000)) {
      got.set(m.messageId, m.body.toString());
      await consumer.ack(m);
    }
  }
  assert.deepEqual(
    [...got.entries()].sort(),
    [
      [checkedCommit, 'checked-commit'],
      [committed, 'committed'],
    ].sort(),
  );
  // Give a late delivery of a rolled-back message a few more check passes to show up.
  const later = Date.now() + 5000;
  while (Date.now() < later) for (const m of await consumer.receive(16, 20_000)) got.set(m.messageId, m.body.toString());
  assert.equal(got.size, 2, `only the committed messages are delivered, got ${[...got.values()].join(', ')}`);
  assert.equal(got.has(rolledBack), false);
  assert.equal(got.has(checkedRollback), false);
  // Only the transactions left unknown were asked about, each answered by the checker.
  assert.equal(checked.get(checkedCommit), 'commit');
  assert.equal(checked.get(checkedRollback), 'rollback');
  assert.equal(checked.has(committed), false);
  assert.equal(checked.has(rolledBack), false);
  const counters = c.broker.internals.transactions.counters;
  assert.equal(counters.commits, 2);
  assert.equal(counters.rollbacks, 2);
});
