/**
 * Transactional messages on the broker, over the wire with raw remoting requests: half
 * messages are invisible until END_TRANSACTION; COMMIT delivers once with the half message's
 * id and properties, ROLLBACK never; repeats are harmless; the check-back loop asks a live
 * producer of the group and gives up after transactionCheckMax; a restart keeps every outcome.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import {
  CheckTransactionStateRequestHeader,
  createOffsetMessageId,
  createRequest,
  decodeHeader,
  decodeOffsetMessageId,
  decodeStoredMessage,
  decodeStoredMessages,
  encodeHeader,
  encodeHeartbeatData,
  encodeProperties,
  EndTransactionRequestHeader,
  MessageSysFlag,
  RemotingClient,
  type RemotingCommand,
  RequestCode,
  type RequestHandler,
  ResponseCode,
  ResumeCheckHalfMessageRequestHeader,
  SendMessageRequestHeaderV2,
  type StoredMessage,
  UniqueIdGenerator,
} from '@rocketmq-ts/protocol';
import { Broker, type BrokerConfig, startCluster, type TestCluster } from '@rocketmq-ts/server/internal';

const ids = new UniqueIdGenerator('127.0.0.1');

interface Half {
  uniq: string;
  keys: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
}

function unique(prefix: string): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}

async function sendHalf(client: RemotingClient, brokerAddr: string, topic: string, group: string, keys: string, extra: Record<string, string> = {}): Promise<Half> {
  const uniq = ids.next();
  const response = await client.invoke(
    brokerAddr,
    createRequest(RequestCode.SEND_MESSAGE_V2, {
      extFields: encodeHeader(SendMessageRequestHeaderV2, {
        producerGroup: group,
        topic,
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: 4,
        queueId: 1,
        sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
        bornTimestamp: Date.now(),
        flag: 0,
        properties: encodeProperties({ TRAN_MSG: 'true', PGROUP: group, KEYS: keys, TAGS: 'TagA', WAIT: 'true', UNIQ_KEY: uniq, ...extra }),
      }),
      body: Buffer.from(`body of ${keys}`),
    }),
  );
  assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
  const fields = response.extFields!;
  return { uniq, keys, queueId: Number(fields['queueId']), queueOffset: Number(fields['queueOffset']), commitLogOffset: decodeOffsetMessageId(fields['msgId']!).commitLogOffset };
}

function endRequest(half: Half, group: string, type: number, fromTransactionCheck = false): RemotingCommand {
  return createRequest(RequestCode.END_TRANSACTION, {
    extFields: encodeHeader(EndTransactionRequestHeader, {
      producerGroup: group,
      tranStateTableOffset: half.queueOffset,
      commitLogOffset: half.commitLogOffset,
      commitOrRollback: type,
      fromTransactionCheck,
      msgId: half.uniq,
      transactionId: half.uniq,
    }),
  });
}

async function readQueue(cluster: TestCluster | Broker, topic: string, queueId: number): Promise<StoredMessage[]> {
  const store = ('broker' in cluster ? cluster.broker : cluster).internals.store;
  const messages: StoredMessage[] = [];
  let offset = store.getMinOffsetInQueue(topic, queueId);
  const max = store.getMaxOffsetInQueue(topic, queueId);
  while (offset < max) {
    const result = await store.getMessage('test_reader', topic, queueId, offset, 32);
    messages.push(...result.messages.flatMap((record) => decodeStoredMessages(record)));
    if (result.nextBeginOffset <= offset) break;
    offset = result.nextBeginOffset;
  }
  return messages;
}

async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMillis = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function withClient(t: TestContext, handlers?: Map<number, RequestHandler>): Promise<RemotingClient> {
  const client = new RemotingClient(handlers ? { handlers } : {});
  t.after(() => client.close());
  return client;
}

/** A producer of `group` answering CHECK_TRANSACTION_STATE with `answer(uniq)` (undefined: stay silent). */
async function checkingProducer(t: TestContext, cluster: TestCluster, group: string, answer: (uniq: string) => number | undefined) {
  const checks: { uniq: string; topic: string; tranStateTableOffset: number; checkTimes: string | undefined }[] = [];
  const handlers = new Map<number, RequestHandler>([
    [
      RequestCode.CHECK_TRANSACTION_STATE,
      (_ctx, request) => {
        const header = decodeHeader(CheckTransactionStateRequestHeader, request.extFields);
        const message = decodeStoredMessage(request.body!);
        checks.push({ uniq: header.msgId!, topic: message.topic, tranStateTableOffset: header.tranStateTableOffset, checkTimes: message.properties['TRANSACTION_CHECK_TIMES'] });
        assert.equal(header.offsetMsgId?.length, 32);
        const type = answer(header.msgId!);
        if (type !== undefined) {
          void client.invokeOneway(cluster.brokerAddr, endRequest({ uniq: header.msgId!, keys: '', queueId: 0, queueOffset: header.tranStateTableOffset, commitLogOffset: header.commitLogOffset }, group, type, true));
        }
      },
    ],
  ]);
  const client = await withClient(t, handlers);
  const heartbeat = await client.invoke(
    cluster.brokerAddr,
    createRequest(RequestCode.HEART_BEAT, { body: encodeHeartbeatData({ clientID: `127.0.0.1@${unique('checker')}`, producerDataSet: [{ groupName: group }], consumerDataSet: [] }) }),
  );
  assert.equal(heartbeat.code, ResponseCode.SUCCESS);
  return { checks, client };
}

