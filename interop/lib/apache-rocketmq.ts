/**
 * Boots Apache RocketMQ itself — the released rocketmq-namesrv and rocketmq-broker jars from
 * Maven Central (see interop/apache/pom.xml) — on free ports of this machine, for interop and
 * differential tests:
 *
 * ```ts
 * const rmq = await startApacheRocketMQ({ storeDir });
 * t.after(() => rmq.stop());
 * await runJavaProducer({ namesrvAddr: rmq.namesrvAddr, topic, count: 10 });
 * ```
 *
 * Everything the servers write besides the store (ROCKETMQ_HOME with our logback configs,
 * user.home, logs) lives in a temporary run directory, removed by stop() unless the shutdown
 * was unclean, `keepRunDir` is set or RMQTS_KEEP_APACHE_LOGS=1.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  apacheClasspath,
  JAVA17_BROKER_FLAGS,
  JAVA17_NETTY_FLAGS,
  rssKiB,
  sleep,
  spawnLogged,
  tailFile,
  terminate,
  TLS_DISABLED,
  type LoggedProcess,
} from './java.ts';
import { freePort, freePortWith } from './ports.ts';
import { clusterInfoText } from './remoting-probe.ts';

/** 4.8.0 for interop tests; 4.9.7 for the replication benchmark's side-by-side peer. */
export type ApacheVersion = '4.8.0' | '4.9.7';

export type ConfValue = string | number | boolean;

export interface ApacheRocketMQOptions {
  /** The broker's storePathRootDir (created if missing; an existing store is opened). */
  storeDir: string;
  /**
   * broker.conf entries, applied over the defaults below. Keys are RocketMQ's exact names
   * (4.8: `mappedFileSizeCommitLog`, not the older `mapedFileSizeCommitLog`); an unknown key,
   * which RocketMQ itself would silently ignore, makes the start fail.
   * Defaults: brokerClusterName=DefaultCluster, brokerName=broker-a, brokerId=0,
   * brokerRole=ASYNC_MASTER, flushDiskType=ASYNC_FLUSH, brokerIP1=brokerIP2=127.0.0.1,
   * mappedFileSizeCommitLog=64 MiB, autoCreateTopicEnable=true, autoCreateSubscriptionGroup=true,
   * waitTimeMillsInSendQueue=osPageCacheBusyTimeOutMills=10000, plus namesrvAddr, listenPort, haListenPort (listenPort + 1), storePathRootDir and
   * storePathCommitLog (`<storeDir>/commitlog`) set by the harness.
   */
  brokerConf?: Record<string, ConfValue>;
  /**
   * Register with this name server (ours, or another Apache one) instead of starting one: only
   * the broker starts (e.g. brokerRole=SLAVE following a master registered there), and stop()
   * leaves the name server alone.
   */
  namesrvAddr?: string;
  /** namesrv.conf entries over listenPort (set by the harness); unknown keys fail the start. */
  namesrvConf?: Record<string, ConfValue>;
  /** Written to $ROCKETMQ_HOME/conf/plain_acl.yml, where a broker with aclEnable=true reads it. */
  plainAclYaml?: string;
  /** @defaultValue '4.8.0' */
  version?: ApacheVersion;
  /** -Xms/-Xmx of each JVM. @defaultValue '256m' */
  heap?: string;
  /** -XX:MaxDirectMemorySize of each JVM (netty's pooled buffers). @defaultValue '128m' */
  maxDirectMemory?: string;
  /** Name server and broker together must boot within this. @defaultValue 60000 */
  startTimeoutMillis?: number;
  /** Keep the run directory (logs, confs) after stop(). @defaultValue false, or RMQTS_KEEP_APACHE_LOGS=1 */
  keepRunDir?: boolean;
}

export interface ApacheLogs {
  /** The run directory's logs/ folder (gone after a clean stop unless kept). */
  readonly dir: string;
  /** stdout+stderr of each JVM, and the logback file of each. */
  readonly files: { namesrvOut: string; namesrvLog: string; brokerOut: string; brokerLog: string };
  /** The last `lines` lines of every log (after stop(): as they were when it stopped). */
  tail(lines?: number): string;
}

