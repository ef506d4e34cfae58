/**
 * The TypeScript Admin client (packages/client/src/admin) against our name server and broker and,
 * as the reference, against Apache RocketMQ 4.8.0: one scenario per target — cluster and runtime
 * info, topic create/route/stats/delete, group create/list, consume stats and lag, consumer and
 * producer connections, running info, lookups by key / id / offsetMsgId / time, consumption state,
 * consume directly, reset offset by time, dead letters browsed and resent — each target's
 * observations asserted, then the two compared with names, addresses and times normalized.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { Admin, MQBrokerError, Producer, PushConsumer, type MessageExt } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { startApacheTarget, uniqueName, type RunningTarget } from '../lib/targets.ts';

const COUNT = 8;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMillis = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** What one target showed, by step, with names/addresses/times taken out. */
type Observations = Record<string, unknown>;

async function scenario(target: RunningTarget, cleanup: (fn: () => Promise<unknown>) => void): Promise<Observations> {
  const seen: Observations = {};
  const topic = uniqueName('admc_t');
  const group = uniqueName('admc_g');
  const dlqGroup = uniqueName('admc_d');
  const producerGroup = uniqueName('admc_p');
  const fast = { namesrvAddr: target.namesrvAddr, pollNameServerInterval: 1000, heartbeatBrokerInterval: 1000 };
  const admin = new Admin({ namesrvAddr: target.namesrvAddr });
  await admin.start();
  cleanup(() => admin.shutdown());

  const info = await admin.clusterInfo();
  seen['cluster'] = info.brokers.map((b) => ({ cluster: b.cluster, brokerName: b.brokerName, role: b.role, addrIsBroker: b.addr === target.brokerAddr }));
  // Apache 4.8 answers SYSTEM_ERROR (NoSuchElementException from its stats sampler) for a few seconds after boot.
  const runtime = await waitFor('runtime info', () => admin.brokerRuntimeInfo(target.brokerAddr), 20_000);
  seen['runtime'] = { version: runtime.version, // Apache answers −1.0 until its commit-log directory exists (before the first message).
    diskRatioInRange: runtime.commitLogDiskRatio === -1 || (runtime.commitLogDiskRatio >= 0 && runtime.commitLogDiskRatio <= 1), hasPutTps: 'putTps' in runtime.raw };

  seen['create-topic'] = (await admin.createOrUpdateTopic({ topic, readQueueNums: 4, writeQueueNums: 4 }, { cluster: 'DefaultCluster' })).length;
  const route = await waitFor('route', async () => (await admin.topicRoute(topic).catch(() => undefined)));
  seen['route'] = route.queues.map(({ readQueueNums, writeQueueNums, permText }) => ({ readQueueNums, writeQueueNums, permText }));
  seen['topic-list'] = (await admin.topicList()).includes(topic);
  await admin.createOrUpdateGroup({ groupName: group, retryMaxTimes: 3 }, { cluster: 'DefaultCluster' });
  await admin.createOrUpdateGroup({ groupName: dlqGroup, retryMaxTimes: 0 }, { cluster: 'DefaultCluster' });
  seen['groups'] = (await admin.groups()).filter((g) => g.groupName === group).map((g) => ({ retryMaxTimes: g.retryMaxTimes, consumeEnable: g.consumeEnable }));

  const producer = new Producer({ ...fast, groupName: producerGroup });
  await producer.start();
  cleanup(() => producer.shutdown());
  const sent = [];
  for (let i = 0; i < COUNT; i++) sent.push(await producer.send({ topic, body: `body-${i}`, tags: 'TagA', keys: [`k-${i}`, 'all'], properties: { colour: 'blue' } }));
  // Apache dispatches to its consume queues asynchronously: wait until all sends are counted.
  const stats = await waitFor('topic stats', async () => {
    const s = await admin.topicStats(topic);
    return s.totalMessages >= COUNT ? s : undefined;
  }, 10_000).catch(() => admin.topicStats(topic));
  seen['topic-stats'] = { queues: stats.queues.length, total: stats.totalMessages, mins: stats.queues.map((q) => q.minOffset) };

  const received: MessageExt[] = [];
  const consumer = new PushConsumer({ ...fast, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', persistConsumerOffsetInterval: 500, rebalanceInterval: 1000 });
  consumer.subscribe(topic, 'TagA || TagB');
  consumer.onMessage((message) => {
    received.push(message);
  });
  await consumer.start();
  cleanup(() => consumer.shutdown());
  await waitFor('consumed', () => received.length >= COUNT);
  const caughtUp = await waitFor('lag 0', async () => {
    const s = await admin.consumeStats(group, topic);
    return s.queues.length === 4 && s.totalLag === 0 ? s : undefined;
  });
  seen['consume-stats'] = { queues: caughtUp.queues.length, totalLag: caughtUp.totalLag, brokerOffsets: caughtUp.queues.reduce((sum, q) => sum + q.brokerOffset, 0) };
  const connection = await admin.consumerConnection(group);
  seen['consumer-connection'] = {
    members: connection.connections.map((c) => ({ self: c.clientId === consumer.clientId, language: c.language, versionDesc: c.versionDesc })),
    messageModel: connection.messageModel,
    consumeType: connection.consumeType,
    subscriptions: connection.subscriptions.filter((s) => !s.topic.startsWith('%RETRY%')).map((s) => ({ sameTopic: s.topic === topic, subString: s.subString, tagsSet: [...s.tagsSet].sort() })),
  };
  seen['consumer-connection (nobody)'] = (await admin.consumerConnection(uniqueName('nobody'))).connections.length;
  seen['consumed-by'] = (await admin.topicConsumers(topic)).includes(group);
  const producers = await waitFor('producer heartbeat', async () => {
    const p = await admin.producerConnection(producerGroup, topic);
    return p.connections.length > 0 ? p : undefined;
  });
  seen['producer-connection'] = producers.connections.map((c) => ({ self: c.clientId === producer.clientId, versionDesc: c.versionDesc }));
  const running = await admin.consumerRunningInfo(group, consumer.clientId);
  seen['running-info'] = { hasProperties: Object.keys(running.properties).length > 0, subscribes: running.subscriptions.some((s) => s.topic === topic) };

  const byKey = await admin.queryMessageByKey(topic, 'k-3');
  seen['by-key'] = byKey.map((m) => ({ body: m.bodyText, colour: m.properties['colour'], tags: m.tags, keys: m.keys }));
  seen['by-key (all)'] = (await admin.queryMessageByKey(topic, 'all')).length;
  seen['by-msgId'] = (await admin.viewMessage(topic, sent[5]!.msgId)).bodyText;
  seen['by-offsetMsgId'] = (await admin.viewMessage(topic, sent[6]!.offsetMsgId)).bodyText;
  seen['by-time'] = (await admin.queryMessageByTime(topic, { begin: Date.now() - 120_000, end: Date.now() + 1000 })).map((m) => m.bodyText).sort();
  seen['by-time (future)'] = (await admin.queryMessageByTime(topic, { begin: Date.now() + 3_600_000, end: Date.now() + 7_200_000 })).length;
  seen['track'] = (await admin.messageTrack(topic, sent[2]!.msgId)).filter((x) => x.group === group).map((x) => x.trackType);
  const direct = await admin.consumeMessageDirectly(group, consumer.clientId, topic, sent[1]!.msgId);
  seen['consume-directly'] = direct.consumeResult;
  await admin.topicRoute(uniqueName('nosuch')).then(
    () => (seen['route (unknown topic)'] = 'found'),
    (error: unknown) => (seen['route (unknown topic)'] = error instanceof MQBrokerError ? error.responseCode : String(error)),
  );

  const before = received.length;
  const reset = await admin.resetOffsetByTime(group, topic, 0);
  seen['reset-offset'] = { mode: reset.mode, offsets: reset.queues.map((q) => q.offset) };
  await waitFor('re-consumed after reset', () => received.length >= before + COUNT, 40_000);
  seen['reconsumed'] = true;

  let accept = false;
  const dlqReceived: MessageExt[] = [];
  const dlqConsumer = new PushConsumer({ ...fast, groupName: dlqGroup, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', maxReconsumeTimes: 0, rebalanceInterval: 1000 });
  dlqConsumer.subscribe(topic, '*');
  dlqConsumer.onMessage((message) => {
    if (!accept) return 'RECONSUME_LATER';
    dlqReceived.push(message);
    return 'CONSUME_SUCCESS';
  });
  await dlqConsumer.start();
  cleanup(() => dlqConsumer.shutdown());
  const dead = await waitFor('dead letters', async () => {
    const list = await admin.dlqMessages(dlqGroup);
    return list.length >= COUNT ? list : undefined;
  }, 40_000);
  const deadOne = dead.find((m) => m.keys.includes('k-4'))!;
  seen['dlq'] = { count: dead.length, retryTopicIsOriginal: deadOne.properties['RETRY_TOPIC'] === topic, body: deadOne.bodyText };
  accept = true;
  const resent = await admin.resendDlqMessage(dlqGroup, deadOne.msgId);
  const again = await waitFor('resent dead letter consumed', () => dlqReceived.find((m) => m.keys.includes('k-4')));
  seen['dlq-resend'] = { status: resent.sendStatus, originalTopic: resent.originalTopic === topic, topic: again.topic === topic, body: again.body.toString(), tags: again.tags, colour: again.properties['colour'] };

  // Apache's broker resets a group's offsets only if it holds one for every queue of the topic
  // ("THe consumer group <g> not exist" otherwise): let the group's commits cover all four first.
  await waitFor('dlq group caught up', async () => {
    const stats = await admin.consumeStats(dlqGroup, topic).catch(() => undefined);
    return stats && stats.queues.length === 4 && stats.totalLag === 0 ? stats : undefined;
  });
  await dlqConsumer.shutdown();
  const offline = await admin.resetOffsetByTime(dlqGroup, topic, 0);
  seen['reset-offset (offline)'] = { mode: offline.mode, offsets: offline.queues.map((q) => q.offset) };
  seen['lag (after offline reset)'] = (await admin.consumeStats(dlqGroup, topic)).totalLag;

  await admin.deleteTopic(topic, 'DefaultCluster');
  seen['deleted'] = !(await admin.topicList()).includes(topic);
  return seen;
}

const expected: Observations = {
  cluster: [{ cluster: 'DefaultCluster', brokerName: 'broker-a', role: 'MASTER', addrIsBroker: true }],
  runtime: { version: 'V4_8_0', diskRatioInRange: true, hasPutTps: true },
  'create-topic': 1,
  route: [{ readQueueNums: 4, writeQueueNums: 4, permText: 'RW-' }],
  'topic-list': true,
  groups: [{ retryMaxTimes: 3, consumeEnable: true }],
  'topic-stats': { queues: 4, total: COUNT, mins: [0, 0, 0, 0] },
  'consume-stats': { queues: 4, totalLag: 0, brokerOffsets: COUNT },
  'consumer-connection': {
    members: [{ self: true, language: 'JAVA', versionDesc: 'V4_8_0' }],
    messageModel: 'CLUSTERING',
    consumeType: 'CONSUME_PASSIVELY',
    subscriptions: [{ sameTopic: true, subString: 'TagA || TagB', tagsSet: ['TagA', 'TagB'] }],
  },
  'consumer-connection (nobody)': 0,
  'consumed-by': true,
  'producer-connection': [{ self: true, versionDesc: 'V4_8_0' }],
  'running-info': { hasProperties: true, subscribes: true },
  'by-key': [{ body: 'body-3', colour: 'blue', tags: 'TagA', keys: ['k-3', 'all'] }],
  'by-key (all)': COUNT,
  'by-msgId': 'body-5',
  'by-offsetMsgId': 'body-6',
  'by-time': Array.from({ length: COUNT }, (_, i) => `body-${i}`).sort(),
  'by-time (future)': 0,
  track: ['CONSUMED'],
  'consume-directly': 'CR_SUCCESS',
  'route (unknown topic)': 17,
  'reset-offset': { mode: 'broker', offsets: [0, 0, 0, 0] },
  reconsumed: true,
  dlq: { count: COUNT, retryTopicIsOriginal: true, body: 'body-4' },
  'dlq-resend': { status: 'SEND_OK', originalTopic: true, topic: true, body: 'body-4', tags: 'TagA', colour: 'blue' },
  'reset-offset (offline)': { mode: 'offline', offsets: [0, 0, 0, 0] },
  'lag (after offline reset)': COUNT,
  deleted: true,
};

const targets: { name: string; start: () => Promise<RunningTarget> }[] = [
  { name: 'rocketmq-ts', start: () => startCluster() },
  { name: 'Apache RocketMQ 4.8.0', start: () => startApacheTarget('admin-client') },
];

describe('Admin client: rocketmq-ts and Apache RocketMQ 4.8.0', () => {
  const results = new Map<string, Observations>();
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  });

  for (const target of targets) {
    test(target.name, async () => {
      const server = await target.start();
      cleanups.push(() => server.stop());
      const local: (() => Promise<unknown>)[] = [];
      try {
        const seen = await scenario(server, (fn) => local.push(fn));
        results.set(target.name, seen);
        const wrong = Object.entries(expected).filter(([step, value]) => !isDeepStrictEqual(seen[step], value));
        assert.deepEqual(
          Object.fromEntries(wrong.map(([step]) => [step, seen[step]])),
          Object.fromEntries(wrong.map(([step, value]) => [step, value])),
          `${target.name}: steps ${wrong.map(([step]) => step).join(', ')} differ from what is expected`,
        );
      } finally {
        for (const fn of local.reverse()) await fn().catch(() => undefined);
      }
    });
  }

  test('both targets showed the same', () => {
    const ours = results.get('rocketmq-ts');
    const apache = results.get('Apache RocketMQ 4.8.0');
    assert.ok(ours && apache, 'both scenarios ran');
    assert.deepEqual(ours, apache);
  });
});
