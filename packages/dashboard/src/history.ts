/**
 * Live figures for the charts: every `intervalMillis` the console samples each broker's put/get
 * TPS, each topic's message rate (from the growth of its max offsets) and each group's total
 * lag, keeping the last `points` samples. Sampling failures are skipped, never thrown.
 */
import type { ClusterContext } from './context.ts';
import { unlessUnavailable } from './partial.ts';

export interface Point {
  t: number;
  v: number;
}

export interface HistorySnapshot {
  intervalMillis: number;
  brokerPutTps: Record<string, Point[]>;
  brokerGetTps: Record<string, Point[]>;
  topicTps: Record<string, Point[]>;
  groupLag: Record<string, Point[]>;
}

const MAX_TOPICS = 50;
const MAX_GROUPS = 50;

export function isSystemTopic(topic: string): boolean {
  return topic.startsWith('%RETRY%') || topic.startsWith('%DLQ%') || topic.startsWith('rmq_sys_') || topic.startsWith('RMQ_SYS_') ||
    ['TBW102', 'SELF_TEST_TOPIC', 'OFFSET_MOVED_EVENT', 'SCHEDULE_TOPIC_XXXX', 'BenchmarkTest', 'DefaultCluster', 'TRANS_CHECK_MAX_TIME_TOPIC'].includes(topic) ||
    /^broker-|_REPLY_TOPIC$/.test(topic);
}

export function isSystemGroup(group: string): boolean {
  return /^(TOOLS_CONSUMER|FILTERSRV_CONSUMER|SELF_TEST_C_GROUP|CID_ONS-HTTP-PROXY|CID_ONSAPI_PULL|CID_ONSAPI_PERMISSION|CID_ONSAPI_OWNER|CID_RMQ_SYS_TRANS|__MONITOR_CONSUMER|CID_DefaultHeartBeatSyncerTopic)$/.test(group);
}

export class History {
  private readonly series = {
    brokerPutTps: new Map<string, Point[]>(),
    brokerGetTps: new Map<string, Point[]>(),
    topicTps: new Map<string, Point[]>(),
    groupLag: new Map<string, Point[]>(),
  };
  private readonly lastTopicTotals = new Map<string, { t: number; total: number }>();
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(
    private readonly context: ClusterContext,
    readonly intervalMillis: number,
    private readonly points = 120,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMillis);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  clear(): void {
    for (const map of Object.values(this.series)) map.clear();
    this.lastTopicTotals.clear();
  }

  private push(map: Map<string, Point[]>, key: string, t: number, v: number): void {
    const list = map.get(key) ?? [];
    list.push({ t, v: Math.round(v * 100) / 100 });
    if (list.length > this.points) list.splice(0, list.length - this.points);
    map.set(key, list);
  }

  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    const admin = this.context.admin;
    const t = Date.now();
    try {
      const { brokers } = await admin.clusterInfo();
      for (const broker of brokers) {
        const info = await unlessUnavailable(admin.brokerRuntimeInfo(broker.addr));
        if (!info) continue;
        this.push(this.series.brokerPutTps, broker.addr, t, info.putTps);
        this.push(this.series.brokerGetTps, broker.addr, t, info.getTps);
      }
      const topics = (await admin.topicList()).filter((topic) => !isSystemTopic(topic)).slice(0, MAX_TOPICS);
      for (const topic of topics) {
        const stats = await unlessUnavailable(admin.topicStats(topic));
        if (!stats) continue;
        const total = stats.queues.reduce((sum, q) => sum + q.maxOffset, 0);
        const last = this.lastTopicTotals.get(topic);
        this.lastTopicTotals.set(topic, { t, total });
        if (last && t > last.t) this.push(this.series.topicTps, topic, t, (Math.max(0, total - last.total) * 1000) / (t - last.t));
      }
      const groups = (await admin.groups()).map((g) => g.groupName).filter((g) => !isSystemGroup(g)).slice(0, MAX_GROUPS);
      for (const group of groups) {
        const stats = await unlessUnavailable(admin.consumeStats(group));
        if (stats && stats.queues.length > 0) this.push(this.series.groupLag, group, t, stats.totalLag);
      }
    } catch {
      // The cluster is down or switching; the next tick tries again.
    } finally {
      this.sampling = false;
    }
  }

  snapshot(): HistorySnapshot {
    const plain = (map: Map<string, Point[]>) => Object.fromEntries(map);
    return {
      intervalMillis: this.intervalMillis,
      brokerPutTps: plain(this.series.brokerPutTps),
      brokerGetTps: plain(this.series.brokerGetTps),
      topicTps: plain(this.series.topicTps),
      groupLag: plain(this.series.groupLag),
    };
  }
}
