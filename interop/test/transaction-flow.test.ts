/**
 * Transactional messages with the official Java client 4.8.0 (interop/java TransactionFlow.java):
 * a TransactionMQProducer whose local transaction answers COMMIT_MESSAGE, ROLLBACK_MESSAGE or
 * UNKNOW (resolved later by the broker's check-back), and a push consumer that observes the
 * result; then a producer that dies between send and END_TRANSACTION, whose transactions a
 * second producer of the group resolves through check-back.
 *
 * A differential run: the same programs and assertions against our name server and broker and
 * against Apache RocketMQ 4.8.0, both with the short transaction settings below, then a
 * comparison of the property names each server put on the delivered messages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { expectedBody } from '../lib/java-client.ts';
import { startApacheTarget, uniqueName } from '../lib/targets.ts';
import { runTransactionFlow, type TransactionFlowResult, type TxConsumed } from '../lib/transaction-flow.ts';

/** Checked 1 s after the send at the earliest, passes every second. */
const TX_SETTINGS = { transactionTimeOut: 1000, transactionCheckInterval: 1000 };
const N = 3;
const BODY_SIZE = 64;
const TRANSACTION_COMMIT_TYPE = 0x8;

interface Target {
  name: string;
  start(): Promise<{ namesrvAddr: string; stop(): Promise<void> }>;
}

const targets: Target[] = [
  { name: 'rocketmq-ts', start: async () => startCluster(undefined, TX_SETTINGS) },
  {
    name: 'Apache RocketMQ 4.8.0',
    start: () => startApacheTarget('tx-flow', { transactionTimeOut: String(TX_SETTINGS.transactionTimeOut), transactionCheckInterval: String(TX_SETTINGS.transactionCheckInterval) }),
  },
];

/** Property names of the deliveries per target and scenario, compared at the end. */
const propertyNames = new Map<string, Map<string, string[]>>();

function record(target: string, what: string, consumed: readonly TxConsumed[]): void {
  const names = [...new Set(consumed.flatMap((c) => Object.keys(c.properties)))].sort();
  if (!propertyNames.has(target)) propertyNames.set(target, new Map());
  propertyNames.get(target)!.set(what, names);
}

function index(keys: string | null): number {
  return Number(String(keys).split('-')[1]);
}

/** Delivered once each, exactly the keys expected, intact, with the properties 4.8 leaves on a committed message. */
function assertDelivered(run: TransactionFlowResult, topic: string, group: string, expectedKeys: string[]): void {
  const delivered = run.consumed.map((c) => String(c.keys)).sort();
  assert.equal(new Set(run.consumed.map((c) => c.preparedTransactionOffset)).size, run.consumed.length, 'each from its own half record');
  assert.deepEqual(delivered, [...expectedKeys].sort(), 'each committed message delivered exactly once, nothing rolled back');
  for (const c of run.consumed) {
    const what = `message ${c.keys}`;
    const sent = run.sent.find((s) => s.keys === c.keys);
    assert.ok(sent, `${what} was never sent`);
    assert.equal(c.topic, topic, `${what}: topic`);
    assert.equal(c.tags, 'TagA', `${what}: tags`);
    assert.equal(c.bodyHex, expectedBody(index(c.keys), BODY_SIZE).toString('hex'), `${what}: body`);
    assert.equal(c.msgId, sent.msgId, `${what}: msgId (the half message's UNIQ_KEY)`);
    assert.equal(c.queueId, sent.queueId, `${what}: queue the producer chose`);
    assert.equal(c.reconsumeTimes, 0, `${what}: reconsumeTimes`);
    assert.equal(c.sysFlag & 0xc, TRANSACTION_COMMIT_TYPE, `${what}: sysFlag carries the commit type`);
    // The half record's commit-log offset (0 for the store's very first record); 4.8's TransactionSendResult
    // has no offsetMsgId to compare it with: broker-transaction.test.ts checks the exact value.
    assert.ok(Number.isSafeInteger(c.preparedTransactionOffset) && c.preparedTransactionOffset >= 0, `${what}: preparedTransactionOffset ${c.preparedTransactionOffset}`);
    assert.equal(c.properties.PGROUP, group, `${what}: PGROUP`);
    assert.equal(c.properties.UNIQ_KEY, sent.msgId, `${what}: UNIQ_KEY`);
    // The committed record keeps the half message's serialised properties (4.8 clears them in memory only).
    assert.equal(c.properties.TRAN_MSG, 'true', `${what}: TRAN_MSG`);
    assert.equal(c.properties.REAL_TOPIC, topic, `${what}: REAL_TOPIC`);
    assert.equal(c.properties.REAL_QID, String(sent.queueId), `${what}: REAL_QID`);
    if (String(c.keys).startsWith('commit-')) {
      assert.equal(c.properties.TRANSACTION_CHECK_TIMES, undefined, `${what}: never checked`);
    } else {
      assert.ok(Number(c.properties.TRANSACTION_CHECK_TIMES) >= 1, `${what}: committed from a check-back copy (TRANSACTION_CHECK_TIMES ${c.properties.TRANSACTION_CHECK_TIMES})`);
    }
  }
}

