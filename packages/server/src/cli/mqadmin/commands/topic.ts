/** Topic commands: updateTopic, deleteTopic, topicList, topicRoute, topicStatus, topicClusterList, updateTopicPerm. */
import { newTopicConfig, PermName } from '@rocketmq-ts/protocol';
import { type CommandSpec, CommandFailed, option } from '../command.ts';
import { topicConfigText, topicSysFlag } from '../java-text.ts';
import { humanTime2, javaFormat } from '../printf.ts';
import { topicRouteJson } from '../route-json.ts';

const updateTopic: CommandSpec = {
  name: 'updateTopic',
  description: 'Update or create topic',
  oneOf: ['b', 'c'],
  options: [
    option('b', 'brokerAddr', 'create topic to which broker'),
    option('c', 'clusterName', 'create topic to which cluster'),
    option('t', 'topic', 'topic name', { required: true }),
    option('r', 'readQueueNums', 'set read queue nums'),
    option('w', 'writeQueueNums', 'set write queue nums'),
    option('p', 'perm', "set topic's permission(2|4|6), intro[2:W 4:R; 6:RW]"),
    option('o', 'order', "set topic's order(true|false)"),
    option('u', 'unit', 'is unit topic (true|false)'),
    option('s', 'hasUnitSub', 'has unit sub (true|false)'),
  ],
  async run({ options, admin }) {
    const config = newTopicConfig(options.need('t'), {
      readQueueNums: options.int('r', 8),
      writeQueueNums: options.int('w', 8),
      perm: options.int('p', PermName.READ | PermName.WRITE),
      topicSysFlag: topicSysFlag(options.bool('u', false), options.bool('s', false)),
      order: options.bool('o', false),
    });
    if (config.order) throw new CommandFailed('-o true (order topics through the name server KV ORDER_TOPIC_CONFIG) is not supported by rocketmq-ts mqadmin; create the topic without -o');
    const brokerAddr = options.get('b');
    const target = brokerAddr ? { brokerAddr } : { cluster: options.need('c') };
    const client = await admin();
    const written = await client.createOrUpdateTopic({ ...config, topic: config.topicName }, target);
    const text = written.map((addr) => javaFormat('create topic to %s success.%n', addr)).join('') + topicConfigText(config);
    return { text, json: { brokers: written, topicConfig: config } };
  },
};

const deleteTopic: CommandSpec = {
  name: 'deleteTopic',
  description: 'Delete topic from broker and NameServer.',
  options: [option('t', 'topic', 'topic name', { required: true }), option('c', 'clusterName', 'delete topic from which cluster', { required: true })],
  async run({ options, admin }) {
    const topic = options.need('t');
    const cluster = options.need('c');
    await (await admin()).deleteTopic(topic, cluster);
    const text = javaFormat('delete topic [%s] from cluster [%s] success.%n', topic, cluster) + javaFormat('delete topic [%s] from NameServer success.%n', topic);
    return { text, json: { topic, cluster, deleted: true } };
  },
};

const topicList: CommandSpec = {
  name: 'topicList',
  description: 'Fetch all topic list from name server',
  options: [option('c', 'clusterModel', 'clusterModel', { arg: false })],
  async run({ options, admin }) {
    const client = await admin();
    const topics = await client.topicList();
    if (!options.has('c')) return { text: topics.map((t) => `${t}\n`).join(''), json: { topicList: topics } };
    const clusters = (await client.clusterInfo()).clusters;
    const rows: { cluster: string; topic: string; group: string }[] = [];
    for (const topic of topics) {
      if (topic.startsWith('%RETRY%') || topic.startsWith('%DLQ%')) continue;
      let cluster = '';
      let groups: string[] = [];
      try {
        const route = await client.topicRoute(topic);
        const brokerName = route.brokers[0]?.brokerName;
        cluster = Object.entries(clusters).find(([, names]) => brokerName !== undefined && names.includes(brokerName))?.[0] ?? '';
        groups = await client.topicConsumers(topic);
      } catch {
        // As Apache: a topic whose route or consumers cannot be read is listed with blanks.
      }
      for (const group of groups.length > 0 ? groups : ['']) rows.push({ cluster, topic, group });
    }
    const text = javaFormat('%-20s  %-48s  %-48s%n', '#Cluster Name', '#Topic', '#Consumer Group') + rows.map((r) => javaFormat('%-20s  %-48s  %-48s%n', r.cluster, r.topic, r.group)).join('');
    return { text, json: { topics: rows } };
  },
};

