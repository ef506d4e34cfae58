/**
 * 10,000 delayed messages pending while the broker restarts: each is delivered exactly once
 * to its topic, none before its delay (delayOffset.json and the schedule queue survive).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import {
  createRequest,
  decodeStoredMessages,
  encodeHeader,
  encodeProperties,
  PullMessageRequestHeader,
  PullSysFlag,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { Broker, startCluster } from '@rocketmq-ts/server/internal';

const COUNT = 10_000;
const DELAY_MILLIS = 4_000;

it(`${COUNT} pending delayed messages survive a restart: each delivered once, none early`, { timeout: 90_000 }, async (t) => {
  const cluster = await startCluster(t, { messageDelayLevel: '1s 4s' });
  const client = new RemotingClient();
  t.after(() => client.close());
  const topic = `delayed_${randomUUID().slice(0, 8)}`;
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < COUNT) {
        const id = next++;
        const response = await client.invoke(
          cluster.brokerAddr,
          createRequest(RequestCode.SEND_MESSAGE_V2, {
            extFields: encodeHeader(SendMessageRequestHeaderV2, {
              producerGroup: 'p',
              topic,
              defaultTopic: 'TBW102',
              defaultTopicQueueNums: 1,
              queueId: 0,
              sysFlag: 0,
              bornTimestamp: Date.now(),
              flag: 0,
              properties: encodeProperties({ DELAY: '2', KEYS: `d${id}` }),
            }),
            body: Buffer.from(`d${id}`),
          }),
        );
        assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
      }
    }),
  );

  const config = cluster.broker.config;
  await cluster.broker.stop();
  await client.closeConnection(cluster.brokerAddr);
  const restarted = new Broker({ config: { ...config } });
  await restarted.start();
  try {
    const seen = new Map<string, number>();
    let offset = 0;
    let early = 0;
    const deadline = Date.now() + 40_000;
    while (seen.size < COUNT && Date.now() < deadline) {
      const response = await client.invoke(
        cluster.brokerAddr,
        createRequest(RequestCode.PULL_MESSAGE, {
          extFields: encodeHeader(PullMessageRequestHeader, { consumerGroup: 'g', topic, queueId: 0, queueOffset: offset, maxMsgNums: 32, sysFlag: PullSysFlag.SUBSCRIPTION | PullSysFlag.SUSPEND, commitOffset: 0, suspendTimeoutMillis: 2000, subscription: '*', subVersion: 0, expressionType: 'TAG' }),
        }),
        10_000,
      );
      if (response.code === ResponseCode.PULL_OFFSET_MOVED || response.code === ResponseCode.PULL_NOT_FOUND || response.code === ResponseCode.PULL_RETRY_IMMEDIATELY) {
        offset = Number(response.extFields?.['nextBeginOffset'] ?? offset);
        continue;
      }
      assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
      for (const message of decodeStoredMessages(response.body!)) {
        const id = message.body.toString();
        seen.set(id, (seen.get(id) ?? 0) + 1);
        if (message.storeTimestamp < message.bornTimestamp + DELAY_MILLIS - 50) early++;
      }
      offset = Number(response.extFields!['nextBeginOffset']);
    }
    assert.equal(seen.size, COUNT, `${COUNT - seen.size} delayed messages never arrived`);
    assert.deepEqual([...seen].filter(([, n]) => n > 1), [], 'delivered more than once');
    assert.equal(early, 0, `${early} delivered before their delay`);
  } finally {
    await restarted.stop();
  }
});
