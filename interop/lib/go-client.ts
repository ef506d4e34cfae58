/**
 * The official Go client, github.com/apache/rocketmq-client-go/v2 (the version pinned in
 * interop/go/go.mod), as a test tool: runs interop/go's rmqts-go — a Producer (SendSync) and a
 * PushConsumer — against any name server, ours or Apache RocketMQ's, and returns the JSON lines it
 * prints. The binary is built on first use when missing or older than its sources
 * (interop/go/prepare.sh; the first build downloads the modules through the Go module proxy).
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { killOnExit, repoRoot, runCommand, tailText } from './java.ts';

const goDir = join(repoRoot, 'interop', 'go');
/** Where interop/go/prepare.sh puts the program. */
export const goClientBinaryPath = join(goDir, 'bin', 'rmqts-go');

/** First build: module download + compile of the client and its dependencies. */
const GO_BUILD_TIMEOUT_MILLIS = 150_000;

let binary: Promise<string> | null = null;

/** The path of rmqts-go, built by interop/go/prepare.sh when missing or stale. */
export function goClientBinary(): Promise<string> {
  binary ??= (async () => {
    const stale = (): boolean => {
      if (!existsSync(goClientBinaryPath)) return true;
      const built = statSync(goClientBinaryPath).mtimeMs;
      return ['main.go', 'go.mod', 'go.sum'].some((file) => statSync(join(goDir, file)).mtimeMs > built);
    };
    if (stale()) {
      await runCommand('bash', [join(goDir, 'prepare.sh')], { timeoutMillis: GO_BUILD_TIMEOUT_MILLIS }).catch((error: unknown) => {
        throw new Error(`cannot build interop/go (needs Go 1.22+ on PATH and the Go module proxy reachable): ${String(error)}`);
      });
      if (stale()) throw new Error(`interop/go/prepare.sh ran but ${goClientBinaryPath} is still missing or stale`);
    }
    return goClientBinaryPath;
  })();
  binary.catch(() => {
    binary = null;
  });
  return binary;
}

/** One line of `rmqts-go produce`: the SendResult of message `i`. */
export interface GoProducedMessage {
  i: number;
  msgId: string;
  offsetMsgId: string;
  queueId: number;
  queueOffset: number;
  status: string;
  brokerName: string;
}

/** One line of `rmqts-go consume`: a message as the Go push consumer decoded it. */
export interface GoConsumedMessage {
  msgId: string;
  offsetMsgId: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  tags: string;
  keys: string;
  bodyHex: string;
  properties: Record<string, string>;
  reconsumeTimes: number;
  storeHost: string;
  bornHost: string;
  storeTimestamp: number;
  bornTimestamp: number;
}

export interface GoProducerOptions {
  namesrvAddr: string;
  topic: string;
  count: number;
  /** @defaultValue 'rmqts_interop_go_producer' */
  group?: string;
  /** Message i gets tags[i % tags.length]. @defaultValue no tags */
  tags?: readonly string[];
  /** @defaultValue 'key-' */
  keysPrefix?: string;
  /** See expectedBody in java-client.ts. @defaultValue 64 */
  bodySize?: number;
  /** @defaultValue 60000 */
  timeoutMillis?: number;
}

export interface GoConsumerOptions {
  namesrvAddr: string;
  topic: string;
  group: string;
  /** Distinct messages to wait for. */
  expect: number;
  /** @defaultValue '*' */
  subExpression?: string;
  /** How long to wait for them. @defaultValue 30000 */
  waitMillis?: number;
  /** How long it keeps consuming after the last one, to catch duplicates. @defaultValue 1000 */
  graceMillis?: number;
  /**
   * Called once all `expect` messages arrived, while the consumer is still online; the consumer
   * shuts down (committing its offsets) when the returned promise settles. Replaces the grace time.
   */
  whileOnline?: () => Promise<void>;
}

/** A run of rmqts-go that failed; `lines` holds what it printed before failing. */
export class GoProgramError<T> extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly lines: T[],
  ) {
    super(message);
    this.name = 'GoProgramError';
  }
}

/** A running rmqts-go: its stdin, and its JSON lines once it exited 0. */
interface GoRun<T> {
  stdin: NodeJS.WritableStream;
  result: Promise<T[]>;
}

