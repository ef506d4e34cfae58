/**
 * Consumer-group commands: updateSubGroup, deleteSubGroup, consumerProgress, consumerStatus,
 * consumerConnection, producerConnection, cloneGroupOffset, resetOffsetByTime, skipAccumulatedMessage.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Admin, ConsumerRunningInfoView } from '@rocketmq-ts/client';
import { newSubscriptionGroupConfig } from '@rocketmq-ts/protocol';
import { type CommandSpec, CommandFailed, option, type ParsedOptions, UsageError } from '../command.ts';
import { subscriptionGroupText } from '../java-text.ts';
import { dateTime, humanTime, javaFormat } from '../printf.ts';

const updateSubGroup: CommandSpec = {
  name: 'updateSubGroup',
  description: 'Update or create subscription group',
  anyOf: ['b', 'c'],
  options: [
    option('b', 'brokerAddr', 'create subscription group to which broker'),
    option('c', 'clusterName', 'create subscription group to which cluster'),
    option('g', 'groupName', 'consumer group name', { required: true }),
    option('s', 'consumeEnable', 'consume enable'),
    option('m', 'consumeFromMinEnable', 'from min offset'),
    option('d', 'consumeBroadcastEnable', 'broadcast'),
    option('q', 'retryQueueNums', 'retry queue nums'),
    option('r', 'retryMaxTimes', 'retry max times'),
    option('i', 'brokerId', 'consumer from which broker id'),
    option('w', 'whichBrokerWhenConsumeSlowly', 'which broker id when consume slowly'),
    option('a', 'notifyConsumerIdsChanged', 'notify consumerId changed'),
  ],
  async run({ options, admin }) {
    // As Apache's tool: broadcast and from-min start false unless given.
    const config = newSubscriptionGroupConfig(options.need('g'), {
      consumeEnable: options.bool('s', true),
      consumeFromMinEnable: options.bool('m', false),
      consumeBroadcastEnable: options.bool('d', false),
      retryQueueNums: options.int('q', 1),
      retryMaxTimes: options.int('r', 16),
      brokerId: options.int('i', 0),
      whichBrokerWhenConsumeSlowly: options.int('w', 1),
      notifyConsumerIdsChangedEnable: options.bool('a', true),
    });
    const brokerAddr = options.get('b');
    const written = await (await admin()).createOrUpdateGroup(config, brokerAddr ? { brokerAddr } : { cluster: options.need('c') });
    const text = written.map((addr) => javaFormat('create subscription group to %s success.%n', addr)).join('') + subscriptionGroupText(config);
    return { text, json: { brokers: written, subscriptionGroupConfig: config } };
  },
};

const deleteSubGroup: CommandSpec = {
  name: 'deleteSubGroup',
  description: 'Delete subscription group from broker.',
  anyOf: ['b', 'c'],
  options: [
    option('b', 'brokerAddr', 'delete subscription group from which broker'),
    option('c', 'clusterName', 'delete subscription group from which cluster'),
    option('g', 'groupName', 'subscription group name', { required: true }),
  ],
  async run({ options, admin }) {
    const client = await admin();
    const group = options.need('g');
    const brokerAddr = options.get('b');
    if (brokerAddr) {
      await client.deleteGroup(group, { brokerAddr }, { removeRetryAndDlqTopics: false });
      return { text: javaFormat('delete subscription group [%s] from broker [%s] success.%n', group, brokerAddr), json: { group, brokers: [brokerAddr] } };
    }
    const cluster = options.need('c');
    const masters = await client.masterAddrs(cluster);
    let text = '';
    for (const { addr } of masters) {
      await client.deleteGroup(group, { brokerAddr: addr }, { removeRetryAndDlqTopics: false });
      text += javaFormat('delete subscription group [%s] from broker [%s] in cluster [%s] success.%n', group, addr, cluster);
    }
    const deletedTopics: string[] = [];
    for (const topic of [`%RETRY%${group}`, `%DLQ%${group}`]) {
      await client.deleteTopic(topic, cluster);
      deletedTopics.push(topic);
      text += javaFormat('delete topic [%s] from cluster [%s] success.%n', topic, cluster) + javaFormat('delete topic [%s] from NameServer success.%n', topic);
    }
    return { text, json: { group, cluster, brokers: masters.map((m) => m.addr), deletedTopics } };
  },
};

async function onlineConsumers(client: Admin, group: string) {
  const view = await client.consumerConnection(group);
  if (view.connections.length === 0) throw new CommandFailed(`Not found the consumer group connection: no consumer of group ${group} is online (CONSUMER_NOT_ONLINE)`);
  return view;
}

const consumerProgress: CommandSpec = {
  name: 'consumerProgress',
  description: "Query consumers's progress, speed",
  options: [option('g', 'groupName', 'consumer group name'), option('s', 'showClientIP', 'Show Client IP per Queue')],
  async run({ options, admin }) {
    const client = await admin();
    const group = options.get('g');
    if (group) {
      const stats = await client.consumeStats(group);
      const showClientIP = options.get('s')?.toLowerCase() === 'true';
      const owners = showClientIP ? await queueOwners(client, group) : new Map<string, string>();
      let text = javaFormat('%-32s  %-32s  %-4s  %-20s  %-20s  %-20s %-20s  %s%n', '#Topic', '#Broker Name', '#QID', '#Broker Offset', '#Consumer Offset', '#Client IP', '#Diff', '#LastTime');
      let diffTotal = 0;
      const rows = stats.queues.map((q) => {
        const diff = q.brokerOffset - q.consumerOffset;
        diffTotal += diff;
        const clientIP = owners.get(`${q.topic}\u0000${q.brokerName}\u0000${q.queueId}`) ?? 'N/A';
        const lastTime = q.lastTimestamp === 0 ? 'N/A' : dateTime(q.lastTimestamp);
        text += javaFormat('%-32s  %-32s  %-4d  %-20d  %-20d  %-20s %-20d  %s%n', q.topic, q.brokerName, q.queueId, q.brokerOffset, q.consumerOffset, clientIP, diff, lastTime);
        return { ...q, diff, clientIP };
      });
      text += javaFormat('%n') + javaFormat('Consume TPS: %.2f%n', stats.consumeTps) + javaFormat('Diff Total: %d%n', diffTotal);
      return { text, json: { group, queues: rows, consumeTps: stats.consumeTps, diffTotal } };
    }
    let text = javaFormat('%-32s  %-6s  %-24s %-5s  %-14s  %-7s  %s%n', '#Group', '#Count', '#Version', '#Type', '#Model', '#TPS', '#Diff Total');
    const groups = [];
    for (const topic of await client.topicList()) {
      if (!topic.startsWith('%RETRY%')) continue;
      const name = topic.slice('%RETRY%'.length);
      let tps = 0;
      let diffTotal = 0;
      try {
        const stats = await client.consumeStats(name);
        tps = Math.trunc(stats.consumeTps);
        diffTotal = stats.queues.reduce((sum, q) => sum + (q.brokerOffset - q.consumerOffset), 0);
      } catch {
        // As Apache: a group without stats shows zeros.
      }
      let count = 0;
      let version = 'OFFLINE';
      let type = '';
      let model = '';
      try {
        const view = await client.consumerConnection(name);
        count = view.connections.length;
        if (count > 0) {
          const min = view.connections.reduce((a, c) => (c.version < a.version ? c : a));
          version = min.versionDesc;
          type = view.consumeType === 'CONSUME_PASSIVELY' ? 'PUSH' : 'PULL';
          model = view.consumeType === 'CONSUME_PASSIVELY' ? (view.messageModel ?? '') : '';
        }
      } catch {
        // As Apache: a group whose connections cannot be read is listed as offline.
      }
      text += javaFormat('%-32s  %-6d  %-24s %-5s  %-14s  %-7d  %d%n', name, count, version, type, model, tps, diffTotal);
      groups.push({ group: name, count, version, type, model, tps, diffTotal });
    }
    return { text, json: { groups } };
  },
};

/** Which client holds each queue (consumerProgress -s true), from the clients' running info. */
async function queueOwners(client: Admin, group: string): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  const view = await client.consumerConnection(group);
  for (const c of view.connections) {
    try {
      const info = await client.consumerRunningInfo(group, c.clientId);
      const ip = c.clientId.split('@')[0] ?? c.clientId;
      for (const q of info.queues) owners.set(`${q.topic}\u0000${q.brokerName}\u0000${q.queueId}`, ip);
    } catch {
      // A client that does not answer owns nothing we can show.
    }
  }
  return owners;
}

