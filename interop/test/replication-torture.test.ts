/**
 * Replication torture: a SYNC_MASTER (our broker in a child process, same store and port each
 * time) is SIGKILLed again and again while sends keep coming; our slave follows it across every
 * restart. Afterwards every message that was answered SEND_OK is on the slave, byte-identical
 * (body at the offset its msgId names), and the slave's log equals the master's.
 *
 * CI size (4 cycles): npm run torture:replication. The long run (100 cycles, or RMQTS_TORTURE_CYCLES):
 * npm run torture:replication:long (not through scripts/run-tests.mjs, whose 10-minute cap per file
 * it would exceed). Both print "cycles N, acknowledged N, lost 0".
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateTopicRequestHeader,
  createRequest,
  decodeKVTable,
  decodeOffsetMessageId,
  decodeStoredMessage,
  encodeHeader,
  encodeProperties,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { freeBrokerPort, NameServer, startBroker } from '@rocketmq-ts/server/internal';
import { startRocketmqTsBrokerProcess } from '../lib/rocketmq-ts-broker-process.ts';
import { defer } from '../lib/cleanup.ts';

const CYCLES = Number(process.env.RMQTS_TORTURE_CYCLES ?? 4);
const INFLIGHT = 16;

test(`replication torture: ${CYCLES} × kill -9 of a SYNC_MASTER under load, nothing acknowledged is lost`, { timeout: 120_000 + CYCLES * 30_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-torture-'));
  defer(t, () => rm(dir, { recursive: true, force: true }));
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kv.json') } });
  const namesrvAddr = `127.0.0.1:${(await namesrv.start()).port}`;
  defer(t, () => namesrv.stop());
  const masterConfig = { brokerRole: 'SYNC_MASTER', listenPort: await freeBrokerPort(), mappedFileSizeCommitLog: 4 * 1024 * 1024 };
  const masterDir = join(dir, 'master');
  let master = await startRocketmqTsBrokerProcess({ namesrvAddr, storeDir: masterDir, brokerConfig: masterConfig });
  defer(t, () => master.kill());
  const slave = await startBroker(t, namesrvAddr, { brokerRole: 'SLAVE', brokerId: 1, mappedFileSizeCommitLog: 4 * 1024 * 1024 }, { replication: { reconnectDelayMillis: 200 } });
  const slaveRole = slave.broker.replicationService!;
  const client = new RemotingClient();
  defer(t, () => client.close());
  const topic = 'torture';
  const created = await client.invoke(
    master.brokerAddr,
    createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      extFields: encodeHeader(CreateTopicRequestHeader, { topic, defaultTopic: 'TBW102', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false }),
    }),
  );
  assert.equal(created.code, ResponseCode.SUCCESS); // answered once topics.json holds the topic

  const acknowledged = new Map<number, Buffer>(); // commit-log offset → body
  const codes = new Map<number, number>();
  let seq = 0;
  let sending = true;
  const worker = async (): Promise<void> => {
    while (sending) {
      const body = Buffer.from(`torture-${seq++}-${'x'.repeat(seq % 300)}`);
      try {
        const response = await client.invoke(
          master.brokerAddr,
          createRequest(RequestCode.SEND_MESSAGE_V2, {
            extFields: encodeHeader(SendMessageRequestHeaderV2, {
              producerGroup: 'torture',
              topic,
              defaultTopic: 'TBW102',
              defaultTopicQueueNums: 4,
              queueId: seq % 4,
              sysFlag: 0,
              bornTimestamp: Date.now(),
              flag: 0,
              properties: encodeProperties({ KEYS: `t${seq}` }),
            }),
            body,
          }),
          3_000,
        );
        codes.set(response.code, (codes.get(response.code) ?? 0) + 1);
        if (response.code === ResponseCode.SUCCESS) acknowledged.set(decodeOffsetMessageId(response.extFields!['msgId']!).commitLogOffset, body);
      } catch {
        codes.set(-1, (codes.get(-1) ?? 0) + 1); // connection lost with the master: not acknowledged
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const connected = async (): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (slaveRole.status().haClientState !== 'TRANSFER') {
      assert.ok(Date.now() < deadline, 'the slave reconnects to the restarted master');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await connected();
  const workers = Array.from({ length: INFLIGHT }, worker);
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.random() * 1_000));
    await master.kill();
    await new Promise((resolve) => setTimeout(resolve, 200));
    master = await startRocketmqTsBrokerProcess({ namesrvAddr, storeDir: masterDir, brokerConfig: masterConfig });
    await connected();
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  sending = false;
  await Promise.all(workers);

  // the slave catches up with the last master, then every acknowledged message is checked on it
  const runtime = async (): Promise<number> => {
    const info = await client.invoke(master.brokerAddr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO));
    return Number(decodeKVTable(info.body!).get('commitLogMaxOffset'));
  };
  const masterEnd = await runtime();
  const deadline = Date.now() + 30_000;
  while (slaveRole.status().maxPhyOffset < masterEnd) {
    assert.ok(Date.now() < deadline, 'the slave catches up');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const store = slave.broker.messageStore!;
  let lost = 0;
  for (const [offset, body] of acknowledged) {
    const record = await store.lookMessageByOffset(offset);
    if (!record || !decodeStoredMessage(record, 0).body.equals(body)) lost++;
  }
  // and the slave's log is the master's, byte for byte
  let differentSegments = 0;
  for (const name of (await readdir(join(masterDir, 'commitlog'))).sort()) {
    const start = Number(name);
    if (start >= masterEnd) continue;
    const length = Math.min(4 * 1024 * 1024, masterEnd - start);
    const [a, b] = await Promise.all([join(masterDir, 'commitlog', name), join(slave.storeDir, 'commitlog', name)].map((file) => readFile(file)));
    if (!a!.subarray(0, length).equals(b!.subarray(0, length))) differentSegments++;
  }
  assert.equal(differentSegments, 0, 'the slave commit log equals the master one');
  const summary = `cycles ${CYCLES}, acknowledged ${acknowledged.size}, lost ${lost}, answers ${JSON.stringify(Object.fromEntries(codes))}`;
  t.diagnostic(summary);
  assert.ok(acknowledged.size > 0, summary);
  assert.equal(lost, 0, summary);
});
