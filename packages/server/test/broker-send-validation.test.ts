/**
 * Issue 22 regressions on the send path: what the broker refuses (TBW102, %DLQ% topics, empty
 * bodies, queueId out of range), what it does like Apache (queueId -1, delay levels out of
 * range), that an auto-created topic is in topics.json before the send is acknowledged, and
 * that frames over the limit fail with the sizes named.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createRequest,
  decodeHeader,
  encodeHeader,
  encodeProperties,
  FrameTooLargeError,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
  SendMessageResponseHeader,
} from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';

interface Send {
  topic: string;
  queueId?: number;
  body?: Buffer;
  properties?: Record<string, string>;
}

describe('send validation and durability (issue 22)', () => {
  it('refuses what Apache refuses and treats queueId -1 and delay levels as Apache does', { timeout: 60_000 }, async (t) => {
    const cluster = await startCluster(t);
    const client = new RemotingClient();
    t.after(() => client.close());
    const send = (s: Send) =>
      client.invoke(
        cluster.brokerAddr,
        createRequest(RequestCode.SEND_MESSAGE_V2, {
          extFields: encodeHeader(SendMessageRequestHeaderV2, {
            producerGroup: 'p',
            topic: s.topic,
            defaultTopic: 'TBW102',
            defaultTopicQueueNums: 4,
            queueId: s.queueId ?? 0,
            sysFlag: 0,
            bornTimestamp: Date.now(),
            flag: 0,
            properties: encodeProperties(s.properties ?? {}),
          }),
          body: s.body ?? Buffer.from('x'),
        }),
      );
    const topic = `val_${randomUUID().slice(0, 8)}`;

    const tbw = await send({ topic: 'TBW102' });
    assert.equal(tbw.code, ResponseCode.SYSTEM_ERROR);
    assert.match(tbw.remark!, /conflict with system reserved words/);
    const dlq = await send({ topic: '%DLQ%some_group' });
    assert.equal(dlq.code, ResponseCode.NO_PERMISSION);
    assert.match(dlq.remark!, /forbidden/);
    const empty = await send({ topic, body: Buffer.alloc(0) });
    assert.equal(empty.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.match(empty.remark!, /body length is zero/);

    // Auto-created by this send: on disk when the answer comes, not 100 ms later.
    const first = await send({ topic });
    assert.equal(first.code, ResponseCode.SUCCESS);
    const topicsJson = JSON.parse(await readFile(join(cluster.storeDir, 'config', 'topics.json'), 'utf8')) as { topicConfigTable: Record<string, unknown> };
    assert.ok(topicsJson.topicConfigTable[topic], 'topics.json holds the auto-created topic before the send is acknowledged');

    const outOfRange = await send({ topic, queueId: 4 });
    assert.equal(outOfRange.code, ResponseCode.SYSTEM_ERROR);
    assert.match(outOfRange.remark!, /queueId\[4\] is illegal/);
    // -1: the broker picks a queue (SendMessageProcessor.randomQueueId).
    const any = await send({ topic, queueId: -1 });
    assert.equal(any.code, ResponseCode.SUCCESS);
    const queueId = Number(decodeHeader(SendMessageResponseHeader, any.extFields).queueId);
    assert.ok(queueId >= 0 && queueId < 4, `queue ${queueId}`);

    // Delay level above the table: clamped to the longest (18); negative: not delayed.
    const store = cluster.broker.messageStore!;
    const scheduleBefore = store.getMaxOffsetInQueue('SCHEDULE_TOPIC_XXXX', 17);
    assert.equal((await send({ topic, properties: { DELAY: '99' } })).code, ResponseCode.SUCCESS);
    assert.equal(store.getMaxOffsetInQueue('SCHEDULE_TOPIC_XXXX', 17), scheduleBefore + 1, 'level 99 parks at level 18');
    const plainBefore = store.getMaxOffsetInQueue(topic, 1);
    assert.equal((await send({ topic, queueId: 1, properties: { DELAY: '-1' } })).code, ResponseCode.SUCCESS);
    assert.equal(store.getMaxOffsetInQueue(topic, 1), plainBefore + 1, 'level -1 is delivered at once');
  });

  it('a frame over the limit fails at once naming its size and the limit', { timeout: 30_000 }, async (t) => {
    const cluster = await startCluster(t);
    const client = new RemotingClient({ maxFrameLength: 1024 * 1024 });
    t.after(() => client.close());
    const request = createRequest(RequestCode.SEND_MESSAGE_V2, {
      extFields: encodeHeader(SendMessageRequestHeaderV2, {
        producerGroup: 'p',
        topic: 'big',
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: 4,
        queueId: 0,
        sysFlag: 0,
        bornTimestamp: Date.now(),
        flag: 0,
        properties: '',
      }),
      body: Buffer.alloc(2 * 1024 * 1024, 1),
    });
    await assert.rejects(client.invoke(cluster.brokerAddr, request), (error: unknown) => {
      assert.ok(error instanceof FrameTooLargeError);
      assert.match(error.message, /frame of \d+ bytes \(SEND_MESSAGE_V2 to [^)]+\) exceeds the maximum of 1048576 bytes/);
      return true;
    });
  });
});
