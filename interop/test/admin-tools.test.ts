/**
 * mqadmin's API — DefaultMQAdminExt from org.apache.rocketmq:rocketmq-tools:4.8.0 — unchanged
 * against our name server and broker, and, as the reference, against Apache RocketMQ 4.8.0
 * (interop/java AdminOps, one scenario per target):
 *
 * 1. create topic T on the cluster's masters and topic D on the broker (createAndUpdateTopicConfig),
 *    create subscription group G (createAndUpdateSubscriptionGroupConfig), read the routes
 *    (examineTopicRouteInfo), the topic list, the cluster info and all subscription groups (201);
 * 2. the Java producer program (ProduceMessages) sends N1 messages tagged TagA to T;
 * 3. 3 s later the time R is noted; a producer of group P sends N2 messages tagged TagB and stays
 *    online; a push consumer of G (CLUSTERING, from the first offset) consumes all N1 + N2 and
 *    commits; then topic stats (202), consume stats (208), consumer connections (203), producer
 *    connections (204), who consumes T (300), all consumer offsets (43);
 * 4. resetOffsetByTimestamp(T, G, R, force) (222): the broker returns, per queue, the offset of the
 *    first message stored after R, tells the live consumer (RESET_CONSUMER_CLIENT_OFFSET), and the
 *    consumer gets exactly the N2 messages again; consume stats show it caught up again;
 * 5. broker runtime info (28); delete topic D (215 + 216): gone from the list and the route.
 *
 * Each target's observations are checked against the expected values (which Apache 4.8.0 meets),
 * then the two targets' observations are compared step by step, with names, addresses, times and
 * timing-dependent rows (the %RETRY% queue's offsets) normalized away.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { adminErrorText, runAdminOps, type AdminCommand, type AdminOpResult } from '../lib/admin-ops.ts';
import { expectedBody, runJavaProducer, type ProducedMessage } from '../lib/java-client.ts';
import { startApacheTarget } from '../lib/targets.ts';

const N1 = 40; // ProduceMessages, TagA, keys a-<i>
const N2 = 20; // AdminOps' producer after the reset mark, TagB, keys b-<i>
const BODY_SIZE = 64;
const QUEUES = 4;
const DELETED_TOPIC_QUEUES = 2;
const RETRY_MAX_TIMES = 5;
/** Before the reset mark: the broker picks the stored time nearest to it, so the gap keeps it on the right side. */
const GAP_BEFORE_MARK_MILLIS = 3000;
/** MQVersion.Version.V4_8_0.ordinal(): what the 4.8.0 client reports and what a 4.8.0 broker reports as its own. */
const V4_8_0 = 373;

interface Server {
  namesrvAddr: string;
  brokerAddr: string;
  stop(): Promise<void>;
}

interface Target {
  name: string;
  start(): Promise<Server>;
}

const targets: Target[] = [
  {
    name: 'rocketmq-ts',
    start: async () => startCluster(),
  },
  {
    name: 'Apache RocketMQ 4.8.0',
    start: () => startApacheTarget('admin-tools'),
  },
];

/** Names of one scenario: all carry the same random id, so a run's output minus the id is comparable. */
interface Names {
  id: string;
  topic: string;
  deletedTopic: string;
  group: string;
  producerGroup: string;
}

function names(): Names {
  const id = randomUUID().replace(/-/g, '').slice(0, 12);
  return { id, topic: `adm_t_${id}`, deletedTopic: `adm_d_${id}`, group: `adm_g_${id}`, producerGroup: `adm_p_${id}` };
}

interface Scenario {
  names: Names;
  namesrvAddr: string;
  brokerAddr: string;
  /** Results by step label, in script order. */
  steps: Map<string, AdminOpResult>;
  produced: ProducedMessage[];
}

type Step = readonly [label: string, command: AdminCommand];

function setupSteps(n: Names, brokerAddr: string): Step[] {
  return [
    ['create-topic (cluster)', ['create-topic', '--cluster', 'DefaultCluster', '--topic', n.topic, '--queues', String(QUEUES)]],
    ['create-topic (broker)', ['create-topic', '--broker', brokerAddr, '--topic', n.deletedTopic, '--queues', String(DELETED_TOPIC_QUEUES)]],
    [
      'create-group',
      ['create-group', '--cluster', 'DefaultCluster', '--group', n.group, '--retry-max-times', String(RETRY_MAX_TIMES), '--consume-broadcast', 'false'],
    ],
    ['route', ['route', '--topic', n.topic, '--wait-ms', '10000']],
    ['route (broker topic)', ['route', '--topic', n.deletedTopic, '--wait-ms', '10000']],
    ['topic-list', ['topic-list']],
    ['cluster', ['cluster']],
    ['groups', ['groups', '--broker', brokerAddr]],
  ];
}

