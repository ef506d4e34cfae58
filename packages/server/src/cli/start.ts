/**
 * `npm start`: a name server and a broker in one process, on the default ports (9876, 10911
 * and the VIP port 10909), with the data in ./.rocketmq-ts (or ROCKETMQ_TS_HOME). Any broker or
 * name server setting can be given as --key=value. The web console (@rocketmq-ts/dashboard)
 * comes up on :8080 too (--dashboardPort=N moves it, --dashboard=false leaves it off). Ctrl-C or
 * SIGTERM stops it cleanly: the broker unregisters, flushes and persists consumer offsets.
 * `--cluster 2m-2s` (cluster.ts) runs several brokers instead, each in its own process;
 * `--brokers N` is `--cluster Nm`: N masters of one cluster, the RocketMQ way to use N cores of
 * one host (each broker process runs its hot path on one event loop; docs/performance.md).
 */
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { Broker } from '../broker/broker.ts';
import { brokerKeyAliases, brokerNoEffectKeys, brokerSettings } from '../broker/broker-config.ts';
import { announce, createProcessLogger, isJsonFormat, type ServerLogger } from '../common/logger.ts';
import { nearestKey, resolveSettings } from '../config/schema.ts';
import { NameServer } from '../namesrv/name-server.ts';
import { namesrvSettings } from '../namesrv/namesrv-config.ts';
import { logOptionsFrom, optionNames, settingArguments, UsageError, withLogOptions } from './arguments.ts';
import { resolveBrokerConfig } from './mqbroker.ts';
import { type ClusterBrokerPlan, parseClusterSpec, planCluster, planFailover, type RunningBroker, startClusterProcesses, stopClusterProcesses } from './cluster.ts';
import { type RunningControllers, startControllers } from './controllers.ts';

export function startCommand(): Command {
  return withLogOptions(
    new Command('rocketmq-ts')
      .description('Start a name server, a broker and the web console in one process (npm start -- <options>).')
      .option('--namesrvPort <port>', 'name server port', '9876')
      .option('--dashboardPort <port>', 'web console port', '8080')
      .option('--dashboard <on>', 'false leaves the web console off', 'true')
      .option('--cluster <layout>', 'several brokers, each in its own process: <M>m[-<S>s][-sync|-async], e.g. 2m-2s; or failover (3 Apache controllers + 3 brokers, docs/failover.md)')
      .option('--brokers <n>', 'N master brokers (broker-a, broker-b, …) of one cluster, each its own process, ports and store: --cluster Nm')
      .option('--basePort <port>', 'with --cluster or --brokers: port of the first broker; broker k listens on basePort + 10k', '10911'),
  )
    .addHelpText(
      'after',
      '\nAny broker or name server setting can be given as --key=value, e.g.\n  npm start -- --listenPort=10921 --flushDiskType=SYNC_FLUSH --autoCreateTopicEnable=false\n' +
        'Data lives in ./.rocketmq-ts (or ROCKETMQ_TS_HOME). Every setting: docs/configuration.md.',
    )
    .allowUnknownOption(true)
    .allowExcessArguments(true);
}

interface StartOptions {
  namesrvPort: string;
  dashboardPort: string;
  dashboard: string;
  cluster?: string;
  brokers?: string;
  basePort: string;
  logFormat?: string;
  logFile?: string;
  logLevel?: string;
}

/** Keys only the name server has (the broker's flags of npm start neither use nor warn about them). */
const namesrvOnlyKeys = new Set(Object.keys(namesrvSettings).filter((key) => !(key in brokerSettings)));

