/**
 * The parts of the v5 protocol messages (apache/rocketmq/v2 definition.proto, service.proto)
 * this server reads and writes, as @grpc/proto-loader presents them (proto.ts): camelCase
 * fields, int64 as numbers, enums by name, the set member of a oneof named by its oneof field.
 */
export interface Resource {
  resourceNamespace?: string;
  name: string;
}

export interface Timestamp {
  seconds: number;
  nanos: number;
}

export type Duration = Timestamp;

export interface Status {
  code: string;
  message: string;
}

export interface Address {
  host: string;
  port: number;
}

export interface Endpoints {
  scheme: 'IPv4' | 'IPv6' | 'DOMAIN_NAME';
  addresses: Address[];
}

export interface MessageQueue {
  topic: Resource;
  id: number;
  permission: 'NONE' | 'READ' | 'WRITE' | 'READ_WRITE';
  broker: { name: string; id: number; endpoints: Endpoints };
  acceptMessageTypes: string[];
}

export interface SystemProperties {
  tag?: string;
  keys: string[];
  messageId: string;
  bodyDigest?: { type: string; checksum: string };
  bodyEncoding?: string;
  messageType?: string;
  bornTimestamp?: Timestamp;
  bornHost?: string;
  storeTimestamp?: Timestamp;
  storeHost?: string;
  deliveryTimestamp?: Timestamp;
  receiptHandle?: string;
  queueId: number;
  queueOffset?: number;
  invisibleDuration?: Duration;
  deliveryAttempt?: number;
  messageGroup?: string;
  traceContext?: string;
  orphanedTransactionRecoveryDuration?: Duration;
}

export interface Message {
  topic: Resource;
  userProperties: Record<string, string>;
  systemProperties: SystemProperties;
  body: Buffer;
}

export interface FilterExpression {
  type: 'FILTER_TYPE_UNSPECIFIED' | 'TAG' | 'SQL';
  expression: string;
}

export interface Settings {
  clientType?: string;
  accessPoint?: Endpoints;
  backoffPolicy?: unknown;
  requestTimeout?: Duration;
  pubSub?: 'publishing' | 'subscription';
  publishing?: { topics: Resource[]; maxBodySize: number; validateMessageType: boolean };
  subscription?: {
    group?: Resource;
    subscriptions: { topic: Resource; expression: FilterExpression }[];
    fifo?: boolean;
    receiveBatchSize?: number;
    longPollingTimeout?: Duration;
  };
  userAgent?: { language: string; version: string; platform: string; hostname: string };
}

export interface TelemetryCommand {
  status?: Status;
  command?: string;
  settings?: Settings;
  recoverOrphanedTransactionCommand?: { message: Message; transactionId: string };
}

export function durationMs(duration: Duration | undefined): number | undefined {
  if (!duration) return undefined;
  return duration.seconds * 1000 + Math.floor(duration.nanos / 1_000_000);
}

export function toDuration(ms: number): Duration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function toTimestamp(ms: number): Timestamp {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function timestampMs(timestamp: Timestamp | undefined): number | undefined {
  if (!timestamp) return undefined;
  return timestamp.seconds * 1000 + Math.floor(timestamp.nanos / 1_000_000);
}

export const OK: Status = { code: 'OK', message: 'OK' };

export function status(code: string, message: string): Status {
  return { code, message };
}
