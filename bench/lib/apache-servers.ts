/**
 * Apache RocketMQ as the benchmark's peer: the released rocketmq-namesrv and rocketmq-broker
 * jars of one version (resolved by bench/apache/prepare.sh), each JVM started with our own
 * `java -cp` line — the stock 4.x scripts pass CMS/PermGen flags that Java 17 rejects — on
 * loopback ports chosen here, with the benchmark's flush setting and heap sizes.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JAVA17_BROKER_FLAGS, JAVA17_NETTY_FLAGS, repoRoot, sleep, spawnLogged, tailFile, terminate, TLS_DISABLED, type LoggedProcess } from '../../interop/lib/java.ts';
import { freePort, freePortWith } from '../../interop/lib/ports.ts';
import { createRequest, encodeHeader, GetRouteInfoRequestHeader, RemotingClient, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { firstAcceptedSend } from './send-probe.ts';
import { type BenchTarget, pinned, type TargetSettings } from './target.ts';

/**
 * JVM memory of each Apache process. Stock scripts fix the heap (-Xms = -Xmx: 4.x broker 8g,
 * name server 4g); on a 24 GiB, 2-core machine shared with the load generator we give the
 * broker 1 GiB heap + 1 GiB direct memory and the name server 256 MiB, and rocketmq-ts the
 * same 1 GiB old-space cap (see docs/performance.md).
 */
export const APACHE_JVM = {
  broker: ['-Xms1g', '-Xmx1g', '-XX:MaxDirectMemorySize=1g', '-XX:+UseG1GC'],
  namesrv: ['-Xms256m', '-Xmx256m', '-XX:MaxDirectMemorySize=128m', '-XX:+UseG1GC'],
} as const;

