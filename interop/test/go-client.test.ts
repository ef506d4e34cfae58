/**
 * The official Go client, github.com/apache/rocketmq-client-go/v2 (interop/go, version pinned in
 * its go.mod), unchanged against our name server and broker (ASYNC_FLUSH and SYNC_FLUSH) and, as
 * the reference, against Apache RocketMQ 4.8.0:
 *
 * - a Producer sends N messages with SendSync — SEND_MESSAGE (10) with the long field names, to a
 *   topic that does not exist yet (auto-created from TBW102) — tags TagA/TagB/TagC in turn, keys
 *   and a user property; a PushConsumer (CLUSTERING, a new group) gets each exactly once with
 *   body, tags, keys, properties, ids and queue positions intact;
 * - a second PushConsumer subscribes "TagA || TagB": its heartbeat (codeSet as numeric strings,
 *   subVersion in nanoseconds) is accepted — mqadmin's consumerConnection shows it as a GO client
 *   with the tag hashes — only TagA/TagB messages arrive, and the offsets it commits on shutdown
 *   cover every message it got (consume stats).
 *
 * Then each of our brokers' observations is compared with the reference's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { javaStringHash } from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';
import { adminErrorText, runAdminOps, type AdminOpResult } from '../lib/admin-ops.ts';
import { goClientBinary, runGoConsumer, runGoProducer, type GoConsumedMessage, type GoProducedMessage } from '../lib/go-client.ts';
import { expectedBody } from '../lib/java-client.ts';
import { startApacheTarget, uniqueName } from '../lib/targets.ts';

const N = 30;
const BODY_SIZE = 200;
const TAGS = ['TagA', 'TagB', 'TagC'] as const;
const SUBSCRIBED = ['TagA', 'TagB'];

interface Server {
  namesrvAddr: string;
  stop(): Promise<void>;
}

const REFERENCE = 'Apache RocketMQ 4.8.0';
const targets: { name: string; start(): Promise<Server> }[] = [
  { name: 'rocketmq-ts', start: async () => startCluster() },
  // Every send waits for the group commit's datasync (and the commit log's zeros written ahead).
  { name: 'rocketmq-ts, SYNC_FLUSH', start: async () => startCluster(undefined, { flushDiskType: 'SYNC_FLUSH' }) },
  {
    name: REFERENCE,
    start: () => startApacheTarget('go-client'),
  },
];


/** What the differential part compares; filled by each target's tests. */
interface Observations {
  roundTrip?: unknown;
  tagged?: unknown;
}
const observations = new Map<string, Observations>();

interface ConnectionOut {
  clientId: string;
  clientAddr: string;
  language: string;
  version: number;
}
interface SubscriptionOut {
  topic: string;
  subString: string;
  tagsSet: string[];
  codeSet: number[];
  expressionType: string;
  classFilterMode: boolean;
  subVersion: number;
}
interface ConsumerConnectionOut {
  connections: ConnectionOut[];
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  subscriptions: Record<string, SubscriptionOut>;
}
interface ConsumeStatsRow {
  topic: string;
  queueId: number;
  brokerOffset: number;
  consumerOffset: number;
}

function okResult<T>(result: AdminOpResult | undefined): T & AdminOpResult {
  assert.ok(result, 'no AdminOps result');
  assert.ok(result.ok, adminErrorText(result));
  return result as T & AdminOpResult;
}

function assertIntact(consumed: GoConsumedMessage[], produced: GoProducedMessage[], topic: string, keysPrefix: string): void {
  const sent = new Map(produced.map((p) => [p.msgId, p]));
  for (const m of consumed) {
    const p = sent.get(m.msgId);
    assert.ok(p, `consumed a message that was not sent: ${JSON.stringify(m).slice(0, 300)}`);
    const i = p.i;
    assert.equal(m.topic, topic);
    assert.equal(m.offsetMsgId, p.offsetMsgId, `offsetMsgId of message ${i}`);
    assert.equal(m.queueId, p.queueId, `queueId of message ${i}`);
    assert.equal(m.queueOffset, p.queueOffset, `queueOffset of message ${i}`);
    assert.equal(m.tags, TAGS[i % TAGS.length], `tags of message ${i}`);
    assert.equal(m.keys, `${keysPrefix}${i}`, `keys of message ${i}`);
    assert.equal(m.bodyHex, expectedBody(i, BODY_SIZE).toString('hex'), `body of message ${i}`);
    assert.equal(m.properties['idx'], String(i), `property idx of message ${i}`);
    assert.equal(m.properties['UNIQ_KEY'], m.msgId, `UNIQ_KEY of message ${i}`);
    assert.equal(m.reconsumeTimes, 0);
    assert.ok(m.storeTimestamp >= m.bornTimestamp - 1000, `message ${i}: stored ${m.storeTimestamp}, born ${m.bornTimestamp}`);
  }
}

