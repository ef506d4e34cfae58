/**
 * The official Java client 4.8.0 as a test tool: runs interop/java's ProduceMessages and
 * ConsumeMessages (DefaultMQProducer / DefaultMQPullConsumer) against any name server — Apache
 * RocketMQ's or ours — and returns the JSON lines they print. The classes are built with Maven on
 * first use when missing (interop/java/build.sh; CI builds them in interop/apache/prepare.sh).
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JAVA17_NETTY_FLAGS, javaClientClasspath, killOnExit, tailFile, tailText } from './java.ts';

/** One line of ProduceMessages: the SendResult of message `i`. */
export interface ProducedMessage {
  i: number;
  /** The client's unique id (UNIQ_KEY), 32 hex digits. */
  msgId: string;
  /** The broker's id: store host + commitLogOffset, 32 hex digits. */
  offsetMsgId: string;
  queueId: number;
  queueOffset: number;
  /** 'SEND_OK' (anything else makes the program fail). */
  status: string;
  brokerName: string;
}

/** One line of ConsumeMessages: a message as the 4.8 pull consumer decoded it. */
export interface ConsumedMessage {
  msgId: string;
  offsetMsgId: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  tags: string | null;
  keys: string | null;
  bodyHex: string | null;
  /** As the client returns them: stored properties plus MIN_OFFSET / MAX_OFFSET added by the pull. */
  properties: Record<string, string>;
  storeTimestamp: number;
  bornTimestamp: number;
  reconsumeTimes: number;
  storeSize: number;
  sysFlag: number;
  bodyCRC: number;
  flag: number;
  bornHost: string | null;
  storeHost: string | null;
  brokerName: string;
}

export interface JavaProducerOptions {
  namesrvAddr: string;
  topic: string;
  count: number;
  /** @defaultValue 'rmqts_interop_producer' */
  group?: string;
  /** Body size in bytes, see {@link expectedBody}; 0 = the "msg-i-" prefix alone. @defaultValue 128 */
  bodySize?: number;
  /** @defaultValue none */
  tags?: string;
  /** keys = prefix + i. @defaultValue 'key-' */
  keysPrefix?: string;
  /** Send K messages per batch (DefaultMQProducer.send(Collection)). @defaultValue 1 */
  batch?: number;
  delayLevel?: number;
  /** First index i. @defaultValue 0 */
  start?: number;
  /** Producer's compressMsgBodyOverHowmuch. @defaultValue 4096 */
  compressOver?: number;
  /** Whole program, JVM start included. @defaultValue 120000 */
  timeoutMillis?: number;
}

export interface JavaConsumerOptions {
  namesrvAddr: string;
  topic: string;
  /** Messages to wait for; -1 = read what is there and stop. */
  expect: number;
  /** @defaultValue 'rmqts_interop_consumer' */
  group?: string;
  /** How long to wait for `expect` messages. @defaultValue 30000 */
  waitMillis?: number;
  /** Start at offset 0 of every queue, or at each queue's end. @defaultValue 'first' */
  from?: 'first' | 'last';
  /** @defaultValue '*' */
  subExpression?: string;
  /** Whole program, JVM start included. @defaultValue waitMillis + 60000 */
  timeoutMillis?: number;
}

/** A Java program that failed; `lines` holds what it printed before failing. */
export class JavaProgramError<T> extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly lines: T[],
  ) {
    super(message);
    this.name = 'JavaProgramError';
  }
}

const PATTERN = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789', 'ascii');

/**
 * The body ProduceMessages sends as message `i` with size `size` (same as Bodies.java): the
 * ASCII prefix "msg-<i>-", then byte j is PATTERN[(i + j) % 36], cut to `size` bytes; size <= 0
 * means the prefix alone.
 */
export function expectedBody(i: number, size: number): Buffer {
  const prefix = Buffer.from(`msg-${i}-`, 'ascii');
  if (size <= 0) return prefix;
  const body = Buffer.alloc(size);
  for (let j = 0; j < size; j++) body[j] = j < prefix.length ? prefix[j]! : PATTERN[(i + j) % PATTERN.length]!;
  return body;
}

