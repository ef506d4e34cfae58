/**
 * The Admin client against our name server and broker (startCluster): cluster and runtime info,
 * topic and group lifecycle, stats, connections, message lookups, offset reset, consuming one
 * message directly, and dead-letter browse + resend reaching the group's consumer again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { Admin, MQBrokerError, MQClientError, Producer, PushConsumer, type MessageExt } from '../src/index.ts';

const id = () => randomUUID().replace(/-/g, '').slice(0, 10);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMillis = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

test('Admin client against rocketmq-ts', async (t) => {
  const cluster = await startCluster(t);
  const admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
  await admin.start();
  t.after(() => admin.shutdown());
  const topic = `adm_${id()}`;
  const group = `admg_${id()}`;
  const dlqGroup = `admdlq_${id()}`;
  const producerGroup = `admp_${id()}`;

  // cluster
  const info = await admin.clusterInfo();
  assert.deepEqual(info.clusters, { DefaultCluster: ['broker-a'] });
  assert.deepEqual(info.brokers, [{ cluster: 'DefaultCluster', brokerName: 'broker-a', brokerId: 0, addr: cluster.brokerAddr, role: 'MASTER' }]);
  const runtime = await admin.brokerRuntimeInfo(cluster.brokerAddr);
  assert.equal(runtime.version, 'V4_8_0');
  assert.ok(runtime.commitLogDiskRatio >= 0 && runtime.commitLogDiskRatio <= 1);
  assert.ok('putTps' in runtime.raw);

  // topic lifecycle
  assert.deepEqual(await admin.createOrUpdateTopic({ topic, readQueueNums: 4, writeQueueNums: 4 }, { cluster: 'DefaultCluster' }), [cluster.brokerAddr]);
  assert.ok((await admin.topicList()).includes(topic));
  const route = await admin.topicRoute(topic);
  assert.deepEqual(route.queues, [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, permText: 'RW-', topicSysFlag: 0 }]);
  assert.deepEqual(route.brokers[0]?.addrs, { '0': cluster.brokerAddr });
  await assert.rejects(admin.createOrUpdateTopic({ topic, perm: 9 }, { cluster: 'DefaultCluster' }), MQClientError);
  await assert.rejects(admin.createOrUpdateTopic({ topic }, { cluster: 'NoSuchCluster' }), /NoSuchCluster/);

  // groups
  await admin.createOrUpdateGroup({ groupName: group, retryMaxTimes: 3 }, { cluster: 'DefaultCluster' });
  await admin.createOrUpdateGroup({ groupName: dlqGroup, retryMaxTimes: 0 }, { brokerAddr: cluster.brokerAddr });
  const groups = await admin.groups();
  assert.equal(groups.find((g) => g.groupName === group)?.retryMaxTimes, 3);

  // traffic
  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: producerGroup, heartbeatBrokerInterval: 300 });
  await producer.start();
  t.after(() => producer.shutdown());
  const sent = [];
  for (let i = 0; i < 10; i++) sent.push(await producer.send({ topic, body: `body-${i}`, tags: 'TagA', keys: [`k-${i}`, 'all'], properties: { colour: 'blue' } }));
  const stats = await admin.topicStats(topic);
  assert.equal(stats.queues.length, 4);
  assert.equal(stats.totalMessages, 10);
  assert.ok(stats.queues.every((q) => q.minOffset === 0));

  const received: MessageExt[] = [];
  const consumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', persistConsumerOffsetInterval: 200 });
  consumer.subscribe(topic, 'TagA || TagB');
  consumer.onMessage((message) => {
    received.push(message);
  });
  await consumer.start();
  t.after(() => consumer.shutdown());
  await waitFor('10 messages consumed', () => received.length >= 10);
  const caughtUp = await waitFor('lag 0', async () => {
    const s = await admin.consumeStats(group, topic);
    return s.queues.length === 4 && s.totalLag === 0 ? s : undefined;
  });
  assert.equal(caughtUp.queues.reduce((sum, q) => sum + q.brokerOffset, 0), 10);

  const connection = await admin.consumerConnection(group);
  assert.equal(connection.connections.length, 1);
  assert.equal(connection.connections[0]?.clientId, consumer.clientId);
  assert.equal(connection.connections[0]?.versionDesc, 'V4_8_0');
  assert.equal(connection.messageModel, 'CLUSTERING');
  assert.ok(connection.subscriptions.some((s) => s.topic === topic && s.subString === 'TagA || TagB'));
  assert.deepEqual((await admin.consumerConnection(`nobody_${id()}`)).connections, []);
  assert.ok((await admin.topicConsumers(topic)).includes(group));
  const producers = await waitFor('producer heartbeat', async () => {
    const p = await admin.producerConnection(producerGroup, topic);
    return p.connections.length > 0 ? p : undefined;
  });
  assert.deepEqual(producers.connections.map((c) => c.clientId), [producer.clientId]);
  const running = await admin.consumerRunningInfo(group, consumer.clientId);
  assert.ok(Object.keys(running.properties).length > 0);
  assert.ok(running.subscriptions.some((s) => s.topic === topic));

  // messages
  const byKey = await admin.queryMessageByKey(topic, 'k-3');
  assert.equal(byKey.length, 1);
  assert.equal(byKey[0]?.bodyText, 'body-3');
  assert.equal(byKey[0]?.properties['colour'], 'blue');
  assert.equal((await admin.queryMessageByKey(topic, 'all', { maxNum: 64 })).length, 10);
  const byUniq = await admin.viewMessage(topic, sent[5]!.msgId);
  assert.equal(byUniq.bodyText, 'body-5');
  const byOffset = await admin.viewMessage(topic, sent[6]!.offsetMsgId);
  assert.equal(byOffset.bodyText, 'body-6');
  const byTime = await admin.queryMessageByTime(topic, { begin: Date.now() - 60_000, end: Date.now() + 1000 });
  assert.deepEqual(byTime.map((m) => m.bodyText).sort(), sent.map((_, i) => `body-${i}`).sort());
  assert.deepEqual(await admin.queryMessageByTime(topic, { begin: Date.now() + 3_600_000, end: Date.now() + 7_200_000 }), []);
  await assert.rejects(admin.queryMessageByTime(topic, { begin: 10, end: 5 }), /bad time range/);
  await assert.rejects(admin.viewMessage(topic, 'zz'), /not a message id/);
  const track = await admin.messageTrack(topic, sent[2]!.msgId);
  assert.deepEqual(track.find((x) => x.group === group)?.trackType, 'CONSUMED');
  const direct = await admin.consumeMessageDirectly(group, consumer.clientId, topic, sent[1]!.msgId);
  assert.equal(direct.consumeResult, 'CR_SUCCESS');

  // reset to the beginning: the live consumer gets all ten again
  const before = received.length;
  const reset = await admin.resetOffsetByTime(group, topic, 0);
  assert.equal(reset.mode, 'broker');
  assert.deepEqual(reset.queues.map((q) => q.offset), [0, 0, 0, 0]);
  await waitFor('10 messages consumed again', () => received.length >= before + 10, 30_000);

  // dead letters: maxReconsumeTimes 0 sends the first failure straight to %DLQ%<group>
  let accept = false;
  const dlqReceived: MessageExt[] = [];
  const dlqConsumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: dlqGroup, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', maxReconsumeTimes: 0, pollNameServerInterval: 1000, rebalanceInterval: 1000 });
  dlqConsumer.subscribe(topic, '*');
  dlqConsumer.onMessage((message) => {
    if (!accept) return 'RECONSUME_LATER';
    dlqReceived.push(message);
    return 'CONSUME_SUCCESS';
  });
  await dlqConsumer.start();
  t.after(() => dlqConsumer.shutdown());
  const dead = await waitFor('10 dead letters', async () => {
    const list = await admin.dlqMessages(dlqGroup);
    return list.length >= 10 ? list : undefined;
  }, 30_000);
  const deadOne = dead.find((m) => m.keys.includes('k-4'));
  assert.ok(deadOne);
  assert.equal(deadOne.topic, `%DLQ%${dlqGroup}`);
  assert.equal(deadOne.properties['RETRY_TOPIC'], topic);
  assert.deepEqual(await admin.dlqMessages(`nodlq_${id()}`), []);
  accept = true;
  const resent = await admin.resendDlqMessage(dlqGroup, deadOne.msgId);
  assert.equal(resent.originalTopic, topic);
  assert.equal(resent.messageQueue.topic, `%RETRY%${dlqGroup}`);
  const again = await waitFor('resent dead letter consumed', () => dlqReceived.find((m) => m.keys.includes('k-4')));
  assert.equal(again.topic, topic);
  assert.equal(again.body.toString(), 'body-4');
  assert.equal(again.tags, 'TagA');
  assert.equal(again.properties['colour'], 'blue');

  // no consumer online: the offsets are committed directly (mqadmin's fallback)
  await dlqConsumer.shutdown();
  const offline = await admin.resetOffsetByTime(dlqGroup, topic, 0);
  assert.equal(offline.mode, 'offline');
  assert.deepEqual(offline.queues.map((q) => q.offset), [0, 0, 0, 0]);
  assert.equal((await admin.consumeStats(dlqGroup, topic)).totalLag, 10);

  // delete
  await admin.deleteGroup(group, { cluster: 'DefaultCluster' });
  assert.ok(!(await admin.groups()).some((g) => g.groupName === group));
  await admin.deleteTopic(topic, 'DefaultCluster');
  assert.ok(!(await admin.topicList()).includes(topic));
  await assert.rejects(admin.topicRoute(topic), (error: unknown) => error instanceof MQBrokerError && error.responseCode === 17);
});

test('Admin reports an unreachable name server quickly', async () => {
  const admin = new Admin({ namesrvAddr: '127.0.0.1:1' });
  await admin.start();
  const started = Date.now();
  await assert.rejects(admin.clusterInfo(), (error: unknown) => error instanceof MQClientError && /no name server answered/.test(error.message) && Admin.isUnreachable(error));
  assert.ok(Date.now() - started < 4000);
  await admin.shutdown();
});
