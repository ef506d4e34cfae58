/**
 * Starts the v5 gRPC endpoint beside the remoting server: the POP state (pop/pop.log under the
 * store root), the MessagingService over the broker's handlers, and the gRPC listener.
 */
import { join } from 'node:path';
import type { RequestHandler } from '@rocketmq-ts/protocol';
import type { ServerTls } from '../../common/tls-config.ts';
import type { BrokerServices } from '../handlers/services.ts';
import { PopLog } from '../pop/pop-log.ts';
import { PopService } from '../pop/pop-service.ts';
import { parseNamesrvAddr, type BrokerOuterApi } from '../out/broker-outer-api.ts';
import { BrokerGrpcEndpoints, endpointsOf, parseGrpcPort } from './broker-grpc-endpoints.ts';
import { ClusterRoute } from './cluster-route.ts';
import { GRPC_PRODUCER_GROUP } from './convert.ts';
import { GrpcServer } from './grpc-server.ts';
import { MessagingService } from './messaging-service.ts';
import type { Endpoints } from './types.ts';

export interface GrpcEndpoint {
  readonly port: number;
  readonly pop: PopService;
  readonly service: MessagingService;
  close(): Promise<void>;
}

/** Bounds of the remote calls behind QueryRoute (cluster-route.ts): a slow name server or broker must not hold clients long. */
const ROUTE_LOOKUP_TIMEOUT_MS = 2_000;
const BROKER_CONFIG_TIMEOUT_MS = 1_000;

/**
 * `tls`: the remoting port's TLS (tls.server.*), served on the gRPC port the same way.
 * `outerApi`: the broker's calls to name servers and brokers; with it QueryRoute and
 * QueryAssignment cover every broker of the topic's route, without it this broker alone.
 */
export async function startGrpcEndpoint(services: BrokerServices, handlers: ReadonlyMap<number, RequestHandler>, tls?: ServerTls, outerApi?: BrokerOuterApi): Promise<GrpcEndpoint> {
  const { config, store, offsets, logger } = services;
  const log = PopLog.open(join(config.storePathRootDir, 'pop'));
  let port = config.grpcServerPort;
  const pop: PopService = new PopService({
    store,
    offsets,
    log,
    maxAttempts: (group) => (services.groups.get(group)?.retryMaxTimes ?? 16) + 1,
    // The service is created just below; POP only dead-letters later, during a pop.
    deadLetter: (group, message): Promise<void> => service.deadLetter(group, message),
    // In controller mode the role changes at run time: POP and the v5 sends follow it.
    isMaster: () => config.brokerRole !== 'SLAVE',
  });
  // A follower (controller mode) names its master's host on this same port, as Apache's in-broker
  // proxy does (the route's broker host, the proxy's own grpc port): right where every replica
  // uses the same grpcServerPort; on one host with different ports it names itself.
  const advertised = (): Endpoints => {
    const master = config.brokerRole === 'SLAVE' ? services.replication?.status().masterAddr : undefined;
    return endpointsOf(master ? master.slice(0, master.lastIndexOf(':')) : config.brokerIP1, port);
  };
  const clusterRoute = outerApi ? clusterRouteOf(services, outerApi) : undefined;
  const service: MessagingService = new MessagingService({ services, handlers, pop, endpoints: advertised, clusterRoute });
  store.onMessageArriving((topic) => pop.notifyArrival(topic));
  services.pop = pop;
  // v5 producers' half messages carry this producer group; their check-backs go over Telemetry.
  services.transactions.checkRelays.set(GRPC_PRODUCER_GROUP, (copy) => service.relayCheck(copy));
  const server = new GrpcServer(service, logger);
  try {
    port = await server.listen(config.grpcServerPort, config.bindAddress, tls);
  } catch (error) {
    pop.close();
    throw new Error(
      `the broker cannot serve gRPC on ${config.bindAddress}:${config.grpcServerPort}: ${(error as Error).message}; another broker or proxy may hold it — ` +
        'set grpcServerPort in broker.conf (0 = any free port, -1 = off)',
      { cause: error },
    );
  }
  config.grpcServerPort = port;
  service.renewer.start();
  const tlsMode = tls?.contextOptions && tls.mode !== 'disabled' ? tls.mode : 'plain';
  logger.info({ grpcServerPort: port, tls: tlsMode }, 'the v5 gRPC endpoint is serving');
  return {
    port,
    pop,
    service,
    close: async () => {
      services.transactions.checkRelays.delete(GRPC_PRODUCER_GROUP);
      delete services.pop;
      service.renewer.stop();
      await server.close();
      pop.close();
    },
  };
}

/** The topic routes and other brokers' gRPC endpoints, through the broker's own remoting client. */
function clusterRouteOf(services: BrokerServices, outerApi: BrokerOuterApi): ClusterRoute {
  const { config, logger } = services;
  const endpoints = new BrokerGrpcEndpoints({
    lookupPort: async (brokerAddr) => parseGrpcPort((await outerApi.getBrokerConfig(brokerAddr, BROKER_CONFIG_TIMEOUT_MS))['grpcServerPort'], brokerAddr),
    logger,
  });
  return new ClusterRoute({
    namesrvAddrs: () => parseNamesrvAddr(config.namesrvAddr),
    fetchRoute: (namesrvAddr, topic, timeoutMillis) => outerApi.getTopicRoute(namesrvAddr, topic, timeoutMillis),
    endpoints,
    logger,
    lookupTimeoutMillis: ROUTE_LOOKUP_TIMEOUT_MS,
  });
}
