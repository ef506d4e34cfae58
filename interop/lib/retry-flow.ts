/**
 * Delayed messages, consumer retries and the dead-letter queue with the official Java client
 * 4.8.0, as a test tool: runs interop/java's RetryFlow (one JVM per scenario: a producer, a
 * DefaultMQPushConsumer and, for the DLQ, a DefaultMQAdminExt and a pull consumer) against any
 * name server — ours or Apache RocketMQ's — and returns what it printed, split by event. See
 * RetryFlow.java for the scenarios.
 *
 * ```ts
 * const run = await runRetryFlow('retry', { namesrvAddr, topic, group, count: 4 });
 * ```
 */
import { JavaProgramError, runJavaProgram } from './java-client.ts';

export type RetryScenario = 'delay' | 'retry' | 'dlq' | 'timer';

export interface RetrySent {
  event: 'sent';
  i: number;
  keys: string;
  tags: string;
  delayLevel: number;
  status: string | null;
  msgId: string | null;
  queueId: number | null;
  /** Epoch ms just before / after producer.send (same host clock as receivedMs). */
  sendStartMs: number;
  sendEndMs: number;
  error: string | null;
  /** timer scenario: TIMER_DELIVER_MS or TIMER_DELAY_MS. */
  timerProperty?: string;
  /** timer scenario: the deliver time asked for (epoch ms; for TIMER_DELAY_MS, taken just before the send). */
  timerDeliverMs?: number;
}

export interface RetryConsumed {
  event: 'consumed';
  topic: string;
  tags: string | null;
  keys: string | null;
  bodyHex: string | null;
  msgId: string;
  reconsumeTimes: number;
  /** 1-based count of this key's deliveries. */
  delivery: number;
  receivedMs: number;
  bornMs: number;
  storeMs: number;
  /** "/ip:port" of MessageExt.getBornHost(). */
  bornHost: string;
  /** What the listener returned for it. */
  status: 'RECONSUME_LATER' | 'CONSUME_SUCCESS';
  properties: Record<string, string>;
}

export interface RetryDlqStats {
  event: 'dlq-stats';
  topic: string;
  /** Perm of each queue data of the DLQ topic's route, before the program changes it to 6. */
  perms: number[];
  readQueueNums: number[];
  minOffset: number;
  maxOffset: number;
}

export interface RetryDlqPulled {
  event: 'dlq-pulled';
  topic: string;
  tags: string | null;
  keys: string | null;
  bodyHex: string | null;
  msgId: string;
  reconsumeTimes: number;
  bornHost: string;
  queueId: number;
  queueOffset: number;
  properties: Record<string, string>;
}

interface RetryPhase {
  event: 'phase';
  name: string;
  ms: number;
}

interface RetryDone {
  event: 'done';
  ok: boolean;
  ms: number;
}

type RetryEvent = RetrySent | RetryConsumed | RetryDlqStats | RetryDlqPulled | RetryPhase | RetryDone;

export interface RetryFlowOptions {
  namesrvAddr: string;
  topic: string;
  group: string;
  /** @defaultValue 4 */
  count?: number;
  /** delay scenario. @defaultValue 2 */
  delayLevel?: number;
  /** retry scenario: RECONSUME_LATER for this many deliveries of each message. @defaultValue 2 */
  failTimes?: number;
  /** dlq scenario: consumer.setMaxReconsumeTimes. @defaultValue 2 */
  maxReconsume?: number;
  /** timer scenario: the delay asked for. @defaultValue 3000 */
  timerMillis?: number;
  /** @defaultValue 60000 */
  waitMillis?: number;
  /** Keeps consuming this long after the expected deliveries. @defaultValue 3000 */
  graceMillis?: number;
}

export interface RetryFlowResult {
  sent: RetrySent[];
  consumed: RetryConsumed[];
  dlqStats: RetryDlqStats | null;
  dlqPulled: RetryDlqPulled[];
  phases: Record<string, number>;
  done: RetryDone;
  wallMillis: number;
}

type Partial_ = Omit<RetryFlowResult, 'done'> & { done?: RetryDone };

function split(lines: RetryEvent[], wallMillis: number): Partial_ {
  const result: Partial_ = { sent: [], consumed: [], dlqStats: null, dlqPulled: [], phases: {}, wallMillis };
  for (const line of lines) {
    switch (line.event) {
      case 'sent':
        result.sent.push(line);
        break;
      case 'consumed':
        result.consumed.push(line);
        break;
      case 'dlq-stats':
        result.dlqStats = line;
        break;
      case 'dlq-pulled':
        result.dlqPulled.push(line);
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

function summary(result: Partial_): string {
  const perKey = new Map<string, number[]>();
  for (const c of result.consumed) perKey.set(String(c.keys), [...(perKey.get(String(c.keys)) ?? []), c.reconsumeTimes]);
  return [
    `phases: ${JSON.stringify(result.phases)}`,
    `sent: ${result.sent.length} (${result.sent.filter((s) => s.error !== null).length} failed)`,
    `reconsumeTimes per key: ${JSON.stringify(Object.fromEntries(perKey))}`,
    `dlq: ${JSON.stringify(result.dlqStats)}, pulled ${result.dlqPulled.length}`,
    `done: ${JSON.stringify(result.done ?? null)}`,
  ].join('\n');
}

/** Runs one RetryFlow scenario; a failing program's error message carries a summary of what it printed. */
export async function runRetryFlow(scenario: RetryScenario, options: RetryFlowOptions): Promise<RetryFlowResult> {
  const waitMillis = options.waitMillis ?? 60_000;
  const args = [scenario, '--namesrv', options.namesrvAddr, '--topic', options.topic, '--group', options.group, '--wait-ms', String(waitMillis)];
  if (options.count !== undefined) args.push('--count', String(options.count));
  if (options.delayLevel !== undefined) args.push('--delay-level', String(options.delayLevel));
  if (options.failTimes !== undefined) args.push('--fail-times', String(options.failTimes));
  if (options.maxReconsume !== undefined) args.push('--max-reconsume', String(options.maxReconsume));
  if (options.timerMillis !== undefined) args.push('--timer-ms', String(options.timerMillis));
  if (options.graceMillis !== undefined) args.push('--grace-ms', String(options.graceMillis));
  const started = Date.now();
  try {
    const lines = await runJavaProgram<RetryEvent>('RetryFlow', args, 2 * waitMillis + 60_000);
    const result = split(lines, Date.now() - started);
    if (!result.done) throw new Error(`RetryFlow ${scenario} exited 0 without its "done" line\n${summary(result)}`);
    return { ...result, done: result.done };
  } catch (error) {
    if (error instanceof JavaProgramError) error.message += `\n--- what RetryFlow ${scenario} printed:\n${summary(split(error.lines as RetryEvent[], Date.now() - started))}`;
    throw error;
  }
}

/** Deliveries grouped by keys, in delivery order. */
export function deliveriesByKeys(consumed: readonly RetryConsumed[]): Map<string, RetryConsumed[]> {
  const byKeys = new Map<string, RetryConsumed[]>();
  for (const c of [...consumed].sort((a, b) => a.delivery - b.delivery)) byKeys.set(String(c.keys), [...(byKeys.get(String(c.keys)) ?? []), c]);
  return byKeys;
}