async function startGo<T>(args: readonly string[], timeoutMillis: number, onLine?: (line: T) => void): Promise<GoRun<T>> {
  const path = await goClientBinary();
  const child = spawn(path, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  killOnExit(child);
  const lines: T[] = [];
  const err: Buffer[] = [];
  let partial = '';
  let parseError: string | null = null;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    partial += chunk;
    let newline: number;
    while ((newline = partial.indexOf('\n')) >= 0) {
      const text = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      if (text.trim() === '') continue;
      try {
        const line = JSON.parse(text) as T;
        lines.push(line);
        onLine?.(line);
      } catch {
        parseError ??= `rmqts-go printed a line that is not JSON: ${text.slice(0, 200)}`;
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  child.stdin.on('error', () => undefined); // EPIPE when it exits first
  const result = new Promise<T[]>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMillis);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${path}: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (parseError !== null) {
        reject(new GoProgramError<T>(parseError, code, stderr, lines));
      } else if (timedOut || code !== 0) {
        const why = timedOut ? `did not finish within ${timeoutMillis} ms (killed)` : `exited with ${code}`;
        reject(new GoProgramError<T>(`rmqts-go ${args.join(' ')} ${why} after printing ${lines.length} lines\n${tailText(stderr, 30)}`, code, stderr, lines));
      } else {
        resolve(lines);
      }
    });
  });
  return { stdin: child.stdin, result };
}

/** Sends `count` deterministic messages with the Go Producer (SendSync, one at a time). */
export async function runGoProducer(options: GoProducerOptions): Promise<GoProducedMessage[]> {
  const args = ['produce', '--namesrv', options.namesrvAddr, '--topic', options.topic, '--count', String(options.count)];
  if (options.group !== undefined) args.push('--group', options.group);
  if (options.tags !== undefined) args.push('--tags', options.tags.join(','));
  if (options.keysPrefix !== undefined) args.push('--keys-prefix', options.keysPrefix);
  if (options.bodySize !== undefined) args.push('--body-size', String(options.bodySize));
  const run = await startGo<GoProducedMessage>(args, options.timeoutMillis ?? 60_000);
  run.stdin.end();
  return run.result;
}

/**
 * Consumes with a Go PushConsumer (CLUSTERING, CONSUME_FROM_FIRST_OFFSET) until `expect` distinct
 * messages arrived; returns every delivery (duplicates included). Rejects with a
 * {@link GoProgramError} (whose `lines` has what arrived) when fewer arrive within `waitMillis`,
 * or with the error of `whileOnline`.
 */
export async function runGoConsumer(options: GoConsumerOptions): Promise<GoConsumedMessage[]> {
  const waitMillis = options.waitMillis ?? 30_000;
  const args = [
    'consume',
    '--namesrv',
    options.namesrvAddr,
    '--topic',
    options.topic,
    '--group',
    options.group,
    '--expect',
    String(options.expect),
    '--timeout-ms',
    String(waitMillis),
  ];
  if (options.subExpression !== undefined) args.push('--sub', options.subExpression);
  if (options.graceMillis !== undefined) args.push('--grace-ms', String(options.graceMillis));
  const whileOnline = options.whileOnline;
  if (whileOnline) args.push('--until-stdin-closes');
  const started: { stdin?: NodeJS.WritableStream } = {};
  let online: Promise<unknown> = Promise.resolve(undefined);
  const run = await startGo<GoConsumedMessage | { event: string }>(args, waitMillis + 120_000, (line) => {
    if ('event' in line && line.event === 'done' && whileOnline) {
      // Settles to the error, if any; the consumer shuts down either way.
      online = whileOnline().then(
        () => undefined,
        (error: unknown) => error ?? new Error('whileOnline failed'),
      );
      void online.finally(() => started.stdin?.end());
    }
  });
  started.stdin = run.stdin;
  if (!whileOnline) run.stdin.end();
  const lines = await run.result;
  const onlineError = await online;
  if (onlineError !== undefined) throw onlineError instanceof Error ? onlineError : new Error(String(onlineError));
  return lines.filter((line): line is GoConsumedMessage => !('event' in line));
}
