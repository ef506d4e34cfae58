/**
 * The reliability torture run (issue 22). Each line kills, starves or attacks a real broker
 * and checks that nothing acknowledged is lost; the figures go into docs/reliability.md.
 *
 *   npm run torture       long: 1,000 kill -9 cycles per flush mode, 10,000,000 fuzzed frames, ...
 *   npm run torture:ci    short: 25 cycles per flush mode, 100,000 fuzzed frames, ... (CI, ~3 min)
 *
 * Options: --only kill9,diskfull,network,consumer,fuzz,idle   --cycles N   --no-write (leave docs/reliability.md)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { freeBrokerPort } from '@rocketmq-ts/server/internal';
import { MessageStore, type MessageToStore } from '@rocketmq-ts/store';
import { FaultProxy } from './torture/fault-proxy.ts';

const args = process.argv.slice(2);
const ci = args.includes('--ci');
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]!.split(',')) : undefined;
const wanted = (name: string): boolean => !only || only.has(name);
const plan = ci
  ? { cycles: 25, fuzzFrames: 100_000, idle: 2_000, networkSeconds: 10, consumerKills: 5 }
  : { cycles: 1_000, fuzzFrames: 10_000_000, idle: 10_000, networkSeconds: 120, consumerKills: 100 };
if (args.includes('--cycles')) plan.cycles = Number(args[args.indexOf('--cycles') + 1]);
const childScript = fileURLToPath(new URL('./torture/broker-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

interface Row {
  line: string;
  cycles: string;
  acknowledged: number | string;
  lost: number | string;
  duplicated: number | string;
  other: string;
  peakRssMiB: string;
  rerun: string;
}
const rows: Row[] = [];
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number): string => (bytes / 1048576).toFixed(0);

// ---- a broker child ----------------------------------------------------------------------

interface BrokerChild {
  proc: ChildProcess;
  addr: string;
  namesrvAddr: string;
  startMs: number;
  peakRss: () => number;
}

async function startBroker(storeDir: string, port: number, flush: string, segmentSize?: number): Promise<BrokerChild> {
  const started = performance.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', childScript, storeDir, String(port), flush, ...(segmentSize ? [String(segmentSize)] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: repoRoot,
  });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
  let peak = 0;
  const [addr, namesrvAddr] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const match of out.matchAll(/rss (\d+)/g)) peak = Math.max(peak, Number(match[1]));
      const ready = /ready (\S+) (\S+)/.exec(out);
      if (ready) resolve([ready[1]!, ready[2]!]);
      out = out.slice(-200);
    });
    proc.once('exit', (code, signal) => reject(new Error(`broker child exited (${code ?? signal}) before ready: ${stderr}`)));
  });
  return { proc, addr, namesrvAddr, startMs: performance.now() - started, peakRss: () => peak };
}

async function kill9(child: BrokerChild): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  const exited = new Promise((resolve) => child.proc.once('exit', resolve));
  child.proc.kill('SIGKILL');
  await exited;
}

function sendRequest(topic: string, id: string, queueId: number) {
  return createRequest(RequestCode.SEND_MESSAGE_V2, {
    extFields: encodeHeader(SendMessageRequestHeaderV2, {
      producerGroup: 'torture_pg',
      topic,
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId,
      sysFlag: 0,
      bornTimestamp: Date.now(),
      flag: 0,
      properties: encodeProperties({ KEYS: id }),
    }),
    body: Buffer.from(id),
  });
}

/** Every message body in the topic's 4 queues, with how often it is there. */
async function readAll(client: RemotingClient, addr: string, topic: string): Promise<Map<string, number>> {
  const stored = new Map<string, number>();
  for (let queueId = 0; queueId < 4; queueId++) {
    let next = 0;
    for (;;) {
      const response = await client.invoke(
        addr,
        createRequest(RequestCode.PULL_MESSAGE, {
          extFields: encodeHeader(PullMessageRequestHeader, {
            consumerGroup: 'torture_reader',
            topic,
            queueId,
            queueOffset: next,
            maxMsgNums: 32,
            sysFlag: PullSysFlag.SUBSCRIPTION,
            commitOffset: 0,
            suspendTimeoutMillis: 0,
            subscription: '*',
            subVersion: 0,
            expressionType: 'TAG',
          }),
        }),
        10_000,
      );
      if (response.code !== ResponseCode.SUCCESS) break;
      for (const message of decodeStoredMessages(response.body!)) {
        const id = message.body.toString();
        stored.set(id, (stored.get(id) ?? 0) + 1);
      }
      next = Number(response.extFields!['nextBeginOffset']);
    }
  }
  return stored;
}

