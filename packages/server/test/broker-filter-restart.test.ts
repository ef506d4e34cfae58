/**
 * SQL92 consumer filters survive a broker restart, as Apache's config/consumerFilter.json
 * makes them: the restarted broker knows the group's filter (expression, subscription version,
 * birth time) before any heartbeat, a heartbeat of the same version keeps it, and pulls relying
 * on the heartbeat's subscription are filtered.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import {
  buildSubscriptionData,
  createRequest,
  decodeStoredMessages,
  encodeHeader,
  encodeHeartbeatData,
  encodeProperties,
  PullMessageRequestHeader,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { Broker, startCluster } from '@rocketmq-ts/server/internal';

it('SQL92 filters are kept in config/consumerFilter.json and restored at start', { timeout: 60_000 }, async (t) => {
  const cluster = await startCluster(t, { enablePropertyFilter: true });
  const client = new RemotingClient();
  t.after(() => client.close());
  const topic = `sqlrestart_${randomUUID().slice(0, 8)}`;
  const group = `g_${randomUUID().slice(0, 8)}`;
  const subVersion = 1_700_000_000_123;
  for (let i = 0; i < 10; i++) {
    const response = await client.invoke(
      cluster.brokerAddr,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: encodeHeader(SendMessageRequestHeaderV2, { producerGroup: 'p', topic, defaultTopic: 'TBW102', defaultTopicQueueNums: 1, queueId: 0, sysFlag: 0, bornTimestamp: Date.now(), flag: 0, properties: encodeProperties({ a: String(i) }) }),
        body: Buffer.from(`m${i}`),
      }),
    );
    assert.equal(response.code, ResponseCode.SUCCESS);
  }
  const heartbeat = () =>
    client.invoke(
      cluster.brokerAddr,
      createRequest(RequestCode.HEART_BEAT, {
        body: encodeHeartbeatData({
          clientID: 'filter-restart-client',
          producerDataSet: [],
          consumerDataSet: [{ groupName: group, consumeType: 'CONSUME_PASSIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', unitMode: false, subscriptionDataSet: [buildSubscriptionData(topic, 'a >= 8', 'SQL92', subVersion)] }],
        }),
      }),
    );
  // Relies on the heartbeat's subscription (no SUBSCRIPTION flag), as the Java push consumer does.
  const pull = async (): Promise<{ code: number; bodies: string[] }> => {
    const response = await client.invoke(
      cluster.brokerAddr,
      createRequest(RequestCode.PULL_MESSAGE, {
        extFields: encodeHeader(PullMessageRequestHeader, { consumerGroup: group, topic, queueId: 0, queueOffset: 0, maxMsgNums: 32, sysFlag: 0, commitOffset: 0, suspendTimeoutMillis: 0, subscription: '', subVersion, expressionType: 'SQL92' }),
      }),
    );
    return { code: response.code, bodies: response.code === ResponseCode.SUCCESS ? decodeStoredMessages(response.body!).map((m) => m.body.toString()) : [] };
  };

  assert.equal((await heartbeat()).code, ResponseCode.SUCCESS);
  assert.deepEqual(await pull(), { code: ResponseCode.SUCCESS, bodies: ['m8', 'm9'] });
  const before = cluster.broker.internals.filters.get(topic, group);
  assert.ok(before);

  const config = cluster.broker.config;
  await cluster.broker.stop();
  const file = join(config.storePathRootDir, 'config', 'consumerFilter.json');
  assert.ok(existsSync(file), 'consumerFilter.json written');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { filterDataByTopic: Record<string, { topic: string; groupFilterData: Record<string, Record<string, unknown>> }> };
  assert.deepEqual(json.filterDataByTopic[topic]?.groupFilterData[group], {
    bornTime: before.bornTime,
    clientVersion: subVersion,
    consumerGroup: group,
    dead: false,
    deadTime: 0,
    expression: 'a >= 8',
    expressionType: 'SQL92',
    topic,
  });

  await client.closeConnection(cluster.brokerAddr);
  const restarted = new Broker({ config: { ...config } });
  await restarted.start();
  t.after(() => restarted.stop());
  const loaded = restarted.internals.filters.get(topic, group);
  assert.ok(loaded, 'the filter is known before any heartbeat');
  assert.equal(loaded.expression, 'a >= 8');
  assert.equal(loaded.clientVersion, subVersion);
  assert.equal(loaded.bornTime, before.bornTime);

  // The group itself comes back with its heartbeat (consumers are not persisted, as in Apache); the filter is kept, not rebuilt.
  assert.equal((await heartbeat()).code, ResponseCode.SUCCESS);
  assert.equal(restarted.internals.filters.get(topic, group)?.bornTime, before.bornTime);
  assert.deepEqual(await pull(), { code: ResponseCode.SUCCESS, bodies: ['m8', 'm9'] });
});
