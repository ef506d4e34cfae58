/**
 * `npm run bench:replication`: our broker as ASYNC_MASTER and as SYNC_MASTER, each with a slave,
 * master and slave in their own processes: send TPS and latency (p50/p99) of SEND_MESSAGE_V2 with
 * a fixed number of sends in flight, and the replication lag (master end − slave acknowledgement,
 * from GET_BROKER_RUNTIME_INFO) sampled during the load. Options: --seconds=N (per role, 10),
 * --inflight=N (64), --size=N (body bytes, 1024).
 *
 * Only rocketmq-ts: the side-by-side run against Apache RocketMQ's SYNC_MASTER is not part of it yet.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTopicRequestHeader,
  createRequest,
  decodeKVTable,
  encodeHeader,
  encodeProperties,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { NameServer } from '@rocketmq-ts/server/internal';
import { startRocketmqTsBrokerProcess } from '../interop/lib/rocketmq-ts-broker-process.ts';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const SECONDS = Number(args['seconds'] ?? 10);
const INFLIGHT = Number(args['inflight'] ?? 64);
const SIZE = Number(args['size'] ?? 1024);

interface Result {
  role: string;
  sent: number;
  tps: number;
  p50: number;
  p99: number;
  codes: Record<string, number>;
  lagMaxBytes: number;
  lagAvgBytes: number;
}

async function runRole(role: 'ASYNC_MASTER' | 'SYNC_MASTER'): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-bench-repl-'));
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kv.json') } });
  const namesrvAddr = `127.0.0.1:${(await namesrv.start()).port}`;
  const master = await startRocketmqTsBrokerProcess({ namesrvAddr, storeDir: join(dir, 'master'), brokerConfig: { brokerRole: role } });
  const slave = await startRocketmqTsBrokerProcess({ namesrvAddr, storeDir: join(dir, 'slave'), brokerConfig: { brokerRole: 'SLAVE', brokerId: 1 } });
  const client = new RemotingClient();
  try {
    const topic = 'bench_replication';
    const created = await client.invoke(
      master.brokerAddr,
      createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
        extFields: encodeHeader(CreateTopicRequestHeader, { topic, defaultTopic: 'TBW102', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false }),
      }),
    );
    if (created.code !== ResponseCode.SUCCESS) throw new Error(`create topic: ${created.remark}`);
    const lag = async (): Promise<number> => {
      const info = await client.invoke(master.brokerAddr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO));
      return Number(decodeKVTable(info.body!).get('slaveFallBehindMuch') ?? -1);
    };
    const started = Date.now();
    while ((await lag()) < 0) {
      if (Date.now() - started > 20_000) throw new Error('the slave did not connect');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const body = Buffer.alloc(SIZE, 0x61);
    const properties = encodeProperties({ TAGS: 'bench', WAIT: 'true' });
    const latencies: number[] = [];
    const codes: Record<string, number> = {};
    let queueId = 0;
    const deadline = performance.now() + SECONDS * 1000;
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const response = await client.invoke(
          master.brokerAddr,
          createRequest(RequestCode.SEND_MESSAGE_V2, {
            extFields: encodeHeader(SendMessageRequestHeaderV2, {
              producerGroup: 'bench',
              topic,
              defaultTopic: 'TBW102',
              defaultTopicQueueNums: 8,
              queueId: queueId++ % 8,
              sysFlag: 0,
              bornTimestamp: Date.now(),
              flag: 0,
              properties,
            }),
            body,
          }),
          10_000,
        );
        latencies.push(performance.now() - t0);
        codes[response.code] = (codes[response.code] ?? 0) + 1;
      }
    };
    const lags: number[] = [];
    const sampler = setInterval(() => void lag().then((value) => lags.push(value), () => undefined), 250);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: INFLIGHT }, worker));
    const elapsed = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    latencies.sort((a, b) => a - b);
    const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    const positive = lags.filter((value) => value >= 0);
    return {
      role,
      sent: latencies.length,
      tps: latencies.length / elapsed,
      p50: at(0.5),
      p99: at(0.99),
      codes,
      lagMaxBytes: Math.max(0, ...positive),
      lagAvgBytes: positive.length > 0 ? positive.reduce((a, b) => a + b, 0) / positive.length : 0,
    };
  } finally {
    await client.close();
    await slave.kill();
    await master.kill();
    await namesrv.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const results: Result[] = [];
for (const role of ['ASYNC_MASTER', 'SYNC_MASTER'] as const) results.push(await runRole(role));
console.log(`replication benchmark: ${SECONDS} s per role, ${INFLIGHT} sends in flight, ${SIZE} B bodies, master and slave in their own processes`);
console.log('role          sends    TPS      p50 ms  p99 ms  lag avg B  lag max B  response codes');
for (const r of results) {
  console.log(
    `${r.role.padEnd(13)} ${String(r.sent).padStart(7)}  ${r.tps.toFixed(0).padStart(7)}  ${r.p50.toFixed(2).padStart(6)}  ${r.p99.toFixed(2).padStart(6)}  ${r.lagAvgBytes.toFixed(0).padStart(9)}  ${String(r.lagMaxBytes).padStart(9)}  ${JSON.stringify(r.codes)}`,
  );
}
