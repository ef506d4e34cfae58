/**
 * `npm run bench:cores`: does a broker's throughput grow with the cores it is given? One command,
 * one table. RocketMQ's benchmark Producer / Consumer run pinned to the load generator's CPUs
 * (taskset); each system's server processes are started pinned to 1 core, then to 2 (and more
 * with BENCH_BROKER_CORES), on a fresh store each time:
 *
 *   rocketmq-ts      npm start (name server + one broker in one process)
 *   rocketmq-ts x2   npm start -- --brokers 2 (two masters of one cluster, each its own process;
 *                    BENCH_CORES_SYSTEMS names it rocketmq-ts-x2; rocketmq-ts-xcores runs one
 *                    broker per core given, for bigger machines)
 *   rocketmq-ts io   npm start -- --serverSelectorThreads=1 (connections on an I/O thread beside the
 *                    event loop; BENCH_CORES_SYSTEMS names it rocketmq-ts-io)
 *   apache-4.9.7     NamesrvStartup + BrokerStartup (BENCH_APACHE_VERSIONS to change)
 *
 * Cells per run (128 B bodies, ASYNC_FLUSH, topics created with 4 queues on every master first):
 *   send          Producer -w 64, last of three 10 s windows: TPS and server CPU ms per 1000 messages
 *   backlog       Consumer, a new group from offset 0 of what the send cell stored, the faster of two windows
 *   send+consume  Producer -w 64 and a Consumer together, the last window of each
 *
 * Then the ratios N-core / 1-core per system and ours / Apache per cell. The machine's core
 * count and load average are printed: on a 2-core machine the "2 cores" runs share a core with
 * the load generator (so they measure what one more core buys while the client keeps one).
 *
 * Env: BENCH_LOADGEN_CPUS (default "0"), BENCH_BROKER_CORES (default "1 2"),
 * BENCH_APACHE_VERSIONS (default "4.9.7"; "" for ours only), BENCH_CORES_SYSTEMS (default
 * "rocketmq-ts rocketmq-ts-x2 apache"), BENCH_ROUNDS (default 1; medians, the order of the
 * systems rotating each round), BENCH_RESULTS_DIR (default bench/results/cores).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicRequestHeader, createRequest, encodeHeader, RemotingClient, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { repoRoot, sleep } from '../interop/lib/java.ts';
import { startApache } from './lib/apache-servers.ts';
import { resetGroupToStart, topicMessageCount } from './lib/broker-admin.ts';
import { machineInfo } from './lib/machine.ts';
import { startRocketmqTs } from './lib/node-targets.ts';
import { totalCpuSeconds } from './lib/proc-stats.ts';
import { runTool } from './lib/rocketmq-tools.ts';
import type { BenchTarget } from './lib/target.ts';
import { parseConsumerLine, parseProducerLine } from './lib/tool-output.ts';

const loadgenCpus = process.env.BENCH_LOADGEN_CPUS ?? '0';
const brokerCores = (process.env.BENCH_BROKER_CORES ?? '1 2').split(/\s+/).filter((c) => c !== '').map(Number);
const apacheVersions = (process.env.BENCH_APACHE_VERSIONS ?? '4.9.7').split(/\s+/).filter((v) => v !== '');
const systems = (process.env.BENCH_CORES_SYSTEMS ?? 'rocketmq-ts rocketmq-ts-x2 apache').split(/\s+/);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const resultsDir = process.env.BENCH_RESULTS_DIR ?? join(repoRoot, 'bench', 'results', 'cores');
const workRoot = mkdtempSync(join(tmpdir(), 'rmqts-cores-'));
const toolsDir = join(workRoot, 'tools');

/** The CPUs a server gets for `count` cores: those the load generator does not use first, then its own. */
function serverCpus(count: number): string {
  const total = cpus().length;
  const loadgen = new Set(expandCpuList(loadgenCpus));
  const order = [...Array.from({ length: total }, (_, i) => i).filter((i) => !loadgen.has(i)), ...loadgen];
  if (count > total) throw new Error(`BENCH_BROKER_CORES asks for ${count} cores; this machine has ${total}`);
  return order.slice(0, count).sort((a, b) => a - b).join(',');
}