function verdict(acknowledged: Set<string>, stored: Map<string, number>): { lost: number; duplicated: number } {
  let lost = 0;
  for (const id of acknowledged) if (!stored.has(id)) lost++;
  let duplicated = 0;
  for (const count of stored.values()) if (count > 1) duplicated += count - 1;
  return { lost, duplicated };
}

/** Producers sending until `running()` is false; each SUCCESS goes into `acknowledged`. */
function produce(client: RemotingClient, addr: () => string, topic: string, acknowledged: Set<string>, running: () => boolean, concurrency = 4): Promise<void>[] {
  return Array.from({ length: concurrency }, async (_, worker) => {
    let n = 0;
    while (running()) {
      const id = `${worker}-${randomUUID()}`;
      try {
        const response = await client.invoke(addr(), sendRequest(topic, id, n++ % 4), 3000);
        if (response.code === ResponseCode.SUCCESS) acknowledged.add(id);
      } catch {
        await sleep(20); // down or cut off: not acknowledged, so it may or may not be stored
      }
    }
  });
}

// ---- kill -9 under load ------------------------------------------------------------------

async function killUnderLoad(flush: 'SYNC_FLUSH' | 'ASYNC_FLUSH'): Promise<void> {
  const storeDir = await mkdtemp(join(tmpdir(), 'rmqts-torture-kill-'));
  const port = await freeBrokerPort();
  const topic = `Torture_${flush}`;
  const acknowledged = new Set<string>();
  const recoveries: number[] = [];
  let peak = 0;
  let crashes = 0;
  try {
    for (let cycle = 0; cycle < plan.cycles; cycle++) {
      const child = await startBroker(storeDir, port, flush, 8 * 1024 * 1024);
      if (cycle > 0) recoveries.push(child.startMs);
      const client = new RemotingClient();
      let running = true;
      const producers = produce(client, () => child.addr, topic, acknowledged, () => running);
      await sleep(150 + Math.floor(Math.random() * 600));
      if (child.proc.exitCode !== null) crashes++;
      await kill9(child);
      running = false;
      await Promise.all(producers);
      await client.close();
      peak = Math.max(peak, child.peakRss());
      if ((cycle + 1) % 25 === 0) console.log(`  ${flush}: ${cycle + 1}/${plan.cycles} cycles, ${acknowledged.size} acknowledged`);
    }
    const child = await startBroker(storeDir, port, flush, 8 * 1024 * 1024);
    recoveries.push(child.startMs);
    const client = new RemotingClient();
    const stored = await readAll(client, child.addr, topic);
    await client.close();
    await kill9(child);
    const { lost, duplicated } = verdict(acknowledged, stored);
    recoveries.sort((a, b) => a - b);
    const p = (q: number): string => (recoveries[Math.min(recoveries.length - 1, Math.floor(q * recoveries.length))]! / 1000).toFixed(2);
    rows.push({
      line: `kill -9 under load, ${flush}`,
      cycles: String(plan.cycles),
      acknowledged: acknowledged.size,
      lost,
      duplicated,
      other: `restart to ready (process start included): median ${p(0.5)} s, p99 ${p(0.99)} s, max ${p(1)} s; crashes other than the kills: ${crashes}`,
      peakRssMiB: mib(peak),
      rerun: `npm run torture -- --only kill9`,
    });
  } finally {
    await rm(storeDir, { recursive: true, force: true });
  }
}

// ---- disk full -----------------------------------------------------------------------------

