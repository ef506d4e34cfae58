/**
 * `npm run bench:steady`: brokers in steady state, where production brokers live. A page cache
 * already full of older data (a ballast file read before each system starts), a backlog
 * written under that pressure, then read back cold (its files evicted from the page cache),
 * once alone and once while producers keep writing. One system at a time, the order rotating
 * every round, all in one run:
 *
 *   rocketmq-ts      npm start (name server + broker in one process)
 *   apache-<v>       NamesrvStartup + BrokerStartup of each BENCH_APACHE_VERSIONS
 *
 * Cells (RocketMQ's own benchmark Producer / Consumer, ASYNC_FLUSH, BENCH_STEADY_SEGMENT_MIB
 * commit-log segments, default 256: Apache's restart re-reads its last three segments, which
 * must stay a small part of the backlog for its read to be cold):
 *   send, cache full    Producer -w 64 writing the backlog (BENCH_STEADY_MESSAGES of
 *                       BENCH_STEADY_BODY bytes): mean TPS of its 10 s windows after the first
 *   cold backlog        the broker stopped, its store's files dropped from the page cache
 *                       (sync, then POSIX_FADV_DONTNEED through `dd iflag=nocache`), the
 *                       broker started again on that store, a new group from offset 0: mean
 *                       TPS of the Consumer windows after the first that end before the
 *                       backlog runs out. (While Apache's broker runs, the pages it has
 *                       mapped cannot be dropped, even by memory pressure short of the
 *                       whole machine: a running Apache broker's backlog stays resident.)
 *   catch-up            restarted cold again, a new group from offset 0 while Producer -w 16
 *                       writes: the Consumer's and the Producer's TPS, the same windows
 *
 * Eviction is checked with `fincore` (util-linux): the resident share of the store after it is
 * printed. Results: bench/results/steady-state/latest.{md,json}.
 *
 * Env: BENCH_APACHE_VERSIONS (default "5.5.0 4.9.7"), BENCH_ROUNDS (default 2; medians),
 * BENCH_STEADY_MESSAGES (default 16,000,000), BENCH_STEADY_BODY (default 128), BENCH_STEADY_SEGMENT_MIB,
 * BENCH_STEADY_BALLAST_GIB (default: the memory available at start less 3 GiB; 0 for none),
 * BENCH_DIR (where stores and the ballast go), BENCH_RESULTS_DIR, BENCH_STEADY_SYSTEMS
 * (default "rocketmq-ts apache").
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../interop/lib/java.ts';
import { startApache } from './lib/apache-servers.ts';
import { backlogWindows } from './lib/backlog-windows.ts';
import { resetGroupToStart, topicMessageCount } from './lib/broker-admin.ts';
import { machineInfo } from './lib/machine.ts';
import { startRocketmqTs } from './lib/node-targets.ts';
import { totalCpuSeconds, totalRssKiB } from './lib/proc-stats.ts';
import { median } from './lib/results.ts';
import { runTool } from './lib/rocketmq-tools.ts';
import type { BenchTarget, TargetSettings } from './lib/target.ts';
import { parseConsumerLine, parseProducerLine } from './lib/tool-output.ts';

const apacheVersions = (process.env.BENCH_APACHE_VERSIONS ?? '5.5.0 4.9.7').split(/\s+/).filter((v) => v !== '');
const systems = (process.env.BENCH_STEADY_SYSTEMS ?? 'rocketmq-ts apache').split(/\s+/);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const messages = Number(process.env.BENCH_STEADY_MESSAGES ?? 16_000_000);
const bodySize = Number(process.env.BENCH_STEADY_BODY ?? 128);
const segmentMiB = Number(process.env.BENCH_STEADY_SEGMENT_MIB ?? 256);
// Absolute: the Apache servers start in directories of their own and read their files by these paths.
const resultsDir = resolve(process.env.BENCH_RESULTS_DIR ?? join(repoRoot, 'bench', 'results', 'steady-state'));
const workRoot = resolve(process.env.BENCH_DIR ?? join(resultsDir, 'tmp'));
const toolsDir = join(workRoot, 'tools');
const TOPIC = 'BenchSteady';
/** Three 10 s Consumer windows; the first holds the client JVM's start-up. */
const READ_SECONDS = 31.5;

