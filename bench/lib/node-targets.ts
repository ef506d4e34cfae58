/**
 * The Node.js systems under test, each in its own process so /proc readings see only it:
 * rocketmq-ts exactly as a user runs it (`npm start`: packages/server/bin/rocketmq-ts.js, name
 * server + broker in one process, from the built dist/), and the null broker.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sleep, spawnLogged, tailFile, terminate } from '../../interop/lib/java.ts';
import { freePort, freePortWith } from '../../interop/lib/ports.ts';
import { firstAcceptedSend } from './send-probe.ts';
import { type BenchTarget, pinned, type TargetSettings } from './target.ts';

/** rocketmq-ts as `npm start` runs it (a 256 MiB initial old-generation limit: docs/deployment.md), with the same 1 GiB heap cap as Apache's broker JVM (APACHE_JVM). */
export const ROCKETMQ_TS_NODE_FLAGS = ['--max-old-space-size=1024', '--initial-old-space-size=256'] as const;

/**
 * `options.brokers` > 1 runs `npm start -- --brokers N`: the name server in the npm start process,
 * each master in a child process (their pids are read once all answer a send).
 */
export async function startRocketmqTs(
  settings: TargetSettings,
  extraFlags: readonly string[] = [],
  options: { brokers?: number; /** More `npm start` options, e.g. --serverSelectorThreads=1. */ brokerArgs?: readonly string[]; label?: string } = {},
): Promise<BenchTarget> {
  const brokers = options.brokers ?? 1;
  const bin = join(repoRoot, 'packages', 'server', 'bin', 'rocketmq-ts.js');
  if (!existsSync(join(repoRoot, 'packages', 'server', 'dist', 'cli', 'start.js'))) throw new Error('packages/server/dist is missing: run npm run build');
  const runDir = join(settings.workDir, 'rocketmq-ts');
  if (!settings.keepStore) rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const namesrvPort = await freePort();
  // Broker k listens on brokerPort + 10k, with its VIP port (−2) and its HA port (+1).
  const brokerPort = await freePortWith(Array.from({ length: brokers }, (_, k) => [10 * k - 2, 10 * k, 10 * k + 1]).flat().filter((d) => d !== 0));
  const brokerAddrs = Array.from({ length: brokers }, (_, k) => `127.0.0.1:${brokerPort + 10 * k}`);
  const args = [
    ...ROCKETMQ_TS_NODE_FLAGS,
    ...extraFlags,
    bin,
    `--namesrvPort=${namesrvPort}`,
    ...(brokers === 1 ? [`--listenPort=${brokerPort}`] : [`--brokers=${brokers}`, `--basePort=${brokerPort}`]),
    // The remoting benchmarks compare brokers alone; Apache's broker has no gRPC port either.
    '--grpcServerPort=-1',
    '--bindAddress=127.0.0.1',
    '--brokerIP1=127.0.0.1',
    `--flushDiskType=${settings.flushDiskType}`,
    `--mappedFileSizeCommitLog=${settings.commitLogSegmentBytes ?? 1024 * 1024 * 1024}`,
    // npm start also serves the web console (:8080 by default) since it landed; Apache's broker
    // and name server have none, so it stays off here (its polling would count as broker CPU and RSS).
    '--dashboard=false',
    ...(options.brokerArgs ?? []),
  ];
  const started = Date.now();
  const proc = spawnLogged(...pinned(settings.cpus, process.execPath, args), { cwd: runDir, env: { ...process.env, ROCKETMQ_TS_HOME: runDir }, outFile: join(runDir, 'server.out') });
  try {
    let accepted = 0;
    for (const addr of brokerAddrs) accepted = Math.max(accepted, await firstAcceptedSend(addr, settings.topics[0] ?? 'BenchStartup', 30_000));
    return {
      label: options.label ?? (brokers === 1 ? 'rocketmq-ts' : `rocketmq-ts x${brokers}`),
      namesrvAddr: `127.0.0.1:${namesrvPort}`,
      brokerAddr: brokerAddrs[0]!,
      ...(brokers === 1 ? {} : { brokerAddrs }),
      pids: [proc.pid, ...childPids(proc.pid)],
      startupMillis: accepted - started,
      stop: async () => {
        await terminate(proc, 30_000);
        if (!settings.keepStore) rmSync(runDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await terminate(proc, 5_000);
    throw new Error(`rocketmq-ts did not start: ${error instanceof Error ? error.message : String(error)}\n${tailFile(proc.outFile, 30)}`, { cause: error });
  }
}

/** The processes whose parent is `pid` (the brokers npm start --brokers spawned). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (child.trim() !== '') out.push(Number(child));
    } catch {
      // The thread ended.
    }
  }
  return out;
}

export async function startNullBrokerProcess(settings: TargetSettings): Promise<BenchTarget> {
  const runDir = join(settings.workDir, 'null-broker');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const main = join(repoRoot, 'bench', 'null-broker', 'main.ts');
  const started = Date.now();
  const proc = spawnLogged(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', main, '0', settings.topics.join(',')], {
    cwd: repoRoot,
    env: { ...process.env, TMPDIR: runDir },
    outFile: join(runDir, 'server.out'),
  });
  const deadline = started + 30_000;
  for (;;) {
    const match = /^READY (\S+) (\S+)$/m.exec(existsSync(proc.outFile) ? readFileSync(proc.outFile, 'utf8') : '');
    if (match) {
      const brokerAddr = match[2]!;
      const accepted = await firstAcceptedSend(brokerAddr, settings.topics[0] ?? 'BenchStartup', 10_000);
      return {
        label: 'null-broker',
        namesrvAddr: match[1]!,
        brokerAddr,
        pids: [proc.pid],
        startupMillis: accepted - started,
        stop: async () => {
          await terminate(proc, 10_000);
          rmSync(runDir, { recursive: true, force: true });
        },
      };
    }
    if (proc.exitStatus() !== undefined || Date.now() > deadline) {
      await terminate(proc, 1_000);
      throw new Error(`the null broker did not start:\n${tailFile(proc.outFile, 30)}`);
    }
    await sleep(20);
  }
}
