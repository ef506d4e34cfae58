/**
 * QueryRoute and QueryAssignment for the whole cluster, as Apache's proxy in cluster mode
 * (proxy/…/grpc/v2/route/RouteActivity over the name server's route): every brokerName of the
 * topic's route contributes its master's queues (brokerId 0), each naming that broker's gRPC
 * endpoint, so a v5 client given one broker's endpoint spreads over all of them.
 *
 * The pure parts (route → MessageQueue list, queues → assignments) are functions; ClusterRoute
 * adds the I/O: the route from the name servers (cached briefly, bounded in time) and each
 * broker's gRPC endpoint (broker-grpc-endpoints.ts). Whenever the route cannot be had (no name
 * server, none answers, the topic not registered yet) the answer is this broker's queues alone.
 */
import { isReadable, isWriteable, type QueueData, type TopicRouteData } from '@rocketmq-ts/protocol';
import type { ServerLogger } from '../../common/logger.ts';
import type { BrokerGrpcEndpoints } from './broker-grpc-endpoints.ts';
import type { Endpoints, MessageQueue } from './types.ts';

/** The message types every queue accepts (this broker keeps no per-topic message type). */
const ACCEPT_ALL = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'];
const MASTER_ID = 0;

export type QueueNums = Pick<QueueData, 'perm' | 'readQueueNums' | 'writeQueueNums'>;
export type GrpcBroker = MessageQueue['broker'];

/**
 * One broker's queues of a topic: queue i is readable when i < readQueueNums and the
 * permission reads, writable likewise (the queue ids a 4.x client sees).
 */
export function brokerQueues(topic: string, nums: QueueNums, broker: GrpcBroker): MessageQueue[] {
  const queues: MessageQueue[] = [];
  const count = Math.max(nums.readQueueNums, nums.writeQueueNums);
  for (let id = 0; id < count; id++) {
    const r = isReadable(nums.perm) && id < nums.readQueueNums;
    const w = isWriteable(nums.perm) && id < nums.writeQueueNums;
    const permission = r && w ? 'READ_WRITE' : r ? 'READ' : w ? 'WRITE' : 'NONE';
    queues.push({ topic: { name: topic }, id, permission, broker, acceptMessageTypes: ACCEPT_ALL });
  }
  return queues;
}

/** brokerName → its master's remoting address, for each broker of the route that has the topic's queues and a master. */
export function routeMasters(route: TopicRouteData): Map<string, string> {
  const withQueues = new Set(route.queueDatas.map((q) => q.brokerName));
  const masters = new Map<string, string>();
  for (const broker of route.brokerDatas) {
    const addr = broker.brokerAddrs.get(MASTER_ID);
    if (addr && withQueues.has(broker.brokerName)) masters.set(broker.brokerName, addr);
  }
  return masters;
}

/** This broker's own part of the answer: its name and its queues (undefined when it lacks the topic). */
export interface LocalQueues {
  brokerName: string;
  queues: readonly MessageQueue[] | undefined;
}

/**
 * The topic's queues over the cluster: this broker's own queues (from its topic config, fresher
 * than the route), then every other brokerName of the route whose endpoints are known, with
 * the route's queue numbers and permission. Brokers without endpoints (gRPC off, unreachable,
 * no master) are left out. Ordered by broker name, then queue id.
 */
export function routeMessageQueues(topic: string, route: TopicRouteData, endpoints: ReadonlyMap<string, Endpoints>, local: LocalQueues): MessageQueue[] {
  const queues: MessageQueue[] = [...(local.queues ?? [])];
  const seen = new Set<string>([local.brokerName]);
  for (const queueData of route.queueDatas) {
    const name = queueData.brokerName;
    const brokerEndpoints = endpoints.get(name);
    // A name server may list a broker's queue data twice (4.x merges per registration); take the first.
    if (seen.has(name) || !brokerEndpoints) continue;
    seen.add(name);
    queues.push(...brokerQueues(topic, queueData, { name, id: MASTER_ID, endpoints: brokerEndpoints }));
  }
  return queues.sort((a, b) => (a.broker.name < b.broker.name ? -1 : a.broker.name > b.broker.name ? 1 : a.id - b.id));
}

/**
 * QueryAssignment's answer, as Apache's proxy: one assignment per broker with a readable queue,
 * queue id −1 (receiving from it pops every readable queue of that broker), READ_WRITE when
 * the broker also takes writes, else READ.
 */
export function brokerAssignments(topic: string, queues: readonly MessageQueue[]): { messageQueue: MessageQueue }[] {
  const byBroker = new Map<string, { broker: GrpcBroker; readable: boolean; writable: boolean }>();
  for (const queue of queues) {
    const seen = byBroker.get(queue.broker.name) ?? { broker: queue.broker, readable: false, writable: false };
    seen.readable ||= queue.permission === 'READ' || queue.permission === 'READ_WRITE';
    seen.writable ||= queue.permission === 'WRITE' || queue.permission === 'READ_WRITE';
    byBroker.set(queue.broker.name, seen);
  }
  return [...byBroker.values()]
    .filter((b) => b.readable)
    .map((b) => ({ messageQueue: { topic: { name: topic }, id: -1, permission: b.writable ? 'READ_WRITE' : 'READ', broker: b.broker, acceptMessageTypes: ACCEPT_ALL } }));
}

