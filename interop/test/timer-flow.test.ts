/**
 * 5.x timer messages from the official Java client 4.8.0 (interop/java RetryFlow `timer`):
 * `msg.putUserProperty("TIMER_DELIVER_MS", now + D)` and `putUserProperty("TIMER_DELAY_MS", D)`.
 *
 * A differential run: on our broker and on Apache RocketMQ 5.3.3 (Maven Central jars,
 * bench/apache/prepare.sh --servers-only 5.3.3) a push consumer sees each message once, intact,
 * with the 5.x properties on the delivered copy. Ours delivers no earlier than asked; 5.x
 * rounds the deliver time down to timerPrecisionMs (1 s), so its window is checked with that
 * precision and both lateness lists are printed side by side.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { expectedBody } from '../lib/java-client.ts';
import { deliveriesByKeys, runRetryFlow } from '../lib/retry-flow.ts';
import { startApache5Target, uniqueName } from '../lib/targets.ts';

const N = 8;
const TIMER_MS = 3_000;
/** Lateness allowed: client pull/notify hops on a loaded 2-core machine. */
const MAX_LATE_MS = 1_500;

interface Target {
  name: string;
  /** How early a delivery may be: 0 for ours; 5.x rounds the deliver time down to its 1 s precision. */
  earliestMs: number;
  start(): Promise<{ namesrvAddr: string; stop(): Promise<void> }>;
}

const targets: Target[] = [
  { name: 'rocketmq-ts', earliestMs: 0, start: () => startCluster(undefined) },
  {
    name: 'Apache RocketMQ 5.3.3',
    earliestMs: -1000,
    start: () => startApache5Target('timer'),
  },
];

const lateness = new Map<string, number[]>();
const names = new Map<string, string[]>();

describe('timer messages (TIMER_DELIVER_MS / TIMER_DELAY_MS), Java client 4.8.0', { timeout: 240_000 }, () => {
  after(() => {
    for (const [name, values] of names) console.log(`# ${name}: delivered properties ${values.join(' ')}`);
    const [ours, apache] = [names.get('rocketmq-ts') ?? [], names.get('Apache RocketMQ 5.3.3') ?? []];
    if (ours.length > 0 && apache.length > 0) {
      // 5.x puts MSG_REGION and TRACE_ON on every stored message, not only timers; 4.x and we answer them as send response fields.
      assert.deepEqual(apache.filter((n) => n !== 'MSG_REGION' && n !== 'TRACE_ON'), ours, 'the delivered copy carries the same property names');
    }
    for (const [name, values] of lateness) console.log(`# ${name}: lateness (receivedMs − asked deliver time) ${values.sort((a, b) => a - b).join(', ')} ms`);
  });

  for (const target of targets) {
    test(`${target.name}: delivered once each, on time, intact`, { timeout: 180_000 }, async () => {
      const server = await target.start();
      try {
        const topic = uniqueName('timer');
        const flow = await runRetryFlow('timer', { namesrvAddr: server.namesrvAddr, topic, group: uniqueName('timer_consumer'), count: N, timerMillis: TIMER_MS, waitMillis: 30_000, graceMillis: 2_000 });
        assert.equal(flow.sent.length, N);
        for (const s of flow.sent) assert.equal(s.status, 'SEND_OK', `send #${s.i}: ${JSON.stringify(s)}`);
        const byKeys = deliveriesByKeys(flow.consumed);
        assert.deepEqual([...byKeys.keys()].sort(), flow.sent.map((s) => s.keys).sort());
        const late: number[] = [];
        for (const [keys, deliveries] of byKeys) {
          assert.equal(deliveries.length, 1, `${keys}: delivered ${deliveries.length} times`);
          const d = deliveries[0]!;
          const s = flow.sent.find((x) => x.keys === keys)!;
          assert.equal(d.topic, topic);
          assert.equal(d.msgId, s.msgId, `${keys}: msgId`);
          assert.equal(d.bodyHex, expectedBody(s.i, 64).toString('hex'), `${keys}: body`);
          assert.equal(d.reconsumeTimes, 0);
          const lateBy = d.receivedMs - s.timerDeliverMs!;
          late.push(lateBy);
          assert.ok(lateBy >= target.earliestMs, `${keys} (${s.timerProperty}) arrived ${-lateBy} ms before its deliver time`);
          assert.ok(lateBy <= MAX_LATE_MS, `${keys} (${s.timerProperty}) arrived ${lateBy} ms late`);
          // What a 5.x broker leaves on the delivered copy.
          assert.ok(d.properties.TIMER_OUT_MS, `${keys}: TIMER_OUT_MS`);
          assert.ok(Number(d.properties.TIMER_OUT_MS) >= s.timerDeliverMs! + target.earliestMs, `${keys}: TIMER_OUT_MS before the asked time`);
          assert.equal(d.properties.REAL_TOPIC, topic, `${keys}: REAL_TOPIC stays on the delivered copy, as 5.3.3 leaves it`);
          names.set(target.name, [...new Set([...(names.get(target.name) ?? []), ...Object.keys(d.properties)])].sort());
          assert.ok(d.properties[s.timerProperty!], `${keys}: keeps ${s.timerProperty}`);
        }
        lateness.set(target.name, late);
      } finally {
        await server.stop();
      }
    });
  }
});
