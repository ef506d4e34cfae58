/**
 * SQL92 filter and message trace benchmark (`npm run bench:filter-trace`): prints figures,
 * asserts nothing. The same TypeScript client drives rocketmq-ts (a child process, so the
 * broker has its own event loop) and Apache RocketMQ 4.8.0 in turn, each on a fresh store with
 * enablePropertyFilter=true and traceTopicEnable=true:
 *
 *   pull   BENCH_MESSAGES messages (256 B, property a = i % 100, sent in batches of 100) are
 *          drained by a LitePullConsumer from the first offset: once with "*" (every message)
 *          and once with the SQL92 selector "a < 10" (10 % of them, filtered by the broker).
 *          Figures: messages the broker went through per second, messages delivered per second.
 *   trace  BENCH_SECONDS of BENCH_CONCURRENCY concurrent sync sends (1 KiB) by a Producer with
 *          enableMsgTrace off and on (a Pub record per send to RMQ_SYS_TRACE_TOPIC), after one
 *          unreported warm-up run, the order alternating between rounds.
 *
 * Environment: BENCH_MESSAGES (200000), BENCH_SECONDS (5), BENCH_CONCURRENCY (16),
 * BENCH_ROUNDS (3; the best round is reported), BENCH_ONLY (rocketmq-ts or apache).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LitePullConsumer, type Message, type MessageSelector, Producer } from '@rocketmq-ts/client';
import { startRocketmqTsProcess } from '../interop/lib/rocketmq-ts-process.ts';
import { startApacheTarget } from '../interop/lib/targets.ts';

const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 200_000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const ONLY = process.env['BENCH_ONLY'];
const SQL = 'a < 10';

interface PullFigures {
  scannedPerSec: number;
  deliveredPerSec: number;
  delivered: number;
  seconds: number;
}

interface SendFigures {
  tps: number;
  /** CPU time of this (client) process over the run, in % of one core. */
  clientCpu: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
}

let counter = 0;

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

async function preload(namesrvAddr: string, topic: string): Promise<void> {
  const producer = new Producer({ groupName: `bench_ft_load_${process.pid}`, namesrvAddr });
  await producer.start();
  const body = Buffer.alloc(256, 7);
  try {
    await producer.send({ topic, body, properties: { a: '100' } }); // creates the topic (not counted by either drain: a = 100)
    for (let i = 0; i < MESSAGES; i += 100) {
      const batch: Message[] = [];
      for (let j = i; j < Math.min(MESSAGES, i + 100); j++) batch.push({ topic, body, properties: { a: String(j % 100) } });
      await producer.sendBatch(batch);
    }
  } finally {
    await producer.shutdown();
  }
}