function trafficSteps(n: Names, brokerAddr: string): Step[] {
  return [
    ['gap', ['sleep', '--ms', String(GAP_BEFORE_MARK_MILLIS)]],
    ['mark', ['now', '--name', 'reset']],
    ['produce', ['produce', '--topic', n.topic, '--group', n.producerGroup, '--count', String(N2), '--tags', 'TagB', '--keys-prefix', 'b-', '--body-size', String(BODY_SIZE)]],
    ['push-consumer', ['push-consumer', '--group', n.group, '--topic', n.topic]],
    ['consumed', ['await-consumed', '--group', n.group, '--count', String(N1 + N2), '--timeout-ms', '20000']],
    ['persist', ['persist-offsets', '--group', n.group]],
    ['topic-stats', ['topic-stats', '--topic', n.topic]],
    ['consume-stats', ['consume-stats', '--group', n.group, '--wait-caught-up-ms', '5000']],
    ['consumer-connection', ['consumer-connection', '--group', n.group]],
    ['producer-connection', ['producer-connection', '--group', n.producerGroup, '--topic', n.topic]],
    ['consume-by-who', ['consume-by-who', '--topic', n.topic]],
    ['consumer-offsets', ['consumer-offsets', '--broker', brokerAddr]],
    ['reset-offset', ['reset-offset', '--topic', n.topic, '--group', n.group, '--at', 'reset', '--force', 'true']],
    // The 4.8 client pauses 10 s before applying a reset, then its next rebalance (1 s here) re-pulls.
    ['reconsumed', ['await-consumed', '--group', n.group, '--count', String(N2), '--timeout-ms', '25000']],
    ['persist (after reset)', ['persist-offsets', '--group', n.group]],
    ['consume-stats (after reset)', ['consume-stats', '--group', n.group, '--wait-caught-up-ms', '5000']],
    ['runtime-stats', ['runtime-stats', '--broker', brokerAddr]],
    ['delete-topic', ['delete-topic', '--topic', n.deletedTopic, '--cluster', 'DefaultCluster']],
    ['topic-list (after delete)', ['topic-list']],
    ['route (after delete)', ['route', '--topic', n.deletedTopic]],
  ];
}

async function runSteps(namesrvAddr: string, steps: Step[], into: Map<string, AdminOpResult>, timeoutMillis: number): Promise<void> {
  const results = await runAdminOps(
    namesrvAddr,
    steps.map(([, command]) => command),
    timeoutMillis,
  );
  steps.forEach(([label], k) => into.set(label, results[k]!));
}

async function runScenario(server: Server): Promise<Scenario> {
  const n = names();
  const steps = new Map<string, AdminOpResult>();
  await runSteps(server.namesrvAddr, setupSteps(n, server.brokerAddr), steps, 60_000);
  const produced = await runJavaProducer({
    namesrvAddr: server.namesrvAddr,
    topic: n.topic,
    count: N1,
    tags: 'TagA',
    keysPrefix: 'a-',
    bodySize: BODY_SIZE,
  });
  await runSteps(server.namesrvAddr, trafficSteps(n, server.brokerAddr), steps, 120_000);
  return { names: n, namesrvAddr: server.namesrvAddr, brokerAddr: server.brokerAddr, steps, produced };
}

// The shapes AdminOps prints (see AdminOps.java).
interface BrokerDataOut {
  cluster: string;
  brokerName: string;
  brokerAddrs: Record<string, string>;
}
interface QueueDataOut {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSynFlag: number;
}
interface RouteOut {
  brokerDatas: BrokerDataOut[];
  queueDatas: QueueDataOut[];
  orderTopicConf: string | null;
  filterServerTable: Record<string, string[]>;
}
interface QueueRef {
  topic: string;
  brokerName: string;
  queueId: number;
}
interface TopicStatsRow extends QueueRef {
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}
interface ConsumeStatsRow extends QueueRef {
  brokerOffset: number;
  consumerOffset: number;
  lastTimestamp: number;
}
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
interface GroupConfigOut {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
}
interface ConsumedOut {
  keys: string;
  tags: string | null;
  queueId: number;
  queueOffset: number;
  reconsumeTimes: number;
  bodyHex: string | null;
}
interface SentOut {
  i: number;
  keys: string;
  status: string;
  msgId: string;
  queueId: number;
  queueOffset: number;
}

