/** Subscriptions and the start-offset rules shared by the push and lite-pull consumers. */
import { buildSubscriptionData, type MessageQueue, isReadable, type SubscriptionData, type TopicRouteData } from '@rocketmq-ts/protocol';
import type { ClientInstance } from '../core/client-instance.ts';
import type { AllocateStrategy } from './allocate.ts';
import { MQClientError } from '../errors.ts';
import type { MessageExt } from '../message.ts';
import { OFFSET_NOT_FOUND, OFFSET_UNKNOWN, type OffsetStore } from './offset-store.ts';

export type ConsumeFromWhere = 'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP';
export type MessageModel = 'CLUSTERING' | 'BROADCASTING';

/**
 * What a consumer subscribes with (MessageSelector in Java): a tag expression ("*", "TagA ||
 * TagB", also accepted as a plain string) or a SQL92 selector on the message's properties and
 * TAGS, evaluated by the broker (it needs enablePropertyFilter=true).
 */
export type MessageSelector = { tag: string } | { sql: string };

export function subscriptionFor(topic: string, selector: string | MessageSelector): SubscriptionData {
  if (typeof selector === 'object' && 'sql' in selector) {
    if (typeof selector.sql !== 'string' || selector.sql.trim() === '') throw new MQClientError(`subscribe(${topic}, { sql }): the SQL92 expression is empty`);
    return buildSubscriptionData(topic, selector.sql, 'SQL92');
  }
  const expression = typeof selector === 'string' ? selector : selector.tag;
  if (/[<>=()]|\s(AND|OR|BETWEEN)\s/i.test(expression)) {
    throw new MQClientError(`"${expression}" looks like an SQL92 filter; subscribe with { sql: "${expression}" } for a SQL92 selector, or with tags ("*" or "TagA || TagB")`);
  }
  return buildSubscriptionData(topic, expression);
}

/** Every readable queue of the topic (topicRouteData2TopicSubscribeInfo), sorted as Java sorts them. */
export function subscribeQueues(topic: string, route: TopicRouteData): MessageQueue[] {
  const queues: MessageQueue[] = [];
  for (const queueData of route.queueDatas) {
    if (!isReadable(queueData.perm)) continue;
    for (let queueId = 0; queueId < queueData.readQueueNums; queueId++) queues.push({ topic, brokerName: queueData.brokerName, queueId });
  }
  return queues.sort(compareQueues);
}

export function compareQueues(a: MessageQueue, b: MessageQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}

/** Drops messages whose tag the subscription does not name (the broker filters by hash only). */
export function matchesTags(message: MessageExt, subscription: SubscriptionData | undefined): boolean {
  if (!subscription || subscription.tagsSet.length === 0) return true;
  return message.tags !== undefined && subscription.tagsSet.includes(message.tags);
}

/** yyyyMMddHHmmss in local time, as UtilAll.timeMillisToHumanString3 writes it. */
export function formatConsumeTimestamp(millis: number): string {
  const d = new Date(millis);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

export function parseConsumeTimestamp(value: string | number | Date): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!match) throw new MQClientError(`consumeTimestamp "${value}" is not yyyyMMddHHmmss`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s).getTime();
}

/**
 * Where a queue without local progress starts (RebalancePushImpl.computePullFromWhere):
 * the committed offset if any, else by policy. Undefined when it cannot be told now.
 */
export async function computePullFromWhere(
  instance: ClientInstance,
  offsets: OffsetStore,
  mq: MessageQueue,
  policy: ConsumeFromWhere,
  consumeTimestamp: number,
): Promise<number | undefined> {
  const committed = await offsets.readOffset(mq, true);
  if (committed >= 0) return committed;
  if (committed === OFFSET_UNKNOWN) return undefined;
  if (committed !== OFFSET_NOT_FOUND) return undefined;
  const retry = mq.topic.startsWith('%RETRY%');
  if (policy === 'CONSUME_FROM_FIRST_OFFSET') return 0;
  const addr = instance.masterAddr(mq.brokerName);
  if (!addr) return undefined;
  try {
    if (policy === 'CONSUME_FROM_LAST_OFFSET') return retry ? 0 : await instance.api.getMaxOffset(addr, mq, 3000);
    return retry ? await instance.api.getMaxOffset(addr, mq, 3000) : await instance.api.searchOffset(addr, mq, consumeTimestamp, 3000);
  } catch (error) {
    instance.logger.warn({ mq, err: String(error) }, 'cannot compute the start offset; will try at the next rebalance');
    return undefined;
  }
}

export function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/**
 * This client's share of a topic's queues (RebalanceImpl.rebalanceByTopic): all of them when
 * broadcasting; else the strategy's pick over the sorted queues and the sorted consumer ids
 * one broker reports. Undefined when that cannot be told this round (no route, no answer).
 */
export async function allocateTopic(
  instance: ClientInstance,
  group: string,
  topic: string,
  model: MessageModel,
  strategy: AllocateStrategy,
): Promise<MessageQueue[] | undefined> {
  const route = await instance.updateRoute(topic).catch(() => instance.route(topic));
  if (!route) {
    instance.logger.debug({ topic, group }, 'no route for the topic yet');
    return undefined;
  }
  const mqAll = subscribeQueues(topic, route);
  if (model === 'BROADCASTING') return mqAll;
  const brokerNames = route.brokerDatas.map((broker) => broker.brokerName).sort();
  const brokerName = brokerNames[Math.floor(Math.random() * brokerNames.length)];
  const addr = brokerName === undefined ? undefined : instance.brokerAddr(brokerName);
  if (!addr) return undefined;
  let cidAll: string[];
  try {
    cidAll = (await instance.api.getConsumerIdList(addr, group, 3000)).sort();
  } catch (error) {
    instance.logger.warn({ group, err: String(error) }, "cannot list the group's consumers; skipping this rebalance");
    return undefined;
  }
  if (cidAll.length === 0) return undefined;
  return strategy.allocate(group, instance.clientId, mqAll, cidAll);
}
