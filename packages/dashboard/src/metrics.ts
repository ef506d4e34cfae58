/**
 * GET /metrics: the cluster's figures in Prometheus' text exposition format (version 0.0.4),
 * read fresh from the cluster on each scrape: broker TPS, bytes, store size and disk use,
 * per-queue depth of user topics, and per-group lag.
 */
import type { Admin } from '@rocketmq-ts/client';
import { isSystemGroup, isSystemTopic } from './history.ts';
import { unlessUnavailable } from './partial.ts';

type Labels = Record<string, string | number>;

class Exposition {
  private readonly lines: string[] = [];
  private readonly declared = new Set<string>();

  add(name: string, type: 'gauge' | 'counter', help: string, labels: Labels, value: number): void {
    if (!this.declared.has(name)) {
      this.declared.add(name);
      this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    }
    const text = Object.entries(labels)
      .map(([key, v]) => `${key}="${String(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`)
      .join(',');
    this.lines.push(`${name}${text ? `{${text}}` : ''} ${Number.isFinite(value) ? value : 0}`);
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

const MAX_TOPICS = 200;
const MAX_GROUPS = 200;

export async function renderMetrics(admin: Admin): Promise<string> {
  const out = new Exposition();
  let up = 1;
  try {
    const { brokers } = await admin.clusterInfo();
    for (const broker of brokers) {
      const labels = { cluster: broker.cluster, broker: broker.brokerName, addr: broker.addr, role: broker.role };
      const info = await unlessUnavailable(admin.brokerRuntimeInfo(broker.addr));
      out.add('rocketmq_broker_up', 'gauge', 'Whether the broker answered GET_BROKER_RUNTIME_INFO.', labels, info ? 1 : 0);
      if (!info) continue;
      out.add('rocketmq_broker_put_tps', 'gauge', 'Messages stored per second (broker 10 s average).', labels, info.putTps);
      out.add('rocketmq_broker_get_tps', 'gauge', 'Messages delivered per second (broker 10 s average).', labels, info.getTps);
      out.add('rocketmq_broker_put_messages_today', 'gauge', 'Messages stored since midnight.', labels, info.msgPutTotalTodayNow);
      out.add('rocketmq_broker_get_messages_today', 'gauge', 'Messages delivered since midnight.', labels, info.msgGetTotalTodayNow);
      out.add('rocketmq_broker_put_bytes_total', 'counter', 'Message bytes stored since the broker started.', labels, info.putMessageSizeTotal);
      out.add('rocketmq_broker_store_size_bytes', 'gauge', 'Bytes held in the commit log (max − min offset).', labels, info.commitLogMaxOffset - info.commitLogMinOffset);
      out.add('rocketmq_broker_disk_used_ratio', 'gauge', 'Fraction of the commit log disk in use (−1 unknown).', labels, info.commitLogDiskRatio);
      if (info.replicationLagBytes !== undefined) {
        out.add(
          'rocketmq_broker_replication_lag_bytes',
          'gauge',
          'Replication lag: on a master its commit-log end minus the furthest slave acknowledgement (−1 no slave); on a slave the master end minus its own.',
          labels,
          info.replicationLagBytes,
        );
      }
      // rocketmq-ts brokers only (Apache has no such runtime keys): transactional messages.
      const tx = (key: string, name: string, help: string): void => {
        const value = Number(info.raw[key]);
        if (info.raw[key] !== undefined && Number.isFinite(value)) out.add(name, 'counter', help, labels, value);
      };
      tx('transactionHalfMessages', 'rocketmq_broker_transaction_half_messages_total', 'Half (prepared) messages stored since the broker started.');
      tx('transactionCommits', 'rocketmq_broker_transaction_commits_total', 'Transactions committed (END_TRANSACTION or check-back).');
      tx('transactionRollbacks', 'rocketmq_broker_transaction_rollbacks_total', 'Transactions rolled back.');
      tx('transactionChecks', 'rocketmq_broker_transaction_checks_total', 'CHECK_TRANSACTION_STATE requests sent to producers.');
      tx('transactionDiscards', 'rocketmq_broker_transaction_discards_total', 'Half messages given up after transactionCheckMax checks (moved to TRANS_CHECK_MAX_TIME_TOPIC, never delivered).');
    }
    const masters = brokers.filter((b) => b.role === 'MASTER');
    // The broker's own last-minute stats items (VIEW_BROKER_STATS_DATA), the figures Apache's dashboard charts.
    const minuteTps = async (statsName: string, statsKey: string, name: string, help: string, labels: Record<string, string>): Promise<void> => {
      for (const broker of masters) {
        const data = await unlessUnavailable(admin.brokerStats(broker.addr, statsName, statsKey));
        if (data) out.add(name, 'gauge', help, { ...labels, broker: broker.brokerName }, data.statsMinute.tps);
      }
    };
    const topics = (await admin.topicList()).filter((t) => !isSystemTopic(t)).slice(0, MAX_TOPICS);
    for (const topic of topics) {
      await minuteTps('TOPIC_PUT_NUMS', topic, 'rocketmq_topic_put_tps', 'Messages stored per second for the topic (broker TOPIC_PUT_NUMS, last minute).', { topic });
      const stats = await unlessUnavailable(admin.topicStats(topic));
      for (const q of stats?.queues ?? []) {
        out.add('rocketmq_queue_depth', 'gauge', 'Messages held in a queue (max − min offset).', { topic, broker: q.brokerName, queue: q.queueId }, q.maxOffset - q.minOffset);
        out.add('rocketmq_queue_max_offset', 'counter', 'Max offset of a queue: messages ever written.', { topic, broker: q.brokerName, queue: q.queueId }, q.maxOffset);
      }
    }
    const groups = (await admin.groups()).map((g) => g.groupName).filter((g) => !isSystemGroup(g)).slice(0, MAX_GROUPS);
    for (const group of groups) {
      const stats = await unlessUnavailable(admin.consumeStats(group));
      if (!stats || stats.queues.length === 0) continue;
      const byTopic = new Map<string, number>();
      for (const q of stats.queues) byTopic.set(q.topic, (byTopic.get(q.topic) ?? 0) + q.lag);
      for (const [topic, lag] of byTopic) {
        out.add('rocketmq_group_lag', 'gauge', 'Messages the group has not consumed yet, per topic.', { group, topic }, lag);
        await minuteTps('GROUP_GET_NUMS', `${topic}@${group}`, 'rocketmq_group_get_tps', 'Messages the group pulls per second from the topic (broker GROUP_GET_NUMS, last minute).', { group, topic });
      }
      out.add('rocketmq_group_consume_tps', 'gauge', 'Messages the group consumes per second.', { group }, stats.consumeTps);
    }
  } catch {
    up = 0;
  }
  out.add('rocketmq_dashboard_cluster_up', 'gauge', 'Whether the name server answered this scrape.', {}, up);
  return out.toString();
}