export interface ApacheRocketMQ {
  readonly version: ApacheVersion;
  /** "127.0.0.1:port" */
  readonly namesrvAddr: string;
  /** "127.0.0.1:listenPort" */
  readonly brokerAddr: string;
  /** The broker's VIP channel, "127.0.0.1:(listenPort - 2)". */
  readonly brokerVipAddr: string;
  readonly brokerName: string;
  readonly clusterName: string;
  readonly storeDir: string;
  /** Where the ROCKETMQ_HOME, user.home, confs and logs are. */
  readonly runDir: string;
  /** 0 when the name server was given (`namesrvAddr`). */
  readonly namesrvPid: number;
  readonly brokerPid: number;
  /** From spawning each JVM to its "boot success" line (broker: also registered). */
  readonly startupMillis: { namesrv: number; broker: number };
  /** VmRSS of each JVM right after it booted, in KiB. */
  readonly startupRssKiB: { namesrv: number | null; broker: number | null };
  /** VmRSS of each JVM now, in KiB (null once stopped). */
  rssKiB(): { namesrv: number | null; broker: number | null };
  readonly logs: ApacheLogs;
  /**
   * SIGTERM to the broker (its shutdown hook flushes, unmaps and removes the `abort` file —
   * about 6 s in 4.8), then to the name server; SIGKILL after 30 s / 15 s. Idempotent. Rejects
   * (after both are gone) when either needed SIGKILL or exited with an error, keeping the run
   * directory; the message has the log tails.
   */
  stop(): Promise<void>;
}

const DEFAULT_BROKER_CONF: Record<string, ConfValue> = {
  brokerClusterName: 'DefaultCluster',
  brokerName: 'broker-a',
  brokerId: 0,
  brokerRole: 'ASYNC_MASTER',
  flushDiskType: 'ASYNC_FLUSH',
  brokerIP1: '127.0.0.1',
  brokerIP2: '127.0.0.1',
  mappedFileSizeCommitLog: 64 * 1024 * 1024,
  autoCreateTopicEnable: true,
  autoCreateSubscriptionGroup: true,
  // Interop files run two at a time on small CI machines: with two JVMs on two cores a send can
  // wait over the 200 ms default in the broker's queue and be refused "[TIMEOUT_CLEAN_QUEUE]broker
  // busy" (pay-flow's async sends failed so beside ts-client.test.ts). Tests measure behaviour,
  // not Apache's load shedding.
  waitTimeMillsInSendQueue: 10_000,
  osPageCacheBusyTimeOutMills: 10_000,
};

const BROKER_STOP_GRACE_MILLIS = 30_000;
const NAMESRV_STOP_GRACE_MILLIS = 15_000;
const PORT_ATTEMPTS = 3;

