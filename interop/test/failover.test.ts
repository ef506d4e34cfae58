/**
 * Automatic failover (controller mode, docs/failover.md): three Apache RocketMQ 5.5.0 controllers
 * (DLedger Raft, Maven Central jars) elect the master among three of our brokers (child
 * processes, allAckInSyncStateSet=true). The Java 4.8 client sends continuously
 * (interop/java ContinuousSend) and a Java 4.8 push consumer (FailoverConsumer) consumes while
 * the master is SIGKILLed, FAILOVER_KILLS times; beside them our TypeScript Producer and
 * PushConsumer do the same on a topic of their own (interop/lib/ts-failover-clients.ts, client
 * defaults: 30 s route poll). Each time a slave of the in-sync set takes
 * over, the killed broker restarts on the same store and port, cuts its log back to the new
 * master's epoch if it must, follows, and rejoins the in-sync set before the next kill.
 *
 * Measured per kill: write outage (last SEND_OK from the killed master → first SEND_OK from the
 * new one, told apart by the offsetMsgId's store host) and
 * consume outage (last delivery before the kill → first delivery of a message sent after it), for
 * each client. Asserted, for each: every message answered SEND_OK is consumed (0 lost); duplicates
 * are counted and printed. The Java clients poll routes every second (pollNameServerInterval=1000):
 * a 4.x client learns of a new master only from that poll.
 *
 * The same scenario with three Apache RocketMQ 5.5.0 brokers in controller mode runs after ours
 * in the same process when RMQTS_FAILOVER_COMPARE=1 (npm run bench:failover), and both outages
 * are printed side by side.
 *
 * CI size: 2 kills, ours only. npm run torture:failover runs 100 (RMQTS_FAILOVER_KILLS).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createRequest, encodeHeader, GetRouteInfoRequestHeader, parseFastjson, RemotingClient, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { createTopicOnBroker, freeBrokerPort, NameServer } from '@rocketmq-ts/server/internal';
import { startDashboard } from '@rocketmq-ts/dashboard';
import { startApacheControllers } from '../lib/apache-controller.ts';
import { type Delivery, replicaInfo as replicaInfoOf, type SendLine, storeHostOf, until } from '../lib/controller-scenario.ts';
import { startJavaProgram } from '../lib/java-client.ts';
import { startApacheControllerBroker } from '../lib/apache-controller-broker.ts';
import { startRocketmqTsBrokerProcess } from '../lib/rocketmq-ts-broker-process.ts';
import { startTsFailoverClients } from '../lib/ts-failover-clients.ts';

const KILLS = Number(process.env.RMQTS_FAILOVER_KILLS ?? 2);
/** The Apache 5.5.0 side of the comparison doubles the run time: npm run bench:failover turns it on. */
const COMPARE = process.env.RMQTS_FAILOVER_COMPARE === '1';
const BROKER_NAME = 'broker-fo';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

interface KilledBroker {
  readonly brokerAddr: string;
  kill(): Promise<void>;
  /** What the process printed (our brokers, with RMQTS_FAILOVER_BROKER_LOG set: its JSON log). */
  output?(): string;
}

/** RMQTS_FAILOVER_BROKER_LOG=<pino level>: our brokers log at that level, printed around a slow take-over. */
const BROKER_LOG = process.env.RMQTS_FAILOVER_BROKER_LOG;
/** A take-over slower than this prints the brokers' log lines since the kill (with BROKER_LOG). */
const SLOW_TAKEOVER_MS = 10_000;
/** A TS consume outage longer than this prints the brokers' log lines since the kill (with BROKER_LOG). */
const SLOW_CONSUME_MS = 5_000;

/** Our brokers' JSON log lines written at or after `since` (epoch ms), each prefixed with its broker. */
function brokerLogSince(brokers: readonly KilledBroker[], since: number, maxLinesEach = 120): string {
  const out: string[] = [];
  for (const broker of brokers) {
    const lines = (broker.output?.() ?? '').split('\n').filter((line) => {
      const time = /"time":(\d+)/.exec(line)?.[1];
      return time !== undefined && Number(time) >= since;
    });
    out.push(`--- ${broker.brokerAddr} (${lines.length} lines since the kill)`, ...lines.slice(0, maxLinesEach));
  }
  return out.join('\n');
}

