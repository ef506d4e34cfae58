/**
 * Consumers follow the broker group through a master crash and back, with the Java 4.8 client's
 * clustering DefaultMQPushConsumer (interop/java FailoverConsumer) against our master (a child
 * process, SIGKILLed and restarted on the same port and store) and our slave:
 *
 * A — consumed and committed while the master is up (the slave copies the committed offsets);
 * B — sent, replicated, then the master is killed: a new consumer of the group starts from the
 *     committed offsets it reads from the slave (no message of A again) and consumes B from it;
 * C — the master restarts while the slave's replication is paused, so only the master has C: the
 *     consumer receives C, so it went back to pulling from the master, and the progress it made
 *     on the slave is committed on the master.
 * Nothing acknowledged is lost; deliveries of a message more than once are counted and printed.
 *
 * ASYNC_MASTER: with the slave paused a SYNC_MASTER would answer FLUSH_SLAVE_TIMEOUT to C's sends
 * (SYNC_MASTER statuses are proven in replication.test.ts).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRequest, decodeKVTable, encodeHeader, GetRouteInfoRequestHeader, parseFastjson, RemotingClient, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { freeBrokerPort, NameServer, startBroker } from '@rocketmq-ts/server/internal';
import { queryConsumerOffset } from '../lib/broker-requests.ts';
import { type ProducedMessage, runJavaProducer, runJavaProgram, startJavaProgram } from '../lib/java-client.ts';
import { startRocketmqTsBrokerProcess } from '../lib/rocketmq-ts-broker-process.ts';
import { defer } from '../lib/cleanup.ts';

interface Delivery {
  msgId: string;
  keys: string;
  queueId: number;
  queueOffset: number;
  reconsumeTimes: number;
}

const COUNT = 30;
const QUEUES = 4; // the Java producer's default topic queue count

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMillis = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function committedTotal(brokerAddr: string, group: string, topic: string): Promise<number> {
  let total = 0;
  for (let queueId = 0; queueId < QUEUES; queueId++) total += Math.max(0, (await queryConsumerOffset(brokerAddr, group, topic, queueId).catch(() => undefined)) ?? 0);
  return total;
}

test('Java 4.8 push consumer: moves to the slave when the master is killed and back when it restarts; committed offsets kept, nothing lost', { timeout: 420_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-failover-'));
  defer(t, () => rm(dir, { recursive: true, force: true }));
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kv.json') } });
  const namesrvAddr = `127.0.0.1:${(await namesrv.start()).port}`;
  defer(t, () => namesrv.stop());
  const masterConfig = { brokerRole: 'ASYNC_MASTER', brokerName: 'broker-a', listenPort: await freeBrokerPort() };
  const masterDir = join(dir, 'master');
  let master = await startRocketmqTsBrokerProcess({ namesrvAddr, storeDir: masterDir, brokerConfig: masterConfig });
  defer(t, () => master.kill());
  const slave = await startBroker(t, namesrvAddr, { brokerRole: 'SLAVE', brokerId: 1, brokerName: 'broker-a' }, { replication: { reconnectDelayMillis: 300, syncIntervalMillis: 1_000 } });
  const slaveRole = slave.broker.replicationService!;
  const slaveAddr = slave.broker.brokerAddr;
  await until('the slave to connect to the master', () => slaveRole.status().haClientState === 'TRANSFER');
  const client = new RemotingClient();
  defer(t, () => client.close());

  const topic = `failover_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const group = `failover_group_${randomUUID().slice(0, 8)}`;
  const produce = (start: number): Promise<ProducedMessage[]> => runJavaProducer({ namesrvAddr, topic, count: COUNT, start, bodySize: 256, keysPrefix: 'k-' });
  const consumerArgs = (expect: number, timeoutMillis: number): string[] => ['--namesrv', namesrvAddr, '--topic', topic, '--group', group, '--expect', String(expect), '--timeout-ms', String(timeoutMillis)];

  // A: consumed and committed with the master up
  const a = await produce(0);
  assert.ok(a.every((p) => p.status === 'SEND_OK'));
  const first = await runJavaProgram<Delivery>('FailoverConsumer', consumerArgs(COUNT, 90_000), 150_000);
  assert.deepEqual(new Set(first.map((d) => d.msgId)), new Set(a.map((p) => p.msgId)));
  assert.equal(await committedTotal(master.brokerAddr, group, topic), COUNT, 'the shutdown committed A on the master');
  await until('the slave to copy the committed offsets', async () => (await committedTotal(slaveAddr, group, topic)) === COUNT);

  // B: replicated, then the master dies
  const b = await produce(COUNT);
  assert.ok(b.every((p) => p.status === 'SEND_OK'));
  const masterEnd = async (): Promise<number> =>
    Number(decodeKVTable((await client.invoke(master.brokerAddr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO))).body).get('commitLogMaxOffset'));
  const end = await masterEnd();
  await until('the slave to hold B', () => slaveRole.status().maxPhyOffset >= end);
  await master.kill();

  const consumer = await startJavaProgram<Delivery>('FailoverConsumer', consumerArgs(2 * COUNT, 240_000), 300_000);
  defer(t, () => consumer.exited);
  const bIds = new Set(b.map((p) => p.msgId));
  await until('B consumed from the slave', () => [...bIds].every((id) => consumer.lines.some((d) => d.msgId === id)), 120_000).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\n${consumer.diagnostics()}`);
  });
  const aIds = new Set(a.map((p) => p.msgId));
  assert.deepEqual(
    consumer.lines.filter((d) => aIds.has(d.msgId)),
    [],
    'the committed offsets were read from the slave: nothing of A again',
  );

  // C: only the restarted master has it
  slaveRole.haClient!.pause();
  master = await startRocketmqTsBrokerProcess({ namesrvAddr, storeDir: masterDir, brokerConfig: masterConfig });
  await until('the master to be back in the route', async () => {
    const route = await client.invoke(namesrvAddr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: encodeHeader(GetRouteInfoRequestHeader, { topic }) }));
    if (route.code !== ResponseCode.SUCCESS) return false;
    const data = parseFastjson(route.body!.toString('utf8')) as { brokerDatas: { brokerAddrs: Map<number, string> }[] };
    return data.brokerDatas.some((broker) => broker.brokerAddrs.get(0) === master.brokerAddr);
  });
  const c = await produce(2 * COUNT);
  assert.ok(c.every((p) => p.status === 'SEND_OK'));
  assert.ok(slaveRole.status().maxPhyOffset < (await masterEnd()), 'the paused slave does not have C');
  const exit = await consumer.exited;
  assert.equal(exit, 0, `the consumer got B and C\n${consumer.diagnostics()}`);

  const cIds = new Set(c.map((p) => p.msgId));
  const deliveries = consumer.lines;
  const distinct = new Set(deliveries.map((d) => d.msgId));
  assert.deepEqual(distinct, new Set([...bIds, ...cIds]), 'every acknowledged message of B and C, and nothing else');
  const duplicates = deliveries.length - distinct.size;
  t.diagnostic(`deliveries: A ${first.length} (first consumer), B+C ${deliveries.length} for ${distinct.size} messages: ${duplicates} duplicate(s)`);
  assert.equal(first.length + deliveries.length - duplicates, 3 * COUNT, 'nothing lost');
  assert.equal(await committedTotal(master.brokerAddr, group, topic), 3 * COUNT, 'the progress made on the slave is committed on the master');
  slaveRole.haClient!.resume();
});
