/**
 * Broker statistics read with mqadmin's Java API (DefaultMQAdminExt, rocketmq-tools 4.8.0) under
 * live traffic, against our broker and, as the reference, Apache RocketMQ 4.8.0: the Java producer
 * sends N1 messages, a Java push consumer consumes them, a producer in the same JVM sends N2 more
 * (the runtime info is read 1.5 s later: its 10 s rates must show both), and 11 s later (so that each broker's 10 s
 * sampling has run after the traffic) the same admin calls read
 *
 *   viewBrokerStatsData (315): TOPIC_PUT_NUMS <topic>, TOPIC_PUT_SIZE <topic>,
 *     GROUP_GET_NUMS <topic>@<group>, BROKER_PUT_NUMS <cluster>, and a key with no traffic;
 *   examineConsumeStats (208): consumeTps;
 *   fetchBrokerRuntimeStats (28): putTps, getTransferedTps (also right after consuming).
 *
 * Each target must show the traffic (sums equal N, rates non-zero, one message per send), and
 * the two answers must have the same shape: the same windows and fields, the same sums and
 * per-call averages, the same error for the unknown key.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { adminErrorText, runAdminOps, type AdminOpResult } from '../lib/admin-ops.ts';
import { runJavaProducer } from '../lib/java-client.ts';
import { startApacheTarget } from '../lib/targets.ts';

/** Sent by the Java producer program before the consumer starts, then by AdminOps' producer while it runs. */
const N1 = 20;
const N2 = 10;
const N = N1 + N2;
const BODY_SIZE = 64;
/** Longer than one 10 s sampling period. */
const AFTER_TRAFFIC_MILLIS = 11_000;

interface Server {
  namesrvAddr: string;
  brokerAddr: string;
  stop(): Promise<void>;
}

interface StatsItemOut {
  sum: number;
  tps: number;
  avgpt: number;
}

interface Observed {
  consumed: AdminOpResult;
  /** Runtime info right after the consumer got everything. */
  live: AdminOpResult;
  put: AdminOpResult;
  putSize: AdminOpResult;
  get: AdminOpResult;
  brokerPut: AdminOpResult;
  unknown: AdminOpResult;
  consume: AdminOpResult;
  runtime: AdminOpResult;
}

/** Broker → when it started: its runtime info's 10 s rates exist only once it has 10 s of samples (as Apache's). */
const startedAt = new Map<Server, number>();

async function observe(server: Server): Promise<Observed> {
  const age = Date.now() - (startedAt.get(server) ?? 0);
  if (age < 12_000) await new Promise((resolve) => setTimeout(resolve, 12_000 - age));
  const id = randomUUID().replace(/-/g, '').slice(0, 12);
  const topic = `bst_t_${id}`;
  const group = `bst_g_${id}`;
  const [created] = await runAdminOps(server.namesrvAddr, [
    ['create-topic', '--cluster', 'DefaultCluster', '--topic', topic, '--queues', '4'],
    ['route', '--topic', topic, '--wait-ms', '10000'],
  ]);
  assert.ok(created!.ok, adminErrorText(created!));
  await runJavaProducer({ namesrvAddr: server.namesrvAddr, topic, count: N1, tags: 'TagA', keysPrefix: 'k-', bodySize: BODY_SIZE });
  const broker = server.brokerAddr;
  const results = await runAdminOps(
    server.namesrvAddr,
    [
      ['push-consumer', '--group', group, '--topic', topic],
      ['await-consumed', '--group', group, '--count', String(N1), '--timeout-ms', '30000'],
      // Live traffic from this JVM, then a little over one 1 s sample, so the 10 s rates include it.
      ['produce', '--topic', topic, '--group', `bst_p_${id}`, '--count', String(N2), '--body-size', String(BODY_SIZE)],
      ['await-consumed', '--group', group, '--count', String(N2), '--timeout-ms', '30000'],
      ['sleep', '--ms', '1500'],
      ['runtime-stats', '--broker', broker],
      ['sleep', '--ms', String(AFTER_TRAFFIC_MILLIS)],
      ['broker-stats', '--broker', broker, '--name', 'TOPIC_PUT_NUMS', '--key', topic],
      ['broker-stats', '--broker', broker, '--name', 'TOPIC_PUT_SIZE', '--key', topic],
      ['broker-stats', '--broker', broker, '--name', 'GROUP_GET_NUMS', '--key', `${topic}@${group}`],
      ['broker-stats', '--broker', broker, '--name', 'BROKER_PUT_NUMS', '--key', 'DefaultCluster'],
      ['broker-stats', '--broker', broker, '--name', 'TOPIC_PUT_NUMS', '--key', `bst_none_${id}`],
      ['consume-stats', '--group', group, '--topic', topic],
      ['runtime-stats', '--broker', broker],
    ],
    120_000,
  );
  for (const k of [0, 1, 2, 3]) assert.ok(results[k]!.ok, `step ${k}: ${adminErrorText(results[k]!)}`);
  const [, consumed, , , , live, , put, putSize, get, brokerPut, unknown, consume, runtime] = results as [AdminOpResult, AdminOpResult, AdminOpResult, ...AdminOpResult[]];
  return { consumed, live: live!, put: put!, putSize: putSize!, get: get!, brokerPut: brokerPut!, unknown: unknown!, consume: consume!, runtime: runtime! };
}

