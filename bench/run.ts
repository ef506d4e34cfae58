/**
 * The side-by-side benchmark (`npm run bench`, `npm run bench:full`): rocketmq-ts, Apache
 * RocketMQ (a 5.x and a 4.9.x, from Maven Central) and the null broker, driven by RocketMQ's own
 * benchmark Producer/Consumer and by our TypeScript load generator, in one run, interleaved.
 *
 *   short (default): ASYNC_FLUSH, 1 round  (~15 min)
 *   --full:          ASYNC_FLUSH and SYNC_FLUSH, 3 rounds, then the backlog scale test
 *                    (BENCH_BACKLOG messages of 128 B, default 50,000,000)
 *   --scale-only:    the scale test alone, results in bench/results/scale/ (npm run bench:scale)
 *
 * Every Producer cell runs 21.5 s and is read from its second 10 s report window: the first
 * holds the load generator's own JVM start-up and JIT warm-up, which is not the broker's speed
 * (start-up is measured on its own, to the first accepted send).
 *
 * Writes bench/results/latest.json, bench/results/latest.md and PNG charts beside them.
 * Environment: BENCH_APACHE_VERSIONS ("5.5.0 5.3.3 4.9.7"), BENCH_ROUNDS, BENCH_FLUSHES ("ASYNC_FLUSH
 * SYNC_FLUSH"), BENCH_SCALE (false: --full without the scale test), BENCH_BACKLOG, BENCH_SCALE_OURS
 * (false: leave rocketmq-ts out of the scale test), BENCH_RESULTS_DIR,
 * BENCH_DIR (where stores go; default bench/results/tmp, removed after each phase).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sleep } from '../interop/lib/java.ts';
import { APACHE_JVM, startApache } from './lib/apache-servers.ts';
import { resetGroupToStart, topicMessageCount } from './lib/broker-admin.ts';
import { renderCharts } from './lib/charts.ts';
import { runTsProducerProcess } from './lib/loadgen-runner.ts';
import { machineInfo } from './lib/machine.ts';
import { ROCKETMQ_TS_NODE_FLAGS, startNullBrokerProcess, startRocketmqTs } from './lib/node-targets.ts';
import { RssSampler, totalCpuSeconds, totalRssKiB } from './lib/proc-stats.ts';
import { renderMarkdown } from './lib/report.ts';
import { type BenchResults, median, type SendFigure, type TargetFigures } from './lib/results.ts';
import { runTool, TOOLS_JVM, TOOLS_VERSION } from './lib/rocketmq-tools.ts';
import type { BenchTarget, FlushDiskType, TargetSettings } from './lib/target.ts';
import { parseConsumerLine, parseProducerLine, type ProducerReport } from './lib/tool-output.ts';

const scaleOnly = process.argv.includes('--scale-only');
const full = process.argv.includes('--full') || scaleOnly;
const config = {
  flushes: (process.env.BENCH_FLUSHES?.split(/\s+/).filter((f) => f !== '') ?? (full ? ['ASYNC_FLUSH', 'SYNC_FLUSH'] : ['ASYNC_FLUSH'])) as FlushDiskType[],
  rounds: Number(process.env.BENCH_ROUNDS ?? (full ? 3 : 1)),
  bodySizes: [128, 1024],
  threads: [1, 16, 64],
  /** The Producer prints a 10 s window every 10 s; the first includes its own start-up. */
  producerSeconds: 21.5,
  tsWarmupSeconds: full ? 2 : 1,
  tsSeconds: full ? 8 : 4,
  consumeSeconds: 11.5,
  endToEndSeconds: full ? 31.5 : 21.5,
  backlog: Number(process.env.BENCH_BACKLOG ?? 50_000_000),
  apacheVersions: (process.env.BENCH_APACHE_VERSIONS ?? '5.5.0 5.3.3 4.9.7').split(/\s+/).filter((v) => v !== ''),
};
// --scale-only keeps its own results so the latest side-by-side run is not overwritten.
const resultsDir = process.env.BENCH_RESULTS_DIR ?? (scaleOnly ? join(repoRoot, 'bench', 'results', 'scale') : join(repoRoot, 'bench', 'results'));
const workRoot = process.env.BENCH_DIR ?? join(resultsDir, 'tmp');
const topicFor = (bodySize: number): string => `Bench${bodySize}`;