/** Runs io.rocketmqts.interop.<main> and parses its JSON lines; `jvmFlags` go before the class (e.g. -Dtls.enable=true). */
export async function runJavaProgram<T>(main: string, args: readonly string[], timeoutMillis: number, jvmFlags: readonly string[] = []): Promise<T[]> {
  const classpath = await javaClientClasspath();
  const home = await mkdtemp(join(tmpdir(), 'rmqts-java-client-'));
  const jvmArgs = [
    '-Xms64m',
    '-Xmx256m',
    ...JAVA17_NETTY_FLAGS,
    // The client logs to ${rocketmq.client.logRoot}/rocketmq_client.log; keep it and user.home out of $HOME.
    `-Duser.home=${home}`,
    `-Drocketmq.client.logRoot=${join(home, 'logs')}`,
    '-Dfile.encoding=UTF-8',
    ...jvmFlags,
    '-cp',
    classpath,
    `io.rocketmqts.interop.${main}`,
    ...args,
  ];
  try {
    const { code, stdout, stderr, timedOut } = await new Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }>(
      (resolve, reject) => {
        const child = spawn('java', jvmArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
        killOnExit(child);
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
        let killed = false;
        const timer = setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, timeoutMillis);
        child.on('error', (error) => {
          clearTimeout(timer);
          reject(new Error(`cannot run java: ${error.message} (Java 17 must be on PATH)`));
        });
        child.on('close', (exitCode) => {
          clearTimeout(timer);
          resolve({
            code: exitCode,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8'),
            timedOut: killed,
          });
        });
      },
    );
    const lines: T[] = [];
    for (const line of stdout.split('\n')) {
      if (line.trim() === '') continue;
      try {
        lines.push(JSON.parse(line) as T);
      } catch {
        throw new JavaProgramError<T>(`${main} printed a line that is not JSON: ${line.slice(0, 200)}`, code, stderr, lines);
      }
    }
    if (timedOut || code !== 0) {
      const why = timedOut ? `did not finish within ${timeoutMillis} ms (killed)` : `exited with ${code}`;
      const clientLog = tailFile(join(home, 'logs', 'rocketmq_client.log'), 15);
      const stderrTail = tailText(stderr.split('\n').filter((line) => !line.startsWith('RocketMQLog:WARN')).join('\n'), 30);
      throw new JavaProgramError<T>(
        `${main} ${args.join(' ')} ${why} after printing ${lines.length} lines\n${stderrTail}` +
          (clientLog === '' ? '' : `\n--- rocketmq_client.log, last lines:\n${clientLog}`),
        code,
        stderr,
        lines,
      );
    }
    return lines;
  } finally {
    // The client log is in the temporary home; a failure message carries its tail.
    rmSync(home, { recursive: true, force: true });
  }
}

/** Sends `count` deterministic messages with the Java DefaultMQProducer 4.8.0 (sync sends). */
export function runJavaProducer(options: JavaProducerOptions): Promise<ProducedMessage[]> {
  const args = ['--namesrv', options.namesrvAddr, '--topic', options.topic, '--count', String(options.count)];
  if (options.group !== undefined) args.push('--group', options.group);
  if (options.bodySize !== undefined) args.push('--body-size', String(options.bodySize));
  if (options.tags !== undefined) args.push('--tags', options.tags);
  if (options.keysPrefix !== undefined) args.push('--keys-prefix', options.keysPrefix);
  if (options.batch !== undefined) args.push('--batch', String(options.batch));
  if (options.delayLevel !== undefined) args.push('--delay-level', String(options.delayLevel));
  if (options.start !== undefined) args.push('--start', String(options.start));
  if (options.compressOver !== undefined) args.push('--compress-over', String(options.compressOver));
  return runJavaProgram<ProducedMessage>('ProduceMessages', args, options.timeoutMillis ?? 120_000);
}

