/**
 * Apache RocketMQ 5.3.3 name server + broker (bench/lib/apache-servers.ts) with Apache's proxy
 * (rocketmq-proxy from Maven Central, classpath resolved by interop/java-v5/build.sh) in cluster
 * mode in front of them: the v5 gRPC server the Java v5 client's differential run compares ours
 * with. Everything lives in a temporary directory removed on stop. Test code only.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApache } from '../../bench/lib/apache-servers.ts';
import { JAVA17_BROKER_FLAGS, repoRoot, runCommand, sleep, spawnLogged, tailFile, terminate, TLS_DISABLED } from './java.ts';
import { freePort } from './ports.ts';

export const PROXY_VERSION = '5.3.3';

export interface ApacheWithProxy {
  namesrvAddr: string;
  brokerAddr: string;
  /** The proxy's gRPC endpoint, host:port. */
  endpoints: string;
  stop(): Promise<void>;
}

async function proxyClasspath(): Promise<string> {
  const file = join(repoRoot, 'interop', 'java-v5', 'target', `proxy-classpath-${PROXY_VERSION}.txt`);
  const ready = (): string | null => {
    if (!existsSync(file)) return null;
    const classpath = readFileSync(file, 'utf8').trim();
    return classpath.split(':').every((jar) => existsSync(jar)) ? classpath : null;
  };
  if (ready() === null) await runCommand('bash', [join(repoRoot, 'interop', 'java-v5', 'build.sh')], { timeoutMillis: 10 * 60_000 });
  const classpath = ready();
  if (classpath === null) throw new Error(`interop/java-v5/build.sh ran but ${file} is missing or lists missing jars`);
  return classpath;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts Apache's name server, broker (with `brokerConf` added) and proxy; rejects with the proxy's output when it does not come up. */
export async function startApacheWithProxy(brokerConf: Record<string, string | number | boolean> = {}): Promise<ApacheWithProxy> {
  const classpath = await proxyClasspath();
  const workDir = await mkdtemp(join(tmpdir(), 'rmqts-v5-apache-'));
  const servers = await startApache(PROXY_VERSION, { flushDiskType: 'ASYNC_FLUSH', workDir, topics: [] }, brokerConf).catch((error: unknown) => {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  });
  const runDir = join(workDir, 'proxy');
  const home = join(runDir, 'home');
  mkdirSync(join(home, 'conf'), { recursive: true });
  writeFileSync(
    join(home, 'conf', 'rmq.proxy.logback.xml'),
    `<configuration><appender name="FILE" class="ch.qos.logback.core.FileAppender"><file>${join(runDir, 'proxy.log')}</file><encoder><pattern>%d{HH:mm:ss.SSS} %-5p [%t] %c - %m%n</pattern></encoder></appender><root level="WARN"><appender-ref ref="FILE"/></root></configuration>\n`,
  );
  const grpcPort = await freePort();
  const remotingPort = await freePort();
  const config = join(runDir, 'rmq-proxy.json');
  writeFileSync(config, JSON.stringify({ rocketMQClusterName: 'DefaultCluster', namesrvAddr: servers.namesrvAddr, proxyMode: 'cluster', grpcServerPort: grpcPort, remotingListenPort: remotingPort }));
  const proxy = spawnLogged(
    'java',
    ['-Xms256m', '-Xmx512m', ...JAVA17_BROKER_FLAGS, TLS_DISABLED, `-Drocketmq.home.dir=${home}`, `-Duser.home=${runDir}`, '-Dfile.encoding=UTF-8', '-cp', classpath, 'org.apache.rocketmq.proxy.ProxyStartup', '-pc', config],
    { cwd: runDir, env: { ...process.env, ROCKETMQ_HOME: home, RMQ_PROXY_HOME: home }, outFile: join(runDir, 'proxy.out') },
  );
  const stop = async (): Promise<void> => {
    try {
      await terminate(proxy, 30_000);
      await servers.stop();
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    const out = existsSync(proxy.outFile) ? readFileSync(proxy.outFile, 'utf8') : '';
    if (out.includes('rocketmq-proxy startup successfully') && (await accepts(grpcPort))) break;
    if (proxy.exitStatus() !== undefined || Date.now() > deadline) {
      const tail = tailFile(proxy.outFile, 30);
      await stop();
      throw new Error(`Apache RocketMQ proxy ${PROXY_VERSION} did not start:\n${tail}`);
    }
    await sleep(200);
  }
  return { namesrvAddr: servers.namesrvAddr, brokerAddr: servers.brokerAddr, endpoints: `127.0.0.1:${grpcPort}`, stop };
}
