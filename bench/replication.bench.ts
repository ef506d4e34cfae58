/**
 * `npm run bench:replication`: master + slave pairs as ASYNC_MASTER and as SYNC_MASTER, ours and
 * Apache RocketMQ's (4.9.7 broker jars from Maven Central) side by side in one run, each master
 * and slave in its own process, registered with one of our name servers (not on the send path).
 *
 * The same load generator drives every pair: this process sends SEND_MESSAGE_V2 (WAIT=true,
 * 1 KiB bodies) straight to the master with a fixed number of sends in flight, and samples the
 * replication lag every 250 ms as master commit-log end (GET_BROKER_RUNTIME_INFO
 * `commitLogMaxOffset`) − the end of the records in the slave's commit-log file, read from its
 * store directory (Apache 4.9's runtime info has no lag field, and a fresh 4.9 slave answers it
 * with an error until its first stats minute).
 * Pairs run one after another, alternating ours / Apache, `--rounds` times; each row reports the
 * round with the median TPS. CPU ms per 1000 sends (utime + stime of master and slave over the
 * load) is printed too: on a machine shared with other work it varies far less than TPS.
 *
 * Options: --seconds=N (per pair and round, 10), --inflight=N (64), --size=N (body bytes, 1024),
 * --rounds=N (1), --apache=VERSION (4.9.7; `none` runs ours only).
 */
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
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
import { type ApacheVersion, startApacheRocketMQ } from '../interop/lib/apache-rocketmq.ts';
import { startRocketmqTsBrokerProcess } from '../interop/lib/rocketmq-ts-broker-process.ts';
import { machineInfo } from './lib/machine.ts';
import { totalCpuSeconds } from './lib/proc-stats.ts';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const SECONDS = Number(args['seconds'] ?? 10);
const INFLIGHT = Number(args['inflight'] ?? 64);
const SIZE = Number(args['size'] ?? 1024);
const ROUNDS = Number(args['rounds'] ?? 1);
const APACHE = (args['apache'] ?? '4.9.7') as ApacheVersion | 'none';
/** One commit-log segment holds the whole run on both sides (no segment roll mid-measurement). */
const SEGMENT = 1024 * 1024 * 1024;
/** Each Apache JVM (master, slave): the heap and direct memory bench/lib/apache-servers.ts gives its broker. */
const APACHE_HEAP = '1g';

type Role = 'ASYNC_MASTER' | 'SYNC_MASTER';
type System = 'rocketmq-ts' | `apache-${string}`;

interface Pair {
  masterAddr: string;
  /** Master and slave processes, for their CPU time. */
  pids: number[];
  slaveStoreDir: string;
  stop(): Promise<void>;
}

interface Result {
  system: System;
  role: Role;
  sent: number;
  tps: number;
  p50: number;
  p99: number;
  codes: Record<string, number>;
  lagMaxBytes: number;
  lagAvgBytes: number;
  /** utime + stime of master and slave during the load, per 1000 sends: robust to a busy machine. */
  cpuMillisPerThousand: number;
}

async function startOurs(namesrvAddr: string, dir: string, role: Role): Promise<Pair> {
  const master = await startRocketmqTsBrokerProcess({ namesrvAddr, storeDir: join(dir, 'master'), brokerConfig: { brokerRole: role, mappedFileSizeCommitLog: SEGMENT } });
  const slave = await startRocketmqTsBrokerProcess({
    namesrvAddr,
    storeDir: join(dir, 'slave'),
    brokerConfig: { brokerRole: 'SLAVE', brokerId: 1, mappedFileSizeCommitLog: SEGMENT },
  }).catch(async (error: unknown) => {
    await master.kill();
    throw error;
  });
  return {
    masterAddr: master.brokerAddr,
    pids: [master.pid, slave.pid],
    slaveStoreDir: join(dir, 'slave'),
    stop: async () => {
      await slave.kill();
      await master.kill();
    },
  };
}

