/**
 * The tutorial's pay flow with the official Java client 4.8.0, as a test tool: runs
 * interop/java's PayFlow (one JVM per scenario: a "pay_group" DefaultMQProducer plus push or
 * lite-pull consumers) against any name server — ours or Apache RocketMQ's — and returns what it
 * printed, split by event. See PayFlow.java for the scenarios.
 *
 * ```ts
 * const run = await runPayFlow('split', { namesrvAddr, topic, group, count: 60 });
 * assertExactlyOnce(run.consumed, keysOf(0, 60), 'group G');
 * ```
 */
import assert from 'node:assert/strict';
import { expectedBody, JavaProgramError, runJavaProgram } from './java-client.ts';

export type PayScenario = 'pay' | 'tags' | 'split' | 'groups' | 'broadcast' | 'lite-pull';

/** A send as the producer saw it: status/msgId/queue are null for oneway sends (and on error). */
export interface PaySent {
  event: 'sent';
  mode: 'sync' | 'async' | 'oneway';
  i: number;
  keys: string;
  tags: string;
  status: string | null;
  msgId: string | null;
  queueId: number | null;
  queueOffset: number | null;
  error: string | null;
}

/** A message handed to a listener (push) or returned by poll() (lite pull). */
export interface PayConsumed {
  event: 'consumed';
  /** c1, c2 (push consumers) or lp1 (the lite-pull consumer). */
  consumer: string;
  group: string;
  topic: string;
  tags: string | null;
  keys: string | null;
  bodyHex: string | null;
  msgId: string;
  queueId: number;
  queueOffset: number;
  reconsumeTimes: number;
  /** Consume time minus born time, in ms (same host clock). */
  latencyMs: number;
}

export interface PayAssigned {
  event: 'assigned';
  consumer: string;
  group: string;
  queues: number[];
}

export interface PayPhase {
  event: 'phase';
  name: string;
  ms: number;
}

export interface PayDone {
  event: 'done';
  ok: boolean;
  expected: Record<string, number>;
  got: Record<string, number>;
  ms: number;
}

type PayEvent = PaySent | PayConsumed | PayAssigned | PayPhase | PayDone;

export interface PayFlowOptions {
  namesrvAddr: string;
  topic: string;
  /** Consumer group (the groups scenario uses `<group>-a` and `<group>-b`). */
  group: string;
  /** N, see PayFlow.java. @defaultValue 50 */
  count?: number;
  /** @defaultValue 64 */
  bodySize?: number;
  /** How long the program waits for the expected messages. @defaultValue 30000 */
  waitMillis?: number;
  /** How long it keeps consuming after that, to catch duplicates. @defaultValue 1000 */
  graceMillis?: number;
  /** Whole program, JVM start included. @defaultValue waitMillis + 60000 */
  timeoutMillis?: number;
}

export interface PayFlowResult {
  sent: PaySent[];
  consumed: PayConsumed[];
  assigned: PayAssigned[];
  /** Phase name → ms since the program started. */
  phases: Record<string, number>;
  done: PayDone;
  /** Wall time of the whole JVM run, as seen from here. */
  wallMillis: number;
}

/** Body of message i as PayFlow sends it. */
export const payBody = expectedBody;

/** Keys "1234<i>" of messages from..to−1. */
export function keysOf(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, k) => `1234${from + k}`);
}

function split(lines: PayEvent[], wallMillis: number): Omit<PayFlowResult, 'done'> & { done?: PayDone } {
  const result: Omit<PayFlowResult, 'done'> & { done?: PayDone } = { sent: [], consumed: [], assigned: [], phases: {}, wallMillis };
  for (const line of lines) {
    switch (line.event) {
      case 'sent':
        result.sent.push(line);
        break;
      case 'consumed':
        result.consumed.push(line);
        break;
      case 'assigned':
        result.assigned.push(line);
        break;
      case 'phase':
        result.phases[line.name] = line.ms;
        break;
      case 'done':
        result.done = line;
        break;
    }
  }
  return result;
}

/** What a run printed, in a few lines (for failure messages). */
function summary(result: Omit<PayFlowResult, 'done'> & { done?: PayDone }): string {
  const perConsumer = new Map<string, number>();
  for (const line of result.consumed) perConsumer.set(`${line.group}/${line.consumer}`, (perConsumer.get(`${line.group}/${line.consumer}`) ?? 0) + 1);
  const failedSends = result.sent.filter((s) => s.error !== null || (s.mode !== 'oneway' && s.status !== 'SEND_OK'));
  return [
    `phases: ${JSON.stringify(result.phases)}`,
    `sent: ${result.sent.length} (${failedSends.length} failed${failedSends[0] ? `, first: ${JSON.stringify(failedSends[0])}` : ''})`,
    `consumed per group/consumer: ${JSON.stringify(Object.fromEntries(perConsumer))}`,
    `assigned: ${JSON.stringify(result.assigned.map((a) => [a.consumer, a.queues]))}`,
    `done: ${JSON.stringify(result.done ?? null)}`,
  ].join('\n');
}

