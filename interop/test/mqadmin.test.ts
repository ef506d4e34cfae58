/**
 * mqadmin (ours) run command by command against our name server + broker and against Apache
 * RocketMQ 4.8.0's, the same scenario on each: the outputs, with volatile values masked
 * (addresses, message ids, times, client ids), must be equal, and each must say what the
 * scenario did. Then Apache's own mqadmin (rocketmq-tools 4.8.0) and ours are run against our
 * cluster for a few commands: the same text after masking, i.e. the same layout.
 *
 * Left out of the exact comparison, checked per target instead: lists whose system entries
 * differ (topicList, getBrokerConfig, getNamesrvConfig, brokerStatus keys), figures that are
 * load-dependent (clusterList TPS/hours/disk, clusterRT), wipeWritePerm's topic count (the
 * servers have different system topics), and statsAll (VIEW_BROKER_STATS_DATA, code 315, is
 * answered by Apache only until our broker statistics land; ours then shows zeros).
 * addWritePerm and resumeCheckHalfMessage are 4.9+ codes that Apache 4.8.0 refuses; they run
 * against ours only.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Producer, PushConsumer } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { queryConsumerOffset } from '../lib/broker-requests.ts';
import { apacheMqadmin, maskOutput, ourMqadmin } from '../lib/mqadmin-run.ts';
import { startApacheTarget } from '../lib/targets.ts';
import { waitFor } from '../lib/ts-client-kit.ts';

interface Server {
  namesrvAddr: string;
  brokerAddr: string;
  stop(): Promise<void>;
}

const MESSAGES = 3;

interface Step {
  name: string;
  code: number;
  raw: string;
  masked: string;
}

/** Steps whose masked output must be equal on both targets. */
const COMPARED = new Set([
  'updateTopic -c',
  'updateTopic -b',
  'sendMessage',
  'topicRoute',
  'topicStatus',
  'topicClusterList',
  'updateTopicPerm -c',
  'updateTopicPerm -b',
  'updateBrokerConfig',
  'updateSubGroup -c',
  'updateSubGroup -b',
  'queryMsgByKey',
  'queryMsgByOffset',
  'queryMsgById',
  'queryMsgByUniqueKey',
  'printMsg',
  'consumeMessage',
  'consumerConnection',
  'consumerProgress -g',
  'consumerProgress',
  'producerConnection',
  'resetOffsetByTime',
  'cloneGroupOffset',
  'skipAccumulatedMessage',
  'updateKvConfig',
  'deleteKvConfig',
  'updateNamesrvConfig',
  'deleteSubGroup -b',
  'deleteSubGroup -c',
  'deleteTopic',
  'topicRoute deleted',
]);

