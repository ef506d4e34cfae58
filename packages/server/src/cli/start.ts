/**
 * `npm start`: a name server and a broker in one process, on the default ports (9876, 10911
 * and the VIP port 10909), with the data in ./.rocketmq-ts (or ROCKETMQ_TS_HOME). Any broker or
 * name server setting can be given as --key=value. The web console (@rocketmq-ts/dashboard)
 * comes up on :8080 too (--dashboardPort=N moves it, --dashboard=false leaves it off). Ctrl-C or
 * SIGTERM stops it cleanly: the broker unregisters, flushes and persists consumer offsets.
 * `--cluster 2m-2s` (cluster.ts) runs several brokers instead, each in its own process.
 */
import { resolve } from 'node:path';
import { join } from 'node:path';
import { Broker } from '../broker/broker.ts';
import { createLogger } from '../common/logger.ts';
import { applyProperties, keyValueArguments } from '../config/properties.ts';
import { NameServer } from '../namesrv/name-server.ts';
import { namesrvDefaults } from '../namesrv/namesrv-config.ts';
import { resolveBrokerConfig } from './mqbroker.ts';
import { type ClusterBrokerPlan, parseClusterSpec, planCluster, type RunningBroker, startClusterProcesses, stopClusterProcesses } from './cluster.ts';

