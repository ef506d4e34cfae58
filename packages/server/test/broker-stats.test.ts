/** Broker statistics over TCP: VIEW_BROKER_STATS_DATA (315), consumeTps and runtime TPS from live sends and pulls. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import {
  buildSubscriptionData,
  createRequest,
  decodeBrokerStatsData,
  decodeConsumeStats,
  decodeKVTable,
  encodeHeader,
  encodeHeartbeatData,
  encodeProperties,
  PullMessageRequestHeader,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';

it('counts puts per topic and gets per topic@group as Apache, and answers 315, consumeTps and putTps from them', async (t) => {
  const cluster = await startCluster(t);
  const client = new RemotingClient();
  t.after(() => client.close());
  const topic = `st_${randomUUID().slice(0, 8)}`;
  const group = `g_${randomUUID().slice(0, 8)}`;
  const body = Buffer.alloc(100, 1);
  for (let i = 0; i < 10; i++) {
    const sent = await client.invoke(
      cluster.brokerAddr,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: encodeHeader(SendMessageRequestHeaderV2, { producerGroup: 'p', topic, defaultTopic: 'TBW102', defaultTopicQueueNums: 1, queueId: 0, sysFlag: 0, bornTimestamp: Date.now(), flag: 0, properties: encodeProperties({ TAGS: 'a' }) }),
        body,
      }),
    );
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
  }
  const heartbeat = await client.invoke(
    cluster.brokerAddr,
    createRequest(RequestCode.HEART_BEAT, {
      body: encodeHeartbeatData({
        clientID: '127.0.0.1@stats',
        producerDataSet: [],
        consumerDataSet: [
          { groupName: group, consumeType: 'CONSUME_PASSIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', subscriptionDataSet: [buildSubscriptionData(topic, '*')], unitMode: false },
        ],
      }),
    }),
  );
  assert.equal(heartbeat.code, ResponseCode.SUCCESS);
  const pulled = await client.invoke(
    cluster.brokerAddr,
    createRequest(RequestCode.PULL_MESSAGE, {
      extFields: encodeHeader(PullMessageRequestHeader, { consumerGroup: group, topic, queueId: 0, queueOffset: 0, maxMsgNums: 32, sysFlag: 0, commitOffset: 0, suspendTimeoutMillis: 0, subscription: '*', subVersion: 0 }),
    }),
  );
  assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark);

  // A 10 s sampling round, as Apache's schedule would run (until then a fresh key shows its creation sample).
  cluster.broker.internals.statsManager.sample('minute');
  const view = async (statsName: string, statsKey: string) =>
    client.invoke(cluster.brokerAddr, createRequest(RequestCode.VIEW_BROKER_STATS_DATA, { extFields: { statsName, statsKey } }));
  const put = decodeBrokerStatsData((await view('TOPIC_PUT_NUMS', topic)).body);
  assert.equal(put.statsMinute.sum, 10);
  assert.equal(put.statsMinute.avgpt, 1, 'one message per send');
  assert.ok(put.statsMinute.tps > 0);
  assert.ok(put.statsHour.sum >= 1 && put.statsDay.sum >= 1, 'hour and day windows sampled at creation');
  const size = decodeBrokerStatsData((await view('TOPIC_PUT_SIZE', topic)).body);
  assert.ok(size.statsMinute.sum > 10 * body.length, `stored bytes ${size.statsMinute.sum} include the record headers`);
  const get = decodeBrokerStatsData((await view('GROUP_GET_NUMS', `${topic}@${group}`)).body);
  assert.equal(get.statsMinute.sum, 10);
  assert.equal(get.statsMinute.avgpt, 10, 'one pull found all ten');
  const cluster_ = decodeBrokerStatsData((await view('BROKER_PUT_NUMS', 'DefaultCluster')).body);
  assert.ok(cluster_.statsMinute.sum >= 10);

  const missing = await view('TOPIC_PUT_NUMS', 'no_such_topic');
  assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
  assert.equal(missing.remark, 'The stats <TOPIC_PUT_NUMS> <no_such_topic> not exist');

  const consume = decodeConsumeStats(
    (await client.invoke(cluster.brokerAddr, createRequest(RequestCode.GET_CONSUME_STATS, { extFields: { consumerGroup: group, topic } }))).body,
  );
  assert.ok(consume.consumeTps > 0, `consumeTps ${consume.consumeTps}`);

  const info = decodeKVTable((await client.invoke(cluster.brokerAddr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO))).body);
  assert.match(info.get('putTps')!, /^(\d+\.\d+(E-?\d+)?)? (\d+\.\d+(E-?\d+)?)? (\d+\.\d+(E-?\d+)?)?$/, info.get('putTps'));
});
