/**
 * The Node.js systems under test, each in its own process so /proc readings see only it:
 * rocketmq-ts exactly as a user runs it (`npm start`: packages/server/bin/rocketmq-ts.js, name
 * server + broker in one process, from the built dist/), and the null broker.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sleep, spawnLogged, tailFile, terminate } from '../../interop/lib/java.ts';
import { freePort, freePortWith } from '../../interop/lib/ports.ts';
import { firstAcceptedSend } from './send-probe.ts';
import type { BenchTarget, TargetSettings } from './target.ts';

/** rocketmq-ts gets the same 1 GiB heap cap as Apache's broker JVM (APACHE_JVM). */
export const ROCKETMQ_TS_NODE_FLAGS = ['--max-old-space-size=1024'] as const;

export async function startRocketmqTs(settings: TargetSettings, extraFlags: readonly string[] = []): Promise<BenchTarget> {
  const bin = join(repoRoot, 'packages', 'server', 'bin', 'rocketmq-ts.js');
  if (!existsSync(join(repoRoot, 'packages', 'server', 'dist', 'cli', 'start.js'))) throw new Error('packages/server/dist is missing: run npm run build');
  const runDir = join(settings.workDir, 'rocketmq-ts');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const namesrvPort = await freePort();
  const brokerPort = await freePortWith([-2]);
  const args = [
    ...ROCKETMQ_TS_NODE_FLAGS,
    ...extraFlags,
    bin,
    `--namesrvPort=${namesrvPort}`,
    `--listenPort=${brokerPort}`,
    // The remoting benchmarks compare brokers alone; Apache's broker has no gRPC port either.
    '--grpcServerPort=-1',
    '--bindAddress=127.0.0.1',
    '--brokerIP1=127.0.0.1',
    `--flushDiskType=${settings.flushDiskType}`,
    `--mappedFileSizeCommitLog=${1024 * 1024 * 1024}`,
    // npm start also serves the web console (:8080 by default) since it landed; Apache's broker
    // and name server have none, so it stays off here (its polling would count as broker CPU and RSS).
    '--dashboard=false',
  ];
  const started = Date.now();
  const proc = spawnLogged(process.execPath, args, { cwd: runDir, env: { ...process.env, ROCKETMQ_TS_HOME: runDir }, outFile: join(runDir, 'server.out') });
  try {
    const accepted = await firstAcceptedSend(`127.0.0.1:${brokerPort}`, settings.topics[0] ?? 'BenchStartup', 30_000);
    return {
      label: 'rocketmq-ts',
      namesrvAddr: `127.0.0.1:${namesrvPort}`,
      brokerAddr: `127.0.0.1:${brokerPort}`,
      pids: [proc.pid],
      startupMillis: accepted - started,
      stop: async () => {
        await terminate(proc, 30_000);
        rmSync(runDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await terminate(proc, 5_000);
    throw new Error(`rocketmq-ts did not start: ${error instanceof Error ? error.message : String(error)}\n${tailFile(proc.outFile, 30)}`, { cause: error });
  }
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
