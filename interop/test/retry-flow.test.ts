/**
 * Delay levels, consumer retries and the dead-letter queue with the official Java client 4.8.0
 * (interop/java RetryFlow.java): the tutorial's `setDelayTimeLevel(2)`, a concurrently consuming
 * push listener returning RECONSUME_LATER (the broker's CONSUMER_SEND_MSG_BACK → %RETRY%<group>)
 * and `setMaxReconsumeTimes` → %DLQ%<group>.
 *
 * A differential run: the same programs and the same assertions against our name server and
 * broker and against Apache RocketMQ 4.8.0, both with the short messageDelayLevel below, then a
 * comparison of the property names each server put on the delivered messages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { expectedBody } from '../lib/java-client.ts';
import { startApacheTarget, uniqueName } from '../lib/targets.ts';
import { deliveriesByKeys, type RetryConsumed, type RetryFlowResult, runRetryFlow, type RetryScenario } from '../lib/retry-flow.ts';

/** Level 2 is 2 s (so a level-1 or undelayed delivery would show); every other level 1 s. */
const DELAY_LEVELS = '1s 2s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s';
const LEVEL_2_MS = 2_000;
const RETRY_LEVEL_MS = 1_000; // levels 3 and 4: the first two retries
const N = 4;
const BODY_SIZE = 64;
const K = 2; // RECONSUME_LATER for the first K deliveries
const MAX_RECONSUME = 2;

interface Target {
  name: string;
  start(): Promise<{ namesrvAddr: string; stop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'rocketmq-ts',
    start: async () => startCluster(undefined, { messageDelayLevel: DELAY_LEVELS }),
  },
  {
    name: 'Apache RocketMQ 4.8.0',
    start: () => startApacheTarget('retry-flow', { messageDelayLevel: DELAY_LEVELS }),
  },
];

/** Property names of the deliveries per target and scenario, compared at the end. */
const propertyNames = new Map<string, Map<string, string[]>>();

function record(target: string, what: string, properties: readonly Record<string, string>[]): void {
  const names = [...new Set(properties.flatMap((p) => Object.keys(p)))].sort();
  if (!propertyNames.has(target)) propertyNames.set(target, new Map());
  propertyNames.get(target)!.set(what, names);
}

function assertSent(run: RetryFlowResult): void {
  assert.equal(run.sent.length, N, 'sends');
  for (const s of run.sent) {
    assert.equal(s.error, null, `send #${s.i} failed: ${s.error}`);
    assert.equal(s.status, 'SEND_OK', `send #${s.i}: ${JSON.stringify(s)}`);
  }
}

/** The delivery is message `keys` as sent: original topic, tags, keys, body and msgId (UNIQ_KEY). */
function assertIntact(run: RetryFlowResult, c: RetryConsumed, topic: string, what: string): void {
  const s = run.sent.find((x) => x.keys === c.keys);
  assert.ok(s, `${what}: consumed keys ${c.keys} that were never sent`);
  assert.equal(c.topic, topic, `${what}: topic`);
  assert.equal(c.tags, 'TagA', `${what}: tags`);
  assert.equal(c.bodyHex, expectedBody(s.i, BODY_SIZE).toString('hex'), `${what}: body`);
  assert.equal(c.msgId, s.msgId, `${what}: msgId`);
}

