/**
 * The v5 (gRPC) clients connected to this broker, so admin tools list them beside 4.x clients
 * (GET_CONSUMER_CONNECTION_LIST, GET_PRODUCER_CONNECTION_LIST, consumerProgress, the console).
 * Fed by Heartbeat and Telemetry settings, emptied by NotifyClientTermination and, like a 4.x
 * channel, by `channelExpiredTimeout` of silence (v5 clients heartbeat every 10 s).
 *
 * As Apache's proxy registers them with its brokers (ClientActivity): a consumer under its
 * group — a push consumer CONSUME_PASSIVELY, a simple consumer CONSUME_ACTIVELY, CLUSTERING,
 * CONSUME_FROM_LAST_OFFSET — and a producer under each topic it publishes as its producer group
 * (v5 producers have no group); the version is the MQVersion ordinal of the client's
 * `x.y.z`, or this broker's own when that names no RocketMQ release (the Node.js client is 1.x).
 */
import { buildSubscriptionData, type ConnectionInfo, type LanguageName, MQVersion, parseLanguage, type SubscriptionData } from '@rocketmq-ts/protocol';

export type GrpcClientType = 'PRODUCER' | 'PUSH_CONSUMER' | 'SIMPLE_CONSUMER' | 'OTHER';

export interface GrpcClient {
  clientId: string;
  /** host:port the client connects from. */
  address: string;
  type: GrpcClientType;
  language: LanguageName;
  /** MQVersion ordinal. */
  version: number;
  /** Consumer group (consumers). */
  group: string;
  /** Topics a producer publishes. */
  publishing: Set<string>;
  /** A consumer's subscriptions by topic. */
  subscriptions: Map<string, SubscriptionData>;
  lastSeen: number;
}

/** What one Heartbeat or Telemetry settings command tells about a client. */
export interface GrpcClientUpdate {
  address?: string;
  clientType?: string;
  group?: string;
  userAgent?: { language?: string; version?: string };
  publishing?: readonly string[];
  subscriptions?: readonly { topic: string; type?: string; expression?: string }[];
}

/** MQVersion.Version ordinals from V4_0_0_SNAPSHOT (212) on: each x.y.z (z 0..9) as SNAPSHOT, then the release. */
const V4_0_0_SNAPSHOT = 212;

/** The MQVersion ordinal of release `x.y.z` (4.0.0 … 9.9.9), or undefined. */
export function versionOrdinal(text: string | undefined): number | undefined {
  const match = /^(\d+)\.(\d)\.(\d)$/.exec(text ?? '');
  if (!match) return undefined;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (major < 4) return undefined;
  return V4_0_0_SNAPSHOT + 2 * ((major - 4) * 100 + minor * 10 + patch) + 1;
}

/** apache.rocketmq.v2.Language names that the remoting LanguageCode spells differently. */
const V5_LANGUAGE: Record<string, LanguageName> = { DOT_NET: 'DOTNET', GOLANG: 'GO' };

const CLIENT_TYPES: Record<string, GrpcClientType> = { PRODUCER: 'PRODUCER', PUSH_CONSUMER: 'PUSH_CONSUMER', SIMPLE_CONSUMER: 'SIMPLE_CONSUMER' };

export class GrpcClientRegistry {
  private readonly clients = new Map<string, GrpcClient>();

  constructor(
    private readonly expireAfterMs: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  touch(clientId: string, update: GrpcClientUpdate): void {
    if (!clientId) return;
    let client = this.clients.get(clientId);
    if (!client) {
      client = { clientId, address: '', type: 'OTHER', language: 'OTHER', version: MQVersion.CURRENT, group: '', publishing: new Set(), subscriptions: new Map(), lastSeen: 0 };
      this.clients.set(clientId, client);
    }
    client.lastSeen = this.now();
    if (update.address) client.address = update.address;
    const type = CLIENT_TYPES[update.clientType?.replace(/^CLIENT_TYPE_/, '') ?? ''];
    if (type) client.type = type;
    if (update.group) client.group = update.group;
    if (update.userAgent) {
      const language = update.userAgent.language ?? '';
      client.language = V5_LANGUAGE[language] ?? parseLanguage(language);
      client.version = versionOrdinal(update.userAgent.version) ?? MQVersion.CURRENT;
    }
    if (update.publishing) client.publishing = new Set(update.publishing);
    if (update.subscriptions) {
      client.subscriptions = new Map(update.subscriptions.map((s) => [s.topic, buildSubscriptionData(s.topic, s.expression || '*', s.type === 'SQL' ? 'SQL92' : 'TAG')]));
    }
  }

  remove(clientId: string): void {
    this.clients.delete(clientId);
  }

  /** Clients heard from within the expiry; the others are dropped. */
  live(): GrpcClient[] {
    const oldest = this.now() - this.expireAfterMs();
    for (const [id, client] of this.clients) if (client.lastSeen < oldest) this.clients.delete(id);
    return [...this.clients.values()];
  }

  get(clientId: string): GrpcClient | undefined {
    return this.live().find((c) => c.clientId === clientId);
  }

  consumersOf(group: string): GrpcClient[] {
    return this.live().filter((c) => (c.type === 'PUSH_CONSUMER' || c.type === 'SIMPLE_CONSUMER') && c.group === group);
  }

  /** Producers of `group`: as Apache's proxy, a v5 producer's groups are the topics it publishes. */
  producersOf(group: string): GrpcClient[] {
    return this.live().filter((c) => c.type === 'PRODUCER' && c.publishing.has(group));
  }

  consumerGroups(): Set<string> {
    return new Set(this.live().flatMap((c) => (c.group && c.type !== 'PRODUCER' ? [c.group] : [])));
  }

  groupsSubscribing(topic: string): Set<string> {
    return new Set(this.live().flatMap((c) => (c.group && c.subscriptions.has(topic) ? [c.group] : [])));
  }

  /** The group's subscriptions, merged over its members. */
  subscriptionsOf(group: string): Map<string, SubscriptionData> {
    const out = new Map<string, SubscriptionData>();
    for (const client of this.consumersOf(group)) for (const [topic, data] of client.subscriptions) out.set(topic, data);
    return out;
  }

  static connectionInfo(client: GrpcClient): ConnectionInfo {
    return { clientId: client.clientId, clientAddr: client.address, language: client.language, version: client.version };
  }

  /** Apache's proxy registers push consumers CONSUME_PASSIVELY and simple consumers CONSUME_ACTIVELY. */
  static consumeType(clients: readonly GrpcClient[]): string {
    return clients.some((c) => c.type === 'PUSH_CONSUMER') ? 'CONSUME_PASSIVELY' : 'CONSUME_ACTIVELY';
  }
}
