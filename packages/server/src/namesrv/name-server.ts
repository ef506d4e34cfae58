/**
 * The name server process: a RemotingServer with the name server handler table, the route
 * table, the KV config, and the scan that drops brokers that stopped registering.
 */
import { serverTls } from '../common/tls-config.ts';
import { type AddressInfo } from 'node:net';
import { mergeHandlerTables, RemotingServer, type RequestHandler } from '@rocketmq-ts/protocol';
import { type ServerLogger, silentServerLogger } from '../common/logger.ts';
import { checkSettings, ConfigError, parseUpdate } from '../config/schema.ts';
import { brokerHandlers } from './handlers/broker.ts';
import { kvHandlers } from './handlers/kv.ts';
import { routeHandlers } from './handlers/route.ts';
import type { NamesrvServices } from './handlers/services.ts';
import { KvConfigManager, type KvPersistence } from './kv-config-manager.ts';
import { type NamesrvConfig, namesrvDefaults, namesrvSettings } from './namesrv-config.ts';
import { RouteInfoManager } from './route-info-manager.ts';

export interface NameServerOptions {
  config?: Partial<NamesrvConfig>;
  logger?: ServerLogger;
  /** Where the KV table lives; none keeps it in memory (tests). */
  kvPersistence?: KvPersistence;
  /** How the port-in-use message names the setting: `listenPort in namesrv.conf or --listenPort=<port>` by default. */
  portHint?: string;
}

/** The name server's request code → handler table. */
export function namesrvHandlerTable(services: NamesrvServices): Map<number, RequestHandler> {
  return mergeHandlerTables(brokerHandlers(services), routeHandlers(services), kvHandlers(services));
}

export class NameServer {
  readonly routes = new RouteInfoManager();
  readonly kv: KvConfigManager;
  readonly config: NamesrvConfig;
  private readonly logger: ServerLogger;
  private readonly server: RemotingServer;
  private scanTimer: NodeJS.Timeout | undefined;
  private readonly portHint: string;

  constructor(options: NameServerOptions = {}) {
    this.config = { ...namesrvDefaults, ...options.config };
    this.portHint = options.portHint ?? 'listenPort in namesrv.conf or --listenPort=<port>';
    this.logger = options.logger ?? silentServerLogger();
    this.kv = new KvConfigManager(options.kvPersistence);
    const services: NamesrvServices = {
      routes: this.routes,
      kv: this.kv,
      config: this.config,
      logger: this.logger,
      updateConfig: async (properties) => {
        Object.assign(this.config, parseUpdate(namesrvSettings, properties, 'name server'));
      },
    };
    this.server = new RemotingServer({
      handlers: namesrvHandlerTable(services),
      logger: this.logger,
      maxFrameLength: this.config.maxFrameLength,
      idleTimeoutMillis: this.config.serverChannelMaxIdleTimeSeconds * 1000,
      tls: serverTls(this.config),
    });
    this.server.on('disconnect', (connection) => {
      for (const gone of this.routes.onChannelClosed(connection)) this.logger.info(gone, 'broker removed');
    });
  }

  async start(): Promise<AddressInfo> {
    const problems = checkSettings(namesrvSettings, this.config);
    if (problems.length > 0) throw new ConfigError(problems);
    await this.kv.load();
    let address: AddressInfo;
    try {
      address = await this.server.listen(this.config.listenPort, this.config.bindAddress);
    } catch (error) {
      throw new Error(
        `the name server cannot listen on ${this.config.bindAddress}:${this.config.listenPort}: ${(error as Error).message}; ` +
          `is another name server running? Choose another port with ${this.portHint}`,
        { cause: error },
      );
    }
    this.scanTimer = setInterval(() => this.scanNotActiveBroker(), this.config.scanNotActiveBrokerInterval);
    this.scanTimer.unref();
    this.logger.info({ port: address.port }, 'the name server boot success');
    return address;
  }

  scanNotActiveBroker(now = Date.now()): void {
    for (const gone of this.routes.scanNotActiveBroker(this.config.brokerChannelExpiredTime, now)) {
      this.logger.warn(gone, 'broker removed: it stopped registering');
    }
  }

  get port(): number | undefined {
    return this.server.address?.port;
  }

  async stop(): Promise<void> {
    clearInterval(this.scanTimer);
    await this.server.close();
  }
}