function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function diskFull(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-torture-disk-'));
  const mounted = mountTmpfs(dir, '40m');
  // Without root: a quota the store's disk probe sees (usage = bytes in the store's files).
  let quota = 40 * 1024 * 1024;
  const quotaStats = async () => {
    const used = Number(execFileSync('du', ['-sb', dir]).toString().split('\t')[0]);
    return { usedRatio: used / quota, total: quota, free: Math.max(0, quota - used) };
  };
  const store = await MessageStore.open({
    storePathRootDir: join(dir, 'store'),
    mappedFileSizeCommitLog: 4 * 1024 * 1024,
    mappedFileSizeConsumeQueue: 300_000,
    maxHashSlotNum: 1000,
    maxIndexNum: 4000,
    messageIndexEnable: false,
    cleanResourceInterval: 100,
    ...(mounted ? {} : { diskStats: quotaStats }),
  });
  const body = Buffer.alloc(2048, 0x62);
  const message = (i: number): MessageToStore => ({
    topic: 'DiskFull',
    queueId: 0,
    flag: 0,
    body: Buffer.concat([Buffer.from(`${i}:`), body]),
    propertiesText: '',
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost: { address: '127.0.0.1', port: 1 },
    storeHost: { address: '127.0.0.1', port: 10911 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  });
  let acknowledged = 0;
  let refusedRemark = '';
  let errors = 0;
  let i = 0;
  try {
    for (; i < 100_000 && !refusedRemark; i++) {
      try {
        const result = await store.putMessage(message(i));
        if (result.status === 'PUT_OK') acknowledged++;
        else refusedRemark = result.remark ?? result.status;
      } catch (error) {
        errors++;
        refusedRemark = `threw: ${(error as Error).message}`;
      }
      if (i % 200 === 0) await sleep(110); // let the disk guard look
    }
    const usedAtRefusal = store.retention.lastDiskUsage;
    // Nothing stored is harmed: every acknowledged message reads back.
    let readBack = 0;
    for (let offset = 0; ; ) {
      const result = await store.getMessage('g', 'DiskFull', 0, offset, 32);
      if (result.messages.length === 0) break;
      readBack += result.messages.length;
      offset = result.nextBeginOffset;
    }
    // Space returns: grow the tmpfs (or the quota); writes resume.
    if (mounted) execFileSync('mount', ['-o', 'remount,size=80m', dir]);
    else quota *= 2;
    await store.retention.runOnce();
    const resumed = (await store.putMessage(message(i))).status;
    rows.push({
      line: `disk full (${mounted ? 'tmpfs 40 MiB, grown to 80 MiB' : 'quota 40 MiB via the disk probe, doubled'})`,
      cycles: '1',
      acknowledged,
      lost: acknowledged - readBack,
      duplicated: 0,
      other: `refused at ${(usedAtRefusal * 100).toFixed(1)} % with "${refusedRemark.slice(0, 60)}…"; write errors ${errors}; after space returned: ${resumed}`,
      peakRssMiB: mib(process.memoryUsage().rss),
      rerun: 'npm run torture -- --only diskfull',
    });
  } finally {
    await store.close();
    if (mounted) execFileSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- network faults through a proxy --------------------------------------------------------

async function networkFaults(): Promise<void> {
  const storeDir = await mkdtemp(join(tmpdir(), 'rmqts-torture-net-'));
  const port = await freeBrokerPort();
  const child = await startBroker(storeDir, port, 'ASYNC_FLUSH');
  const [host, brokerPort] = child.addr.split(':');
  const proxy = new FaultProxy({ host: host!, port: Number(brokerPort) });
  const proxyAddr = `127.0.0.1:${await proxy.listen()}`;
  const topic = 'TortureNetwork';
  const acknowledged = new Set<string>();
  const client = new RemotingClient();
  let running = true;
  const producers = produce(client, () => proxyAddr, topic, acknowledged, () => running, 8);
  const counts = { delay: 0, partition: 0, reset: 0 };
  const until = Date.now() + plan.networkSeconds * 1000;
  try {
    while (Date.now() < until) {
      const fault = (['delay', 'partition', 'reset'] as const)[Math.floor(Math.random() * 3)]!;
      counts[fault]++;
      if (fault === 'reset') proxy.reset();
      else {
        proxy.mode = fault;
        await sleep(300 + Math.floor(Math.random() * 1200));
        proxy.mode = 'pass';
      }
      await sleep(300 + Math.floor(Math.random() * 700));
    }
    running = false;
    await Promise.all(producers);
    const reader = new RemotingClient();
    const stored = await readAll(reader, child.addr, topic);
    await reader.close();
    const { lost, duplicated } = verdict(acknowledged, stored);
    rows.push({
      line: 'network faults via a TCP proxy (delay 200 ms, partitions 0.3-1.5 s, resets)',
      cycles: `${counts.delay + counts.partition + counts.reset} faults`,
      acknowledged: acknowledged.size,
      lost,
      duplicated,
      other: `${counts.delay} delays, ${counts.partition} partitions, ${counts.reset} resets over ${plan.networkSeconds} s; stored but never acknowledged: ${stored.size - acknowledged.size}`,
      peakRssMiB: mib(child.peakRss()),
      rerun: 'npm run torture -- --only network',
    });
  } finally {
    running = false;
    await client.close();
    await proxy.close();
    await kill9(child);
    await rm(storeDir, { recursive: true, force: true });
  }
}

// ---- consumer crashes mid-batch -------------------------------------------------------------

const consumerScript = fileURLToPath(new URL('./torture/consumer-child.ts', import.meta.url));

async function consumerCrashes(): Promise<void> {
  const storeDir = await mkdtemp(join(tmpdir(), 'rmqts-torture-consumer-'));
  const outFile = join(storeDir, 'consumed.txt');
  const port = await freeBrokerPort();
  const broker = await startBroker(storeDir, port, 'ASYNC_FLUSH');
  const topic = 'TortureConsumer';
  const group = 'torture_consumer_group';
  const acknowledged = new Set<string>();
  const client = new RemotingClient();
  const startConsumer = async (): Promise<ChildProcess> => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', consumerScript, broker.namesrvAddr, topic, group, outFile], { stdio: ['ignore', 'pipe', 'inherit'], cwd: repoRoot });
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      proc.once('exit', (code) => reject(new Error(`consumer child exited (${code}) before ready`)));
    });
    return proc;
  };
  const consumed = async (): Promise<string[]> => (await readFile(outFile, 'utf8').catch(() => '')).split('\n').filter((line) => line.length > 0);
  try {
    // A backlog first, then more while consumers come and go.
    let running = true;
    const producers = produce(client, () => broker.addr, topic, acknowledged, () => running, 2);
    const kills = plan.consumerKills;
    for (let k = 0; k < kills; k++) {
      const proc = await startConsumer();
      await sleep(800 + Math.floor(Math.random() * 1200));
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    }
    running = false;
    await Promise.all(producers);
    // A last consumer runs until every acknowledged message is there (or 60 s pass).
    const last = await startConsumer();
    const deadline = Date.now() + 60_000;
    let lines = await consumed();
    while (Date.now() < deadline) {
      const seen = new Set(lines);
      if ([...acknowledged].every((id) => seen.has(id))) break;
      await sleep(500);
      lines = await consumed();
    }
    await sleep(1000);
    lines = await consumed();
    last.kill('SIGKILL');
    const seen = new Set(lines);
    const skipped = [...acknowledged].filter((id) => !seen.has(id)).length;
    rows.push({
      line: 'consumer crashes mid-batch (push consumer SIGKILLed, restarted)',
      cycles: `${kills} kills`,
      acknowledged: acknowledged.size,
      lost: skipped,
      duplicated: lines.length - seen.size,
      other: `consumed ${lines.length} times for ${seen.size} distinct messages; nothing skipped means lost = 0; duplicates are re-deliveries after a kill (offsets are committed every 1 s)`,
      peakRssMiB: mib(broker.peakRss()),
      rerun: 'npm run torture -- --only consumer',
    });
  } finally {
    await client.close();
    await kill9(broker);
    await rm(storeDir, { recursive: true, force: true });
  }
}

