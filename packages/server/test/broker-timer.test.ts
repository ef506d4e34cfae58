/**
 * 5.x timer messages through a real broker (startCluster): TIMER_DELIVER_MS / TIMER_DELAY_MS /
 * TIMER_DELAY_SEC are delivered once, not early, across a broker restart; a delay beyond
 * timerMaxDelaySec and a malformed value are refused with MESSAGE_ILLEGAL; 40 days is accepted.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import {
  createRequest,
  decodeStoredMessages,
  encodeHeader,
  encodeProperties,
  type MessageProperties,
  PullMessageRequestHeader,
  PullSysFlag,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { Broker, startCluster } from '@rocketmq-ts/server/internal';

function send(client: RemotingClient, brokerAddr: string, topic: string, properties: MessageProperties, body: string) {
  return client.invoke(
    brokerAddr,
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
        properties: encodeProperties(properties),
      }),
      body: Buffer.from(body),
    }),
  );
}

it('timer messages: delivered once at their time across a restart; too-long and malformed delays refused', { timeout: 60_000 }, async (t) => {
  const cluster = await startCluster(t);
  const client = new RemotingClient();
  t.after(() => client.close());
  const topic = `timer_${randomUUID().slice(0, 8)}`;
  const base = Date.now();
  const wanted = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const kind = i % 3;
    const at = base + 2_000 + (i % 30) * 50;
    const properties: MessageProperties =
      kind === 0 ? { TIMER_DELIVER_MS: String(at) } : kind === 1 ? { TIMER_DELAY_MS: String(at - Date.now()) } : { TIMER_DELAY_SEC: '3' };
    const sentAt = Date.now();
    const response = await send(client, cluster.brokerAddr, topic, properties, `m${i}`);
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    wanted.set(`m${i}`, kind === 0 ? at : kind === 1 ? at - 5 : sentAt + 3_000);
  }
  const tooLong = await send(client, cluster.brokerAddr, topic, { TIMER_DELAY_SEC: String(41 * 86_400) }, 'x');
  assert.equal(tooLong.code, ResponseCode.MESSAGE_ILLEGAL);
  assert.match(tooLong.remark ?? '', /timerMaxDelaySec/);
  const malformed = await send(client, cluster.brokerAddr, topic, { TIMER_DELIVER_MS: 'soon' }, 'x');
  assert.equal(malformed.code, ResponseCode.MESSAGE_ILLEGAL);
  const fortyDays = await send(client, `${cluster.brokerAddr}`, `${topic}_far`, { TIMER_DELAY_SEC: String(40 * 86_400) }, 'far');
  assert.equal(fortyDays.code, ResponseCode.SUCCESS, fortyDays.remark);

  const config = cluster.broker.config;
  await cluster.broker.stop();
  await client.closeConnection(cluster.brokerAddr);
  const restarted = new Broker({ config: { ...config } });
  await restarted.start();
  try {
    const seen = new Map<string, number>();
    let offset = 0;
    let early = 0;
    const deadline = Date.now() + 20_000;
    while (seen.size < wanted.size && Date.now() < deadline) {
      const response = await client.invoke(
        cluster.brokerAddr,
        createRequest(RequestCode.PULL_MESSAGE, {
          extFields: encodeHeader(PullMessageRequestHeader, { consumerGroup: 'g', topic, queueId: 0, queueOffset: offset, maxMsgNums: 32, sysFlag: PullSysFlag.SUBSCRIPTION | PullSysFlag.SUSPEND, commitOffset: 0, suspendTimeoutMillis: 2000, subscription: '*', subVersion: 0, expressionType: 'TAG' }),
        }),
        10_000,
      );
      if (response.code !== ResponseCode.SUCCESS) {
        offset = Number(response.extFields?.['nextBeginOffset'] ?? offset);
        continue;
      }
      for (const message of decodeStoredMessages(response.body!)) {
        const id = message.body.toString();
        seen.set(id, (seen.get(id) ?? 0) + 1);
        if (message.storeTimestamp < wanted.get(id)!) early++;
        assert.ok(message.properties.TIMER_OUT_MS, 'TIMER_OUT_MS on the delivered copy');
      }
      offset = Number(response.extFields!['nextBeginOffset']);
    }
    assert.equal(seen.size, wanted.size, `${wanted.size - seen.size} timer messages never arrived`);
    assert.deepEqual([...seen].filter(([, n]) => n > 1), [], 'delivered more than once');
    assert.equal(early, 0, `${early} delivered before their time`);
    assert.equal(restarted.timerService?.pendingCount(), 1, 'the 40-day timer waits');
  } finally {
    await restarted.stop();
  }
});