function log(text: string): void {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

function memAvailableGiB(): number {
  const line = readFileSync('/proc/meminfo', 'utf8').split('\n').find((l) => l.startsWith('MemAvailable:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024 ** 2;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

/** Writes the ballast once (real blocks, so reading it fills the page cache). */
function makeBallast(path: string, gib: number): void {
  if (existsSync(path) && statSync(path).size === gib * 1024 ** 3) return;
  log(`writing a ${gib} GiB ballast file (${path})`);
  const chunk = Buffer.alloc(64 * 1024 * 1024, 0x5a);
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < gib * 16; i++) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** Fills the page cache with the ballast: the broker then writes into a full cache, as in production. */
function fillPageCache(path: string): void {
  const result = spawnSync('cat', [path], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`reading the ballast failed (${String(result.status)})`);
}

/** The block device holding `dir` ("vda"), for /proc/diskstats. */
function deviceOf(dir: string): string {
  const source = spawnSync('df', ['--output=source', dir], { encoding: 'utf8' }).stdout.trim().split('\n').pop() ?? '';
  return source.replace(/^\/dev\//, '');
}

/** Read requests completed and bytes read so far by `device` (/proc/diskstats). */
function diskReads(device: string): { requests: number; bytes: number } {
  for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[2] === device) return { requests: Number(fields[3]), bytes: Number(fields[5]) * 512 };
  }
  return { requests: Number.NaN, bytes: Number.NaN };
}

/**
 * Drops the store's pages from the page cache (dirty ones are written first); the share left
 * resident. Only pages no process maps can be dropped, so the broker is stopped first.
 */
function evict(dir: string): number {
  spawnSync('sync', [], { stdio: 'ignore' });
  let size = 0;
  let resident = 0;
  for (const file of filesUnder(dir)) {
    spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none'], { stdio: 'ignore' });
    const fin = spawnSync('fincore', ['--bytes', '--noheadings', '--raw', '--output', 'RES,SIZE', file], { encoding: 'utf8' });
    const [res, total] = fin.stdout.trim().split(/\s+/).map(Number) as [number, number];
    if (Number.isFinite(res) && Number.isFinite(total)) {
      resident += res;
      size += total;
    }
  }
  return size > 0 ? resident / size : 0;
}

interface Figures {
  system: string;
  round: number;
  stored: number;
  sendTps: number;
  sendCpuMsPer10k: number;
  /** Restart on the written store to the first accepted send. */
  restartMillis: number;
  coldTps: number;
  coldCpuMsPer10k: number;
  coldResident: number;
  /** Mean size of the disk's read requests during the cold read (all processes). */
  coldDiskReadKiB: number;
  /** Read from the disk during the cold read: near the bytes consumed when the read was cold. */
  coldDiskMiB: number;
  catchUpConsumeTps: number;
  catchUpSendTps: number;
  peakRssMiB: number;
}

async function fill(target: BenchTarget): Promise<{ tps: number; cpuMsPer10k: number }> {
  const windows: { tps: number; cpu: number }[] = [];
  await runTool('Producer', {
    namesrvAddr: target.namesrvAddr,
    args: ['-t', TOPIC, '-w', '64', '-s', String(bodySize), '-k', 'false', '-q', String(messages)],
    seconds: Math.max(600, messages / 5000),
    runDir: toolsDir,
    onLine: (line) => {
      const report = parseProducerLine(line);
      if (report && !line.includes('[Complete]')) windows.push({ tps: report.sendTps, cpu: totalCpuSeconds(target.pids) });
    },
  });
  // Window 1 holds the client's start-up; the last one may be cut short by the end of the run.
  const used = windows.length > 3 ? windows.slice(1, -1) : windows.slice(1);
  if (used.length === 0) return { tps: Number.NaN, cpuMsPer10k: Number.NaN };
  const sent = used.reduce((sum, w) => sum + w.tps * 10, 0);
  const cpu = used[used.length - 1]!.cpu - windows[0]!.cpu;
  return { tps: sent / used.length / 10, cpuMsPer10k: (cpu * 1000 * 10_000) / sent };
}

/** A new group reads TOPIC from offset 0 for READ_SECONDS; `onWindow` gets each 10 s window's TPS. */
async function consumeFromStart(target: BenchTarget, name: string, onWindow: (tps: number) => void): Promise<void> {
  const group = `steady_${name}_${Date.now()}`;
  await resetGroupToStart(target.brokerAddr, group, TOPIC);
  await runTool('Consumer', {
    namesrvAddr: target.namesrvAddr,
    args: ['-t', TOPIC, '-g', group],
    seconds: READ_SECONDS,
    runDir: toolsDir,
    onLine: (line) => {
      const report = parseConsumerLine(line);
      if (report) onWindow(report.tps);
    },
  });
}

async function coldRead(target: BenchTarget, backlog: number, device: string): Promise<{ tps: number; cpuMsPer10k: number; windows: number[]; diskRequests: number; diskMiB: number }> {
  const disk = diskReads(device);
  const windows: { tps: number; cpu: number }[] = [];
  const cpuStart = totalCpuSeconds(target.pids);
  await consumeFromStart(target, 'cold', (tps) => windows.push({ tps, cpu: totalCpuSeconds(target.pids) }));
  const tpsList = windows.map((w) => w.tps);
  const { from, to } = backlogWindows(tpsList, backlog);
  const used = windows.slice(from, to);
  const before = from === 0 ? cpuStart : windows[from - 1]!.cpu;
  const read = used.reduce((sum, w) => sum + w.tps * 10, 0);
  const cpu = used.length > 0 ? used[used.length - 1]!.cpu - before : Number.NaN;
  const diskAfter = diskReads(device);
  return {
    tps: read / 10 / Math.max(1, used.length),
    cpuMsPer10k: (cpu * 1000 * 10_000) / read,
    windows: tpsList,
    diskRequests: diskAfter.requests - disk.requests,
    diskMiB: (diskAfter.bytes - disk.bytes) / 1024 ** 2,
  };
}

async function catchUp(target: BenchTarget, backlog: number): Promise<{ consumeTps: number; sendTps: number; windows: number[] }> {
  const sends: number[] = [];
  const consumes: number[] = [];
  await Promise.all([
    runTool('Producer', {
      namesrvAddr: target.namesrvAddr,
      args: ['-t', TOPIC, '-w', '16', '-s', String(bodySize), '-k', 'false'],
      seconds: READ_SECONDS,
      runDir: toolsDir,
      onLine: (line) => {
        const report = parseProducerLine(line);
        if (report) sends.push(report.sendTps);
      },
    }),
    consumeFromStart(target, 'catchup', (tps) => consumes.push(tps)),
  ]);
  const mean = (xs: number[]): number => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  const { from, to } = backlogWindows(consumes, backlog);
  return { consumeTps: mean(consumes.slice(from, to)), sendTps: mean(sends.slice(from, to)), windows: consumes };
}

async function measure(system: string, round: number, ballast: string | null): Promise<Figures> {
  if (ballast) fillPageCache(ballast);
  const settings: TargetSettings = { flushDiskType: 'ASYNC_FLUSH', workDir: join(workRoot, 'stores'), topics: [TOPIC], keepStore: true, commitLogSegmentBytes: segmentMiB * 1024 * 1024 };
  rmSync(settings.workDir, { recursive: true, force: true });
  const start = (): Promise<BenchTarget> => (system === 'rocketmq-ts' ? startRocketmqTs(settings) : startApache(system.slice('apache-'.length), settings));
  let target = await start();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, totalRssKiB(target.pids))), 500);
  /** Stops the broker, drops its store from the page cache and starts it again on that store. */
  const restartCold = async (): Promise<{ resident: number; startupMillis: number }> => {
    await target.stop();
    const resident = evict(settings.workDir);
    target = await start();
    return { resident, startupMillis: target.startupMillis };
  };
  try {
    log(`${target.label}: writing ${messages} messages of ${bodySize} B into a full page cache (Producer -w 64)`);
    const sent = await fill(target);
    const stored = await topicMessageCount(target.brokerAddr, TOPIC);
    log(`  ${target.label}: ${stored} stored, send ${Math.round(sent.tps)} TPS, CPU ${sent.cpuMsPer10k.toFixed(0)} ms/10k`);
    const restart = await restartCold();
    const cold = await coldRead(target, stored, deviceOf(settings.workDir));
    log(`  ${target.label}: restarted on it (first send after ${restart.startupMillis} ms; ${(restart.resident * 100).toFixed(1)} % of the store resident); cold backlog from offset 0: ${Math.round(cold.tps)} TPS (windows ${cold.windows.join(', ')}), CPU ${cold.cpuMsPer10k.toFixed(0)} ms/10k; the disk served ${cold.diskRequests} reads, ${cold.diskMiB.toFixed(0)} MiB (${((cold.diskMiB * 1024) / cold.diskRequests).toFixed(0)} KiB each)`);
    await restartCold();
    const caught = await catchUp(target, stored);
    log(`  ${target.label}: restarted cold again; catch-up read ${Math.round(caught.consumeTps)} TPS (windows ${caught.windows.join(', ')}) while Producer -w 16 sends ${Math.round(caught.sendTps)} TPS`);
    return {
      system: target.label,
      round,
      stored,
      sendTps: sent.tps,
      sendCpuMsPer10k: sent.cpuMsPer10k,
      restartMillis: restart.startupMillis,
      coldTps: cold.tps,
      coldCpuMsPer10k: cold.cpuMsPer10k,
      coldResident: restart.resident,
      coldDiskReadKiB: (cold.diskMiB * 1024) / cold.diskRequests,
      coldDiskMiB: cold.diskMiB,
      catchUpConsumeTps: caught.consumeTps,
      catchUpSendTps: caught.sendTps,
      peakRssMiB: peak / 1024,
    };
  } finally {
    clearInterval(sampler);
    await target.stop();
    rmSync(settings.workDir, { recursive: true, force: true });
  }
}