/** Runs one PayFlow scenario; a failing program's error message carries a summary of what it printed. */
export async function runPayFlow(scenario: PayScenario, options: PayFlowOptions): Promise<PayFlowResult> {
  const waitMillis = options.waitMillis ?? 30_000;
  const args = [scenario, '--namesrv', options.namesrvAddr, '--topic', options.topic, '--group', options.group, '--wait-ms', String(waitMillis)];
  if (options.count !== undefined) args.push('--count', String(options.count));
  if (options.bodySize !== undefined) args.push('--body-size', String(options.bodySize));
  if (options.graceMillis !== undefined) args.push('--grace-ms', String(options.graceMillis));
  const started = Date.now();
  try {
    const lines = await runJavaProgram<PayEvent>('PayFlow', args, options.timeoutMillis ?? waitMillis + 60_000);
    const result = split(lines, Date.now() - started);
    if (!result.done) throw new Error(`PayFlow ${scenario} exited 0 without its "done" line\n${summary(result)}`);
    return { ...result, done: result.done };
  } catch (error) {
    if (error instanceof JavaProgramError) error.message += `\n--- what PayFlow ${scenario} printed:\n${summary(split(error.lines as PayEvent[], Date.now() - started))}`;
    throw error;
  }
}

/** Asserts every sync/async send was SEND_OK and every oneway send raised nothing. */
export function assertSendsOk(sent: readonly PaySent[]): void {
  for (const s of sent) {
    assert.equal(s.error, null, `send ${s.mode} #${s.i} failed: ${s.error}`);
    if (s.mode !== 'oneway') {
      assert.equal(s.status, 'SEND_OK', `send ${s.mode} #${s.i}: ${JSON.stringify(s)}`);
      // UNIQ_KEY: 32 hex digits from an IPv4 client, 56 from an IPv6 one.
      assert.match(s.msgId ?? '', /^([0-9A-F]{32}|[0-9A-F]{56})$/, `msgId of ${s.mode} send #${s.i}`);
    }
  }
}

/**
 * Asserts `consumed` holds each key of `keys` exactly once and nothing else, naming the missing,
 * duplicated and unexpected keys.
 */
export function assertExactlyOnce(consumed: readonly PayConsumed[], keys: readonly string[], what: string): void {
  const counts = new Map<string, number>();
  for (const line of consumed) counts.set(String(line.keys), (counts.get(String(line.keys)) ?? 0) + 1);
  const wanted = new Set(keys);
  const missing = keys.filter((key) => !counts.has(key));
  const duplicated = [...counts].filter(([key, n]) => wanted.has(key) && n > 1).map(([key, n]) => `${key}×${n}`);
  const unexpected = [...counts.keys()].filter((key) => !wanted.has(key));
  const sample = (list: string[]): string => `${list.length}${list.length > 0 ? ` (${list.slice(0, 8).join(', ')}${list.length > 8 ? ', …' : ''})` : ''}`;
  assert.ok(
    missing.length === 0 && duplicated.length === 0 && unexpected.length === 0,
    `${what}: ${consumed.length} deliveries for ${keys.length} messages; missing ${sample(missing)}, duplicated ${sample(duplicated)}, unexpected ${sample(unexpected)}`,
  );
}

/**
 * Asserts every delivery is the message that was sent: topic, tags, keys, body, and (for sync
 * and async sends) the msgId, queueId and queueOffset the producer got back.
 */
export function assertIntact(consumed: readonly PayConsumed[], sent: readonly PaySent[], topic: string, bodySize: number): void {
  const byKeys = new Map(sent.map((s) => [s.keys, s]));
  for (const got of consumed) {
    const s = byKeys.get(String(got.keys));
    assert.ok(s, `consumed a message with keys ${got.keys} that was never sent`);
    const what = `message ${s.mode} #${s.i} as consumed by ${got.group}/${got.consumer}`;
    assert.equal(got.topic, topic, `${what}: topic`);
    assert.equal(got.tags, s.tags, `${what}: tags`);
    assert.equal(got.bodyHex, payBody(s.i, bodySize).toString('hex'), `${what}: body`);
    assert.equal(got.reconsumeTimes, 0, `${what}: reconsumeTimes`);
    if (s.mode !== 'oneway') {
      assert.equal(got.msgId, s.msgId, `${what}: msgId`);
      assert.equal(got.queueId, s.queueId, `${what}: queueId`);
      assert.equal(got.queueOffset, s.queueOffset, `${what}: queueOffset`);
    }
  }
}

/** "n msgs, latency mean/max ms" of some deliveries, for diagnostics. */
export function latencyText(consumed: readonly PayConsumed[]): string {
  if (consumed.length === 0) return 'no deliveries';
  const latencies = consumed.map((c) => c.latencyMs);
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  return `${consumed.length} deliveries, born→consumed mean ${mean.toFixed(0)} ms, max ${Math.max(...latencies)} ms`;
}
