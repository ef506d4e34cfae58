import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSubscriptionData, type Connection, PermName, pickLocalAddress } from '@rocketmq-ts/protocol';
import { SubscriptionGroupManager as SubscriptionGroupTable, TopicConfigManager as TopicConfigTable } from '@rocketmq-ts/store';
import { brokerDefaults, parseDelayLevels } from './broker-config.ts';
import type { ClientChannel } from './client/client-channel.ts';
import { ConsumerManager } from './client/consumer-manager.ts';
import { ProducerManager } from './client/producer-manager.ts';
import { RebalanceLockManager } from './client/rebalance-lock-manager.ts';
import { SubscriptionGroupManager } from './group/subscription-group-manager.ts';
import { PullRequestHoldService } from './long-poll/pull-request-hold-service.ts';
import { topicNameProblem } from './topic/system-topics.ts';
import { TopicConfigManager } from './topic/topic-config-manager.ts';

let tableDir = '';
before(async () => {
  tableDir = await mkdtemp(join(tmpdir(), 'broker-tables-'));
});
// Tables persist in the background; a write landing during removal would make rmdir fail with ENOTEMPTY.
after(() => rm(tableDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));
let tables = 0;
const topicTable = () => TopicConfigTable.load(join(tableDir, `topics-${tables++}.json`));
const groupTable = () => SubscriptionGroupTable.load(join(tableDir, `groups-${tables++}.json`));

const fakeConnection = (id: number) => ({ id, closed: false }) as unknown as Connection;
const channel = (id: number, clientId: string, at = Date.now()): ClientChannel => ({
  connection: fakeConnection(id),
  clientId,
  language: 'JAVA',
  version: 373,
  lastUpdateTimestamp: at,
});