/** The result of a step that must have succeeded, with its fields typed as T. */
function ok<T>(scenario: Scenario | undefined, label: string): T & AdminOpResult {
  assert.ok(scenario, 'the scenario did not run (see the before hook failure)');
  const result = scenario.steps.get(label);
  assert.ok(result, `step ${label} has no result`);
  assert.ok(result.ok, `${label}: ${adminErrorText(result)}`);
  return result as T & AdminOpResult;
}

/** Offsets per queue id that the messages landed at: count per queue. */
function countPerQueue(queueIds: readonly number[]): number[] {
  const counts = new Array<number>(QUEUES).fill(0);
  for (const q of queueIds) counts[q] = (counts[q] ?? 0) + 1;
  return counts;
}

const notRetry = (row: { topic: string }): boolean => !row.topic.startsWith('%RETRY%');

const scenarios = new Map<string, Scenario>();

for (const target of targets) {
  describe(`rocketmq-tools 4.8.0 (DefaultMQAdminExt) against ${target.name}`, { timeout: 180_000 }, () => {
    let server: Server | undefined;
    let scenario: Scenario | undefined;
    before(async () => {
      server = await target.start();
      scenario = await runScenario(server);
      scenarios.set(target.name, scenario);
    });
    after(async () => {
      await server?.stop();
    });

    test('createAndUpdateTopicConfig on the cluster masters and on one broker (17)', () => {
      for (const label of ['create-topic (cluster)', 'create-topic (broker)']) {
        assert.deepEqual(ok<{ brokers: string[] }>(scenario, label).brokers, [scenario!.brokerAddr], label);
      }
    });

    test('examineTopicRouteInfo (105): the created topics route to the broker with their queue counts', () => {
      const expected = (queues: number): RouteOut => ({
        brokerDatas: [{ cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: { '0': scenario!.brokerAddr } }],
        queueDatas: [{ brokerName: 'broker-a', readQueueNums: queues, writeQueueNums: queues, perm: 6, topicSynFlag: 0 }],
        orderTopicConf: null,
        filterServerTable: {},
      });
      const pick = (r: RouteOut): RouteOut => ({
        brokerDatas: r.brokerDatas,
        queueDatas: r.queueDatas,
        orderTopicConf: r.orderTopicConf,
        filterServerTable: r.filterServerTable,
      });
      assert.deepEqual(pick(ok<RouteOut>(scenario, 'route')), expected(QUEUES));
      assert.deepEqual(pick(ok<RouteOut>(scenario, 'route (broker topic)')), expected(DELETED_TOPIC_QUEUES));
    });

    test('fetchAllTopicList (206): the created topics and the broker\'s system topics', () => {
      const { topics } = ok<{ topics: string[] }>(scenario, 'topic-list');
      const { topic, deletedTopic } = scenario!.names;
      for (const name of [topic, deletedTopic, 'TBW102', 'SELF_TEST_TOPIC', 'DefaultCluster', 'broker-a']) {
        assert.ok(topics.includes(name), `${name} missing from ${JSON.stringify(topics)}`);
      }
    });

    test('examineBrokerClusterInfo (106)', () => {
      const info = ok<{ brokerAddrTable: Record<string, BrokerDataOut>; clusterAddrTable: Record<string, string[]> }>(scenario, 'cluster');
      assert.deepEqual(info.clusterAddrTable, { DefaultCluster: ['broker-a'] });
      assert.deepEqual(info.brokerAddrTable, {
        'broker-a': { cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: { '0': scenario!.brokerAddr } },
      });
    });

    test('createAndUpdateSubscriptionGroupConfig (200), read back by getAllSubscriptionGroup (201)', () => {
      ok(scenario, 'create-group');
      const { groups } = ok<{ groups: Record<string, GroupConfigOut> }>(scenario, 'groups');
      const { group } = scenario!.names;
      assert.deepEqual(groups[group], {
        groupName: group,
        consumeEnable: true,
        consumeFromMinEnable: true,
        consumeBroadcastEnable: false,
        retryQueueNums: 1,
        retryMaxTimes: RETRY_MAX_TIMES,
        brokerId: 0,
        whichBrokerWhenConsumeSlowly: 1,
        notifyConsumerIdsChangedEnable: true,
      });
    });

    test('traffic: ProduceMessages and the online producer send, the push consumer gets every message intact', () => {
      const s = scenario!;
      assert.ok(s, 'the scenario did not run');
      assert.equal(s.produced.length, N1);
      const { sent } = ok<{ sent: SentOut[] }>(s, 'produce');
      assert.equal(sent.length, N2);
      assert.ok(sent.every((m) => m.status === 'SEND_OK'), JSON.stringify(sent.find((m) => m.status !== 'SEND_OK')));
      const consumed = ok<{ got: number; messages: ConsumedOut[] }>(s, 'consumed');
      const byKey = new Map(consumed.messages.map((m) => [m.keys, m]));
      for (const [prefix, count, tags] of [['a-', N1, 'TagA'], ['b-', N2, 'TagB']] as const) {
        for (let i = 0; i < count; i++) {
          const m = byKey.get(`${prefix}${i}`);
          assert.ok(m, `message ${prefix}${i} was not consumed`);
          assert.equal(m.tags, tags);
          assert.equal(m.bodyHex, expectedBody(i, BODY_SIZE).toString('hex'), `body of ${prefix}${i}`);
        }
      }
    });

    test('examineTopicStats (202): per write queue min 0, max = messages stored, time of the last one', () => {
      const s = scenario!;
      const { queues } = ok<{ queues: TopicStatsRow[] }>(s, 'topic-stats');
      const mark = ok<{ timestamp: number }>(s, 'mark').timestamp;
      const { sent } = ok<{ sent: SentOut[] }>(s, 'produce');
      const perQueue = countPerQueue([...s.produced.map((p) => p.queueId), ...sent.map((m) => m.queueId)]);
      assert.deepEqual(
        queues.map(({ topic, brokerName, queueId, minOffset, maxOffset }) => ({ topic, brokerName, queueId, minOffset, maxOffset })),
        perQueue.map((count, queueId) => ({ topic: s.names.topic, brokerName: 'broker-a', queueId, minOffset: 0, maxOffset: count })),
      );
      const batch2Queues = new Set(sent.map((m) => m.queueId));
      for (const row of queues) {
        // Every queue got messages after the mark (round robin), so its last message is younger than the mark.
        if (batch2Queues.has(row.queueId)) assert.ok(row.lastUpdateTimestamp >= mark, `queue ${row.queueId}: lastUpdateTimestamp ${row.lastUpdateTimestamp} < mark ${mark}`);
        assert.ok(row.lastUpdateTimestamp <= Date.now(), `queue ${row.queueId}: lastUpdateTimestamp in the future`);
      }
    });

    test('examineConsumeStats (208): the group has consumed every queue of the topic up to its end', () => {
      const s = scenario!;
      const stats = ok<{ totalDiff: number; queues: ConsumeStatsRow[] }>(s, 'consume-stats');
      const topicStats = ok<{ queues: TopicStatsRow[] }>(s, 'topic-stats').queues;
      assert.deepEqual(
        stats.queues.filter(notRetry),
        topicStats.map((t) => ({
          topic: t.topic,
          brokerName: t.brokerName,
          queueId: t.queueId,
          brokerOffset: t.maxOffset,
          consumerOffset: t.maxOffset,
          // Store time of the message at consumerOffset - 1, the topic's last message in each queue.
          lastTimestamp: t.lastUpdateTimestamp,
        })),
      );
      assert.equal(stats.totalDiff, 0);
      // Any other row is the group's retry topic, not the topic of another group.
      for (const row of stats.queues.filter((r) => !notRetry(r))) assert.equal(row.topic, `%RETRY%${s.names.group}`);
    });

    test('examineConsumerConnectionInfo (203): the live push consumer, its settings and subscriptions', () => {
      const s = scenario!;
      const cc = ok<{
        connections: ConnectionOut[];
        consumeType: string;
        messageModel: string;
        consumeFromWhere: string;
        subscriptions: Record<string, SubscriptionOut>;
      }>(s, 'consumer-connection');
      const { clientId } = ok<{ clientId: string }>(s, 'push-consumer');
      assert.equal(cc.connections.length, 1, JSON.stringify(cc.connections));
      assert.equal(cc.connections[0]!.clientId, clientId);
      assert.equal(cc.connections[0]!.language, 'JAVA');
      assert.equal(cc.connections[0]!.version, V4_8_0);
      assert.match(cc.connections[0]!.clientAddr, /^127\.0\.0\.1:\d+$/);
      assert.equal(cc.consumeType, 'CONSUME_PASSIVELY');
      assert.equal(cc.messageModel, 'CLUSTERING');
      assert.equal(cc.consumeFromWhere, 'CONSUME_FROM_FIRST_OFFSET');
      const retryTopic = `%RETRY%${s.names.group}`;
      assert.deepEqual(Object.keys(cc.subscriptions).sort(), [retryTopic, s.names.topic].sort());
      for (const topic of [s.names.topic, retryTopic]) {
        const { subVersion, ...rest } = cc.subscriptions[topic]!;
        assert.deepEqual(rest, { topic, subString: '*', tagsSet: [], codeSet: [], expressionType: 'TAG', classFilterMode: false });
        assert.ok(subVersion > 0);
      }
    });

    test('examineProducerConnectionInfo (204): the online producer group', () => {
      const { connections } = ok<{ connections: ConnectionOut[] }>(scenario, 'producer-connection');
      assert.equal(connections.length, 1, JSON.stringify(connections));
      assert.match(connections[0]!.clientId, /@rmqts-adminops-producer-\d+$/);
      assert.equal(connections[0]!.language, 'JAVA');
      assert.equal(connections[0]!.version, V4_8_0);
    });

    test('queryTopicConsumeByWho (300): the consuming group', () => {
      assert.deepEqual(ok<{ groups: string[] }>(scenario, 'consume-by-who').groups, [scenario!.names.group]);
    });

    test('GET_ALL_CONSUMER_OFFSET (43): the group\'s committed offsets', () => {
      const s = scenario!;
      const { offsetTable } = ok<{ offsetTable: Record<string, Record<string, number>> }>(s, 'consumer-offsets');
      const topicStats = ok<{ queues: TopicStatsRow[] }>(s, 'topic-stats').queues;
      assert.deepEqual(offsetTable[`${s.names.topic}@${s.names.group}`], Object.fromEntries(topicStats.map((t) => [String(t.queueId), t.maxOffset])));
      for (const key of Object.keys(offsetTable)) {
        assert.ok(key.endsWith(`@${s.names.group}`) || !key.includes(s.names.id), `unexpected offsets entry ${key}`);
      }
    });

    test('resetOffsetByTimestamp (222): offsets of the first messages after the time; the live consumer gets them again', () => {
      const s = scenario!;
      const reset = ok<{ offsets: (QueueRef & { offset: number })[] }>(s, 'reset-offset');
      const firstAfterMark = countPerQueue(s.produced.map((p) => p.queueId));
      assert.deepEqual(
        reset.offsets,
        firstAfterMark.map((offset, queueId) => ({ topic: s.names.topic, brokerName: 'broker-a', queueId, offset })),
      );
      const { sent } = ok<{ sent: SentOut[] }>(s, 'produce');
      for (const m of sent) assert.ok(m.queueOffset >= firstAfterMark[m.queueId]!, `b-${m.i} at ${m.queueId}/${m.queueOffset} is before the reset offset`);

      const again = ok<{ got: number; messages: ConsumedOut[] }>(s, 'reconsumed');
      assert.deepEqual(
        [...new Set(again.messages.map((m) => m.keys))].sort(),
        sent.map((m) => m.keys).sort(),
        'after the reset the consumer gets exactly the messages stored after the time',
      );
      const after = ok<{ totalDiff: number; queues: ConsumeStatsRow[] }>(s, 'consume-stats (after reset)');
      assert.equal(after.totalDiff, 0);
      const topicStats = ok<{ queues: TopicStatsRow[] }>(s, 'topic-stats').queues;
      assert.deepEqual(
        after.queues.filter(notRetry).map((r) => [r.queueId, r.consumerOffset]),
        topicStats.map((t) => [t.queueId, t.maxOffset]),
      );
    });

    test('fetchBrokerRuntimeStats (28): the keys dashboards read, message counts, version', () => {
      const { table } = ok<{ table: Record<string, string> }>(scenario, 'runtime-stats');
      const keys = [
        'brokerVersionDesc', 'brokerVersion', 'msgPutTotalYesterdayMorning', 'msgPutTotalTodayMorning', 'msgPutTotalTodayNow',
        'msgGetTotalYesterdayMorning', 'msgGetTotalTodayMorning', 'msgGetTotalTodayNow', 'sendThreadPoolQueueSize',
        'sendThreadPoolQueueCapacity', 'pullThreadPoolQueueSize', 'pullThreadPoolQueueCapacity', 'queryThreadPoolQueueSize',
        'queryThreadPoolQueueCapacity', 'EndTransactionQueueSize', 'EndTransactionThreadPoolQueueCapacity', 'dispatchBehindBytes',
        'pageCacheLockTimeMills', 'sendThreadPoolQueueHeadWaitTimeMills', 'pullThreadPoolQueueHeadWaitTimeMills',
        'queryThreadPoolQueueHeadWaitTimeMills', 'earliestMessageTimeStamp', 'startAcceptSendRequestTimeStamp',
        'remainTransientStoreBufferNumbs', 'remainHowManyDataToFlush', 'commitLogDirCapacity', 'putTps', 'getFoundTps',
        'getTotalTps', 'commitLogMaxOffset', 'commitLogMinOffset', 'runtime', 'bootTimestamp', 'putMessageTimesTotal',
        'putMessageSizeTotal',
      ];
      assert.deepEqual(keys.filter((k) => typeof table[k] !== 'string'), [], 'missing keys');
      assert.equal(table['brokerVersionDesc'], 'V4_8_0');
      assert.equal(table['brokerVersion'], String(V4_8_0));
      assert.equal(table['msgPutTotalTodayNow'], String(N1 + N2));
      assert.ok(Number(table['msgGetTotalTodayNow']) >= N1 + 2 * N2, `msgGetTotalTodayNow ${table['msgGetTotalTodayNow']}`);
      assert.ok(Number(table['commitLogMaxOffset']) > 0);
      // Sizes as MixAll.humanReadableByteCount(bytes, false) writes them: "512 B", "1.5 KiB", "252.0 GiB".
      const size = String.raw`(\d+ B|\d+\.\d [KMGTPE]iB)`;
      const formats: Record<string, RegExp> = {
        commitLogDirCapacity: new RegExp(`^Total : ${size}, Free : ${size}\\.$`),
        remainHowManyDataToFlush: new RegExp(`^${size}$`),
      };
      const misformatted = Object.entries(formats)
        .filter(([key, format]) => !format.test(table[key] ?? ''))
        .map(([key, format]) => `${key} = ${JSON.stringify(table[key])} does not match ${String(format)}`);
      assert.deepEqual(misformatted, [], 'values not written as MixAll.humanReadableByteCount writes them');
    });

    test('delete topic in broker and name server (215, 216): gone from the topic list and the routes', () => {
      const s = scenario!;
      assert.deepEqual(ok<{ brokers: string[] }>(s, 'delete-topic').brokers, [s.brokerAddr]);
      const { topics } = ok<{ topics: string[] }>(s, 'topic-list (after delete)');
      assert.ok(!topics.includes(s.names.deletedTopic), `${s.names.deletedTopic} still listed`);
      assert.ok(topics.includes(s.names.topic), `${s.names.topic} missing`);
      assert.ok(topics.includes(`%RETRY%${s.names.group}`), `%RETRY%${s.names.group} missing`);
      const route = s.steps.get('route (after delete)')!;
      assert.equal(route.ok, false, `route of the deleted topic: ${JSON.stringify(route)}`);
      assert.equal(route.error?.responseCode, 17, adminErrorText(route)); // TOPIC_NOT_EXIST
    });
  });
}

