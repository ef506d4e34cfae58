/**
 * Apache's rules around replication, checked against our brokers over real TCP:
 *
 * - offsetCheckInSlave (DefaultMessageStore.nextOffsetCorrection, PullMessageProcessor): a slave
 *   without it answers an out-of-range pull with the requested offset and PULL_RETRY_IMMEDIATELY
 *   (suggesting the group's brokerId); with it, like the master, PULL_OFFSET_MOVED and the
 *   corrected offset.
 * - Writes sent to a slave: SEND / SEND_BATCH → SERVICE_NOT_AVAILABLE, END_TRANSACTION →
 *   SLAVE_NOT_AVAILABLE (EndTransactionProcessor), CONSUMER_SEND_MSG_BACK → SYSTEM_ERROR
 *   "SERVICE_NOT_AVAILABLE" (the store refuses the put); nothing reaches the slave's log.
 * - SYNC_MASTER WAIT rules (CommitLog.handleHA): single sends and batches (WAIT=true) wait for
 *   the slave; consumer send-back, delayed re-puts and committed transactions (WAIT=false) do not.
 *   The slave's metadata sync copies the delay offsets and subscription groups that produced.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  ConsumerSendMsgBackRequestHeader,
  createRequest,
  decodeHeader,
  decodeOffsetMessageId,
  decodeStoredMessages,
  encodeBatch,
  encodeHeader,
  encodeProperties,
  EndTransactionRequestHeader,
  MessageSysFlag,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PullSysFlag,
  RemotingClient,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { type Broker, createTopicOnBroker, startBroker, startCluster } from '@rocketmq-ts/server/internal';

const FAST = { reconnectDelayMillis: 200, syncIntervalMillis: 500 };

const createTopic = (client: RemotingClient, addr: string, topic: string): Promise<void> => createTopicOnBroker(client, addr, topic, 2);

function sendHeader(topic: string, queueId: number, properties: Record<string, string>, sysFlag = 0, batch = false): Record<string, string> {
  return encodeHeader(SendMessageRequestHeaderV2, {
    producerGroup: 'rules_producer',
    topic,
    defaultTopic: 'TBW102',
    defaultTopicQueueNums: 2,
    queueId,
    sysFlag,
    bornTimestamp: Date.now(),
    flag: 0,
    properties: encodeProperties(properties),
    ...(batch ? { batch: true } : {}),
  });
}

function send(client: RemotingClient, addr: string, topic: string, body: string, properties: Record<string, string> = {}, sysFlag = 0): Promise<RemotingCommand> {
  return client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE_V2, { extFields: sendHeader(topic, 0, { TAGS: 't', WAIT: 'true', ...properties }, sysFlag), body: Buffer.from(body) }), 15_000);
}

function sendBatch(client: RemotingClient, addr: string, topic: string, count: number): Promise<RemotingCommand> {
  const entries = Array.from({ length: count }, (_, i) => ({ flag: 0, body: Buffer.from(`batch-${i}`), propertiesText: encodeProperties({ UNIQ_KEY: randomUUID(), TAGS: 't' }) }));
  return client.invoke(addr, createRequest(RequestCode.SEND_BATCH_MESSAGE, { extFields: sendHeader(topic, 0, { WAIT: 'true' }, 0, true), body: encodeBatch(entries) }), 15_000);
}

function pull(client: RemotingClient, addr: string, topic: string, queueId: number, queueOffset: number): Promise<RemotingCommand> {
  return client.invoke(
    addr,
    createRequest(RequestCode.PULL_MESSAGE, {
      extFields: encodeHeader(PullMessageRequestHeader, {
        consumerGroup: 'rules_group',
        topic,
        queueId,
        queueOffset,
        maxMsgNums: 32,
        sysFlag: PullSysFlag.SUBSCRIPTION,
        commitOffset: 0,
        suspendTimeoutMillis: 0,
        subscription: '*',
        subVersion: 0,
        expressionType: 'TAG',
      }),
    }),
  );
}

function sendBack(client: RemotingClient, addr: string, commitLogOffset: number, originTopic: string): Promise<RemotingCommand> {
  return client.invoke(
    addr,
    createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
      extFields: encodeHeader(ConsumerSendMsgBackRequestHeader, { offset: commitLogOffset, group: 'rules_group', delayLevel: 0, originMsgId: 'U', originTopic, unitMode: false, maxReconsumeTimes: 16 }),
    }),
  );
}

function endTransaction(client: RemotingClient, addr: string, half: RemotingCommand, type: number): Promise<RemotingCommand> {
  const fields = half.extFields!;
  return client.invoke(
    addr,
    createRequest(RequestCode.END_TRANSACTION, {
      extFields: encodeHeader(EndTransactionRequestHeader, {
        producerGroup: 'rules_producer',
        tranStateTableOffset: Number(fields['queueOffset']),
        commitLogOffset: decodeOffsetMessageId(fields['msgId']!).commitLogOffset,
        commitOrRollback: type,
        fromTransactionCheck: false,
        msgId: fields['msgId']!,
        transactionId: fields['msgId']!,
      }),
    }),
  );
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMillis = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const moved = (response: RemotingCommand): { code: number; next: number; suggest: number } => {
  const header = decodeHeader(PullMessageResponseHeader, response.extFields);
  return { code: response.code, next: header.nextBeginOffset, suggest: header.suggestWhichBrokerId };
};

describe('replication rules', () => {
  it('offsetCheckInSlave, and the answers a slave gives to writes', async (t) => {
    const cluster = await startCluster(t, { brokerRole: 'ASYNC_MASTER' }, { replication: FAST });
    const plain = await startBroker(t, cluster.namesrvAddr, { brokerRole: 'SLAVE', brokerId: 1 }, { replication: FAST });
    const checking = await startBroker(t, cluster.namesrvAddr, { brokerRole: 'SLAVE', brokerId: 2, offsetCheckInSlave: true }, { replication: FAST });
    const client = new RemotingClient();
    t.after(() => client.close());
    const topic = `rules_${randomUUID().slice(0, 8)}`;
    await createTopic(client, cluster.brokerAddr, topic);
    for (let i = 0; i < 5; i++) assert.equal((await send(client, cluster.brokerAddr, topic, `m-${i}`)).code, ResponseCode.SUCCESS);
    const master: Broker = cluster.broker;
    for (const slave of [plain.broker, checking.broker]) {
      await until('the slaves to catch up and copy the topic', () => slave.internals.topics.get(topic) !== undefined && slave.replicationService!.status().maxPhyOffset === master.replicationService!.status().maxPhyOffset);
    }
    await until('the slaves to dispatch the queue', () => plain.broker.messageStore!.getMaxOffsetInQueue(topic, 0) === 5 && checking.broker.messageStore!.getMaxOffsetInQueue(topic, 0) === 5);

    // queue 0 holds 0..4: offset 50 is beyond it (OFFSET_OVERFLOW_BADLY; with min offset 0 the
    // correction is 0); queue 1 is empty: offset 7 is illegal there (corrected to 0).
    for (const [queueId, offset, corrected] of [
      [0, 50, 0],
      [1, 7, 0],
    ] as const) {
      assert.deepEqual(moved(await pull(client, master.brokerAddr, topic, queueId, offset)), { code: ResponseCode.PULL_OFFSET_MOVED, next: corrected, suggest: 0 }, `master, queue ${queueId}`);
      assert.deepEqual(moved(await pull(client, checking.broker.brokerAddr, topic, queueId, offset)), { code: ResponseCode.PULL_OFFSET_MOVED, next: corrected, suggest: 0 }, `offsetCheckInSlave=true, queue ${queueId}`);
      assert.deepEqual(moved(await pull(client, plain.broker.brokerAddr, topic, queueId, offset)), { code: ResponseCode.PULL_RETRY_IMMEDIATELY, next: offset, suggest: 0 }, `default slave, queue ${queueId}`);
    }
    // at the queue end (OFFSET_OVERFLOW_ONE) both answer "not found" at the same offset; reads are unchanged
    assert.deepEqual(moved(await pull(client, plain.broker.brokerAddr, topic, 0, 5)), { code: ResponseCode.PULL_NOT_FOUND, next: 5, suggest: 0 });
    const read = await pull(client, plain.broker.brokerAddr, topic, 0, 2);
    assert.equal(read.code, ResponseCode.SUCCESS);
    assert.equal(moved(read).next, 5);

    // writes sent to a slave
    const slaveAddr = plain.broker.brokerAddr;
    const slaveEnd = plain.broker.replicationService!.status().maxPhyOffset;
    const single = await send(client, slaveAddr, topic, 'to-slave');
    assert.equal(single.code, ResponseCode.SERVICE_NOT_AVAILABLE, single.remark);
    const batch = await sendBatch(client, slaveAddr, topic, 3);
    assert.equal(batch.code, ResponseCode.SERVICE_NOT_AVAILABLE, batch.remark);
    const half = await send(client, cluster.brokerAddr, topic, 'half', { TRAN_MSG: 'true', PGROUP: 'rules_producer' }, MessageSysFlag.TRANSACTION_PREPARED_TYPE);
    assert.equal(half.code, ResponseCode.SUCCESS, half.remark);
    const ended = await endTransaction(client, slaveAddr, half, MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    assert.equal(ended.code, ResponseCode.SLAVE_NOT_AVAILABLE, ended.remark);
    const [first] = decodeStoredMessages(Buffer.concat((await plain.broker.messageStore!.getMessage('g', topic, 0, 0, 1)).messages));
    const back = await sendBack(client, slaveAddr, first!.commitLogOffset, topic);
    assert.equal(back.code, ResponseCode.SYSTEM_ERROR);
    assert.match(back.remark ?? '', /^SERVICE_NOT_AVAILABLE/);
    await until('the slave to copy the half message', () => plain.broker.replicationService!.status().maxPhyOffset === master.replicationService!.status().maxPhyOffset);
    assert.ok(plain.broker.replicationService!.status().maxPhyOffset > slaveEnd, 'the slave grows only by what the master wrote');
    assert.equal(plain.broker.messageStore!.getMaxOffsetInQueue(topic, 0), master.messageStore!.getMaxOffsetInQueue(topic, 0));
  });

  it('SYNC_MASTER: sends and batches wait for the slave; send-back, delayed re-puts and committed transactions do not', async (t) => {
    const TIMEOUT = 3_000;
    const cluster = await startCluster(t, { brokerRole: 'SYNC_MASTER', syncFlushTimeout: TIMEOUT }, { replication: FAST });
    const slave = await startBroker(t, cluster.namesrvAddr, { brokerRole: 'SLAVE', brokerId: 1 }, { replication: FAST });
    const client = new RemotingClient();
    t.after(() => client.close());
    const topic = `wait_${randomUUID().slice(0, 8)}`;
    await createTopic(client, cluster.brokerAddr, topic);
    await until('the slave to connect', () => cluster.broker.replicationService!.status().slaves.some((s) => s.ackOffset >= 0));
    const plain = await send(client, cluster.brokerAddr, topic, 'first');
    assert.equal(plain.code, ResponseCode.SUCCESS, plain.remark);
    const half = await send(client, cluster.brokerAddr, topic, 'half', { TRAN_MSG: 'true', PGROUP: 'rules_producer' }, MessageSysFlag.TRANSACTION_PREPARED_TYPE);
    assert.equal(half.code, ResponseCode.SUCCESS, half.remark);

    slave.broker.replicationService!.haClient!.pause();
    const timed = async (work: () => Promise<RemotingCommand>): Promise<{ code: number; millis: number }> => {
      const started = Date.now();
      const response = await work();
      return { code: response.code, millis: Date.now() - started };
    };
    // WAIT=true: the send and the batch (its end offset) wait syncFlushTimeout for the frozen slave
    const single = await timed(() => send(client, cluster.brokerAddr, topic, 'waits'));
    assert.equal(single.code, ResponseCode.FLUSH_SLAVE_TIMEOUT);
    assert.ok(single.millis >= TIMEOUT - 100, `the send waited: ${single.millis} ms`);
    const batch = await timed(() => sendBatch(client, cluster.brokerAddr, topic, 4));
    assert.equal(batch.code, ResponseCode.FLUSH_SLAVE_TIMEOUT);
    assert.ok(batch.millis >= TIMEOUT - 100, `the batch waited: ${batch.millis} ms`);

    // WAIT=false: none of these waits for the slave
    const offset = decodeOffsetMessageId(plain.extFields!['msgId']!).commitLogOffset;
    const back = await timed(() => sendBack(client, cluster.brokerAddr, offset, topic));
    assert.equal(back.code, ResponseCode.SUCCESS);
    assert.ok(back.millis < TIMEOUT - 500, `send-back did not wait: ${back.millis} ms`);
    const committed = await timed(() => endTransaction(client, cluster.brokerAddr, half, MessageSysFlag.TRANSACTION_COMMIT_TYPE));
    assert.equal(committed.code, ResponseCode.SUCCESS);
    assert.ok(committed.millis < TIMEOUT - 500, `the commit did not wait: ${committed.millis} ms`);
    const store = cluster.broker.messageStore!;
    const inQueue0 = store.getMaxOffsetInQueue(topic, 0);
    // level 1 = 1 s: the parked message is re-put to the topic while the slave stays frozen
    const delayed = await send(client, cluster.brokerAddr, topic, 'delayed', { DELAY: '1' });
    assert.equal(delayed.code, ResponseCode.FLUSH_SLAVE_TIMEOUT, 'the delayed send itself waits (WAIT=true)');
    await until('the delayed message to be re-put', () => store.getMaxOffsetInQueue(topic, 0) > inQueue0, 10_000);
    const messages = decodeStoredMessages(Buffer.concat((await store.getMessage('g', topic, 0, 0, 32)).messages));
    assert.deepEqual(
      messages.map((m) => m.body.toString()),
      ['first', 'waits', 'batch-0', 'batch-1', 'batch-2', 'batch-3', 'half', 'delayed'],
      'the committed half and the re-put delayed message are in the topic',
    );

    slave.broker.replicationService!.haClient!.resume();
    await until('the slave to catch up', () => slave.broker.replicationService!.status().maxPhyOffset === cluster.broker.replicationService!.status().maxPhyOffset);
    assert.equal((await send(client, cluster.brokerAddr, topic, 'after')).code, ResponseCode.SUCCESS);

    // the metadata sync also copies the delay offsets (level 1 moved past the re-put message) and
    // the subscription group the send-back created on the master
    await until('the master to record the delay offset', () => (cluster.broker.internals.delayOffsets.get(1) ?? 0) >= 1);
    await until('the slave to copy the delay offset', () => slave.broker.internals.delayOffsets.get(1) === cluster.broker.internals.delayOffsets.get(1));
    await until('the slave to copy the subscription group', () => slave.broker.internals.groups.get('rules_group') !== undefined);
  });
});