export interface ClusterRouteOptions {
  /** The name servers to ask (namesrvAddr, read at each lookup: it can change at run time). */
  namesrvAddrs(): string[];
  /** GET_ROUTEINFO_BY_TOPIC at one name server: the route, undefined when it does not know the topic; throws when it cannot answer. */
  fetchRoute(namesrvAddr: string, topic: string, timeoutMillis: number): Promise<TopicRouteData | undefined>;
  endpoints: BrokerGrpcEndpoints;
  logger: ServerLogger;
  /** How long a route is used without asking again. @defaultValue 2_000 */
  freshMillis?: number;
  /** How long an older route is still answered with while a newer one is fetched. @defaultValue 30_000 */
  staleMillis?: number;
  /** The most one route lookup waits, over all name servers. @defaultValue 2_000 */
  lookupTimeoutMillis?: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

interface RouteEntry {
  route: TopicRouteData | undefined;
  fetchedAt: number;
}

/** Routes kept at most (a client asking for many topics must not grow this without bound). */
const MAX_ROUTES = 4096;

export class ClusterRoute {
  private readonly routes = new Map<string, RouteEntry>();
  private readonly inFlight = new Map<string, Promise<TopicRouteData | undefined>>();
  /** The name server that answered last: asked first next time. */
  private preferred = 0;
  private readonly freshMillis: number;
  private readonly staleMillis: number;
  private readonly lookupTimeoutMillis: number;
  private readonly now: () => number;

  constructor(private readonly options: ClusterRouteOptions) {
    this.freshMillis = options.freshMillis ?? 2_000;
    this.staleMillis = options.staleMillis ?? 30_000;
    this.lookupTimeoutMillis = options.lookupTimeoutMillis ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The topic's queues over the cluster; `local` alone when there is no route to use.
   * Undefined only when neither this broker nor any broker of the route serves the topic.
   */
  async messageQueues(topic: string, local: LocalQueues): Promise<MessageQueue[] | undefined> {
    const route = await this.route(topic);
    if (!route) return local.queues ? [...local.queues] : undefined;
    const masters = routeMasters(route);
    masters.delete(local.brokerName);
    const endpoints = new Map<string, Endpoints>();
    await Promise.all(
      [...masters].map(async ([name, addr]) => {
        const found = await this.options.endpoints.endpointsOf(addr);
        if (found) endpoints.set(name, found);
      }),
    );
    const queues = routeMessageQueues(topic, route, endpoints, local);
    return queues.length === 0 && !local.queues ? undefined : queues;
  }

  /**
   * The route: fresh from the cache, or an older one while a newer one is fetched in the
   * background, or fetched now (bounded by lookupTimeoutMillis) when there is none.
   */
  async route(topic: string): Promise<TopicRouteData | undefined> {
    const entry = this.routes.get(topic);
    const age = entry ? this.now() - entry.fetchedAt : Infinity;
    if (entry && age < this.freshMillis) return entry.route;
    if (entry && age < this.staleMillis) {
      void this.refresh(topic);
      return entry.route;
    }
    return this.refresh(topic);
  }

  private refresh(topic: string): Promise<TopicRouteData | undefined> {
    const pending = this.inFlight.get(topic);
    if (pending) return pending;
    const call = this.lookup(topic)
      .then(
        (route) => {
          this.remember(topic, route);
          return route;
        },
        (error: Error) => {
          this.options.logger.debug({ topic, err: error.message }, 'no route from the name servers: QueryRoute answers with this broker alone');
          const previous = this.routes.get(topic);
          if (previous && this.now() - previous.fetchedAt < this.staleMillis) return previous.route;
          // Remembered as "no route" so that queries meanwhile do not each wait for the name servers again.
          this.remember(topic, undefined);
          return undefined;
        },
      )
      .finally(() => this.inFlight.delete(topic));
    this.inFlight.set(topic, call);
    return call;
  }

  /** Asks the name servers in turn, the last one that answered first, within one time budget. */
  private async lookup(topic: string): Promise<TopicRouteData | undefined> {
    const addrs = this.options.namesrvAddrs();
    if (addrs.length === 0) throw new Error('no name server configured (namesrvAddr)');
    const deadline = this.now() + this.lookupTimeoutMillis;
    const failures: string[] = [];
    for (let i = 0; i < addrs.length; i++) {
      const index = (this.preferred + i) % addrs.length;
      const left = deadline - this.now();
      if (left <= 0) break;
      try {
        const route = await this.options.fetchRoute(addrs[index]!, topic, left);
        this.preferred = index;
        return route;
      } catch (error) {
        failures.push(`${addrs[index]}: ${(error as Error).message}`);
      }
    }
    throw new Error(`no name server answered within ${this.lookupTimeoutMillis} ms (${failures.join('; ') || 'no time left'})`);
  }

  private remember(topic: string, route: TopicRouteData | undefined): void {
    const now = this.now();
    if (this.routes.size >= MAX_ROUTES && !this.routes.has(topic)) {
      for (const [name, entry] of this.routes) if (now - entry.fetchedAt >= this.staleMillis) this.routes.delete(name);
      // Still full of live entries: drop the oldest insertion.
      if (this.routes.size >= MAX_ROUTES) this.routes.delete(this.routes.keys().next().value!);
    }
    this.routes.set(topic, { route, fetchedAt: now });
  }
}
