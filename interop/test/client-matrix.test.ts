/**
 * The client-version matrix: the same MatrixFlow program (interop/java-matrix) compiled against
 * the Java client 4.8.0, 4.9.8 and 5.5.0 (the 5.x remoting client: DefaultMQProducer,
 * DefaultMQPushConsumer, DefaultLitePullConsumer, DefaultMQAdminExt), each run against our broker
 * (also with its connections on the I/O thread, serverSelectorThreads=1, and with SYNC_FLUSH) and,
 * differentially with the same assertions, against Apache RocketMQ 5.3.3. Scenarios: sync /
 * async / oneway sends, batches with tags, keys and user properties received by tag subscribers,
 * lite pull with commit and resume, consumer retry, mqadmin's API, and the TypeScript client
 * mixed in on both ends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Message, Producer, PushConsumer } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { MATRIX_CLIENT_VERSIONS, type MatrixReceived, type MatrixResult, type MatrixScenario, runMatrixFlow } from '../lib/java-matrix.ts';
import { startApache5Target, uniqueName } from '../lib/targets.ts';
import { type Delivery, delivery, waitFor } from '../lib/ts-client-kit.ts';

interface Target {
  name: string;
  start(): Promise<{ namesrvAddr: string; stop(): Promise<void> }>;
}

const targets: Target[] = [
  { name: 'rocketmq-ts', start: async () => startCluster() },
  // The same broker with its connections on the I/O thread instead of the event loop.
  { name: 'rocketmq-ts, serverSelectorThreads=1', start: async () => startCluster(undefined, { serverSelectorThreads: 1 }) },
  // Every send acknowledged only after the group commit's datasync (the commit log writes zeros ahead of its data).
  { name: 'rocketmq-ts, SYNC_FLUSH', start: async () => startCluster(undefined, { flushDiskType: 'SYNC_FLUSH' }) },
  {
    name: 'Apache RocketMQ 5.3.3',
    start: () => startApache5Target('matrix'),
  },
];

/** The user properties MatrixFlow puts on every message, and the body it sends. */
function assertMatrixMessage(got: MatrixReceived, mode: string, version: string, what: string): void {
  const i = got.properties['idx'];
  assert.ok(i !== undefined, `${what}: idx property lost (${JSON.stringify(got.properties)})`);
  assert.equal(got.properties['mode'], mode, `${what}: mode property`);
  assert.equal(got.properties['client'], version, `${what}: client property`);
  assert.equal(got.body, `matrix ${mode} ${i}`, `${what}: body`);
  assert.ok(got.properties['CLUSTER'], `${what}: the broker's CLUSTER property is there`);
}

function keysOf(messages: readonly MatrixReceived[] | undefined): string[] {
  return (messages ?? []).map((m) => m.keys ?? '').sort();
}