export async function main(argv: string[]): Promise<void> {
  const started = performance.now();
  const home = resolve(process.env.ROCKETMQ_TS_HOME ?? '.rocketmq-ts');
  const program = startCommand();
  program.parse(argv);
  const options = program.opts<StartOptions>();
  const flags = settingArguments(program.args, 'npm start --');
  const logOptions = logOptionsFrom(options, 'warn');
  const json = isJsonFormat(logOptions);
  const own = optionNames(program);
  for (const key of Object.keys(flags)) {
    if (key in brokerSettings || key in namesrvSettings || key in brokerKeyAliases || key in brokerNoEffectKeys) continue;
    const near = nearestKey(key, [...own, ...Object.keys(brokerSettings), ...Object.keys(namesrvSettings)]);
    throw new UsageError(`unknown option --${key}${near ? `; did you mean --${near}?` : ''} (see npm start -- --help)`);
  }
  const dashboardPort = parsePort(options.dashboardPort, '--dashboardPort');
  if (options.brokers !== undefined) {
    if (options.cluster !== undefined) throw new UsageError('--brokers and --cluster both say how many brokers to run: give one of them');
    const count = Number(options.brokers);
    if (!/^\d+$/.test(options.brokers.trim()) || count < 1 || count > 26) throw new UsageError(`--brokers=${options.brokers} is not a broker count (1–26)`);
    options.cluster = `${count}m`;
  }
  // Every setting is checked before anything starts, so a typo never leaves a half-started system.
  resolveBrokerConfig([{ source: 'command line', values: flags, strict: true }], { ignore: namesrvOnlyKeys });
  const logger = await createProcessLogger('rocketmq-ts', logOptions);

  const namesrvKeys = Object.fromEntries(Object.entries(flags).filter(([key]) => key in namesrvSettings && key !== 'listenPort'));
  const { config: namesrvConfig } = resolveSettings(
    namesrvSettings,
    [
      { source: 'npm start', values: { kvConfigPath: join(home, 'namesrv', 'kvConfig.json') } },
      { source: 'command line', values: { ...namesrvKeys, listenPort: options.namesrvPort } },
    ],
    { what: 'name server' },
  );
  const namesrv = new NameServer({ config: namesrvConfig, logger, portHint: '--namesrvPort=<port>' });
  const namesrvAddress = await namesrv.start();
  const namesrvAddr = `127.0.0.1:${namesrvAddress.port}`;

  if (options.cluster !== undefined) return startCluster(options, flags, home, namesrv, namesrvAddr, started, logger, json);
  let config;
  try {
    const resolved = resolveBrokerConfig(
      [
        { source: 'npm start', values: { storePathRootDir: join(home, 'store'), namesrvAddr, brokerName: 'broker-a' } },
        { source: 'command line', values: flags, strict: true },
      ],
      { ignore: namesrvOnlyKeys },
    );
    config = resolved.config;
    for (const warning of resolved.warnings) logger.warn(warning);
  } catch (error) {
    await namesrv.stop();
    throw error;
  }
  const broker = new Broker({ config, logger });
  try {
    await broker.start();
  } catch (error) {
    await namesrv.stop();
    throw error;
  }
  let dashboard: Awaited<ReturnType<typeof startConsole>> | undefined;
  if (options.dashboard !== 'false') {
    try {
      dashboard = await startConsole(namesrvAddr, dashboardPort);
    } catch (error) {
      await broker.stop();
      await namesrv.stop();
      throw error;
    }
  }
  const millis = Math.round(performance.now() - started);
  announce(
    logger,
    json,
    `rocketmq-ts is up in ${millis} ms\n` +
      `  name server  ${namesrvAddr}       (clients: setNamesrvAddr("${namesrvAddr}") or NAMESRV_ADDR=${namesrvAddr})\n` +
      `  broker       ${broker.brokerAddr}  (${config.brokerClusterName}/${config.brokerName}, VIP port ${config.listenPort - 2})\n` +
      (config.grpcServerPort > 0 ? `  gRPC (v5)    ${config.brokerIP1}:${config.grpcServerPort}  (RocketMQ 5.x clients: endpoints)\n` : '') +
      `  data         ${home}\n` +
      (dashboard ? `  console      ${dashboard.url}  (--dashboardPort=N to move it, --dashboard=false to leave it off)\n` : '') +
      `Ctrl-C stops it.\n`,
    { upMillis: millis, namesrvAddr, brokerAddr: broker.brokerAddr, cluster: config.brokerClusterName, brokerName: config.brokerName, home, ...(dashboard ? { console: dashboard.url } : {}) },
  );
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    announce(logger, json, 'stopping: flushing the store and persisting consumer offsets…');
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

function parsePort(text: string, flag: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) throw new UsageError(`${flag}=${text} is not a port (0–65535)`);
  return port;
}

