/**
 * The reliability torture run (issue 22). Each line kills, starves or attacks a real broker
 * and checks that nothing acknowledged is lost; the figures go into docs/reliability.md.
 *
 *   npm run torture       long: 1,000 kill -9 cycles per flush mode, 10,000,000 fuzzed frames, ...
 *   npm run torture:ci    short: 25 cycles per flush mode, 100,000 fuzzed frames, ... (CI, ~3 min)
 *
 * Options: --only kill9,diskfull,network,namesrv,consumer,fuzz,idle,latency (latency: only when named)   --cycles N   --no-write (leave docs/reliability.md)
 *          --frames N (fuzzed frames)   --idle N (idle connections)
 *          --flush SYNC_FLUSH|ASYNC_FLUSH (kill9 in one mode only; two runs can go side by side)
 *          --until <ISO time> (stop kill cycles and fuzzing then and verify what was done; the row says how many)
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
  GetRouteInfoRequestHeader,
  PullMessageRequestHeader,
  PullSysFlag,
  RemotingClient,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { Producer } from '@rocketmq-ts/client';
import { createTopicOnBroker, freeBrokerPort, NameServer } from '@rocketmq-ts/server/internal';
import { MessageStore, type MessageToStore } from '@rocketmq-ts/store';
import { FaultProxy } from './torture/fault-proxy.ts';

const args = process.argv.slice(2);
const ci = args.includes('--ci');
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]!.split(',')) : undefined;
const wanted = (name: string): boolean => !only || only.has(name);
const plan = ci
  ? { cycles: 25, fuzzFrames: 100_000, idle: 2_000, networkSeconds: 10, namesrvSeconds: 10, consumerKills: 5 }
  : { cycles: 1_000, fuzzFrames: 10_000_000, idle: 10_000, networkSeconds: 120, namesrvSeconds: 120, consumerKills: 100 };
if (args.includes('--cycles')) plan.cycles = Number(args[args.indexOf('--cycles') + 1]);
if (args.includes('--frames')) plan.fuzzFrames = Number(args[args.indexOf('--frames') + 1]);
if (args.includes('--idle')) plan.idle = Number(args[args.indexOf('--idle') + 1]);
const flushModes = (args.includes('--flush') ? [args[args.indexOf('--flush') + 1]] : ['SYNC_FLUSH', 'ASYNC_FLUSH']) as ('SYNC_FLUSH' | 'ASYNC_FLUSH')[];
const until = args.includes('--until') ? Date.parse(args[args.indexOf('--until') + 1]!) : Number.POSITIVE_INFINITY;
const childScript = fileURLToPath(new URL('./torture/broker-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const consumerScript = fileURLToPath(new URL('./torture/consumer-child.ts', import.meta.url));

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

async function startBroker(storeDir: string, port: number, flush: string, segmentSize?: number, brokerConfig?: object, registerWith?: string): Promise<BrokerChild> {
  const started = performance.now();
  // Capped as docs/deployment.md says to run a broker: Node's default limit, sized from the machine, lets garbage pile up to GiBs.
  const heap = `--max-old-space-size=${process.env['TORTURE_BROKER_HEAP_MB'] ?? '512'}`;
  const proc = spawn(process.execPath, [heap, '--import', 'tsx', '--conditions=rocketmq-ts-source', childScript, storeDir, String(port), flush, ...(segmentSize ? [String(segmentSize)] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: repoRoot,
    env: {
      ...process.env,
      ...(brokerConfig ? { TORTURE_BROKER_CONFIG: JSON.stringify(brokerConfig) } : {}),
      ...(registerWith ? { TORTURE_NAMESRV_ADDR: registerWith } : {}),
    },
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

/** One PULL_MESSAGE of up to 32 messages from a queue offset, answered at once (no long poll). */
function pullOnce(client: RemotingClient, addr: string, consumerGroup: string, topic: string, queueId: number, queueOffset: number): Promise<RemotingCommand> {
  const header = { consumerGroup, topic, queueId, queueOffset, maxMsgNums: 32, sysFlag: PullSysFlag.SUBSCRIPTION, commitOffset: 0, suspendTimeoutMillis: 0, subscription: '*', subVersion: 0, expressionType: 'TAG' };
  return client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE, { extFields: encodeHeader(PullMessageRequestHeader, header) }), 10_000);
}

