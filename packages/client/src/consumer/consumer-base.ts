/**
 * What the push and lite pull consumers share before they differ: the options every consumer
 * has, their defaults, the client instance and offset store they stand on, and the start-up
 * steps (routes, the broker's check of SQL92 subscriptions).
 */
import type { SubscriptionData } from '@rocketmq-ts/protocol';
import { ClientInstance } from '../core/client-instance.ts';
import { checkGroup, type ClientOptions, resolveClientOptions } from '../options.ts';
import { allocateAveragely, type AllocateStrategy } from './allocate.ts';
import { broadcastingOffsetStore, type OffsetStore, RemoteBrokerOffsetStore } from './offset-store.ts';
import { type ConsumeFromWhere, formatConsumeTimestamp, type MessageModel, parseConsumeTimestamp } from './subscription.ts';

export interface ConsumerOptions extends ClientOptions {
  /** The consumer group (required). */
  groupName: string;
  /** @defaultValue "CLUSTERING" */
  messageModel?: MessageModel;
  /** Where a group without committed progress starts. @defaultValue "CONSUME_FROM_LAST_OFFSET" */
  consumeFromWhere?: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP: yyyyMMddHHmmss, epoch ms or a Date. @defaultValue 30 minutes ago */
  consumeTimestamp?: string | number | Date;
  /** @defaultValue AllocateMessageQueueAveragely */
  allocateStrategy?: AllocateStrategy;
  /** Broadcasting offsets persist under this directory (the Java client uses ~/.rocketmq_offsets). @defaultValue none: kept in memory, a restarted member starts from consumeFromWhere */
  localOffsetStoreDir?: string;
}

/** The settings rebalancing needs, resolved from ConsumerOptions. */
export interface RebalanceSettings {
  messageModel: MessageModel;
  consumeFromWhere: ConsumeFromWhere;
  /** epoch ms */
  consumeTimestamp: number;
  allocateStrategy: AllocateStrategy;
}

export interface ConsumerFoundation {
  instance: ClientInstance;
  /** The address this client reports (trace records, message ids). */
  clientIP: string;
  offsets: OffsetStore;
  rebalance: RebalanceSettings;
}

/** Checks the group, resolves the shared defaults, and creates the client instance and offset store. */
export function consumerFoundation(options: ConsumerOptions, role: string): ConsumerFoundation {
  checkGroup(options.groupName, role);
  const messageModel = options.messageModel ?? 'CLUSTERING';
  const resolved = resolveClientOptions(options, role);
  const instance = new ClientInstance(resolved, messageModel === 'CLUSTERING');
  const offsets =
    messageModel === 'CLUSTERING'
      ? new RemoteBrokerOffsetStore(instance, options.groupName)
      : broadcastingOffsetStore(options.localOffsetStoreDir, instance.clientId, options.groupName);
  return {
    instance,
    clientIP: resolved.clientIP,
    offsets,
    rebalance: {
      messageModel,
      consumeFromWhere: options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET',
      consumeTimestamp: parseConsumeTimestamp(options.consumeTimestamp ?? formatConsumeTimestamp(Date.now() - 30 * 60_000)),
      allocateStrategy: options.allocateStrategy ?? allocateAveragely,
    },
  };
}

/** Fetches each topic's route once; returns the topics that have none yet (rebalancing keeps asking). */
export async function fetchRoutes(instance: ClientInstance, topics: Iterable<string>): Promise<string[]> {
  const missing: string[] = [];
  for (const topic of topics) {
    const route = await instance.updateRoute(topic).catch((error: unknown) => {
      instance.logger.warn({ topic, err: String(error) }, 'route fetch failed');
      return undefined;
    });
    if (!route) missing.push(topic);
  }
  return missing;
}

/**
 * Asks every broker whether it can serve the subscriptions (SQL92 needs enablePropertyFilter);
 * on a refusal the consumer is shut down and start() fails rather than every pull later.
 */
export async function checkSubscriptionsOrStop(
  instance: ClientInstance,
  group: string,
  subscriptions: readonly SubscriptionData[],
  shutdown: () => Promise<void>,
): Promise<void> {
  try {
    await instance.checkClientInBroker(group, subscriptions);
  } catch (error) {
    await shutdown();
    throw error;
  }
}

/** Runs a background task; a failure is logged, never an unhandled rejection. */
export function runInBackground(instance: ClientInstance, group: string, task: Promise<void>): void {
  task.catch((error: unknown) => instance.logger.error({ group, err: error instanceof Error ? error.stack : String(error) }, 'background task failed'));
}
