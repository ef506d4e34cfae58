/**
 * The 5.x remoting programs (interop/java-pop, org.apache.rocketmq:rocketmq-client 5.5.0 from
 * Maven Central: PopFlow, RecallFlow): their classpath (built on first use when missing) and one
 * run against a broker, read back as its JSON line. Test code only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JAVA17_NETTY_FLAGS, repoRoot, runCommand } from './java.ts';

export interface PopView {
  body: string;
  queueId: number;
  queueOffset: number;
  reconsumeTimes: number;
  tag: string | null;
  keys: string | null;
  popCk: string | null;
}

export interface PopFlowResult {
  sent: string[];
  first: PopView[];
  acks: string[];
  changed: string;
  staleAck: string;
  back: PopView[];
  backAcks: string[];
  changedAck: string;
  after: PopView[];
}

const dir = join(repoRoot, 'interop', 'java-pop');
let build: Promise<string> | undefined;

function readyClasspath(): string | null {
  const classes = join(dir, 'target', 'classes');
  const depsFile = join(dir, 'target', 'classpath.txt');
  if (!['PopFlow', 'RecallFlow'].every((name) => existsSync(join(classes, 'io', 'rocketmqts', 'pop', `${name}.class`))) || !existsSync(depsFile)) return null;
  const deps = readFileSync(depsFile, 'utf8').trim();
  if (!deps.split(':').every((jar) => existsSync(jar))) return null;
  return `${classes}:${deps}`;
}

/** PopFlow's classpath, built with Maven when missing (CI builds it first). */
export function popClasspath(): Promise<string> {
  build ??= (async () => {
    const ready = readyClasspath();
    if (ready !== null) return ready;
    await runCommand('bash', [join(dir, 'build.sh')], { timeoutMillis: 10 * 60_000 });
    const built = readyClasspath();
    if (built === null) throw new Error('interop/java-pop/build.sh ran but left no PopFlow / RecallFlow classes or classpath');
    return built;
  })();
  build.catch(() => (build = undefined));
  return build;
}

/** Runs PopFlow: it sends six messages to `topic`, then pops, acks and changes invisible times as `group`. */
export async function runPopFlow(namesrvAddr: string, brokerAddr: string, brokerName: string, topic: string, group: string): Promise<PopFlowResult> {
  const classpath = await popClasspath();
  const args = [...JAVA17_NETTY_FLAGS, '-Xmx256m', '-Dfile.encoding=UTF-8', '-cp', classpath, 'io.rocketmqts.pop.PopFlow', namesrvAddr, brokerAddr, brokerName, topic, group];
  const { stdout } = await runCommand('java', args, { timeoutMillis: 120_000 });
  const line = stdout.split('\n').find((l) => l.startsWith('{"sent"'));
  if (!line) throw new Error(`PopFlow printed no result:\n${stdout}`);
  return JSON.parse(line) as PopFlowResult;
}

export interface RecallFlowResult {
  handles: (string | null)[];
  recalledSendId: string;
  recalledId: string;
  garbled: string;
  late: string;
  received: { body: string; lateBy: number }[];
}

/** Runs RecallFlow: three timer messages to `topic`, the second recalled, then read back as `group`. */
export async function runRecallFlow(namesrvAddr: string, topic: string, group: string): Promise<RecallFlowResult> {
  const classpath = await popClasspath();
  const args = [...JAVA17_NETTY_FLAGS, '-Xmx256m', '-Dfile.encoding=UTF-8', '-cp', classpath, 'io.rocketmqts.pop.RecallFlow', namesrvAddr, topic, group];
  const { stdout } = await runCommand('java', args, { timeoutMillis: 120_000 });
  const line = stdout.split('\n').find((l) => l.startsWith('{"handles"'));
  if (!line) throw new Error(`RecallFlow printed no result:\n${stdout}`);
  return JSON.parse(line) as RecallFlowResult;
}
