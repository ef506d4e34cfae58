/**
 * Our TypeScript TransactionProducer (packages/client) against Apache RocketMQ 4.8.0 and
 * rocketmq-ts, same assertions; then our broker killed with SIGKILL right after a burst of
 * transactions: after the restart every outcome is still right (committed delivered once,
 * rolled back never, open ones resolved by a new producer's checker).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { type LocalTransactionState, type MessageExt, PushConsumer, TransactionProducer } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { startRocketmqTsProcess } from '../lib/rocketmq-ts-process.ts';
import { startApacheTarget, uniqueName } from '../lib/targets.ts';
import { defer } from '../lib/cleanup.ts';

const TX_SETTINGS = { transactionTimeOut: 1000, transactionCheckInterval: 1000 };
const fast = { pollNameServerInterval: 500, heartbeatBrokerInterval: 500 };

async function waitFor(what: string, condition: () => boolean, timeoutMillis = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What the application's database says: commit-*, even unknow-* committed; the rest rolled back. */
function truth(keys: string): LocalTransactionState {
  const [kind, i] = keys.split('-');
  if (kind === 'commit') return 'COMMIT_MESSAGE';
  if (kind === 'unknow') return Number(i) % 2 === 0 ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE';
  return 'ROLLBACK_MESSAGE';
}

function localAnswer(keys: string): LocalTransactionState {
  return keys.startsWith('unknow-') ? 'UNKNOW' : truth(keys);
}

function plan(n: number): string[] {
  return ['commit', 'rollback', 'unknow'].flatMap((kind) => Array.from({ length: n }, (_, i) => `${kind}-${i}`));
}

function producerFor(t: TestContext, namesrvAddr: string, group: string, checked: string[]): TransactionProducer {
  const producer = new TransactionProducer({
    ...fast,
    namesrvAddr,
    groupName: group,
    checkLocalTransaction: async (message: MessageExt) => {
      checked.push(message.keys[0]!);
      return truth(message.keys[0]!);
    },
  });
  defer(t, () => producer.shutdown());
  return producer;
}

async function consume(t: TestContext, namesrvAddr: string, topic: string): Promise<MessageExt[]> {
  const received: MessageExt[] = [];
  const consumer = new PushConsumer({ ...fast, namesrvAddr, groupName: uniqueName('tx_ts_consumer'), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', rebalanceInterval: 500 });
  consumer.subscribe(topic, '*');
  consumer.onMessage((message) => {
    received.push(message);
  });
  await consumer.start();
  defer(t, () => consumer.shutdown());
  return received;
}

function assertOutcomes(keys: string[], received: MessageExt[], sentIds: Map<string, string>, topic: string): void {
  const expected = keys.filter((k) => truth(k) === 'COMMIT_MESSAGE').sort();
  assert.deepEqual(received.map((m) => m.keys[0]!).sort(), expected, 'each committed message delivered exactly once, nothing rolled back');
  for (const m of received) {
    const k = m.keys[0]!;
    assert.equal(m.topic, topic);
    assert.equal(m.msgId, sentIds.get(k), `${k}: msgId`);
    assert.equal(m.body.toString(), `body of ${k}`, `${k}: body`);
    assert.equal(m.properties['TRAN_MSG'], 'true', `${k}: TRAN_MSG kept as 4.8 keeps it`);
  }
}

const targets = [
  { name: 'rocketmq-ts', start: () => startCluster(undefined, TX_SETTINGS) },
  {
    name: 'Apache RocketMQ 4.8.0',
    start: () => startApacheTarget('ts-tx', { transactionTimeOut: String(TX_SETTINGS.transactionTimeOut), transactionCheckInterval: String(TX_SETTINGS.transactionCheckInterval) }),
  },
];

describe('TypeScript TransactionProducer', { timeout: 240_000 }, () => {
  for (const target of targets) {
    test(`against ${target.name}: COMMIT, ROLLBACK, UNKNOW resolved by checkLocalTransaction`, { timeout: 120_000 }, async (t) => {
      const server = await target.start();
      defer(t, () => server.stop());
      const topic = uniqueName('tx_ts');
      const checked: string[] = [];
      const producer = producerFor(t, server.namesrvAddr, uniqueName('tx_ts_producer'), checked);
      await producer.start();
      const keys = plan(3);
      const sentIds = new Map<string, string>();
      for (const k of keys) {
        const result = await producer.sendMessageInTransaction({ topic, keys: k, tags: 'TagA', body: `body of ${k}` }, async () => localAnswer(k));
        assert.equal(result.sendStatus, 'SEND_OK', k);
        assert.equal(result.localTransactionState, localAnswer(k), k);
        sentIds.set(k, result.msgId);
      }
      const received = await consume(t, server.namesrvAddr, topic);
      await waitFor('committed messages', () => received.length >= 5);
      await waitFor('open transactions checked', () => new Set(checked).size >= 3);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      assertOutcomes(keys, received, sentIds, topic);
      assert.deepEqual([...new Set(checked)].sort(), ['unknow-0', 'unknow-1', 'unknow-2'], 'only open transactions checked');
      assert.equal(checked.length, 3, 'each checked once');
      t.diagnostic(`${target.name}: ${received.length} delivered, ${checked.length} checks`);
    });
  }

  test('rocketmq-ts broker killed with SIGKILL right after a burst of transactions: every outcome right after the restart', { timeout: 120_000 }, async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'rmqts-tx-crash-'));
    defer(t, () => rm(root, { recursive: true, force: true }));
    const storeDir = join(root, 'store');
    const brokerConfig = { transactionTimeOut: 1500, transactionCheckInterval: 500 };
    const first = await startRocketmqTsProcess({ storeDir, brokerConfig });
    defer(t, () => first.kill());
    const topic = uniqueName('tx_crash');
    const group = uniqueName('tx_crash_producer');
    const checkedBefore: string[] = [];
    const before = producerFor(t, first.namesrvAddr, group, checkedBefore);
    await before.start();
    const keys = plan(6);
    const sentIds = new Map<string, string>();
    for (const k of keys) {
      sentIds.set(k, (await before.sendMessageInTransaction({ topic, keys: k, tags: 'TagA', body: `body of ${k}` }, async () => localAnswer(k))).msgId);
    }
    await first.kill(); // END_TRANSACTION of the last sends may or may not have landed
    await before.shutdown();

    const second = await startRocketmqTsProcess({ storeDir, brokerConfig });
    defer(t, () => second.kill());
    const checked: string[] = [];
    const after = producerFor(t, second.namesrvAddr, group, checked);
    await after.start();
    // The producer's heartbeat is what lets the broker route check-backs to it.
    await after.fetchPublishMessageQueues(topic);
    const received = await consume(t, second.namesrvAddr, topic);
    const expected = keys.filter((k) => truth(k) === 'COMMIT_MESSAGE');
    await waitFor('committed messages after the restart', () => received.length >= expected.length);
    await waitFor('open transactions checked', () => keys.filter((k) => k.startsWith('unknow-')).every((k) => checked.includes(k) || checkedBefore.includes(k)));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assertOutcomes(keys, received, sentIds, topic);
    t.diagnostic(`checks before the kill: ${checkedBefore.length}, after: ${checked.length} (${[...new Set(checked)].sort().join(' ')})`);
  });
});
