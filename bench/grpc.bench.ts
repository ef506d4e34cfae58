/**
 * v5 (gRPC) benchmark (`npm run bench:grpc`): prints figures, asserts nothing.
 *
 * The official Java v5 client (rocketmq-client-java 5.0.8, interop/java-v5 V5Bench) runs the
 * same load against our broker's gRPC endpoint (name server + broker in a child process) and
 * against Apache RocketMQ 5.3.3 name server + broker + proxy (cluster mode), one system after
 * the other, each on a fresh store, the order alternating every round:
 *
 *   send     THREADS threads, synchronous sends of SIZE-byte messages for SECONDS (after a
 *            warm-up): send TPS, p99 send RT
 *   receive  a SimpleConsumer, THREADS threads receiving (32 a call) and acking the backlog the
 *            send phase left: receive+ack TPS
 *   e2e      RATE messages/s while THREADS receivers receive and ack: end-to-end p50/p99
 *            (send call → message received)
 *
 * Environment: BENCH_SECONDS (10), BENCH_THREADS (16), BENCH_ROUNDS (3), BENCH_SIZE (1024),
 * BENCH_WARMUP (3 s), BENCH_RATE (500 msg/s:
 * keep it well under both systems' receive+ack TPS, or e2e measures a growing backlog, not latency). ASYNC_FLUSH, 1 GiB commit log files on both.
 * Prints each round, then medians with the median of the per-round ratios, and the machine's
 * load average before and after (the machine may be shared: read the ratios, not the figures).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@rocketmq-ts/client';
import { CreateTopicRequestHeader, createRequest, encodeHeader, GetRouteInfoRequestHeader, RemotingClient, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { PROXY_VERSION, startApacheWithProxy } from '../interop/lib/apache-proxy.ts';
import { runV5Bench, v5Classpath, type V5BenchOptions, type V5BenchPhase } from '../interop/lib/java-v5.ts';
import { freePort } from '../interop/lib/ports.ts';
import { startRocketmqTsProcess } from '../interop/lib/rocketmq-ts-process.ts';
import { roundTable, summaryTable, type Round, type V5Figures } from './lib/grpc-report.ts';
import { machineInfo } from './lib/machine.ts';

const num = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const OPTIONS: V5BenchOptions = {
  seconds: num('BENCH_SECONDS', 10),
  threads: num('BENCH_THREADS', 16),
  size: num('BENCH_SIZE', 1024),
  warmupSeconds: num('BENCH_WARMUP', 3),
  rate: num('BENCH_RATE', 500),
};
const ROUNDS = num('BENCH_ROUNDS', 3);
const QUEUES = 8;
const COMMIT_LOG_FILE = 1024 * 1024 * 1024;
const OURS = 'rocketmq-ts';
const APACHE = `Apache ${PROXY_VERSION} broker + proxy`;

/** Creates `<prefix>_tput` and `<prefix>_e2e`; Apache 5.x topics carry one message type (attribute message.type), ours take every type. */
async function createTopics(namesrvAddr: string, brokerAddr: string, prefix: string, apache: boolean): Promise<void> {
  const topics = [`${prefix}_tput`, `${prefix}_e2e`];
  if (!apache) {
    const admin = new Admin({ namesrvAddr });
    await admin.start();
    try {
      for (const topic of topics) await admin.createOrUpdateTopic({ topic, readQueueNums: QUEUES, writeQueueNums: QUEUES }, { brokerAddr });
    } finally {
      await admin.shutdown();
    }
    await waitForRoutes(namesrvAddr, topics);
    return;
  }
  const raw = new RemotingClient();
  try {
    for (const topic of topics) {
      const header = encodeHeader(CreateTopicRequestHeader, { topic, defaultTopic: 'TBW102', readQueueNums: QUEUES, writeQueueNums: QUEUES, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
      const response = await raw.invoke(brokerAddr, createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { extFields: { ...header, attributes: '+message.type=NORMAL' } }), 10_000);
      if (response.code !== ResponseCode.SUCCESS) throw new Error(`creating ${topic} on Apache: ${response.remark ?? response.code}`);
    }
  } finally {
    await raw.close();
  }
  await waitForRoutes(namesrvAddr, topics);
}

/** Waits until the name server routes every topic: a v5 client (through Apache's proxy too) fails at start on a topic it cannot route. */
async function waitForRoutes(namesrvAddr: string, topics: readonly string[]): Promise<void> {
  const raw = new RemotingClient();
  try {
    const deadline = Date.now() + 60_000;
    for (const topic of topics) {
      for (;;) {
        const response = await raw.invoke(namesrvAddr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: encodeHeader(GetRouteInfoRequestHeader, { topic }) }), 10_000);
        if (response.code === ResponseCode.SUCCESS) break;
        if (Date.now() > deadline) throw new Error(`the name server at ${namesrvAddr} has no route for ${topic} 60 s after it was created`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    await raw.close();
  }
}

/** V5Bench's phases as the report's figures, with what went missing or failed. */
function figures(phases: Map<V5BenchPhase['phase'], V5BenchPhase>): V5Figures {
  const send = phases.get('send');
  const receive = phases.get('receive');
  const e2e = phases.get('e2e');
  const notes: string[] = [];
  for (const [name, phase] of [['send', send], ['receive', receive], ['e2e', e2e]] as const) {
    if (phase === undefined) notes.push(`no ${name} figures`);
    else if (phase.failed > 0) notes.push(`${name}: ${phase.failed} failed calls (${Object.entries(phase.errors).map(([what, n]) => `${n} × ${what}`).join('; ')})`);
  }
  if (receive?.target !== undefined && receive.count < receive.target) notes.push(`receive: ${receive.count} of ${receive.target} acked in time`);
  if (e2e?.sent !== undefined && e2e.count < e2e.sent) notes.push(`e2e: ${e2e.count} of ${e2e.sent} received`);
  if (e2e?.rate !== undefined && receive !== undefined && e2e.rate > receive.tps / 2) {
    notes.push(`e2e: ${e2e.rate} msg/s is over half the receive+ack TPS, so e2e latency includes queueing: lower BENCH_RATE`);
  }
  for (const [name, phase] of [['receive', receive], ['e2e', e2e]] as const) {
    // A message handed to two receivers at once (or again before its invisible time ran out) counts once in the figures.
    if (phase?.deliveries !== undefined && phase.deliveries > phase.count) notes.push(`${name}: ${phase.deliveries - phase.count} duplicate deliveries (${phase.deliveries} for ${phase.count} messages)`);
  }
  return {
    sendTps: send?.tps ?? Number.NaN,
    sendP99Ms: send?.p99Ms ?? Number.NaN,
    receiveTps: receive?.tps ?? Number.NaN,
    e2eP50Ms: e2e?.p50Ms ?? Number.NaN,
    e2eP99Ms: e2e?.p99Ms ?? Number.NaN,
    notes,
  };
}

/** V5Bench's raw figures on stderr (counts, durations, max latencies the tables leave out). */
function logged(who: string, phases: Map<V5BenchPhase['phase'], V5BenchPhase>): Map<V5BenchPhase['phase'], V5BenchPhase> {
  for (const phase of phases.values()) console.error(`# ${who}: ${JSON.stringify({ ...phase, errors: undefined })}`);
  return phases;
}

function failedRun(note: string): V5Figures {
  return { sendTps: Number.NaN, sendP99Ms: Number.NaN, receiveTps: Number.NaN, e2eP50Ms: Number.NaN, e2eP99Ms: Number.NaN, notes: [note] };
}

let runs = 0;
const prefix = (who: string): string => `BenchV5_${who}_${process.pid}_${++runs}`;

async function runOurs(): Promise<V5Figures> {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-bench-grpc-'));
  try {
    const grpcPort = await freePort();
    const ours = await startRocketmqTsProcess({
      storeDir: join(dir, 'store'),
      tmpDir: dir,
      brokerConfig: { grpcServerPort: grpcPort, flushDiskType: 'ASYNC_FLUSH', mappedFileSizeCommitLog: COMMIT_LOG_FILE },
    });
    try {
      const name = prefix('ours');
      await createTopics(ours.namesrvAddr, ours.brokerAddr, name, false);
      return figures(logged(OURS, await runV5Bench(`127.0.0.1:${grpcPort}`, name, OPTIONS)));
    } finally {
      await ours.kill();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runApache(): Promise<V5Figures> {
  // startApacheWithProxy starts its broker with ASYNC_FLUSH and 1 GiB commit log files.
  const apache = await startApacheWithProxy();
  try {
    const name = prefix('apache');
    await createTopics(apache.namesrvAddr, apache.brokerAddr, name, true);
    return figures(logged(APACHE, await runV5Bench(apache.endpoints, name, OPTIONS)));
  } finally {
    await apache.stop();
  }
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

const machine = machineInfo();
await v5Classpath(); // builds interop/java-v5 (and resolves the proxy) before the first timing
console.log(`# v5 gRPC benchmark — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} × ${machine.cpus}, ${machine.memoryGiB} GiB, Node.js ${machine.node}, ${machine.java}, Linux ${machine.kernel}`);
console.log(`load average (1/5/15 min) before: ${load()}`);
console.log(
  `load: rocketmq-client-java 5.0.8, ${OPTIONS.threads} threads, ${OPTIONS.size} B messages, ${OPTIONS.warmupSeconds} s warm-up + ${OPTIONS.seconds} s sends, ` +
    `drain, e2e at ${OPTIONS.rate} msg/s for ${OPTIONS.seconds} s; ${ROUNDS} rounds, order alternating; ASYNC_FLUSH; ${QUEUES} queues\n`,
);

const rounds: Round[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const order: ('ours' | 'apache')[] = r % 2 === 0 ? ['ours', 'apache'] : ['apache', 'ours'];
  const got: Partial<Round> = {};
  for (const who of order) {
    const started = Date.now();
    try {
      got[who] = who === 'ours' ? await runOurs() : await runApache();
    } catch (error) {
      // One failed run leaves its round's figures empty (–) instead of ending the benchmark.
      console.error(error);
      got[who] = failedRun(`run failed: ${String(error instanceof Error ? error.message : error).split('\n')[0]}`);
    }
    console.error(`# round ${r + 1}: ${who === 'ours' ? OURS : APACHE} done in ${Math.round((Date.now() - started) / 1000)} s, load ${load()}`);
  }
  const round = got as Round;
  rounds.push(round);
  console.log(`## Round ${r + 1} (${order.map((w) => (w === 'ours' ? OURS : APACHE)).join(' first, then ')})\n`);
  console.log(roundTable(round, OURS, APACHE));
  for (const [who, f] of [[OURS, round.ours], [APACHE, round.apache]] as const) {
    if (f.notes.length > 0) console.log(`\n${who}: ${f.notes.join('; ')}`);
  }
  console.log('');
}

console.log(`## Medians over ${ROUNDS} rounds\n`);
console.log(summaryTable(rounds, OURS, APACHE));
console.log(`\nload average (1/5/15 min) after: ${load()}`);
process.exit(0);