/** Each message delivered exactly `times` times, with reconsumeTimes 0, 1, …; returns them per key. */
function assertDeliveries(run: RetryFlowResult, topic: string, times: number): Map<string, RetryConsumed[]> {
  const byKeys = deliveriesByKeys(run.consumed);
  assert.deepEqual([...byKeys.keys()].sort(), run.sent.map((s) => s.keys).sort(), 'keys delivered');
  for (const [keys, deliveries] of byKeys) {
    assert.deepEqual(
      deliveries.map((d) => d.reconsumeTimes),
      Array.from({ length: times }, (_, n) => n),
      `message ${keys}: reconsumeTimes of its ${deliveries.length} deliveries (expected ${times})`,
    );
    for (const d of deliveries) {
      const what = `message ${keys}, delivery ${d.delivery}`;
      assertIntact(run, d, topic, what);
      if (d.reconsumeTimes > 0) {
        assert.equal(d.properties.RETRY_TOPIC, topic, `${what}: RETRY_TOPIC`);
        // 4.8 keeps the schedule level and WAIT=false (set by the send-back) in the stored properties.
        assert.equal(d.properties.DELAY, String(2 + d.reconsumeTimes), `${what}: DELAY`);
        assert.equal(d.properties.WAIT, 'false', `${what}: WAIT`);
        assert.match(d.properties.REAL_TOPIC ?? '', /^%RETRY%/, `${what}: REAL_TOPIC`);
        assert.equal(d.bornHost, deliveries[0]!.bornHost, `${what}: bornHost (the producer's)`);
        // Set only when the client falls back to re-sending the message itself (send-back failed).
        assert.equal(d.properties.RECONSUME_TIME, undefined, `${what}: came through the client's send-back fallback`);
      }
    }
    for (let n = 1; n < deliveries.length; n++) {
      const gap = deliveries[n]!.receivedMs - deliveries[n - 1]!.receivedMs;
      assert.ok(gap >= RETRY_LEVEL_MS, `message ${keys}: retry ${n} came ${gap} ms after delivery ${n}, before its ${RETRY_LEVEL_MS} ms delay level`);
    }
  }
  return byKeys;
}

function gapsText(byKeys: Map<string, RetryConsumed[]>): string {
  return [...byKeys.values()].map((ds) => ds.slice(1).map((d, n) => d.receivedMs - ds[n]!.receivedMs).join('/')).join(', ');
}

