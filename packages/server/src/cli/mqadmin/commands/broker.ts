/** Cluster and broker commands: clusterList, brokerStatus, getBrokerConfig, updateBrokerConfig. */
import type { Admin } from '@rocketmq-ts/client';
import { type CommandSpec, CommandFailed, option } from '../command.ts';
import { javaFormat } from '../printf.ts';

const noRepeat = (flag: string) => new CommandFailed(`${flag} (print again every N seconds) is not supported by rocketmq-ts mqadmin; repeat it from the shell, e.g. watch -n N mqadmin ...`);

async function runtimeTable(admin: Admin, addr: string): Promise<Record<string, string>> {
  return (await admin.brokerRuntimeInfo(addr)).raw;
}

/** Rows of the cluster, in Apache's order: clusters as the name server lists them, broker names sorted, ids ascending. */
async function brokerRows(admin: Admin): Promise<{ cluster: string; brokerName: string; brokerId: number; addr: string }[]> {
  const { clusters, brokers } = await admin.clusterInfo();
  const rows = [];
  for (const [cluster, names] of Object.entries(clusters)) {
    for (const brokerName of [...names].sort()) {
      for (const b of brokers.filter((x) => x.brokerName === brokerName).sort((x, y) => x.brokerId - y.brokerId)) rows.push({ cluster, brokerName, brokerId: b.brokerId, addr: b.addr });
    }
  }
  return rows;
}

const num = (table: Record<string, string>, key: string): number => Number(table[key] ?? '0') || 0;

const clusterList: CommandSpec = {
  name: 'clusterList',
  description: 'List all of clusters',
  options: [option('m', 'moreStats', 'Print more stats', { arg: false }), option('i', 'interval', 'specify intervals numbers, it is in seconds')],
  async run({ options, admin }) {
    if (options.has('i')) throw noRepeat('-i');
    const client = await admin();
    const rows = await brokerRows(client);
    if (options.has('m')) {
      let text = javaFormat('%-16s  %-32s %14s %14s %14s %14s%n', '#Cluster Name', '#Broker Name', '#InTotalYest', '#OutTotalYest', '#InTotalToday', '#OutTotalToday');
      const json = [];
      for (const row of rows) {
        let figures = { inTotalYest: 0, outTotalYest: 0, inTotalToday: 0, outTotalToday: 0 };
        try {
          const t = await runtimeTable(client, row.addr);
          figures = {
            inTotalYest: num(t, 'msgPutTotalTodayMorning') - num(t, 'msgPutTotalYesterdayMorning'),
            outTotalYest: num(t, 'msgGetTotalTodayMorning') - num(t, 'msgGetTotalYesterdayMorning'),
            inTotalToday: num(t, 'msgPutTotalTodayNow') - num(t, 'msgPutTotalTodayMorning'),
            outTotalToday: num(t, 'msgGetTotalTodayNow') - num(t, 'msgGetTotalTodayMorning'),
          };
        } catch {
          // As Apache: a broker that does not answer shows zeros.
        }
        text += javaFormat('%-16s  %-32s %14d %14d %14d %14d%n', row.cluster, row.brokerName, figures.inTotalYest, figures.outTotalYest, figures.inTotalToday, figures.outTotalToday);
        json.push({ ...row, ...figures });
      }
      return { text, json: { brokers: json } };
    }
    const format = '%-16s  %-22s  %-4s  %-22s %-16s %19s %19s %10s %5s %6s%n';
    let text = javaFormat(format, '#Cluster Name', '#Broker Name', '#BID', '#Addr', '#Version', '#InTPS(LOAD)', '#OutTPS(LOAD)', '#PCWait(ms)', '#Hour', '#SPACE');
    const json = [];
    for (const row of rows) {
      let t: Record<string, string> = {};
      try {
        t = await runtimeTable(client, row.addr);
      } catch {
        // As Apache: an unreachable broker is listed with empty figures.
      }
      const inTps = Number((t.putTps ?? '0').split(' ')[0]) || 0;
      const outTps = Number((t.getTransferedTps ?? '0').split(' ')[0]) || 0;
      const earliest = t.earliestMessageTimeStamp;
      const hour = earliest ? (Date.now() - Number(earliest)) / 1000 / 60 / 60 : 0;
      const space = t.commitLogDiskRatio ? Number(t.commitLogDiskRatio) : 0;
      text += javaFormat(
        format,
        row.cluster,
        row.brokerName,
        row.brokerId,
        row.addr,
        t.brokerVersionDesc ?? null,
        javaFormat('%9.2f(%s,%sms)', inTps, t.sendThreadPoolQueueSize ?? null, t.sendThreadPoolQueueHeadWaitTimeMills ?? null),
        javaFormat('%9.2f(%s,%sms)', outTps, t.pullThreadPoolQueueSize ?? null, t.pullThreadPoolQueueHeadWaitTimeMills ?? null),
        t.pageCacheLockTimeMills ?? null,
        javaFormat('%2.2f', hour),
        javaFormat('%.4f', space),
      );
      json.push({ ...row, version: t.brokerVersionDesc, inTps, outTps, hour, space, runtime: t });
    }
    return { text, json: { brokers: json } };
  },
};

