/**
 * Transactional send benchmark (`npm run bench:transaction`): prints figures, asserts nothing.
 *
 * The same TypeScript client drives rocketmq-ts (a child process, so the broker has its own
 * event loop) and Apache RocketMQ 4.8.0 in turn, each on a fresh store:
 *
 *   plain  N concurrent sync sends (Producer.send)
 *   tx     N concurrent transactions (TransactionProducer.sendMessageInTransaction, local
 *          transaction answers COMMIT_MESSAGE at once): half message + END_TRANSACTION, then the
 *          broker's commit copy and op record
 *
 * Environment: BENCH_SECONDS (default 5), BENCH_CONCURRENCY (16), BENCH_SIZE (1024),
 * BENCH_ROUNDS (2; the best round is reported), BENCH_ONLY (rocketmq-ts or apache).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer, TransactionProducer } from '@rocketmq-ts/client';
import { startRocketmqTsProcess } from '../interop/lib/rocketmq-ts-process.ts';
import { startApacheTarget } from '../interop/lib/targets.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const SIZE = Number(process.env['BENCH_SIZE'] ?? 1024);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const ONLY = process.env['BENCH_ONLY'];

interface Figures {
  tps: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
}

let counter = 0;

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

async function measure(send: () => Promise<unknown>): Promise<Figures> {
  await send(); // creates the topic, warms the route
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const began = performance.now();
        try {
          await send();
          latencies.push(performance.now() - began);
        } catch {
          failed++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { tps: latencies.length / elapsed, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), failed };
}

async function plain(namesrvAddr: string): Promise<Figures> {
  const producer = new Producer({ groupName: `bench_plain_${process.pid}`, namesrvAddr });
  await producer.start();
  const topic = `BenchTxPlain_${process.pid}_${++counter}`;
  const body = Buffer.alloc(SIZE, 7);
  try {
    return await measure(() => producer.send({ topic, body }));
  } finally {
    await producer.shutdown();
  }
}

async function transactional(namesrvAddr: string): Promise<Figures> {
  const producer = new TransactionProducer({ groupName: `bench_tx_${process.pid}_${counter}`, namesrvAddr, checkLocalTransaction: async () => 'COMMIT_MESSAGE' });
  await producer.start();
  const topic = `BenchTx_${process.pid}_${++counter}`;
  const body = Buffer.alloc(SIZE, 7);
  try {
    return await measure(async () => {
      const result = await producer.sendMessageInTransaction({ topic, body }, async () => 'COMMIT_MESSAGE');
      if (result.localTransactionState !== 'COMMIT_MESSAGE') throw new Error(result.localTransactionState);
    });
  } finally {
    await producer.shutdown();
  }
}

async function onServer(name: string): Promise<{ plain: Figures; tx: Figures }> {
  const root = await mkdtemp(join(tmpdir(), 'rmqts-bench-tx-'));
  const server =
    name === 'rocketmq-ts'
      ? await startRocketmqTsProcess({ storeDir: join(root, 'store') }).then((p) => ({ namesrvAddr: p.namesrvAddr, stop: () => p.kill() }))
      : await startApacheTarget('bench-tx');
  try {
    const best = { plain: undefined as Figures | undefined, tx: undefined as Figures | undefined };
    for (let round = 0; round < ROUNDS; round++) {
      const p = await plain(server.namesrvAddr);
      const t = await transactional(server.namesrvAddr);
      if (!best.plain || p.tps > best.plain.tps) best.plain = p;
      if (!best.tx || t.tps > best.tx.tps) best.tx = t;
    }
    return { plain: best.plain!, tx: best.tx! };
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}

const rows: string[] = [];
for (const name of ['rocketmq-ts', 'Apache RocketMQ 4.8.0']) {
  if (ONLY && !name.toLowerCase().includes(ONLY.toLowerCase())) continue;
  const { plain: p, tx } = await onServer(name);
  const line = (kind: string, f: Figures) => `| ${name} | ${kind} | ${f.tps.toFixed(0)} | ${f.p50Ms.toFixed(2)} | ${f.p99Ms.toFixed(2)} | ${f.failed} |`;
  rows.push(line('plain send', p), line('transactional send', tx), `| ${name} | tx / plain | ${(tx.tps / p.tps).toFixed(2)} | | | |`);
}
console.log(`TypeScript client, ${CONCURRENCY} concurrent, ${SIZE} B bodies, ${SECONDS} s per run, best of ${ROUNDS}\n`);
console.log('| server | kind | TPS | p50 ms | p99 ms | failed |\n|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
