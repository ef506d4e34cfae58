/**
 * The SQL92 filters consumer groups registered with their heartbeats (ConsumerFilterManager,
 * BR/filter/): per topic and group, the expression compiled for the newest subscription
 * version seen. A pull that relies on the heartbeat's subscription finds its filter here; one
 * with no compiled filter is answered FILTER_DATA_NOT_EXIST, one whose filter is older than the
 * pull's subVersion FILTER_DATA_NOT_LATEST. Persisted as Apache's config/consumerFilter.json
 * (consumer-filter-file.ts), so a restarted broker knows the filters before the next heartbeat.
 */
import type { SubscriptionData } from '@rocketmq-ts/protocol';
import type { ServerLogger } from '../../common/logger.ts';
import type { CompiledSelector } from './expression.ts';
import { SelectorParseError } from './expression.ts';
import type { SelectorCache } from './selector-cache.ts';

export interface ConsumerFilterData {
  readonly topic: string;
  readonly group: string;
  readonly expression: string;
  readonly expressionType: string;
  /** The subscription version (the client's subVersion) this filter was compiled for. */
  clientVersion: number;
  readonly selector: CompiledSelector;
  readonly bornTime: number;
  /** When the group stopped subscribing the topic (0 = alive). Apache keeps serving dead filters. */
  deadTime: number;
}

/** ExpressionType.isTagType. */
export function isTagType(expressionType: string | undefined): boolean {
  return expressionType === undefined || expressionType === '' || expressionType === 'TAG';
}

/** A filter as the file keeps it (without the compiled selector). */
export type StoredConsumerFilter = Omit<ConsumerFilterData, 'selector'> & { readonly clientVersion: number; readonly deadTime: number };

export class ConsumerFilterManager {
  /** topic → group → filter. */
  private readonly byTopic = new Map<string, Map<string, ConsumerFilterData>>();
  private changed: () => void = () => undefined;

  constructor(
    private readonly selectors: SelectorCache,
    private readonly logger: ServerLogger,
  ) {}

  /** A heartbeat's subscriptions: compile the SQL92 ones; topics the group dropped are marked dead. */
  register(group: string, subscriptions: Iterable<SubscriptionData>): void {
    const topics = new Set<string>();
    for (const subscription of subscriptions) {
      topics.add(subscription.topic);
      this.registerOne(subscription.topic, group, subscription.subString, subscription.expressionType, subscription.subVersion);
    }
    const now = Date.now();
    for (const [topic, groups] of this.byTopic) {
      const data = groups.get(group);
      if (data && !topics.has(topic) && data.deadTime === 0) {
        data.deadTime = now;
        this.changed();
      }
    }
  }

  /** The group has no consumer left on this broker. */
  unregister(group: string): void {
    const now = Date.now();
    for (const groups of this.byTopic.values()) {
      const data = groups.get(group);
      if (data && data.deadTime === 0) {
        data.deadTime = now;
        this.changed();
      }
    }
  }

  get(topic: string, group: string): ConsumerFilterData | undefined {
    return this.byTopic.get(topic)?.get(group);
  }

  /** Called after each change of the table (the file persists it). */
  onChange(listener: () => void): void {
    this.changed = listener;
  }

  snapshot(): StoredConsumerFilter[] {
    return [...this.byTopic.values()].flatMap((groups) => [...groups.values()].map(({ selector: _selector, ...stored }) => stored));
  }

  /** The file's filters, compiled again; those that no longer compile are dropped. */
  restore(stored: readonly StoredConsumerFilter[]): void {
    this.byTopic.clear();
    for (const s of stored) {
      const selector = this.compile(s.topic, s.group, s.expression, s.expressionType);
      if (!selector) continue;
      let groups = this.byTopic.get(s.topic);
      if (!groups) this.byTopic.set(s.topic, (groups = new Map()));
      groups.set(s.group, { ...s, selector });
    }
  }

  private registerOne(topic: string, group: string, expression: string, expressionType: string, clientVersion: number): void {
    if (isTagType(expressionType) || !expression) return;
    let groups = this.byTopic.get(topic);
    if (!groups) this.byTopic.set(topic, (groups = new Map()));
    const old = groups.get(group);
    if (old && clientVersion <= old.clientVersion) {
      // An older or repeated subscription version never replaces a newer filter.
      if (clientVersion === old.clientVersion && old.deadTime !== 0) {
        old.deadTime = 0;
        this.changed();
      }
      return;
    }
    if (old && old.expression === expression && old.expressionType === expressionType) {
      old.clientVersion = clientVersion;
      old.deadTime = 0;
      this.changed();
      return;
    }
    const selector = this.compile(topic, group, expression, expressionType);
    if (!selector) {
      // Apache drops the filter: pulls answer FILTER_DATA_NOT_EXIST until a good expression comes.
      if (groups.delete(group)) this.changed();
      return;
    }
    groups.set(group, { topic, group, expression, expressionType, clientVersion, selector, bornTime: Date.now(), deadTime: 0 });
    this.changed();
    this.logger.info({ topic, group, expression, clientVersion }, 'consumer SQL92 filter registered');
  }

  private compile(topic: string, group: string, expression: string, expressionType: string): CompiledSelector | undefined {
    if (expressionType !== 'SQL92') {
      this.logger.warn({ topic, group, expressionType }, `unknown filter type ${expressionType}: only TAG and SQL92 filter messages; no filter registered`);
      return undefined;
    }
    try {
      return this.selectors.get(expression);
    } catch (error) {
      if (!(error instanceof SelectorParseError)) throw error;
      this.logger.warn({ topic, group, expression, err: error.reason }, 'consumer SQL92 filter does not compile; pulls get FILTER_DATA_NOT_EXIST until the expression is fixed');
      return undefined;
    }
  }
}