/** Every message body in the topic's 4 queues, with how often it is there. */
async function readAll(client: RemotingClient, addr: string, topic: string): Promise<Map<string, number>> {
  const stored = new Map<string, number>();
  for (let queueId = 0; queueId < 4; queueId++) {
    let next = 0;
    for (;;) {
      const response = await pullOnce(client, addr, 'torture_reader', topic, queueId, next);
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
  let port = await freeBrokerPort();
  let portChanges = 0;
  // While the broker is down, another process may take its port (or listenPort + 1) as the
  // source port of an outgoing connection; the store does not care which port serves it.
  const startOnFreePort = async (): Promise<BrokerChild> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await startBroker(storeDir, port, flush, 8 * 1024 * 1024);
      } catch (error) {
        if (attempt >= 5 || !/EADDRINUSE/.test((error as Error).message)) throw error;
        port = await freeBrokerPort();
        portChanges++;
      }
    }
  };
  const topic = `Torture_${flush}`;
  const acknowledged = new Set<string>();
  const recoveries: number[] = [];
  let peak = 0;
  let crashes = 0;
  let done = 0;
  try {
    for (let cycle = 0; cycle < plan.cycles && Date.now() < until; cycle++) {
      const child = await startOnFreePort();
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
      done = cycle + 1;
      if ((cycle + 1) % 25 === 0) console.log(`  ${flush}: ${cycle + 1}/${plan.cycles} cycles, ${acknowledged.size} acknowledged`);
    }
    const child = await startOnFreePort();
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
      cycles: done === plan.cycles ? String(done) : `${done} (of ${plan.cycles} planned; stopped by --until)`,
      acknowledged: acknowledged.size,
      lost,
      duplicated,
      other: `restart to ready (process start included): median ${p(0.5)} s, p99 ${p(0.99)} s, max ${p(1)} s; crashes other than the kills: ${crashes}; port taken by another process while down, moved: ${portChanges}`,
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

// ---- faults between broker and name server ---------------------------------------------------

async function namesrvFaults(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-torture-namesrv-'));
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kvConfig.json') } });
  const { port: namesrvPort } = await namesrv.start();
  const namesrvAddr = `127.0.0.1:${namesrvPort}`;
  // Only the broker goes through the proxy; clients reach the name server directly.
  const proxy = new FaultProxy({ host: '127.0.0.1', port: namesrvPort });
  const proxyAddr = `127.0.0.1:${await proxy.listen()}`;
  const broker = await startBroker(join(dir, 'store'), await freeBrokerPort(), 'ASYNC_FLUSH', undefined, { registerNameServerPeriod: 10_000 }, proxyAddr);
  const topic = 'TortureNamesrv';
  const group = 'torture_namesrv_group';
  const outFile = join(dir, 'consumed.txt');
  const admin = new RemotingClient();
  const routed = async (): Promise<boolean> => {
    try {
      const response = await admin.invoke(namesrvAddr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: encodeHeader(GetRouteInfoRequestHeader, { topic }) }), 1000);
      return response.code === ResponseCode.SUCCESS && (response.body?.toString() ?? '').includes(broker.addr);
    } catch {
      return false;
    }
  };
  const waitRouted = async (limitMs: number): Promise<number> => {
    const started = performance.now();
    while (!(await routed())) {
      if (performance.now() - started > limitMs) return Number.NaN;
      await sleep(100);
    }
    return performance.now() - started;
  };
  const producer = new Producer({ groupName: 'torture_namesrv_pg', namesrvAddr, pollNameServerInterval: 1000 });
  let consumer: ChildProcess | undefined;
  let running = true;
  try {
    await createTopicOnBroker(admin, broker.addr, topic);
    await waitRouted(30_000);
    await producer.start();
    consumer = spawn(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', consumerScript, namesrvAddr, topic, group, outFile], { stdio: ['ignore', 'pipe', 'inherit'], cwd: repoRoot });
    await new Promise<void>((resolve, reject) => {
      consumer!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      consumer!.once('exit', (code) => reject(new Error(`consumer child exited (${code}) before ready`)));
    });
    // Producers through the client's route cache; the route's absence at the name server shows below.
    const acknowledged = new Set<string>();
    let sendErrors = 0;
    const sendErrorReasons = new Map<string, number>();
    const producers = Array.from({ length: 4 }, async (_, worker) => {
      for (let n = 0; running; n++) {
        const id = `${worker}-${n}-${randomUUID()}`;
        try {
          const result = await producer.send({ topic, body: id });
          if (result.sendStatus === 'SEND_OK') acknowledged.add(id);
        } catch (error) {
          sendErrors++;
          const reason = String((error as Error).message ?? error).slice(0, 160);
          sendErrorReasons.set(reason, (sendErrorReasons.get(reason) ?? 0) + 1);
          await sleep(50);
        }
      }
    });
    // Faults start once the producer has sent (its route is cached): a first send after a reset
    // finds no route at all, as with any client, which is not what this line is about.
    while (acknowledged.size === 0 && sendErrors < 1000) await sleep(20);
    // The route at the name server, sampled every 200 ms.
    let routeSamples = 0;
    let routeMissing = 0;
    const sampler = (async () => {
      while (running) {
        routeSamples++;
        if (!(await routed())) routeMissing++;
        await sleep(200);
      }
    })();
    const counts = { delay: 0, partition: 0, reset: 0 };
    const reregister: number[] = [];
    const until = Date.now() + plan.namesrvSeconds * 1000;
    // Each kind once first (a short CI run must see a reset too), then at random.
    for (let k = 0; k < 3 || Date.now() < until; k++) {
      const fault = (['reset', 'partition', 'delay'] as const)[k < 3 ? k : Math.floor(Math.random() * 3)]!;
      counts[fault]++;
      if (fault === 'reset') {
        // The name server drops a broker whose channel closes; the broker must come back by itself.
        proxy.reset();
        reregister.push(await waitRouted(90_000));
      } else {
        proxy.mode = fault;
        await sleep(fault === 'partition' ? 1000 + Math.floor(Math.random() * 4000) : 300 + Math.floor(Math.random() * 1200));
        proxy.mode = 'pass';
      }
      await sleep(300 + Math.floor(Math.random() * 700));
    }
    proxy.mode = 'pass';
    const routeBack = await waitRouted(90_000);
    // A client that never saw the route before must find it and send.
    const fresh = new Producer({ groupName: 'torture_namesrv_fresh', namesrvAddr });
    await fresh.start();
    const freshResult = await fresh.send({ topic, body: `fresh-${randomUUID()}` }).then((r) => r.sendStatus, (error: Error) => `failed: ${error.message}`);
    await fresh.shutdown();
    if (freshResult === 'SEND_OK') acknowledged.add('(fresh)'); // counted below as consumed when seen
    running = false;
    await Promise.all([...producers, sampler]);
    const deadline = Date.now() + 90_000;
    const consumedLines = async (): Promise<string[]> => (await readFile(outFile, 'utf8').catch(() => '')).split('\n').filter((line) => line.length > 0);
    let lines = await consumedLines();
    acknowledged.delete('(fresh)');
    while (Date.now() < deadline) {
      const seen = new Set(lines);
      if ([...acknowledged].every((id) => seen.has(id))) break;
      await sleep(500);
      lines = await consumedLines();
    }
    const seen = new Set(lines);
    const lost = [...acknowledged].filter((id) => !seen.has(id)).length;
    const rereg = reregister.filter((ms) => !Number.isNaN(ms)).map((ms) => (ms / 1000).toFixed(1));
    rows.push({
      line: 'faults between broker and name server via a TCP proxy (delay, partitions 1-5 s, resets)',
      cycles: `${counts.delay + counts.partition + counts.reset} faults`,
      acknowledged: acknowledged.size,
      lost,
      duplicated: lines.length - seen.size,
      other:
        `${counts.delay} delays, ${counts.partition} partitions, ${counts.reset} resets over ${plan.namesrvSeconds} s; route back at the name server after each reset in ${rereg.join(', ') || '-'} s ` +
        `(registerNameServerPeriod 10 s${reregister.some((ms) => Number.isNaN(ms)) ? '; FAILED: a reset was not followed by re-registration within 90 s' : ''}); route missing in ${routeMissing} of ${routeSamples} samples; ` +
        `after the faults: route ${Number.isNaN(routeBack) ? 'FAILED to come back' : `present in ${(routeBack / 1000).toFixed(1)} s`}, a new producer's send ${freshResult === 'SEND_OK' ? 'SEND_OK' : `FAILED (${freshResult})`}; ` +
        `sends failed meanwhile ${sendErrors}${sendErrors > 0 ? ` (${[...sendErrorReasons].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([reason, n]) => `${n}× ${reason}`).join('; ')})` : ''}; consumed by a push consumer (child process): ${seen.size} distinct`,
      peakRssMiB: mib(broker.peakRss()),
      rerun: 'npm run torture -- --only namesrv',
    });
  } finally {
    running = false;
    consumer?.kill('SIGKILL');
    await producer.shutdown().catch(() => undefined);
    await admin.close();
    await proxy.close();
    await kill9(broker);
    await namesrv.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- consumer crashes mid-batch -------------------------------------------------------------

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
    // A last consumer runs until every acknowledged message is there, or 60 s pass without one
    // more: a long run leaves a backlog that takes longer than any fixed wait to drain.
    const last = await startConsumer();
    let lines = await consumed();
    let distinct = new Set(lines).size;
    let progressAt = Date.now();
    while (Date.now() - progressAt < 60_000) {
      const seen = new Set(lines);
      if ([...acknowledged].every((id) => seen.has(id))) break;
      if (seen.size > distinct) {
        distinct = seen.size;
        progressAt = Date.now();
      }
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

// ---- fuzzed frames against the broker --------------------------------------------------------

const generatorScript = fileURLToPath(new URL('./torture/fuzz-generator-child.ts', import.meta.url));

interface FuzzOutcome {
  generator: { frames: number; connections: number; hostileConnections: number; cleanConnections: number; cleanRequests: number; cleanAnswered: number; cleanShort: number; seconds: number };
  send: number[];
  pull: number[];
  probeErrors: string[];
  seeded: number;
  seedsIntact: number;
  acknowledged: number;
  lost: number;
  duplicated: number;
  alive: boolean;
  rssBefore: number;
  /** The broker's longest event-loop stall while fuzzed (ms, 10 ms resolution). */
  loopMax: number;
  peakRss: number;
  rssAfter: number;
}

const quantile = (sorted: number[], q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1);
const roundTrips = (label: string, values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${label} median ${quantile(sorted, 0.5)} ms, p99 ${quantile(sorted, 0.99)} ms, max ${quantile(sorted, 1)} ms over ${sorted.length}`;
};

/**
 * A real broker (child process) takes `frames` fuzzed frames from a generator (another child)
 * while this process, a well-behaved producer and consumer, checks every answer and times it.
 * Messages stored before the fuzz must read back intact afterwards, and so must every message
 * the producer had acknowledged meanwhile.
 */
async function fuzzBrokerOnce(frames: number, seed: number, brokerConfig?: object): Promise<FuzzOutcome> {
  const storeDir = await mkdtemp(join(tmpdir(), 'rmqts-torture-fuzz-'));
  const port = await freeBrokerPort();
  const child = await startBroker(storeDir, port, 'ASYNC_FLUSH', undefined, brokerConfig);
  let rssNow = 0;
  let loopMax = 0;
  let measuringLoop = false;
  child.proc.stdout!.on('data', (chunk: Buffer) => {
    const all = [...chunk.toString().matchAll(/rss (\d+)(?: loopmax (\d+))?/g)];
    if (all.length > 0) rssNow = Number(all.at(-1)![1]);
    if (measuringLoop) for (const match of all) loopMax = Math.max(loopMax, Number(match[2] ?? 0));
  });
  const client = new RemotingClient();
  const topic = 'FuzzProbe';
  const probeErrors: string[] = [];
  try {
    // What is stored before the fuzz (nothing stored may be harmed).
    const seeds = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = `seed-${i}-${randomUUID()}`;
      const response = await client.invoke(child.addr, sendRequest(topic, id, i % 4), 10_000);
      if (response.code === ResponseCode.SUCCESS) seeds.add(id);
    }
    await sleep(1200);
    const rssBefore = rssNow;
    const generator = spawn(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', generatorScript, ...child.addr.split(':'), String(frames), String(seed), '16', String(until)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: repoRoot,
    });
    let generatorOut = '';
    generator.stdout!.on('data', (chunk: Buffer) => {
      generatorOut += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.startsWith('progress') && !ci) console.log(`  fuzz: ${line.slice(9)} frames`);
    });
    const generatorDone = new Promise<number | null>((resolve) => generator.once('exit', resolve));
    let running = true;
    measuringLoop = true;
    void generatorDone.then(() => (running = false));

    // The well-behaved producer: every send answered SUCCESS, timed.
    const acknowledged = new Set<string>();
    const send: number[] = [];
    const producer = (async () => {
      for (let n = 0; running; n++) {
        const id = `probe-${n}-${randomUUID()}`;
        const started = performance.now();
        try {
          const response = await client.invoke(child.addr, sendRequest(topic, id, n % 4), 10_000);
          send.push(performance.now() - started);
          if (response.code === ResponseCode.SUCCESS) acknowledged.add(id);
          else probeErrors.push(`send answered ${response.code} ${response.remark ?? ''}`);
        } catch (error) {
          probeErrors.push(`send: ${(error as Error).message}`);
        }
        await sleep(5);
      }
    })();
    // The well-behaved consumer: pulls what the producer stored, every body one it sent.
    const pull: number[] = [];
    const consumer = (async () => {
      const next = [0, 0, 0, 0];
      for (let n = 0; running; n++) {
        const queueId = n % 4;
        const started = performance.now();
        try {
          const response = await pullOnce(client, child.addr, 'fuzz_probe_reader', topic, queueId, next[queueId]!);
          pull.push(performance.now() - started);
          if (response.code === ResponseCode.SUCCESS) {
            for (const message of decodeStoredMessages(response.body!)) {
              const id = message.body.toString();
              if (!seeds.has(id) && !id.startsWith('probe-')) probeErrors.push(`pulled a body nobody sent: ${id.slice(0, 40)}`);
            }
            next[queueId] = Number(response.extFields!['nextBeginOffset']);
          } else if (response.code !== ResponseCode.PULL_NOT_FOUND && response.code !== ResponseCode.PULL_RETRY_IMMEDIATELY) {
            probeErrors.push(`pull answered ${response.code} ${response.remark ?? ''}`);
          }
        } catch (error) {
          probeErrors.push(`pull: ${(error as Error).message}`);
        }
        await sleep(5);
      }
    })();
    await generatorDone;
    await Promise.all([producer, consumer]);
    measuringLoop = false;
    const result = /done (\{.*\})/.exec(generatorOut);
    if (!result) throw new Error(`the fuzz generator ended without its figures: ${generatorOut.slice(-500)}`);
    await sleep(1500);
    const rssAfter = rssNow;
    const alive = child.proc.exitCode === null && child.proc.signalCode === null;
    const stored = await readAll(client, child.addr, topic);
    const seedsIntact = [...seeds].filter((id) => stored.get(id) === 1).length;
    const { lost, duplicated } = verdict(acknowledged, stored);
    return {
      generator: JSON.parse(result[1]!) as FuzzOutcome['generator'],
      send,
      pull,
      probeErrors,
      seeded: seeds.size,
      seedsIntact,
      acknowledged: acknowledged.size,
      lost,
      duplicated,
      alive,
      rssBefore,
      loopMax,
      peakRss: child.peakRss(),
      rssAfter,
    };
  } finally {
    await client.close();
    if (process.env['TORTURE_CPU_PROFILE']) {
      // The broker child writes its CPU profile on SIGUSR2 (bench/torture/broker-child.ts).
      const exited = new Promise((resolve) => child.proc.once('exit', resolve));
      child.proc.kill('SIGUSR2');
      await Promise.race([exited, sleep(60_000)]);
    }
    await kill9(child);
    await rm(storeDir, { recursive: true, force: true });
  }
}

/** Fails the run when the broker crashed, an answer was wrong, something stored was harmed or memory ran away. */
function fuzzFailures(outcome: FuzzOutcome): string[] {
  const failures: string[] = [];
  if (!outcome.alive) failures.push('the broker died');
  if (outcome.probeErrors.length > 0) failures.push(`${outcome.probeErrors.length} probe errors, first: ${outcome.probeErrors[0]}`);
  if (outcome.seedsIntact !== outcome.seeded) failures.push(`${outcome.seeded - outcome.seedsIntact} of ${outcome.seeded} stored messages harmed`);
  if (outcome.generator.cleanShort > 0) failures.push(`${outcome.generator.cleanShort} clean connections missed answers`);
  if (outcome.peakRss > 1024 * 1048576) failures.push(`peak RSS ${mib(outcome.peakRss)} MiB over 1 GiB`);
  return failures;
}

async function fuzzBroker(): Promise<void> {
  const seed = 20261206;
  const outcome = await fuzzBrokerOnce(plan.fuzzFrames, seed);
  const failures = fuzzFailures(outcome);
  const g = outcome.generator;
  rows.push({
    line: 'fuzzed frames against a broker (every RequestCode, admin included; mutated, length lies, bad JSON, huge extFields, garbage)',
    cycles: `${g.connections.toLocaleString('en-US')} connections`,
    acknowledged: outcome.acknowledged,
    lost: outcome.lost,
    duplicated: outcome.duplicated,
    other:
      `${g.frames.toLocaleString('en-US')} frames${g.frames < plan.fuzzFrames ? ` (of ${plan.fuzzFrames.toLocaleString('en-US')} planned; stopped by --until)` : ''} in ${g.seconds.toFixed(0)} s (seed ${seed}); ${failures.length === 0 ? 'passed' : `FAILED: ${failures.join('; ')}`}; broker alive: ${outcome.alive}; ` +
      `clean connections ${g.cleanConnections} answered ${g.cleanAnswered} of ${g.cleanRequests} requests; hostile connections ${g.hostileConnections}; ` +
      `stored before the fuzz ${outcome.seeded}, intact after ${outcome.seedsIntact}; broker RSS before ${mib(outcome.rssBefore)} MiB, after ${mib(outcome.rssAfter)} MiB; ` +
      `well-behaved client meanwhile: ${roundTrips('send', outcome.send)}, ${roundTrips('pull', outcome.pull)}; the broker's longest event-loop stall ${outcome.loopMax} ms`,
    peakRssMiB: mib(outcome.peakRss),
    rerun: `npm run torture -- --only fuzz${ci ? ' --ci' : ''}`,
  });
}

