/**
 * 5.x timer messages from the official Java client 4.8.0 (interop/java RetryFlow `timer`):
 * `msg.putUserProperty("TIMER_DELIVER_MS", now + D)` and `putUserProperty("TIMER_DELAY_MS", D)`
 * on our broker; a push consumer sees each message once, no earlier than asked and soon after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { expectedBody } from '../lib/java-client.ts';
import { deliveriesByKeys, runRetryFlow } from '../lib/retry-flow.ts';
import { uniqueName } from '../lib/targets.ts';

const N = 8;
const TIMER_MS = 3_000;
/** Lateness allowed: client pull/notify hops on a loaded 2-core machine. */
const MAX_LATE_MS = 1_500;

describe('timer messages (TIMER_DELIVER_MS / TIMER_DELAY_MS), Java client 4.8.0 against rocketmq-ts', { timeout: 120_000 }, () => {
  let namesrvAddr = '';
  let stop: (() => Promise<void>) | undefined;
  before(async () => {
    const cluster = await startCluster(undefined);
    namesrvAddr = cluster.namesrvAddr;
    stop = () => cluster.stop();
  });
  after(async () => {
    await stop?.();
  });

  test(`delivered once each, no earlier than asked, at most ${MAX_LATE_MS} ms late, intact`, { timeout: 90_000 }, async (t) => {
    const topic = uniqueName('timer');
    const flow = await runRetryFlow('timer', { namesrvAddr, topic, group: uniqueName('timer_consumer'), count: N, timerMillis: TIMER_MS, waitMillis: 30_000, graceMillis: 2_000 });
    assert.equal(flow.sent.length, N);
    for (const s of flow.sent) assert.equal(s.status, 'SEND_OK', `send #${s.i}: ${JSON.stringify(s)}`);
    const byKeys = deliveriesByKeys(flow.consumed);
    assert.deepEqual([...byKeys.keys()].sort(), flow.sent.map((s) => s.keys).sort());
    const lateness: number[] = [];
    for (const [keys, deliveries] of byKeys) {
      assert.equal(deliveries.length, 1, `${keys}: delivered ${deliveries.length} times`);
      const d = deliveries[0]!;
      const s = flow.sent.find((x) => x.keys === keys)!;
      assert.equal(d.topic, topic);
      assert.equal(d.msgId, s.msgId, `${keys}: msgId`);
      assert.equal(d.bodyHex, expectedBody(s.i, 64).toString('hex'), `${keys}: body`);
      assert.equal(d.reconsumeTimes, 0);
      const late = d.receivedMs - s.timerDeliverMs!;
      lateness.push(late);
      assert.ok(late >= 0, `${keys} (${s.timerProperty}) arrived ${-late} ms before its deliver time`);
      assert.ok(late <= MAX_LATE_MS, `${keys} (${s.timerProperty}) arrived ${late} ms late`);
      // What a 5.x broker leaves on the delivered copy.
      assert.ok(d.properties.TIMER_OUT_MS, `${keys}: TIMER_OUT_MS`);
      assert.ok(Number(d.properties.TIMER_OUT_MS) >= s.timerDeliverMs!, `${keys}: TIMER_OUT_MS before the asked time`);
      assert.equal(d.properties.REAL_TOPIC, undefined, `${keys}: REAL_TOPIC`);
      assert.ok(d.properties[s.timerProperty!], `${keys}: keeps ${s.timerProperty}`);
    }
    t.diagnostic(`lateness (receivedMs − asked deliver time): ${lateness.sort((a, b) => a - b).join(', ')} ms`);
  });
});
