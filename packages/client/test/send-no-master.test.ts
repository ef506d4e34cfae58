/**
 * A producer whose topic's route names no master for a moment (controller-mode failover: the
 * master is gone, its slave still registered, the election not yet done) keeps asking the name
 * server within its send budget and sends once a master is back, instead of failing at once
 * with "no writable queue" as the Java client does.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { RemotingClient } from '@rocketmq-ts/protocol';
import { createTopicOnBroker, startBroker, startCluster } from '@rocketmq-ts/server/internal';
import { MQClientError, Producer } from '../src/index.ts';

const id = () => randomUUID().replace(/-/g, '').slice(0, 10);

test('a send waits within its budget for a master to come back to the route, and fails with the reason when none does', { timeout: 60_000 }, async (t) => {
  const cluster = await startCluster(t);
  const admin = new RemotingClient();
  t.after(() => admin.close());
  const topic = `no_master_${id()}`;
  await createTopicOnBroker(admin, cluster.brokerAddr, topic, 2);
  // A slave of broker-a keeps the topic in the route while no master is there.
  const slave = await startBroker(t, cluster.namesrvAddr, { brokerName: 'broker-a', brokerId: 1, brokerRole: 'SLAVE' });
  await createTopicOnBroker(admin, slave.broker.brokerAddr, topic, 2);

  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}`, sendMsgTimeout: 8000 });
  await producer.start();
  t.after(() => producer.shutdown());
  assert.equal((await producer.send({ topic, body: 'before' })).sendStatus, 'SEND_OK');

  await cluster.broker.stop();
  const stoppedAt = Date.now();
  // The "election": a new master of broker-a registers 1.5 s later.
  const comeback = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const next = await startBroker(t, cluster.namesrvAddr, { brokerName: 'broker-a', brokerId: 0 });
    await createTopicOnBroker(admin, next.broker.brokerAddr, topic, 2);
    return next;
  })();
  const result = await producer.send({ topic, body: 'during the failover' });
  const took = Date.now() - stoppedAt;
  const next = await comeback;
  assert.equal(result.sendStatus, 'SEND_OK');
  assert.ok(took >= 1000 && took < 8000, `sent ${took} ms after the master stopped`);
  assert.equal(result.messageQueue.brokerName, 'broker-a');

  // No master within a short budget: the send fails with the route's reason, after the budget.
  await next.broker.stop();
  const started = Date.now();
  await assert.rejects(producer.send({ topic, body: 'no master' }, { timeoutMillis: 1200 }), (error: unknown) => {
    assert.ok(error instanceof MQClientError);
    assert.match(error.message, /no writable queue on a broker with a master/);
    return true;
  });
  assert.ok(Date.now() - started >= 900, 'it waited for the budget');
});
