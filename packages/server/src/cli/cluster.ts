/**
 * `npm start -- --cluster 2m-2s`: several brokers on one machine, each in its own process with its
 * own data directory, registered with the name server of `npm start` — the layouts of Apache
 * RocketMQ's conf/2m-2s-async (and -sync) examples:
 *
 *   <M>m[-<S>s][-sync|-async]   M masters broker-a, broker-b, …; S slaves in all (S a multiple of
 *                               M: S/M per master, brokerId 1, 2, …); -sync makes the masters
 *                               SYNC_MASTER (default ASYNC_MASTER)
 *
 * Broker k (masters first, then the slaves of broker-a, broker-b, …) listens on basePort + 10k
 * (VIP port − 2, HA port + 1), data in <home>/<brokerName>-<brokerId>, log in <home>/logs; master
 * m serves gRPC on grpcServerPort + m (8081, 8082, …); under `--cluster failover` node n does, on
 * grpcServerPort + n − 1, serving while master.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ClusterSpec {
  masters: number;
  slavesPerMaster: number;
  masterRole: 'ASYNC_MASTER' | 'SYNC_MASTER';
}

export interface ClusterBrokerPlan {
  brokerName: string;
  brokerId: number;
  brokerRole: 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';
  listenPort: number;
  storePathRootDir: string;
}

export function parseClusterSpec(text: string): ClusterSpec {
  const match = /^(\d+)m(?:-(\d+)s)?(?:-(sync|async))?$/i.exec(text.trim());
  const masters = Number(match?.[1] ?? 0);
  const slaves = Number(match?.[2] ?? 0);
  if (!match || masters < 1 || masters > 26 || slaves % masters !== 0) {
    throw new Error(`--cluster=${text} is not a layout: use <M>m[-<S>s][-sync|-async] with S a multiple of M, e.g. 2m-2s, 2m-2s-sync, 3m`);
  }
  return { masters, slavesPerMaster: slaves / masters, masterRole: match[3]?.toLowerCase() === 'sync' ? 'SYNC_MASTER' : 'ASYNC_MASTER' };
}

export function planCluster(spec: ClusterSpec, home: string, basePort: number): ClusterBrokerPlan[] {
  const plan: ClusterBrokerPlan[] = [];
  const add = (brokerName: string, brokerId: number, brokerRole: ClusterBrokerPlan['brokerRole']): void => {
    plan.push({ brokerName, brokerId, brokerRole, listenPort: basePort + 10 * plan.length, storePathRootDir: join(home, `${brokerName}-${brokerId}`) });
  };
  const names = Array.from({ length: spec.masters }, (_, i) => `broker-${String.fromCharCode(97 + i)}`);
  for (const name of names) add(name, 0, spec.masterRole);
  for (const name of names) for (let id = 1; id <= spec.slavesPerMaster; id++) add(name, id, 'SLAVE');
  return plan;
}

/**
 * `--cluster failover`: three brokers of broker-a under the controllers (enableControllerMode):
 * the controllers assign their ids and elect the master, so each starts as a follower (the
 * brokerId and role here only name the process and its data directory).
 */
export function planFailover(home: string, basePort: number): ClusterBrokerPlan[] {
  return [1, 2, 3].map((n, k) => ({ brokerName: 'broker-a', brokerId: n, brokerRole: 'SLAVE', listenPort: basePort + 10 * k, storePathRootDir: join(home, `broker-a-n${n}`) }));
}

export interface RunningBroker extends ClusterBrokerPlan {
  readonly process: ChildProcess;
  readonly brokerAddr: string;
  readonly logFile: string;
}

/**
 * The loader flags of this process (tsx when running from source) and its V8 heap sizes
 * (--max-old-space-size, --initial-old-space-size, --max-semi-space-size: docs/deployment.md), without -e and the like.
 */
export function childNodeFlags(argv: readonly string[] = process.execArgv): string[] {
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--import' || arg === '--loader') flags.push(arg, argv[++i] ?? '');
    else if (/^--(import=|conditions|loader=|max-old-space-size=|initial-old-space-size=|max-semi-space-size=)/.test(arg)) flags.push(arg);
  }
  return flags;
}

/** Starts one broker process and resolves once it printed "boot success". */
function startBrokerProcess(plan: ClusterBrokerPlan, namesrvAddr: string, home: string, extra: Record<string, string>, timeoutMillis: number): Promise<RunningBroker> {
  const entry = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './mqbroker-process.ts' : './mqbroker-process.js', import.meta.url));
  const settings: Record<string, string> = {
    ...extra,
    brokerName: plan.brokerName,
    brokerId: String(plan.brokerId),
    brokerRole: plan.brokerRole,
    listenPort: String(plan.listenPort),
    storePathRootDir: plan.storePathRootDir,
  };
  // Masters serve gRPC on grpcServerPort (8081) + k for broker-a, -b, …; slaves serve none; 0 and −1 pass through.
  const grpcBase = Number(extra['grpcServerPort'] ?? 8081);
  if (plan.brokerRole !== 'SLAVE' && grpcBase > 0) settings['grpcServerPort'] = String(grpcBase + plan.brokerName.charCodeAt(plan.brokerName.length - 1) - 97);
  // Under the controllers every broker serves gRPC (as master only), on grpcServerPort + n − 1 for node n.
  if (extra['enableControllerMode'] === 'true' && grpcBase > 0) settings['grpcServerPort'] = String(grpcBase + plan.brokerId - 1);
  const args = [...childNodeFlags(), entry, '-n', namesrvAddr, ...Object.entries(settings).map(([key, value]) => `--${key}=${value}`)];
  mkdirSync(join(home, 'logs'), { recursive: true });
  const logFile = join(home, 'logs', `${plan.brokerName}-${plan.brokerId}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.pipe(log);
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`broker ${plan.brokerName}/${plan.brokerId} on port ${plan.listenPort} ${why}; its log is ${logFile}:\n${output.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail(`did not boot within ${timeoutMillis} ms`), timeoutMillis);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited (${code ?? signal}) while starting`);
    const onStderr = (chunk: Buffer): void => void (output += chunk.toString('utf8'));
    const onStdout = (chunk: Buffer): void => {
      log.write(chunk);
      output += chunk.toString('utf8');
      const match = /The broker\[[^,]+, (\S+)\] boot success/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stderr.off('data', onStderr);
      child.stdout.off('data', onStdout);
      child.stdout.pipe(log);
      resolve({ ...plan, process: child, brokerAddr: match[1]!, logFile });
    };
    child.once('exit', onExit);
    child.stderr.on('data', onStderr);
    child.stdout.on('data', onStdout);
  });
}

/** Starts the planned brokers (masters first, so slaves find them); on a failure stops those started. */
export async function startClusterProcesses(
  plan: readonly ClusterBrokerPlan[],
  namesrvAddr: string,
  home: string,
  extra: Record<string, string> = {},
  timeoutMillis = 60_000,
): Promise<RunningBroker[]> {
  const running: RunningBroker[] = [];
  try {
    for (const broker of plan) running.push(await startBrokerProcess(broker, namesrvAddr, home, extra, timeoutMillis));
  } catch (error) {
    await stopClusterProcesses(running);
    throw error;
  }
  return running;
}

/** SIGTERM to every broker (each flushes, unregisters and exits), SIGKILL after `graceMillis`. */
export async function stopClusterProcesses(brokers: readonly RunningBroker[], graceMillis = 20_000): Promise<void> {
  await Promise.all(
    brokers.map(
      (broker) =>
        new Promise<void>((resolve) => {
          const child = broker.process;
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMillis);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