function expandCpuList(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number) as [number, number | undefined];
    return to === undefined ? [from] : Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

interface RunFigures {
  system: string;
  cores: number;
  cpus: string;
  sendTps: number;
  sendCpuMsPer1000: number;
  backlogTps: number;
  backlog: number;
  mixedProduceTps: number;
  mixedConsumeTps: number;
}

/** Three 10 s report windows; the last one is read (the first holds the client JVM's start-up and JIT). */
const PRODUCER_SECONDS = 31.5;
const SEND_TOPIC = 'BenchCores';
const MIXED_TOPIC = 'BenchCoresMixed';

async function createTopics(target: BenchTarget): Promise<void> {
  const client = new RemotingClient();
  try {
    for (const addr of target.brokerAddrs ?? [target.brokerAddr]) {
      for (const topic of [SEND_TOPIC, MIXED_TOPIC]) {
        const response = await client.invoke(
          addr,
          createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
            extFields: encodeHeader(CreateTopicRequestHeader, { topic, defaultTopic: 'TBW102', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false }),
          }),
          10_000,
        );
        if (response.code !== ResponseCode.SUCCESS) throw new Error(`creating ${topic} on ${addr}: ${response.remark ?? response.code}`);
      }
    }
  } finally {
    await client.close();
  }
}

async function start(system: string, cpuList: string, cores: number): Promise<BenchTarget> {
  const settings = { flushDiskType: 'ASYNC_FLUSH' as const, workDir: join(workRoot, 'run'), topics: ['BenchStartup'], cpus: cpuList };
  if (system === 'rocketmq-ts') return startRocketmqTs(settings);
  // One broker whose connections are on its I/O thread (serverSelectorThreads=1), beside the event loop.
  if (system === 'rocketmq-ts-io') return startRocketmqTs(settings, [], { brokerArgs: ['--serverSelectorThreads=1'], label: 'rocketmq-ts io-thread' });
  // rocketmq-ts-x<k>: npm start -- --brokers k; rocketmq-ts-xcores: one broker per core given.
  const brokers = /^rocketmq-ts-x(\d+|cores)$/.exec(system);
  if (brokers) return startRocketmqTs(settings, [], { brokers: brokers[1] === 'cores' ? cores : Number(brokers[1]) });
  if (system.startsWith('apache-')) return startApache(system.replace(/^apache-/, ''), settings);
  throw new Error(`BENCH_CORES_SYSTEMS: unknown system ${system} (rocketmq-ts, rocketmq-ts-io, rocketmq-ts-x<k>, rocketmq-ts-xcores, apache)`);
}

