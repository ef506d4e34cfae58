/**
 * Message trace written by the TypeScript client (enableMsgTrace on a producer and a push
 * consumer), read by Apache's `queryMsgTraceById` tool and by our Admin client — on our broker
 * and on Apache RocketMQ 4.8.0: the 4.9 layout (default) with rocketmq-tools 4.9.7, on the
 * default and on a custom trace topic, and the 4.8 layout with rocketmq-tools 4.8.0. One
 * message fails its first delivery, so its trace shows the retry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Admin, type MessageTrace, Producer, PushConsumer } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { startApacheTarget, uniqueName } from '../lib/targets.ts';
import { queryMsgTraceById } from '../lib/trace-tools.ts';
import { waitFor } from '../lib/ts-client-kit.ts';

interface Target {
  name: string;
  start(): Promise<{ namesrvAddr: string; brokerAddr: string; stop(): Promise<void> }>;
}

const targets: Target[] = [
  { name: 'rocketmq-ts', start: async () => startCluster(undefined, { traceTopicEnable: true }) },
  { name: 'Apache RocketMQ 4.8.0', start: () => startApacheTarget('ts-trace', { traceTopicEnable: 'true' }) },
];

const COUNT = 3;

async function waitForTrace(admin: Admin, msgId: string, traceTopic: string | undefined, deliveries: number): Promise<MessageTrace> {
  const deadline = Date.now() + 20_000;
  let last: MessageTrace | undefined;
  while (Date.now() < deadline) {
    last = await admin.messageTrace(msgId, traceTopic ? { traceTopic } : {}).catch(() => undefined);
    if (last && last.sent.length > 0 && last.consumed.length >= deliveries && last.consumed.every((c) => c.success !== null)) return last;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`no complete trace for ${msgId} in ${traceTopic ?? 'RMQ_SYS_TRACE_TOPIC'}: ${JSON.stringify(last)}`);
}

/** Sends COUNT traced messages and consumes them traced (the first fails once); checks what Admin reads. */
async function tracedRun(namesrvAddr: string, brokerAddr: string, traceTopic?: string, traceLayout: '4.8' | '4.9' = '4.9'): Promise<string[]> {
  const topic = uniqueName('TsTraced');
  const producerGroup = uniqueName('tspg');
  const consumerGroup = uniqueName('tscg');
  const trace = { enableMsgTrace: true, traceLayout, ...(traceTopic ? { customizedTraceTopic: traceTopic } : {}) };
  const producer = new Producer({ groupName: producerGroup, namesrvAddr, ...trace });
  const consumer = new PushConsumer({ groupName: consumerGroup, namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', ...trace });
  const sent: { msgId: string; offsetMsgId: string; keys: string }[] = [];
  const attempts = new Map<string, number>();
  await producer.start();
  try {
    for (let i = 0; i < COUNT; i++) {
      const keys = `order-${i}`;
      const result = await producer.send({ topic, body: `traced-${i}`, tags: 'TagT', keys });
      sent.push({ msgId: result.msgId, offsetMsgId: result.offsetMsgId, keys });
    }
  } finally {
    await producer.shutdown();
  }
  const failing = sent[0]!.msgId;
  consumer.subscribe(topic, '*').onMessage((message, context) => {
    const n = (attempts.get(message.msgId) ?? 0) + 1;
    attempts.set(message.msgId, n);
    if (message.msgId === failing && n === 1) {
      context.delayLevelWhenNextConsume = 1; // back in 1 s
      return 'RECONSUME_LATER';
    }
    return 'CONSUME_SUCCESS';
  });
  await consumer.start();
  try {
    await waitFor(() => sent.every((s) => (attempts.get(s.msgId) ?? 0) >= (s.msgId === failing ? 2 : 1)), 40_000, () => `deliveries ${JSON.stringify([...attempts])}`);
  } finally {
    await consumer.shutdown();
  }
  const admin = new Admin({ namesrvAddr });
  await admin.start();
  try {
    for (const s of sent) {
      const deliveries = s.msgId === failing ? 2 : 1;
      const t = await waitForTrace(admin, s.msgId, traceTopic, deliveries);
      assert.equal(t.sent.length, 1, 'one Pub record');
      const pub = t.sent[0]!;
      assert.equal(pub.groupName, producerGroup);
      assert.equal(pub.topic, topic);
      assert.equal(pub.tags, 'TagT');
      assert.equal(pub.keys, s.keys);
      assert.equal(pub.storeHost, brokerAddr);
      assert.equal(pub.offsetMsgId, s.offsetMsgId);
      assert.equal(pub.msgType, 'Normal_Msg');
      assert.equal(pub.success, true);
      assert.equal(pub.bodyLength, 'traced-0'.length);
      assert.ok(pub.costTime >= 0 && pub.timestamp > 0);
      assert.equal(pub.clientHost !== null, traceLayout === '4.8', 'clientHost only in the 4.8 layout');
      assert.equal(t.consumed.length, deliveries);
      for (const c of t.consumed) {
        assert.equal(c.groupName, consumerGroup);
        assert.equal(c.clientHost !== null, traceLayout === '4.8');
        assert.ok(c.costTime !== null && c.costTime >= 0);
      }
      if (s.msgId === failing) {
        assert.deepEqual(t.consumed.map((c) => [c.retryTimes, c.success]), [[0, false], [1, true]]);
      } else {
        assert.deepEqual(t.consumed.map((c) => [c.retryTimes, c.success]), [[0, true]]);
      }
    }
  } finally {
    await admin.shutdown();
  }
  return sent.map((s) => s.msgId);
}

for (const target of targets) {
  describe(`TypeScript client writes message trace on ${target.name}`, { concurrency: 1, timeout: 300_000 }, () => {
    let server: Awaited<ReturnType<Target['start']>>;
    before(async () => {
      server = await target.start();
    });
    after(async () => server?.stop());

    /** What queryMsgTraceById printed for a message consumed twice (failed, then done) and one consumed once. */
    function checkToolOutput(t: { diagnostic(message: string): void }, twice: string, once: string): void {
      t.diagnostic(`queryMsgTraceById: ${twice.trim().split('\n').join(' | ')}`);
      assert.match(twice, /^Pub\s+tspg_\S+\s.*success/m, twice);
      assert.match(twice, /^Sub\s+tscg_\S+\s.*failed/m, twice);
      assert.match(twice, /^Sub\s+tscg_\S+\s.*success/m, twice);
      assert.match(once, /^Pub\s+tspg_\S+\s.*success/m, once);
      assert.equal((once.match(/^Sub\s/gm) ?? []).length, 1, once);
    }

    test('4.9 layout, default trace topic: our Admin and rocketmq-tools 4.9.7 read the records', { timeout: 150_000 }, async (t) => {
      const [failing, ok] = await tracedRun(server.namesrvAddr, server.brokerAddr);
      checkToolOutput(t, await queryMsgTraceById(server.namesrvAddr, failing!, '4.9.7'), await queryMsgTraceById(server.namesrvAddr, ok!, '4.9.7'));
    });

    test('4.9 layout, custom trace topic: our Admin and rocketmq-tools 4.9.7 -t read the records', { timeout: 150_000 }, async (t) => {
      const [failing, ok] = await tracedRun(server.namesrvAddr, server.brokerAddr, 'TsTraceTopic');
      checkToolOutput(t, await queryMsgTraceById(server.namesrvAddr, failing!, '4.9.7', 'TsTraceTopic'), await queryMsgTraceById(server.namesrvAddr, ok!, '4.9.7', 'TsTraceTopic'));
    });

    test('4.8 layout: our Admin and rocketmq-tools 4.8.0 read the records', { timeout: 150_000 }, async (t) => {
      const [failing, ok] = await tracedRun(server.namesrvAddr, server.brokerAddr, undefined, '4.8');
      checkToolOutput(t, await queryMsgTraceById(server.namesrvAddr, failing!), await queryMsgTraceById(server.namesrvAddr, ok!));
    });
  });
}
