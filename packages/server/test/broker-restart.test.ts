/**
 * Restart under load: producers keep sending while the broker stops and starts again on the
 * same store. Every acknowledged message is there afterwards, exactly once, and a consumer
 * group resumes from the offsets it committed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import {
  createRequest,
  decodeHeader,
  decodeStoredMessages,
  encodeHeader,
  encodeProperties,
  PullMessageRequestHeader,
  PullSysFlag,
  QueryConsumerOffsetResponseHeader,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { Broker, startCluster } from '@rocketmq-ts/server/internal';

it('nothing acknowledged is lost across a broker restart under load; committed offsets survive', { timeout: 60_000 }, async (t) => {
  const cluster = await startCluster(t);
  const client = new RemotingClient();
  t.after(() => client.close());
  const topic = `restart_${randomUUID().slice(0, 8)}`;
  const group = `g_${randomUUID().slice(0, 8)}`;
  const acknowledged = new Set<string>();
  let sequence = 0;
  let failures = 0;
  let running = true;
  const producer = async (): Promise<void> => {
    while (running) {
      const id = `m-${sequence++}`;
      try {
        const response = await client.invoke(
          cluster.brokerAddr,
          createRequest(RequestCode.SEND_MESSAGE_V2, {
            extFields: encodeHeader(SendMessageRequestHeaderV2, { producerGroup: 'p', topic, defaultTopic: 'TBW102', defaultTopicQueueNums: 4, queueId: sequence % 4, sysFlag: 0, bornTimestamp: Date.now(), flag: 0, properties: encodeProperties({ KEYS: id }) }),
            body: Buffer.from(id),
          }),
          2000,
        );
        if (response.code === ResponseCode.SUCCESS) acknowledged.add(id);
        else failures++;
      } catch {
        failures++; // the broker is down: not acknowledged, so it may or may not be stored
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const producers = Array.from({ length: 8 }, producer);

  await new Promise((r) => setTimeout(r, 700));
  const commitOffset = (queueId: number, offset: number) =>
    client.invoke(cluster.brokerAddr, createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { extFields: { consumerGroup: group, topic, queueId: String(queueId), commitOffset: String(offset) } }));
  for (let queueId = 0; queueId < 4; queueId++) assert.equal((await commitOffset(queueId, 3 + queueId)).code, ResponseCode.SUCCESS);

  const config = cluster.broker.config;
  await cluster.broker.stop();
  await client.closeConnection(cluster.brokerAddr);
  const restarted = new Broker({ config: { ...config } });
  await restarted.start();
  await new Promise((r) => setTimeout(r, 700));
  running = false;
  await Promise.all(producers);
  assert.ok(acknowledged.size > 100, `only ${acknowledged.size} sends were acknowledged`);

  for (let queueId = 0; queueId < 4; queueId++) {
    const offset = await client.invoke(cluster.brokerAddr, createRequest(RequestCode.QUERY_CONSUMER_OFFSET, { extFields: { consumerGroup: group, topic, queueId: String(queueId) } }));
    assert.equal(decodeHeader(QueryConsumerOffsetResponseHeader, offset.extFields).offset, 3 + queueId, 'committed offset survived the restart');
  }
  const stored = new Map<string, number>();
  for (let queueId = 0; queueId < 4; queueId++) {
    let next = 0;
    for (;;) {
      const response = await client.invoke(
        cluster.brokerAddr,
        createRequest(RequestCode.PULL_MESSAGE, {
          extFields: encodeHeader(PullMessageRequestHeader, { consumerGroup: group, topic, queueId, queueOffset: next, maxMsgNums: 32, sysFlag: PullSysFlag.SUBSCRIPTION, commitOffset: 0, suspendTimeoutMillis: 0, subscription: '*', subVersion: 0, expressionType: 'TAG' }),
        }),
      );
      if (response.code !== ResponseCode.SUCCESS) break;
      const messages = decodeStoredMessages(response.body!);
      for (const message of messages) stored.set(message.body.toString(), (stored.get(message.body.toString()) ?? 0) + 1);
      next = Number(response.extFields!['nextBeginOffset']);
    }
  }
  const lost = [...acknowledged].filter((id) => !stored.has(id));
  assert.deepEqual(lost, [], `${lost.length} acknowledged messages lost`);
  const duplicated = [...stored].filter(([, count]) => count > 1);
  assert.deepEqual(duplicated, []);
  await restarted.stop();
  t.diagnostic(`acknowledged ${acknowledged.size}, failed while down ${failures}, stored ${stored.size}`);
});
