/**
 * SEND_BATCH_MESSAGE as each Java client version writes it, against a real broker: 4.8.0 ends
 * every entry's properties with \u0002, 4.9.x and 5.x do not. Either way the stored messages
 * carry their own properties intact plus the batch's, and a tag subscription finds them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import {
  CreateTopicRequestHeader,
  createRequest,
  decodeHeader,
  decodeStoredMessages,
  encodeBatch,
  encodeHeader,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PullSysFlag,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
  tagsCode,
} from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';

/** name\u0001value pairs joined by \u0002, with or without the trailing separator. */
function propertiesText(entries: Record<string, string>, trailingSeparator: boolean): string {
  const text = Object.entries(entries)
    .map(([name, value]) => `${name}\u0001${value}`)
    .join('\u0002');
  return trailingSeparator ? `${text}\u0002` : text;
}

for (const [client, trailing] of [
  ['4.8.0 (trailing \\u0002)', true],
  ['4.9.x / 5.x (no trailing \\u0002)', false],
] as const) {
  it(`a batch from a ${client} client keeps every property, and its tag subscription finds it`, async (t) => {
    const cluster = await startCluster(t);
    const client = new RemotingClient();
    t.after(() => client.close());
    const topic = `batch_props_${randomUUID().slice(0, 8)}`;
    const created = await client.invoke(
      cluster.brokerAddr,
      createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
        extFields: encodeHeader(CreateTopicRequestHeader, {
          topic,
          defaultTopic: 'TBW102',
          readQueueNums: 1,
          writeQueueNums: 1,
          perm: 6,
          topicFilterType: 'SINGLE_TAG',
          topicSysFlag: 0,
          order: false,
        }),
      }),
    );
    assert.equal(created.code, ResponseCode.SUCCESS, created.remark);

    const entries = Array.from({ length: 10 }, (_, i) => ({
      flag: 0,
      body: Buffer.from(`batch body ${i}`),
      propertiesText: propertiesText({ KEYS: `key-${i}`, idx: String(i), UNIQ_KEY: `UNIQ${i}`, TAGS: 'tagX' }, trailing),
    }));
    const sent = await client.invoke(
      cluster.brokerAddr,
      createRequest(RequestCode.SEND_BATCH_MESSAGE, {
        extFields: encodeHeader(SendMessageRequestHeaderV2, {
          producerGroup: 'batch_props_group',
          topic,
          defaultTopic: 'TBW102',
          defaultTopicQueueNums: 4,
          queueId: 0,
          sysFlag: 0,
          bornTimestamp: Date.now(),
          flag: 0,
          // What the batch itself carries: WAIT, and no trailing separator from 4.9 on either.
          properties: propertiesText({ WAIT: 'true' }, trailing),
          reconsumeTimes: 0,
          unitMode: false,
          batch: true,
        }),
        body: encodeBatch(entries),
      }),
    );
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);

    const pulled = await client.invoke(
      cluster.brokerAddr,
      createRequest(RequestCode.PULL_MESSAGE, {
        extFields: encodeHeader(PullMessageRequestHeader, {
          consumerGroup: 'batch_props_consumer',
          topic,
          queueId: 0,
          queueOffset: 0,
          maxMsgNums: 32,
          sysFlag: PullSysFlag.SUBSCRIPTION,
          commitOffset: 0,
          suspendTimeoutMillis: 0,
          subscription: 'tagX',
          subVersion: 0,
          expressionType: 'TAG',
        }),
      }),
    );
    assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark);
    assert.equal(decodeHeader(PullMessageResponseHeader, pulled.extFields).nextBeginOffset, 10);
    const messages = decodeStoredMessages(pulled.body ?? Buffer.alloc(0));
    assert.equal(messages.length, 10);
    messages.forEach((message, i) => {
      assert.deepEqual(
        { ...message.properties },
        { KEYS: `key-${i}`, idx: String(i), UNIQ_KEY: `UNIQ${i}`, TAGS: 'tagX', WAIT: 'true', CLUSTER: 'DefaultCluster' },
        `message ${i}: ${JSON.stringify(message.propertiesText)}`,
      );
      assert.equal(message.body.toString(), `batch body ${i}`);
    });
    // The consume queue holds the tag's hash, so the broker-side tag filter matches it.
    assert.equal(tagsCode('tagX'), tagsCode(messages[0]?.properties['TAGS']));
  });
}