// ---- fuzzed frames ------------------------------------------------------------------------------

async function fuzz(): Promise<void> {
  const started = performance.now();
  // Straight through node --test: run-tests.mjs caps a file at 10 minutes; 10 million frames take longer.
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', '--test', '--test-timeout=0', 'packages/protocol/test/fuzz.test.ts'], {
    cwd: repoRoot,
    env: { ...process.env, FUZZ_FRAMES: String(plan.fuzzFrames) },
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
  const pass = /# pass (\d+)/.exec(output)?.[1];
  const diagnostics = [...output.matchAll(/^\s*# (?!Subtest|tests|suites|pass|fail|cancelled|skipped|todo|duration)(.*)$/gm)].map((m) => m[1]).join('; ');
  rows.push({
    line: 'fuzzed frames against a live server (random, mutated, length lies, bad JSON, huge extFields)',
    cycles: '1',
    acknowledged: '-',
    lost: '-',
    duplicated: '-',
    other: `${plan.fuzzFrames.toLocaleString('en-US')} frames in ${((performance.now() - started) / 1000).toFixed(0)} s; test ${pass === '1' ? 'passed' : 'FAILED'}; ${diagnostics}`,
    peakRssMiB: '(in the diagnostics)',
    rerun: `FUZZ_FRAMES=${plan.fuzzFrames} node scripts/run-tests.mjs packages/protocol/test/fuzz.test.ts`,
  });
}

// ---- idle connections ----------------------------------------------------------------------

async function idleConnections(): Promise<void> {
  const storeDir = await mkdtemp(join(tmpdir(), 'rmqts-torture-idle-'));
  const port = await freeBrokerPort();
  const child = await startBroker(storeDir, port, 'ASYNC_FLUSH');
  const [host, brokerPort] = child.addr.split(':');
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < plan.idle; i++) {
      const socket = connect(Number(brokerPort), host);
      socket.on('error', () => {});
      sockets.push(socket);
      if (i % 200 === 199) await sleep(20);
    }
    await sleep(2000);
    const client = new RemotingClient();
    const acknowledged = new Set<string>();
    let running = true;
    const started = performance.now();
    const producers = produce(client, () => child.addr, 'TortureIdle', acknowledged, () => running, 2);
    await sleep(3000);
    running = false;
    await Promise.all(producers);
    const seconds = (performance.now() - started) / 1000;
    const stored = await readAll(client, child.addr, 'TortureIdle');
    await client.close();
    const open = sockets.filter((socket) => !socket.destroyed).length;
    const { lost, duplicated } = verdict(acknowledged, stored);
    rows.push({
      line: `${plan.idle.toLocaleString('en-US')} idle connections while a producer sends`,
      cycles: '1',
      acknowledged: acknowledged.size,
      lost,
      duplicated,
      other: `${open} still open; ${(acknowledged.size / seconds).toFixed(0)} sends/s from 2 producers meanwhile`,
      peakRssMiB: mib(child.peakRss()),
      rerun: 'npm run torture -- --only idle',
    });
  } finally {
    for (const socket of sockets) socket.destroy();
    await kill9(child);
    await rm(storeDir, { recursive: true, force: true });
  }
}

