/**
 * SQL92 subscriptions (`subscribe(topic, { sql })`) against our broker with
 * enablePropertyFilter=true: the push consumer (filter registered by heartbeat) and the lite
 * pull consumer (expression in each pull header) receive exactly the matching messages; a
 * broker without the switch, and a bad expression, fail start() with Apache's codes.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { ResponseCode } from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';
import { LitePullConsumer, MQBrokerError, Producer, PushConsumer, type MessageExt } from '../src/index.ts';

const id = () => randomUUID().replace(/-/g, '').slice(0, 10);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, probe: () => boolean, timeoutMillis = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (Date.now() < deadline) {
    if (probe()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const SQL = "a > 5 AND b IN ('x')";
/** Message i: a = i, b = x for odd i, tag T<i % 3>; every fourth has no `a` at all. */
const propertiesOf = (i: number): Record<string, string> => ({ ...(i % 4 === 0 ? {} : { a: String(i) }), b: i % 2 === 1 ? 'x' : 'y' });
const expected = (count: number) =>
  Array.from({ length: count }, (_, i) => i)
    .filter((i) => i % 4 !== 0 && i > 5 && i % 2 === 1)
    .map((i) => `m${i}`);

describe('SQL92 subscriptions with the TypeScript client', () => {
  it('push and lite-pull consumers receive exactly the messages their selector matches', async (t) => {
    const cluster = await startCluster(t, { enablePropertyFilter: true });
    const topic = `sql_${id()}`;
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}` });
    await producer.start();
    t.after(() => producer.shutdown());
    const count = 40;
    for (let i = 0; i < count; i++) await producer.send({ topic, body: `m${i}`, tags: `T${i % 3}`, properties: propertiesOf(i) });
    const want = expected(count);

    const pushed: MessageExt[] = [];
    const push = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: `push_${id()}`, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    push.subscribe(topic, { sql: SQL });
    push.onMessage((message) => {
      pushed.push(message);
    });
    await push.start();
    t.after(() => push.shutdown());

    const pulled: MessageExt[] = [];
    const lite = new LitePullConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: `lite_${id()}`, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    lite.subscribe(topic, { sql: `${SQL} AND TAGS <> 'T0'` });
    await lite.start();
    t.after(() => lite.shutdown());
    const wantLite = want.filter((body) => Number(body.slice(1)) % 3 !== 0);

    await waitFor(`${want.length} pushed`, () => pushed.length >= want.length);
    const deadline = Date.now() + 20_000;
    while (pulled.length < wantLite.length && Date.now() < deadline) pulled.push(...(await lite.poll(500)));
    // Anything wrongly delivered would have arrived with the rest; give stragglers a moment.
    await sleep(500);
    pulled.push(...(await lite.poll(200)));
    assert.deepEqual(pushed.map((m) => m.body.toString()).sort(), [...want].sort());
    assert.deepEqual(pulled.map((m) => m.body.toString()).sort(), [...wantLite].sort());

    // A message sent later reaches the waiting (long-polling) push consumer only if it matches.
    await producer.send({ topic, body: 'late-no', properties: { a: '100', b: 'y' } });
    await producer.send({ topic, body: 'late-yes', properties: { a: '100', b: 'x' } });
    await waitFor('the late match', () => pushed.some((m) => m.body.toString() === 'late-yes'));
    assert.ok(!pushed.some((m) => m.body.toString() === 'late-no'));
  });

  it('start() fails with SYSTEM_ERROR without enablePropertyFilter, and with SUBSCRIPTION_PARSE_FAILED for a bad expression', async (t) => {
    const off = await startCluster(t);
    const on = await startCluster(t, { enablePropertyFilter: true });
    for (const [cluster, sql, code] of [
      [off, 'a > 5', ResponseCode.SYSTEM_ERROR],
      [on, 'a > > 5', ResponseCode.SUBSCRIPTION_PARSE_FAILED],
      [on, 'a between 10 and 0', ResponseCode.SUBSCRIPTION_PARSE_FAILED],
    ] as const) {
      const topic = `sql_${id()}`;
      const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}` });
      await producer.start();
      await producer.send({ topic, body: 'x' });
      await producer.shutdown();
      const push = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: `push_${id()}` });
      push.subscribe(topic, { sql }).onMessage(() => undefined);
      await assert.rejects(push.start(), (error: unknown) => error instanceof MQBrokerError && error.responseCode === code, sql);
      const lite = new LitePullConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: `lite_${id()}` });
      lite.subscribe(topic, { sql });
      await assert.rejects(lite.start(), (error: unknown) => error instanceof MQBrokerError && error.responseCode === code, sql);
    }
  });

  it('a tag-looking string is still tags; a SQL-looking string points to { sql }', () => {
    const push = new PushConsumer({ namesrvAddr: '127.0.0.1:9876', groupName: `push_${id()}` });
    assert.throws(() => push.subscribe('T', 'a > 5'), /subscribe with \{ sql/);
    assert.throws(() => push.subscribe('T', { sql: ' ' }), /empty/);
    push.subscribe('T', { tag: 'TagA || TagB' });
  });
});
