/**
 * Client benchmark (`npm run bench:client`): prints figures, asserts nothing.
 *
 * Our TypeScript client and the official Java client 4.8.0 (interop/java ClientBench) take
 * turns against the same rocketmq-ts broker (a child process, so the broker does not share the
 * client's event loop), several rounds, Java and TypeScript alternating:
 *
 *   sync    N concurrent sync sends (N async loops / N Java threads): TPS, avg/p50/p99 RT
 *   oneway  N concurrent one-way sends: TPS
 *   e2e     a push consumer, one-way sends at a fixed rate: send → listener latency p50/p99/max
 *
 * Environment: BENCH_SECONDS (default 5), BENCH_ROUNDS (2), BENCH_SIZE (1024), BENCH_RATE (2000 msg/s),
 * BENCH_ONLY (sync, oneway or e2e: run only those cases).
 * Each run gets a fresh topic; the best round (TPS) / the median round (latency) is reported.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Producer, PushConsumer } from '@rocketmq-ts/client';
import { startRocketmqTsProcess } from '../interop/lib/rocketmq-ts-process.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const SIZE = Number(process.env['BENCH_SIZE'] ?? 1024);
const RATE = Number(process.env['BENCH_RATE'] ?? 2000);

interface Figures {
  tps?: number;
  avgMs?: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  received?: number;
  sent?: number;
}

let topicCounter = 0;
const topicName = (what: string) => `Bench_${what}_${process.pid}_${++topicCounter}`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

async function tsSends(namesrvAddr: string, oneway: boolean, concurrency: number): Promise<Figures> {
  const topic = topicName(oneway ? 'oneway' : 'sync');
  const producer = new Producer({ groupName: 'bench_ts_producer', namesrvAddr });
  await producer.start();
  const body = Buffer.alloc(SIZE, 7);
  await producer.send({ topic, body, tags: 'warm' });
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const began = performance.now();
        try {
          if (oneway) await producer.sendOneway({ topic, body, tags: 'bench' });
          else await producer.send({ topic, body, tags: 'bench' });
          latencies.push(performance.now() - began);
        } catch {
          failed++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await producer.shutdown();
  latencies.sort((a, b) => a - b);
  if (failed > 0) console.error(`  (TypeScript ${oneway ? 'oneway' : 'sync'} x${concurrency}: ${failed} failed sends)`);
  return {
    tps: latencies.length / elapsed,
    avgMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

async function tsEndToEnd(namesrvAddr: string): Promise<Figures> {
  const topic = topicName('e2e');
  const producer = new Producer({ groupName: 'bench_ts_producer', namesrvAddr });
  await producer.start();
  await producer.send({ topic, body: 'warm', tags: 'warm' });
  const total = SECONDS * RATE;
  const latencies: number[] = [];
  const consumer = new PushConsumer({ groupName: `bench_ts_consumer_${topicCounter}`, namesrvAddr });
  consumer.subscribe(topic, 'e2e').onMessage((message) => {
    latencies.push(Number(process.hrtime.bigint() - BigInt(message.body.toString('latin1', 0, 20).trim())) / 1e6);
  });
  await consumer.start();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const body = Buffer.alloc(Math.max(SIZE, 20), 7);
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const copy = Buffer.from(body);
    copy.write(process.hrtime.bigint().toString().padStart(20, ' '), 0, 'latin1');
    await producer.sendOneway({ topic, body: copy, tags: 'e2e' });
  }
  const deadline = Date.now() + 30_000;
  while (latencies.length < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await consumer.shutdown();
  await producer.shutdown();
  const sorted = [...latencies].sort((a, b) => a - b);
  return { sent: total, received: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted.at(-1) ?? 0 };
}

function javaClasspath(): string | undefined {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const classpathFile = `${repo}interop/java/target/classpath.txt`;
  if (spawnSync('java', ['-version']).status !== 0) return undefined;
  if (!existsSync(classpathFile) || !existsSync(`${repo}interop/java/target/classes/io/rocketmqts/interop/ClientBench.class`)) {
    execFileSync('mvn', ['-B', '-q', '-Dstyle.color=never', 'compile', 'dependency:build-classpath', '-Dmdep.outputFile=target/classpath.txt'], {
      cwd: `${repo}interop/java`,
      stdio: 'ignore',
    });
  }
  return `${repo}interop/java/target/classes:${readFileSync(classpathFile, 'utf8').trim()}`;
}

function javaRun(classpath: string, namesrvAddr: string, mode: string, concurrency: number): Figures {
  const out = execFileSync(
    'java',
    [
      '-Xms512m', '-Xmx512m', '--add-opens', 'java.base/java.nio=ALL-UNNAMED', '-Drocketmq.client.logUseSlf4j=false', '-Drocketmq.client.logRoot=' + tmpdir(),
      '-cp', classpath, 'io.rocketmqts.interop.ClientBench',
      '--namesrv', namesrvAddr, '--topic', topicName(`java_${mode}`), '--mode', mode, '--concurrency', String(concurrency),
      '--seconds', String(SECONDS), '--size', String(SIZE), '--rate', String(RATE), '--group', `bench_java_${topicCounter}`,
    ],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const line = out.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (!line) throw new Error(`ClientBench printed no result:\n${out}`);
  return JSON.parse(line) as Figures;
}

const best = (runs: Figures[]): Figures => runs.reduce((a, b) => ((b.tps ?? 0) > (a.tps ?? 0) ? b : a));
const median = (runs: Figures[]): Figures => [...runs].sort((a, b) => (a.p50Ms ?? 0) - (b.p50Ms ?? 0))[Math.floor(runs.length / 2)]!;
const f = (n: number | undefined, digits = 0) => (n === undefined ? '–' : n.toFixed(digits));

const root = await mkdtemp(join(tmpdir(), 'rmqts-bench-client-'));
const broker = await startRocketmqTsProcess({ storeDir: join(root, 'store'), tmpDir: root, brokerConfig: { maxHashSlotNum: 5_000_000 } });
const classpath = javaClasspath();
console.log(`client benchmark: ${SECONDS} s per run, ${ROUNDS} rounds, ${SIZE} B bodies, e2e at ${RATE} msg/s; broker = rocketmq-ts (pid ${broker.pid})`);
if (!classpath) console.log('(no Java: the Java client columns stay empty)');

const cases: { name: string; mode: 'sync' | 'oneway' | 'e2e'; concurrency: number }[] = [
  { name: 'sync send, 1 in flight', mode: 'sync', concurrency: 1 },
  { name: 'sync send, 16 concurrent', mode: 'sync', concurrency: 16 },
  { name: 'sync send, 64 concurrent', mode: 'sync', concurrency: 64 },
  { name: 'oneway send, 16 concurrent', mode: 'oneway', concurrency: 16 },
  { name: `end-to-end at ${RATE} msg/s`, mode: 'e2e', concurrency: 1 },
];

const only = process.env['BENCH_ONLY'];
const rows: string[] = [];
try {
  for (const c of cases.filter((x) => !only || only.split(',').includes(x.mode))) {
    const ours: Figures[] = [];
    const java: Figures[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const runTs = async () => ours.push(c.mode === 'e2e' ? await tsEndToEnd(broker.namesrvAddr) : await tsSends(broker.namesrvAddr, c.mode === 'oneway', c.concurrency));
      const runJava = () => {
        if (classpath) java.push(javaRun(classpath, broker.namesrvAddr, c.mode, c.concurrency));
      };
      if (round % 2 === 0) {
        await runTs();
        runJava();
      } else {
        runJava();
        await runTs();
      }
    }
    if (c.mode === 'e2e') {
      const o = median(ours);
      const j = java.length > 0 ? median(java) : undefined;
      rows.push(`| ${c.name} | p50 ${f(o.p50Ms, 1)} / p99 ${f(o.p99Ms, 1)} / max ${f(o.maxMs, 1)} ms (${o.received}/${o.sent}) | ${j ? `p50 ${f(j.p50Ms, 1)} / p99 ${f(j.p99Ms, 1)} / max ${f(j.maxMs, 1)} ms (${j.received}/${j.sent})` : '–'} | ${j ? f((o.p99Ms ?? 0) / (j.p99Ms || 1), 2) + '× (p99)' : '–'} |`);
    } else {
      const o = best(ours);
      const j = java.length > 0 ? best(java) : undefined;
      const rt = (x: Figures) => (c.mode === 'sync' ? ` (avg ${f(x.avgMs, 2)}, p99 ${f(x.p99Ms, 2)} ms)` : '');
      rows.push(`| ${c.name} | ${f(o.tps)} msg/s${rt(o)} | ${j ? `${f(j.tps)} msg/s${rt(j)}` : '–'} | ${j ? f((o.tps ?? 0) / (j.tps || 1), 2) + '×' : '–'} |`);
    }
    console.log(rows.at(-1));
  }
} finally {
  await broker.kill();
  await rm(root, { recursive: true, force: true });
}

console.log('\n| case | @rocketmq-ts/client | Java client 4.8.0 | ours / Java |\n|---|---|---|---|');
for (const row of rows) console.log(row);
