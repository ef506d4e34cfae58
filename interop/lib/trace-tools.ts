/**
 * Apache's own trace reader: `mqadmin queryMsgTraceById -n … -i <msgId>` from rocketmq-tools
 * (Maven Central) 4.8.0 — which reads RMQ_SYS_TRACE_TOPIC and only the 4.8 record layout — or
 * 4.9.7 (reads both layouts; `-t` names a custom trace topic), run against any name server;
 * returns its stdout.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apacheClasspath, JAVA17_NETTY_FLAGS, javaClientClasspath, runCommand } from './java.ts';

export async function queryMsgTraceById(namesrvAddr: string, msgId: string, tools: '4.8.0' | '4.9.7' = '4.8.0', traceTopic?: string): Promise<string> {
  try {
    return await queryOnce(namesrvAddr, msgId, tools, traceTopic);
  } catch (error) {
    // The tool's fixed 3 s request budget includes the JVM's first connection; on a loaded
    // machine that can run out. One more try; any other failure stands.
    if (!(error instanceof Error) || !error.message.includes('RemotingTimeoutException')) throw error;
    return queryOnce(namesrvAddr, msgId, tools, traceTopic);
  }
}

async function queryOnce(namesrvAddr: string, msgId: string, tools: '4.8.0' | '4.9.7', traceTopic: string | undefined): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'rmqts-mqadmin-'));
  try {
    // MQAdminStartup configures logback (from the server classpath) with
    // $ROCKETMQ_HOME/conf/logback_tools.xml before any command.
    mkdirSync(join(home, 'conf'));
    writeFileSync(join(home, 'conf', 'logback_tools.xml'), '<configuration/>');
    // 4.8.0 runs beside the interop programs' classpath (the client of the same version); 4.9.7 alone.
    const classpath = tools === '4.8.0' ? `${await javaClientClasspath()}:${await apacheClasspath('4.8.0')}` : await apacheClasspath(tools);
    const { stdout, stderr } = await runCommand(
      'java',
      [...JAVA17_NETTY_FLAGS, `-Duser.home=${home}`, `-Drocketmq.home.dir=${home}`, '-cp', classpath, 'org.apache.rocketmq.tools.command.MQAdminStartup', 'queryMsgTraceById', '-n', namesrvAddr, '-i', msgId, ...(traceTopic ? ['-t', traceTopic] : [])],
      { timeoutMillis: 60_000, env: { ...process.env, ROCKETMQ_HOME: home } },
    );
    // The tool exits 0 after printing a failure to stderr; surface it instead of an empty answer.
    if (stdout.trim() === '' && stderr.trim() !== '') throw new Error(`queryMsgTraceById -i ${msgId} failed: ${stderr.trim().split('\n').slice(0, 8).join(' | ')}`);
    return stdout;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