const results: BenchResults = {
  mode: full ? 'full' : 'short',
  startedAt: new Date().toISOString(),
  finishedAt: '',
  machine: machineInfo(),
  settings: {
    'load generator': `RocketMQ ${TOOLS_VERSION} org.apache.rocketmq.example.benchmark.Producer/Consumer (java ${TOOLS_JVM.join(' ')}); TypeScript load generator (bench/loadgen: @rocketmq-ts/client Producer, await send() from N concurrent loops)`,
    'Apache broker JVM': APACHE_JVM.broker.join(' '),
    'Apache name server JVM': APACHE_JVM.namesrv.join(' '),
    'rocketmq-ts': `node ${ROCKETMQ_TS_NODE_FLAGS.join(' ')} packages/server/bin/rocketmq-ts.js --dashboard=false (npm start: name server + broker in one process, web console off)`,
    'commit log segment': '1 GiB on every broker',
    // A scale-only run has no rounds and no fixed-length Producer cells.
    ...(scaleOnly
      ? {}
      : {
          rounds: String(config.rounds),
          'Producer run': `${config.producerSeconds} s (figures from the second 10 s report window; the first holds the load generator's JVM start-up)`,
        }),
  },
  targets: [],
  sends: [],
  consumes: [],
  scale: [],
  notes: [],
};