/** `--cluster <layout>`: the name server here, every broker in its own process (cluster.ts). */
async function startCluster(
  options: StartOptions,
  flags: Record<string, string>,
  home: string,
  namesrv: NameServer,
  namesrvAddr: string,
  started: number,
  logger: ServerLogger,
  json: boolean,
): Promise<void> {
  let plan: ClusterBrokerPlan[];
  let brokers: RunningBroker[];
  let controllers: RunningControllers | undefined;
  try {
    const failover = options.cluster === 'failover';
    const basePort = Number(flags['listenPort'] ?? options.basePort);
    if (!Number.isInteger(basePort) || basePort < 3 || basePort > 65000) throw new UsageError(`--basePort=${options.basePort} is not a port (3–65000)`);
    plan = failover ? planFailover(home, basePort) : planCluster(parseClusterSpec(options.cluster ?? ''), home, basePort);
    if (failover) {
      // Apache's quick-start controller ports with the default basePort; shifted with it otherwise.
      const shift = basePort - 10911;
      controllers = await startControllers(home, [9878 + shift, 9868 + shift, 9858 + shift]);
      Object.assign(flags, { enableControllerMode: 'true', controllerAddr: controllers.controllerAddr, allAckInSyncStateSet: 'true', ...flags });
    }
    // Checked here once, so a typo fails before any process starts; each broker gets only broker settings.
    resolveBrokerConfig([{ source: 'command line', values: flags, strict: true }], { ignore: namesrvOnlyKeys });
    const reserved = new Set(['listenPort', 'brokerName', 'brokerId', 'brokerRole', 'storePathRootDir', 'storePathCommitLog']);
    const extra = Object.fromEntries(Object.entries(flags).filter(([key]) => !reserved.has(key) && !namesrvOnlyKeys.has(key)));
    brokers = await startClusterProcesses(plan, namesrvAddr, home, extra);
  } catch (error) {
    await controllers?.stop();
    await namesrv.stop();
    throw error;
  }
  let dashboard: ConsoleHandle | undefined;
  if (options.dashboard !== 'false') {
    try {
      dashboard = await startConsole(namesrvAddr, parsePort(options.dashboardPort, '--dashboardPort'));
    } catch (error) {
      await stopClusterProcesses(brokers);
      await controllers?.stop();
      await namesrv.stop();
      throw error;
    }
  }
  const rows = brokers.map((b) => `  ${`${b.brokerName}/${b.brokerId}`.padEnd(12)} ${(controllers ? 'elected' : b.brokerRole).padEnd(12)} ${b.brokerAddr.padEnd(21)} HA :${b.listenPort + 1}  data ${b.storePathRootDir}`);
  announce(
    logger,
    json,
    `rocketmq-ts cluster ${options.cluster} is up in ${Math.round(performance.now() - started)} ms\n` +
      `  name server  ${namesrvAddr}       (clients: setNamesrvAddr("${namesrvAddr}") or NAMESRV_ADDR=${namesrvAddr})\n` +
      `${rows.join('\n')}\n` +
      (controllers ? `  controllers  ${controllers.controllerAddr}  (Apache RocketMQ controller, leader ${controllers.leader}; they elect the master, see docs/failover.md)\n` : '') +
      `  logs         ${join(home, 'logs')}\n` +
      (dashboard ? `  console      ${dashboard.url}\n` : '') +
      `Ctrl-C stops it.\n`,
    { namesrvAddr, brokers: brokers.map((b) => ({ brokerName: b.brokerName, brokerId: b.brokerId, brokerRole: b.brokerRole, brokerAddr: b.brokerAddr })), ...(dashboard ? { console: dashboard.url } : {}) },
  );
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    announce(logger, json, 'stopping: every broker flushes its store and unregisters…');
    void (async () => {
      await dashboard?.close();
      await stopClusterProcesses(brokers);
      await controllers?.stop();
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
 * package graph (it talks to the cluster only as a client would), so the server declares it
 * only as an optional peer dependency; `npm start` from this repository finds it in the
 * workspace, and a server installed without it starts with --dashboard=false.
 */
async function startConsole(namesrvAddr: string, port: number): Promise<ConsoleHandle> {
  const specifier = '@rocketmq-ts/dashboard';
  let module: { startDashboard(options: { namesrvAddr: string; port: number; credentials?: { accessKey: string; secretKey: string } }): Promise<ConsoleHandle> };
  try {
    module = (await import(specifier)) as typeof module;
  } catch (error) {
    throw new Error(`the web console (@rocketmq-ts/dashboard) is not installed: ${(error as Error).message}; install it or start with --dashboard=false`);
  }
  // With aclEnable, the console signs with the account in RMQ_CONSOLE_ACCESS_KEY / RMQ_CONSOLE_SECRET_KEY (docs/security.md).
  const accessKey = process.env['RMQ_CONSOLE_ACCESS_KEY'];
  const secretKey = process.env['RMQ_CONSOLE_SECRET_KEY'];
  return module.startDashboard({ namesrvAddr, port, ...(accessKey && secretKey ? { credentials: { accessKey, secretKey } } : {}) });
}