/** ConsumerRunningInfo.formatString. */
export function runningInfoText(info: ConsumerRunningInfoView): string {
  let text = '#Consumer Properties#\n';
  for (const [key, value] of Object.entries(info.properties)) text += javaFormat('%-40s: %s%n', key, value);
  text += '\n\n#Consumer Subscription#\n';
  info.subscriptions.forEach((s, i) => {
    text += javaFormat('%03d Topic: %-40s ClassFilter: %-8s SubExpression: %s%n', i + 1, s.topic, s.classFilterMode, s.subString);
  });
  text += '\n\n#Consumer Offset#\n' + javaFormat('%-32s  %-32s  %-4s  %-20s%n', '#Topic', '#Broker Name', '#QID', '#Consumer Offset');
  for (const q of info.queues) text += javaFormat('%-32s  %-32s  %-4d  %-20d%n', q.topic, q.brokerName, q.queueId, q.commitOffset);
  text += '\n\n#Consumer MQ Detail#\n' + javaFormat('%-32s  %-32s  %-4s  %-20s%n', '#Topic', '#Broker Name', '#QID', '#ProcessQueueInfo');
  for (const q of info.queues) {
    const pq =
      `ProcessQueueInfo [commitOffset=${q.commitOffset}, cachedMsgMinOffset=${q.cachedMsgMinOffset}, cachedMsgMaxOffset=${q.cachedMsgMaxOffset}, ` +
      `cachedMsgCount=${q.cachedMsgCount}, cachedMsgSizeInMiB=${q.cachedMsgSizeInMiB}, transactionMsgMinOffset=${q.transactionMsgMinOffset}, ` +
      `transactionMsgMaxOffset=${q.transactionMsgMaxOffset}, transactionMsgCount=${q.transactionMsgCount}, locked=${q.locked}, tryUnlockTimes=${q.tryUnlockTimes}, ` +
      `lastLockTimestamp=${humanTime(q.lastLockTimestamp)}, droped=${q.droped}, lastPullTimestamp=${humanTime(q.lastPullTimestamp)}, lastConsumeTimestamp=${humanTime(q.lastConsumeTimestamp)}]`;
    text += javaFormat('%-32s  %-32s  %-4d  %s%n', q.topic, q.brokerName, q.queueId, pq);
  }
  text +=
    '\n\n#Consumer RT&TPS#\n' +
    javaFormat('%-32s  %14s %14s %14s %14s %18s %25s%n', '#Topic', '#Pull RT', '#Pull TPS', '#Consume RT', '#ConsumeOK TPS', '#ConsumeFailed TPS', '#ConsumeFailedMsgsInHour');
  for (const [topic, s] of Object.entries(info.status)) {
    text += javaFormat('%-32s  %14.2f %14.2f %14.2f %14.2f %18.2f %25d%n', topic, s.pullRT, s.pullTPS, s.consumeRT, s.consumeOKTPS, s.consumeFailedTPS, s.consumeFailedMsgs);
  }
  if (info.jstack !== undefined) text += `\n\n#Consumer jstack#\n${info.jstack}`;
  return text;
}