function log(text: string): void {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

async function startTargets(settings: TargetSettings): Promise<BenchTarget[]> {
  const started: BenchTarget[] = [];
  started.push(await startNullBrokerProcess(settings));
  started.push(await startRocketmqTs(settings));
  for (const version of config.apacheVersions) started.push(await startApache(version, settings));
  return started;
}

/** Targets in a different order for every cell, so none always runs first or after the same one. */
function rotated<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

interface Window {
  report: ProducerReport;
  at: number;
  cpu: number;
}

async function producerCell(target: BenchTarget, flush: FlushDiskType, bodySize: number, threads: number, round: number, peak: Map<string, number>): Promise<void> {
  const sampler = new RssSampler(target.pids);
  const windows: Window[] = [];
  const cpuStart = totalCpuSeconds(target.pids);
  const startedAt = Date.now();
  const run = await runTool('Producer', {
    namesrvAddr: target.namesrvAddr,
    args: ['-t', topicFor(bodySize), '-w', String(threads), '-s', String(bodySize), '-k', 'false'],
    seconds: config.producerSeconds,
    runDir: join(workRoot, 'tools'),
    onLine: (line, at) => {
      const report = parseProducerLine(line);
      if (report) windows.push({ report, at, cpu: totalCpuSeconds(target.pids) });
    },
  });
  // Skip the first window (producer start-up) when there are later ones.
  const used = windows.length > 1 ? windows.slice(1) : windows;
  if (used.length === 0) {
    results.notes.push(`${target.label} ${flush} ${bodySize} B × ${threads}: the Producer printed no report (exit ${String(run.exit)})`);
  } else {
    const before = windows.length > 1 ? windows[0]! : { at: startedAt, cpu: cpuStart };
    const last = used[used.length - 1]!;
    const tps = used.reduce((sum, w) => sum + w.report.sendTps, 0) / used.length;
    const messages = used.reduce((sum, w) => sum + w.report.sendTps, 0) * 10;
    const row: SendFigure = {
      tool: 'rocketmq-producer',
      target: target.label,
      flush,
      bodySize,
      threads,
      round,
      tps,
      avgRtMillis: used.reduce((sum, w) => sum + w.report.avgRtMillis, 0) / used.length,
      maxRtMillis: last.report.maxRtMillis,
      p99RtMillis: null,
      failed: last.report.sendFailed + last.report.responseFailed,
      cpuMillisPer10k: messages > 0 ? ((last.cpu - before.cpu) * 1000 * 10_000) / messages : null,
    };
    results.sends.push(row);
    log(`  ${target.label.padEnd(13)} RocketMQ Producer ${String(bodySize).padStart(4)} B × ${String(threads).padStart(2)}: ${Math.round(tps)} TPS, avg RT ${row.avgRtMillis.toFixed(3)} ms, CPU ${row.cpuMillisPer10k?.toFixed(0) ?? '?'} ms/10k`);
  }

  const cpuBefore = totalCpuSeconds(target.pids);
  const ts = await runTsProducerProcess({
    brokerAddr: target.brokerAddr,
    namesrvAddr: target.namesrvAddr,
    topic: topicFor(bodySize),
    concurrency: threads,
    bodySize,
    seconds: config.tsSeconds,
    warmupSeconds: config.tsWarmupSeconds,
  });
  const cpuAfter = totalCpuSeconds(target.pids);
  results.sends.push({
    tool: 'ts-producer',
    target: target.label,
    flush,
    bodySize,
    threads,
    round,
    tps: ts.tps,
    avgRtMillis: ts.avgMillis,
    maxRtMillis: ts.maxMillis,
    p99RtMillis: ts.p99Millis,
    failed: ts.failed,
    // Includes the warm-up's messages in neither CPU nor count: approximate by scaling the rate.
    cpuMillisPer10k: ts.sends > 0 ? ((cpuAfter - cpuBefore) * 1000 * 10_000) / (ts.tps * (config.tsSeconds + config.tsWarmupSeconds)) : null,
  });
  log(`  ${target.label.padEnd(13)} TS producer       ${String(bodySize).padStart(4)} B × ${String(threads).padStart(2)}: ${ts.tps} TPS, avg ${ts.avgMillis.toFixed(3)} ms, p99 ${ts.p99Millis.toFixed(3)} ms`);
  peak.set(target.label, Math.max(peak.get(target.label) ?? 0, sampler.stop()));
}

async function consumeBacklog(target: BenchTarget, flush: FlushDiskType, peak: Map<string, number>): Promise<void> {
  const topic = topicFor(128);
  const group = `bench_consume_${flush}_${Date.now()}`;
  const backlog = await topicMessageCount(target.brokerAddr, topic);
  await resetGroupToStart(target.brokerAddr, group, topic);
  const sampler = new RssSampler(target.pids);
  const reports = (await runTool('Consumer', { namesrvAddr: target.namesrvAddr, args: ['-t', topic, '-g', group], seconds: config.consumeSeconds, runDir: join(workRoot, 'tools') }))
    .output.split('\n')
    .map(parseConsumerLine)
    .filter((report) => report !== null);
  peak.set(target.label, Math.max(peak.get(target.label) ?? 0, sampler.stop()));
  const first = reports[0];
  if (!first) {
    results.notes.push(`${target.label} ${flush}: the Consumer printed no report while reading the backlog`);
    return;
  }
  results.consumes.push({ target: target.label, flush, kind: 'backlog', tps: first.tps, avgB2CMillis: first.avgB2CMillis, maxB2CMillis: first.maxB2CMillis, backlog });
  log(`  ${target.label.padEnd(13)} Consumer from a ${backlog}-message backlog: ${first.tps} TPS`);
}

async function endToEnd(target: BenchTarget, flush: FlushDiskType, peak: Map<string, number>): Promise<void> {
  const topic = `BenchE2E${flush === 'SYNC_FLUSH' ? 'Sync' : 'Async'}`;
  const sampler = new RssSampler(target.pids);
  // The producer goes first so the topic exists (and has a route) when the consumer starts;
  // a consumer started on an unknown topic waits for its 30 s route refresh.
  const producer = runTool('Producer', {
    namesrvAddr: target.namesrvAddr,
    args: ['-t', topic, '-w', '4', '-s', '128', '-k', 'false'],
    seconds: config.endToEndSeconds + 3,
    runDir: join(workRoot, 'tools'),
  });
  await sleep(3000);
  const consumer = runTool('Consumer', { namesrvAddr: target.namesrvAddr, args: ['-t', topic, '-g', `bench_e2e_${Date.now()}`], seconds: config.endToEndSeconds, runDir: join(workRoot, 'tools') });
  const [consumed] = await Promise.all([consumer, producer]);
  peak.set(target.label, Math.max(peak.get(target.label) ?? 0, sampler.stop()));
  const reports = consumed.output
    .split('\n')
    .map(parseConsumerLine)
    .filter((report) => report !== null && report.tps > 0);
  const last = reports[reports.length - 1];
  if (!last) {
    results.notes.push(`${target.label} ${flush}: no end-to-end figure (the Consumer received nothing)`);
    return;
  }
  results.consumes.push({ target: target.label, flush, kind: 'end-to-end', tps: last.tps, avgB2CMillis: last.avgB2CMillis, maxB2CMillis: last.maxB2CMillis, backlog: null });
  log(`  ${target.label.padEnd(13)} end to end (Producer -w 4 + Consumer): ${last.tps} TPS, avg ${last.avgB2CMillis.toFixed(2)} ms, max ${last.maxB2CMillis} ms`);
}

/**
 * Every round starts all systems on empty stores and stops them (removing the stores) at its
 * end: otherwise four brokers' stores outgrow the page cache after a round or two, and each
 * broker's figures depend on how much of the others' data the kernel has to evict. The last
 * round then measures consuming its own backlog and end-to-end latency.
 */
async function flushPhase(flush: FlushDiskType): Promise<void> {
  const settings: TargetSettings = { flushDiskType: flush, workDir: join(workRoot, flush), topics: config.bodySizes.map(topicFor) };
  const peak = new Map<string, number>();
  const figures = new Map<string, TargetFigures & { startupRounds: number[]; idleRounds: number[] }>();
  let cell = 0;
  for (let round = 1; round <= config.rounds; round++) {
    log(`${flush} round ${round}: starting ${['null-broker', 'rocketmq-ts', ...config.apacheVersions.map((v) => `apache-${v}`)].join(', ')}`);
    const targets = await startTargets(settings);
    try {
      await sleep(5000);
      for (const target of targets) {
        const idle = totalRssKiB(target.pids);
        const known = figures.get(target.label);
        // Start-up time and idle RSS are reported as medians over the rounds.
        if (known) {
          known.startupRounds.push(target.startupMillis);
          known.idleRounds.push(idle);
        } else {
          figures.set(target.label, { label: target.label, flush, startupMillis: target.startupMillis, idleRssKiB: idle, peakRssKiB: idle, startupRounds: [target.startupMillis], idleRounds: [idle] });
        }
        log(`  ${target.label.padEnd(13)} first send accepted ${target.startupMillis} ms after spawn; idle RSS ${(idle / 1024).toFixed(0)} MiB`);
      }
      for (const bodySize of config.bodySizes) {
        for (const threads of config.threads) {
          log(`${flush} round ${round}: ${bodySize} B, ${threads} producer threads`);
          for (const target of rotated(targets, cell + round)) await producerCell(target, flush, bodySize, threads, round, peak);
          cell++;
        }
      }
      if (round === config.rounds) {
        const brokers = targets.filter((target) => target.label !== 'null-broker');
        log(`${flush}: consume from the backlog, then end-to-end latency`);
        for (const target of brokers) await consumeBacklog(target, flush, peak);
        for (const target of brokers) await endToEnd(target, flush, peak);
      }
    } finally {
      for (const target of targets) await target.stop().catch((error: unknown) => results.notes.push(`stopping ${target.label}: ${String(error)}`));
      rmSync(settings.workDir, { recursive: true, force: true });
    }
  }
  for (const [label, fig] of figures) {
    const { startupRounds, idleRounds, ...kept } = fig;
    results.targets.push({ ...kept, startupMillis: median(startupRounds), idleRssKiB: median(idleRounds), peakRssKiB: Math.max(fig.peakRssKiB, peak.get(label) ?? 0) });
  }
}

/** Full only: send a growing backlog to one broker at a time, then consume it from its start. */
async function scalePhase(): Promise<void> {
  const topic = 'BenchScale';
  for (const start of [
    ...(process.env.BENCH_SCALE_OURS === 'false' ? [] : [(s: TargetSettings) => startRocketmqTs(s)]),
    ...config.apacheVersions.map((version) => (s: TargetSettings) => startApache(version, s)),
  ]) {
    const settings: TargetSettings = { flushDiskType: 'ASYNC_FLUSH', workDir: join(workRoot, 'scale'), topics: [topic] };
    const target = await start(settings);
    log(`scale: ${config.backlog} messages of 128 B to ${target.label} (Producer -w 64)`);
    try {
      let messages = 0;
      const began = Date.now();
      await runTool('Producer', {
        namesrvAddr: target.namesrvAddr,
        args: ['-t', topic, '-w', '64', '-s', '128', '-k', 'false', '-q', String(config.backlog)],
        seconds: Math.max(3600, config.backlog / 2000),
        runDir: join(workRoot, 'tools'),
        onLine: (line) => {
          const report = parseProducerLine(line);
          if (!report || line.includes('[Complete]')) return;
          messages += report.sendTps * 10;
          const rssKiB = totalRssKiB(target.pids);
          results.scale.push({ target: target.label, messages, tps: report.sendTps, rssKiB, elapsedSeconds: (Date.now() - began) / 1000 });
          if (results.scale.length % 30 === 0) log(`  ${target.label}: ${(messages / 1e6).toFixed(1)} M messages, ${report.sendTps} TPS, RSS ${(rssKiB / 1024).toFixed(0)} MiB`);
        },
      });
      const stored = await topicMessageCount(target.brokerAddr, topic);
      const group = `bench_scale_${Date.now()}`;
      await resetGroupToStart(target.brokerAddr, group, topic);
      const reports = (await runTool('Consumer', { namesrvAddr: target.namesrvAddr, args: ['-t', topic, '-g', group], seconds: 61.5, runDir: join(workRoot, 'tools') }))
        .output.split('\n')
        .map(parseConsumerLine)
        .filter((report) => report !== null);
      const tps = reports.length > 0 ? reports.reduce((sum, r) => sum + r.tps, 0) / reports.length : Number.NaN;
      results.consumes.push({ target: target.label, flush: 'ASYNC_FLUSH', kind: 'scale-backlog', tps, avgB2CMillis: Number.NaN, maxB2CMillis: Number.NaN, backlog: stored });
      log(`  ${target.label}: ${stored} stored; Consumer from the start: ${Math.round(tps)} TPS`);
    } finally {
      await target.stop();
      rmSync(settings.workDir, { recursive: true, force: true });
    }
  }
}

function save(): void {
  mkdirSync(resultsDir, { recursive: true });
  results.finishedAt = new Date().toISOString();
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(resultsDir, 'latest.md'), renderMarkdown(results));
}

async function main(): Promise<void> {
  mkdirSync(workRoot, { recursive: true });
  process.once('SIGINT', () => {
    rmSync(workRoot, { recursive: true, force: true });
    process.exit(130);
  });
  log(`rocketmq-ts side-by-side benchmark (${results.mode}); machine: ${results.machine.cores} × ${results.machine.cpus}, ${results.machine.memoryGiB} GiB`);
  try {
    for (const flush of scaleOnly ? [] : config.flushes) {
      await flushPhase(flush);
      save();
    }
    if (full && process.env.BENCH_SCALE !== 'false') await scalePhase();
  } finally {
    save();
    await renderCharts(results, resultsDir);
    rmSync(workRoot, { recursive: true, force: true });
  }
  log(`results: bench/results/latest.md, latest.json and *.png`);
}

await main();
