/**
 * What Apache RocketMQ's BrokerStatsManager keeps (store/stats/BrokerStatsManager), with its
 * names and keys, so VIEW_BROKER_STATS_DATA (315) answers as Apache does and the same figures
 * feed GET_CONSUME_STATS' consumeTps, the runtime info and the console:
 *
 *   TOPIC_PUT_NUMS   topic          messages stored (one call per send)
 *   TOPIC_PUT_SIZE   topic          bytes stored
 *   GROUP_GET_NUMS   topic@group    messages pulled (one call per pull that found some)
 *   GROUP_GET_SIZE   topic@group    bytes pulled
 *   GROUP_GET_LATENCY queueId@topic@group  ms the pull took
 *   SNDBCK_PUT_NUMS  topic@group    messages sent back for retry
 *   BROKER_PUT_NUMS  cluster name   messages stored (value only, as Apache: avgpt stays 0)
 *   BROKER_GET_NUMS  cluster name   messages pulled (value only)
 */
import { DAY_SAMPLE_MILLIS, HOUR_SAMPLE_MILLIS, MINUTE_SAMPLE_MILLIS, type StatsItem, StatsItemSet, type StatsSnapshot } from './stats-item.ts';

export const STATS_NAMES = [
  'TOPIC_PUT_NUMS',
  'TOPIC_PUT_SIZE',
  'GROUP_GET_NUMS',
  'GROUP_GET_SIZE',
  'GROUP_GET_LATENCY',
  'SNDBCK_PUT_NUMS',
  'BROKER_PUT_NUMS',
  'BROKER_GET_NUMS',
] as const;
export type StatsName = (typeof STATS_NAMES)[number];

export interface BrokerStatsManagerOptions {
  /** The key of BROKER_PUT_NUMS / BROKER_GET_NUMS (Apache: brokerClusterName). */
  clusterName: string;
  /** Injected clock (tests). */
  clock?: () => number;
}

export class BrokerStatsManager {
  private readonly sets: Map<StatsName, StatsItemSet>;
  private readonly clock: () => number;
  private readonly clusterName: string;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(options: BrokerStatsManagerOptions) {
    this.clock = options.clock ?? Date.now;
    this.clusterName = options.clusterName;
    this.sets = new Map(STATS_NAMES.map((name) => [name, new StatsItemSet(name, this.clock)]));
  }

  /** Starts the three sampling schedules (10 s, 10 min, 1 h); timers never hold the process open. */
  start(): void {
    const every = (millis: number, window: 'minute' | 'hour' | 'day'): void => {
      const timer = setInterval(() => this.sample(window), millis);
      timer.unref();
      this.timers.push(timer);
    };
    every(MINUTE_SAMPLE_MILLIS, 'minute');
    every(HOUR_SAMPLE_MILLIS, 'hour');
    every(DAY_SAMPLE_MILLIS, 'day');
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }

  /** One sampling round of every item (the schedules call it; tests call it with a fake clock). */
  sample(window: 'minute' | 'hour' | 'day'): void {
    const now = this.clock();
    for (const set of this.sets.values()) set.sample(window, now);
  }

  private set(name: StatsName): StatsItemSet {
    return this.sets.get(name)!;
  }

  /** A message batch stored for `topic` (SendMessageProcessor on PUT_OK). */
  onPut(topic: string, messages: number, bytes: number): void {
    this.set('TOPIC_PUT_NUMS').add(topic, messages, 1);
    this.set('TOPIC_PUT_SIZE').add(topic, bytes, 1);
    this.set('BROKER_PUT_NUMS').add(this.clusterName, messages, 0);
  }

  /** A pull that found messages (PullMessageProcessor on FOUND). */
  onGet(group: string, topic: string, queueId: number, messages: number, bytes: number, millis: number): void {
    const key = `${topic}@${group}`;
    this.set('GROUP_GET_NUMS').add(key, messages, 1);
    this.set('GROUP_GET_SIZE').add(key, bytes, 1);
    this.set('GROUP_GET_LATENCY').add(`${queueId}@${key}`, millis, 1);
    this.set('BROKER_GET_NUMS').add(this.clusterName, messages, 0);
  }

  /** A consumer sent a message back for retry (CONSUMER_SEND_MSG_BACK). */
  onSendBack(group: string, topic: string): void {
    this.set('SNDBCK_PUT_NUMS').add(`${topic}@${group}`, 1, 1);
  }

  /** The item VIEW_BROKER_STATS_DATA asks for; undefined when the name or key has none. */
  item(statsName: string, statsKey: string): StatsItem | undefined {
    return this.sets.get(statsName as StatsName)?.get(statsKey);
  }

  /** Messages per second pulled by `group` from `topic` over the last minute (Apache tpsGroupGetNums). */
  tpsGroupGetNums(group: string, topic: string): number {
    return this.item('GROUP_GET_NUMS', `${topic}@${group}`)?.inMinute().tps ?? 0;
  }

  /** Every key of a statistic with its last-minute figures (the console, /metrics). */
  minuteFigures(statsName: StatsName): Map<string, StatsSnapshot> {
    const set = this.set(statsName);
    return new Map([...set.keys()].map((key) => [key, set.get(key)!.inMinute()]));
  }
}
