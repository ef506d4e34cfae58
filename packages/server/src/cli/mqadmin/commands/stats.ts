/** statsAll (VIEW_BROKER_STATS_DATA per topic and topic@group) and clusterRT (send round trips per broker). */
import { Producer } from '@rocketmq-ts/client';
import type { BrokerStatsData } from '@rocketmq-ts/protocol';
import { type CommandSpec, CommandFailed, option } from '../command.ts';
import { javaFormat } from '../printf.ts';

/** StatsAllSubCommand.compute24HourSum: the day's sum, else the hour's, else the minute's. */
function sum24h(data: BrokerStatsData): number {
  if (data.statsDay.sum !== 0) return data.statsDay.sum;
  if (data.statsHour.sum !== 0) return data.statsHour.sum;
  return data.statsMinute.sum;
}

const statsAll: CommandSpec = {
  name: 'statsAll',
  description: 'Topic and Consumer tps stats',
  options: [option('a', 'activeTopic', 'print active topic only', { arg: false }), option('t', 'topic', 'print select topic only')],
  async run({ options, admin }) {
    const client = await admin();
    const activeOnly = options.has('a');
    const only = options.get('t');
    let text = javaFormat('%-32s  %-32s %12s %11s %11s %14s %14s%n', '#Topic', '#Consumer Group', '#Accumulation', '#InTPS', '#OutTPS', '#InMsg24Hour', '#OutMsg24Hour');
    const rows = [];
    for (const topic of await client.topicList()) {
      if (topic.startsWith('%RETRY%') || topic.startsWith('%DLQ%')) continue;
      if (only && topic !== only) continue;
      let masters: string[];
      let groups: string[];
      try {
        masters = (await client.topicMasters(topic)).map((m) => m.addr);
        groups = await client.topicConsumers(topic);
      } catch {
        continue; // As Apache: a topic without a route is skipped.
      }
      let inTps = 0;
      let inToday = 0;
      for (const addr of masters) {
        try {
          const data = await client.brokerStats(addr, 'TOPIC_PUT_NUMS', topic);
          if (!data) continue;
          inTps += data.statsMinute.tps;
          inToday += sum24h(data);
        } catch {
          // As Apache: a broker without the item adds nothing.
        }
      }
      if (groups.length === 0) {
        if (!activeOnly || inToday > 0) {
          text += javaFormat('%-32s  %-32s %12d %11.2f %11s %14d %14s%n', topic, '', 0, inTps, '', inToday, 'NO_CONSUMER');
          rows.push({ topic, group: null, accumulation: 0, inTps, outTps: null, inToday, outToday: null });
        }
        continue;
      }
      for (const group of groups) {
        let outTps = 0;
        let outToday = 0;
        for (const addr of masters) {
          try {
            const data = await client.brokerStats(addr, 'GROUP_GET_NUMS', `${topic}@${group}`);
            if (!data) continue;
            outTps += data.statsMinute.tps;
            outToday += sum24h(data);
          } catch {
            // As above.
          }
        }
        let accumulation = 0;
        try {
          const stats = await client.consumeStats(group, topic);
          accumulation = Math.max(0, stats.queues.reduce((sum, q) => sum + (q.brokerOffset - q.consumerOffset), 0));
        } catch {
          // As Apache: no stats, no accumulation.
        }
        if (!activeOnly || inToday > 0 || outToday > 0) {
          text += javaFormat('%-32s  %-32s %12d %11.2f %11.2f %14d %14d%n', topic, group, accumulation, inTps, outTps, inToday, outToday);
          rows.push({ topic, group, accumulation, inTps, outTps, inToday, outToday });
        }
      }
    }
    return { text, json: { rows } };
  },
};

const clusterRT: CommandSpec = {
  name: 'clusterRT',
  description: 'List All clusters Message Send RT',
  options: [
    option('a', 'amount', 'message amount | default 100'),
    option('s', 'size', 'message size | default 128 Byte'),
    option('c', 'cluster', 'cluster name | default display all cluster'),
    option('p', 'printLog', 'print as tlog | default false'),
    option('m', 'machineRoom', 'machine room name | default noname'),
    option('i', 'interval', 'print interval | default 10 seconds'),
  ],
  async run({ options, admin, clientOptions }) {
    if (options.has('i')) throw new CommandFailed('-i (repeat every N seconds) is not supported by rocketmq-ts mqadmin: clusterRT measures one round; repeat it from the shell');
    if (options.bool('p', false)) throw new CommandFailed('-p true (tlog lines) is not supported by rocketmq-ts mqadmin');
    const amount = options.int('a', 50);
    const size = options.int('s', 128);
    if (amount < 2) throw new CommandFailed('-a must be at least 2 (the first send is not timed)');
    const { clusters } = await (await admin()).clusterInfo();
    const cluster = options.get('c');
    const names = cluster ? [cluster] : Object.keys(clusters);
    const producer = new Producer({ ...(await clientOptions()), groupName: String(Date.now()), instanceName: `mqadmin-rt-${process.pid}-${Date.now()}` });
    await producer.start();
    let text = javaFormat('%-24s  %-24s  %-4s  %-8s  %-8s%n', '#Cluster Name', '#Broker Name', '#RT', '#successCount', '#failCount');
    const rows = [];
    try {
      for (const clusterName of names) {
        const brokerNames = clusters[clusterName];
        if (!brokerNames) {
          text += `cluster [${clusterName}] not exist`;
          break;
        }
        for (const brokerName of brokerNames) {
          // As Apache: the topic named after the broker, which every broker creates for itself.
          const body = 'a'.repeat(size);
          let elapsed = 0;
          let success = 0;
          let fail = 0;
          for (let i = 0; i < amount; i++) {
            const start = Date.now();
            try {
              await producer.send({ topic: brokerName, body });
              success++;
            } catch {
              fail++;
            }
            if (i !== 0) elapsed += Date.now() - start;
          }
          const rt = elapsed / (amount - 1);
          text += javaFormat('%-24s  %-24s  %-8s  %-16s  %-16s%n', clusterName, brokerName, javaFormat('%.2f', rt), success, fail);
          rows.push({ cluster: clusterName, brokerName, rt, success, fail });
        }
      }
    } finally {
      await producer.shutdown();
    }
    return { text, json: { rows } };
  },
};

export const statsCommands: CommandSpec[] = [statsAll, clusterRT];
