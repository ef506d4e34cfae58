/**
 * The tutorial's flow — PayProducer (group pay_group, retryTimesWhenSendFailed 3, sync / async /
 * oneway sends of `new Message(topic, "tag1", "1234" + i, body)`) and PayConsumer (push,
 * CONSUME_FROM_LAST_OFFSET, MessageListenerConcurrently → CONSUME_SUCCESS) — plus tag
 * subscriptions, two consumers splitting a group's queues, two groups, broadcasting and a lite
 * pull consumer, all with the official Java client 4.8.0 (interop/java PayFlow.java).
 *
 * A differential run: the same programs and the same assertions against our name server and
 * broker and against Apache RocketMQ 4.8.0 itself (one instance of each, shared by the scenarios,
 * each scenario with its own topic and groups).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import {
  assertExactlyOnce,
  assertIntact,
  assertSendsOk,
  keysOf,
  latencyText,
  type PayFlowResult,
  type PayScenario,
  runPayFlow,
} from '../lib/pay-flow.ts';
import { startApacheTarget, uniqueName } from '../lib/targets.ts';

const N = 60;
const BODY_SIZE = 64;
const EXTRA = 5; // the pay scenario's sends after the consumer restart

interface Target {
  name: string;
  start(): Promise<{ namesrvAddr: string; stop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'rocketmq-ts',
    start: async () => startCluster(),
  },
  {
    name: 'Apache RocketMQ 4.8.0',
    start: () => startApacheTarget('pay-flow'),
  },
];


function report(t: TestContext, target: string, run: PayFlowResult): void {
  const phases = Object.entries(run.phases)
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');
  t.diagnostic(`${target}: JVM run ${run.wallMillis} ms; phases (ms): ${phases}; ${latencyText(run.consumed)}`);
}

for (const target of targets) {
  describe(`pay flow, Java client 4.8.0 against ${target.name}`, { timeout: 180_000 }, () => {
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

    const run = (scenario: PayScenario, topic: string, group: string): Promise<PayFlowResult> =>
      runPayFlow(scenario, { namesrvAddr, topic, group, count: N, bodySize: BODY_SIZE });

    // Producer and consumer in one client instance (no instanceName), as in one application process.
    test('PayProducer sync + async + oneway, PayConsumer gets each once; its offsets survive a restart', { timeout: 90_000 }, async (t) => {
      const topic = uniqueName('pay');
      const group = uniqueName('pay_consumer');
      const flow = await run('pay', topic, group);
      report(t, target.name, flow);

      const modes = (mode: string) => flow.sent.filter((s) => s.mode === mode).length;
      assert.deepEqual([modes('sync'), modes('async'), modes('oneway')], [N + EXTRA, N, N], 'sends per mode');
      assertSendsOk(flow.sent);
      const ids = flow.sent.filter((s) => s.mode !== 'oneway').map((s) => s.msgId);
      assert.equal(new Set(ids).size, ids.length, 'unique msgIds');

      // The consumer started after the sync sends, yet a new group on a young queue starts at offset 0.
      assertExactlyOnce(flow.consumed, keysOf(0, 3 * N + EXTRA), `group ${group}`);
      assertIntact(flow.consumed, flow.sent, topic, BODY_SIZE);
      // The restarted consumer resumed from the committed offsets: only the messages sent after it.
      assert.deepEqual(
        flow.consumed.filter((c) => c.consumer === 'c2').map((c) => c.keys).sort(),
        keysOf(3 * N, 3 * N + EXTRA).sort(),
        'the restarted consumer got exactly the messages sent after its restart',
      );
    });

    test('subscription "tag1 || tag2": tag3 is never delivered', { timeout: 90_000 }, async (t) => {
      const topic = uniqueName('pay_tags');
      const group = uniqueName('pay_tags_consumer');
      const flow = await run('tags', topic, group);
      report(t, target.name, flow);
      assertSendsOk(flow.sent);
      assert.equal(flow.sent.length, N);
      const wanted = flow.sent.filter((s) => s.tags !== 'tag3').map((s) => s.keys);
      assert.equal(wanted.length, N - N / 3);
      assert.deepEqual(
        flow.consumed.filter((c) => c.tags === 'tag3').map((c) => c.keys),
        [],
        'messages tagged tag3 delivered',
      );
      assertExactlyOnce(flow.consumed, wanted, `group ${group}`);
      assertIntact(flow.consumed, flow.sent, topic, BODY_SIZE);
    });

    test('two consumers in one group split the queues: disjoint shares, union = all', { timeout: 90_000 }, async (t) => {
      const topic = uniqueName('pay_split');
      const group = uniqueName('pay_split_consumer');
      const flow = await run('split', topic, group);
      report(t, target.name, flow);
      assertSendsOk(flow.sent);
      // AllocateMessageQueueAveragely over sorted client ids: c1 sorts first.
      assert.deepEqual(
        flow.assigned.map((a) => [a.consumer, a.queues]),
        [
          ['c1', [0, 1]],
          ['c2', [2, 3]],
        ],
      );
      assertExactlyOnce(flow.consumed, keysOf(0, N), `group ${group}`);
      assertIntact(flow.consumed, flow.sent, topic, BODY_SIZE);
      for (const { consumer, queues } of flow.assigned) {
        const mine = flow.consumed.filter((c) => c.consumer === consumer);
        assert.ok(mine.length > 0, `${consumer} consumed nothing`);
        const foreign = mine.filter((c) => !queues.includes(c.queueId));
        assert.deepEqual(foreign.map((c) => `${c.keys}@q${c.queueId}`), [], `${consumer} got messages of queues it does not hold`);
      }
      t.diagnostic(`${target.name}: c1 ${flow.consumed.filter((c) => c.consumer === 'c1').length}, c2 ${flow.consumed.filter((c) => c.consumer === 'c2').length} of ${N}`);
    });

    test('two consumer groups each get every message', { timeout: 90_000 }, async (t) => {
      const topic = uniqueName('pay_groups');
      const group = uniqueName('pay_groups_consumer');
      const flow = await run('groups', topic, group);
      report(t, target.name, flow);
      assertSendsOk(flow.sent);
      assert.deepEqual(
        flow.assigned.map((a) => [a.consumer, a.group, a.queues]),
        [
          ['c1', `${group}-a`, [0, 1, 2, 3]],
          ['c2', `${group}-b`, [0, 1, 2, 3]],
        ],
      );
      for (const g of [`${group}-a`, `${group}-b`]) {
        assertExactlyOnce(
          flow.consumed.filter((c) => c.group === g),
          keysOf(0, N),
          `group ${g}`,
        );
      }
      assertIntact(flow.consumed, flow.sent, topic, BODY_SIZE);
    });

    test('BROADCASTING: each consumer of the group gets every message', { timeout: 90_000 }, async (t) => {
      const topic = uniqueName('pay_broadcast');
      const group = uniqueName('pay_broadcast_consumer');
      const flow = await run('broadcast', topic, group);
      report(t, target.name, flow);
      assertSendsOk(flow.sent);
      assert.deepEqual(
        flow.assigned.map((a) => [a.consumer, a.queues]),
        [
          ['c1', [0, 1, 2, 3]],
          ['c2', [0, 1, 2, 3]],
        ],
      );
      for (const consumer of ['c1', 'c2']) {
        assertExactlyOnce(
          flow.consumed.filter((c) => c.consumer === consumer),
          keysOf(0, N),
          `broadcasting consumer ${consumer}`,
        );
      }
      assertIntact(flow.consumed, flow.sent, topic, BODY_SIZE);
    });

    test('DefaultLitePullConsumer subscribe + poll gets each message once', { timeout: 90_000 }, async (t) => {
      const topic = uniqueName('pay_lite');
      const group = uniqueName('pay_lite_consumer');
      const flow = await run('lite-pull', topic, group);
      report(t, target.name, flow);
      assertSendsOk(flow.sent);
      assertExactlyOnce(flow.consumed, keysOf(0, N), `lite pull group ${group}`);
      assertIntact(flow.consumed, flow.sent, topic, BODY_SIZE);
    });
  });
}
