/**
 * Runs RocketMQ's own benchmark programs (org.apache.rocketmq.example.benchmark.Producer and
 * Consumer, compiled from the release's sources by bench/apache/prepare.sh) for a fixed time
 * and hands each report line to the caller as it is printed, with the time it arrived (so the
 * caller can read /proc of the servers at the same moment).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JAVA17_NETTY_FLAGS, killOnExit, repoRoot } from '../../interop/lib/java.ts';

/** The rocketmq-all release whose benchmark programs and client are the load generator. */
export const TOOLS_VERSION = '4.9.8';

/** The load generator's JVM: fixed 1 GiB heap, like the stock tools/runclass.sh minus CMS. */
export const TOOLS_JVM = ['-Xms1g', '-Xmx1g', '-XX:+UseG1GC'] as const;

function toolsClasspath(): string {
  const dir = join(repoRoot, 'bench', 'apache', 'target', `tools-${TOOLS_VERSION}`);
  const deps = join(dir, 'classpath.txt');
  if (!existsSync(join(dir, 'classes', 'org', 'apache', 'rocketmq', 'example', 'benchmark', 'Producer.class')) || !existsSync(deps)) {
    throw new Error(`RocketMQ's benchmark programs are not built: run bash bench/apache/prepare.sh (looked in ${dir})`);
  }
  return `${join(dir, 'classes')}:${readFileSync(deps, 'utf8').trim()}`;
}

export interface ToolRun {
  /** Every line the program printed. */
  output: string;
  /** The exit code or signal (SIGTERM when stopped at the end of `seconds`). */
  exit: number | string;
}

export interface ToolOptions {
  namesrvAddr: string;
  /** Program arguments after -n, e.g. ['-t', 'Bench128', '-w', '16', '-s', '128']. */
  args: readonly string[];
  /** Stops the program (SIGTERM) after this long. */
  seconds: number;
  /** Where the client writes its logs (${user.home}/logs/rocketmqlogs). */
  runDir: string;
  /** Each line as printed, with Date.now() of its arrival. */
  onLine?: (line: string, at: number) => void;
  /** Pins the load generator to these CPUs (`taskset -c`, e.g. "0" or "0-3"). */
  cpus?: string;
}

export function runTool(program: 'Producer' | 'Consumer', options: ToolOptions): Promise<ToolRun> {
  mkdirSync(options.runDir, { recursive: true });
  const args = [
    ...TOOLS_JVM,
    ...JAVA17_NETTY_FLAGS,
    `-Duser.home=${options.runDir}`,
    '-Drocketmq.client.logUseSlf4j=false',
    '-cp',
    toolsClasspath(),
    `org.apache.rocketmq.example.benchmark.${program}`,
    '-n',
    options.namesrvAddr,
    ...options.args,
  ];
  const [command, commandArgs] = options.cpus === undefined ? ['java', args] : ['taskset', ['-c', options.cpus, 'java', ...args]];
  const child = spawn(command, commandArgs, { cwd: options.runDir, stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  let output = '';
  let partial = '';
  const onData = (chunk: Buffer): void => {
    const text = partial + chunk.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      output += line + '\n';
      options.onLine?.(line, Date.now());
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGTERM'), options.seconds * 1000);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run java ${program}: ${error.message} (is Java 17 on PATH?)`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ output: output + partial, exit: code ?? signal ?? 'unknown' });
    });
  });
}