for (const target of targets) {
  describe(`delay levels, retries and DLQ, Java client 4.8.0 against ${target.name}`, { timeout: 180_000 }, () => {
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

    const run = (scenario: RetryScenario, topic: string, group: string): Promise<RetryFlowResult> =>
      runRetryFlow(scenario, { namesrvAddr, topic, group, count: N, delayLevel: 2, failTimes: K, maxReconsume: MAX_RECONSUME, waitMillis: 30_000 });

    test('setDelayTimeLevel(2): delivered once, no earlier than level 2 after the send, intact', { timeout: 60_000 }, async (t) => {
      const topic = uniqueName('delay');
      const flow = await run('delay', topic, uniqueName('delay_consumer'));
      assertSent(flow);
      const byKeys = assertDeliveries(flow, topic, 1);
      const delays: number[] = [];
      for (const [keys, [d]] of byKeys) {
        const s = flow.sent.find((x) => x.keys === keys)!;
        const delay = d!.receivedMs - s.sendStartMs;
        delays.push(delay);
        assert.ok(delay >= LEVEL_2_MS, `message ${keys} arrived ${delay} ms after its send, before the ${LEVEL_2_MS} ms of level 2`);
        assert.ok(delay < LEVEL_2_MS + 10_000, `message ${keys} arrived ${delay} ms after its send`);
        // 4.8's schedule service leaves DELAY, REAL_TOPIC and REAL_QID in the stored properties.
        assert.equal(d!.properties.DELAY, '2', `message ${keys}: DELAY`);
        assert.equal(d!.properties.REAL_TOPIC, topic, `message ${keys}: REAL_TOPIC`);
      }
      record(target.name, 'delay', flow.consumed.map((c) => c.properties));
      t.diagnostic(`${target.name}: send→receive ${delays.join(', ')} ms (level 2 = ${LEVEL_2_MS} ms); JVM ${flow.wallMillis} ms`);
    });

    test(`RECONSUME_LATER ${K} times: ${K + 1} deliveries each, reconsumeTimes 0..${K}, original topic, msgId/keys/body unchanged`, { timeout: 60_000 }, async (t) => {
      const topic = uniqueName('retry');
      const flow = await run('retry', topic, uniqueName('retry_consumer'));
      assertSent(flow);
      const byKeys = assertDeliveries(flow, topic, K + 1);
      for (const [keys, deliveries] of byKeys) {
        assert.deepEqual(
          deliveries.map((d) => d.status),
          [...Array<string>(K).fill('RECONSUME_LATER'), 'CONSUME_SUCCESS'],
          `message ${keys}: listener results`,
        );
      }
      record(target.name, 'retry: first delivery', flow.consumed.filter((c) => c.reconsumeTimes === 0).map((c) => c.properties));
      record(target.name, 'retry: redeliveries', flow.consumed.filter((c) => c.reconsumeTimes > 0).map((c) => c.properties));
      t.diagnostic(`${target.name}: ${flow.consumed.length} deliveries of ${N} messages; gaps between deliveries (ms): ${gapsText(byKeys)}; JVM ${flow.wallMillis} ms`);
    });

    test(`maxReconsumeTimes ${MAX_RECONSUME}, always RECONSUME_LATER: ${MAX_RECONSUME + 1} deliveries, then %DLQ%<group>`, { timeout: 90_000 }, async (t) => {
      const topic = uniqueName('dlq');
      const group = uniqueName('dlq_consumer');
      const flow = await run('dlq', topic, group);
      assertSent(flow);
      const byKeys = assertDeliveries(flow, topic, MAX_RECONSUME + 1);
      assert.ok(
        flow.consumed.every((c) => c.status === 'RECONSUME_LATER'),
        'the listener returned RECONSUME_LATER every time',
      );
      const dlq = `%DLQ%${group}`;
      const stats = flow.dlqStats;
      assert.ok(stats, 'no dlq-stats line');
      assert.equal(stats.topic, dlq);
      // Created write-only (PermName.PERM_WRITE), one queue.
      assert.deepEqual(stats.perms, [2], `perm of ${dlq}`);
      assert.deepEqual(stats.readQueueNums, [1], `read queues of ${dlq}`);
      assert.deepEqual([stats.minOffset, stats.maxOffset], [0, N], `offsets of ${dlq}`);
      assert.equal(flow.dlqPulled.length, N, `messages pulled from ${dlq}`);
      assert.deepEqual(flow.dlqPulled.map((p) => p.keys).sort(), flow.sent.map((s) => s.keys).sort(), `keys in ${dlq}`);
      for (const p of flow.dlqPulled) {
        const s = flow.sent.find((x) => x.keys === p.keys)!;
        const what = `${dlq} message ${p.keys}`;
        assert.equal(p.topic, dlq, `${what}: topic`);
        assert.equal(p.queueId, 0, `${what}: queueId`);
        assert.equal(p.tags, 'TagA', `${what}: tags`);
        assert.equal(p.bodyHex, expectedBody(s.i, BODY_SIZE).toString('hex'), `${what}: body`);
        assert.equal(p.msgId, s.msgId, `${what}: msgId`);
        assert.equal(p.reconsumeTimes, MAX_RECONSUME + 1, `${what}: reconsumeTimes`);
        assert.equal(p.properties.RETRY_TOPIC, topic, `${what}: RETRY_TOPIC`);
        // The DLQ copy kept the DELAY of the last retry (3 + 1) and was parked at that level on its way (4.8).
        assert.equal(p.properties.DELAY, String(2 + MAX_RECONSUME), `${what}: DELAY`);
        assert.equal(p.properties.REAL_TOPIC, dlq, `${what}: REAL_TOPIC`);
        assert.equal(p.properties.WAIT, 'false', `${what}: WAIT`);
        assert.equal(p.bornHost, byKeys.get(String(p.keys))![0]!.bornHost, `${what}: bornHost (the producer's)`);
      }
      assert.deepEqual(flow.dlqPulled.map((p) => p.queueOffset).sort((a, b) => a - b), Array.from({ length: N }, (_, n) => n), `offsets in ${dlq}`);
      record(target.name, 'dlq: deliveries', flow.consumed.map((c) => c.properties));
      record(target.name, 'dlq: pulled from the DLQ', flow.dlqPulled.map((p) => p.properties));
      t.diagnostic(`${target.name}: ${flow.consumed.length} deliveries of ${N} messages; gaps (ms): ${gapsText(byKeys)}; ${dlq} perm ${stats.perms.join()} maxOffset ${stats.maxOffset}; JVM ${flow.wallMillis} ms`);
    });
  });
}

