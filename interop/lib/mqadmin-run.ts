/**
 * Runs mqadmin — ours in-process (runMqadmin), or Apache's own (rocketmq-tools 4.8.0's
 * MQAdminStartup on the JVM) — and masks what legitimately differs between runs and servers:
 * addresses, message ids, times, client ids, temp paths.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMqadmin } from '../../packages/server/src/cli/mqadmin/main.ts';
import { apacheClasspath, JAVA17_NETTY_FLAGS, javaClientClasspath } from './java.ts';

export interface MqadminResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function ourMqadmin(...args: string[]): Promise<MqadminResult> {
  return ourMqadminIn(undefined, ...args);
}

/** Ours with ROCKETMQ_HOME=`home` (its conf/tools.yml holds the ACL account requests are signed with). */
export async function ourMqadminIn(home: string | undefined, ...args: string[]): Promise<MqadminResult> {
  let stdout = '';
  let stderr = '';
  // consumerStatus writes files under the working directory: a temporary one here, not the repository.
  const cwd = join(tmpdir(), `rmqts-mqadmin-out-${process.pid}`);
  mkdirSync(cwd, { recursive: true });
  const code = await runMqadmin(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: home ? { ROCKETMQ_HOME: home } : {}, cwd });
  return { code, stdout, stderr };
}

/**
 * A ROCKETMQ_HOME for the tools: conf/logback_tools.xml (MQAdminStartup exits without it) and,
 * with an account, conf/tools.yml (accessKey/secretKey, which both tools sign requests with).
 */
export function toolsHome(account?: { accessKey: string; secretKey: string }): string {
  const home = join(tmpdir(), `rmqts-mqadmin-home-${process.pid}-${account?.accessKey ?? 'plain'}`);
  mkdirSync(join(home, 'conf'), { recursive: true });
  writeFileSync(join(home, 'conf', 'logback_tools.xml'), '<configuration><root level="OFF"/></configuration>\n');
  if (account) writeFileSync(join(home, 'conf', 'tools.yml'), `accessKey: ${account.accessKey}\nsecretKey: ${account.secretKey}\n`);
  return home;
}

/** Apache RocketMQ 4.8.0's mqadmin (rocketmq-tools from Maven Central) with `args`. */
export async function apacheMqadmin(...args: string[]): Promise<MqadminResult> {
  return apacheMqadminIn(toolsHome(), ...args);
}

export async function apacheMqadminIn(home: string, ...args: string[]): Promise<MqadminResult> {
  const classpath = `${await javaClientClasspath()}:${await apacheClasspath('4.8.0')}`;
  return new Promise((resolve) => {
    execFile(
      'java',
      [...JAVA17_NETTY_FLAGS, `-Drocketmq.home.dir=${home}`, `-Duser.home=${home}`, '-Xmx256m', '-cp', classpath, 'org.apache.rocketmq.tools.command.MQAdminStartup', ...args],
      { env: { ...process.env, ROCKETMQ_HOME: home }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Replaces volatile values with fixed words; `names` (the run's random id) become NAME. */
export function maskOutput(text: string, id?: string): string {
  let out = text;
  if (id) out = out.split(id).join('ID');
  return out
    .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(,\d{3})?/g, 'TIME')
    .replace(/(\/)?\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d+/g, 'ADDR')
    .replace(/\b[0-9A-F]{56}\b|\b[0-9A-F]{32}\b/g, 'MSGID')
    .replace(/\b\d{13}\b/g, 'EPOCH')
    .replace(/[\w.:-]+@[\w.#:-]+/g, 'CLIENTID')
    .replace(/\S*\/rocketmq\/msgbodys\/\S+/g, 'BODYPATH')
    // A rate over the broker's last stats minute: how far its sampling has got decides it, on either server.
    .replace(/^Consume TPS: \d+\.\d+$/gm, 'Consume TPS: TPS')
    .replace(/ +/g, ' ')
    .trimEnd();
}