async function scenario(server: Server, id: string): Promise<Map<string, Step>> {
  const ns = server.namesrvAddr;
  const topic = `mqa_t_${id}`;
  const topic2 = `mqa_u_${id}`;
  const group = `mqa_g_${id}`;
  const group2 = `mqa_h_${id}`;
  const group3 = `mqa_c_${id}`;
  const producerGroup = `mqa_p_${id}`;
  const key = `mqa_k_${id}`;
  const steps = new Map<string, Step>();
  const run = async (name: string, ...args: string[]): Promise<Step> => {
    const result = await ourMqadmin(...args, '-n', ns);
    const raw = result.stdout + (result.code === 0 ? '' : `\nEXIT ${result.code}: ${result.stderr}`);
    const step = { name, code: result.code, raw, masked: maskOutput(raw, id) };
    steps.set(name, step);
    return step;
  };

  // A young Apache broker fails GET_BROKER_RUNTIME_INFO (LinkedList.getLast on its empty
  // StoreStatsService samples), which clusterList and brokerStatus read: wait until it answers.
  for (let attempt = 0; attempt < 40; attempt++) {
    if ((await ourMqadmin('brokerStatus', '-b', server.brokerAddr, '-n', ns)).code === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await run('updateTopic -c', 'updateTopic', '-c', 'DefaultCluster', '-t', topic, '-r', '4', '-w', '4');
  await run('updateTopic -b', 'updateTopic', '-b', server.brokerAddr, '-t', topic2);
  for (let i = 0; i < MESSAGES; i++) await run('sendMessage', 'sendMessage', '-t', topic, '-p', `body-${i}`, '-k', key, '-c', 'TagA', '-b', 'broker-a', '-i', '1');
  await run('topicList', 'topicList');
  await run('topicList -c', 'topicList', '-c');
  await run('topicRoute', 'topicRoute', '-t', topic);
  await run('topicStatus', 'topicStatus', '-t', topic);
  await run('topicClusterList', 'topicClusterList', '-t', topic);
  await run('updateTopicPerm -c', 'updateTopicPerm', '-c', 'DefaultCluster', '-t', topic2, '-p', '4');
  await run('updateTopicPerm -b', 'updateTopicPerm', '-b', server.brokerAddr, '-t', topic2, '-p', '6');
  await run('clusterList', 'clusterList');
  await run('clusterList -m', 'clusterList', '-m');
  await run('brokerStatus', 'brokerStatus', '-b', server.brokerAddr);
  await run('getBrokerConfig', 'getBrokerConfig', '-b', server.brokerAddr);
  await run('updateBrokerConfig', 'updateBrokerConfig', '-b', server.brokerAddr, '-k', 'maxMessageSize', '-v', '4194304');
  await run('updateSubGroup -c', 'updateSubGroup', '-c', 'DefaultCluster', '-g', group);
  await run('updateSubGroup -b', 'updateSubGroup', '-b', server.brokerAddr, '-g', group2, '-r', '3');
  await run('queryMsgByKey', 'queryMsgByKey', '-t', topic, '-k', key);
  const byOffset = await run('queryMsgByOffset', 'queryMsgByOffset', '-t', topic, '-b', 'broker-a', '-i', '1', '-o', '0');
  const offsetMsgId = /OffsetID:\s+(\S+)/.exec(byOffset.raw)?.[1] ?? 'none';
  await run('queryMsgById', 'queryMsgById', '-i', offsetMsgId);
  const uniqKey = /UNIQ_KEY=([0-9A-F]+)/.exec(byOffset.raw)?.[1] ?? 'none';
  await run('queryMsgByUniqueKey', 'queryMsgByUniqueKey', '-t', topic, '-i', uniqKey);
  await run('printMsg', 'printMsg', '-t', topic);
  await run('consumeMessage', 'consumeMessage', '-t', topic, '-b', 'broker-a', '-i', '1');

  // A producer and a push consumer stay online for the connection and progress commands.
  // Clients heartbeat the brokers they know on a timer: 1 s here, so the producer shows up soon.
  const producer = new Producer({ namesrvAddr: ns, groupName: producerGroup, heartbeatBrokerInterval: 1000 });
  await producer.start();
  await producer.send({ topic, body: 'from-producer', keys: key, tags: 'TagA' }, { queue: { topic, brokerName: 'broker-a', queueId: 1 } });
  let consumed = 0;
  const consumer = new PushConsumer({ namesrvAddr: ns, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', persistConsumerOffsetInterval: 500 });
  consumer.subscribe(topic, '*', () => {
    consumed++;
  });
  try {
    await consumer.start();
    await waitFor(() => consumed >= MESSAGES + 1, 60_000, () => `consumed ${consumed} of ${MESSAGES + 1}`);
    // The committed offsets reach the broker within persistConsumerOffsetInterval.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const progress = await ourMqadmin('consumerProgress', '-g', group, '-n', ns, '--json');
      const stats = progress.code === 0 ? (JSON.parse(progress.stdout) as { diffTotal: number; queues: unknown[] }) : undefined;
      const producerOnline = (await ourMqadmin('producerConnection', '-g', producerGroup, '-t', topic, '-n', ns)).code === 0;
      // Apache's resetOffset refuses a group without an offset on every queue ("consumer group not
      // exist"); the empty queues' offsets come only when their held pulls return (up to 15 s).
      const committed = await Promise.all([0, 1, 2, 3].map((queueId) => queryConsumerOffset(server.brokerAddr, group, topic, queueId)));
      const allCommitted = committed.every((offset) => offset !== undefined);
      if ((stats && stats.queues.length > 0 && stats.diffTotal === 0 && producerOnline && allCommitted) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await run('consumerConnection', 'consumerConnection', '-g', group);
    await run('consumerProgress -g', 'consumerProgress', '-g', group);
    const all = await run('consumerProgress', 'consumerProgress');
    all.masked = all.masked
      .split('\n')
      .filter((line) => line.startsWith('#') || line.includes(`mqa_g_ID`))
      .join('\n');
    await run('consumerStatus', 'consumerStatus', '-g', group);
    await run('producerConnection', 'producerConnection', '-g', producerGroup, '-t', topic);
    await run('resetOffsetByTime', 'resetOffsetByTime', '-g', group, '-t', topic, '-s', '0');
    await run('skipAccumulatedMessage', 'skipAccumulatedMessage', '-g', group, '-t', topic);
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
  }
  await run('cloneGroupOffset', 'cloneGroupOffset', '-s', group, '-d', group3, '-t', topic);
  await run('statsAll', 'statsAll', '-t', topic);
  await run('clusterRT', 'clusterRT', '-a', '3', '-s', '64');
  await run('getNamesrvConfig', 'getNamesrvConfig');
  await run('updateNamesrvConfig', 'updateNamesrvConfig', '-k', 'clusterTest', '-v', 'false');
  await run('updateKvConfig', 'updateKvConfig', '-s', 'mqa_ns', '-k', `k_${id}`, '-v', 'v1');
  await run('deleteKvConfig', 'deleteKvConfig', '-s', 'mqa_ns', '-k', `k_${id}`);
  await run('wipeWritePerm', 'wipeWritePerm', '-b', 'broker-a');
  await run('deleteSubGroup -b', 'deleteSubGroup', '-b', server.brokerAddr, '-g', group3);
  await run('deleteSubGroup -c', 'deleteSubGroup', '-c', 'DefaultCluster', '-g', group2);
  await run('deleteTopic', 'deleteTopic', '-c', 'DefaultCluster', '-t', topic2);
  await run('topicRoute deleted', 'topicRoute', '-t', topic2);
  return steps;
}

/** What each target's run must show, whichever server it ran against. */
function checkTarget(target: string, steps: Map<string, Step>, id: string): void {
  const get = (name: string): Step => {
    const step = steps.get(name);
    assert.ok(step, `${target}: step ${name} ran`);
    return step;
  };
  const ok = (name: string): string => {
    const step = get(name);
    assert.equal(step.code, 0, `${target}: ${name} exit code, output:\n${step.raw}`);
    return step.raw;
  };
  for (const name of steps.keys()) if (name !== 'topicRoute deleted') ok(name);
  assert.match(ok('updateTopic -c'), /^create topic to \S+ success\.\nTopicConfig \[topicName=mqa_t_\w+, readQueueNums=4, writeQueueNums=4, perm=RW-/);
  assert.match(ok('sendMessage'), /^#Broker Name +#QID +#Send Result +#MsgId\nbroker-a +1 +SEND_OK +[0-9A-F]{32}/);
  const topics = ok('topicList').split('\n');
  assert.ok(topics.includes(`mqa_t_${id}`) && topics.includes(`mqa_u_${id}`), `${target}: topicList lists both topics`);
  assert.match(ok('topicList -c'), new RegExp(`DefaultCluster +mqa_t_${id} `));
  assert.match(ok('topicStatus'), /broker-a +1 +0 +3 +/);
  assert.match(ok('clusterList'), /^#Cluster Name +#Broker Name +#BID +#Addr +#Version +#InTPS\(LOAD\) +#OutTPS\(LOAD\) #PCWait\(ms\) #Hour #SPACE\nDefaultCluster +broker-a +0 +\S+ +V4_8_0 /);
  assert.match(ok('brokerStatus'), /^brokerVersionDesc +: V4_8_0$/m);
  assert.match(ok('getBrokerConfig'), /^brokerClusterName += +DefaultCluster$/m);
  assert.equal((ok('queryMsgByKey').match(/\n[0-9A-F]{32} /g) ?? []).length, MESSAGES, `${target}: queryMsgByKey finds the ${MESSAGES} messages`);
  assert.match(ok('queryMsgById'), /^Topic: +mqa_t_\w+\nTags: +\[TagA\]\nKeys: +\[mqa_k_\w+\]\nQueue ID: +1\nQueue Offset: +0\n/m);
  assert.equal((ok('printMsg').match(/MSGID: /g) ?? []).length, MESSAGES);
  assert.match(ok('consumerConnection'), /^001 +\S+ +\S+ +NODEJS|^001 +\S+ +\S+ +JAVA/m);
  assert.match(ok('consumerProgress -g'), /\nDiff Total: 0\n$/);
  assert.match(ok('consumerStatus'), /^001 +\S+/);
  assert.match(ok('producerConnection'), /^0001 +\S+/);
  assert.match(ok('resetOffsetByTime'), /^#brokerName +#queueId +#offset +\n(broker-a +\d +\d+ +\n)*broker-a +1 +0 +$/m);
  assert.match(ok('skipAccumulatedMessage'), /^#brokerName +#queueId +#offset +\n(broker-a +\d +\d+ +\n)*broker-a +1 +4 +$/m);
  assert.match(ok('statsAll'), new RegExp(`^mqa_t_${id} `, 'm'));
  assert.match(ok('clusterRT'), /^DefaultCluster +broker-a +\d+\.\d\d +3 +0 +$/m);
  assert.match(ok('getNamesrvConfig'), /^============\S+============\n/);
  assert.match(ok('wipeWritePerm'), /^wipe write perm of broker\[broker-a\] in name server\[\S+\] OK, \d+\n$/);
  assert.notEqual(get('topicRoute deleted').code, 0, `${target}: the deleted topic has no route`);
}

describe('mqadmin: rocketmq-ts vs Apache RocketMQ 4.8.0', { concurrency: false }, () => {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const results = new Map<string, Map<string, Step>>();
  let ours: Server | undefined;

  before(async () => {
    ours = await startCluster();
    const apache = await startApacheTarget('mqadmin');
    try {
      results.set('Apache RocketMQ 4.8.0', await scenario(apache, id));
    } finally {
      await apache.stop();
    }
    results.set('rocketmq-ts', await scenario(ours, id));
  });

  after(async () => {
    await ours?.stop();
  });

  for (const target of ['rocketmq-ts', 'Apache RocketMQ 4.8.0']) {
    test(`${target}: every command does what the scenario asked`, () => {
      checkTarget(target, results.get(target)!, id);
    });
  }

  test('the two servers give the same output, volatile values masked', () => {
    const a = results.get('Apache RocketMQ 4.8.0')!;
    const b = results.get('rocketmq-ts')!;
    for (const name of COMPARED) {
      assert.equal(b.get(name)?.masked, a.get(name)?.masked, `${name}: rocketmq-ts (actual) vs Apache RocketMQ 4.8.0 (expected)`);
    }
  });

  test('4.9 admin codes against ours: addWritePerm gives back what wipeWritePerm took', async () => {
    const ns = ours!.namesrvAddr;
    const wiped = await ourMqadmin('wipeWritePerm', '-b', 'broker-a', '-n', ns, '--json');
    const added = await ourMqadmin('addWritePerm', '-b', 'broker-a', '-n', ns, '--json');
    assert.equal(added.code, 0, added.stderr);
    const count = (r: { stdout: string }) => (JSON.parse(r.stdout) as { results: { topicCount: number }[] }).results[0]!.topicCount;
    assert.ok(count(added) >= count(wiped) && count(added) > 0, `addWritePerm restored ${count(added)} topics`);
    assert.match(added.stdout, /"brokerName": "broker-a"/);
  });

  test("Apache's mqadmin 4.8.0 and ours print the same against our cluster", async () => {
    const ns = ours!.namesrvAddr;
    const topic = `mqa_t_${id}`;
    const commands: string[][] = [
      ['topicRoute', '-t', topic],
      ['topicStatus', '-t', topic],
      ['topicClusterList', '-t', topic],
      ['queryMsgByKey', '-t', topic, '-k', `mqa_k_${id}`],
      ['updateSubGroup', '-b', ours!.brokerAddr, '-g', `mqa_j_${id}`, '-r', '5'],
      ['updateTopic', '-c', 'DefaultCluster', '-t', `mqa_v_${id}`, '-w', '2', '-r', '2'],
      ['help', 'updateTopic'],
      ['help', 'consumerProgress'],
    ];
    for (const args of commands) {
      const fromApache = await apacheMqadmin(...args, ...(args[0] === 'help' ? [] : ['-n', ns]));
      const fromOurs = args[0] === 'help' ? await ourMqadmin(...args) : await ourMqadmin(...args, '-n', ns);
      assert.equal(fromOurs.code, 0, fromOurs.stderr);
      let expected = fromApache.stdout;
      let actual = fromOurs.stdout;
      if (args[0] === 'help') actual = actual.split('\n').filter((line) => !line.includes('--json')).join('\n');
      expected = maskOutput(expected, id);
      actual = maskOutput(actual, id);
      assert.equal(actual, expected, `mqadmin ${args.join(' ')}: ours (actual) vs Apache's tool (expected)`);
    }
  });
});