const consumerStatus: CommandSpec = {
  name: 'consumerStatus',
  description: 'Query consumer\'s internal data structure',
  options: [
    option('g', 'consumerGroup', 'consumer group name', { required: true }),
    option('i', 'clientId', "The consumer's client id"),
    option('s', 'jstack', 'Run jstack command in the consumer progress', { arg: false }),
  ],
  async run({ options, admin, cwd }) {
    const client = await admin();
    const group = options.need('g');
    const view = await onlineConsumers(client, group);
    const jstack = options.has('s');
    const clientId = options.get('i');
    if (clientId) {
      const info = await client.consumerRunningInfo(group, clientId, { jstack });
      return { text: runningInfoText(info), json: info };
    }
    // As Apache: each client's running info goes to the file <now>/<clientId>, listed one per line.
    const now = Date.now();
    let text = '';
    const infos: ConsumerRunningInfoView[] = [];
    let i = 1;
    for (const c of [...view.connections].sort((a, b) => a.clientId.localeCompare(b.clientId))) {
      try {
        const info = await client.consumerRunningInfo(group, c.clientId, { jstack });
        const path = `${now}/${c.clientId}`;
        await mkdir(dirname(join(cwd, path)), { recursive: true });
        await writeFile(join(cwd, path), runningInfoText(info));
        infos.push(info);
        text += javaFormat('%03d  %-40s %-20s %s%n', i++, c.clientId, c.versionDesc, path);
      } catch {
        // As Apache: a client that does not answer is left out.
      }
    }
    let subscriptionsSame = true;
    if (infos.length > 0) {
      const key = (info: ConsumerRunningInfoView) => JSON.stringify(info.subscriptions.map((s) => [s.topic, s.subString]).sort());
      subscriptionsSame = infos.every((info) => key(info) === key(infos[0]!));
      text += subscriptionsSame ? '\n\nSame subscription in the same group of consumer\n\nRebalance OK\n' : '\n\nWARN: Different subscription in the same group of consumer!!!';
    }
    return { text, json: { group, clients: infos, subscriptionsSame } };
  },
};