/** What must be the same on both targets: the step's result minus names, addresses, times and timing. */
function observation(scenario: Scenario, label: string): unknown {
  const result = scenario.steps.get(label);
  if (!result) return 'no result';
  const text = JSON.stringify(result)
    .replaceAll(scenario.names.id, 'ID')
    .replaceAll(scenario.brokerAddr, '<broker>')
    .replaceAll(scenario.namesrvAddr, '<namesrv>');
  const r = JSON.parse(text) as AdminOpResult;
  if (!r.ok) return { ok: false, type: r.error?.type, responseCode: r.error?.responseCode };
  const seen = (ts: unknown): string => (typeof ts === 'number' && ts > 0 ? 'set' : String(ts));
  switch (r.op) {
    case 'topic-list':
      // rmq_sys_wheel_timer is the 5.x timer system topic: ours has 5.x timer messages, Apache 4.8 does not.
      return { ...r, ms: undefined, attempts: undefined, topics: (r['topics'] as string[]).filter((t) => t !== 'rmq_sys_wheel_timer') };
    case 'topic-stats':
      return (r['queues'] as TopicStatsRow[]).map((q) => ({ ...q, lastUpdateTimestamp: seen(q.lastUpdateTimestamp) }));
    case 'consume-stats':
      return {
        totalDiff: r['totalDiff'],
        queues: (r['queues'] as ConsumeStatsRow[]).filter(notRetry).map((q) => ({ ...q, lastTimestamp: seen(q.lastTimestamp) })),
      };
    case 'consumer-connection':
      return {
        connections: (r['connections'] as ConnectionOut[]).map((c) => ({ language: c.language, version: c.version })),
        consumeType: r['consumeType'],
        messageModel: r['messageModel'],
        consumeFromWhere: r['consumeFromWhere'],
        subscriptions: Object.fromEntries(
          Object.entries(r['subscriptions'] as Record<string, SubscriptionOut>).map(([topic, { subVersion, ...rest }]) => [topic, { ...rest, subVersion: seen(subVersion) }]),
        ),
      };
    case 'producer-connection':
      return (r['connections'] as ConnectionOut[]).map((c) => ({ language: c.language, version: c.version }));
    case 'consumer-offsets':
      return Object.fromEntries(Object.entries(r['offsetTable'] as Record<string, unknown>).filter(([key]) => !key.startsWith('%RETRY%')));
    case 'reset-offset':
      return r['offsets'];
    case 'await-consumed':
      return {
        got: r['got'],
        messages: (r['messages'] as ConsumedOut[]).map(({ keys, tags, reconsumeTimes, bodyHex }) => ({ keys, tags, reconsumeTimes, bodyHex })),
      };
    case 'produce':
      return (r['sent'] as SentOut[]).map(({ i, keys, status }) => ({ i, keys, status }));
    case 'runtime-stats': {
      const table = r['table'] as Record<string, string>;
      return { msgPutTotalTodayNow: table['msgPutTotalTodayNow'], brokerVersionDesc: table['brokerVersionDesc'], commitLogMaxOffset: table['commitLogMaxOffset'] };
    }
    case 'push-consumer':
    case 'now':
    case 'sleep':
    case 'persist-offsets':
      return { ok: true };
    default: {
      const { ms: _ms, attempts: _attempts, ...rest } = r;
      return rest;
    }
  }
}