for (const target of targets) {
  describe(`transactional messages, Java TransactionMQProducer 4.8.0 against ${target.name}`, { timeout: 240_000 }, () => {
    let namesrvAddr = '';
    let stop: (() => Promise<void>) | undefined;
    before(async () => {
      const server = await target.start();
      namesrvAddr = server.namesrvAddr;
      stop = () => server.stop();
    });
    after(async () => {
      await stop?.();
    });

    test(`COMMIT_MESSAGE delivered, ROLLBACK_MESSAGE never, UNKNOW resolved by check-back (${N} of each)`, { timeout: 120_000 }, async (t) => {
      const topic = uniqueName('tx');
      const group = uniqueName('tx_producer');
      const run = await runTransactionFlow('flow', { namesrvAddr, topic, group, consumerGroup: uniqueName('tx_consumer'), count: N, waitMillis: 40_000, graceMillis: 3_000 });
      assert.equal(run.sent.length, 3 * N, 'sends');
      for (const s of run.sent) {
        assert.equal(s.error, null, `send ${s.keys}: ${s.error}`);
        assert.equal(s.status, 'SEND_OK', `send ${s.keys}`);
        assert.equal(s.localState, { commit: 'COMMIT_MESSAGE', rollback: 'ROLLBACK_MESSAGE', unknow: 'UNKNOW' }[s.keys.split('-')[0]!], `local state of ${s.keys}`);
        // 4.8's TransactionSendResult leaves transactionId unset (Apache and ours alike).
        assert.equal(s.transactionId, null, `${s.keys}: transactionId`);
        assert.equal(s.offsetMsgId, null, `${s.keys}: offsetMsgId`);
      }
      const expected = [...Array.from({ length: N }, (_, i) => `commit-${i}`), ...Array.from({ length: N }, (_, i) => `unknow-${i}`).filter((k) => index(k) % 2 === 0)];
      assertDelivered(run, topic, group, expected);
      // Only UNKNOW transactions are checked, each answered on its first check.
      assert.deepEqual([...new Set(run.checked.map((c) => c.keys))].sort(), Array.from({ length: N }, (_, i) => `unknow-${i}`), 'checked keys');
      for (const c of run.checked) {
        const sent = run.sent.find((s) => s.keys === c.keys)!;
        // The checker's MessageExt carries the check-back copy's offset id as msgId (Apache and ours alike).
        assert.match(c.msgId, /^7F000001[0-9A-F]{24}$/, `check of ${c.keys}: msgId`);
        assert.equal(c.transactionId, sent.msgId, `check of ${c.keys}: transactionId is the UNIQ_KEY`);
        assert.equal(c.topic, topic, `check of ${c.keys}: the message carries its real topic`);
        assert.equal(c.queueId, sent.queueId, `check of ${c.keys}: real queue`);
        assert.equal(c.checkTimes, '1', `check of ${c.keys}: TRANSACTION_CHECK_TIMES`);
      }
      assert.equal(run.checked.length, N, 'each UNKNOW transaction checked once');
      record(target.name, 'committed at once', run.consumed.filter((c) => String(c.keys).startsWith('commit-')));
      record(target.name, 'committed by check-back', run.consumed.filter((c) => String(c.keys).startsWith('unknow-')));
      t.diagnostic(`${target.name}: ${run.consumed.length} delivered, ${run.checked.length} checks; phases ${JSON.stringify(run.phases)}; JVM ${run.wallMillis} ms`);
    });

    test('the producer dies between send and END_TRANSACTION: another producer of the group resolves its transactions by check-back', { timeout: 120_000 }, async (t) => {
      const topic = uniqueName('tx_orphan');
      const group = uniqueName('tx_producer');
      const consumerGroup = uniqueName('tx_consumer');
      const count = 4;
      const dead = await runTransactionFlow('send-and-halt', { namesrvAddr, topic, group, consumerGroup, count, waitMillis: 30_000 });
      assert.equal(dead.sent.length, count);
      for (const s of dead.sent) assert.equal(s.status, 'SEND_OK', `send ${s.keys}: ${s.error}`);
      const heir = await runTransactionFlow('resolve', { namesrvAddr, topic, group, consumerGroup, count, waitMillis: 40_000, graceMillis: 3_000 });
      const run: TransactionFlowResult = { ...heir, sent: dead.sent };
      assertDelivered(run, topic, group, ['orphan-0', 'orphan-2']);
      assert.deepEqual([...new Set(heir.checked.map((c) => c.keys))].sort(), ['orphan-0', 'orphan-1', 'orphan-2', 'orphan-3'], 'the second producer was asked about every orphan');
      record(target.name, 'committed by another producer', run.consumed);
      t.diagnostic(`${target.name}: checks ${heir.checked.map((c) => `${c.keys}#${c.checkTimes}`).join(' ')}; JVM ${heir.wallMillis} ms`);
    });
  });
}

describe('rocketmq-ts vs Apache RocketMQ 4.8.0, transactions', () => {
  test('the delivered messages carry the same property names', (t) => {
    const ours = propertyNames.get(targets[0]!.name);
    const apache = propertyNames.get(targets[1]!.name);
    if (!ours || !apache) {
      t.skip('a target did not run all scenarios');
      return;
    }
    for (const [what, names] of apache) {
      t.diagnostic(`${what}: ${names.join(' ')}`);
      assert.deepEqual(ours.get(what), names, `property names, ${what}`);
    }
  });
});
