/** Admin codes over TCP against a real broker: topic creation visible at once, statistics, connections. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import {
  buildSubscriptionData,
  CreateTopicRequestHeader,
  createRequest,
  decodeConsumerConnection,
  decodeConsumeStats,
  decodeGroupList,
  decodeTopicStatsTable,
  encodeHeader,
  encodeHeartbeatData,
  encodeProperties,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';

function createTopic(topic: string) {
  return createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
    extFields: encodeHeader(CreateTopicRequestHeader, { topic, defaultTopic: 'TBW102', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false }),
  });
}

it('a created topic is routable as soon as UPDATE_AND_CREATE_TOPIC answers', async (t) => {
  const cluster = await startCluster(t);
  const client = new RemotingClient();
  t.after(() => client.close());
  for (let i = 0; i < 20; i++) {
    const topic = `admin_${randomUUID().slice(0, 8)}`;
    assert.equal((await client.invoke(cluster.brokerAddr, createTopic(topic))).code, ResponseCode.SUCCESS);
    const route = await client.invoke(cluster.namesrvAddr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic } }));
    assert.equal(route.code, ResponseCode.SUCCESS, `round ${i}: ${route.remark}`);
  }
});

it('reports topic stats, consume stats, who consumes, and consumer connections', async (t) => {
  const cluster = await startCluster(t);
  const client = new RemotingClient();
  t.after(() => client.close());
  const topic = `stats_${randomUUID().slice(0, 8)}`;
  const group = `g_${randomUUID().slice(0, 8)}`;
  await client.invoke(cluster.brokerAddr, createTopic(topic));
  for (let i = 0; i < 6; i++) {
    const sent = await client.invoke(
      cluster.brokerAddr,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: encodeHeader(SendMessageRequestHeaderV2, { producerGroup: 'p', topic, defaultTopic: 'TBW102', defaultTopicQueueNums: 4, queueId: i % 2, sysFlag: 0, bornTimestamp: Date.now(), flag: 0, properties: encodeProperties({ TAGS: 'a' }) }),
        body: Buffer.from(`m${i}`),
      }),
    );
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
  }
  await client.invoke(cluster.brokerAddr, createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { extFields: { consumerGroup: group, topic, queueId: '0', commitOffset: '1' } }));
  const heartbeat = await client.invoke(
    cluster.brokerAddr,
    createRequest(RequestCode.HEART_BEAT, {
      body: encodeHeartbeatData({
        clientID: '127.0.0.1@test',
        producerDataSet: [],
        consumerDataSet: [
          { groupName: group, consumeType: 'CONSUME_PASSIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET', subscriptionDataSet: [buildSubscriptionData(topic, '*')], unitMode: false },
        ],
      }),
    }),
  );
  assert.equal(heartbeat.code, ResponseCode.SUCCESS);

  const topicStats = decodeTopicStatsTable((await client.invoke(cluster.brokerAddr, createRequest(RequestCode.GET_TOPIC_STATS_INFO, { extFields: { topic } }))).body);
  assert.deepEqual([...topicStats.offsetTable.values()].map((o) => o.maxOffset), [3, 3]);
  const consumeStats = decodeConsumeStats((await client.invoke(cluster.brokerAddr, createRequest(RequestCode.GET_CONSUME_STATS, { extFields: { consumerGroup: group, topic } }))).body);
  const lag = [...consumeStats.offsetTable.values()].reduce((sum, o) => sum + o.brokerOffset - o.consumerOffset, 0);
  assert.equal(lag, 5);
  const who = decodeGroupList((await client.invoke(cluster.brokerAddr, createRequest(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, { extFields: { topic } }))).body);
  assert.deepEqual(who, [group]);
  const connections = decodeConsumerConnection((await client.invoke(cluster.brokerAddr, createRequest(RequestCode.GET_CONSUMER_CONNECTION_LIST, { extFields: { consumerGroup: group } }))).body);
  assert.deepEqual(connections.connectionSet.map((c) => c.clientId), ['127.0.0.1@test']);
  const offline = await client.invoke(cluster.brokerAddr, createRequest(RequestCode.GET_CONSUMER_CONNECTION_LIST, { extFields: { consumerGroup: 'nobody' } }));
  assert.equal(offline.code, ResponseCode.CONSUMER_NOT_ONLINE);
});

it('refuses to start as a SLAVE with brokerId 0, naming the fix', async () => {
  await assert.rejects(startCluster(undefined, { brokerRole: 'SLAVE' }), /Slave's brokerId must be > 0.*set brokerId=1/);
});
