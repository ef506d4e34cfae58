/**
 * Timer-message benchmark (`npm run bench:timer`): prints figures, asserts nothing.
 *
 * Our name server + broker run in a child process (timer-broker-child.ts) so its memory can be
 * read. The benchmark measures the broker's RSS and heap empty (after start), then sends
 * BENCH_TIMERS (default 1,000,000) messages with TIMER_DELIVER_MS spread evenly over
 * BENCH_SPREAD_S seconds starting BENCH_DUE_AFTER_S seconds after the run began, reads the memory
 * again while they are all pending, pulls the real topic with long polling and reports the
 * lateness of each delivery: broker (store time of the delivered copy − deliver time asked) and
 * consumer (time pulled − deliver time asked), p50/p99/max.
 *
 * Environment: BENCH_TIMERS, BENCH_SPREAD_S (60), BENCH_DUE_AFTER_S (120), BENCH_DIR (temp dir).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRequest,
  decodeStoredMessages,
  encodeHeader,
  encodeProperties,
  PullMessageRequestHeader,
  PullSysFlag,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';

const COUNT = Number(process.env.BENCH_TIMERS ?? 1_000_000);
const SPREAD_MS = Number(process.env.BENCH_SPREAD_S ?? 60) * 1000;
const DUE_AFTER_MS = Number(process.env.BENCH_DUE_AFTER_S ?? 120) * 1000;
const QUEUES = 4;
const SENDERS = 128;
const BODY = Buffer.alloc(100, 0x61);
const MiB = 1024 * 1024;

interface Mem {
  rss: number;
  heapUsed: number;
  external: number;
  pending: number;
}

function startBroker(storeDir: string): Promise<{ child: ChildProcess; namesrvAddr: string; brokerAddr: string }> {
  const child = fork(new URL('./timer-broker-child.ts', import.meta.url).pathname, [storeDir], {
    execArgv: ['--import', 'tsx', '--conditions=rocketmq-ts-source', '--expose-gc'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\S+) (\S+)/.exec(out);
      if (match) resolve({ child, namesrvAddr: match[1]!, brokerAddr: match[2]! });
    });
    child.on('exit', (code) => reject(new Error(`the broker child exited with ${code}`)));
  });
}

function memoryOf(child: ChildProcess): Promise<Mem> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve(message as Mem));
    child.send('mem');
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const started = Date.now();
const dir = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'rmqts-timer-bench-'));
const { child, brokerAddr } = await startBroker(join(dir, 'store'));
const client = new RemotingClient();
const topic = `timer_bench_${Date.now()}`;
try {
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const empty = await memoryOf(child);

  const dueFrom = started + DUE_AFTER_MS;
  const sendStart = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < COUNT) {
        const i = next++;
        const deliverMs = dueFrom + Math.floor((i / COUNT) * SPREAD_MS);
        const response = await client.invoke(
          brokerAddr,
          createRequest(RequestCode.SEND_MESSAGE_V2, {
            extFields: encodeHeader(SendMessageRequestHeaderV2, {
              producerGroup: 'timer_bench',
              topic,
              defaultTopic: 'TBW102',
              defaultTopicQueueNums: QUEUES,
              queueId: i % QUEUES,
              sysFlag: 0,
              bornTimestamp: Date.now(),
              flag: 0,
              properties: encodeProperties({ TIMER_DELIVER_MS: String(deliverMs), KEYS: String(i), WAIT: 'false' }),
            }),
            body: BODY,
          }),
          30_000,
        );
        if (response.code !== ResponseCode.SUCCESS) throw new Error(`send ${i}: ${response.code} ${response.remark}`);
      }
    }),
  );
  const sendMillis = Date.now() - sendStart;
  // Let the enqueue catch up before reading the pending figures.
  let pendingMem = await memoryOf(child);
  while (pendingMem.pending < COUNT && Date.now() < dueFrom - 2_000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    pendingMem = await memoryOf(child);
  }
  const pendingAt = Date.now();

  const brokerLate = new Float64Array(COUNT);
  const consumerLate = new Float64Array(COUNT);
  const seen = new Uint8Array(COUNT);
  let received = 0;
  let duplicates = 0;
  let early = 0;
  let peak = pendingMem;
  const sampler = setInterval(() => {
    void memoryOf(child).then((m) => {
      if (m.rss > peak.rss) peak = m;
    });
  }, 5_000);
  const deadline = dueFrom + SPREAD_MS + 120_000;
  await Promise.all(
    Array.from({ length: QUEUES }, async (_, queueId) => {
      let offset = 0;
      while (received < COUNT && Date.now() < deadline) {
        const response = await client.invoke(
          brokerAddr,
          createRequest(RequestCode.PULL_MESSAGE, {
            extFields: encodeHeader(PullMessageRequestHeader, {
              consumerGroup: 'timer_bench_consumer',
              topic,
              queueId,
              queueOffset: offset,
              maxMsgNums: 32,
              sysFlag: PullSysFlag.SUBSCRIPTION | PullSysFlag.SUSPEND,
              commitOffset: 0,
              suspendTimeoutMillis: 5_000,
              subscription: '*',
              subVersion: 0,
              expressionType: 'TAG',
            }),
          }),
          15_000,
        );
        if (response.code !== ResponseCode.SUCCESS) {
          offset = Number(response.extFields?.['nextBeginOffset'] ?? offset);
          continue;
        }
        const now = Date.now();
        for (const message of decodeStoredMessages(response.body!)) {
          const i = Number(message.properties.KEYS);
          const deliverMs = Number(message.properties.TIMER_DELIVER_MS);
          if (seen[i]) {
            duplicates++;
            continue;
          }
          seen[i] = 1;
          brokerLate[received] = message.storeTimestamp - deliverMs;
          consumerLate[received] = now - deliverMs;
          if (message.storeTimestamp < deliverMs) early++;
          received++;
        }
        offset = Number(response.extFields?.['nextBeginOffset'] ?? offset);
      }
    }),
  );
  clearInterval(sampler);
  const broker = brokerLate.subarray(0, received).sort();
  const consumer = consumerLate.subarray(0, received).sort();
  const row = (name: string, value: string): string => `| ${name.padEnd(48)} | ${value.padStart(16)} |`;
  const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
  console.log(`\ntimer benchmark: ${COUNT.toLocaleString('en')} timers due over ${SPREAD_MS / 1000} s, ${((dueFrom - started) / 1000).toFixed(0)} s after start\n`);
  console.log(row('figure', 'value'));
  console.log(`|${'-'.repeat(50)}|${'-'.repeat(18)}|`);
  console.log(row('send time (128 concurrent senders)', `${(sendMillis / 1000).toFixed(1)} s`));
  console.log(row('send rate', `${Math.round(COUNT / (sendMillis / 1000)).toLocaleString('en')}/s`));
  console.log(row('broker RSS, empty', mib(empty.rss)));
  console.log(row('broker heap used, empty', mib(empty.heapUsed)));
  console.log(row(`broker RSS, ${pendingMem.pending.toLocaleString('en')} pending`, mib(pendingMem.rss)));
  console.log(row('broker heap used, all pending', mib(pendingMem.heapUsed)));
  console.log(row('broker RSS, peak while delivering', mib(peak.rss)));
  console.log(row('broker heap used at that peak', mib(peak.heapUsed)));
  console.log(row('pending measured ms before the first due time', `${dueFrom - pendingAt}`));
  console.log(row('delivered / duplicates / early', `${received} / ${duplicates} / ${early}`));
  console.log(row('broker lateness p50 / p99 / max (ms)', `${percentile(broker, 50)} / ${percentile(broker, 99)} / ${broker[broker.length - 1] ?? NaN}`));
  console.log(row('consumer lateness p50 / p99 / max (ms)', `${percentile(consumer, 50)} / ${percentile(consumer, 99)} / ${consumer[consumer.length - 1] ?? NaN}`));
} finally {
  await client.close();
  child.disconnect();
  await new Promise((resolve) => child.once('exit', resolve));
  await rm(dir, { recursive: true, force: true });
}