function render(all: Figures[], startedAt: string, ballastGiB: number): string {
  const labels = [...new Set(all.map((f) => f.system))];
  const med = (label: string, pick: (f: Figures) => number): number => median(all.filter((f) => f.system === label).map(pick));
  const ours = 'rocketmq-ts';
  const cells: [string, (f: Figures) => number, boolean][] = [
    ['send TPS, page cache full (Producer -w 64)', (f) => f.sendTps, true],
    ['server CPU ms per 10k sent', (f) => f.sendCpuMsPer10k, false],
    ['restart on the written store to first accepted send (ms)', (f) => f.restartMillis, false],
    ['cold backlog from offset 0, consume TPS', (f) => f.coldTps, true],
    ['server CPU ms per 10k consumed (cold)', (f) => f.coldCpuMsPer10k, false],
    ['MiB read from the disk during the cold read', (f) => f.coldDiskMiB, false],
    ['mean disk read request during the cold read (KiB)', (f) => f.coldDiskReadKiB, false],
    ['catch-up read while Producer -w 16 writes, consume TPS', (f) => f.catchUpConsumeTps, true],
    ['Producer -w 16 TPS during catch-up', (f) => f.catchUpSendTps, true],
    ['peak RSS (MiB)', (f) => f.peakRssMiB, false],
  ];
  const others = labels.filter((l) => l !== ours);
  const lines = [
    `# Steady state: full page cache, cold backlog, catch-up (npm run bench:steady)`,
    '',
    `Started ${startedAt}; ${rounds} round(s), medians; ${messages} messages of ${bodySize} B per system; ${segmentMiB} MiB commit-log segments; ballast ${ballastGiB} GiB; ASYNC_FLUSH.`,
    `Machine: ${JSON.stringify(machineInfo())}`,
    '',
    `| cell | ${labels.join(' | ')} | ${others.map((o) => `ours / ${o}`).join(' | ')} |`,
    `|---|${labels.map(() => '---').join('|')}|${others.map(() => '---').join('|')}|`,
  ];
  for (const [name, pick] of cells) {
    const values = labels.map((l) => med(l, pick));
    const oursValue = labels.includes(ours) ? med(ours, pick) : Number.NaN;
    lines.push(`| ${name} | ${values.map((v) => Math.round(v).toLocaleString('en-US')).join(' | ')} | ${others.map((o) => `${(oursValue / med(o, pick)).toFixed(2)}×`).join(' | ')} |`);
  }
  lines.push('', 'Every round:', '', '| round | system | stored | send TPS | cold TPS | resident after eviction | catch-up read TPS | catch-up send TPS |', '|---|---|---|---|---|---|---|---|');
  for (const f of all) {
    lines.push(`| ${f.round} | ${f.system} | ${f.stored} | ${Math.round(f.sendTps)} | ${Math.round(f.coldTps)} | ${(f.coldResident * 100).toFixed(1)} % | ${Math.round(f.catchUpConsumeTps)} | ${Math.round(f.catchUpSendTps)} |`);
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  mkdirSync(workRoot, { recursive: true });
  const ballastGiB = Number(process.env.BENCH_STEADY_BALLAST_GIB ?? Math.max(0, Math.floor(memAvailableGiB() - 3)));
  const ballast = ballastGiB > 0 ? join(workRoot, 'ballast') : null;
  if (ballast) makeBallast(ballast, ballastGiB);
  const labels = systems.flatMap((s) => (s === 'apache' ? apacheVersions.map((v) => `apache-${v}`) : [s]));
  const all: Figures[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const order = [...labels.slice((round - 1) % labels.length), ...labels.slice(0, (round - 1) % labels.length)];
      for (const system of order) {
        log(`round ${round}: ${system}`);
        all.push(await measure(system, round, ballast));
      }
    }
  } finally {
    if (ballast) rmSync(ballast, { force: true });
    rmSync(toolsDir, { recursive: true, force: true });
  }
  const table = render(all, startedAt, ballastGiB);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.md'), table);
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify({ startedAt, machine: machineInfo(), rounds, messages, bodySize, segmentMiB, ballastGiB, all }, null, 2) + '\n');
  process.stdout.write('\n' + table);
}

await main();