const brokerStatus: CommandSpec = {
  name: 'brokerStatus',
  description: 'Fetch broker runtime status data',
  anyOf: ['b', 'c'],
  options: [option('b', 'brokerAddr', 'Broker address'), option('c', 'clusterName', 'which cluster')],
  async run({ options, admin }) {
    const client = await admin();
    const brokerAddr = options.get('b');
    const sorted = (t: Record<string, string>) => Object.keys(t).sort().map((k) => [k, t[k]!] as const);
    if (brokerAddr) {
      const table = await runtimeTable(client, brokerAddr);
      return { text: sorted(table).map(([k, v]) => javaFormat('%-32s: %s%n', k, v)).join(''), json: { [brokerAddr]: table } };
    }
    const cluster = options.need('c');
    const names = (await client.clusterInfo()).clusters[cluster];
    if (!names) throw new CommandFailed(`cluster "${cluster}" is not known to the name server`);
    const addrs = (await client.clusterInfo()).brokers.filter((b) => names.includes(b.brokerName)).map((b) => b.addr);
    let text = '';
    const json: Record<string, Record<string, string>> = {};
    for (const addr of addrs) {
      const table = await runtimeTable(client, addr);
      json[addr] = table;
      text += sorted(table).map(([k, v]) => javaFormat('%-24s %-32s: %s%n', addr, k, v)).join('');
    }
    return { text, json };
  },
};

function configText(properties: Record<string, string>): string {
  return `${Object.entries(properties).map(([k, v]) => javaFormat('%-50s=  %s\n', k, v)).join('')}\n`;
}

const getBrokerConfig: CommandSpec = {
  name: 'getBrokerConfig',
  description: 'Get broker config by cluster or special broker!',
  anyOf: ['b', 'c'],
  options: [option('b', 'brokerAddr', 'get which broker'), option('c', 'clusterName', 'get which cluster')],
  async run({ options, admin }) {
    const client = await admin();
    const brokerAddr = options.get('b');
    if (brokerAddr) {
      const config = await client.brokerConfig(brokerAddr);
      return { text: `============${brokerAddr}============\n${configText(config)}`, json: { [brokerAddr]: config } };
    }
    const cluster = options.need('c');
    const info = await client.clusterInfo();
    const names = info.clusters[cluster];
    if (!names) throw new CommandFailed(`cluster "${cluster}" is not known to the name server`);
    let text = '';
    const json: Record<string, Record<string, string>> = {};
    for (const master of info.brokers.filter((b) => names.includes(b.brokerName) && b.brokerId === 0)) {
      json[master.addr] = await client.brokerConfig(master.addr);
      text += `============Master: ${master.addr}============\n${configText(json[master.addr]!)}`;
      for (const slave of info.brokers.filter((b) => b.brokerName === master.brokerName && b.brokerId !== 0)) {
        json[slave.addr] = await client.brokerConfig(slave.addr);
        text += `============My Master: ${master.addr}=====Slave: ${slave.addr}============\n${configText(json[slave.addr]!)}`;
      }
    }
    return { text, json };
  },
};

const updateBrokerConfig: CommandSpec = {
  name: 'updateBrokerConfig',
  description: "Update broker's config",
  anyOf: ['b', 'c'],
  options: [
    option('b', 'brokerAddr', 'update which broker'),
    option('c', 'clusterName', 'update which cluster'),
    option('k', 'key', 'config key', { required: true }),
    option('v', 'value', 'config value', { required: true }),
  ],
  async run({ options, admin }) {
    const properties = { [options.need('k')]: options.need('v') };
    const brokerAddr = options.get('b');
    const written = await (await admin()).updateBrokerConfig(properties, brokerAddr ? { brokerAddr } : { cluster: options.need('c') });
    return { text: written.map((addr) => `update broker config success, ${addr}\n`).join(''), json: { brokers: written, properties } };
  },
};

export const brokerCommands: CommandSpec[] = [updateBrokerConfig, brokerStatus, clusterList, getBrokerConfig];