const topicRoute: CommandSpec = {
  name: 'topicRoute',
  description: 'Examine topic route info',
  options: [option('t', 'topic', 'topic name', { required: true })],
  async run({ options, admin }) {
    const route = await (await admin()).topicRoute(options.need('t'));
    return { text: `${topicRouteJson(route)}\n`, json: route };
  },
};

const topicStatus: CommandSpec = {
  name: 'topicStatus',
  description: 'Examine topic Status info',
  options: [option('t', 'topic', 'topic name', { required: true })],
  async run({ options, admin }) {
    const stats = await (await admin()).topicStats(options.need('t'));
    let text = javaFormat('%-32s  %-4s  %-20s  %-20s    %s%n', '#Broker Name', '#QID', '#Min Offset', '#Max Offset', '#Last Updated');
    for (const q of stats.queues) {
      text += javaFormat('%-32s  %-4d  %-20d  %-20d    %s%n', q.brokerName, q.queueId, q.minOffset, q.maxOffset, q.lastUpdateTimestamp > 0 ? humanTime2(q.lastUpdateTimestamp) : '');
    }
    return { text, json: stats };
  },
};

const topicClusterList: CommandSpec = {
  name: 'topicClusterList',
  description: 'get cluster info for topic',
  options: [option('t', 'topic', 'topic name', { required: true })],
  async run({ options, admin }) {
    const client = await admin();
    const route = await client.topicRoute(options.need('t'));
    const { clusters } = await client.clusterInfo();
    const found = new Set<string>();
    for (const broker of route.brokers) for (const [cluster, names] of Object.entries(clusters)) if (names.includes(broker.brokerName)) found.add(cluster);
    return { text: [...found].map((c) => `${c}\n`).join(''), json: { clusters: [...found] } };
  },
};

const updateTopicPerm: CommandSpec = {
  name: 'updateTopicPerm',
  description: 'Update topic perm',
  anyOf: ['b', 'c'],
  options: [
    option('b', 'brokerAddr', 'create topic to which broker'),
    option('c', 'clusterName', 'create topic to which cluster'),
    option('t', 'topic', 'topic name', { required: true }),
    option('p', 'perm', "set topic's permission(2|4|6), intro[2:W; 4:R; 6:RW]", { required: true }),
  ],
  async run({ options, admin }) {
    const client = await admin();
    const topic = options.need('t');
    const perm = options.int('p', 6);
    const route = await client.topicRoute(topic);
    const first = route.queues[0];
    if (!first) throw new CommandFailed(`topic ${topic} has no queues in its route`);
    const create = { topic, readQueueNums: first.readQueueNums, writeQueueNums: first.writeQueueNums, perm, topicSysFlag: first.topicSysFlag };
    const config = newTopicConfig(topic, { readQueueNums: first.readQueueNums, writeQueueNums: first.writeQueueNums, perm, topicSysFlag: first.topicSysFlag });
    const brokerAddr = options.get('b');
    if (brokerAddr) {
      const brokerName = route.brokers.find((b) => b.addrs['0'] === brokerAddr)?.brokerName;
      if (!brokerName) throw new CommandFailed('updateTopicPerm error broker not exit or broker is not master!.');
      const oldPerm = route.queues.find((q) => q.brokerName === brokerName)?.perm ?? 0;
      if (oldPerm === perm) return { text: 'new perm equals to the old one!\n', json: { topic, brokerAddr, oldPerm, perm, changed: false } };
      await client.createOrUpdateTopic(create, { brokerAddr });
      return {
        text: javaFormat('update topic perm from %s to %s in %s success.%n', oldPerm, perm, brokerAddr) + javaFormat('%s.%n', topicConfigText(config)),
        json: { topic, brokers: [brokerAddr], oldPerm, perm, changed: true },
      };
    }
    const written = await client.createOrUpdateTopic(create, { cluster: options.need('c') });
    return {
      text: written.map((addr) => javaFormat('update topic perm from %s to %s in %s success.%n', first.perm, perm, addr)).join(''),
      json: { topic, brokers: written, oldPerm: first.perm, perm, changed: true },
    };
  },
};

export const topicCommands: CommandSpec[] = [updateTopic, deleteTopic, updateTopicPerm, topicRoute, topicStatus, topicClusterList, topicList];