interface Outages {
  writeOutages: number[];
  consumeOutages: number[];
}

/** Per client: the Java 4.8 programs and our TypeScript client. */
type Outcome = Record<ClientName, Outages>;
type ClientName = 'Java 4.8' | 'TS client';

/** What the measurement needs of one producer + consumer pair. */
interface ClientPair {
  name: ClientName;
  oks(): readonly SendLine[];
  deliveries(): readonly Delivery[];
  /** Every send line, SEND_OK or not. */
  sends(): readonly SendLine[];
}

const results = new Map<string, Outcome>();

/**
 * The scenario for one kind of broker: three of them under three Apache controllers, continuous
 * Java 4.8 sends and a push consumer, KILLS × SIGKILL of the master and restart.
 */
/** The console's cluster data names each broker's controller id, the master epoch and (master) the in-sync set. */
async function checkConsoleShowsController(namesrvAddr: string, info: { master?: string; epoch: number; inSync: number[] }): Promise<void> {
  const dashboard = await startDashboard({ namesrvAddr, port: 0, host: '127.0.0.1' });
  try {
    interface ClusterView {
      brokers: { addr: string; runtime?: { brokerRole?: string; controller?: { masterEpoch: number; brokerControllerId: number; inSyncReplicas: number[]; leader: string } } }[];
    }
    let view: ClusterView = { brokers: [] };
    // A slave reports its epoch once its role change is done; the route may also lag by a registration.
    await until('the console to show the three brokers under the controller', async () => {
      view = (await (await fetch(`${dashboard.url}/api/cluster`)).json()) as ClusterView;
      return view.brokers.length === 3 && view.brokers.every((b) => b.runtime?.controller?.masterEpoch === info.epoch);
    }, 30_000);
    const master = view.brokers.find((b) => b.addr === info.master);
    assert.ok(master?.runtime?.controller, `the console lists the master ${info.master}`);
    assert.equal(master.runtime.brokerRole, 'SYNC_MASTER');
    assert.deepEqual([...master.runtime.controller.inSyncReplicas].sort(), [...info.inSync].sort(), 'the in-sync set as the controller has it');
    assert.ok(master.runtime.controller.leader.length > 0, 'the controller leader');
    assert.equal(new Set(view.brokers.map((b) => b.runtime?.controller?.brokerControllerId)).size, 3, 'each broker its own controller id');
  } finally {
    await dashboard.close();
  }
}

