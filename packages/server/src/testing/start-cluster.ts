/**
 * A name server and a broker on 127.0.0.1 ephemeral ports with a temporary store, for tests:
 * `const cluster = await startCluster(t)` — stopped and removed when the test ends. With
 * `{ storeDir }` the broker opens that directory instead (an existing store, e.g. one written
 * by Apache RocketMQ) and stop() leaves it in place.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Broker, type BrokerOptions } from '../broker/broker.ts';
import type { BrokerConfig } from '../broker/broker-config.ts';
import { NameServer } from '../namesrv/name-server.ts';

export interface TestCluster {
  namesrv: NameServer;
  broker: Broker;
  namesrvAddr: string;
  brokerAddr: string;
  storeDir: string;
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  /**
   * The broker's storePathRootDir (created if missing), kept after stop(); the name server's
   * kvConfig.json goes to a temporary directory then. @defaultValue a temporary directory, removed by stop()
   */
  storeDir?: string;
  /** HA timings for tests (reconnect wait, slave sync period). */
  replication?: BrokerOptions['replication'];
  /** The broker's logger. @defaultValue silent */
  logger?: BrokerOptions['logger'];
}

/**
 * One more broker (e.g. a slave) on a free port pair with a temporary store, registered with
 * `namesrvAddr`; stopped and its store removed by the returned stop() (and when `t` ends).
 */
export async function startBroker(
  t: TestContext | undefined,
  namesrvAddr: string,
  brokerConfig: Partial<BrokerConfig> = {},
  options: StartClusterOptions = {},
): Promise<{ broker: Broker; storeDir: string; stop(): Promise<void> }> {
  const tempDir = await mkdtemp(join(tmpdir(), 'rmqts-broker-'));
  const storeDir = options.storeDir ?? tempDir;
  const broker = await testBroker(namesrvAddr, storeDir, brokerConfig, options);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await broker.stop();
    await rm(tempDir, { recursive: true, force: true });
  };
  try {
    await broker.start();
  } catch (error) {
    // The start error below is the one to report.
    await stop().catch(() => undefined);
    throw error;
  }
  t?.after(stop);
  return { broker, storeDir, stop };
}

/** A loopback broker-a with small store files, on a free port triple; `brokerConfig` overrides. */
async function testBroker(namesrvAddr: string, storeDir: string, brokerConfig: Partial<BrokerConfig>, options: StartClusterOptions): Promise<Broker> {
  return new Broker({
    config: {
      brokerName: 'broker-a',
      brokerIP1: '127.0.0.1',
      bindAddress: '127.0.0.1',
      listenPort: await freeBrokerPort(),
      grpcServerPort: 0,
      namesrvAddr,
      storePathRootDir: storeDir,
      mappedFileSizeCommitLog: 64 * 1024 * 1024,
      maxHashSlotNum: 100_000,
      maxIndexNum: 400_000,
      ...brokerConfig,
    },
    replication: options.replication,
    logger: options.logger,
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The first port of the kernel's ephemeral range (Linux), or undefined. Test brokers take ports
 * below it: a broker that is down for a while (killed and restarted on its port) or a port it
 * binds only later would otherwise be exposed to outgoing connections picking it as their local port.
 */
function ephemeralRangeStart(): number | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isSafeInteger(low) && low > LOW_PORT_FLOOR + 1_000 ? low : undefined;
  } catch {
    return undefined;
  }
}

/** Test broker ports are drawn from [LOW_PORT_FLOOR, ephemeral range start). */
const LOW_PORT_FLOOR = 10_000;

/** Any port from the kernel (listen on 0). */
function kernelPort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A free port p on 127.0.0.1 with p − 2 (the VIP port) and p + 1 (the HA port) free too, below the ephemeral range where there is one. */
export async function freeBrokerPort(): Promise<number> {
  const ephemeral = ephemeralRangeStart();
  // Many tries: on a machine with thousands of open loopback connections most triples fail.
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = ephemeral === undefined ? await kernelPort() : LOW_PORT_FLOOR + 2 + Math.floor(Math.random() * (ephemeral - LOW_PORT_FLOOR - 3));
    if (port < 1026 || port > 65534) continue;
    if ((await portFree(port)) && (await portFree(port - 2)) && (await portFree(port + 1))) return port;
  }
  throw new Error('no free port pair for a test broker');
}

export async function startCluster(t?: TestContext, brokerConfig: Partial<BrokerConfig> = {}, options: StartClusterOptions = {}): Promise<TestCluster> {
  const tempDir = await mkdtemp(join(tmpdir(), 'rmqts-cluster-'));
  const storeDir = options.storeDir ?? tempDir;
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(tempDir, 'kvConfig.json') } });
  const { port: namesrvPort } = await namesrv.start();
  const namesrvAddr = `127.0.0.1:${namesrvPort}`;
  const broker = await testBroker(namesrvAddr, storeDir, brokerConfig, options);
  try {
    await broker.start();
  } catch (error) {
    // The start error below is the one to report.
    await broker.stop().catch(() => undefined);
    await namesrv.stop();
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  const cluster: TestCluster = {
    namesrv,
    broker,
    namesrvAddr,
    brokerAddr: broker.brokerAddr,
    storeDir,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await broker.stop();
      await namesrv.stop();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
  t?.after(() => cluster.stop());
  return cluster;
}
