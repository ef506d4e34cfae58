/**
 * A broker that restarted (or a restarted slave the controllers just made master) does not
 * know a consumer until it hears its heartbeat, and refuses its pulls with
 * SUBSCRIPTION_NOT_EXIST meanwhile. The heartbeat comes every heartbeatBrokerInterval (30 s),
 * so consumption stalled up to 30 s (the 11–25 s consume stalls of the long failover runs).
 * The PushConsumer now sends that broker a heartbeat at once and pulls again.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Broker, startCluster } from '@rocketmq-ts/server/internal';
import { Producer, PushConsumer } from '../src/index.ts';

async function waitFor(what: string, check: () => boolean, timeoutMillis: number): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMillis} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('a consumer refused for want of a heartbeat (broker restarted) heartbeats at once and goes on', { timeout: 60_000 }, async (t) => {
  const cluster = await startCluster(t, { autoCreateTopicEnable: true });
  const received: string[] = [];
  // Default heartbeat interval (30 s): the restarted broker would wait that long to hear from it.
  const consumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: 'hb_now_group', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pullTimeDelayMillsWhenException: 200 });
  consumer.subscribe('HbNowTopic', '*');
  consumer.onMessage((message) => {
    received.push(message.body.toString());
    return 'CONSUME_SUCCESS';
  });
  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: 'hb_now_producer' });
  await producer.start();
  t.after(() => producer.shutdown());
  await producer.send({ topic: 'HbNowTopic', body: 'before' });
  await consumer.start();
  t.after(() => consumer.shutdown());
  await waitFor('the message sent before the restart', () => received.includes('before'), 20_000);

  // The same broker, store and port, started again: it has no record of the consumer.
  const config = { ...cluster.broker.config };
  await cluster.broker.stop();
  const restarted = new Broker({ config });
  await restarted.start();
  t.after(() => restarted.stop());

  const sentAt = Date.now();
  await producer.send({ topic: 'HbNowTopic', body: 'after' });
  await waitFor('the message sent after the restart', () => received.includes('after'), 15_000);
  const took = Date.now() - sentAt;
  assert.ok(took < 10_000, `consumed ${took} ms after the send, not at the next 30 s heartbeat`);
});