const consumerConnection: CommandSpec = {
  name: 'consumerConnection',
  description: "Query consumer's socket connection, client version and subscription",
  options: [option('g', 'consumerGroup', 'consumer group name', { required: true })],
  async run({ options, admin }) {
    const view = await onlineConsumers(await admin(), options.need('g'));
    let text = view.connections.map((c, i) => javaFormat('%03d  %-32s %-22s %-8s %s%n', i + 1, c.clientId, c.clientAddr, c.language, c.versionDesc)).join('');
    text += javaFormat('%nBelow is subscription:');
    text += view.subscriptions.map((s, i) => javaFormat('%03d  Topic: %-40s SubExpression: %s%n', i + 1, s.topic, s.subString)).join('');
    text += javaFormat('ConsumeType: %s%n', view.consumeType ?? null) + javaFormat('MessageModel: %s%n', view.messageModel ?? null) + javaFormat('ConsumeFromWhere: %s%n', view.consumeFromWhere ?? null);
    return { text, json: view };
  },
};

const producerConnection: CommandSpec = {
  name: 'producerConnection',
  description: "Query producer's socket connection and client version",
  options: [option('g', 'producerGroup', 'producer group name', { required: true }), option('t', 'topic', 'topic name', { required: true })],
  async run({ options, admin }) {
    const group = options.need('g');
    const view = await (await admin()).producerConnection(group, options.need('t'));
    if (view.connections.length === 0) throw new CommandFailed(`Not found the producer group connection: no producer of group ${group} is connected`);
    const text = view.connections.map((c, i) => javaFormat('%04d  %-32s %-22s %-8s %s%n', i + 1, c.clientId, c.clientAddr, c.language, c.versionDesc)).join('');
    return { text, json: view };
  },
};

const cloneGroupOffset: CommandSpec = {
  name: 'cloneGroupOffset',
  description: 'clone offset from other group.',
  options: [
    option('s', 'srcGroup', 'set source consumer group', { required: true }),
    option('d', 'destGroup', 'set destination consumer group', { required: true }),
    option('t', 'topic', 'set the topic', { required: true }),
    option('o', 'offline', 'the group or the topic is offline'),
  ],
  async run({ options, admin }) {
    const srcGroup = options.need('s');
    const destGroup = options.need('d');
    const topic = options.need('t');
    const brokers = await (await admin()).cloneGroupOffset(srcGroup, destGroup, topic, { offline: options.bool('o', false) });
    return { text: javaFormat('clone group offset success. srcGroup[%s], destGroup=[%s], topic[%s]', srcGroup, destGroup, topic), json: { srcGroup, destGroup, topic, brokers } };
  },
};

