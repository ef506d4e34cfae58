/**
 * Master/slave replication with real clients and Apache RocketMQ 4.8.0 (Maven Central jars):
 *
 * 1. The Java 4.8 client against our SYNC_MASTER (a child process) and our slave: every send is
 *    SEND_OK (so the slave had each message); a committed consumer offset reaches the slave; the
 *    master is SIGKILLed and the Java consumer reads every message from the slave.
 * 2. An Apache 4.8.0 SLAVE follows our SYNC_MASTER: the Java producer's sends are SEND_OK only
 *    because the Apache slave acknowledges over our HA port; its commit log is byte-identical to
 *    ours; with our master stopped the Java consumer reads from the Apache slave exactly the
 *    records it read from our master.
 * 3. Our SLAVE follows an Apache 4.8.0 SYNC_MASTER: SEND_OK (our slave acknowledges Apache's
 *    HA server), byte-identical commit log, and our slave serves the messages.
 * 4. The Java 4.8 client's SendStatus from our SYNC_MASTER: SLAVE_NOT_AVAILABLE with no slave,
 *    SEND_OK with one, FLUSH_SLAVE_TIMEOUT after syncFlushTimeout with the slave SIGSTOPped.
 * 5. Differential: an all-Apache 4.8.0 SYNC_MASTER + SLAVE pair gives the same statuses and a
 *    byte-identical slave log.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { createRequest, RemotingClient, RequestCode } from '@rocketmq-ts/protocol';
import { type Broker, NameServer, startBroker, startCluster } from '@rocketmq-ts/server/internal';
import { startApacheRocketMQ } from '../lib/apache-rocketmq.ts';
import { queryConsumerOffset, updateConsumerOffset } from '../lib/broker-requests.ts';
import { type ConsumedMessage, runJavaConsumer, runJavaProducer, runJavaProgram } from '../lib/java-client.ts';
import { startRocketmqTsBrokerProcess } from '../lib/rocketmq-ts-broker-process.ts';
import { defer } from '../lib/cleanup.ts';

const SEGMENT = 64 * 1024 * 1024;
const FAST = { reconnectDelayMillis: 500, syncIntervalMillis: 1_000 };

async function tempDir(t: TestContext, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `rmqts-repl-${name}-`));
  defer(t, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMillis = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The first `length` bytes of the first commit-log segment in a store directory (Apache's or ours). */
