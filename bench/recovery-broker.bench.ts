/**
 * Restart after kill -9, broker beside broker: rocketmq-ts (the `npm start` process, name
 * server + broker) and Apache RocketMQ (4.9.7 unless --apache says otherwise) each fill their
 * own store over the wire with the same load (batches of 32 × 1 KiB messages, 8 senders, one
 * 16-queue topic), keep taking it 3 s more, and their broker process is SIGKILLed; the same
 * command line is started again on the same store. The figure: from that spawn to the first
 * SEND_OK (the probe every benchmark here uses). Each store is removed before the next one is
 * filled, so the disk holds one store at a time.
 *
 * Usage: npm run bench:recovery:broker -- [sizes in MiB, default 1024,10240] [--apache VERSION]
 *        [--only rocketmq-ts|apache] [--dir DIR]   (needs npm run build and bash bench/apache/prepare.sh --servers-only VERSION)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  createRequest,
  encodeBatch,
  encodeHeader,
  encodeProperties,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { createTopicOnBroker } from '@rocketmq-ts/server/internal';
import { startApache } from './lib/apache-servers.ts';
import { startRocketmqTs } from './lib/node-targets.ts';
import { firstAcceptedSend } from './lib/send-probe.ts';
import type { BenchTarget, TargetSettings } from './lib/target.ts';

const args = process.argv.slice(2);
const sizesMiB = (args.find((arg) => /^\d/.test(arg)) ?? '1024,10240').split(',').map(Number);
const apacheVersion = args.includes('--apache') ? args[args.indexOf('--apache') + 1]! : '4.9.7';
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const root = args.includes('--dir') ? args[args.indexOf('--dir') + 1]! : tmpdir();
const TOPIC = 'RecoveryBroker';
const BATCH = 32;
const SENDERS = 8;
const RUN_ON_MS = 3000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends batches until `running()` is false; returns the body bytes acknowledged so far via `acked`. */
function load(brokerAddr: string, running: () => boolean, acked: { bytes: number; errors: number }): Promise<void>[] {
  const client = new RemotingClient();
  const body = Buffer.alloc(1024, 0x61);
  const workers = Array.from({ length: SENDERS }, async (_, worker) => {
    for (let n = 0; running(); n++) {
      const entries = Array.from({ length: BATCH }, (_, i) => ({ flag: 0, body, propertiesText: encodeProperties({ KEYS: `k${worker}-${n}-${i}` }) }));
      const extFields = encodeHeader(SendMessageRequestHeaderV2, {
        producerGroup: 'recovery_bench',
        topic: TOPIC,
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: 16,
        queueId: (worker + n) % 16,
        sysFlag: 0,
        bornTimestamp: Date.now(),
        flag: 0,
        properties: '',
        reconsumeTimes: 0,
        unitMode: false,
        batch: true,
      });
      try {
        const response = await client.invoke(brokerAddr, createRequest(RequestCode.SEND_BATCH_MESSAGE, { extFields, body: encodeBatch(entries) }), 10_000);
        if (response.code === ResponseCode.SUCCESS) acked.bytes += BATCH * body.length;
        else acked.errors++;
      } catch {
        acked.errors++;
        if (running()) await sleep(50);
      }
    }
  });
  return [Promise.all(workers).then(() => client.close())];
}

/** What is needed to start a process again exactly as it was: its command line, directory and environment. */
function processImage(pid: number): { argv: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((part) => part.length > 0);
  const env: NodeJS.ProcessEnv = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return { argv, cwd: readlinkSync(`/proc/${pid}/cwd`), env };
}

async function measure(system: 'rocketmq-ts' | 'apache', sizeMiB: number): Promise<string> {
  const workDir = mkdtempSync(join(root, 'rmq-recovery-broker-'));
  const settings: TargetSettings = { flushDiskType: 'ASYNC_FLUSH', workDir, topics: [TOPIC] };
  let target: BenchTarget | undefined;
  let restarted: ReturnType<typeof spawn> | undefined;
  try {
    target = system === 'apache' ? await startApache(apacheVersion, settings) : await startRocketmqTs(settings);
    const admin = new RemotingClient();
    await createTopicOnBroker(admin, target.brokerAddr, TOPIC, 16);
    await admin.close();
    const acked = { bytes: 0, errors: 0 };
    let running = true;
    const fillStarted = performance.now();
    const loaders = load(target.brokerAddr, () => running, acked);
    const target_ = sizeMiB * 1048576;
    while (acked.bytes < target_) await sleep(200);
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    await sleep(RUN_ON_MS);
    const brokerPid = target.pids[0]!;
    const image = processImage(brokerPid);
    process.kill(brokerPid, 'SIGKILL');
    running = false;
    await Promise.all(loaders);
    while (existsPid(brokerPid)) await sleep(20);
    const writtenMiB = acked.bytes / 1048576;
    const spawned = Date.now();
    restarted = spawn(image.argv[0]!, image.argv.slice(1), { cwd: image.cwd, env: image.env, stdio: 'ignore' });
    const accepted = await firstAcceptedSend(target.brokerAddr, TOPIC, 900_000);
    const label = system === 'apache' ? `apache-${apacheVersion}` : 'rocketmq-ts';
    return `${label}\t${sizeMiB}\t${(target.startupMillis / 1000).toFixed(2)}\t${writtenMiB.toFixed(0)}\t${fillSeconds.toFixed(0)}\t${((writtenMiB * 1.07) / fillSeconds).toFixed(0)}\t${((accepted - spawned) / 1000).toFixed(2)}`;
  } finally {
    if (restarted && restarted.exitCode === null) {
      const exited = new Promise((resolve) => restarted!.once('exit', resolve));
      restarted.kill('SIGKILL');
      await exited;
    }
    await target?.stop().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}

function existsPid(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

console.log(`# ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}; ASYNC_FLUSH, 1 GiB commit-log files`);
console.log('system\tsize_MiB\tfresh_start_to_first_SEND_OK_s\twritten_MiB\tfill_s\tfill_MiB_per_s(≈, with headers)\trestart_to_first_SEND_OK_s');
for (const sizeMiB of sizesMiB) {
  for (const system of ['rocketmq-ts', 'apache'] as const) {
    if (only && only !== system) continue;
    console.log(await measure(system, sizeMiB));
  }
}