async function startApache(version: ApacheVersion, namesrvAddr: string, dir: string, role: Role): Promise<Pair> {
  const common = { namesrvAddr, version, heap: APACHE_HEAP, maxDirectMemory: APACHE_HEAP, startTimeoutMillis: 120_000 };
  const master = await startApacheRocketMQ({ ...common, storeDir: join(dir, 'master'), brokerConf: { brokerRole: role, mappedFileSizeCommitLog: SEGMENT } });
  const slave = await startApacheRocketMQ({
    ...common,
    storeDir: join(dir, 'slave'),
    brokerConf: { brokerRole: 'SLAVE', brokerId: 1, brokerName: master.brokerName, mappedFileSizeCommitLog: SEGMENT },
  }).catch(async (error: unknown) => {
    await master.stop();
    throw error;
  });
  return {
    masterAddr: master.brokerAddr,
    pids: [master.brokerPid, slave.brokerPid],
    slaveStoreDir: join(dir, 'slave'),
    stop: async () => {
      await slave.stop().catch((error: unknown) => console.error(`# Apache slave stop: ${(error as Error).message.split('\n')[0]}`));
      await master.stop().catch((error: unknown) => console.error(`# Apache master stop: ${(error as Error).message.split('\n')[0]}`));
    },
  };
}

/** The end of the records in a commit log's first segment, walked forward from the last call. */
class CommitLogEnd {
  private end = 0;
  private file: FileHandle | undefined;
  private readonly chunk = Buffer.alloc(4 * 1024 * 1024);

  constructor(private readonly path: string) {}

  async read(): Promise<number> {
    this.file ??= await open(this.path, 'r').catch(() => undefined);
    if (!this.file) return 0;
    for (;;) {
      const { bytesRead } = await this.file.read(this.chunk, 0, this.chunk.length, this.end);
      let at = 0;
      while (at + 4 <= bytesRead) {
        const size = this.chunk.readInt32BE(at);
        if (size <= 0 || at + size > bytesRead) break;
        at += size;
      }
      this.end += at;
      if (at === 0 || bytesRead < this.chunk.length) return this.end;
    }
  }

  async close(): Promise<void> {
    await this.file?.close();
  }
}

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

