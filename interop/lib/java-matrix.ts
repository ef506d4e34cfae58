/**
 * The client-version matrix program (interop/java-matrix MatrixFlow) run on one rocketmq-client
 * release: compiled on first use per version (interop/java-matrix/build.sh VERSION), one JVM per
 * run, one JSON line per scenario. Test code only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JAVA17_NETTY_FLAGS, repoRoot, runCommand } from './java.ts';

/** The Java client releases the matrix proves: the 4.8 line, the latest 4.9.x and the latest 5.x remoting client. */
export const MATRIX_CLIENT_VERSIONS = ['4.8.0', '4.9.8', '5.5.0'] as const;
export type MatrixClientVersion = (typeof MATRIX_CLIENT_VERSIONS)[number];

export const MATRIX_SCENARIOS = ['send', 'batch', 'pull', 'retry', 'admin', 'mixed'] as const;
export type MatrixScenario = (typeof MATRIX_SCENARIOS)[number];

/** One message as MatrixFlow's consumers saw it. */
export interface MatrixReceived {
  topic: string;
  tags: string | null;
  keys: string | null;
  msgId: string;
  body: string;
  reconsumeTimes: number;
  properties: Record<string, string>;
}

export interface MatrixSent {
  mode: string;
  i: number;
  status: string;
  msgId?: string;
}

/** A scenario's line; which facts it has depends on the scenario. */
export interface MatrixResult {
  scenario: MatrixScenario;
  clientVersion: string;
  ok: boolean;
  error: string | null;
  ms: number;
  sent?: MatrixSent[];
  received?: MatrixReceived[];
  first?: MatrixReceived[];
  second?: MatrixReceived[];
  deliveries?: MatrixReceived[];
  clusters?: string[];
  brokerNames?: string[];
  routeReadQueues?: number;
  topicMaxOffsetSum?: number;
  topicListed?: boolean;
  sendGroupDiffTotal?: number;
  viewedKeys?: string | null;
}

const builds = new Map<string, Promise<string>>();

function readyClasspath(version: string): string | null {
  const dir = join(repoRoot, 'interop', 'java-matrix', 'target', version);
  const classes = join(dir, 'classes');
  const depsFile = join(dir, 'classpath.txt');
  if (!existsSync(join(classes, 'io', 'rocketmqts', 'matrix', 'MatrixFlow.class')) || !existsSync(depsFile)) return null;
  const deps = readFileSync(depsFile, 'utf8').trim();
  if (!deps.split(':').every((jar) => existsSync(jar))) return null;
  return `${classes}:${deps}`;
}

/** MatrixFlow's classpath on `version`, built with Maven when missing (CI builds every version first). */
export function matrixClasspath(version: string): Promise<string> {
  let build = builds.get(version);
  if (!build) {
    build = (async () => {
      const ready = readyClasspath(version);
      if (ready !== null) return ready;
      await runCommand('bash', [join(repoRoot, 'interop', 'java-matrix', 'build.sh'), version], { timeoutMillis: 10 * 60_000 });
      const built = readyClasspath(version);
      if (built === null) throw new Error(`interop/java-matrix/build.sh ${version} ran but left no MatrixFlow classes or classpath`);
      return built;
    })();
    build.catch(() => builds.delete(version));
    builds.set(version, build);
  }
  return build;
}

export interface MatrixRunOptions {
  namesrvAddr: string;
  /** Names every topic and group of the run. */
  prefix: string;
  scenarios?: readonly MatrixScenario[];
  /** The mixed scenario: the topic the TypeScript client filled (TagM), how many, and where Java sends its batch (TagJ). */
  mixed?: { in: string; inCount: number; out: string };
  /** @defaultValue 240000 */
  timeoutMillis?: number;
}

/** Runs MatrixFlow on `version`; resolves with one result per scenario (a failed scenario is a result, not a rejection). */
export async function runMatrixFlow(version: string, options: MatrixRunOptions): Promise<Map<MatrixScenario, MatrixResult>> {
  const classpath = await matrixClasspath(version);
  const args = [...JAVA17_NETTY_FLAGS, '-Xmx256m', '-Duser.timezone=UTC', '-Dfile.encoding=UTF-8', '-cp', classpath, 'io.rocketmqts.matrix.MatrixFlow'];
  args.push('--namesrv', options.namesrvAddr, '--prefix', options.prefix, '--scenarios', (options.scenarios ?? MATRIX_SCENARIOS).join(','));
  if (options.mixed) args.push('--mixed-in', options.mixed.in, '--mixed-in-count', String(options.mixed.inCount), '--mixed-out', options.mixed.out);
  let stdout: string;
  try {
    ({ stdout } = await runCommand('java', args, { timeoutMillis: options.timeoutMillis ?? 240_000 }));
  } catch (error) {
    // Exit 3 = some scenario failed: its line says why, so the results are still read.
    const output = (error as { output?: string }).output ?? '';
    if ((error as { exitCode?: number | null }).exitCode !== 3) throw error;
    stdout = output;
  }
  const results = new Map<MatrixScenario, MatrixResult>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{"scenario"')) continue;
    const result = JSON.parse(line) as MatrixResult;
    results.set(result.scenario, result);
  }
  return results;
}