async function failover(t: TestContext, kind: 'rocketmq-ts' | 'Apache 5.5.0'): Promise<Outcome> {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-failover-'));
  // Cleanups run last-registered first: processes stop before their directories go.
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true, maxRetries: 5 })];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });
  const controllers = await startApacheControllers({ dir });
  cleanups.push(() => controllers.stop());
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kv.json') } });
  const namesrvAddr = `127.0.0.1:${(await namesrv.start()).port}`;
  cleanups.push(() => namesrv.stop());
  const client = new RemotingClient();
  cleanups.push(() => client.close());

  const brokerConfig = {
    brokerName: BROKER_NAME,
    enableControllerMode: true,
    controllerAddr: controllers.controllerAddr,
    allAckInSyncStateSet: true,
    syncBrokerMetadataPeriod: 2_000,
    checkSyncStateSetPeriod: 1_000,
  };
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) ports.push(await freeBrokerPort());
  const start = (i: number): Promise<KilledBroker> =>
    kind === 'rocketmq-ts'
      ? startRocketmqTsBrokerProcess({
          namesrvAddr,
          storeDir: join(dir, `broker-${i}`),
          brokerConfig: { ...brokerConfig, grpcServerPort: -1, listenPort: ports[i]! },
          ...(BROKER_LOG ? { env: { RMQTS_BROKER_LOG: BROKER_LOG } } : {}),
        })
      : startApacheControllerBroker({ dir: join(dir, `apache-broker-${i}`), listenPort: ports[i]!, namesrvAddr, brokerConf: { ...brokerConfig, brokerRole: 'SLAVE' } });
  const brokers: KilledBroker[] = [];
  for (let i = 0; i < 3; i++) brokers.push(await start(i));
  cleanups.push(() => Promise.all(brokers.map((b) => b.kill())));

  /** The controller's view: master address and in-sync set. */
  const replicaInfo = async (): Promise<{ master?: string; epoch: number; inSync: number[] }> => replicaInfoOf(client, await controllers.leader(), BROKER_NAME);
  /** The name server's view: brokerId → address for our broker name. */
  const routeAddrs = async (): Promise<Record<string, string>> => {
    const response = await client.invoke(namesrvAddr, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 3_000);
    // fastjson writes brokerAddrs with bare numeric keys: parsed as a Map.
    const info = parseFastjson(response.body!.toString('utf8')) as { brokerAddrTable?: Record<string, { brokerAddrs?: Map<unknown, string> | Record<string, string> }> };
    const addrs = info.brokerAddrTable?.[BROKER_NAME]?.brokerAddrs ?? {};
    return addrs instanceof Map ? Object.fromEntries([...addrs].map(([id, addr]) => [String(id), addr])) : addrs;
  };
  await until('a master and 3 replicas in the in-sync set', async () => {
    const info = await replicaInfo();
    return info.master !== undefined && info.inSync.length === 3 && (await routeAddrs())['0'] === info.master;
  }, 120_000);
  if (kind === 'rocketmq-ts') await checkConsoleShowsController(namesrvAddr, await replicaInfo());

  const topic = `failover_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  // On every broker: a slave taking over must have the topic (slaves also copy it from the master).
  // Our TS client has a topic of its own, so each pair's outages count its own messages only.
  const tsTopic = `${topic}_ts`;
  for (const broker of brokers) {
    for (const name of [topic, tsTopic]) await createTopicOnBroker(client, broker.brokerAddr, name, 4).catch(() => undefined);
  }
  for (const name of [topic, tsTopic]) {
    await until(`the route of ${name}`, async () => {
      const response = await client.invoke(namesrvAddr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: encodeHeader(GetRouteInfoRequestHeader, { topic: name }) }), 3_000);
      return response.code === ResponseCode.SUCCESS;
    });
  }

  const group = `failover_group_${randomUUID().slice(0, 8)}`;
  const consumer = await startJavaProgram<Delivery>(
    'FailoverConsumer',
    ['--namesrv', namesrvAddr, '--topic', topic, '--group', group, '--expect', '100000000', '--timeout-ms', String(600_000 + KILLS * 60_000), '--poll-namesrv-ms', '1000'],
    660_000 + KILLS * 60_000,
  );
  cleanups.push(() => consumer.stop());
  const sender = await startJavaProgram<SendLine>(
    'ContinuousSend',
    ['--namesrv', namesrvAddr, '--topic', topic, '--duration-ms', String(3_600_000), '--poll-namesrv-ms', '1000', '--send-timeout-ms', '3000', '--pause-ms', '5'],
    3_600_000,
  );
  cleanups.push(() => sender.stop());
  const ts = await startTsFailoverClients({ namesrvAddr, topic: tsTopic, group: `${group}_ts`, pauseMillis: 5 });
  cleanups.push(() => ts.stop());
  const pairs: ClientPair[] = [
    { name: 'Java 4.8', sends: () => sender.lines, oks: () => sender.lines.filter((line) => line.status === 'SEND_OK'), deliveries: () => consumer.lines },
    { name: 'TS client', sends: () => ts.sends, oks: () => ts.sends.filter((line) => line.status === 'SEND_OK'), deliveries: () => ts.deliveries },
  ];
  for (const pair of pairs) {
    await until(`${pair.name}: sends going`, () => pair.oks().length >= 50, 60_000);
    await until(`${pair.name}: deliveries going`, () => pair.deliveries().length >= 20, 90_000);
  }

  const outcome: Outcome = { 'Java 4.8': { writeOutages: [], consumeOutages: [] }, 'TS client': { writeOutages: [], consumeOutages: [] } };
  for (let kill = 0; kill < KILLS; kill++) {
    const before = await replicaInfo();
    const victim = brokers.findIndex((b) => b.brokerAddr === before.master);
    assert.ok(victim >= 0, `the master ${before.master} is one of ours`);
    const victimAddr = before.master!;
    const deliveredBefore = pairs.map((pair) => pair.deliveries().length);
    const killedAt = Date.now();
    if (process.env.RMQTS_FAILOVER_TS_LOG === '1') process.stderr.write(`${killedAt} kill ${kill + 1} of ${victimAddr}\n`);
    await brokers[victim]!.kill();
    // A send the killed master answered just before it died may reach the client just after the
    // kill: which broker stored each message is in its offsetMsgId.
    const fromNewMaster = (pair: ClientPair): readonly SendLine[] => pair.oks().filter((line) => line.at > killedAt && storeHostOf(line) !== victimAddr);
    for (const pair of pairs) {
      await until(`${pair.name}: a SEND_OK from the new master`, () => fromNewMaster(pair).length > 0, 90_000).catch((error: unknown) => {
        if (BROKER_LOG) console.log(`${kind} kill ${kill + 1}: no take-over within 90 s; the brokers' log since the kill:\n${brokerLogSince(brokers, killedAt)}`);
        throw error;
      });
    }
    const takeover = Math.max(...pairs.map((pair) => Math.min(...fromNewMaster(pair).map((line) => line.at)) - killedAt));
    if (BROKER_LOG && takeover > SLOW_TAKEOVER_MS) console.log(`${kind} kill ${kill + 1}: slow take-over (${takeover} ms); the brokers' log since the kill:\n${brokerLogSince(brokers, killedAt)}`);
    await until('the controller to name another master', async () => {
      const now = await replicaInfo();
      return now.master !== undefined && now.master !== victimAddr;
    });
    // Messages already pulled before the kill are still handed out after it: the consume outage
    // counts from the last delivery before the kill to the first delivery of a message the new master stored.
    const sentAfter = (pair: ClientPair): Set<string> => new Set(fromNewMaster(pair).map((line) => line.key));
    const report: string[] = [];
    for (const [index, pair] of pairs.entries()) {
      await until(`${pair.name}: a delivery of a message sent after the kill`, () => {
        const keys = sentAfter(pair);
        return pair.deliveries().some((line) => keys.has(line.keys));
      }, 120_000);
      const lastOk = pair
        .oks()
        .filter((line) => storeHostOf(line) === victimAddr)
        .reduce((max, line) => Math.max(max, line.at), 0);
      const firstOk = Math.min(...fromNewMaster(pair).map((line) => line.at));
      const lastDelivery = pair.deliveries().slice(0, deliveredBefore[index]).reduce((max, line) => Math.max(max, line.at), 0);
      const keysAfter = sentAfter(pair);
      const firstDelivery = Math.min(...pair.deliveries().filter((line) => keysAfter.has(line.keys)).map((line) => line.at));
      outcome[pair.name].writeOutages.push(firstOk - lastOk);
      outcome[pair.name].consumeOutages.push(firstDelivery - lastDelivery);
      report.push(`${pair.name}: write outage ${firstOk - lastOk} ms (first SEND_OK ${firstOk - killedAt} ms after the kill), consume outage ${firstDelivery - lastDelivery} ms`);
    }
    const slowestConsume = Math.max(...pairs.map((pair) => outcome[pair.name].consumeOutages.at(-1) ?? 0));
    // The Java consumer's ~32 s (its long poll to the dead master) is expected; the TS client's ~1 s.
    const tsConsume = outcome['TS client'].consumeOutages.at(-1) ?? 0;
    if (BROKER_LOG && tsConsume > SLOW_CONSUME_MS) {
      console.log(`${kind} kill ${kill + 1}: slow TS consume (${tsConsume} ms, slowest ${slowestConsume} ms); the brokers' log since the kill:\n${brokerLogSince(brokers, killedAt)}`);
    }
    const after = await replicaInfo();
    console.log(`${kind} kill ${kill + 1}: master ${before.master} (epoch ${before.epoch}) -> ${after.master} (epoch ${after.epoch}); ${report.join('; ')}`);
    assert.notEqual(after.master, before.master, 'another broker is master');
    // The old master comes back on its store and port, truncates if it must, and follows.
    brokers[victim] = await start(victim);
    await until('the restarted broker back in the in-sync set', async () => (await replicaInfo()).inSync.length === 3, 120_000);
  }

  for (const pair of pairs) {
    const target = pair.oks().length + 50;
    await until(`${pair.name}: 50 more SEND_OK after the last restart`, () => pair.oks().length >= target, 60_000);
  }
  await sender.stop();
  await ts.stopSending();
  for (const pair of pairs) {
    const acknowledged = new Set(pair.oks().map((line) => line.key));
    const missing = (): string[] => {
      const seen = new Set(pair.deliveries().map((line) => line.keys));
      return [...acknowledged].filter((key) => !seen.has(key));
    };
    await until(`${pair.name}: every SEND_OK message consumed`, () => missing().length === 0, 180_000).catch((error: unknown) => {
      const lost = missing();
      throw new Error(`${pair.name}: ${lost.length} acknowledged messages not consumed (e.g. ${lost.slice(0, 5).join(', ')}): ${(error as Error).message}`);
    });
    const deliveries = pair.deliveries().filter((line) => acknowledged.has(line.keys));
    const distinct = new Set(deliveries.map((line) => line.keys)).size;
    const notOk = pair.sends().filter((line) => line.status !== 'SEND_OK');
    const failed = `${notOk.length}${notOk.length > 0 ? ` (${failureKinds(notOk)})` : ''}`;
    const { writeOutages, consumeOutages } = outcome[pair.name];
    console.log(
      `${kind}, ${pair.name}: kills ${KILLS}, sends ${pair.sends().length}, SEND_OK ${acknowledged.size}, not OK ${failed}, lost 0, duplicates ${deliveries.length - distinct}; ` +
        `write outage ms ${summary(writeOutages)}; consume outage ms ${summary(consumeOutages)}`,
    );
    assert.equal(distinct, acknowledged.size);
  }
  return outcome;
}

