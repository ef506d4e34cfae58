/**
 * Master/slave replication between two of our brokers over real TCP: the slave follows the
 * master's commit log byte for byte and serves the messages; SYNC_MASTER answers SEND_OK with
 * the slave up, SLAVE_NOT_AVAILABLE with none, FLUSH_SLAVE_TIMEOUT with the slave frozen; the
 * slave refuses sends, copies the master's metadata, and is listed in the route under the
 * master's brokerName with brokerId 1.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import {
  createRequest,
  decodeHeader,
  encodeHeader,
  encodeProperties,
  GetRouteInfoRequestHeader,
  parseFastjson,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PullSysFlag,
  RemotingClient,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
  UpdateConsumerOffsetRequestHeader,
} from '@rocketmq-ts/protocol';
import { type Broker, createTopicOnBroker, startBroker, startCluster } from '@rocketmq-ts/server/internal';

const FAST = { reconnectDelayMillis: 200, syncIntervalMillis: 500 };

const createTopic = (client: RemotingClient, addr: string, topic: string): Promise<void> => createTopicOnBroker(client, addr, topic, 2);

function send(client: RemotingClient, addr: string, topic: string, body: string, queueId = 0, properties: Record<string, string> = {}): Promise<RemotingCommand> {
  return client.invoke(
    addr,
    createRequest(RequestCode.SEND_MESSAGE_V2, {
      extFields: encodeHeader(SendMessageRequestHeaderV2, {
        producerGroup: 'repl_producer',
        topic,
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: 2,
        queueId,
        sysFlag: 0,
        bornTimestamp: Date.now(),
        flag: 0,
        properties: encodeProperties({ TAGS: 't', KEYS: body, ...properties }),
      }),
      body: Buffer.from(body),
    }),
    10_000,
  );
}

function pull(client: RemotingClient, addr: string, topic: string, queueId: number, queueOffset: number): Promise<RemotingCommand> {
  return client.invoke(
    addr,
    createRequest(RequestCode.PULL_MESSAGE, {
      extFields: encodeHeader(PullMessageRequestHeader, {
        consumerGroup: 'repl_group',
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

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMillis = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function commitLogOf(broker: Broker, from: number, to: number): Promise<Buffer> {
  const store = broker.messageStore!.replicationSource();
  const parts: Buffer[] = [];
  for (let offset = from; offset < to; ) {
    const part = await store.readRange(offset, to - offset);
    assert.ok(part, `commit log bytes at ${offset}`);
    parts.push(part);
    offset += part.length;
  }
  return Buffer.concat(parts);
}

describe('master/slave replication', () => {
  it('ASYNC_MASTER → SLAVE: byte-identical log, pulls from the slave, slave refuses sends, metadata sync, route lists both', async (t) => {
    const cluster = await startCluster(t, { brokerRole: 'ASYNC_MASTER', mappedFileSizeCommitLog: 256 * 1024 }, { replication: FAST });
    const client = new RemotingClient();
    t.after(() => client.close());
    const topic = `repl_${randomUUID().slice(0, 8)}`;
    await createTopic(client, cluster.brokerAddr, topic);
    // data before the slave exists, spanning segments: a new slave starts at the last segment
    for (let i = 0; i < 400; i++) assert.equal((await send(client, cluster.brokerAddr, topic, `early-${i}-${'e'.repeat(900)}`, i % 2)).code, ResponseCode.SUCCESS);
    const masterStatus = cluster.broker.replicationService!.status();
    const firstSegment = masterStatus.maxPhyOffset - (masterStatus.maxPhyOffset % (256 * 1024));
    assert.ok(firstSegment > 0);

    const slave = await startBroker(t, cluster.namesrvAddr, { brokerRole: 'SLAVE', brokerId: 1, mappedFileSizeCommitLog: 256 * 1024 }, { replication: FAST });
    for (let i = 0; i < 300; i++) assert.equal((await send(client, cluster.brokerAddr, topic, `m-${i}`, i % 2)).code, ResponseCode.SUCCESS);
    const master = cluster.broker;
    await until('the slave to catch up', () => slave.broker.replicationService!.status().maxPhyOffset === master.replicationService!.status().maxPhyOffset);
    const end = master.replicationService!.status().maxPhyOffset;
    assert.deepEqual(await commitLogOf(slave.broker, firstSegment, end), await commitLogOf(master, firstSegment, end), 'the slave holds the master bytes from the last segment on');
    const status = master.replicationService!.status();
    assert.equal(status.slaves.length, 1);
    await until('the slave to report its end', () => master.replicationService!.status().slaveFallBehindBytes === 0);
    const slaveStatus = slave.broker.replicationService!.status();
    assert.equal(slaveStatus.role, 'SLAVE');
    assert.equal(slaveStatus.haClientState, 'TRANSFER');
    assert.equal(slaveStatus.haMasterAddress, `127.0.0.1:${master.config.listenPort + 1}`);

    // pulls from the slave serve the same records (once it copied the topic config), suggesting the master (slaveReadEnable=false)
    await until('the slave to copy the topic config', () => slave.broker.internals.topics.get(topic) !== undefined);
    for (let queueId = 0; queueId < 2; queueId++) {
      const fromMaster = await pull(client, master.brokerAddr, topic, queueId, 200);
      const fromSlave = await pull(client, slave.broker.brokerAddr, topic, queueId, 200);
      assert.equal(fromSlave.code, ResponseCode.SUCCESS, fromSlave.remark);
      assert.deepEqual(fromSlave.body, fromMaster.body);
      assert.equal(decodeHeader(PullMessageResponseHeader, fromSlave.extFields).suggestWhichBrokerId, 0);
    }

    // sends to a slave are refused as Apache does
    const refused = await send(client, slave.broker.brokerAddr, topic, 'to-slave');
    assert.equal(refused.code, ResponseCode.SERVICE_NOT_AVAILABLE);

    // routes: one brokerName, ids 0 and 1
    const route = await client.invoke(cluster.namesrvAddr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: encodeHeader(GetRouteInfoRequestHeader, { topic }) }));
    const routeJson = parseFastjson(route.body!.toString('utf8')) as { brokerDatas: { brokerName: string; brokerAddrs: Map<number, string> }[] };
    assert.deepEqual(
      routeJson.brokerDatas.map((b) => [b.brokerName, [...b.brokerAddrs]]),
      [['broker-a', [[0, master.brokerAddr], [1, slave.broker.brokerAddr]]]],
    );

    // metadata sync: a committed offset on the master appears on the slave
    const committed = await client.invoke(
      master.brokerAddr,
      createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { extFields: encodeHeader(UpdateConsumerOffsetRequestHeader, { consumerGroup: 'repl_group', topic, queueId: 1, commitOffset: 123 }) }),
    );
    assert.equal(committed.code, ResponseCode.SUCCESS);
    await until('the slave to copy the offset', () => slave.broker.internals.offsets.queryOffset('repl_group', topic, 1) === 123);
    assert.ok(slave.broker.internals.topics.get(topic), 'the topic config was copied');

    // the slave restarts on the same store and continues where it was
    const slaveDir = slave.storeDir;
    await slave.broker.stop();
    for (let i = 0; i < 50; i++) assert.equal((await send(client, cluster.brokerAddr, topic, `later-${i}`, i % 2)).code, ResponseCode.SUCCESS);
    const again = await startBroker(t, cluster.namesrvAddr, { brokerRole: 'SLAVE', brokerId: 1, mappedFileSizeCommitLog: 256 * 1024 }, { replication: FAST, storeDir: slaveDir });
    const end2 = master.replicationService!.status().maxPhyOffset;
    await until('the restarted slave to catch up', () => again.broker.replicationService!.status().maxPhyOffset === end2);
    assert.deepEqual(await commitLogOf(again.broker, firstSegment, end2), await commitLogOf(master, firstSegment, end2));
  });

  it('SYNC_MASTER: SEND_OK with the slave up, FLUSH_SLAVE_TIMEOUT with it frozen, SLAVE_NOT_AVAILABLE with none', async (t) => {
    const cluster = await startCluster(t, { brokerRole: 'SYNC_MASTER', syncFlushTimeout: 1_000 }, { replication: FAST });
    const client = new RemotingClient();
    t.after(() => client.close());
    const topic = `sync_${randomUUID().slice(0, 8)}`;
    await createTopic(client, cluster.brokerAddr, topic);

    const none = await send(client, cluster.brokerAddr, topic, 'no-slave');
    assert.equal(none.code, ResponseCode.SLAVE_NOT_AVAILABLE, none.remark);
    assert.ok(none.extFields?.['msgId'], 'the message is stored: the answer carries its id');

    const slave = await startBroker(t, cluster.namesrvAddr, { brokerRole: 'SLAVE', brokerId: 1 }, { replication: FAST });
    await until('the slave to connect', () => cluster.broker.replicationService!.status().slaves.some((s) => s.ackOffset >= 0));
    // concurrent sends are released together by the slave's reports
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => send(client, cluster.brokerAddr, topic, `sync-${i}`, i % 2)));
    assert.deepEqual(new Set(results.map((r) => r.code)), new Set([ResponseCode.SUCCESS]));
    const slaveEnd = slave.broker.replicationService!.status().maxPhyOffset;
    assert.ok(slaveEnd >= cluster.broker.replicationService!.status().maxPhyOffset, 'every SEND_OK message is on the slave');

    // WAIT=false (retries, re-puts) does not wait
    slave.broker.replicationService!.haClient!.pause();
    const started = Date.now();
    const frozen = await send(client, cluster.brokerAddr, topic, 'frozen');
    assert.equal(frozen.code, ResponseCode.FLUSH_SLAVE_TIMEOUT, frozen.remark);
    assert.ok(Date.now() - started >= 900, 'it waited syncFlushTimeout');
    const noWait = await send(client, cluster.brokerAddr, topic, 'no-wait', 0, { WAIT: 'false' });
    assert.equal(noWait.code, ResponseCode.SUCCESS);
    slave.broker.replicationService!.haClient!.resume();
    await until('the slave to catch up after the pause', () => slave.broker.replicationService!.status().maxPhyOffset === cluster.broker.replicationService!.status().maxPhyOffset);
    assert.equal((await send(client, cluster.brokerAddr, topic, 'after')).code, ResponseCode.SUCCESS);

    await slave.stop();
    await until('the master to see the slave gone', () => cluster.broker.replicationService!.status().slaves.length === 0);
    assert.equal((await send(client, cluster.brokerAddr, topic, 'gone')).code, ResponseCode.SLAVE_NOT_AVAILABLE);
  });

  it('the HA port on the wire: waits for the first report, 0 => last segment start, heartbeats, a slave ahead is dropped', async (t) => {
    const SEGMENT = 64 * 1024;
    const cluster = await startCluster(t, { mappedFileSizeCommitLog: SEGMENT, haSendHeartbeatInterval: 300 });
    const client = new RemotingClient();
    t.after(() => client.close());
    const topic = `wire_${randomUUID().slice(0, 8)}`;
    await createTopic(client, cluster.brokerAddr, topic);
    for (let i = 0; i < 150; i++) assert.equal((await send(client, cluster.brokerAddr, topic, `w-${i}-${'w'.repeat(600)}`)).code, ResponseCode.SUCCESS);
    const end = cluster.broker.replicationService!.status().maxPhyOffset;
    assert.ok(end > 2 * SEGMENT);

    const socket = connect({ host: '127.0.0.1', port: cluster.broker.config.listenPort + 1 });
    t.after(() => socket.destroy());
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(Buffer.concat(received).length, 0, 'nothing is sent before the first report');
    const report = (offset: number): boolean => socket.write(Buffer.from(BigInt(offset).toString(16).padStart(16, '0'), 'hex'));
    report(0);
    await until('the transfer to reach the end', () => {
      const data = Buffer.concat(received);
      let at = 0;
      let next = -1;
      while (data.length - at >= 12) {
        const size = data.readInt32BE(at + 8);
        if (data.length - at < 12 + size) break;
        next = Number(data.readBigInt64BE(at)) + size;
        at += 12 + size;
      }
      return next === end;
    });
    const data = Buffer.concat(received);
    const first = Number(data.readBigInt64BE(0));
    assert.equal(first, end - (end % SEGMENT), 'a first report of 0 starts at the last segment');
    assert.ok(data.readInt32BE(8) <= 32 * 1024, 'frames are at most haTransferBatchSize');
    const log = await commitLogOf(cluster.broker, first, end);
    let at = 0;
    const bodies: Buffer[] = [];
    while (at + 12 <= data.length) {
      const size = data.readInt32BE(at + 8);
      bodies.push(data.subarray(at + 12, at + 12 + size));
      at += 12 + size;
    }
    assert.deepEqual(Buffer.concat(bodies), log, 'the frames carry the commit log bytes');
    received.length = 0;
    report(end);
    await until('a heartbeat (an empty frame at the end)', () => {
      const beat = Buffer.concat(received);
      return beat.length >= 12 && Number(beat.readBigInt64BE(0)) === end && beat.readInt32BE(8) === 0;
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    report(end + 1_000_000);
    await closed;
  });

  it('slaveReadEnable: a pull reading far behind the log head is sent to whichBrokerWhenConsumeSlowly, others to the group brokerId', async (t) => {
    // accessMessageInMemoryMaxRatio=0: everything but the log head counts as "not in memory".
    const cluster = await startCluster(t, { slaveReadEnable: true, accessMessageInMemoryMaxRatio: 0 });
    const client = new RemotingClient();
    t.after(() => client.close());
    const topic = `slowread_${randomUUID().slice(0, 8)}`;
    await createTopic(client, cluster.brokerAddr, topic);
    for (let i = 0; i < 5; i++) assert.equal((await send(client, cluster.brokerAddr, topic, `s-${i}`)).code, ResponseCode.SUCCESS);
    const slow = await pull(client, cluster.brokerAddr, topic, 0, 0);
    assert.equal(slow.code, ResponseCode.SUCCESS);
    assert.equal(decodeHeader(PullMessageResponseHeader, slow.extFields).suggestWhichBrokerId, 1);
    const none = await pull(client, cluster.brokerAddr, topic, 0, 5);
    assert.equal(decodeHeader(PullMessageResponseHeader, none.extFields).suggestWhichBrokerId, 0, 'nothing read: the group brokerId (0)');
  });

  it('refuses a SLAVE with brokerId 0 and an unknown role, naming the fix', async (t) => {
    await assert.rejects(startCluster(t, { brokerRole: 'SLAVE', brokerId: 0 }), /Slave's brokerId must be > 0.*brokerId=1/);
    await assert.rejects(startCluster(t, { brokerRole: 'MASTER' }), /brokerRole must be one of ASYNC_MASTER, SYNC_MASTER or SLAVE/);
  });
});