/**
 * Reads every queue of a topic with the Java DefaultMQPullConsumer 4.8.0 until `expect` messages
 * arrived; rejects with a {@link JavaProgramError} (whose `lines` has what was read) when fewer
 * arrive within `waitMillis`. Commits no offsets.
 */
export function runJavaConsumer(options: JavaConsumerOptions): Promise<ConsumedMessage[]> {
  const waitMillis = options.waitMillis ?? 30_000;
  const args = [
    '--namesrv',
    options.namesrvAddr,
    '--topic',
    options.topic,
    '--expect',
    String(options.expect),
    '--timeout-ms',
    String(waitMillis),
  ];
  if (options.group !== undefined) args.push('--group', options.group);
  if (options.from !== undefined) args.push('--from', options.from);
  if (options.subExpression !== undefined) args.push('--sub-expression', options.subExpression);
  return runJavaProgram<ConsumedMessage>('ConsumeMessages', args, options.timeoutMillis ?? waitMillis + 60_000);
}

/** A Java program still running: its JSON lines as they are printed. */
export interface RunningJavaProgram<T> {
  /** Every line printed so far. */
  readonly lines: readonly T[];
  /** Resolves once `check(lines)` holds; rejects after `timeoutMillis` or when the program ends first. */
  until(what: string, check: (lines: readonly T[]) => boolean, timeoutMillis: number): Promise<void>;
  /** The exit status, once it ended (SIGKILL after the program's timeout). */
  readonly exited: Promise<number | null>;
  /** Ends the program now (SIGKILL) and waits for it. */
  stop(): Promise<number | null>;
  /** stderr and the client log's tail, for failure messages. */
  diagnostics(): string;
}

/**
 * Starts one of interop/java's programs and hands over its JSON lines while it runs, for tests
 * that act between deliveries (kill a broker, restart it) instead of waiting for the exit.
 */
export async function startJavaProgram<T>(main: string, args: readonly string[], timeoutMillis: number): Promise<RunningJavaProgram<T>> {
  const classpath = await javaClientClasspath();
  const home = await mkdtemp(join(tmpdir(), 'rmqts-java-client-'));
  const child = spawn(
    'java',
    ['-Xms64m', '-Xmx256m', ...JAVA17_NETTY_FLAGS, `-Duser.home=${home}`, `-Drocketmq.client.logRoot=${join(home, 'logs')}`, '-Dfile.encoding=UTF-8', '-cp', classpath, `io.rocketmqts.interop.${main}`, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  killOnExit(child);
  const lines: T[] = [];
  let pending = '';
  let stderr = '';
  let clientLog = '';
  const waiters = new Set<() => void>();
  const wake = (): void => waiters.forEach((waiter) => waiter());
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) if (line.trim() !== '') lines.push(JSON.parse(line) as T);
    wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
  let ended = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      ended = true;
      clientLog = tailFile(join(home, 'logs', 'rocketmq_client.log'), 15);
      rmSync(home, { recursive: true, force: true });
      wake();
      resolve(code);
    }),
  );
  const diagnostics = (): string =>
    `${tailText(stderr.split('\n').filter((line) => !line.startsWith('RocketMQLog:WARN')).join('\n'), 20)}${clientLog === '' ? '' : `\n--- rocketmq_client.log, last lines:\n${clientLog}`}`;
  return {
    lines,
    exited,
    diagnostics,
    stop: () => {
      if (!ended) child.kill('SIGKILL');
      return exited;
    },
    until: (what, check, waitMillis) =>
      new Promise<void>((resolve, reject) => {
        const done = (error?: Error): void => {
          clearTimeout(deadline);
          waiters.delete(test);
          if (error) reject(error);
          else resolve();
        };
        const test = (): void => {
          if (check(lines)) done();
          else if (ended) done(new Error(`${main} ended before ${what} (${lines.length} lines)\n${diagnostics()}`));
        };
        const deadline = setTimeout(() => done(new Error(`timed out after ${waitMillis} ms waiting for ${what} (${lines.length} lines)\n${diagnostics()}`)), waitMillis);
        waiters.add(test);
        test();
      }),
  };
}