/** resetOffsetByTime -s: `now`, epoch milliseconds, or yyyy-MM-dd#HH:mm:ss:SSS (local time). */
export function parseResetTimestamp(text: string, now = Date.now()): number {
  if (text === 'now') return now;
  if (/^-?\d+$/.test(text)) return Number(text);
  const m = /^(\d{4})-(\d{2})-(\d{2})#(\d{2}):(\d{2}):(\d{2}):(\d{3})$/.exec(text);
  if (!m) throw new UsageError(`-s must be now, epoch milliseconds or yyyy-MM-dd#HH:mm:ss:SSS, got "${text}"`);
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as [number, number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s, ms).getTime();
}

async function resetTo(options: ParsedOptions, client: Admin, timestamp: number, header: (force: boolean) => string) {
  const group = options.need('g');
  const topic = options.need('t');
  const force = options.bool('f', true);
  const result = await client.resetOffsetByTime(group, topic, timestamp, { force });
  let text: string;
  if (result.mode === 'offline') {
    text = header(force).replace('by specified group', 'by specified consumerGroup');
    text += javaFormat('%-20s  %-20s  %-20s  %-20s  %-20s  %-20s%n', '#brokerName', '#queueId', '#brokerOffset', '#consumerOffset', '#timestampOffset', '#rollbackOffset');
    for (const q of result.queues) {
      const r = q.rollback ?? { brokerOffset: -1, consumerOffset: -1, timestampOffset: q.offset };
      text += javaFormat('%-20s  %-20d  %-20d  %-20d  %-20d  %-20d%n', q.brokerName, q.queueId, r.brokerOffset, r.consumerOffset, r.timestampOffset, q.offset);
    }
  } else {
    text = header(force) + javaFormat('%-40s  %-40s  %-40s%n', '#brokerName', '#queueId', '#offset');
    for (const q of result.queues) text += javaFormat('%-40s  %-40d  %-40d%n', q.brokerName, q.queueId, q.offset);
  }
  return { text, json: { group, topic, timestamp, force, ...result } };
}

const resetOffsetByTime: CommandSpec = {
  name: 'resetOffsetByTime',
  description: 'Reset consumer offset by timestamp(without client restart).',
  options: [
    option('g', 'group', 'set the consumer group', { required: true }),
    option('t', 'topic', 'set the topic', { required: true }),
    option('s', 'timestamp', 'set the timestamp[now|currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]', { required: true }),
    option('f', 'force', 'set the force rollback by timestamp switch[true|false]'),
    option('c', 'cplus', 'reset c++ client offset', { arg: false }),
  ],
  async run({ options, admin }) {
    const text = options.need('s');
    const timestamp = parseResetTimestamp(text);
    return resetTo(options, await admin(), timestamp, (force) =>
      javaFormat(
        'rollback consumer offset by specified group[%s], topic[%s], force[%s], timestamp(string)[%s], timestamp(long)[%s]%n',
        options.need('g'),
        options.need('t'),
        force,
        text,
        timestamp,
      ),
    );
  },
};

const skipAccumulatedMessage: CommandSpec = {
  name: 'skipAccumulatedMessage',
  description: 'Skip all messages that are accumulated (not consumed) currently',
  options: [
    option('g', 'group', 'set the consumer group', { required: true }),
    option('t', 'topic', 'set the topic', { required: true }),
    option('f', 'force', 'set the force rollback by timestamp switch[true|false]'),
  ],
  async run({ options, admin }) {
    return resetTo(options, await admin(), -1, () => '');
  },
};

export const groupCommands: CommandSpec[] = [
  updateSubGroup,
  deleteSubGroup,
  producerConnection,
  consumerConnection,
  consumerProgress,
  consumerStatus,
  cloneGroupOffset,
  resetOffsetByTime,
  skipAccumulatedMessage,
];