// ---- run ---------------------------------------------------------------------------------------

const runStarted = Date.now();
if (wanted('kill9')) {
  console.log(`kill -9 under load: ${plan.cycles} cycles per flush mode`);
  await killUnderLoad('SYNC_FLUSH');
  await killUnderLoad('ASYNC_FLUSH');
}
if (wanted('diskfull')) {
  console.log('disk full');
  await diskFull();
}
if (wanted('network')) {
  console.log('network faults');
  await networkFaults();
}
if (wanted('consumer')) {
  console.log(`consumer crashes: ${plan.consumerKills} kills`);
  await consumerCrashes();
}
if (wanted('fuzz')) {
  console.log(`fuzz: ${plan.fuzzFrames} frames`);
  await fuzz();
}
if (wanted('idle')) {
  console.log(`${plan.idle} idle connections`);
  await idleConnections();
}

const table = [
  '| line | cycles | acknowledged | lost | duplicated | peak RSS (MiB) | details | re-run |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.line} | ${r.cycles} | ${r.acknowledged} | ${r.lost} | ${r.duplicated} | ${r.peakRssMiB} | ${r.other.replaceAll('|', '/')} | \`${r.rerun}\` |`),
].join('\n');
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${mib(totalmem())} MiB RAM, Node ${process.version}; ${ci ? 'CI-sized run (npm run torture:ci)' : 'long run (npm run torture)'} on ${new Date(runStarted).toISOString().slice(0, 16)}Z, ${((Date.now() - runStarted) / 1000).toFixed(0)} s`;
console.log(`\n${machine}\n\n${table}`);
const failed = rows.some((r) => (typeof r.lost === 'number' && r.lost > 0) || /FAILED/.test(r.other));

if (!args.includes('--no-write')) {
  const docPath = join(repoRoot, 'docs', 'reliability.md');
  await mkdir(join(repoRoot, 'docs'), { recursive: true });
  const doc = await readFile(docPath, 'utf8');
  const marker = ci ? 'ci' : 'long';
  const start = `<!-- torture:${marker}:start -->`;
  const end = `<!-- torture:${marker}:end -->`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from >= 0 && to > from) {
    await writeFile(docPath, `${doc.slice(0, from + start.length)}\n${machine}\n\n${table}\n${doc.slice(to)}`);
    console.log(`wrote the ${marker} table into docs/reliability.md`);
  }
}
if (failed) {
  console.error('RELIABILITY FAILURE: an acknowledged message was lost or a check failed');
  process.exit(1);
}
