/**
 * mqadmin's Java API (DefaultMQAdminExt, rocketmq-tools 4.8.0) as a test tool: runs interop/java's
 * AdminOps — a script of admin commands, plus a producer and a push consumer kept online in the
 * same JVM — against any name server, ours or Apache RocketMQ's, and returns one result per
 * command. See AdminOps.java for the commands and what each prints.
 *
 * ```ts
 * const [route] = await runAdminOps(namesrvAddr, [['route', '--topic', topic, '--wait-ms', '5000']]);
 * assert.ok(route.ok, adminErrorText(route));
 * ```
 */
import { runJavaProgram } from './java-client.ts';

/** Why a command failed, as the Java client reported it. */
export interface AdminOpError {
  /** Exception class, e.g. MQClientException, MQBrokerException, RemotingTimeoutException. */
  type: string;
  /** The broker's or name server's response code, when the exception carries one. */
  responseCode: number | null;
  message: string | null;
  /** "Class: message" of the causes, outermost first. */
  causes: string[];
}

/** One line of AdminOps: `op` and `ok`, then the command's own fields (see AdminOps.java). */
export interface AdminOpResult {
  op: string;
  ok: boolean;
  /** Time the command took inside the JVM. */
  ms: number;
  error?: AdminOpError;
  [field: string]: unknown;
}

/** A command and its options, e.g. `['route', '--topic', 'T']`. */
export type AdminCommand = readonly string[];

/**
 * Runs `commands` in order in one AdminOps JVM and returns their results, index for index. A
 * command that throws yields `ok: false` with the error, and the script goes on; the promise
 * rejects only when the program itself fails (bad script, JVM trouble, timeout).
 */
export async function runAdminOps(namesrvAddr: string, commands: readonly AdminCommand[], timeoutMillis = 120_000): Promise<AdminOpResult[]> {
  const args = ['--namesrv', namesrvAddr];
  commands.forEach((command, k) => {
    if (k > 0) args.push('then');
    args.push(...command);
  });
  const lines = await runJavaProgram<AdminOpResult>('AdminOps', args, timeoutMillis);
  if (lines.length !== commands.length) {
    throw new Error(`AdminOps printed ${lines.length} results for ${commands.length} commands: ${JSON.stringify(lines).slice(0, 500)}`);
  }
  lines.forEach((line, k) => {
    if (line.op !== commands[k]![0]) throw new Error(`AdminOps result ${k} is for '${line.op}', expected '${commands[k]![0]}'`);
  });
  return lines;
}

/** "MQBrokerException code 1: the producer group[P] not exist" — for assertion messages. */
export function adminErrorText(result: AdminOpResult): string {
  if (result.ok) return `${result.op} succeeded`;
  const e = result.error;
  if (!e) return `${result.op} failed without an error`;
  const causes = e.causes.length > 0 ? ` (caused by ${e.causes.join(' <- ')})` : '';
  return `${result.op} failed: ${e.type}${e.responseCode === null ? '' : ` code ${e.responseCode}`}: ${e.message ?? ''}${causes}`;
}