/** Drains the topic from the first offset with a fresh group; `expected` deliveries end the run. */
async function drain(namesrvAddr: string, topic: string, selector: string | MessageSelector, expected: number): Promise<PullFigures> {
  const consumer = new LitePullConsumer({ groupName: `bench_ft_pull_${process.pid}_${++counter}`, namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', autoCommit: false });
  consumer.subscribe(topic, selector);
  const started = performance.now();
  await consumer.start();
  let delivered = 0;
  try {
    const deadline = started + 300_000;
    while (delivered < expected && performance.now() < deadline) delivered += (await consumer.poll(1000)).length;
  } finally {
    await consumer.shutdown();
  }
  const seconds = (performance.now() - started) / 1000;
  return { scannedPerSec: (MESSAGES + 1) / seconds, deliveredPerSec: delivered / seconds, delivered, seconds };
}

async function sendLoad(namesrvAddr: string, traced: boolean): Promise<SendFigures> {
  const producer = new Producer({ groupName: `bench_ft_send_${process.pid}_${++counter}`, namesrvAddr, enableMsgTrace: traced });
  await producer.start();
  const topic = `BenchTrace_${process.pid}_${counter}`;
  const body = Buffer.alloc(1024, 7);
  try {
    await producer.send({ topic, body }); // creates the topic, warms the route (and the trace producer)
    const latencies: number[] = [];
    let failed = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < deadline) {
          const began = performance.now();
          try {
            await producer.send({ topic, body, keys: `k${counter}` });
            latencies.push(performance.now() - began);
          } catch {
            failed++;
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    latencies.sort((a, b) => a - b);
    return { tps: latencies.length / elapsed, clientCpu: (used.user + used.system) / 1e4 / elapsed, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), failed };
  } finally {
    await producer.shutdown(); // flushes the trace records still queued
  }
}

const best = <T>(list: T[], key: (t: T) => number): T => list.reduce((a, b) => (key(b) > key(a) ? b : a));

async function onServer(name: string): Promise<{ all: PullFigures; sql: PullFigures; off: SendFigures; on: SendFigures }> {
  const root = await mkdtemp(join(tmpdir(), 'rmqts-bench-ft-'));
  const server =
    name === 'rocketmq-ts'
      ? await startRocketmqTsProcess({ storeDir: join(root, 'store'), brokerConfig: { enablePropertyFilter: true, traceTopicEnable: true } }).then((p) => ({ namesrvAddr: p.namesrvAddr, stop: () => p.kill() }))
      : await startApacheTarget('bench-ft', { enablePropertyFilter: 'true', traceTopicEnable: 'true' });
  try {
    const topic = `BenchSql_${process.pid}_${++counter}`;
    await preload(server.namesrvAddr, topic);
    const all: PullFigures[] = [];
    const sql: PullFigures[] = [];
    const off: SendFigures[] = [];
    const on: SendFigures[] = [];
    await sendLoad(server.namesrvAddr, true); // warm-up (JIT, page cache), not reported
    for (let round = 0; round < ROUNDS; round++) {
      all.push(await drain(server.namesrvAddr, topic, '*', MESSAGES + 1));
      sql.push(await drain(server.namesrvAddr, topic, { sql: SQL }, MESSAGES / 10));
      if (round % 2 === 0) {
        off.push(await sendLoad(server.namesrvAddr, false));
        on.push(await sendLoad(server.namesrvAddr, true));
      } else {
        on.push(await sendLoad(server.namesrvAddr, true));
        off.push(await sendLoad(server.namesrvAddr, false));
      }
    }
    return { all: best(all, (f) => f.scannedPerSec), sql: best(sql, (f) => f.scannedPerSec), off: best(off, (f) => f.tps), on: best(on, (f) => f.tps) };
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}

const pullRows: string[] = [];
const sendRows: string[] = [];
for (const name of ['rocketmq-ts', 'Apache RocketMQ 4.8.0']) {
  if (ONLY && !name.toLowerCase().includes(ONLY.toLowerCase())) continue;
  const f = await onServer(name);
  const pull = (kind: string, p: PullFigures) => `| ${name} | ${kind} | ${p.delivered} | ${p.seconds.toFixed(2)} | ${p.scannedPerSec.toFixed(0)} | ${p.deliveredPerSec.toFixed(0)} |`;
  pullRows.push(pull('"*" (all)', f.all), pull(`SQL92 "${SQL}" (10 %)`, f.sql));
  const send = (kind: string, s: SendFigures) => `| ${name} | ${kind} | ${s.tps.toFixed(0)} | ${s.p50Ms.toFixed(2)} | ${s.p99Ms.toFixed(2)} | ${s.clientCpu.toFixed(0)} | ${s.failed} |`;
  sendRows.push(send('trace off', f.off), send('trace on', f.on), `| ${name} | on / off | ${(f.on.tps / f.off.tps).toFixed(2)} | | | | |`);
}
console.log(`TypeScript client; pull: ${MESSAGES} messages of 256 B drained by a LitePullConsumer; send: ${CONCURRENCY} concurrent, 1 KiB, ${SECONDS} s; best of ${ROUNDS}\n`);
console.log('| server | pull subscription | delivered | seconds | scanned msg/s | delivered msg/s |\n|---|---|---|---|---|---|');
for (const row of pullRows) console.log(row);
console.log('\n| server | producer | TPS | p50 ms | p99 ms | client CPU % | failed |\n|---|---|---|---|---|---|---|');
for (const row of sendRows) console.log(row);