export async function main(argv: string[]): Promise<void> {
  const started = performance.now();
  const home = resolve(process.env.ROCKETMQ_TS_HOME ?? '.rocketmq-ts');
  const flags = keyValueArguments(argv.slice(2));
  const logger = createLogger('rocketmq-ts', process.env.ROCKETMQ_LOG_LEVEL ?? 'warn');

  const namesrvKeys = Object.fromEntries(Object.entries(flags).filter(([key]) => key in namesrvDefaults && key !== 'listenPort'));
  const { config: namesrvConfig } = applyProperties(namesrvDefaults, { kvConfigPath: join(home, 'namesrv', 'kvConfig.json') }, namesrvKeys, {
    listenPort: flags['namesrvPort'] ?? '9876',
  });
  const namesrv = new NameServer({ config: namesrvConfig, logger });
  const namesrvAddress = await namesrv.start();
  const namesrvAddr = `127.0.0.1:${namesrvAddress.port}`;

  if (flags['cluster'] !== undefined) return startCluster(flags, home, namesrv, namesrvAddr, started);
  const brokerFlags = Object.fromEntries(Object.entries(flags).filter(([key]) => !['namesrvPort', 'dashboard', 'dashboardPort'].includes(key)));
  const { config } = resolveBrokerConfig([{ storePathRootDir: join(home, 'store'), namesrvAddr, brokerName: 'broker-a' }, brokerFlags]);
  const broker = new Broker({ config, logger });
  try {
    await broker.start();
  } catch (error) {
    await namesrv.stop();
    throw error;
  }
  let dashboard: Awaited<ReturnType<typeof startConsole>> | undefined;
  if (flags['dashboard'] !== 'false') {
    const port = Number(flags['dashboardPort'] ?? '8080');
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--dashboardPort=${flags['dashboardPort']} is not a port (0–65535)`);
    try {
      dashboard = await startConsole(namesrvAddr, port);
    } catch (error) {
      await broker.stop();
      await namesrv.stop();
      throw error;
    }
  }
  const millis = Math.round(performance.now() - started);
  process.stdout.write(
    `rocketmq-ts is up in ${millis} ms\n` +
      `  name server  ${namesrvAddr}       (clients: setNamesrvAddr("${namesrvAddr}") or NAMESRV_ADDR=${namesrvAddr})\n` +
      `  broker       ${broker.brokerAddr}  (${config.brokerClusterName}/${config.brokerName}, VIP port ${config.listenPort - 2})\n` +
      (config.grpcServerPort > 0 ? `  gRPC (v5)    ${config.brokerIP1}:${config.grpcServerPort}  (RocketMQ 5.x clients: endpoints)\n` : '') +
      `  data         ${home}\n` +
      (dashboard ? `  console      ${dashboard.url}  (--dashboardPort=N to move it, --dashboard=false to leave it off)\n` : '') +
      `Ctrl-C stops it.\n`,
  );
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping: flushing the store and persisting consumer offsets…\n');
    void (async () => {
      await dashboard?.close();
      await broker.stop();
      await namesrv.stop();
      process.exit(0);
    })();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/** `--cluster <layout>`: the name server here, every broker in its own process (cluster.ts). */
async function startCluster(flags: Record<string, string>, home: string, namesrv: NameServer, namesrvAddr: string, started: number): Promise<void> {
  let plan: ClusterBrokerPlan[];
  let brokers: RunningBroker[];
  try {
    const spec = parseClusterSpec(flags['cluster'] ?? '');
    const basePort = Number(flags['basePort'] ?? flags['listenPort'] ?? '10911');
    if (!Number.isInteger(basePort) || basePort < 3 || basePort > 65000) throw new Error(`--basePort=${flags['basePort']} is not a port`);
    plan = planCluster(spec, home, basePort);
    const reserved = new Set(['cluster', 'basePort', 'namesrvPort', 'dashboard', 'dashboardPort', 'listenPort', 'brokerName', 'brokerId', 'brokerRole', 'storePathRootDir', 'storePathCommitLog']);
    const extra = Object.fromEntries(Object.entries(flags).filter(([key]) => !reserved.has(key)));
    brokers = await startClusterProcesses(plan, namesrvAddr, home, extra);
  } catch (error) {
    await namesrv.stop();
    throw error;
  }
  let dashboard: ConsoleHandle | undefined;
  if (flags['dashboard'] !== 'false') {
    try {
      dashboard = await startConsole(namesrvAddr, Number(flags['dashboardPort'] ?? '8080'));
    } catch (error) {
      await stopClusterProcesses(brokers);
      await namesrv.stop();
      throw error;
    }
  }
  const rows = brokers.map((b) => `  ${`${b.brokerName}/${b.brokerId}`.padEnd(12)} ${b.brokerRole.padEnd(12)} ${b.brokerAddr.padEnd(21)} HA :${b.listenPort + 1}  data ${b.storePathRootDir}`);
  process.stdout.write(
    `rocketmq-ts cluster ${flags['cluster']} is up in ${Math.round(performance.now() - started)} ms\n` +
      `  name server  ${namesrvAddr}       (clients: setNamesrvAddr("${namesrvAddr}") or NAMESRV_ADDR=${namesrvAddr})\n` +
      `${rows.join('\n')}\n` +
      `  logs         ${join(home, 'logs')}\n` +
      (dashboard ? `  console      ${dashboard.url}\n` : '') +
      `Ctrl-C stops it.\n`,
  );
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping: every broker flushes its store and unregisters…\n');
    void (async () => {
      await dashboard?.close();
      await stopClusterProcesses(brokers);
      await namesrv.stop();
      process.exit(0);
    })();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

interface ConsoleHandle {
  url: string;
  close(): Promise<void>;
}

/**
 * The console is loaded at run time rather than imported: it sits above the server in the
 * package graph (it talks to the cluster only as a client would), so the server does not
 * depend on it; `npm start` from this repository finds it in the workspace.
 */
async function startConsole(namesrvAddr: string, port: number): Promise<ConsoleHandle> {
  const specifier = '@rocketmq-ts/dashboard';
  let module: { startDashboard(options: { namesrvAddr: string; port: number }): Promise<ConsoleHandle> };
  try {
    module = (await import(specifier)) as typeof module;
  } catch (error) {
    throw new Error(`the web console (@rocketmq-ts/dashboard) is not installed: ${(error as Error).message}; install it or start with --dashboard=false`);
  }
  return module.startDashboard({ namesrvAddr, port });
}