function serversClasspath(version: string): string {
  const file = join(repoRoot, 'bench', 'apache', 'target', `servers-${version}.txt`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run bash bench/apache/prepare.sh ${version}`);
  return readFileSync(file, 'utf8').trim();
}

function logbackXml(logFile: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${logFile}</file>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5p [%t] %c - %m%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="FILE"/></root>
</configuration>
`;
}

async function waitForLine(proc: LoggedProcess, text: string, what: string, deadline: number): Promise<void> {
  for (;;) {
    const out = existsSync(proc.outFile) ? readFileSync(proc.outFile, 'utf8') : '';
    if (out.includes(text)) return;
    if (proc.exitStatus() !== undefined) throw new Error(`${what} exited (${String(proc.exitStatus())}) before "${text}":\n${tailFile(proc.outFile, 30)}`);
    if (Date.now() > deadline) throw new Error(`${what} did not print "${text}" in time:\n${tailFile(proc.outFile, 30)}`);
    await sleep(20);
  }
}

/** Thrown when a server process exits before it accepted anything. */
export class ExitedAtStartup extends Error {}

/** `work`, failing as soon as `proc` exits (a JVM that died at start-up fails at once, with its output); `work` is then aborted. */
export async function whileRunning<T>(proc: LoggedProcess, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const working = work(abort.signal);
  const died = proc.exited.then((status): never => {
    throw new ExitedAtStartup(`${what} exited (${String(status)}) during start-up:\n${tailFile(proc.outFile, 30)}`);
  });
  try {
    return await Promise.race([working, died]);
  } finally {
    abort.abort();
    working.catch(() => undefined);
    died.catch(() => undefined);
  }
}

/**
 * Starts an Apache RocketMQ name server and broker on free loopback ports. A broker that exits at
 * start-up is started once more on new ports: the ports are chosen free, but test files run
 * concurrently and another server may take one before the JVM binds it.
 */
export async function startApache(version: string, settings: TargetSettings, extraBrokerConf: Record<string, string | number | boolean> = {}): Promise<BenchTarget> {
  try {
    return await startApacheOnce(version, settings, extraBrokerConf);
  } catch (error) {
    if (!(error instanceof Error && error.cause instanceof ExitedAtStartup)) throw error;
    console.error(`# Apache RocketMQ ${version}: start-up failed, starting it once more on new ports: ${error.message}`);
    return startApacheOnce(version, settings, extraBrokerConf);
  }
}

async function startApacheOnce(version: string, settings: TargetSettings, extraBrokerConf: Record<string, string | number | boolean>): Promise<BenchTarget> {
  const classpath = serversClasspath(version);
  const runDir = join(settings.workDir, `apache-${version}`);
  if (!settings.keepStore) rmSync(runDir, { recursive: true, force: true });
  const home = join(runDir, 'home');
  const storeDir = join(runDir, 'store');
  const logDir = join(runDir, 'logs');
  for (const dir of [join(home, 'conf'), storeDir, logDir]) mkdirSync(dir, { recursive: true });
  // NamesrvStartup / BrokerStartup read $ROCKETMQ_HOME/conf/logback_*.xml (4.x: rmq.*.logback; 5.x: rmq.*.logback too).
  for (const name of ['logback_namesrv.xml', 'logback_broker.xml', 'rmq.namesrv.logback.xml', 'rmq.broker.logback.xml']) {
    writeFileSync(join(home, 'conf', name), logbackXml(join(logDir, name.includes('namesrv') ? 'namesrv.log' : 'broker.log')));
  }
  const namesrvPort = await freePort();
  const brokerPort = await freePortWith([-2, 1]);
  const namesrvAddr = `127.0.0.1:${namesrvPort}`;
  const brokerAddr = `127.0.0.1:${brokerPort}`;
  writeFileSync(join(runDir, 'namesrv.conf'), `listenPort=${namesrvPort}\n`);
  const brokerConf: Record<string, string | number | boolean> = {
    brokerClusterName: 'DefaultCluster',
    brokerName: 'broker-a',
    brokerId: 0,
    brokerRole: 'ASYNC_MASTER',
    flushDiskType: settings.flushDiskType,
    brokerIP1: '127.0.0.1',
    brokerIP2: '127.0.0.1',
    namesrvAddr,
    listenPort: brokerPort,
    haListenPort: brokerPort + 1,
    storePathRootDir: storeDir,
    storePathCommitLog: join(storeDir, 'commitlog'),
    mappedFileSizeCommitLog: settings.commitLogSegmentBytes ?? 1024 * 1024 * 1024,
    autoCreateTopicEnable: true,
    autoCreateSubscriptionGroup: true,
    ...extraBrokerConf,
  };
  writeFileSync(join(runDir, 'broker.conf'), Object.entries(brokerConf).map(([k, v]) => `${k}=${String(v)}`).join('\n') + '\n');

  const env = { ...process.env, ROCKETMQ_HOME: home };
  const jvm = (memory: readonly string[], flags: readonly string[]): string[] => [
    ...memory,
    ...flags,
    TLS_DISABLED,
    `-Drocketmq.home.dir=${home}`,
    `-Duser.home=${runDir}`,
    '-Dfile.encoding=UTF-8',
    '-cp',
    classpath,
  ];
  const started = Date.now();
  const deadline = started + 90_000;
  const procs: LoggedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const proc of [...procs].reverse()) await terminate(proc, 30_000);
  };
  try {
    const namesrv = spawnLogged(...pinned(settings.cpus, 'java', [...jvm(APACHE_JVM.namesrv, JAVA17_NETTY_FLAGS), 'org.apache.rocketmq.namesrv.NamesrvStartup', '-c', join(runDir, 'namesrv.conf')]), {
      cwd: runDir,
      env,
      outFile: join(logDir, 'namesrv.out'),
    });
    procs.push(namesrv);
    await waitForLine(namesrv, 'boot success', `Apache RocketMQ ${version} name server`, deadline);
    const broker = spawnLogged(...pinned(settings.cpus, 'java', [...jvm(APACHE_JVM.broker, JAVA17_BROKER_FLAGS), 'org.apache.rocketmq.broker.BrokerStartup', '-c', join(runDir, 'broker.conf')]), {
      cwd: runDir,
      env,
      outFile: join(logDir, 'broker.out'),
    });
    procs.push(broker);
    const accepted = await whileRunning(broker, `Apache RocketMQ ${version} broker`, (signal) =>
      firstAcceptedSend(brokerAddr, settings.topics[0] ?? 'BenchStartup', deadline - Date.now(), signal),
    );
    await waitForLine(broker, 'boot success', `Apache RocketMQ ${version} broker`, deadline);
    // Clients that create topics (MQAdmin createTopic) need the broker's TBW102 route in the
    // name server; the first accepted send can come before the broker's first registration.
    await waitForRoute(namesrvAddr, 'TBW102', deadline);
    return {
      label: `apache-${version}`,
      namesrvAddr,
      brokerAddr,
      pids: [broker.pid, namesrv.pid],
      startupMillis: accepted - started,
      stop: async () => {
        await stopAll();
        if (!settings.keepStore) rmSync(runDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    // Callers remove the run directory on failure, so the logs' tails travel with the error
    // (those the cause does not already quote).
    const reason = error instanceof Error ? error.message : String(error);
    const tails = ['namesrv.out', 'broker.out', 'broker.log']
      .map((name) => [name, tailFile(join(logDir, name), 20)] as const)
      .filter(([, text]) => text !== '' && !reason.includes(text))
      .map(([name, text]) => `\n--- ${name} (last lines)\n${text}`)
      .join('');
    throw new Error(`Apache RocketMQ ${version} did not start (logs in ${logDir}): ${reason}${tails}`, { cause: error });
  }
}

async function waitForRoute(namesrvAddr: string, topic: string, deadline: number): Promise<void> {
  const client = new RemotingClient();
  try {
    for (;;) {
      const response = await client
        .invoke(namesrvAddr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: encodeHeader(GetRouteInfoRequestHeader, { topic }) }), 3000)
        .catch(() => undefined);
      if (response?.code === ResponseCode.SUCCESS) return;
      if (Date.now() > deadline) throw new Error(`the name server ${namesrvAddr} has no route for ${topic}`);
      await sleep(100);
    }
  } finally {
    await client.close();
  }
}
