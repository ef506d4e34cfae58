/**
 * Two masters (broker-a, broker-b) of one cluster, each our broker in its own process: a topic
 * spread over both; a producer keeps sending while broker-b is SIGKILLed — every send succeeds
 * (the client's retry goes to broker-a) — and after broker-b restarts on its store the consumers
 * of one group get every acknowledged message from both brokers.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { Producer, PushConsumer } from '@rocketmq-ts/client';
import { CreateTopicRequestHeader, createRequest, encodeHeader, RemotingClient, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { NameServer } from '@rocketmq-ts/server/internal';
import { startRocketmqTsBrokerProcess } from '../lib/rocketmq-ts-broker-process.ts';
import { defer } from '../lib/cleanup.ts';

async function tempDir(t: TestContext, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `rmqts-mm-${name}-`));
  defer(t, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('two masters: sends fail over when one is killed, a consumer group gets everything acknowledged', { timeout: 180_000 }, async (t) => {
  const nsDir = await tempDir(t, 'namesrv');
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(nsDir, 'kvConfig.json') } });
  const namesrvAddr = `127.0.0.1:${(await namesrv.start()).port}`;
  defer(t, () => namesrv.stop());
  const dirB = await tempDir(t, 'b');
  const a = await startRocketmqTsBrokerProcess({ namesrvAddr, storeDir: await tempDir(t, 'a'), brokerConfig: { brokerName: 'broker-a' } });
  defer(t, () => a.kill());
  let b = await startRocketmqTsBrokerProcess({ namesrvAddr, storeDir: dirB, brokerConfig: { brokerName: 'broker-b' } });
  defer(t, () => b.kill());

  const topic = `mm_${randomUUID().slice(0, 8)}`;
  const admin = new RemotingClient();
  defer(t, () => admin.close());
  for (const addr of [a.brokerAddr, b.brokerAddr]) {
    const created = await admin.invoke(
      addr,
      createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
        extFields: encodeHeader(CreateTopicRequestHeader, { topic, defaultTopic: 'TBW102', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false }),
      }),
    );
    assert.equal(created.code, ResponseCode.SUCCESS, created.remark);
  }

  // UPDATE_AND_CREATE_TOPIC answers once topics.json holds the topic, so a SIGKILL from now on keeps it.
  const producer = new Producer({ groupName: `mm_producer_${topic}`, namesrvAddr, retryTimesWhenSendFailed: 2, requestTimeoutMillis: 3_000 });
  await producer.start();
  defer(t, () => producer.shutdown());
  const acknowledged = new Map<string, string>();
  const COUNT = 300;
  for (let i = 0; i < COUNT; i++) {
    if (i === 100) await b.kill();
    const result = await producer.send({ topic, keys: `k${i}`, body: `mm-${i}` });
    assert.equal(result.sendStatus, 'SEND_OK');
    acknowledged.set(result.msgId, result.messageQueue.brokerName);
  }
  const perBroker = [...acknowledged.values()].reduce((m, name) => m.set(name, (m.get(name) ?? 0) + 1), new Map<string, number>());
  assert.ok((perBroker.get('broker-a') ?? 0) > 150, `most sends went to broker-a: ${JSON.stringify([...perBroker])}`);
  assert.ok((perBroker.get('broker-b') ?? 0) > 10, `broker-b took sends before it was killed: ${JSON.stringify([...perBroker])}`);

  b = await startRocketmqTsBrokerProcess({ namesrvAddr, storeDir: dirB, brokerConfig: { brokerName: 'broker-b' } });
  const received = new Set<string>();
  const consumers = [0, 1].map(() => new PushConsumer({ groupName: `mm_group_${topic}`, namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }));
  for (const consumer of consumers) {
    consumer.subscribe(topic, '*');
    consumer.onMessage((message) => {
      received.add(message.msgId);
      return Promise.resolve();
    });
    await consumer.start();
    defer(t, () => consumer.shutdown());
  }
  const deadline = Date.now() + 90_000;
  while ([...acknowledged.keys()].some((id) => !received.has(id))) {
    assert.ok(Date.now() < deadline, `the group got ${received.size} of ${acknowledged.size} acknowledged messages`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});