/** The not-OK sends grouped by what they said, numbers (ports, ids) blanked: the 3 commonest. */
function failureKinds(lines: readonly SendLine[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const kind = line.status.replace(/\d+/g, 'N').slice(0, 120);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([kind, count]) => `${count}× ${kind}`)
    .join('; ');
}

function summary(values: number[]): string {
  return `min ${Math.min(...values)} median ${percentile(values, 50)} max ${Math.max(...values)}`;
}

const timeout = 300_000 + KILLS * 60_000;

test(`controller-mode failover, our brokers: ${KILLS} × SIGKILL of the master under Java 4.8 sends, nothing acknowledged lost`, { timeout }, async (t) => {
  results.set('rocketmq-ts', await failover(t, 'rocketmq-ts'));
});

test(`controller-mode failover, Apache RocketMQ 5.5.0 brokers, same run and measurement`, { timeout, skip: COMPARE ? false : 'RMQTS_FAILOVER_COMPARE=1 (npm run bench:failover) runs it' }, async (t) => {
  results.set('Apache 5.5.0', await failover(t, 'Apache 5.5.0'));
  for (const [kind, outcome] of results) {
    for (const [client, { writeOutages, consumeOutages }] of Object.entries(outcome)) {
      console.log(
        `${kind.padEnd(13)} ${client.padEnd(9)} write outage ms ${writeOutages.join(', ')} (median ${percentile(writeOutages, 50)}); consume outage ms ${consumeOutages.join(', ')} (median ${percentile(consumeOutages, 50)})`,
      );
    }
  }
});