function range(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`).sort();
}

const checks: Record<MatrixScenario, (result: MatrixResult, version: string) => void> = {
  send(result, version) {
    assert.deepEqual((result.sent ?? []).map((s) => s.status), Array(16).fill('SEND_OK'), 'sync and async send statuses');
    const expected = ['sync', 'async', 'oneway'].flatMap((mode) => range(`send-${mode}-`, 8)).sort();
    assert.deepEqual(keysOf(result.received), expected, 'each message received once by the TagA subscriber');
    for (const got of result.received ?? []) {
      assert.equal(got.tags, 'TagA');
      assertMatrixMessage(got, got.keys!.split('-')[1]!, version, got.keys!);
    }
  },
  batch(result, version) {
    assert.deepEqual((result.sent ?? []).map((s) => s.status), ['SEND_OK', 'SEND_OK'], 'batch send statuses');
    assert.deepEqual(keysOf(result.received), range('batch-TagB-', 10), 'the TagB subscriber gets the TagB batch, none of TagC');
    for (const got of result.received ?? []) {
      assert.equal(got.tags, 'TagB', `${got.keys}: TAGS intact (${JSON.stringify(got.properties['TAGS'])})`);
      assertMatrixMessage(got, 'batch', version, got.keys!);
    }
  },
  pull(result, version) {
    assert.deepEqual(keysOf(result.first), range('pull-first-', 12), 'the first lite pull consumer polls everything once');
    // At-least-once: the second consumer gets each new message once; a queue whose commit had not
    // reached the broker yet may redeliver already-polled messages (seen on Apache 5.3.3 with 4.9.8), nothing else.
    const second = keysOf(result.second);
    assert.deepEqual(second.filter((k) => k.startsWith('pull-second-')), range('pull-second-', 4), 'the second gets every new message once');
    for (const key of second.filter((k) => !k.startsWith('pull-second-'))) assert.ok(key.startsWith('pull-first-'), `redelivered ${key}`);
    for (const got of [...(result.first ?? []), ...(result.second ?? [])]) assertMatrixMessage(got, 'pull', version, got.keys!);
  },
  retry(result, version) {
    const deliveries = result.deliveries ?? [];
    for (const key of range('retry-', 4)) {
      const times = deliveries.filter((d) => d.keys === key).map((d) => d.reconsumeTimes);
      assert.ok(times.includes(0) && times.includes(1), `${key} delivered first and retried once: reconsumeTimes ${JSON.stringify(times)}`);
    }
    for (const got of deliveries) {
      assert.equal(got.tags, 'TagR', `${got.keys}: tag after retry`);
      assert.ok(!got.topic.startsWith('%RETRY%'), `the client restores the real topic on a retried message (${got.topic})`);
      assertMatrixMessage(got, 'retry', version, `${got.keys} (reconsumeTimes ${got.reconsumeTimes})`);
    }
  },
  admin(result) {
    assert.ok(result.clusters?.includes('DefaultCluster'), `clusters ${JSON.stringify(result.clusters)}`);
    assert.ok((result.brokerNames ?? []).length >= 1, 'brokers listed');
    assert.equal(result.routeReadQueues, 4, 'route of the send topic');
    assert.equal(result.topicMaxOffsetSum, 24, 'topic stats: 24 messages stored');
    assert.equal(result.topicListed, true, 'fetchAllTopicList lists the topic');
    assert.equal(result.sendGroupDiffTotal, 0, 'consume stats: the send scenario consumed everything');
    assert.equal(result.viewedKeys, 'send-sync-0', 'queryMessage by key, then viewMessage by id');
  },
  mixed(result, version) {
    assert.deepEqual(keysOf(result.received), range('mixed-ts-', 10), 'the Java consumer reads what the TypeScript producer sent');
    for (const got of result.received ?? []) {
      assert.equal(got.tags, 'TagM');
      assert.equal(got.properties['origin'], 'node', `${got.keys}: user property from the TypeScript client`);
      assert.equal(got.body, `ts ${got.keys}`);
    }
    assert.deepEqual((result.sent ?? []).map((s) => s.status), ['SEND_OK'], `the ${version} batch for the TypeScript consumer`);
  },
};

for (const target of targets) {
  describe(`Java client matrix (${MATRIX_CLIENT_VERSIONS.join(', ')}) against ${target.name}`, { concurrency: 1, timeout: 900_000 }, () => {
    let server: Awaited<ReturnType<Target['start']>> | undefined;
    before(async () => {
      server = await target.start();
    });
    after(async () => server?.stop());

    for (const version of MATRIX_CLIENT_VERSIONS) {
      test(`rocketmq-client ${version}`, { timeout: 300_000 }, async (t) => {
        const namesrvAddr = server!.namesrvAddr;
        const prefix = uniqueName(`mx${version.replace(/\./g, '')}`);
        const mixedIn = `${prefix}_mixed_in`;
        const mixedOut = `${prefix}_mixed_out`;

        // The TypeScript producer fills the mixed scenario's input: 5 single sends and a batch of 5.
        const producer = new Producer({ groupName: `${prefix}_ts_producer`, namesrvAddr });
        await producer.start();
        try {
          const message = (i: number): Message => ({ topic: mixedIn, tags: 'TagM', keys: `mixed-ts-${i}`, body: `ts mixed-ts-${i}`, properties: { origin: 'node' } });
          for (let i = 0; i < 5; i++) await producer.send(message(i));
          await producer.sendBatch([5, 6, 7, 8, 9].map(message));
        } finally {
          await producer.shutdown();
        }

        const results = await runMatrixFlow(version, { namesrvAddr, prefix, mixed: { in: mixedIn, inCount: 10, out: mixedOut } });
        // What the client's MQVersion reports, and what MatrixFlow stamps on every message.
        const javaVersion = `V${version.replace(/\./g, '_')}`;
        const summary = [...results.values()].map((r) => `${r.scenario} ${r.ok ? 'ok' : 'FAILED'} ${r.ms} ms`).join(', ');
        t.diagnostic(`${target.name}, client ${version}: ${summary}`);

        // The TypeScript push consumer reads the Java batch back.
        const got: Delivery[] = [];
        const consumer = new PushConsumer({ groupName: `${prefix}_ts_consumer`, namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
        consumer.subscribe(mixedOut, 'TagJ').onMessage((m) => void got.push(delivery(m)));
        await consumer.start();
        try {
          await waitFor(() => got.length >= 10, 30_000, () => `10 messages of the Java ${version} batch, got ${got.length}`);
        } finally {
          await consumer.shutdown();
        }

        for (const [scenario, check] of Object.entries(checks) as [MatrixScenario, (typeof checks)[MatrixScenario]][]) {
          await t.test(scenario, () => {
            const result = results.get(scenario);
            assert.ok(result, `MatrixFlow printed no ${scenario} line`);
            assert.equal(result.error, null, `${scenario} failed inside the Java program`);
            assert.equal(result.clientVersion, javaVersion, 'the program ran on the client release asked for');
            check(result, javaVersion);
          });
        }
        await t.test('mixed: TypeScript consumer reads the Java batch', () => {
          assert.deepEqual(got.map((d) => d.keys.join(' ')).sort(), range('mixed-java-', 10));
          for (const d of got) {
            assert.equal(d.tags, 'TagJ');
            assert.equal(d.properties['client'], javaVersion);
            assert.equal(d.properties['mode'], 'mixed');
            assert.equal(d.body, `matrix mixed ${d.properties['idx']}`);
          }
        });
      });
    }
  });
}
