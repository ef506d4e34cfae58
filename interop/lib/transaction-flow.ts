/**
 * Transactional messages with the official Java client 4.8.0 (TransactionMQProducer), as a test
 * tool: runs interop/java's TransactionFlow against any name server — ours or Apache
 * RocketMQ's — and returns what it printed, split by event. See TransactionFlow.java for the
 * scenarios and what the local transaction and the checker answer.
 *
 * ```ts
 * const run = await runTransactionFlow('flow', { namesrvAddr, topic, group, consumerGroup, count: 3 });
 * ```
 */
import { JavaProgramError, runJavaProgram } from './java-client.ts';

export type TransactionScenario = 'flow' | 'send-and-halt' | 'resolve';

export interface TxSent {
  event: 'sent';
  keys: string;
  status: string | null;
  localState: string | null;
  /** UNIQ_KEY. */
  msgId: string | null;
  /** The half message's offset id (store host + commit-log offset). */
  offsetMsgId: string | null;
  transactionId: string | null;
  queueId: number | null;
  /** The half-queue offset. */
  queueOffset: number | null;
  error: string | null;
}

export interface TxChecked {
  event: 'checked';
  keys: string | null;
  msgId: string;
  transactionId: string | null;
  answer: 'COMMIT_MESSAGE' | 'ROLLBACK_MESSAGE' | 'UNKNOW';
  checkTimes: string | null;
  topic: string;
  queueId: number;
  receivedMs: number;
}

export interface TxConsumed {
  event: 'consumed';
  topic: string;
  queueId: number;
  queueOffset: number;
  tags: string | null;
  keys: string | null;
  bodyHex: string | null;
  msgId: string;
  sysFlag: number;
  preparedTransactionOffset: number;
  reconsumeTimes: number;
  receivedMs: number;
  properties: Record<string, string>;
}

interface TxPhase {
  event: 'phase';
  name: string;
  ms: number;
}

interface TxDone {
  event: 'done';
  ok: boolean;
  ms: number;
}

type TxEvent = TxSent | TxChecked | TxConsumed | TxPhase | TxDone;

export interface TransactionFlowOptions {
  namesrvAddr: string;
  topic: string;
  /** The producer group. */
  group: string;
  consumerGroup: string;
  /** Messages of each kind. @defaultValue 3 */
  count?: number;
  /** @defaultValue 60000 */
  waitMillis?: number;
  /** Keeps consuming this long after the expected deliveries. @defaultValue 3000 */
  graceMillis?: number;
}

export interface TransactionFlowResult {
  sent: TxSent[];
  checked: TxChecked[];
  consumed: TxConsumed[];
  phases: Record<string, number>;
  /** Absent for send-and-halt, which halts without one. */
  done: TxDone | undefined;
  wallMillis: number;
}

function split(lines: TxEvent[], wallMillis: number): TransactionFlowResult {
  const result: TransactionFlowResult = { sent: [], checked: [], consumed: [], phases: {}, done: undefined, wallMillis };
  for (const line of lines) {
    if (line.event === 'sent') result.sent.push(line);
    else if (line.event === 'checked') result.checked.push(line);
    else if (line.event === 'consumed') result.consumed.push(line);
    else if (line.event === 'phase') result.phases[line.name] = line.ms;
    else result.done = line;
  }
  return result;
}

function summary(result: TransactionFlowResult): string {
  return [
    `phases: ${JSON.stringify(result.phases)}`,
    `sent: ${result.sent.map((s) => `${s.keys}:${s.status ?? s.error}/${s.localState}`).join(' ')}`,
    `checked: ${result.checked.map((c) => `${c.keys}:${c.answer}#${c.checkTimes}`).join(' ')}`,
    `consumed: ${result.consumed.map((c) => c.keys).join(' ')}`,
    `done: ${JSON.stringify(result.done ?? null)}`,
  ].join('\n');
}

/** Runs one TransactionFlow scenario; a failing program's error message carries a summary of what it printed. */
export async function runTransactionFlow(scenario: TransactionScenario, options: TransactionFlowOptions): Promise<TransactionFlowResult> {
  const waitMillis = options.waitMillis ?? 60_000;
  const args = [scenario, '--namesrv', options.namesrvAddr, '--topic', options.topic, '--group', options.group, '--consumer-group', options.consumerGroup, '--wait-ms', String(waitMillis)];
  if (options.count !== undefined) args.push('--count', String(options.count));
  if (options.graceMillis !== undefined) args.push('--grace-ms', String(options.graceMillis));
  const started = Date.now();
  try {
    const lines = await runJavaProgram<TxEvent>('TransactionFlow', args, 2 * waitMillis + 60_000);
    const result = split(lines, Date.now() - started);
    if (!result.done && scenario !== 'send-and-halt') throw new Error(`TransactionFlow ${scenario} exited 0 without its "done" line\n${summary(result)}`);
    return result;
  } catch (error) {
    if (error instanceof JavaProgramError) error.message += `\n--- what TransactionFlow ${scenario} printed:\n${summary(split(error.lines as TxEvent[], Date.now() - started))}`;
    throw error;
  }
}