export class ApacheStartError extends Error {
  constructor(
    message: string,
    readonly addressInUse: boolean,
  ) {
    super(message);
    this.name = 'ApacheStartError';
  }
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A logback 1.0 config that sends every logger at INFO and above to one file. */
function logbackXml(logFile: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by interop/lib/apache-rocketmq.ts: everything at INFO+ into one file. -->
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${xmlEscape(logFile)}</file>
    <append>true</append>
    <encoder><pattern>%d{yyyy-MM-dd HH:mm:ss.SSS} %-5p [%t] %c - %m%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
`;
}

function propertiesText(entries: Record<string, ConfValue>): string {
  return (
    Object.entries(entries)
      .map(([key, value]) => `${key}=${String(value).replace(/\\/g, '\\\\')}`)
      .join('\n') + '\n'
  );
}

function readText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/**
 * Config keys RocketMQ did not take: at startup it logs every property of its config objects as
 * "<Logger> - key=value"; a key of ours missing there was ignored (misspelt or not in this version).
 */
function unknownKeys(logText: string, logger: string, keys: readonly string[]): string[] {
  const known = new Set<string>();
  const pattern = new RegExp(`\\] ${logger} - ([A-Za-z0-9_]+)=`, 'g');
  for (const match of logText.matchAll(pattern)) known.add(match[1] ?? '');
  return keys.filter((key) => !known.has(key));
}

interface Booted {
  proc: LoggedProcess;
  millis: number;
}

async function waitForBoot(
  proc: LoggedProcess,
  what: string,
  logFile: string,
  deadline: number,
  tail: () => string,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const out = readText(proc.outFile);
    if (out.includes('boot success')) return Date.now() - started;
    const status = proc.exitStatus();
    const everything = out + readText(logFile);
    if (status !== undefined) {
      throw new ApacheStartError(
        `Apache RocketMQ ${what} exited (${status}) before "boot success"\n${tail()}`,
        /Address already in use|BindException/.test(everything),
      );
    }
    if (Date.now() > deadline) {
      throw new ApacheStartError(`Apache RocketMQ ${what} did not print "boot success" in time\n${tail()}`, false);
    }
    await sleep(50);
  }
}

/** Starts an Apache RocketMQ name server and one broker; see {@link ApacheRocketMQOptions}. */
export async function startApacheRocketMQ(options: ApacheRocketMQOptions): Promise<ApacheRocketMQ> {
  const version = options.version ?? '4.8.0';
  const heap = options.heap ?? '256m';
  const directMemory = options.maxDirectMemory ?? '128m';
  const startTimeout = options.startTimeoutMillis ?? 60_000;
  const keepRunDir = options.keepRunDir ?? process.env.RMQTS_KEEP_APACHE_LOGS === '1';
  const classpath = await apacheClasspath(version);
  const deadline = Date.now() + startTimeout;

  const storeDir = options.storeDir;
  mkdirSync(storeDir, { recursive: true });
  const runDir = await mkdtemp(join(tmpdir(), 'rmqts-apache-'));
  const home = join(runDir, 'rocketmq-home');
  const userHome = join(runDir, 'user-home');
  const logDir = join(runDir, 'logs');
  for (const dir of [join(home, 'conf'), userHome, logDir]) mkdirSync(dir, { recursive: true });
  const files = {
    namesrvOut: join(logDir, 'namesrv.out'),
    namesrvLog: join(logDir, 'namesrv.log'),
    brokerOut: join(logDir, 'broker.out'),
    brokerLog: join(logDir, 'broker.log'),
  };
  // NamesrvStartup / BrokerStartup load $ROCKETMQ_HOME/conf/logback_{namesrv,broker}.xml and exit without them.
  writeFileSync(join(home, 'conf', 'logback_namesrv.xml'), logbackXml(files.namesrvLog));
  writeFileSync(join(home, 'conf', 'logback_broker.xml'), logbackXml(files.brokerLog));
  if (options.plainAclYaml !== undefined) writeFileSync(join(home, 'conf', 'plain_acl.yml'), options.plainAclYaml);

  let snapshot: string | null = null;
  const tail = (lines = 30): string => {
    if (snapshot !== null && !existsSync(logDir)) return snapshot;
    return (Object.entries(files) as [string, string][])
      .map(([name, path]) => `--- ${name} (${path}), last ${lines} lines:\n${tailFile(path, lines)}`)
      .join('\n');
  };
  const logs: ApacheLogs = { dir: logDir, files, tail };

  const env = { ...process.env, ROCKETMQ_HOME: home };
  const jvm = (flags: readonly string[]): string[] => [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    `-XX:MaxDirectMemorySize=${directMemory}`,
    '-XX:+UseG1GC',
    ...flags,
    TLS_DISABLED,
    `-Drocketmq.home.dir=${home}`,
    `-Duser.home=${userHome}`,
    '-Dfile.encoding=UTF-8',
    '-cp',
    classpath,
  ];

  const started: LoggedProcess[] = [];
  const killAll = async (): Promise<void> => {
    for (const proc of started.reverse()) await terminate(proc, 5_000);
  };

  let namesrv: Booted | undefined;
  let namesrvPort = 0;
  let broker: Booted | undefined;
  let brokerPort = 0;
  const brokerConf: Record<string, ConfValue> = { ...DEFAULT_BROKER_CONF };
  try {
    for (let attempt = 1; !namesrv && !options.namesrvAddr; attempt++) {
      namesrvPort = await freePort();
      const namesrvConf = { listenPort: namesrvPort, ...options.namesrvConf };
      const confFile = join(runDir, 'namesrv.conf');
      writeFileSync(confFile, propertiesText(namesrvConf));
      const proc = spawnLogged('java', [...jvm(JAVA17_NETTY_FLAGS), 'org.apache.rocketmq.namesrv.NamesrvStartup', '-c', confFile], {
        cwd: runDir,
        env,
        outFile: files.namesrvOut,
      });
      started.push(proc);
      try {
        const millis = await waitForBoot(proc, `name server ${version} on port ${namesrvPort}`, files.namesrvLog, deadline, tail);
        namesrv = { proc, millis };
      } catch (error) {
        await terminate(proc, 5_000);
        if (error instanceof ApacheStartError && error.addressInUse && attempt < PORT_ATTEMPTS) continue;
        throw error;
      }
      const ignored = unknownKeys(readText(files.namesrvLog), 'RocketmqNamesrv', Object.keys(options.namesrvConf ?? {}));
      if (ignored.length > 0) {
        throw new Error(`namesrvConf keys not known to the ${version} name server (it would ignore them): ${ignored.join(', ')}`);
      }
    }
    const namesrvAddr = options.namesrvAddr ?? `127.0.0.1:${namesrvPort}`;

    for (let attempt = 1; !broker; attempt++) {
      // listenPort - 2 is the VIP channel (fastListenPort) and listenPort + 1 the HA port.
      brokerPort = await freePortWith([-2, 1]);
      Object.assign(brokerConf, {
        namesrvAddr,
        listenPort: brokerPort,
        haListenPort: brokerPort + 1,
        storePathRootDir: storeDir,
        storePathCommitLog: join(storeDir, 'commitlog'),
        ...options.brokerConf,
      });
      const confFile = join(runDir, 'broker.conf');
      writeFileSync(confFile, propertiesText(brokerConf));
      const proc = spawnLogged('java', [...jvm(JAVA17_BROKER_FLAGS), 'org.apache.rocketmq.broker.BrokerStartup', '-c', confFile], {
        cwd: runDir,
        env,
        outFile: files.brokerOut,
      });
      started.push(proc);
      try {
        const millis = await waitForBoot(proc, `broker ${version} on port ${brokerPort}`, files.brokerLog, deadline, tail);
        broker = { proc, millis };
      } catch (error) {
        await terminate(proc, 10_000);
        if (error instanceof ApacheStartError && error.addressInUse && attempt < PORT_ATTEMPTS) continue;
        throw error;
      }
      const ignored = unknownKeys(readText(files.brokerLog), 'RocketmqBroker', Object.keys(options.brokerConf ?? {}));
      if (ignored.length > 0) {
        throw new Error(
          `brokerConf keys not known to the ${version} broker (it would ignore them silently): ${ignored.join(', ')}` +
            ' — check the spelling against BrokerConfig / MessageStoreConfig / NettyServerConfig of that release',
        );
      }
    }
    const brokerAddr = `127.0.0.1:${brokerPort}`;

    // "boot success" follows a synchronous registerBrokerAll; confirm the name server has it.
    const brokerStarted = Date.now() - broker.millis;
    for (;;) {
      let lastError = '';
      try {
        if ((await clusterInfoText(namesrvAddr)).includes(`"${brokerAddr}"`)) break;
        lastError = `the cluster info does not list ${brokerAddr} yet`;
      } catch (error) {
        lastError = String(error);
      }
      if (Date.now() > deadline) {
        throw new ApacheStartError(`the broker ${brokerAddr} did not register with the name server ${namesrvAddr}: ${lastError}\n${tail()}`, false);
      }
      await sleep(100);
    }
    const brokerMillis = Date.now() - brokerStarted;

    const namesrvProc = namesrv?.proc;
    const brokerProc = broker.proc;
    let stopping: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        const brokerEnd = await terminate(brokerProc, BROKER_STOP_GRACE_MILLIS);
        const namesrvEnd = namesrvProc ? await terminate(namesrvProc, NAMESRV_STOP_GRACE_MILLIS) : 'exited';
        // 143 = 128 + SIGTERM: the JVM's normal exit status after its shutdown hooks ran.
        const clean = (end: string, status: number | string | undefined): boolean =>
          end !== 'killed' && (status === 143 || status === 0 || status === 'SIGTERM');
        const problems: string[] = [];
        if (!clean(brokerEnd, brokerProc.exitStatus())) problems.push(`broker ${brokerEnd} (exit ${String(brokerProc.exitStatus())})`);
        if (namesrvProc && !clean(namesrvEnd, namesrvProc.exitStatus())) problems.push(`name server ${namesrvEnd} (exit ${String(namesrvProc.exitStatus())})`);
        if (/Exception in thread "ShutdownHook"/.test(readText(files.brokerOut))) problems.push('the broker shutdown hook threw');
        snapshot = tail();
        if (problems.length > 0) {
          throw new Error(`Apache RocketMQ did not stop cleanly: ${problems.join('; ')}; logs kept in ${runDir}\n${snapshot}`);
        }
        if (!keepRunDir) rmSync(runDir, { recursive: true, force: true });
      })();
      return stopping;
    };

    return {
      version,
      namesrvAddr,
      brokerAddr,
      brokerVipAddr: `127.0.0.1:${brokerPort - 2}`,
      brokerName: String(brokerConf.brokerName),
      clusterName: String(brokerConf.brokerClusterName),
      storeDir,
      runDir,
      namesrvPid: namesrvProc?.pid ?? 0,
      brokerPid: brokerProc.pid,
      startupMillis: { namesrv: namesrv?.millis ?? 0, broker: brokerMillis },
      startupRssKiB: { namesrv: namesrvProc ? rssKiB(namesrvProc.pid) : null, broker: rssKiB(brokerProc.pid) },
      rssKiB: () => ({
        namesrv: namesrvProc && namesrvProc.exitStatus() === undefined ? rssKiB(namesrvProc.pid) : null,
        broker: brokerProc.exitStatus() === undefined ? rssKiB(brokerProc.pid) : null,
      }),
      logs,
      stop,
    };
  } catch (error) {
    await killAll();
    const message = error instanceof Error ? error.message : String(error);
    throw new ApacheStartError(`${message}\n(run directory kept: ${runDir})`, false);
  }
}
