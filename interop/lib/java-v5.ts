/**
 * The v5 Java client program (interop/java-v5, org.apache.rocketmq:rocketmq-client-java from
 * Maven Central): its classpath (built on first use when missing) and a run of its scenarios
 * against a v5 endpoint, read back as one JSON result per scenario. Test code only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCommand } from './java.ts';

export const V5_SCENARIOS = ['simple', 'fifo', 'delay', 'tx', 'produce', 'consume'] as const;
export type V5Scenario = (typeof V5_SCENARIOS)[number];

export interface V5View {
  id: string;
  body: string;
  tag: string;
  keys: string[];
  group: string;
  attempt: number;
  deliveryTimestamp: number;
  properties: Record<string, string>;
}

export interface V5Result {
  scenario: V5Scenario;
  sent?: string[];
  first?: V5View[];
  back?: V5View[];
  after?: V5View[];
  events?: string[];
  deliverAt?: number;
  receivedAt?: number;
  messages?: V5View[];
  ids?: Record<string, string>;
  checked?: Record<string, string>;
  received?: V5View[];
}

const dir = join(repoRoot, 'interop', 'java-v5');
let build: Promise<string> | undefined;

function readyClasspath(): string | null {
  const classes = join(dir, 'target', 'classes');
  const depsFile = join(dir, 'target', 'classpath.txt');
  const programs = ['V5Flow.class', 'V5Bench.class'];
  if (!programs.every((name) => existsSync(join(classes, 'io', 'rocketmqts', 'v5', name))) || !existsSync(depsFile)) return null;
  const deps = readFileSync(depsFile, 'utf8').trim();
  if (!deps.split(':').every((jar) => existsSync(jar))) return null;
  return `${classes}:${deps}`;
}

/** The classpath of V5Flow and V5Bench, built with Maven when missing (CI builds it first). */
export function v5Classpath(): Promise<string> {
  build ??= (async () => {
    const ready = readyClasspath();
    if (ready !== null) return ready;
    await runCommand('bash', [join(dir, 'build.sh')], { timeoutMillis: 10 * 60_000 });
    const built = readyClasspath();
    if (built === null) throw new Error('interop/java-v5/build.sh ran but left no V5Flow/V5Bench classes or classpath');
    return built;
  })();
  build.catch(() => (build = undefined));
  return build;
}

/**
 * Runs V5Flow's scenarios against `endpoints` (host:port of a v5 gRPC endpoint). Topics and
 * groups are `<prefix>_<scenario>` / `<prefix>_g<scenario>` (`_plain` for produce/consume).
 * `ssl`: connect with TLS (the Java client trusts any server certificate).
 */
export async function runV5Flow(endpoints: string, scenarios: readonly V5Scenario[], prefix: string, count = 10, timeoutMillis = 300_000, options: { ssl?: boolean } = {}): Promise<Map<V5Scenario, V5Result>> {
  const classpath = await v5Classpath();
  // rocketmq-client-java 5.0.8 logs through its own shaded slf4j; nothing reaches stdout, which carries the JSON lines.
  const args = ['-Xmx256m', '-Dfile.encoding=UTF-8', `-Dv5.ssl=${options.ssl === true}`, '-cp', classpath, 'io.rocketmqts.v5.V5Flow', endpoints, scenarios.join(','), prefix, String(count)];
  const { stdout } = await runCommand('java', args, { timeoutMillis });
  const results = new Map<V5Scenario, V5Result>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{"scenario"')) continue;
    const result = JSON.parse(line) as V5Result;
    results.set(result.scenario, result);
  }
  return results;
}

/** One phase of a V5Bench run (interop/java-v5 V5Bench.java); latencies in milliseconds. */
export interface V5BenchPhase {
  phase: 'send' | 'receive' | 'e2e';
  /** send: messages sent; receive: distinct messages acked; e2e: distinct messages received. */
  count: number;
  failed: number;
  seconds: number;
  tps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** receive: messages the send phases left to drain. */
  target?: number;
  /** e2e: messages sent. */
  sent?: number;
  rate?: number;
  /** receive, e2e: messages received, a message delivered twice counted twice (`count` counts it once). */
  deliveries?: number;
  /** Distinct failures ("Class: message", at most 10) and how often each occurred. */
  errors: Record<string, number>;
}

export interface V5BenchOptions {
  threads: number;
  seconds: number;
  size: number;
  warmupSeconds: number;
  /** e2e phase: messages per second. */
  rate: number;
}

/**
 * Runs V5Bench against `endpoints`: topics `<prefix>_tput` and `<prefix>_e2e` must exist
 * (groups `<prefix>_gtput`, `<prefix>_ge2e` are auto-created). Returns its send, receive and e2e phases.
 */
export async function runV5Bench(endpoints: string, prefix: string, options: V5BenchOptions): Promise<Map<V5BenchPhase['phase'], V5BenchPhase>> {
  const classpath = await v5Classpath();
  const { threads, seconds, size, warmupSeconds, rate } = options;
  const args = ['-Xms512m', '-Xmx512m', '-XX:+UseG1GC', '-Dfile.encoding=UTF-8', '-cp', classpath, 'io.rocketmqts.v5.V5Bench', endpoints, prefix, String(threads), String(seconds), String(size), String(warmupSeconds), String(rate)];
  // warm-up + send + drain (at most max(30, 3 x seconds)) + e2e (+ 15 s grace) + JVM and client start-up.
  const timeoutMillis = (warmupSeconds + 5 * seconds + 180) * 1000;
  const { stdout } = await runCommand('java', args, { timeoutMillis });
  const phases = new Map<V5BenchPhase['phase'], V5BenchPhase>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{"phase"')) continue;
    const phase = JSON.parse(line) as V5BenchPhase;
    phases.set(phase.phase, phase);
  }
  return phases;
}