async function measure(system: string, cores: number): Promise<RunFigures> {
  const cpuList = serverCpus(cores);
  let target: BenchTarget;
  try {
    target = await start(system, cpuList, cores);
  } catch (error) {
    // Ports are picked free but other programs on the machine can take one before the server binds it.
    console.log(`  ${system} did not start (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); once more on new ports`);
    rmSync(join(workRoot, 'run'), { recursive: true, force: true });
    target = await start(system, cpuList, cores);
  }
  const label = `${target.label} on ${cores} core${cores === 1 ? '' : 's'} (cpus ${cpuList})`;
  try {
    await createTopics(target);
    // The route of the new topics reaches the name server with the brokers' next registration.
    await sleep(1500);
    const addrs = target.brokerAddrs ?? [target.brokerAddr];
    // send: CPU read at each report line, so CPU and messages cover the same 10 s window.
    const lines: { tps: number; cpu: number }[] = [];
    await runTool('Producer', {
      namesrvAddr: target.namesrvAddr,
      args: ['-t', SEND_TOPIC, '-w', '64', '-s', '128', '-k', 'false'],
      seconds: PRODUCER_SECONDS,
      runDir: toolsDir,
      cpus: loadgenCpus,
      onLine: (line) => {
        const report = parseProducerLine(line);
        if (report) lines.push({ tps: report.sendTps, cpu: totalCpuSeconds(target.pids) });
      },
    });
    // The last window: on a loaded machine the load generator's JVM (one core) takes a while to start.
    const [first, second] = lines.slice(-2);
    const sendCpuMsPer1000 = first && second ? ((second.cpu - first.cpu) * 1e6) / (second.tps * 10) : Number.NaN;
    if (!second) console.log(`  ${label}: the Producer printed fewer than 2 reports`);
    const sendTps = second?.tps ?? Number.NaN;
    console.log(`  ${label}: send ${sendTps} TPS, ${sendCpuMsPer1000.toFixed(1)} ms CPU per 1000 messages`);
    await sleep(1000);
    // backlog: a new group from offset 0 on every master.
    let backlog = 0;
    for (const addr of addrs) backlog += await topicMessageCount(addr, SEND_TOPIC);
    const group = `bench_cores_${Date.now()}`;
    for (const addr of addrs) await resetGroupToStart(addr, group, SEND_TOPIC);
    // Two windows, the faster one read: on a busy machine the Consumer's JVM start and first
    // rebalance can fill most of the first; a backlog of 20 s of sends lasts longer than both.
    const consumed = (await runTool('Consumer', { namesrvAddr: target.namesrvAddr, args: ['-t', SEND_TOPIC, '-g', group], seconds: 21.5, runDir: toolsDir, cpus: loadgenCpus }))
      .output.split('\n')
      .map(parseConsumerLine)
      .filter((report) => report !== null);
    const backlogTps = consumed.length > 0 ? Math.max(...consumed.map((report) => report.tps)) : Number.NaN;
    console.log(`  ${label}: consume from a ${backlog}-message backlog ${backlogTps} TPS`);
    // send + consume together; the producer goes first so the consumer finds the route.
    const producer = runTool('Producer', { namesrvAddr: target.namesrvAddr, args: ['-t', MIXED_TOPIC, '-w', '64', '-s', '128', '-k', 'false'], seconds: PRODUCER_SECONDS + 2, runDir: toolsDir, cpus: loadgenCpus });
    await sleep(1000);
    const consumer = runTool('Consumer', { namesrvAddr: target.namesrvAddr, args: ['-t', MIXED_TOPIC, '-g', `bench_cores_mixed_${Date.now()}`], seconds: PRODUCER_SECONDS, runDir: toolsDir, cpus: loadgenCpus });
    const [produced, mixed] = await Promise.all([producer, consumer]);
    const producedReports = produced.output.split('\n').map(parseProducerLine).filter((report) => report !== null);
    const mixedReports = mixed.output.split('\n').map(parseConsumerLine).filter((report) => report !== null);
    const mixedProduceTps = producedReports.length >= 2 ? producedReports.at(-1)!.sendTps : Number.NaN;
    const mixedConsumeTps = mixedReports.length >= 2 ? mixedReports.at(-1)!.tps : Number.NaN;
    console.log(`  ${label}: together, produce ${mixedProduceTps} TPS and consume ${mixedConsumeTps} TPS`);
    return { system, cores, cpus: cpuList, sendTps, sendCpuMsPer1000, backlogTps, backlog, mixedProduceTps, mixedConsumeTps };
  } finally {
    await target.stop();
    rmSync(join(workRoot, 'run'), { recursive: true, force: true });
  }
}

/** One row per (system, cores): the median of each figure over the rounds. */
function medians(all: readonly RunFigures[]): RunFigures[] {
  const median = (values: number[]): number => {
    const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
    if (finite.length === 0) return Number.NaN;
    const mid = finite.length >> 1;
    return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
  };
  const keys = [...new Map(all.map((r) => [`${r.system}@${r.cores}`, r])).values()];
  return keys.map((key) => {
    const same = all.filter((r) => r.system === key.system && r.cores === key.cores);
    const pick = (field: 'sendTps' | 'sendCpuMsPer1000' | 'backlogTps' | 'backlog' | 'mixedProduceTps' | 'mixedConsumeTps'): number => median(same.map((r) => r[field]));
    return { ...key, sendTps: pick('sendTps'), sendCpuMsPer1000: pick('sendCpuMsPer1000'), backlogTps: pick('backlogTps'), backlog: pick('backlog'), mixedProduceTps: pick('mixedProduceTps'), mixedConsumeTps: pick('mixedConsumeTps') };
  });
}