async function commitLogFileBytes(storeDir: string, length: number): Promise<Buffer> {
  const file = await open(join(storeDir, 'commitlog', '0'.repeat(20)), 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** End of the records in a commit-log prefix (the first zero TOTALSIZE). */
function recordsEnd(bytes: Buffer): number {
  let at = 0;
  while (at + 8 <= bytes.length) {
    const size = bytes.readInt32BE(at);
    if (size <= 0) break;
    at += size;
  }
  return at;
}

const topicName = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;

function byOffset(messages: ConsumedMessage[]): ConsumedMessage[] {
  return [...messages].sort((a, b) => a.commitLogOffset - b.commitLogOffset);
}

async function ourNameServer(t: TestContext): Promise<string> {
  const dir = await tempDir(t, 'namesrv');
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kvConfig.json') } });
  const { port } = await namesrv.start();
  defer(t, () => namesrv.stop());
  return `127.0.0.1:${port}`;
}

test('Java 4.8 client: SYNC_MASTER SEND_OK with our slave up; consumers read from the slave after the master is killed', { timeout: 240_000 }, async (t) => {
  const namesrvAddr = await ourNameServer(t);
  const master = await startRocketmqTsBrokerProcess({
    namesrvAddr,
    storeDir: await tempDir(t, 'master'),
    brokerConfig: { brokerRole: 'SYNC_MASTER', brokerName: 'broker-a' },
  });
  defer(t, () => master.kill());
  const slave = await startBroker(t, namesrvAddr, { brokerRole: 'SLAVE', brokerId: 1, brokerName: 'broker-a' }, { replication: FAST });
  const slaveRole = slave.broker.replicationService!;
  await until('the slave to connect to the master', () => slaveRole.status().haClientState === 'TRANSFER');

  const topic = topicName('sync');
  const COUNT = 60;
  const produced = await runJavaProducer({ namesrvAddr, topic, count: COUNT, bodySize: 512, keysPrefix: 'k-' });
  assert.equal(produced.length, COUNT);
  assert.ok(produced.every((p) => p.status === 'SEND_OK'), 'every SYNC_MASTER send is SEND_OK: the slave had each message');

  // committed progress reaches the slave with the 10 s metadata sync (here 1 s)
  await updateConsumerOffset(master.brokerAddr, 'rmqts_repl_group', topic, 0, 3);
  await until('the slave to copy the committed offset', async () => (await queryConsumerOffset(slave.broker.brokerAddr, 'rmqts_repl_group', topic, 0)) === 3);

  await master.kill();
  const consumed = await runJavaConsumer({ namesrvAddr, topic, expect: COUNT, waitMillis: 60_000 });
  assert.equal(consumed.length, COUNT);
  assert.deepEqual(new Set(consumed.map((m) => m.msgId)), new Set(produced.map((p) => p.msgId)), 'every acknowledged message is served by the slave');
  assert.equal(await queryConsumerOffset(slave.broker.brokerAddr, 'rmqts_repl_group', topic, 0), 3, 'the committed offset is kept');
});

interface SendStatusLine {
  i: number;
  status: string;
  millis: number;
  error?: string;
}

test('Java 4.8 client against our SYNC_MASTER: SLAVE_NOT_AVAILABLE with no slave, SEND_OK with one, FLUSH_SLAVE_TIMEOUT with it SIGSTOPped', { timeout: 240_000 }, async (t) => {
  const cluster = await startCluster(t, { brokerRole: 'SYNC_MASTER', syncFlushTimeout: 2_000 });
  const topic = topicName('statuses');
  const statuses = async (count: number): Promise<SendStatusLine[]> =>
    runJavaProgram<SendStatusLine>('SendStatuses', ['--namesrv', cluster.namesrvAddr, '--topic', topic, '--count', String(count)], 120_000);

  const none = await statuses(3);
  assert.deepEqual(none.map((l) => l.status), ['SLAVE_NOT_AVAILABLE', 'SLAVE_NOT_AVAILABLE', 'SLAVE_NOT_AVAILABLE'], JSON.stringify(none));

  const slave = await startRocketmqTsBrokerProcess({ namesrvAddr: cluster.namesrvAddr, storeDir: await tempDir(t, 'slave'), brokerConfig: { brokerRole: 'SLAVE', brokerId: 1 } });
  defer(t, () => slave.kill());
  await until('the slave to connect', () => cluster.broker.replicationService!.status().slaves.some((s) => s.ackOffset > 0));
  const up = await statuses(3);
  assert.deepEqual(up.map((l) => l.status), ['SEND_OK', 'SEND_OK', 'SEND_OK'], JSON.stringify(up));

  process.kill(slave.pid, 'SIGSTOP');
  try {
    const frozen = await statuses(2);
    assert.deepEqual(frozen.map((l) => l.status), ['FLUSH_SLAVE_TIMEOUT', 'FLUSH_SLAVE_TIMEOUT'], JSON.stringify(frozen));
    assert.ok(frozen.every((l) => l.millis >= 1_900), `each waited syncFlushTimeout: ${JSON.stringify(frozen)}`);
  } finally {
    process.kill(slave.pid, 'SIGCONT');
  }
  await until('the slave to catch up after SIGCONT', () => cluster.broker.replicationService!.status().slaveFallBehindBytes === 0);
  const again = await statuses(1);
  assert.deepEqual(again.map((l) => l.status), ['SEND_OK'], JSON.stringify(again));
});

test('differential: the same statuses and byte-identical log with an all-Apache 4.8.0 SYNC_MASTER + SLAVE pair', { timeout: 300_000 }, async (t) => {
  const masterDir = await tempDir(t, 'apache-pair-master');
  const apache = await startApacheRocketMQ({ storeDir: masterDir, brokerConf: { brokerRole: 'SYNC_MASTER', syncFlushTimeout: 2_000, mappedFileSizeCommitLog: SEGMENT } });
  defer(t, () => apache.stop());
  const topic = topicName('apachepair');
  const statuses = async (count: number): Promise<SendStatusLine[]> =>
    runJavaProgram<SendStatusLine>('SendStatuses', ['--namesrv', apache.namesrvAddr, '--topic', topic, '--count', String(count)], 120_000);
  const none = await statuses(2);
  assert.deepEqual(none.map((l) => l.status), ['SLAVE_NOT_AVAILABLE', 'SLAVE_NOT_AVAILABLE'], JSON.stringify(none));

  const slaveDir = await tempDir(t, 'apache-pair-slave');
  const slave = await startApacheRocketMQ({
    storeDir: slaveDir,
    namesrvAddr: apache.namesrvAddr,
    brokerConf: { brokerRole: 'SLAVE', brokerId: 1, brokerName: apache.brokerName, mappedFileSizeCommitLog: SEGMENT },
  });
  defer(t, () => slave.stop());
  // Apache's master counts a slave once it reported; until then sends answer SLAVE_NOT_AVAILABLE.
  await until('the Apache slave to be counted', async () => (await statuses(1))[0]!.status === 'SEND_OK');
  const produced = await runJavaProducer({ namesrvAddr: apache.namesrvAddr, topic, count: 40, bodySize: 700, keysPrefix: 'k-' });
  assert.ok(produced.every((p) => p.status === 'SEND_OK'));
  const end = recordsEnd(await commitLogFileBytes(masterDir, 4 * 1024 * 1024));
  await until('the Apache slave to hold the whole log', async () => recordsEnd(await commitLogFileBytes(slaveDir, end)) === end);
  assert.ok((await commitLogFileBytes(slaveDir, end)).equals(await commitLogFileBytes(masterDir, end)), 'Apache slave = Apache master, byte for byte');
});

test('an Apache RocketMQ 4.8.0 slave follows our SYNC_MASTER and serves the same records', { timeout: 300_000 }, async (t) => {
  const cluster = await startCluster(t, { brokerRole: 'SYNC_MASTER', mappedFileSizeCommitLog: SEGMENT });
  const apacheDir = await tempDir(t, 'apache-slave');
  const apache = await startApacheRocketMQ({
    storeDir: apacheDir,
    namesrvAddr: cluster.namesrvAddr,
    brokerConf: { brokerRole: 'SLAVE', brokerId: 1, brokerName: 'broker-a', mappedFileSizeCommitLog: SEGMENT },
  });
  defer(t, () => apache.stop());
  await until('the Apache slave to connect to our HA port', () => cluster.broker.replicationService!.status().slaves.some((s) => s.ackOffset >= 0));

  const topic = topicName('toapache');
  const COUNT = 80;
  const produced = await runJavaProducer({ namesrvAddr: cluster.namesrvAddr, topic, count: COUNT, bodySize: 700, tags: 'TagA', keysPrefix: 'k-' });
  assert.ok(produced.every((p) => p.status === 'SEND_OK'), 'SEND_OK: the Apache slave acknowledged each message over our HA port');
  const fromMaster = await runJavaConsumer({ namesrvAddr: cluster.namesrvAddr, topic, expect: COUNT });

  const end = cluster.broker.replicationService!.status().maxPhyOffset;
  const ours = await commitLogFileBytes(cluster.storeDir, end);
  await until('the Apache slave to hold our whole log', async () => recordsEnd(await commitLogFileBytes(apacheDir, end)) === end);
  assert.ok((await commitLogFileBytes(apacheDir, end)).equals(ours), 'the Apache slave commit log is byte-identical to ours');

  // Apache's slave copies our topic config (GET_ALL_TOPIC_CONFIG, every 10 s) before it serves
  // pulls; with our master gone the Java consumer reads from it.
  const client = new RemotingClient();
  defer(t, () => client.close());
  await until('the Apache slave to copy our topic config', async () => {
    const response = await client.invoke(apache.brokerAddr, createRequest(RequestCode.GET_ALL_TOPIC_CONFIG));
    return response.body?.toString('utf8').includes(`"${topic}"`) ?? false;
  });
  await cluster.broker.stop();
  const fromSlave = await runJavaConsumer({ namesrvAddr: cluster.namesrvAddr, topic, expect: COUNT, waitMillis: 60_000 });
  assert.deepEqual(byOffset(fromSlave), byOffset(fromMaster), 'the Apache slave serves exactly the records our master served');
});

test('our slave follows an Apache RocketMQ 4.8.0 SYNC_MASTER byte for byte', { timeout: 300_000 }, async (t) => {
  const apacheDir = await tempDir(t, 'apache-master');
  const apache = await startApacheRocketMQ({ storeDir: apacheDir, brokerConf: { brokerRole: 'SYNC_MASTER', mappedFileSizeCommitLog: SEGMENT } });
  defer(t, () => apache.stop());
  const slave = await startBroker(t, apache.namesrvAddr, { brokerRole: 'SLAVE', brokerId: 1, brokerName: apache.brokerName, mappedFileSizeCommitLog: SEGMENT }, { replication: FAST });
  const slaveBroker: Broker = slave.broker;
  await until('our slave to connect to the Apache master', () => slaveBroker.replicationService!.status().haClientState === 'TRANSFER');

  const topic = topicName('fromapache');
  const COUNT = 80;
  const produced = await runJavaProducer({ namesrvAddr: apache.namesrvAddr, topic, count: COUNT, bodySize: 700, tags: 'TagA', keysPrefix: 'k-' });
  assert.ok(produced.every((p) => p.status === 'SEND_OK'), 'SEND_OK: our slave acknowledged each message to the Apache HA server');
  const apacheEnd = recordsEnd(await commitLogFileBytes(apacheDir, 4 * 1024 * 1024));
  await until('our slave to hold the whole Apache log', () => slaveBroker.replicationService!.status().maxPhyOffset >= apacheEnd);
  const apacheBytes = await commitLogFileBytes(apacheDir, apacheEnd);
  const ourBytes = await commitLogFileBytes(slave.storeDir, apacheEnd);
  assert.ok(ourBytes.equals(apacheBytes), 'our slave commit log is byte-identical to the Apache master');
  const store = slaveBroker.messageStore!;
  let total = 0;
  for (let queueId = 0; queueId < 4; queueId++) total += store.getMaxOffsetInQueue(topic, queueId);
  assert.equal(total, COUNT, 'every replicated message is in our consume queues');
  for (const sent of produced.slice(0, 10)) {
    const found = await store.getMessage('g', topic, sent.queueId, sent.queueOffset, 1);
    assert.equal(found.status, 'FOUND');
  }
});
