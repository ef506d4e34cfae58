/**
 * Apache RocketMQ's own controller (org.apache.rocketmq.controller.ControllerStartup from the
 * rocketmq-controller jar that rocketmq-broker 5.x pulls in, Maven Central) as N JVMs on
 * loopback forming one DLedger (Raft) group: the consensus engine of controller-mode tests.
 * Each node's controller RPC is served on its DLedger port. Test code only.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequest, decodeHeader, defineHeader, RemotingClient, ResponseCode } from '@rocketmq-ts/protocol';
import { apacheClasspath, JAVA17_NETTY_FLAGS, type LoggedProcess, sleep, spawnLogged, tailFile, terminate } from './java.ts';
import { freePort } from './ports.ts';

export const CONTROLLER_VERSION = '5.5.0';

const MetaHeader = defineHeader('GetMetaDataResponseHeader', [{ name: 'controllerLeaderAddress', type: 'string', required: false }] as const);

export interface ApacheControllerGroup {
  /** host:port;host:port;… — a broker's controllerAddr. */
  readonly controllerAddr: string;
  readonly addrs: readonly string[];
  readonly processes: readonly LoggedProcess[];
  /** The leader's address as the group reports it now (undefined while electing). */
  leader(): Promise<string | undefined>;
  stop(): Promise<void>;
}

export async function startApacheControllers(options: {
  dir: string;
  nodes?: number;
  bootTimeoutMillis?: number;
  /** The address the nodes listen on and announce. @defaultValue 127.0.0.1 */
  host?: string;
  /** A command prefix to run the JVMs with (a network namespace: interop/lib/netns.ts). */
  prefix?: readonly string[];
}): Promise<ApacheControllerGroup> {
  const nodes = options.nodes ?? 3;
  const host = options.host ?? '127.0.0.1';
  const classpath = await apacheClasspath(CONTROLLER_VERSION);
  const ports: number[] = [];
  for (let i = 0; i < nodes; i++) {
    let port = await freePort();
    while (ports.includes(port)) port = await freePort();
    ports.push(port);
  }
  const peers = ports.map((port, i) => `n${i}-${host}:${port}`).join(';');
  const processes: LoggedProcess[] = [];
  for (let i = 0; i < nodes; i++) {
    const home = join(options.dir, `controller-n${i}`);
    await mkdir(home, { recursive: true });
    const conf = join(home, 'controller.conf');
    await writeFile(
      conf,
      [
        'controllerDLegerGroup=rmqts-controllers',
        `controllerDLegerPeers=${peers}`,
        `controllerDLegerSelfId=n${i}`,
        `controllerStorePath=${join(home, 'store')}`,
        `rocketmqHome=${home}`,
        `configStorePath=${join(home, 'controller.properties')}`,
        // The Raft log's segment size (1 GiB by default) sized for a test.
        'mappedFileSize=8388608',
        'scanNotActiveBrokerInterval=1000',
        '',
      ].join('\n'),
    );
    processes.push(
      spawnLogged(
        options.prefix?.[0] ?? 'java',
        [
          ...(options.prefix ? [...options.prefix.slice(1), 'java'] : []),
          '-Xms64m',
          '-Xmx160m',
          '-XX:+UseSerialGC',
          '-XX:TieredStopAtLevel=1',
          ...JAVA17_NETTY_FLAGS,
          // hessian (the controller's snapshot codec) reflects into java.lang at class init.
          '--add-opens=java.base/java.lang=ALL-UNNAMED',
          `-Duser.home=${home}`,
          '-cp',
          classpath,
          'org.apache.rocketmq.controller.ControllerStartup',
          '-c',
          conf,
        ],
        { cwd: home, env: { ...process.env, ROCKETMQ_HOME: home }, outFile: join(home, 'out.log') },
      ),
    );
  }
  const addrs = ports.map((port) => `${host}:${port}`);
  const client = new RemotingClient();
  const leader = async (): Promise<string | undefined> => {
    for (const addr of addrs) {
      try {
        const response = await client.invoke(addr, createRequest(1005), 2_000);
        if (response.code !== ResponseCode.SUCCESS) continue;
        const found = decodeHeader(MetaHeader, response.extFields).controllerLeaderAddress;
        if (found) return found;
      } catch {
        // Not up yet, or killed: ask the next one.
      }
    }
    return undefined;
  };
  const stop = async (): Promise<void> => {
    await client.close();
    await Promise.all(processes.map((proc) => terminate(proc, 3_000)));
  };
  const deadline = Date.now() + (options.bootTimeoutMillis ?? 90_000);
  while (!(await leader())) {
    const dead = processes.find((proc) => proc.exitStatus() !== undefined);
    if (dead || Date.now() > deadline) {
      await stop();
      throw new Error(`Apache controllers ${CONTROLLER_VERSION} did not elect a leader${dead ? ` (one exited: ${dead.exitStatus()})` : ''}\n${tailFile(processes[0]!.outFile, 20)}`);
    }
    await sleep(300);
  }
  return { controllerAddr: addrs.join(';'), addrs, processes, leader, stop };
}
