/** Delay levels, consumer send-back to %RETRY% and the dead-letter queue, over TCP against a real broker. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import {
  buildSubscriptionData,
  ConsumerSendMsgBackRequestHeader,
  createRequest,
  decodeHeader,
  decodeStoredMessages,
  encodeHeader,
  encodeHeartbeatData,
  encodeProperties,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PullSysFlag,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
  type StoredMessage,
} from '@rocketmq-ts/protocol';
import { startCluster, type TestCluster } from '@rocketmq-ts/server/internal';

async function send(client: RemotingClient, cluster: TestCluster, topic: string, properties: Record<string, string>): Promise<void> {
  const response = await client.invoke(
    cluster.brokerAddr,
    createRequest(RequestCode.SEND_MESSAGE_V2, {
      extFields: encodeHeader(SendMessageRequestHeaderV2, { producerGroup: 'p', topic, defaultTopic: 'TBW102', defaultTopicQueueNums: 1, queueId: 0, sysFlag: 0, bornTimestamp: Date.now(), flag: 0, properties: encodeProperties(properties) }),
      body: Buffer.from('payload'),
    }),
  );
  assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
}

/** Pulls everything from queue 0 of a topic, waiting up to `waitMillis` for something to arrive. */
async function pullAll(client: RemotingClient, cluster: TestCluster, group: string, topic: string, offset: number, waitMillis: number): Promise<StoredMessage[]> {
  const response = await client.invoke(
    cluster.brokerAddr,
    createRequest(RequestCode.PULL_MESSAGE, {
      extFields: encodeHeader(PullMessageRequestHeader, {
        consumerGroup: group,
        topic,
        queueId: 0,
        queueOffset: offset,
        maxMsgNums: 32,
        sysFlag: PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION,
        commitOffset: 0,
        suspendTimeoutMillis: waitMillis,
        subscription: '*',
        subVersion: 0,
        expressionType: 'TAG',
      }),
    }),
    waitMillis + 5000,
  );
  if (response.code !== ResponseCode.SUCCESS) return [];
  decodeHeader(PullMessageResponseHeader, response.extFields);
  return decodeStoredMessages(response.body!);
}

it('a message with DELAY level 1 arrives on its topic after the level delay, not before', { timeout: 30_000 }, async (t) => {
  const cluster = await startCluster(t, { messageDelayLevel: '1s 2s 3s' });
  const client = new RemotingClient();
  t.after(() => client.close());
  const topic = `delay_${randomUUID().slice(0, 8)}`;
  const sentAt = Date.now();
  await send(client, cluster, topic, { DELAY: '1', KEYS: 'k1', UNIQ_KEY: 'U1' });
  await send(client, cluster, topic, { KEYS: 'now' });
  const first = await pullAll(client, cluster, 'g', topic, 0, 5000);
  assert.deepEqual(first.map((m) => m.properties['KEYS']), ['now'], 'the undelayed one first');
  const delayed = await pullAll(client, cluster, 'g', topic, 1, 5000);
  const arrivedAfter = Date.now() - sentAt;
  assert.equal(delayed.length, 1);
  assert.ok(arrivedAfter >= 1000, `arrived after ${arrivedAfter} ms`);
  assert.ok(arrivedAfter < 3500, `arrived after ${arrivedAfter} ms`);
  assert.equal(delayed[0]!.properties['KEYS'], 'k1');
  assert.equal(delayed[0]!.properties['UNIQ_KEY'], 'U1');
  // As 4.8's ScheduleMessageService.messageTimeup: the properties are serialized before DELAY is
  // cleared and WAIT set, so the delivered message still carries them (and REAL_TOPIC/REAL_QID).
  assert.equal(delayed[0]!.properties['DELAY'], '1');
  assert.equal(delayed[0]!.properties['WAIT'], undefined);
  assert.equal(delayed[0]!.properties['REAL_TOPIC'], topic);
  assert.equal(delayed[0]!.properties['REAL_QID'], '0');
});