async function runPair(system: System, role: Role): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-bench-repl-'));
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kv.json') } });
  const namesrvAddr = `127.0.0.1:${(await namesrv.start()).port}`;
  const client = new RemotingClient();
  let pair: Pair | undefined;
  let slaveEnd: CommitLogEnd | undefined;
  try {
    pair = system === 'rocketmq-ts' ? await startOurs(namesrvAddr, dir, role) : await startApache(APACHE as ApacheVersion, namesrvAddr, dir, role);
    const masterAddr = pair.masterAddr;
    const topic = 'bench_replication';
    const created = await client.invoke(
      masterAddr,
      createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
        extFields: encodeHeader(CreateTopicRequestHeader, { topic, defaultTopic: 'TBW102', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false }),
      }),
    );
    if (created.code !== ResponseCode.SUCCESS) throw new Error(`create topic: ${created.remark}`);
    const body = Buffer.alloc(SIZE, 0x61);
    const properties = encodeProperties({ TAGS: 'bench', WAIT: 'true' });
    let queueId = 0;
    const send = (): Promise<number> =>
      client
        .invoke(
          masterAddr,
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
        )
        .then((response) => response.code);
    const maxOffset = async (addr: string): Promise<number> => {
      const info = await client.invoke(addr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO));
      if (info.code !== ResponseCode.SUCCESS) throw new Error(`GET_BROKER_RUNTIME_INFO from ${addr}: ${info.code} ${info.remark ?? ''}`);
      return Number(decodeKVTable(info.body!).get('commitLogMaxOffset'));
    };
    // The slave is read first: a master end read later is never below it.
    slaveEnd = new CommitLogEnd(join(pair.slaveStoreDir, 'commitlog', '0'.repeat(20)));
    const lag = async (): Promise<number> => {
      const slave = await slaveEnd!.read();
      return (await maxOffset(masterAddr)) - slave;
    };
    const slaveHasAll = async (): Promise<boolean> => {
      await sleep(200);
      return (await lag()) === 0;
    };
    // Ready once the slave has a write: a SYNC_MASTER answers SEND_OK (not SLAVE_NOT_AVAILABLE);
    // after an ASYNC_MASTER's SEND_OK the slave's log end reaches the master's.
    const started = Date.now();
    for (;;) {
      const code = await send();
      if (code === ResponseCode.SUCCESS && (role === 'SYNC_MASTER' || (await slaveHasAll()))) break;
      if (Date.now() - started > 60_000) throw new Error(`${system} ${role}: the slave did not acknowledge a write within 60 s`);
      await sleep(200);
    }
    const latencies: number[] = [];
    const codes: Record<string, number> = {};
    const deadline = performance.now() + SECONDS * 1000;
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const code = await send();
        latencies.push(performance.now() - t0);
        codes[code] = (codes[code] ?? 0) + 1;
      }
    };
    const lags: number[] = [];
    const sampler = setInterval(() => void lag().then((value) => lags.push(value), () => undefined), 250);
    const t0 = performance.now();
    const cpu0 = totalCpuSeconds(pair.pids);
    await Promise.all(Array.from({ length: INFLIGHT }, worker));
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = totalCpuSeconds(pair.pids) - cpu0;
    clearInterval(sampler);
    latencies.sort((a, b) => a - b);
    const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    const positive = lags.filter((value) => value >= 0); // a failed sample is skipped
    return {
      system,
      role,
      sent: latencies.length,
      tps: latencies.length / elapsed,
      p50: at(0.5),
      p99: at(0.99),
      codes,
      lagMaxBytes: Math.max(0, ...positive),
      lagAvgBytes: positive.length > 0 ? positive.reduce((a, b) => a + b, 0) / positive.length : 0,
      cpuMillisPerThousand: (cpu * 1000) / (latencies.length / 1000),
    };
  } finally {
    await slaveEnd?.close();
    await client.close();
    await pair?.stop();
    await namesrv.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const systems: System[] = APACHE === 'none' ? ['rocketmq-ts'] : ['rocketmq-ts', `apache-${APACHE}`];
const rounds = new Map<string, Result[]>();
for (let round = 1; round <= ROUNDS; round++) {
  for (const role of ['ASYNC_MASTER', 'SYNC_MASTER'] as const) {
    // Alternate which side goes first so a slow start of the shared machine does not always hit one.
    for (const system of round % 2 === 1 ? systems : [...systems].reverse()) {
      const result = await runPair(system, role);
      console.error(`# round ${round}: ${system} ${role}: ${result.tps.toFixed(0)} TPS, p99 ${result.p99.toFixed(2)} ms, ${result.cpuMillisPerThousand.toFixed(0)} CPU ms per 1000 sends`);
      const key = `${system} ${role}`;
      rounds.set(key, [...(rounds.get(key) ?? []), result]);
    }
  }
}

const median = (results: Result[]): Result => [...results].sort((a, b) => a.tps - b.tps)[Math.floor((results.length - 1) / 2)]!;
const machine = machineInfo();
console.log(
  `replication benchmark: ${SECONDS} s per pair, ${ROUNDS} round(s) (row = median-TPS round), ${INFLIGHT} sends in flight, ${SIZE} B bodies, WAIT=true, ASYNC_FLUSH; ` +
    `master and slave in their own processes; Apache JVMs -Xmx${APACHE_HEAP}, G1\n` +
    `machine: ${machine.cores} × ${machine.cpus}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.java}`,
);
console.log('system         role          sends    TPS      p50 ms  p99 ms  lag avg B  lag max B  CPU ms/1k  response codes');
const rows = [...rounds.values()].map(median);
for (const r of rows) {
  console.log(
    `${r.system.padEnd(14)} ${r.role.padEnd(13)} ${String(r.sent).padStart(7)}  ${r.tps.toFixed(0).padStart(7)}  ${r.p50.toFixed(2).padStart(6)}  ${r.p99.toFixed(2).padStart(6)}  ${r.lagAvgBytes.toFixed(0).padStart(9)}  ${String(r.lagMaxBytes).padStart(9)}  ${r.cpuMillisPerThousand.toFixed(0).padStart(9)}  ${JSON.stringify(r.codes)}`,
  );
}
const ours = rows.find((r) => r.system === 'rocketmq-ts' && r.role === 'SYNC_MASTER');
const theirs = rows.find((r) => r.system !== 'rocketmq-ts' && r.role === 'SYNC_MASTER');
if (ours && theirs) {
  // Each round ran the two SYNC_MASTER pairs back to back: their ratio shares the machine's state.
  const perRound = rounds.get('rocketmq-ts SYNC_MASTER')!.map((r, i) => r.tps / rounds.get(`${theirs.system} SYNC_MASTER`)![i]!.tps);
  console.log(`SYNC_MASTER TPS ratio per round: ${perRound.map((x) => `${x.toFixed(2)}×`).join(', ')}`);
  console.log(
    `SYNC_MASTER: rocketmq-ts / ${theirs.system} TPS = ${(ours.tps / theirs.tps).toFixed(2)}× (target ≥ 1.2×), p99 ${ours.p99.toFixed(2)} ms vs ${theirs.p99.toFixed(2)} ms (target: below)`,
  );
}