/**
 * Issue 22 item 7: the well-behaved client's round trips while hostile connections are served
 * and dropped, with the per-turn bound (serverMaxRequestsPerTurn 32, the default) and without.
 */
async function latency(): Promise<void> {
  const frames = ci ? 100_000 : 300_000;
  for (const [label, perTurn] of [['unbounded (before)', 1_000_000_000], ['32 per turn (after)', 32]] as const) {
    const outcome = await fuzzBrokerOnce(frames, 7, { serverMaxRequestsPerTurn: perTurn });
    const failures = fuzzFailures(outcome);
    rows.push({
      line: `well-behaved client beside hostile connections, serverMaxRequestsPerTurn ${label}`,
      cycles: '1',
      acknowledged: outcome.acknowledged,
      lost: outcome.lost,
      duplicated: outcome.duplicated,
      other: `${outcome.generator.frames.toLocaleString('en-US')} frames over ${outcome.generator.connections} connections in ${outcome.generator.seconds.toFixed(0)} s; ${failures.length === 0 ? 'passed' : `FAILED: ${failures.join('; ')}`}; ${roundTrips('send', outcome.send)}; ${roundTrips('pull', outcome.pull)}; the broker's longest event-loop stall ${outcome.loopMax} ms`,
      peakRssMiB: mib(outcome.peakRss),
      rerun: 'npm run torture -- --only latency',
    });
  }
}

