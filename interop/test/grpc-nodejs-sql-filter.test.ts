/**
 * SQL92 filters over gRPC with the official v5 Node.js client (`rocketmq-client-nodejs` from
 * npm): a SimpleConsumer subscribed with a SQL FilterExpression receives exactly the messages
 * whose properties (user properties and TAGS) match; a broker without enablePropertyFilter
 * refuses the subscription, as Apache's broker does.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test, type TestContext } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { FilterExpression, Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { createPlainTopic, quietV5Logger } from '../lib/v5-node.ts';
import { uniqueName } from '../lib/targets.ts';

/** The client's FilterType enum lives in its generated protocol code, not its index. */
const { FilterType } = createRequire(import.meta.url)('rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js') as { FilterType: { SQL: number } };


async function setUp(enablePropertyFilter: boolean, t: TestContext): Promise<{ endpoints: string; topic: string; closers: (() => Promise<unknown>)[] }> {
  const c = await startCluster(undefined, { enablePropertyFilter });
  const closers: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await c.stop();
  });
  const topic = uniqueName('v5_sql');
  await createPlainTopic(c.namesrvAddr, c.brokerAddr, topic);
  return { endpoints: `127.0.0.1:${c.broker.grpcEndpoint!.port}`, topic, closers };
}

test('a SQL92 FilterExpression receives exactly the matching messages', { timeout: 120_000 }, async (t) => {
  const { endpoints, topic, closers } = await setUp(true, t);
  const producer = new Producer({ endpoints, namespace: '', topic, logger: quietV5Logger });
  await producer.startup();
  closers.push(() => producer.shutdown());
  for (let i = 0; i < 12; i++) {
    await producer.send({ topic, tag: i % 2 ? 'odd' : 'even', properties: new Map([['n', String(i)]]), body: Buffer.from(`m-${i}`) });
  }
  const expression = new FilterExpression("n >= 5 AND TAGS = 'odd'", FilterType.SQL as never);
  const consumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: uniqueName('v5_sql_group'), subscriptions: new Map([[topic, expression]]), awaitDuration: 2000, logger: quietV5Logger });
  await consumer.startup();
  closers.push(() => consumer.shutdown());
  const got: string[] = [];
  const deadline = Date.now() + 30_000;
  while (got.length < 4 && Date.now() < deadline) {
    for (const m of await consumer.receive(16, 20_000)) {
      got.push(m.body.toString());
      await consumer.ack(m);
    }
  }
  // One more long poll: nothing else matches.
  for (const m of await consumer.receive(16, 20_000)) got.push(m.body.toString());
  assert.deepEqual(got.sort(), ['m-11', 'm-5', 'm-7', 'm-9']);
});

test('without enablePropertyFilter a SQL92 subscription is refused', { timeout: 60_000 }, async (t) => {
  const { endpoints, topic, closers } = await setUp(false, t);
  const expression = new FilterExpression('n > 1', FilterType.SQL as never);
  const consumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: uniqueName('v5_sql_group'), subscriptions: new Map([[topic, expression]]), awaitDuration: 1000, logger: quietV5Logger });
  await consumer.startup();
  closers.push(() => consumer.shutdown());
  await assert.rejects(consumer.receive(16, 20_000), /enablePropertyFilter/);
});
