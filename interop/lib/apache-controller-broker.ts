/**
 * One Apache RocketMQ 5.5.0 broker in controller mode (BrokerStartup, enableControllerMode=true)
 * as a JVM a test can SIGKILL and start again on the same store and port: the Apache side of the
 * failover comparison (interop/test/failover.test.ts). Test code only.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROLLER_VERSION } from './apache-controller.ts';
import { apacheClasspath, JAVA17_BROKER_FLAGS, sleep, spawnLogged, tailFile } from './java.ts';

export interface ApacheBrokerProcess {
  readonly brokerAddr: string;
  kill(): Promise<void>;
}

export async function startApacheControllerBroker(options: {
  dir: string;
  listenPort: number;
  namesrvAddr: string;
  brokerConf: Record<string, string | number | boolean>;
  bootTimeoutMillis?: number;
}): Promise<ApacheBrokerProcess> {
  const classpath = await apacheClasspath(CONTROLLER_VERSION);
  const home = options.dir;
  mkdirSync(join(home, 'conf'), { recursive: true });
  const conf = join(home, 'broker.conf');
  const entries = {
    brokerClusterName: 'DefaultCluster',
    brokerIP1: '127.0.0.1',
    brokerIP2: '127.0.0.1',
    listenPort: options.listenPort,
    namesrvAddr: options.namesrvAddr,
    storePathRootDir: join(home, 'store'),
    mappedFileSizeCommitLog: 64 * 1024 * 1024,
    enableControllerMode: true,
    ...options.brokerConf,
  };
  writeFileSync(conf, Object.entries(entries).map(([key, value]) => `${key}=${value}`).join('\n') + '\n');
  const outFile = join(home, `out-${Date.now()}.log`);
  const proc = spawnLogged(
    'java',
    ['-Xms128m', '-Xmx256m', '-XX:MaxDirectMemorySize=128m', ...JAVA17_BROKER_FLAGS, '--add-opens=java.base/java.lang=ALL-UNNAMED', `-Duser.home=${home}`, `-Drocketmq.home.dir=${home}`, '-cp', classpath, 'org.apache.rocketmq.broker.BrokerStartup', '-c', conf],
    { cwd: home, env: { ...process.env, ROCKETMQ_HOME: home }, outFile },
  );
  const deadline = Date.now() + (options.bootTimeoutMillis ?? 120_000);
  for (;;) {
    const match = /The broker\[[^,]+, (\S+)\] boot success/.exec(readFileSync(outFile, 'utf8'));
    if (match) {
      return {
        brokerAddr: match[1]!,
        kill: async () => {
          if (proc.exitStatus() === undefined) proc.child.kill('SIGKILL');
          await proc.exited;
        },
      };
    }
    if (proc.exitStatus() !== undefined || Date.now() > deadline) {
      proc.child.kill('SIGKILL');
      throw new Error(`Apache ${CONTROLLER_VERSION} broker on ${options.listenPort} did not boot (${proc.exitStatus() ?? 'timeout'})\n${tailFile(outFile, 20)}`);
    }
    await sleep(200);
  }
}
