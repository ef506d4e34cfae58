/**
 * One of our brokers alone in a child process (rocketmq-ts-broker-child.ts), registered with a
 * given name server, so a test can SIGKILL it like a crashed master while the name server and
 * other brokers live on.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { killOnExit, repoRoot, tailText } from './java.ts';

export interface RocketmqTsBrokerProcess {
  readonly pid: number;
  readonly brokerAddr: string;
  /** Everything it printed so far (with RMQTS_BROKER_LOG in its environment: its log). */
  output(): string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
}

export function startRocketmqTsBrokerProcess(options: {
  namesrvAddr: string;
  storeDir: string;
  brokerConfig?: Record<string, string | number | boolean>;
  /** A cold start compiles the TypeScript sources (tsx); beside busy JVMs that takes a while. @defaultValue 90000 */
  startTimeoutMillis?: number;
  /** A command prefix to run node with (a network namespace: interop/lib/netns.ts). */
  prefix?: readonly string[];
  /** Extra environment (RMQTS_BROKER_LOG=warn: the broker's log on stdout, see output()). */
  env?: Record<string, string>;
}): Promise<RocketmqTsBrokerProcess> {
  const child = spawn(
    options.prefix?.[0] ?? process.execPath,
    [
      ...(options.prefix ? [...options.prefix.slice(1), process.execPath] : []),
      '--import', 'tsx', '--conditions=rocketmq-ts-source', join(repoRoot, 'interop', 'lib', 'rocketmq-ts-broker-child.ts'), options.namesrvAddr, options.storeDir, JSON.stringify(options.brokerConfig ?? {})],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  killOnExit(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timeout = options.startTimeoutMillis ?? 90_000;
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`rocketmq-ts broker process ${why}\n${tailText(output, 30)}`));
    };
    const timer = setTimeout(() => fail(`did not print READY within ${timeout} ms`), timeout);
    const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited (${code ?? signal}) before READY`);
    child.once('exit', onEarlyExit);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /^READY (\S+)$/m.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      resolve({
        pid: child.pid ?? -1,
        brokerAddr: match[1]!,
        output: () => output,
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}
