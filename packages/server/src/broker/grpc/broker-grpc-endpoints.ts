/**
 * Where another broker serves v5 gRPC: the host of its remoting address and the grpcServerPort
 * it reports in GET_BROKER_CONFIG (the route names only remoting addresses). Ports are cached
 * per broker address, so QueryRoute costs a remote call only when an entry runs out; a broker
 * that does not answer is left out for a short while and asked again after it.
 */
import type { ServerLogger } from '../../common/logger.ts';
import type { Endpoints } from './types.ts';

export interface BrokerGrpcEndpointsOptions {
  /** The broker's grpcServerPort (−1 = gRPC off), from GET_BROKER_CONFIG; throws when it cannot tell. */
  lookupPort(brokerAddr: string): Promise<number>;
  logger: ServerLogger;
  /** How long a broker's answer is trusted. @defaultValue 30_000 */
  ttlMillis?: number;
  /** How long a broker that did not answer is left out before it is asked again. @defaultValue 5_000 */
  failureTtlMillis?: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

interface Entry {
  /** The port, −1 when gRPC is off there, undefined when the broker did not answer. */
  port: number | undefined;
  expiresAt: number;
}

/** Endpoints for a host and port, with the scheme v5 clients expect for the host's form. */
export function endpointsOf(host: string, port: number): Endpoints {
  const scheme = /^[\d.]+$/.test(host) ? 'IPv4' : host.includes(':') ? 'IPv6' : 'DOMAIN_NAME';
  return { scheme, addresses: [{ host, port }] };
}

/** "10.0.0.5:10911" → "10.0.0.5"; "[::1]:10911" → "::1". */
export function hostOf(brokerAddr: string): string {
  const colon = brokerAddr.lastIndexOf(':');
  return (colon < 0 ? brokerAddr : brokerAddr.slice(0, colon)).replace(/^\[|\]$/g, '');
}

/** A grpcServerPort value as GET_BROKER_CONFIG prints it: −1 for off, else a usable port. */
export function parseGrpcPort(value: string | undefined, brokerAddr: string): number {
  const port = Number(value);
  if (value === undefined || value === '' || !Number.isInteger(port) || port < -1 || port === 0 || port > 65535) {
    throw new Error(`broker ${brokerAddr} reports no usable grpcServerPort (${value ?? 'missing'}); it may predate the v5 endpoint`);
  }
  return port;
}

export class BrokerGrpcEndpoints {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<number | undefined>>();
  private readonly ttlMillis: number;
  private readonly failureTtlMillis: number;
  private readonly now: () => number;

  constructor(private readonly options: BrokerGrpcEndpointsOptions) {
    this.ttlMillis = options.ttlMillis ?? 30_000;
    this.failureTtlMillis = options.failureTtlMillis ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  /** The broker's gRPC endpoints, or undefined when it serves none or did not answer (it is left out then). */
  async endpointsOf(brokerAddr: string): Promise<Endpoints | undefined> {
    const entry = this.entries.get(brokerAddr);
    const port = entry && entry.expiresAt > this.now() ? entry.port : await this.refresh(brokerAddr);
    return port === undefined || port < 0 ? undefined : endpointsOf(hostOf(brokerAddr), port);
  }

  /** Concurrent queries for one broker share one call. */
  private refresh(brokerAddr: string): Promise<number | undefined> {
    const pending = this.inFlight.get(brokerAddr);
    if (pending) return pending;
    const call = this.options
      .lookupPort(brokerAddr)
      .then(
        (port) => {
          if (port < 0) this.options.logger.debug({ brokerAddr }, 'broker serves no gRPC (grpcServerPort=-1): its queues are left out of v5 routes');
          this.remember(brokerAddr, port, this.ttlMillis);
          return port;
        },
        (error: Error) => {
          this.options.logger.warn(
            { brokerAddr, err: error.message },
            `cannot learn the gRPC port of broker ${brokerAddr} (GET_BROKER_CONFIG): its queues are left out of v5 routes for ${this.failureTtlMillis} ms; check that it runs and that this broker can reach it`,
          );
          this.remember(brokerAddr, undefined, this.failureTtlMillis);
          return undefined;
        },
      )
      .finally(() => this.inFlight.delete(brokerAddr));
    this.inFlight.set(brokerAddr, call);
    return call;
  }

  private remember(brokerAddr: string, port: number | undefined, ttlMillis: number): void {
    const now = this.now();
    // Brokers come and go with new addresses; forget the ones that ran out long ago.
    if (this.entries.size > 1024) for (const [addr, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(addr);
    this.entries.set(brokerAddr, { port, expiresAt: now + ttlMillis });
  }
}