it('send-back retries with growing levels, keeps the ids, then dead-letters after maxReconsumeTimes', { timeout: 60_000 }, async (t) => {
  const cluster = await startCluster(t, { messageDelayLevel: '1s 1s 1s 1s 1s' });
  const client = new RemotingClient();
  t.after(() => client.close());
  const topic = `retry_${randomUUID().slice(0, 8)}`;
  const group = `g_${randomUUID().slice(0, 8)}`;
  const heartbeat = encodeHeartbeatData({
    clientID: '127.0.0.1@t',
    producerDataSet: [],
    consumerDataSet: [
      { groupName: group, consumeType: 'CONSUME_PASSIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', subscriptionDataSet: [buildSubscriptionData(topic, '*')], unitMode: false },
    ],
  });
  assert.equal((await client.invoke(cluster.brokerAddr, createRequest(RequestCode.HEART_BEAT, { body: heartbeat }))).code, ResponseCode.SUCCESS);
  await send(client, cluster, topic, { KEYS: 'order-1', UNIQ_KEY: 'UNIQ-1', TAGS: 'TagA' });
  let [message] = await pullAll(client, cluster, group, topic, 0, 3000);
  const producerBornHost = message!.bornHost;
  const retryTopic = `%RETRY%${group}`;
  const maxReconsumeTimes = 2;
  for (let attempt = 1; attempt <= maxReconsumeTimes + 1; attempt++) {
    const back = await client.invoke(
      cluster.brokerAddr,
      createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
        extFields: encodeHeader(ConsumerSendMsgBackRequestHeader, { offset: message!.commitLogOffset, group, delayLevel: 0, originMsgId: 'UNIQ-1', originTopic: topic, unitMode: false, maxReconsumeTimes }),
      }),
    );
    assert.equal(back.code, ResponseCode.SUCCESS, back.remark);
    if (attempt > maxReconsumeTimes) break;
    [message] = await pullAll(client, cluster, group, retryTopic, attempt - 1, 8000);
    assert.ok(message, `retry ${attempt} arrived`);
    assert.equal(message.reconsumeTimes, attempt);
    assert.equal(message.properties['UNIQ_KEY'], 'UNIQ-1');
    assert.equal(message.properties['KEYS'], 'order-1');
    assert.equal(message.properties['RETRY_TOPIC'], topic);
    assert.equal(message.body.toString(), 'payload');
    // 4.8: the retry keeps the producer's bornHost, WAIT=false and its schedule level (3 + reconsumeTimes − 1).
    assert.deepEqual(message.bornHost, producerBornHost);
    assert.equal(message.properties['WAIT'], 'false');
    assert.equal(message.properties['DELAY'], String(2 + attempt));
    assert.equal(message.properties['REAL_TOPIC'], retryTopic);
    assert.ok(message.properties['ORIGIN_MESSAGE_ID'], 'ORIGIN_MESSAGE_ID');
  }
  const dlq = await pullAll(client, cluster, 'dlq-reader', `%DLQ%${group}`, 0, 3000);
  // %DLQ% is write-only (perm 2) as in RocketMQ: reading it needs the admin to grant read; check the store instead.
  assert.equal(dlq.length, 0);
  // As in 4.8 the DLQ copy keeps the DELAY of its last retry (level 4, 1 s): it is parked there first.
  const store = cluster.broker.internals.store;
  assert.equal(store.getMaxOffsetInQueue(`%DLQ%${group}`, 0), 0, 'parked at the last retry level first');
  const deadline = Date.now() + 5000;
  while (store.getMaxOffsetInQueue(`%DLQ%${group}`, 0) < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(store.getMaxOffsetInQueue(`%DLQ%${group}`, 0), 1, 'the message is in the dead-letter queue');
  const stored = await store.getMessage('dlq-reader', `%DLQ%${group}`, 0, 0, 1);
  const [dead] = decodeStoredMessages(Buffer.concat(stored.messages));
  assert.equal(dead!.reconsumeTimes, maxReconsumeTimes + 1);
  assert.equal(dead!.properties['UNIQ_KEY'], 'UNIQ-1');
  assert.equal(dead!.properties['RETRY_TOPIC'], topic);
  assert.equal(dead!.properties['DELAY'], String(2 + maxReconsumeTimes));
  assert.equal(dead!.properties['REAL_TOPIC'], `%DLQ%${group}`);
  assert.equal(dead!.properties['WAIT'], 'false');
  assert.deepEqual(dead!.bornHost, producerBornHost);
});

it('send-back with a negative level dead-letters at once, storing ORIGIN_MESSAGE_ID in the map only (as 4.8)', { timeout: 30_000 }, async (t) => {
  const cluster = await startCluster(t, { messageDelayLevel: '1s 1s 1s 1s 1s' });
  const client = new RemotingClient();
  t.after(() => client.close());
  const topic = `dead_${randomUUID().slice(0, 8)}`;
  const group = `g_${randomUUID().slice(0, 8)}`;
  await send(client, cluster, topic, { KEYS: 'k', UNIQ_KEY: 'U-2' });
  const [message] = await pullAll(client, cluster, group, topic, 0, 3000);
  const back = await client.invoke(
    cluster.brokerAddr,
    createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
      extFields: encodeHeader(ConsumerSendMsgBackRequestHeader, { offset: message!.commitLogOffset, group, delayLevel: -1, originMsgId: 'U-2', originTopic: topic, unitMode: false, maxReconsumeTimes: 16 }),
    }),
  );
  assert.equal(back.code, ResponseCode.SUCCESS, back.remark);
  const store = cluster.broker.internals.store;
  assert.equal(store.getMaxOffsetInQueue(`%DLQ%${group}`, 0), 1, 'dead-lettered without a delay');
  const [dead] = decodeStoredMessages(Buffer.concat((await store.getMessage('r', `%DLQ%${group}`, 0, 0, 1)).messages));
  assert.equal(dead!.reconsumeTimes, 1);
  assert.equal(dead!.properties['RETRY_TOPIC'], topic);
  assert.equal(dead!.properties['WAIT'], 'false');
  assert.equal(dead!.properties['DELAY'], undefined);
  assert.equal(dead!.properties['REAL_TOPIC'], undefined);
  assert.equal(dead!.properties['ORIGIN_MESSAGE_ID'], undefined);
  assert.deepEqual(dead!.bornHost, message!.bornHost);
});