describe('transactional messages on the broker', () => {
  it('a half message is invisible; COMMIT delivers it once with its id and properties; repeats change nothing', async (t) => {
    const cluster = await startCluster(t);
    const client = await withClient(t);
    const topic = unique('tx_commit');
    const group = unique('tx_group');
    const half = await sendHalf(client, cluster.brokerAddr, topic, group, 'k1');
    assert.equal(half.queueId, 1, 'the send answers the real queue');
    assert.deepEqual(await readQueue(cluster, topic, 1), [], 'invisible before END_TRANSACTION');
    const [parked] = await readQueue(cluster, 'RMQ_SYS_TRANS_HALF_TOPIC', 0);
    assert.equal(parked?.properties['REAL_TOPIC'], topic);
    assert.equal(parked?.properties['REAL_QID'], '1');
    assert.equal(parked?.sysFlag & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE, 0, 'half message stored with transaction bits cleared');

    const commit = await client.invoke(cluster.brokerAddr, endRequest(half, group, MessageSysFlag.TRANSACTION_COMMIT_TYPE));
    assert.equal(commit.code, ResponseCode.SUCCESS, commit.remark);
    const delivered = await readQueue(cluster, topic, 1);
    assert.equal(delivered.length, 1);
    const message = delivered[0]!;
    assert.equal(message.properties['UNIQ_KEY'], half.uniq, 'same message id');
    assert.equal(message.properties['KEYS'], 'k1');
    assert.equal(message.body.toString(), 'body of k1');
    assert.equal(message.preparedTransactionOffset, half.commitLogOffset);
    assert.equal(message.sysFlag & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE, MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    // 4.8 serialises the half message's properties before clearing REAL_TOPIC/REAL_QID/TRAN_MSG in memory.
    assert.equal(message.properties['TRAN_MSG'], 'true');
    assert.equal(message.properties['REAL_TOPIC'], topic);
    assert.equal(message.properties['PGROUP'], group);

    const again = await client.invoke(cluster.brokerAddr, endRequest(half, group, MessageSysFlag.TRANSACTION_COMMIT_TYPE));
    assert.equal(again.code, ResponseCode.SUCCESS, 'a repeated commit is acknowledged');
    const lateRollback = await client.invoke(cluster.brokerAddr, endRequest(half, group, MessageSysFlag.TRANSACTION_ROLLBACK_TYPE));
    assert.equal(lateRollback.code, ResponseCode.SUCCESS);
    assert.equal((await readQueue(cluster, topic, 1)).length, 1, 'still delivered once');
    const ops = await readQueue(cluster, 'RMQ_SYS_TRANS_OP_HALF_TOPIC', 0);
    assert.deepEqual(ops.map((op) => [op.body.toString(), op.properties['TAGS']]), [[String(half.queueOffset), 'd']]);
    const counters = cluster.broker.internals.transactions.counters;
    assert.deepEqual([counters.halfMessages, counters.commits, counters.rollbacks, counters.duplicates], [1, 1, 0, 2]);
  });

  it('ROLLBACK discards; a late COMMIT does not deliver; wrong group or offsets are refused', async (t) => {
    const cluster = await startCluster(t);
    const client = await withClient(t);
    const topic = unique('tx_rollback');
    const group = unique('tx_group');
    const half = await sendHalf(client, cluster.brokerAddr, topic, group, 'k2');
    const wrongGroup = await client.invoke(cluster.brokerAddr, endRequest(half, 'other_group', MessageSysFlag.TRANSACTION_COMMIT_TYPE));
    assert.equal(wrongGroup.code, ResponseCode.SYSTEM_ERROR);
    assert.match(wrongGroup.remark ?? '', /^The producer group wrong/);
    const wrongOffset = await client.invoke(cluster.brokerAddr, endRequest({ ...half, queueOffset: half.queueOffset + 7 }, group, MessageSysFlag.TRANSACTION_COMMIT_TYPE));
    assert.match(wrongOffset.remark ?? '', /^The transaction state table offset wrong/);
    const nothing = await client.invoke(cluster.brokerAddr, endRequest({ ...half, commitLogOffset: half.commitLogOffset + 1 }, group, MessageSysFlag.TRANSACTION_COMMIT_TYPE));
    assert.match(nothing.remark ?? '', /^Find prepared transaction message failed/);

    const rollback = await client.invoke(cluster.brokerAddr, endRequest(half, group, MessageSysFlag.TRANSACTION_ROLLBACK_TYPE));
    assert.equal(rollback.code, ResponseCode.SUCCESS, rollback.remark);
    const lateCommit = await client.invoke(cluster.brokerAddr, endRequest(half, group, MessageSysFlag.TRANSACTION_COMMIT_TYPE, true));
    assert.equal(lateCommit.code, ResponseCode.SUCCESS);
    assert.deepEqual(await readQueue(cluster, topic, 1), [], 'a rolled back message is never delivered');
    // State unknown: no answer at all (oneway in the Java client), nothing changes.
    await client.invokeOneway(cluster.brokerAddr, endRequest(half, group, MessageSysFlag.TRANSACTION_NOT_TYPE));
  });

  it('rejectTransactionMessage=true refuses half messages with NO_PERMISSION', async (t) => {
    const cluster = await startCluster(t, { rejectTransactionMessage: true });
    const client = await withClient(t);
    await assert.rejects(sendHalf(client, cluster.brokerAddr, unique('tx_reject'), 'g', 'k'), /NO_PERMISSION|17|rejectTransactionMessage/);
  });

  it('check-back: an unresolved half message is checked with a live producer of its group, which commits or rolls back', async (t) => {
    const cluster = await startCluster(t, { transactionTimeOut: 300, transactionCheckInterval: 200 });
    const client = await withClient(t);
    const topic = unique('tx_check');
    const group = unique('tx_group');
    const commitMe = await sendHalf(client, cluster.brokerAddr, topic, group, 'commit-me');
    const rollMe = await sendHalf(client, cluster.brokerAddr, topic, group, 'roll-me');
    const { checks } = await checkingProducer(t, cluster, group, (uniq) => (uniq === commitMe.uniq ? MessageSysFlag.TRANSACTION_COMMIT_TYPE : MessageSysFlag.TRANSACTION_ROLLBACK_TYPE));
    await until('the commit through check-back', async () => (await readQueue(cluster, topic, 1)).length === 1);
    await until('both checked', () => new Set(checks.map((c) => c.uniq)).size === 2);
    await new Promise((resolve) => setTimeout(resolve, 800)); // a few more passes: nothing more happens
    const delivered = await readQueue(cluster, topic, 1);
    assert.deepEqual(delivered.map((m) => m.properties['UNIQ_KEY']), [commitMe.uniq]);
    assert.equal(delivered[0]!.properties['TRANSACTION_CHECK_TIMES'], '1', 'committed from the first check-back copy');
    assert.ok(checks.every((c) => c.topic === topic && c.checkTimes === '1'), JSON.stringify(checks));
    assert.equal(checks.length, 2, 'each asked once');
    assert.ok(!delivered.some((m) => m.properties['UNIQ_KEY'] === rollMe.uniq));
  });

  it(`after transactionCheckMax checks without an answer the half message is given up: never delivered, counted, kept in TRANS_CHECK_MAX_TIME_TOPIC`, async (t) => {
    const cluster = await startCluster(t, { transactionTimeOut: 200, transactionCheckInterval: 150, transactionCheckMax: 3 });
    const client = await withClient(t);
    const topic = unique('tx_discard');
    const group = unique('tx_group');
    const half = await sendHalf(client, cluster.brokerAddr, topic, group, 'silent');
    const { checks } = await checkingProducer(t, cluster, group, () => undefined);
    await until('the discard', () => cluster.broker.internals.transactions.counters.discards === 1);
    assert.deepEqual(checks.map((c) => c.checkTimes), ['1', '2', '3']);
    const kept = await readQueue(cluster, 'TRANS_CHECK_MAX_TIME_TOPIC', 0);
    assert.deepEqual(kept.map((m) => [m.properties['UNIQ_KEY'], m.properties['TRANSACTION_CHECK_TIMES']]), [[half.uniq, '3']]);
    assert.deepEqual(await readQueue(cluster, topic, 1), []);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(checks.length, 3, 'no check after giving up');
  });

  it('RESUME_CHECK_HALF_MESSAGE (323) puts a given-up half message back with TRANSACTION_CHECK_TIMES 0: the producer is asked again and its COMMIT delivers', async (t) => {
    const cluster = await startCluster(t, { transactionTimeOut: 200, transactionCheckInterval: 150, transactionCheckMax: 2 });
    const client = await withClient(t);
    const topic = unique('tx_resume');
    const group = unique('tx_group');
    const half = await sendHalf(client, cluster.brokerAddr, topic, group, 'resumed');
    let answer: number | undefined = undefined; // silent until resumed
    const { checks } = await checkingProducer(t, cluster, group, () => answer);
    await until('the discard', () => cluster.broker.internals.transactions.counters.discards === 1);
    const [kept] = await readQueue(cluster, 'TRANS_CHECK_MAX_TIME_TOPIC', 0);
    assert.ok(kept);
    const resume = (msgId: string) =>
      client.invoke(cluster.brokerAddr, createRequest(RequestCode.RESUME_CHECK_HALF_MESSAGE, { extFields: encodeHeader(ResumeCheckHalfMessageRequestHeader, { msgId }) }));
    const refused = await resume(createOffsetMessageId(kept.storeHost, kept.commitLogOffset + 1_000_000));
    assert.equal(refused.code, ResponseCode.SYSTEM_ERROR, 'no message at that offset');
    assert.match(refused.remark ?? '', /no half message/);
    const garbage = await resume('not-an-id');
    assert.equal(garbage.code, ResponseCode.SYSTEM_ERROR);
    answer = MessageSysFlag.TRANSACTION_COMMIT_TYPE;
    const resumed = await resume(createOffsetMessageId(kept.storeHost, kept.commitLogOffset));
    assert.equal(resumed.code, ResponseCode.SUCCESS, resumed.remark);
    await until('the commit after the resumed check', async () => (await readQueue(cluster, topic, 1)).length === 1);
    const [delivered] = await readQueue(cluster, topic, 1);
    assert.equal(delivered?.properties['UNIQ_KEY'], half.uniq);
    assert.deepEqual(checks.map((c) => c.checkTimes).slice(-1), ['1'], 'the resumed check counts from 0 again');
  });

  it('a commit whose op record was lost (crash between the two writes) is not checked nor committed again', async (t) => {
    const cluster = await startCluster(t, { transactionTimeOut: 200, transactionCheckInterval: 150 });
    const client = await withClient(t);
    const topic = unique('tx_lost_op');
    const group = unique('tx_group');
    const half = await sendHalf(client, cluster.brokerAddr, topic, group, 'k');
    const log = cluster.broker.internals.transactions.log;
    const stored = await log.lookHalf(half.commitLogOffset);
    assert.ok(stored);
    await log.commit(stored); // the real-topic copy only: no op record, nothing in the resolved table
    const { checks } = await checkingProducer(t, cluster, group, () => MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // several check passes
    assert.deepEqual(checks, [], 'not asked');
    assert.equal((await readQueue(cluster, topic, 1)).length, 1, 'delivered once');
  });

  it('a restart keeps every outcome: committed delivered once, rolled back never, open ones resolved by check-back', { timeout: 60_000 }, async (t) => {
    const settings: Partial<BrokerConfig> = { transactionTimeOut: 400, transactionCheckInterval: 200 };
    const cluster = await startCluster(t, settings);
    const client = await withClient(t);
    const topic = unique('tx_restart');
    const group = unique('tx_group');
    const halves: Half[] = [];
    for (let i = 0; i < 30; i++) halves.push(await sendHalf(client, cluster.brokerAddr, topic, group, `m${i}`));
    const outcome = (h: Half): 'commit' | 'rollback' | 'open' => (['commit', 'rollback', 'open'] as const)[Number(h.keys.slice(1)) % 3]!;
    for (const h of halves) {
      if (outcome(h) === 'open') continue;
      const type = outcome(h) === 'commit' ? MessageSysFlag.TRANSACTION_COMMIT_TYPE : MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;
      assert.equal((await client.invoke(cluster.brokerAddr, endRequest(h, group, type))).code, ResponseCode.SUCCESS);
    }
    const config = { ...cluster.broker.config };
    await cluster.broker.stop();
    await client.closeConnection(cluster.brokerAddr);
    const restarted = new Broker({ config });
    await restarted.start();
    t.after(() => restarted.stop());
    const restartedCluster = { ...cluster, broker: restarted };
    // Repeats after the restart change nothing: a rolled back message stays undelivered, a committed one single.
    for (const h of halves.slice(0, 6).filter((x) => outcome(x) !== 'open')) {
      const repeat = await client.invoke(cluster.brokerAddr, endRequest(h, group, MessageSysFlag.TRANSACTION_COMMIT_TYPE));
      assert.equal(repeat.code, ResponseCode.SUCCESS, repeat.remark);
    }
    const open = halves.filter((h) => outcome(h) === 'open');
    const { checks } = await checkingProducer(t, restartedCluster, group, (uniq) => (open.findIndex((h) => h.uniq === uniq) % 2 === 0 ? MessageSysFlag.TRANSACTION_COMMIT_TYPE : MessageSysFlag.TRANSACTION_ROLLBACK_TYPE));
    const expected = new Set([...halves.filter((h) => outcome(h) === 'commit'), ...open.filter((_, i) => i % 2 === 0)].map((h) => h.uniq));
    await until('every open transaction checked', () => new Set(checks.map((c) => c.uniq)).size === open.length);
    await until('the check-back commits', async () => (await readQueue(restartedCluster, topic, 1)).length >= expected.size);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const delivered = (await readQueue(restartedCluster, topic, 1)).map((m) => m.properties['UNIQ_KEY']!);
    assert.equal(delivered.length, expected.size, 'each committed message delivered exactly once');
    assert.deepEqual(new Set(delivered), expected);
    assert.ok(checks.every((c) => open.some((h) => h.uniq === c.uniq)), 'only open transactions were checked');
    const counters = restarted.internals.transactions.counters;
    assert.deepEqual([counters.duplicates, counters.commits, counters.rollbacks], [4, expected.size - 10, open.length - (expected.size - 10)]);
  });
});