/** msgIds delivered more than once or never, among `wanted`. */
function exactlyOnce(consumed: GoConsumedMessage[], wanted: GoProducedMessage[]): { missing: number[]; duplicated: number[] } {
  const counts = new Map<string, number>();
  for (const m of consumed) counts.set(m.msgId, (counts.get(m.msgId) ?? 0) + 1);
  return {
    missing: wanted.filter((p) => !counts.has(p.msgId)).map((p) => p.i),
    duplicated: wanted.filter((p) => (counts.get(p.msgId) ?? 0) > 1).map((p) => p.i),
  };
}

before(async () => {
  await goClientBinary();
}, { timeout: 170_000 });

for (const target of targets) {
  describe(`Go client (rocketmq-client-go/v2) against ${target.name}`, { timeout: 170_000 }, () => {
    let server: Server | undefined;
    const topic = uniqueName('go');
    const keysPrefix = `${topic}-k-`;
    let produced: GoProducedMessage[] = [];
    const seen: Observations = {};
    observations.set(target.name, seen);

    before(async () => {
      server = await target.start();
    });
    after(async () => {
      await server?.stop();
    });

    test('SendSync N messages to a new topic, a push consumer gets each once, intact', { timeout: 90_000 }, async () => {
      const namesrvAddr = server!.namesrvAddr;
      produced = await runGoProducer({ namesrvAddr, topic, count: N, tags: TAGS, keysPrefix, bodySize: BODY_SIZE });
      assert.equal(produced.length, N);
      assert.ok(produced.every((p) => p.status === 'SEND_OK' && p.brokerName === 'broker-a'), JSON.stringify(produced.find((p) => p.status !== 'SEND_OK')));
      assert.equal(new Set(produced.map((p) => p.msgId)).size, N, 'unique msgIds');
      assert.equal(new Set(produced.map((p) => p.queueId)).size, 4, 'auto-created with 4 queues, all used');

      const consumed = await runGoConsumer({ namesrvAddr, topic, group: uniqueName('go_all'), expect: N, waitMillis: 30_000 });
      assertIntact(consumed, produced, topic, keysPrefix);
      const { missing, duplicated } = exactlyOnce(consumed, produced);
      assert.deepEqual({ missing, duplicated }, { missing: [], duplicated: [] }, 'each message exactly once');
      seen.roundTrip = {
        statuses: [...new Set(produced.map((p) => p.status))],
        queues: [...new Set(produced.map((p) => p.queueId))].sort(),
        consumed: consumed.map((m) => ({ keys: m.keys, tags: m.tags, bodyHex: m.bodyHex, idx: m.properties['idx'] })).sort((a, b) => a.keys.localeCompare(b.keys)),
        propertyNames: [...new Set(consumed.flatMap((m) => Object.keys(m.properties)))].sort(),
      };
    });

    test('subscription "TagA || TagB": heartbeat accepted, only those tags, committed offsets cover them', { timeout: 90_000 }, async () => {
      assert.equal(produced.length, N, 'the first test did not produce');
      const namesrvAddr = server!.namesrvAddr;
      const group = uniqueName('go_tags');
      const wanted = produced.filter((p) => SUBSCRIBED.includes(TAGS[p.i % TAGS.length]!));
      let connection: AdminOpResult | undefined;
      const consumed = await runGoConsumer({
        namesrvAddr,
        topic,
        group,
        expect: wanted.length,
        subExpression: SUBSCRIBED.join(' || '),
        waitMillis: 30_000,
        // While the Go consumer is online: what the broker made of its heartbeat.
        whileOnline: async () => {
          [connection] = await runAdminOps(namesrvAddr, [['consumer-connection', '--group', group]], 60_000);
        },
      });
      assertIntact(consumed, produced, topic, keysPrefix);
      assert.deepEqual(consumed.filter((m) => !SUBSCRIBED.includes(m.tags)).map((m) => m.keys), [], 'messages of other tags delivered');
      const { missing, duplicated } = exactlyOnce(consumed, wanted);
      assert.deepEqual({ missing, duplicated }, { missing: [], duplicated: [] }, 'each TagA/TagB message exactly once');

      const cc = okResult<ConsumerConnectionOut>(connection);
      assert.equal(cc.connections.length, 1, JSON.stringify(cc.connections));
      assert.equal(cc.connections[0]!.language, 'GO');
      assert.equal(cc.consumeType, 'CONSUME_PASSIVELY');
      assert.equal(cc.messageModel, 'CLUSTERING');
      assert.equal(cc.consumeFromWhere, 'CONSUME_FROM_FIRST_OFFSET');
      const sub = cc.subscriptions[topic];
      assert.ok(sub, `no subscription of ${topic}: ${JSON.stringify(cc.subscriptions)}`);
      assert.deepEqual(sub.tagsSet, [...SUBSCRIBED].sort());
      assert.deepEqual(sub.codeSet, SUBSCRIBED.map(javaStringHash).sort((a, b) => a - b));
      assert.equal(sub.expressionType, 'TAG');

      // Shut down: the Go consumer persisted its offsets. Like the Java client it commits the last
      // consumed offset + 1; a TagC message at the end of a queue is only stepped over once a later
      // pull finds nothing new (after the broker's long-poll hold), so the committed offset may stop
      // short of the queue's end — the same on both targets.
      const [stats] = await runAdminOps(namesrvAddr, [['consume-stats', '--group', group, '--topic', topic]], 60_000);
      const { queues } = okResult<{ queues: ConsumeStatsRow[]; totalDiff: number }>(stats);
      assert.deepEqual(queues.map((q) => q.queueId), [0, 1, 2, 3], JSON.stringify(queues));
      const perQueue = new Array<number>(4).fill(0);
      for (const p of produced) perQueue[p.queueId]! += 1;
      const lastDelivered = new Array<number>(4).fill(-1);
      for (const m of consumed) lastDelivered[m.queueId] = Math.max(lastDelivered[m.queueId]!, m.queueOffset);
      for (const q of queues) {
        assert.equal(q.brokerOffset, perQueue[q.queueId], `queue ${q.queueId}: brokerOffset`);
        assert.ok(
          q.consumerOffset >= lastDelivered[q.queueId]! + 1 && q.consumerOffset <= q.brokerOffset,
          `queue ${q.queueId}: committed ${q.consumerOffset}, last delivered ${lastDelivered[q.queueId]}, end ${q.brokerOffset}`,
        );
      }

      seen.tagged = {
        consumed: consumed.map((m) => m.keys).sort(),
        connection: {
          languages: cc.connections.map((c) => c.language),
          versions: cc.connections.map((c) => c.version),
          consumeType: cc.consumeType,
          messageModel: cc.messageModel,
          consumeFromWhere: cc.consumeFromWhere,
          subscriptions: Object.fromEntries(
            Object.entries(cc.subscriptions).map(([name, { subVersion, ...rest }]) => [name.replace(group, 'G').replace(topic, 'T'), { ...rest, topic: rest.topic.replace(group, 'G').replace(topic, 'T'), subVersion: subVersion > 0 }]),
          ),
        },
        committedCoversDelivered: true,
      };
    });
  });
}

describe(`Go client: the same observations on each rocketmq-ts broker and on ${REFERENCE}`, () => {
  // Keys carry the per-target topic name; compare them without it.
  const strip = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replace(/go_[0-9a-f]{12}/g, 'T'));
  for (const ours of targets.map((t) => t.name).filter((name) => name !== REFERENCE)) {
    for (const key of ['roundTrip', 'tagged'] as const) {
      test(`${key} (${ours})`, () => {
        const a = observations.get(ours)?.[key];
        const b = observations.get(REFERENCE)?.[key];
        assert.ok(a !== undefined && b !== undefined, `not observed on both targets (${ours}: ${a === undefined ? 'missing' : 'ok'}, ${REFERENCE}: ${b === undefined ? 'missing' : 'ok'})`);
        assert.deepEqual(strip(a), strip(b), `${key}: ${ours} (actual) vs ${REFERENCE} (expected)`);
      });
    }
  }
});