describe('TopicConfigManager', () => {
  it('creates the system topics and inherits from TBW102 with min(client, template) queues', async () => {
    const changes: string[] = [];
    const table = await topicTable();
    const topics = new TopicConfigManager({ ...brokerDefaults, brokerName: 'broker-a' }, table, (c) => changes.push(`${c.kind} ${c.topic}`));
    const versionBefore = topics.dataVersion.counter;
    assert.equal(topics.get('TBW102')!.perm, PermName.READ | PermName.WRITE | PermName.INHERIT);
    assert.equal(topics.get('SCHEDULE_TOPIC_XXXX')!.readQueueNums, 18);
    assert.equal(topics.get('broker-a')!.readQueueNums, 1);
    const created = topics.createTopicInSendMessageMethod('PayTopic', 'TBW102', 4, 0)!;
    assert.deepEqual([created.readQueueNums, created.writeQueueNums, created.perm], [4, 4, 6]);
    assert.equal(topics.createTopicInSendMessageMethod('Big', 'TBW102', 64, 0)!.writeQueueNums, 8);
    assert.equal(topics.createTopicInSendMessageMethod('X', 'PayTopic', 4, 0), undefined, 'no INHERIT bit, no auto-create');
    assert.deepEqual(changes, ['created PayTopic', 'created Big']);
    assert.equal(topics.dataVersion.counter, versionBefore + 2);
    await table.persist();
    const reloaded = new TopicConfigManager({ ...brokerDefaults, brokerName: 'broker-a' }, await TopicConfigTable.load(table.path));
    assert.equal(reloaded.get('PayTopic')!.writeQueueNums, 4, 'topics.json keeps auto-created topics');
  });

  it('has no TBW102 when auto-create is off, and registers with a read-only permission', async () => {
    const topics = new TopicConfigManager({ ...brokerDefaults, autoCreateTopicEnable: false }, await topicTable());
    assert.equal(topics.get('TBW102'), undefined);
    topics.updateTopicConfig({ topicName: 'T', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
    assert.equal(topics.registrationWrapper(4).topicConfigTable.get('T')!.perm, 4);
  });

  it('validates topic names like TopicValidator', () => {
    assert.equal(topicNameProblem('Pay-Topic_1%|x'), undefined);
    assert.match(topicNameProblem('bad topic')!, /may only contain/);
    assert.match(topicNameProblem('x'.repeat(128))!, /at most 127/);
  });
});

describe('SubscriptionGroupManager', () => {
  it('auto-creates only when allowed, except system groups', async () => {
    let auto = false;
    const groups = new SubscriptionGroupManager(await groupTable(), () => auto);
    assert.equal(groups.findOrCreate('g1'), undefined);
    assert.equal(groups.findOrCreate('CID_RMQ_SYS_TRANS')!.retryMaxTimes, 16);
    auto = true;
    assert.equal(groups.findOrCreate('g1')!.retryQueueNums, 1);
    assert.ok(groups.get('TOOLS_CONSUMER'));
  });
});

describe('ConsumerManager', () => {
  it('notifies the group on a new member or topic change, not on a plain heartbeat', () => {
    const notices: string[] = [];
    const consumers = new ConsumerManager((group, members) => notices.push(`${group}:${members.map((m) => m.clientId).join(',')}`));
    const sub = (topic: string, version = 1) => buildSubscriptionData(topic, '*', 'TAG', version);
    const input = (c: ClientChannel, subs = [sub('T')]) => ({ group: 'g', channel: c, consumeType: 'CONSUME_PASSIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET', subscriptions: subs });
    const a = channel(1, 'A');
    const b = channel(2, 'B');
    assert.equal(consumers.registerConsumer(input(a), true), true);
    assert.equal(consumers.registerConsumer(input(a), true), false);
    assert.equal(consumers.registerConsumer(input(b), true), true);
    assert.equal(consumers.registerConsumer(input(b, [sub('T', 5), sub('U')]), true), true);
    assert.equal(consumers.findSubscription('g', 'T')!.subVersion, 5);
    assert.deepEqual(consumers.clientIds('g'), ['A', 'B']);
    consumers.onConnectionClosed(a.connection, () => true);
    assert.deepEqual(consumers.clientIds('g'), ['B']);
    assert.deepEqual(notices, ['g:A', 'g:A,B', 'g:A,B', 'g:B']);
    assert.deepEqual(consumers.groupsSubscribing('U'), ['g']);
    assert.deepEqual(consumers.expiredConnections(120_000, Date.now() + 121_000), [b.connection]);
  });
});

describe('ProducerManager and RebalanceLockManager', () => {
  it('finds producer channels by group and client id', () => {
    const producers = new ProducerManager();
    producers.registerProducer('pg', channel(1, 'P1'));
    producers.registerProducer('pg', channel(2, 'P2'));
    assert.ok(['P1', 'P2'].includes(producers.availableChannel('pg')!.clientId));
    assert.equal(producers.findByClientId('P2')!.clientId, 'P2');
  });

  it('grants a queue to one client until the lock expires or is released', () => {
    const locks = new RebalanceLockManager(60_000);
    const mq = { topic: 'T', brokerName: 'b', queueId: 0 };
    assert.equal(locks.tryLockBatch('g', [mq], 'A', 0).length, 1);
    assert.equal(locks.tryLockBatch('g', [mq], 'B', 30_000).length, 0);
    assert.equal(locks.tryLockBatch('g', [mq], 'A', 50_000).length, 1, 'renewal');
    assert.equal(locks.tryLockBatch('g', [mq], 'B', 111_000).length, 1, 'expired');
    locks.unlockBatch('g', [mq], 'B');
    assert.equal(locks.isLockedBy('g', mq, 'B', 111_001), false);
  });
});

describe('PullRequestHoldService', () => {
  it('wakes a matching held pull on arrival and answers the rest at the deadline', async () => {
    const service = new PullRequestHoldService(() => 0, 10_000);
    const woken: string[] = [];
    const hold = (name: string, tag: number | undefined, deadline: number) =>
      service.suspend('T', 0, { offset: 5, deadline, matches: (code) => tag === undefined || code === tag, resume: () => woken.push(name) });
    hold('any', undefined, Date.now() + 10_000);
    hold('tagA', 1, Date.now() + 10_000);
    hold('soon', 2, Date.now() + 30);
    service.notifyMessageArriving('T', 0, 5, 1);
    assert.deepEqual(woken, [], 'no new message yet (max offset not beyond the requested one)');
    service.notifyMessageArriving('T', 0, 6, 1);
    assert.deepEqual(woken.sort(), ['any', 'tagA']);
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(woken.sort(), ['any', 'soon', 'tagA']);
    assert.equal(service.heldCount, 0);
    service.stop();
  });
});

describe('config helpers', () => {
  it('parses messageDelayLevel and picks an advertised address', () => {
    assert.deepEqual(parseDelayLevels('1s 5s 1m 2h 1d'), [1000, 5000, 60000, 7200000, 86400000]);
    assert.throws(() => parseDelayLevels('1s 5x'), /5x/);
    const nic = (address: string, internal = false) => ({ address, family: 'IPv4' as const, internal, netmask: '', mac: '', cidr: null });
    assert.equal(pickLocalAddress({ lo: [nic('127.0.0.1', true)], eth0: [nic('192.168.1.5'), nic('10.0.0.5')] }), '10.0.0.5');
    assert.equal(pickLocalAddress({ eth0: [nic('192.168.1.5')] }), '192.168.1.5');
    assert.equal(pickLocalAddress({ lo: [nic('127.0.0.1', true)] }), '127.0.0.1');
  });
});