describe('rocketmq-tools 4.8.0: the same observations on rocketmq-ts and on Apache RocketMQ 4.8.0', () => {
  const [ours, reference] = targets.map((t) => t.name) as [string, string];
  const labels = [...setupSteps(names(), '').map(([label]) => label), ...trafficSteps(names(), '').map(([label]) => label)];
  for (const label of labels) {
    test(label, () => {
      const a = scenarios.get(ours);
      const b = scenarios.get(reference);
      assert.ok(a && b, `a scenario did not run (${ours}: ${a ? 'ran' : 'missing'}, ${reference}: ${b ? 'ran' : 'missing'})`);
      assert.deepEqual(observation(a, label), observation(b, label), `${label}: ${ours} (actual) vs ${reference} (expected)`);
    });
  }

  test('fetchBrokerRuntimeStats reports every key Apache 4.8.0 reports', () => {
    const a = scenarios.get(ours)?.steps.get('runtime-stats');
    const b = scenarios.get(reference)?.steps.get('runtime-stats');
    assert.ok(a?.ok && b?.ok, 'runtime-stats failed on a target');
    const ourKeys = new Set(Object.keys(a['table'] as object));
    assert.deepEqual(Object.keys(b['table'] as object).filter((k) => !ourKeys.has(k)), [], 'keys missing on rocketmq-ts');
  });
});
