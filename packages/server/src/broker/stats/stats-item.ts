/**
 * Apache RocketMQ's broker statistics (common/stats/StatsItem, StatsItemSet): per key, a running
 * value (messages, bytes) and a count of calls, sampled into three windows — every 10 s (7
 * samples: the last minute), every 10 min (7: the last hour), every hour (25: the last day).
 * A window's figures are the difference between its first and last sample:
 *   sum = Δvalue,  tps = Δvalue × 1000 / Δms,  avgpt = Δvalue / Δcalls (0 with no calls).
 * A new item is sampled at once with a zero sample one period back, as Apache's does when its
 * schedules start, so a fresh key reports figures before its first period has passed.
 */

export interface StatsSnapshot {
  sum: number;
  tps: number;
  avgpt: number;
}

interface CallSnapshot {
  timestamp: number;
  times: number;
  value: number;
}

export const MINUTE_SAMPLE_MILLIS = 10_000;
export const HOUR_SAMPLE_MILLIS = 10 * 60_000;
export const DAY_SAMPLE_MILLIS = 60 * 60_000;

function compute(list: readonly CallSnapshot[]): StatsSnapshot {
  if (list.length === 0) return { sum: 0, tps: 0, avgpt: 0 };
  const first = list[0]!;
  const last = list.at(-1)!;
  const sum = last.value - first.value;
  const millis = last.timestamp - first.timestamp;
  const calls = last.times - first.times;
  return { sum, tps: millis > 0 ? (sum * 1000) / millis : 0, avgpt: calls > 0 ? sum / calls : 0 };
}

function sample(list: CallSnapshot[], now: number, period: number, keep: number, times: number, value: number): void {
  if (list.length === 0) list.push({ timestamp: now - period, times: 0, value: 0 });
  list.push({ timestamp: now, times, value });
  if (list.length > keep) list.shift();
}

export class StatsItem {
  value = 0;
  times = 0;
  private readonly minute: CallSnapshot[] = [];
  private readonly hour: CallSnapshot[] = [];
  private readonly day: CallSnapshot[] = [];

  constructor(
    readonly statsName: string,
    readonly statsKey: string,
  ) {}

  add(value: number, times: number): void {
    this.value += value;
    this.times += times;
  }

  sampleMinute(now: number): void {
    sample(this.minute, now, MINUTE_SAMPLE_MILLIS, 7, this.times, this.value);
  }

  sampleHour(now: number): void {
    sample(this.hour, now, HOUR_SAMPLE_MILLIS, 7, this.times, this.value);
  }

  sampleDay(now: number): void {
    sample(this.day, now, DAY_SAMPLE_MILLIS, 25, this.times, this.value);
  }

  inMinute(): StatsSnapshot {
    return compute(this.minute);
  }

  inHour(): StatsSnapshot {
    return compute(this.hour);
  }

  inDay(): StatsSnapshot {
    return compute(this.day);
  }
}

/** The items of one statistic (TOPIC_PUT_NUMS, …) by key (a topic, "topic@group", the cluster). */
export class StatsItemSet {
  private readonly items = new Map<string, StatsItem>();

  constructor(
    readonly statsName: string,
    private readonly clock: () => number,
  ) {}

  /** Adds to the key's item, creating (and first-sampling) it as Apache's getAndCreateStatsItem + init does. */
  add(key: string, value: number, times: number): void {
    let item = this.items.get(key);
    if (item) {
      item.add(value, times);
      return;
    }
    item = new StatsItem(this.statsName, key);
    this.items.set(key, item);
    item.add(value, times);
    const now = this.clock();
    item.sampleMinute(now);
    item.sampleHour(now);
    item.sampleDay(now);
  }

  get(key: string): StatsItem | undefined {
    return this.items.get(key);
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  sample(window: 'minute' | 'hour' | 'day', now: number): void {
    for (const item of this.items.values()) {
      if (window === 'minute') item.sampleMinute(now);
      else if (window === 'hour') item.sampleHour(now);
      else item.sampleDay(now);
    }
  }

  /** Forgets keys (a deleted topic or group). */
  remove(predicate: (key: string) => boolean): void {
    for (const key of [...this.items.keys()]) if (predicate(key)) this.items.delete(key);
  }
}
