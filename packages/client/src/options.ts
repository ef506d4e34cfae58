/**
 * Options every client (producer, consumers, admin) shares — ClientConfig.java. Each default
 * is RocketMQ 4.8's, written beside the option.
 */
import { type AclCredentials, type ClientTlsOption, type Logger, pickLocalAddress } from '@rocketmq-ts/protocol';
import { MQClientError } from './errors.ts';

export type { AclCredentials, ClientTlsOption, Logger };

export interface ClientOptions {
  /** Name servers, "host:port;host:port". @defaultValue the NAMESRV_ADDR environment variable */
  namesrvAddr?: string;
  /** Part of the client id. @defaultValue "DEFAULT", replaced by the process id (and a counter) for producers and clustering consumers */
  instanceName?: string;
  /** The address put in client ids and message ids. @defaultValue RocketMQ's local-address rule (first non-loopback IPv4 not in 127.0/192.168) */
  clientIP?: string;
  /** Route refresh period. @defaultValue 30000 */
  pollNameServerInterval?: number;
  /** Heartbeat period to every broker. @defaultValue 30000 */
  heartbeatBrokerInterval?: number;
  /** Timeout of name server and admin requests. @defaultValue 3000 */
  requestTimeoutMillis?: number;
  /** Send to the broker's VIP port (listenPort − 2). @defaultValue false */
  vipChannelEnabled?: boolean;
  /** Where the client logs (a pino logger fits). @defaultValue silent */
  logger?: Logger;
  /**
   * ACL 1.0 account: every request is signed as the Java client's AclClientRPCHook signs it
   * (brokers with aclEnable=true need it). @defaultValue none (requests go unsigned)
   */
  credentials?: AclCredentials;
  /**
   * TLS to name servers and brokers (Java: -Dtls.enable=true / setUseTLS(true)). `true` checks
   * the server's certificate against the system CAs; pass `{ ca }` for a private CA or
   * `{ rejectUnauthorized: false }` to trust any certificate (Apache's tls.test.mode). @defaultValue false
   */
  tls?: ClientTlsOption;
}

export interface ResolvedClientOptions {
  namesrvAddrs: string[];
  instanceName: string;
  clientIP: string;
  pollNameServerInterval: number;
  heartbeatBrokerInterval: number;
  requestTimeoutMillis: number;
  vipChannelEnabled: boolean;
  logger: Logger | undefined;
  credentials: AclCredentials | undefined;
  tls: ClientTlsOption | undefined;
}

export function parseNamesrvAddr(text: string | undefined): string[] {
  return (text ?? '')
    .split(';')
    .map((addr) => addr.trim())
    .filter((addr) => addr !== '');
}

export function resolveClientOptions(options: ClientOptions, role: string): ResolvedClientOptions {
  const namesrvAddrs = parseNamesrvAddr(options.namesrvAddr ?? process.env['NAMESRV_ADDR']);
  if (namesrvAddrs.length === 0) {
    throw new MQClientError(
      `${role}: no name server address; pass { namesrvAddr: "127.0.0.1:9876" } or set NAMESRV_ADDR`,
    );
  }
  for (const addr of namesrvAddrs) {
    if (!/^[^:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(addr)) {
      throw new MQClientError(`${role}: name server address "${addr}" is not host:port (separate several with ";")`);
    }
  }
  return {
    namesrvAddrs,
    instanceName: options.instanceName ?? 'DEFAULT',
    clientIP: options.clientIP ?? pickLocalAddress(),
    pollNameServerInterval: options.pollNameServerInterval ?? 30_000,
    heartbeatBrokerInterval: options.heartbeatBrokerInterval ?? 30_000,
    requestTimeoutMillis: options.requestTimeoutMillis ?? 3000,
    vipChannelEnabled: options.vipChannelEnabled ?? false,
    logger: options.logger,
    credentials: checkCredentials(options.credentials, role),
    tls: options.tls,
  };
}

function checkCredentials(credentials: AclCredentials | undefined, role: string): AclCredentials | undefined {
  if (credentials === undefined) return undefined;
  if (typeof credentials.accessKey !== 'string' || credentials.accessKey === '' || typeof credentials.secretKey !== 'string' || credentials.secretKey === '') {
    throw new MQClientError(`${role}: credentials need both accessKey and secretKey`);
  }
  // Copied so later changes to the caller's object cannot swap keys mid-flight.
  return { ...credentials };
}

/** A valid topic name (Validators.checkTopic): ≤ 127 of [%|a-zA-Z0-9_-]. */
export function checkTopic(topic: string): void {
  if (!topic || topic.trim() === '') throw new MQClientError('the topic is blank', { code: 13 });
  if (topic.length > 127) throw new MQClientError(`topic "${topic.slice(0, 20)}..." is ${topic.length} characters; at most 127 are allowed`, { code: 13 });
  if (!/^[%|a-zA-Z0-9_-]+$/.test(topic)) {
    throw new MQClientError(`topic "${topic}" may only contain letters, digits, %, |, _ and -`, { code: 13 });
  }
  if (topic === 'SCHEDULE_TOPIC_XXXX') throw new MQClientError('SCHEDULE_TOPIC_XXXX is the broker\'s own delay topic; send to your topic with delayTimeLevel instead', { code: 13 });
}

/** A valid group name (Validators.checkGroup). */
export function checkGroup(group: string, role: string): void {
  if (!group || group.trim() === '') throw new MQClientError(`${role}: groupName is required`);
  if (group.length > 255) throw new MQClientError(`${role}: groupName is longer than 255 characters`);
  if (!/^[%|a-zA-Z0-9_-]+$/.test(group)) throw new MQClientError(`${role}: groupName "${group}" may only contain letters, digits, %, |, _ and -`);
}
