/**
 * `npm start -- --cluster failover`: three Apache RocketMQ controllers
 * (org.apache.rocketmq.controller.ControllerStartup, DLedger Raft) on this machine, on Apache's
 * quick-start ports 9878, 9868, 9858 (or basePort-relative ones), each with its data in
 * <home>/controller-n<i>. They need Java 17 and the rocketmq-controller 5.5.0 jars, found through
 * ROCKETMQ_CONTROLLER_CLASSPATH or the classpath file `bash interop/apache/prepare.sh
 * --servers-only 5.5.0` writes; without them the layout is refused with those two steps.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequest, RemotingClient, ResponseCode } from '@rocketmq-ts/protocol';

export const CONTROLLER_VERSION = '5.5.0';

export interface RunningControllers {
  readonly controllerAddr: string;
  readonly processes: readonly ChildProcess[];
  readonly leader: string;
  stop(): Promise<void>;
}

/** The classpath of rocketmq-controller, or why there is none. */
export function controllerClasspath(): string {
  const fromEnv = process.env['ROCKETMQ_CONTROLLER_CLASSPATH'];
  if (fromEnv) return fromEnv;
  // packages/server/{src,dist}/cli → the repository root.
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  const file = join(root, 'interop', 'apache', 'target', `classpath-${CONTROLLER_VERSION}.txt`);
  if (!existsSync(file)) {
    throw new Error(
      `--cluster failover runs Apache RocketMQ's controller ${CONTROLLER_VERSION} (Java): run "bash interop/apache/prepare.sh --servers-only ${CONTROLLER_VERSION}" once ` +
        '(Maven Central, needs Java 17 and Maven), or set ROCKETMQ_CONTROLLER_CLASSPATH to a classpath holding rocketmq-controller',
    );
  }
  return readFileSync(file, 'utf8').trim();
}

function checkJava(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new Error('--cluster failover needs Java 17 on PATH to run the Apache RocketMQ controllers (java -version failed)');
}

export async function startControllers(home: string, ports: readonly number[], timeoutMillis = 90_000): Promise<RunningControllers> {
  checkJava();
  const classpath = controllerClasspath();
  const peers = ports.map((port, i) => `n${i}-127.0.0.1:${port}`).join(';');
  const processes: ChildProcess[] = [];
  mkdirSync(join(home, 'logs'), { recursive: true });
  for (let i = 0; i < ports.length; i++) {
    const dir = join(home, `controller-n${i}`);
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, 'controller.conf');
    writeFileSync(
      conf,
      `controllerDLegerGroup=rocketmq-ts\ncontrollerDLegerPeers=${peers}\ncontrollerDLegerSelfId=n${i}\ncontrollerStorePath=${join(dir, 'store')}\n` +
        `rocketmqHome=${dir}\nconfigStorePath=${join(dir, 'controller.properties')}\nmappedFileSize=67108864\nscanNotActiveBrokerInterval=1000\n`,
    );
    const log = createWriteStream(join(home, 'logs', `controller-n${i}.log`), { flags: 'a' });
    const child = spawn(
      'java',
      [
        '-Xms64m',
        '-Xmx256m',
        '--add-opens=java.base/java.nio=ALL-UNNAMED',
        '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
        '--add-opens=java.base/java.lang=ALL-UNNAMED',
        `-Duser.home=${dir}`,
        '-cp',
        classpath,
        'org.apache.rocketmq.controller.ControllerStartup',
        '-c',
        conf,
      ],
      { cwd: dir, env: { ...process.env, ROCKETMQ_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    processes.push(child);
  }
  const addrs = ports.map((port) => `127.0.0.1:${port}`);
  const stop = async (): Promise<void> => {
    await Promise.all(
      processes.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  };
  const client = new RemotingClient();
  const deadline = Date.now() + timeoutMillis;
  try {
    for (;;) {
      for (const addr of addrs) {
        const response = await client.invoke(addr, createRequest(1005), 2_000).catch(() => undefined);
        const leader = response?.code === ResponseCode.SUCCESS ? response.extFields?.['controllerLeaderAddress'] : undefined;
        if (leader) return { controllerAddr: addrs.join(';'), processes, leader, stop };
      }
      const dead = processes.find((child) => child.exitCode !== null);
      if (dead || Date.now() > deadline) {
        await stop();
        throw new Error(`the Apache RocketMQ controllers did not elect a leader${dead ? ' (one exited)' : ` within ${timeoutMillis} ms`}; see ${join(home, 'logs')}/controller-n*.log`);
      }
      await new Promise((done) => setTimeout(done, 300));
    }
  } finally {
    await client.close();
  }
}
