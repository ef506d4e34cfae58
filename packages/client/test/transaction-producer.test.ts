/**
 * TransactionProducer against our name server and broker (startCluster): COMMIT_MESSAGE is
 * delivered to a PushConsumer once, ROLLBACK_MESSAGE never, UNKNOW and a throwing local
 * transaction are resolved by the broker's check-back through checkLocalTransaction, and a
 * producer that never ends its transactions is replaced by another of the group.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { type LocalTransactionState, type MessageExt, PushConsumer, TransactionProducer } from '../src/index.ts';

const fast = { pollNameServerInterval: 500, heartbeatBrokerInterval: 300 };

function unique(prefix: string): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}

async function waitFor(what: string, condition: () => boolean, timeoutMillis = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('TransactionProducer: commit, rollback, UNKNOW and a throwing local transaction resolved by check-back; each committed message consumed once', { timeout: 60_000 }, async (t) => {
  const cluster = await startCluster(t, { transactionTimeOut: 500, transactionCheckInterval: 300 });
  const namesrvAddr = cluster.namesrvAddr;
  const topic = unique('tx_ts');
  const group = unique('tx_ts_producer');
  const checked: string[] = [];
  const producer = new TransactionProducer({
    ...fast,
    namesrvAddr,
    groupName: group,
    checkLocalTransaction: async (message: MessageExt) => {
      checked.push(message.keys[0]!);
      assert.equal(message.topic, topic, 'the checked message carries its real topic');
      return message.keys[0]!.endsWith('-commit') ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE';
    },
  });
  await producer.start();
  t.after(() => producer.shutdown());
  // The first send makes the broker create the topic; let the consumer find its route after it.
  const results = new Map<string, { msgId: string; state: LocalTransactionState }>();
  const plan: [string, () => Promise<LocalTransactionState>][] = [
    ['a-commit', async () => 'COMMIT_MESSAGE'],
    ['b-rollback', async () => 'ROLLBACK_MESSAGE'],
    ['c-unknow-commit', async () => 'UNKNOW'],
    ['d-unknow-rollback', async () => 'UNKNOW'],
    [
      'e-throws-commit',
      async () => {
        throw new Error('database timeout');
      },
    ],
  ];
  for (const [keys, local] of plan) {
    const result = await producer.sendMessageInTransaction({ topic, keys, tags: 'TagA', body: `body of ${keys}`, properties: { order: keys } }, async (half) => {
      assert.equal(half.keys, keys);
      assert.match(half.msgId, /^[0-9A-F]{32}$/);
      return local();
    });
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.equal(result.transactionId, result.msgId);
    results.set(keys, { msgId: result.msgId, state: result.localTransactionState });
    if (keys === 'e-throws-commit') assert.equal(result.localTransactionError?.message, 'database timeout');
  }
  assert.deepEqual(
    [...results.values()].map((r) => r.state),
    ['COMMIT_MESSAGE', 'ROLLBACK_MESSAGE', 'UNKNOW', 'UNKNOW', 'UNKNOW'],
  );

  const received: MessageExt[] = [];
  const consumer = new PushConsumer({ ...fast, namesrvAddr, groupName: unique('tx_ts_consumer'), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', rebalanceInterval: 500 });
  consumer.subscribe(topic, '*');
  consumer.onMessage((message) => {
    received.push(message);
  });
  await consumer.start();
  t.after(() => consumer.shutdown());
  await waitFor('the committed messages', () => received.length >= 3);
  await waitFor('every open transaction checked', () => new Set(checked).size === 3);
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // more passes: nothing else arrives
  assert.deepEqual(received.map((m) => m.keys[0]).sort(), ['a-commit', 'c-unknow-commit', 'e-throws-commit']);
  for (const message of received) {
    const keys = message.keys[0]!;
    assert.equal(message.msgId, results.get(keys)!.msgId, `${keys}: the half message's id`);
    assert.equal(message.body.toString(), `body of ${keys}`);
    assert.equal(message.tags, 'TagA');
    assert.equal(message.properties['order'], keys, `${keys}: user property`);
    assert.equal(message.sysFlag & 0xc, 0x8, `${keys}: commit type`);
  }
  assert.deepEqual([...new Set(checked)].sort(), ['c-unknow-commit', 'd-unknow-rollback', 'e-throws-commit'], 'only open transactions are checked');
  assert.equal(checked.length, 3, 'each answered on its first check');
});
