/**
 * Recall of delay messages with the official v5 Node.js client (`rocketmq-client-nodejs` 1.0.8
 * from npm, `Producer.recallMessage`) against our broker's gRPC endpoint, and the same run
 * against Apache RocketMQ 5.3.3 broker + proxy: a send with a delivery time returns a recall
 * handle; a recalled message is never received, the others are, at their time; a handle that
 * is garbled, or for a message already due, is refused; with recallMessageEnable off (the
 * default of both) a recall is refused with a word about the key.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CreateTopicRequestHeader, createRequest, encodeHeader, RemotingClient, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';
import { type MessageView, Producer, type SendReceipt, SimpleConsumer } from 'rocketmq-client-nodejs';
import { startApacheWithProxy } from '../lib/apache-proxy.ts';
import { defer } from '../lib/cleanup.ts';
import { quietV5Logger } from '../lib/v5-node.ts';
import { uniqueName } from '../lib/targets.ts';


/** A DELAY topic (Apache 5.x checks the topic's message.type; ours takes the attribute and every type). */
async function createDelayTopic(brokerAddr: string, topic: string): Promise<void> {
  const raw = new RemotingClient();
  try {
    const header = encodeHeader(CreateTopicRequestHeader, { topic, defaultTopic: 'TBW102', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
    const response = await raw.invoke(brokerAddr, createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { extFields: { ...header, attributes: '+message.type=DELAY' } }), 10_000);
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
  } finally {
    await raw.close();
  }
}

interface RecallRun {
  /** Bodies received, with how late after their delivery time (ms). */
  received: Map<string, number>;
  recalledId: string;
  recallReceiptId: string;
  garbled: string;
  late: string;
}

/** Sends three delay messages, recalls the second, receives for a while; what the client saw. */
async function recallFlow(t: TestContext, endpoints: string, brokerAddr: string): Promise<RecallRun> {
  const topic = uniqueName('v5_recall');
  await createDelayTopic(brokerAddr, topic);
  const producer = new Producer({ endpoints, namespace: '', topic, logger: quietV5Logger });
  await producer.startup();
  defer(t, () => producer.shutdown());
  // Apache's proxy refuses long polls under 5 s (grpcClientConsumerMinLongPollingTimeoutMillis).
  const consumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: uniqueName('v5_recall_group'), subscriptions: new Map([[topic, '*']]), awaitDuration: 5000, logger: quietV5Logger });
  await consumer.startup();
  defer(t, () => consumer.shutdown());

  const base = Date.now() + 5000;
  const due = new Map<string, number>();
  const receipts: SendReceipt[] = [];
  for (let i = 0; i < 3; i++) {
    const at = base + i * 300;
    due.set(`later-${i}`, at);
    receipts.push(await producer.send({ topic, body: Buffer.from(`later-${i}`), deliveryTimestamp: new Date(at) }));
  }
  for (const receipt of receipts) assert.ok(receipt.recallHandle, 'a delay message comes with a recall handle');
  const recalled = await producer.recallMessage(topic, receipts[1]!.recallHandle);

  const errorOf = async (run: () => Promise<unknown>): Promise<string> => {
    try {
      await run();
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };
  const garbled = await errorOf(() => producer.recallMessage(topic, 'not-a-handle'));

  const received = new Map<string, number>();
  const deadline = base + 15_000;
  while (Date.now() < deadline && received.size < 3) {
    const got: MessageView[] = await consumer.receive(16, 20_000);
    for (const m of got) {
      received.set(m.body.toString(), Date.now() - due.get(m.body.toString())!);
      await consumer.ack(m);
    }
  }
  // Recalling a message that was delivered: its time has passed.
  const late = await errorOf(() => producer.recallMessage(topic, receipts[0]!.recallHandle));
  return { received, recalledId: receipts[1]!.messageId, recallReceiptId: recalled.messageId, garbled, late };
}

function assertRecallRun(run: RecallRun): void {
  assert.deepEqual([...run.received.keys()].sort(), ['later-0', 'later-2'], 'the recalled message is never received');
  for (const [body, lateBy] of run.received) assert.ok(lateBy >= -50, `${body} received ${-lateBy} ms before its time`);
  assert.equal(run.recallReceiptId, run.recalledId, 'the recall answers with the message id');
  assert.notEqual(run.garbled, 'accepted', 'a garbled handle is refused');
  assert.notEqual(run.late, 'accepted', 'a recall after the delivery time is refused');
}

test('a recalled delay message is never delivered, the others are at their time (rocketmq-client-nodejs against ours)', { timeout: 120_000 }, async (t) => {
  const cluster = await startCluster(undefined, { recallMessageEnable: true });
  defer(t, () => cluster.stop());
  const run = await recallFlow(t, `127.0.0.1:${cluster.broker.grpcEndpoint!.port}`, cluster.brokerAddr);
  assertRecallRun(run);
  assert.match(run.garbled, /recall handle is invalid/);
  assert.match(run.late, /due already/);
  assert.equal(cluster.broker.timerService?.stats.recalled, 1);
});

test('recall is refused while recallMessageEnable is off (the default), naming the key', { timeout: 60_000 }, async (t) => {
  const cluster = await startCluster();
  defer(t, () => cluster.stop());
  const endpoints = `127.0.0.1:${cluster.broker.grpcEndpoint!.port}`;
  const topic = uniqueName('v5_recall_off');
  await createDelayTopic(cluster.brokerAddr, topic);
  const producer = new Producer({ endpoints, namespace: '', topic, logger: quietV5Logger });
  await producer.startup();
  defer(t, () => producer.shutdown());
  const receipt = await producer.send({ topic, body: Buffer.from('x'), deliveryTimestamp: new Date(Date.now() + 60_000) });
  await assert.rejects(producer.recallMessage(topic, receipt.recallHandle), /recallMessageEnable=true/);
});

test('differential: the same recall run and assertions against Apache RocketMQ 5.3.3 broker + proxy', { timeout: 600_000 }, async (t) => {
  const apache = await startApacheWithProxy({ recallMessageEnable: true });
  defer(t, () => apache.stop());
  assertRecallRun(await recallFlow(t, apache.endpoints, apache.brokerAddr));
});