function minute(result: AdminOpResult): StatsItemOut {
  assert.ok(result.ok, adminErrorText(result));
  return result['statsMinute'] as StatsItemOut;
}

function checkTraffic(name: string, o: Observed): void {
  const put = minute(o.put);
  assert.equal(put.sum, N, `${name}: TOPIC_PUT_NUMS sum in the minute`);
  assert.ok(put.tps > 0, `${name}: TOPIC_PUT_NUMS tps ${put.tps}`);
  assert.equal(put.avgpt, 1, `${name}: one message per send`);
  const size = minute(o.putSize);
  assert.ok(size.sum > N * BODY_SIZE, `${name}: TOPIC_PUT_SIZE ${size.sum} counts stored bytes`);
  const get = minute(o.get);
  assert.equal(get.sum, N, `${name}: GROUP_GET_NUMS sum`);
  assert.ok(get.tps > 0 && get.avgpt >= 1, `${name}: GROUP_GET_NUMS ${JSON.stringify(get)}`);
  const brokerPut = minute(o.brokerPut);
  assert.ok(brokerPut.sum >= N, `${name}: BROKER_PUT_NUMS ${brokerPut.sum}`);
  assert.equal(brokerPut.avgpt, 0, `${name}: BROKER_PUT_NUMS counts messages only`);
  assert.equal(o.unknown.ok, false, `${name}: unknown key`);
  assert.ok(o.consume.ok, adminErrorText(o.consume));
  assert.ok((o.consume['consumeTps'] as number) > 0, `${name}: consumeTps ${String(o.consume['consumeTps'])}`);
  const table = o.runtime['table'] as Record<string, string>;
  for (const key of ['putTps', 'getTransferedTps', 'getFoundTps', 'getTotalTps', 'getMissTps']) {
    assert.match(table[key]!, /^\S* \S* \S*$/, `${name}: ${key}="${table[key]}" is three rates`);
  }
  const live = o.live['table'] as Record<string, string>;
  assert.ok(Number(live['putTps']!.split(' ')[0]) > 0, `${name}: putTps over 10 s right after sending "${live['putTps']}"`);
  assert.ok(
    Number(live['getTransferedTps']!.split(' ')[0]) > 0,
    `${name}: getTransferedTps over 10 s right after consuming "${live['getTransferedTps']}" (consumed in ${String(o.consumed.ms)} ms; ${JSON.stringify(live)})`,
  );
}

/** What must agree between the two brokers: the shape of each answer and the traffic-determined figures. */
function comparable(o: Observed): unknown {
  const shape = (r: AdminOpResult) => Object.fromEntries(['statsMinute', 'statsHour', 'statsDay'].map((w) => [w, Object.keys(r[w] as object).sort()]));
  return {
    putShape: shape(o.put),
    getShape: shape(o.get),
    putSum: minute(o.put).sum,
    putAvgpt: minute(o.put).avgpt,
    getSum: minute(o.get).sum,
    brokerPutAvgpt: minute(o.brokerPut).avgpt,
    unknown: { ok: o.unknown.ok, type: o.unknown.error?.type, responseCode: o.unknown.error?.responseCode, message: o.unknown.error?.message?.replace(/bst_none_[0-9a-f]+/, '<key>') },
    consumeTpsPositive: (o.consume['consumeTps'] as number) > 0,
    runtimeKeys: ['putTps', 'getTransferedTps'].map((key) => key in (o.runtime['table'] as object)),
  };
}

describe('broker statistics through the Java admin API (rocketmq-tools 4.8.0), ours vs Apache RocketMQ 4.8.0', { timeout: 600_000 }, () => {
  const observed = new Map<string, Observed>();
  const servers: Server[] = [];
  before(async () => {
    const ours = await startCluster();
    startedAt.set(ours, Date.now());
    servers.push(ours);
    const apache = await startApacheTarget('broker-stats');
    startedAt.set(apache, Date.now());
    servers.push(apache);
    const [a, b] = await Promise.all([observe(ours), observe(apache)]);
    observed.set('rocketmq-ts', a);
    observed.set('Apache RocketMQ 4.8.0', b);
  });
  after(async () => {
    for (const server of servers) await server.stop();
  });

  test('each broker reports the live traffic', () => {
    for (const [name, o] of observed) checkTraffic(name, o);
  });

  test('the answers have the same shape and traffic figures as Apache RocketMQ 4.8.0', () => {
    assert.deepEqual(comparable(observed.get('rocketmq-ts')!), comparable(observed.get('Apache RocketMQ 4.8.0')!));
  });
});
