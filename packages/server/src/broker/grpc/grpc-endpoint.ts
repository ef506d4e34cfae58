/**
 * Starts the v5 gRPC endpoint beside the remoting server: the POP state (pop/pop.log under the
 * store root), the MessagingService over the broker's handlers, and the gRPC listener.
 */
import { join } from 'node:path';
import type { RequestHandler } from '@rocketmq-ts/protocol';
import type { BrokerServices } from '../handlers/services.ts';
import { PopLog } from '../pop/pop-log.ts';
import { PopService } from '../pop/pop-service.ts';
import { GrpcServer } from './grpc-server.ts';
import { MessagingService } from './messaging-service.ts';
import type { Endpoints } from './types.ts';

export interface GrpcEndpoint {
  readonly port: number;
  readonly pop: PopService;
  readonly service: MessagingService;
  close(): Promise<void>;
}

function endpointsOf(host: string, port: number): Endpoints {
  const scheme = /^[\d.]+$/.test(host) ? 'IPv4' : host.includes(':') ? 'IPv6' : 'DOMAIN_NAME';
  return { scheme, addresses: [{ host, port }] };
}

export async function startGrpcEndpoint(services: BrokerServices, handlers: ReadonlyMap<number, RequestHandler>): Promise<GrpcEndpoint> {
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
  });
  const service: MessagingService = new MessagingService({ services, handlers, pop, endpoints: () => endpointsOf(config.brokerIP1, port) });
  store.onMessageArriving((topic) => pop.notifyArrival(topic));
  const server = new GrpcServer(service, logger);
  try {
    port = await server.listen(config.grpcServerPort, config.bindAddress);
  } catch (error) {
    pop.close();
    throw new Error(
      `the broker cannot serve gRPC on ${config.bindAddress}:${config.grpcServerPort}: ${(error as Error).message}; another broker or proxy may hold it — ` +
        'set grpcServerPort in broker.conf (0 = any free port, -1 = off)',
      { cause: error },
    );
  }
  config.grpcServerPort = port;
  logger.info({ grpcServerPort: port }, 'the v5 gRPC endpoint is serving');
  return {
    port,
    pop,
    service,
    close: async () => {
      await server.close();
      pop.close();
    },
  };
}
