/**
 * A push consumer whose broker dies while another broker of the same name is master now
 * (controller-mode failover, docs/failover.md) pulls from the new master within seconds: a pull
 * that failed without a broker answer refreshes the route at once, not at the next
 * pollNameServerInterval (60 s here, longer than the test waits), and when the refreshed route
 * names another master the next pull goes at once, without the pullTimeDelayMillsWhenException pause.
 * The lite pull consumer shares the pull path.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { RemotingClient } from '@rocketmq-ts/protocol';
import { createTopicOnBroker, startBroker, startCluster } from '@rocketmq-ts/server/internal';
import { LitePullConsumer, Producer, PushConsumer } from '../src/index.ts';

const id = () => randomUUID().replace(/-/g, '').slice(0, 10);

async function waitFor(what: string, probe: () => boolean, timeoutMillis: number): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMillis} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A consumer under test: started on the topic, pushing each body it gets into `bodies`. */
type StartConsumer = (namesrvAddr: string, topic: string, bodies: string[]) => Promise<{ shutdown(): Promise<void> }>;

const push: StartConsumer = async (namesrvAddr, topic, bodies) => {
  const consumer = new PushConsumer({
    namesrvAddr,
    groupName: `pull_failover_${id()}`,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    pollNameServerInterval: 60_000,
    // Longer than the test waits: the pull after the refresh that found the new master goes at once.
    pullTimeDelayMillsWhenException: 10_000,
  });
  consumer.subscribe(topic, '*');
  consumer.onMessage((message) => {
    bodies.push(message.body.toString('utf8'));
    return 'CONSUME_SUCCESS';
  });
  await consumer.start();
  return consumer;
};

const lite: StartConsumer = async (namesrvAddr, topic, bodies) => {
  const consumer = new LitePullConsumer({ namesrvAddr, groupName: `lite_failover_${id()}`, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 60_000 });
  consumer.subscribe(topic, '*');
  await consumer.start();
  let running = true;
  const loop = (async () => {
    while (running) for (const message of await consumer.poll(200)) bodies.push(message.body.toString('utf8'));
  })();
  return {
    async shutdown() {
      running = false;
      await loop;
      await consumer.shutdown();
    },
  };
};

async function scenario(t: TestContext, start: StartConsumer): Promise<void> {
  const cluster = await startCluster(t);
  const admin = new RemotingClient();
  t.after(() => admin.close());
  const topic = `pull_failover_${id()}`;
  await createTopicOnBroker(admin, cluster.brokerAddr, topic, 1);

  const bodies: string[] = [];
  const consumer = await start(cluster.namesrvAddr, topic, bodies);
  t.after(() => consumer.shutdown());

  const before = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}` });
  await before.start();
  t.after(() => before.shutdown());
  await before.send({ topic, body: 'from the first master' });
  await waitFor('the first message', () => bodies.includes('from the first master'), 20_000);
  await before.shutdown();

  // A second broker of the same name registers as master (the latest registration of brokerId 0
  // wins), with the same topic at the same queue offset; then the first one goes away with a long
  // poll of the consumer in flight.
  const second = await startBroker(t, cluster.namesrvAddr, { brokerName: 'broker-a', brokerId: 0 });
  await createTopicOnBroker(admin, second.broker.brokerAddr, topic, 1);
  const seed = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}` });
  await seed.start();
  t.after(() => seed.shutdown());
  // Queue offset 0 on the second broker: the consumer's next offset there is 1.
  const first = await seed.send({ topic, body: 'seed' });
  assert.equal(first.offsetMsgId.length > 0, true);
  await cluster.broker.stop();

  const stoppedAt = Date.now();
  await seed.send({ topic, body: 'from the new master' });
  await waitFor('a message from the new master', () => bodies.includes('from the new master'), 8_000);
  const took = Date.now() - stoppedAt;
  assert.ok(took < 8_000, `consumed ${took} ms after the first broker stopped`);
}

test('push consumer: a failed pull refreshes the route and pulls the new master of the broker name at once', { timeout: 60_000 }, (t) => scenario(t, push));

test('lite pull consumer: the same (it shares the pull path)', { timeout: 60_000 }, (t) => scenario(t, lite));