const fmt = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–');

function render(runs: readonly RunFigures[], header: string): string {
  const out: string[] = [header, ''];
  out.push('| system | cores (cpus) | send TPS, 64 threads | server CPU ms / 1000 sent | consume from backlog TPS | together: produce TPS | together: consume TPS |');
  out.push('|---|---|---|---|---|---|---|');
  for (const r of runs) {
    out.push(`| ${r.system} | ${r.cores} (${r.cpus}) | ${fmt(r.sendTps)} | ${fmt(r.sendCpuMsPer1000, 1)} | ${fmt(r.backlogTps)} | ${fmt(r.mixedProduceTps)} | ${fmt(r.mixedConsumeTps)} |`);
  }
  const names = [...new Set(runs.map((r) => r.system))];
  const base = brokerCores[0]!;
  out.push('', `Scaling, N cores / ${base} core${base === 1 ? '' : 's'} (send TPS; consume from backlog; together, consume TPS):`, '');
  out.push('| system | cores | send | backlog | together |', '|---|---|---|---|---|');
  for (const name of names) {
    const one = runs.find((r) => r.system === name && r.cores === base);
    for (const r of runs.filter((x) => x.system === name && x.cores !== base)) {
      if (one) out.push(`| ${name} | ${r.cores} / ${base} | ${ratio(r.sendTps, one.sendTps)} | ${ratio(r.backlogTps, one.backlogTps)} | ${ratio(r.mixedConsumeTps, one.mixedConsumeTps)} |`);
    }
  }
  const apache = names.filter((n) => n.startsWith('apache-'));
  if (apache.length > 0) {
    out.push('', 'Ours / Apache, same cores:', '');
    out.push('| system | vs | cores | send | backlog | together: produce | together: consume |', '|---|---|---|---|---|---|---|');
    for (const ours of names.filter((n) => !n.startsWith('apache-'))) {
      for (const theirs of apache) {
        for (const cores of brokerCores) {
          const a = runs.find((r) => r.system === ours && r.cores === cores);
          const b = runs.find((r) => r.system === theirs && r.cores === cores);
          if (a && b) out.push(`| ${ours} | ${theirs} | ${cores} | ${ratio(a.sendTps, b.sendTps)} | ${ratio(a.backlogTps, b.backlogTps)} | ${ratio(a.mixedProduceTps, b.mixedProduceTps)} | ${ratio(a.mixedConsumeTps, b.mixedConsumeTps)} |`);
        }
      }
    }
  }
  return out.join('\n') + '\n';
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  const header =
    `# bench:cores, ${startedAt}\n\n` +
    `Machine: ${machine.cores} cores (${machine.cpus}), ${machine.memoryGiB} GiB, Node.js ${machine.node}; this process sees ${availableParallelism()} CPUs. ` +
    `Load generator (RocketMQ benchmark Producer/Consumer ${'4.9.8'}) pinned to cpus ${loadgenCpus}. Load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`;
  console.log(header);
  const list = systems.flatMap((s) => (s === 'apache' ? apacheVersions.map((v) => `apache-${v}`) : [s]));
  const all: RunFigures[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const cores of brokerCores) {
      // The order of the systems rotates every round, so none always runs first (or last) on a busy machine.
      for (const [i] of list.entries()) {
        const system = list[(i + round) % list.length]!;
        console.log(`round ${round + 1}/${rounds}: ${system}, ${cores} core(s):`);
        all.push(await measure(system, cores));
      }
    }
  }
  const runs = medians(all);
  const table = render(runs, header + (rounds > 1 ? ` Each figure is the median of ${rounds} rounds.` : '')) + `\nLoad average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}.\n`;
  console.log(`\n${table}`);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.md'), table);
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify({ startedAt, machine, loadgenCpus, rounds, runs, all }, null, 2) + '\n');
  rmSync(workRoot, { recursive: true, force: true });
}

await main();
