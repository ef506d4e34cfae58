/**
 * Our name server and broker (startCluster) in a child process on a given store directory, so
 * that a test can kill it like a crashed broker: `const ours = await startRocketmqTsProcess({
 * storeDir, brokerConfig })`, then `await ours.kill()` (SIGKILL: no flush, no clean shutdown —
 * the store keeps its `abort` and `lock` files). The child is rocketmq-ts-child.ts.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { killOnExit, repoRoot, tailText } from './java.ts';

export interface RocketmqTsProcess {
  readonly pid: number;
  readonly namesrvAddr: string;
  readonly brokerAddr: string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface RocketmqTsProcessOptions {
  storeDir: string;
  /** BrokerConfig entries (JSON values) over startCluster's. */
  brokerConfig?: Record<string, string | number | boolean>;
  /**
   * Where startCluster in the child makes its temporary directory (the name server's
   * kvConfig.json), which a killed child cannot remove. @defaultValue the store's parent directory
   */
  tmpDir?: string;
  /** @defaultValue 30000 */
  startTimeoutMillis?: number;
}

export function startRocketmqTsProcess(options: RocketmqTsProcessOptions): Promise<RocketmqTsProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=rocketmq-ts-source',
      join(repoRoot, 'interop', 'lib', 'rocketmq-ts-child.ts'),
      options.storeDir,
      JSON.stringify(options.brokerConfig ?? {}),
      options.tmpDir ?? dirname(options.storeDir),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  killOnExit(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`rocketmq-ts child process ${why}\n${tailText(stdout + stderr, 30)}`));
    };
    const timer = setTimeout(() => fail(`did not print READY within ${options.startTimeoutMillis ?? 30_000} ms`), options.startTimeoutMillis ?? 30_000);
    const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited (${code ?? signal}) before READY`);
    child.once('exit', onEarlyExit);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /^READY (\S+) (\S+)$/m.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      resolve({
        pid: child.pid ?? -1,
        namesrvAddr: match[1]!,
        brokerAddr: match[2]!,
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}