// ---- idle connections ----------------------------------------------------------------------

async function idleConnections(): Promise<void> {
  const storeDir = await mkdtemp(join(tmpdir(), 'rmqts-torture-idle-'));
  const port = await freeBrokerPort();
  const child = await startBroker(storeDir, port, 'ASYNC_FLUSH');
  const [host, brokerPort] = child.addr.split(':');
  const sockets: Socket[] = [];
  try {
    const connected: Promise<void>[] = [];
    for (let i = 0; i < plan.idle; i++) {
      const socket = connect(Number(brokerPort), host);
      socket.on('error', () => {});
      connected.push(new Promise((resolve) => socket.once('connect', resolve).once('close', resolve)));
      sockets.push(socket);
      if (i % 200 === 199) await sleep(20);
    }
    await Promise.all(connected);
    const client = new RemotingClient();
    // The broker accepts the idle connections' backlog first; the first send says when it is through.
    const firstSendStarted = performance.now();
    for (let attempt = 0; ; attempt++) {
      const response = await client.invoke(child.addr, sendRequest('TortureIdle', `warmup-${attempt}`, 0), 10_000).catch(() => undefined);
      if (response?.code === ResponseCode.SUCCESS) break;
      if (performance.now() - firstSendStarted > 120_000) throw new Error(`no send answered within 120 s beside ${plan.idle} idle connections`);
      await sleep(200);
    }
    const firstSendSeconds = (performance.now() - firstSendStarted) / 1000;
    const acknowledged = new Set<string>();
    let running = true;
    const started = performance.now();
    const producers = produce(client, () => child.addr, 'TortureIdle', acknowledged, () => running, 2);
    await sleep(5000);
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
      other: `${open} still open; first send answered ${firstSendSeconds.toFixed(1)} s after all had connected; then ${(acknowledged.size / seconds).toFixed(0)} sends/s from 2 producers${acknowledged.size === 0 ? ' (FAILED: nothing acknowledged)' : ''}`,
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
  for (const flush of flushModes) await killUnderLoad(flush);
}
if (wanted('diskfull')) {
  console.log('disk full');
  await diskFull();
}
if (wanted('network')) {
  console.log('network faults');
  await networkFaults();
}
if (wanted('namesrv')) {
  console.log('faults between broker and name server');
  await namesrvFaults();
}
if (wanted('consumer')) {
  console.log(`consumer crashes: ${plan.consumerKills} kills`);
  await consumerCrashes();
}
if (wanted('fuzz')) {
  console.log(`fuzz: ${plan.fuzzFrames} frames against a broker`);
  await fuzzBroker();
}
if (only?.has('latency')) {
  console.log('latency of a well-behaved client beside hostile connections, with and without the per-turn bound');
  await latency();
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