describe('rocketmq-ts vs Apache RocketMQ 4.8.0', () => {
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

/**
 * With the DEFAULT messageDelayLevel ("1s 5s 10s 30s 1m …"), a consumer returning
 * RECONSUME_LATER twice gets its retries at levels 3 and 4: ≈ 10 s, then ≈ 30 s later. Both
 * servers run at once (the scenario takes ~40 s of waiting either way).
 */
describe('default messageDelayLevel, Java client 4.8.0: retries at levels 3 and 4 on rocketmq-ts and Apache RocketMQ 4.8.0', { timeout: 240_000 }, () => {
  const LEVEL_3_MS = 10_000;
  const LEVEL_4_MS = 30_000;
  const SLACK_MS = 3_000;

  test('RECONSUME_LATER twice: deliveries ≈10 s then ≈30 s apart, reconsumeTimes 0..2, same msgId/keys/body', { timeout: 200_000 }, async (t) => {
    const runs = await Promise.all(
      [
        { name: 'rocketmq-ts', start: async () => startCluster(undefined) },
        { name: 'Apache RocketMQ 4.8.0', start: () => startApacheTarget('retry-default') },
      ].map(async (target) => {
        const server = await target.start();
        try {
          const topic = uniqueName('retry_default');
          const flow = await runRetryFlow('retry', { namesrvAddr: server.namesrvAddr, topic, group: uniqueName('retry_default_consumer'), count: 2, failTimes: 2, waitMillis: 90_000 });
          return { name: target.name, topic, flow };
        } finally {
          await server.stop();
        }
      }),
    );
    for (const { name, topic, flow } of runs) {
      assert.equal(flow.sent.length, 2, `${name}: sends`);
      for (const s of flow.sent) assert.equal(s.status, 'SEND_OK', `${name}: send #${s.i}: ${JSON.stringify(s)}`);
      const byKeys = deliveriesByKeys(flow.consumed);
      assert.deepEqual([...byKeys.keys()].sort(), flow.sent.map((s) => s.keys).sort(), `${name}: keys delivered`);
      for (const [keys, deliveries] of byKeys) {
        assert.deepEqual(deliveries.map((d) => d.reconsumeTimes), [0, 1, 2], `${name}: message ${keys}: reconsumeTimes`);
        const sent = flow.sent.find((s) => s.keys === keys)!;
        for (const d of deliveries) {
          assert.equal(d.topic, topic, `${name}: ${keys}: topic`);
          assert.equal(d.msgId, sent.msgId, `${name}: ${keys}: msgId`);
          assert.equal(d.bodyHex, expectedBody(sent.i, BODY_SIZE).toString('hex'), `${name}: ${keys}: body`);
        }
        const gaps = deliveries.slice(1).map((d, n) => d.receivedMs - deliveries[n]!.receivedMs);
        assert.ok(gaps[0]! >= LEVEL_3_MS && gaps[0]! < LEVEL_3_MS + SLACK_MS, `${name}: ${keys}: first retry ${gaps[0]} ms after the delivery (level 3 = 10 s)`);
        assert.ok(gaps[1]! >= LEVEL_4_MS && gaps[1]! < LEVEL_4_MS + SLACK_MS, `${name}: ${keys}: second retry ${gaps[1]} ms after the first (level 4 = 30 s)`);
        assert.equal(deliveries[1]!.properties.DELAY, '3', `${name}: ${keys}: DELAY of the first retry`);
        assert.equal(deliveries[2]!.properties.DELAY, '4', `${name}: ${keys}: DELAY of the second retry`);
      }
      t.diagnostic(`${name}: retry gaps ${gapsText(byKeys)} ms; JVM ${flow.wallMillis} ms`);
    }
  });
});
