/**
 * The config managers read what Apache RocketMQ 4.8 writes and write it back byte for byte.
 * The texts below were printed by the 4.8.0 classes themselves (TopicConfigSerializeWrapper,
 * SubscriptionGroupWrapper, broker ConsumerOffsetManager, store DelayOffsetSerializeWrapper;
 * fastjson 1.2.69, pretty format) for tables filled in this order:
 *   topics  TopicTest, %RETRY%please_rename_unique_group_name_4, TBW102, SELF_TEST_TOPIC, rmq_sys_TRACE|x
 *   groups  TOOLS_CONSUMER, please_rename_unique_group_name_4, CID_ONSAPI_OWNER
 * OFFSETS_FRESH is a broker that never restarted (ConcurrentHashMap(512)); OFFSETS the same
 * table after a restart (the map fastjson built), which is the order we write.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type TestContext, describe, it } from 'node:test';
import { configFilePaths } from './config-manager.ts';
import { ConsumerOffsetManager } from './consumer-offset-manager.ts';
import { DelayOffsetManager } from './delay-offset-manager.ts';
import { ConfigShapeError } from './errors.ts';
import { newSubscriptionGroupConfig, newTopicConfig } from '@rocketmq-ts/protocol';
import { SubscriptionGroupManager } from './subscription-group-manager.ts';
import { TopicConfigManager } from './topic-config-manager.ts';

const TOPICS =
  '{\n' +
  '\t"dataVersion":{\n' +
  '\t\t"counter":3,\n' +
  '\t\t"timestamp":1700000000000\n' +
  '\t},\n' +
  '\t"topicConfigTable":{\n' +
  '\t\t"TopicTest":{\n' +
  '\t\t\t"order":true,\n' +
  '\t\t\t"perm":6,\n' +
  '\t\t\t"readQueueNums":4,\n' +
  '\t\t\t"topicFilterType":"MULTI_TAG",\n' +
  '\t\t\t"topicName":"TopicTest",\n' +
  '\t\t\t"topicSysFlag":0,\n' +
  '\t\t\t"writeQueueNums":4\n' +
  '\t\t},\n' +
  '\t\t"SELF_TEST_TOPIC":{\n' +
  '\t\t\t"order":false,\n' +
  '\t\t\t"perm":6,\n' +
  '\t\t\t"readQueueNums":4,\n' +
  '\t\t\t"topicFilterType":"SINGLE_TAG",\n' +
  '\t\t\t"topicName":"SELF_TEST_TOPIC",\n' +
  '\t\t\t"topicSysFlag":0,\n' +
  '\t\t\t"writeQueueNums":4\n' +
  '\t\t},\n' +
  '\t\t"TBW102":{\n' +
  '\t\t\t"order":false,\n' +
  '\t\t\t"perm":7,\n' +
  '\t\t\t"readQueueNums":8,\n' +
  '\t\t\t"topicFilterType":"SINGLE_TAG",\n' +
  '\t\t\t"topicName":"TBW102",\n' +
  '\t\t\t"topicSysFlag":0,\n' +
  '\t\t\t"writeQueueNums":8\n' +
  '\t\t},\n' +
  '\t\t"rmq_sys_TRACE|x":{\n' +
  '\t\t\t"order":false,\n' +
  '\t\t\t"perm":6,\n' +
  '\t\t\t"readQueueNums":4,\n' +
  '\t\t\t"topicFilterType":"SINGLE_TAG",\n' +
  '\t\t\t"topicName":"rmq_sys_TRACE|x",\n' +
  '\t\t\t"topicSysFlag":0,\n' +
  '\t\t\t"writeQueueNums":4\n' +
  '\t\t},\n' +
  '\t\t"%RETRY%please_rename_unique_group_name_4":{\n' +
  '\t\t\t"order":false,\n' +
  '\t\t\t"perm":6,\n' +
  '\t\t\t"readQueueNums":4,\n' +
  '\t\t\t"topicFilterType":"SINGLE_TAG",\n' +
  '\t\t\t"topicName":"%RETRY%please_rename_unique_group_name_4",\n' +
  '\t\t\t"topicSysFlag":0,\n' +
  '\t\t\t"writeQueueNums":4\n' +
  '\t\t}\n' +
  '\t}\n' +
  '}';

const SUBSCRIPTION_GROUPS =
  '{\n' +
  '\t"dataVersion":{\n' +
  '\t\t"counter":3,\n' +
  '\t\t"timestamp":1700000000000\n' +
  '\t},\n' +
  '\t"subscriptionGroupTable":{\n' +
  '\t\t"please_rename_unique_group_name_4":{\n' +
  '\t\t\t"brokerId":0,\n' +
  '\t\t\t"consumeBroadcastEnable":true,\n' +
  '\t\t\t"consumeEnable":true,\n' +
  '\t\t\t"consumeFromMinEnable":true,\n' +
  '\t\t\t"groupName":"please_rename_unique_group_name_4",\n' +
  '\t\t\t"notifyConsumerIdsChangedEnable":true,\n' +
  '\t\t\t"retryMaxTimes":16,\n' +
  '\t\t\t"retryQueueNums":1,\n' +
  '\t\t\t"whichBrokerWhenConsumeSlowly":1\n' +
  '\t\t},\n' +
  '\t\t"CID_ONSAPI_OWNER":{\n' +
  '\t\t\t"brokerId":0,\n' +
  '\t\t\t"consumeBroadcastEnable":false,\n' +
  '\t\t\t"consumeEnable":true,\n' +
  '\t\t\t"consumeFromMinEnable":true,\n' +
  '\t\t\t"groupName":"CID_ONSAPI_OWNER",\n' +
  '\t\t\t"notifyConsumerIdsChangedEnable":true,\n' +
  '\t\t\t"retryMaxTimes":3,\n' +
  '\t\t\t"retryQueueNums":1,\n' +
  '\t\t\t"whichBrokerWhenConsumeSlowly":1\n' +
  '\t\t},\n' +
  '\t\t"TOOLS_CONSUMER":{\n' +
  '\t\t\t"brokerId":0,\n' +
  '\t\t\t"consumeBroadcastEnable":true,\n' +
  '\t\t\t"consumeEnable":true,\n' +
  '\t\t\t"consumeFromMinEnable":true,\n' +
  '\t\t\t"groupName":"TOOLS_CONSUMER",\n' +
  '\t\t\t"notifyConsumerIdsChangedEnable":true,\n' +
  '\t\t\t"retryMaxTimes":16,\n' +
  '\t\t\t"retryQueueNums":1,\n' +
  '\t\t\t"whichBrokerWhenConsumeSlowly":1\n' +
  '\t\t}\n' +
  '\t}\n' +
  '}';

const OFFSETS_FRESH =
  '{\n' +
  '\t"offsetTable":{\n' +
  '\t\t"TopicTest@please_rename_unique_group_name_4":{0:10,1:20,3:250\n' +
  '\t\t},\n' +
  '\t\t"RMQ_SYS_TRANS_HALF_TOPIC@CID_RMQ_SYS_TRANS":{0:7\n' +
  '\t\t},\n' +
  '\t\t"TopicTest@G2":{12:5\n' +
  '\t\t},\n' +
  '\t\t"%RETRY%please_rename_unique_group_name_4@please_rename_unique_group_name_4":{0:0\n' +
  '\t\t}\n' +
  '\t}\n' +
  '}';

const OFFSETS =
  '{\n' +
  '\t"offsetTable":{\n' +
  '\t\t"TopicTest@G2":{12:5\n' +
  '\t\t},\n' +
  '\t\t"TopicTest@please_rename_unique_group_name_4":{0:10,1:20,3:250\n' +
  '\t\t},\n' +
  '\t\t"RMQ_SYS_TRANS_HALF_TOPIC@CID_RMQ_SYS_TRANS":{0:7\n' +
  '\t\t},\n' +
  '\t\t"%RETRY%please_rename_unique_group_name_4@please_rename_unique_group_name_4":{0:0\n' +
  '\t\t}\n' +
  '\t}\n' +
  '}';

const OFFSETS_COMPACT =
  '{"offsetTable":{"TopicTest@G2":{12:5},"TopicTest@please_rename_unique_group_name_4":{0:10,1:20,3:250},"RMQ_SYS_TRANS_HALF_TOPIC@CID_RMQ_SYS_TRANS":{0:7},"%RETRY%please_rename_unique_group_name_4@please_rename_unique_group_name_4":{0:0}}}';

const DELAY_OFFSETS =
  '{\n' +
  '\t"offsetTable":{1:0,2:5,3:17,18:1234567890123\n' +
  '\t}\n' +
  '}';

const EMPTY_OFFSETS =
  '{\n' +
  '\t"offsetTable":{}\n' +
  '}';

async function tempRoot(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'metadata-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const now = (): number => 1_700_000_000_000;

describe('topics.json', () => {
  it('reads Apache’s file and writes it back identically', async (t) => {
    const { topics } = configFilePaths(await tempRoot(t));
    await mkdir(dirname(topics), { recursive: true });
    await writeFile(topics, TOPICS);
    const manager = await TopicConfigManager.load(topics, { now });
    assert.equal(manager.loadedFrom, 'file');
    assert.deepEqual(manager.dataVersion, { counter: 3, timestamp: 1_700_000_000_000 });
    assert.deepEqual(manager.get('TopicTest'), { ...newTopicConfig('TopicTest', { readQueueNums: 4, writeQueueNums: 4 }), order: true, topicFilterType: 'MULTI_TAG' });
    assert.equal(manager.get('rmq_sys_TRACE|x')?.perm, 6);
    assert.equal(manager.encode(true), TOPICS);
    await manager.persist();
    assert.equal(await readFile(topics, 'utf8'), TOPICS);
  });

  it('a table built here comes out in the Java map’s order', async (t) => {
    const { topics } = configFilePaths(await tempRoot(t));
    const manager = await TopicConfigManager.load(topics, { now, persistDelayMillis: 1 });
    t.after(() => manager.close());
    assert.equal(manager.loadedFrom, undefined);
    assert.deepEqual(manager.dataVersion, { counter: 0, timestamp: now() });
    manager.set(newTopicConfig('TopicTest', { readQueueNums: 4, writeQueueNums: 4, order: true, topicFilterType: 'MULTI_TAG' }));
    manager.set(newTopicConfig('%RETRY%please_rename_unique_group_name_4', { readQueueNums: 4, writeQueueNums: 4 }));
    manager.set(newTopicConfig('TBW102', { readQueueNums: 8, writeQueueNums: 8, perm: 7 }));
    manager.set(newTopicConfig('SELF_TEST_TOPIC', { readQueueNums: 4, writeQueueNums: 4 }));
    manager.set(newTopicConfig('rmq_sys_TRACE|x', { readQueueNums: 4, writeQueueNums: 4 }));
    manager.set(newTopicConfig('Gone'));
    assert.equal(manager.delete('Gone'), true);
    assert.equal(manager.delete('Gone'), false);
    assert.equal(manager.dataVersion.counter, 7);
    assert.equal(manager.encode(true), TOPICS.replace('"counter":3', '"counter":7'));
    await manager.close();
    assert.equal(await readFile(topics, 'utf8'), TOPICS.replace('"counter":3', '"counter":7'), 'the scheduled write happened');
  });

  it('reads leniently: missing fields take defaults, numbers may be strings, unknown fields are dropped', async (t) => {
    const { topics } = configFilePaths(await tempRoot(t));
    const manager = await TopicConfigManager.load(topics, { now });
    manager.decode('{"topicConfigTable":{"A":{"perm":"7","attributes":{},"order":"true"},"B":{}},"dataVersion":{"counter":9,"timestamp":5,"stateVersion":0}}');
    assert.deepEqual(manager.get('A'), newTopicConfig('A', { perm: 7, order: true }));
    assert.deepEqual(manager.get('B'), newTopicConfig('B'));
    assert.deepEqual(manager.dataVersion, { counter: 9, timestamp: 5 });
    assert.throws(() => manager.decode('{"topicConfigTable":{"A":{"perm":"x"}}}'), ConfigShapeError);
    assert.deepEqual(manager.names(), ['A', 'B'], 'a failed decode changes nothing');
  });
});

describe('subscriptionGroup.json', () => {
  it('reads Apache’s file and writes it back identically; new groups get Java’s defaults', async (t) => {
    const { subscriptionGroup } = configFilePaths(await tempRoot(t));
    const manager = await SubscriptionGroupManager.load(subscriptionGroup, { now });
    manager.decode(SUBSCRIPTION_GROUPS);
    assert.equal(manager.encode(true), SUBSCRIPTION_GROUPS);
    assert.deepEqual(manager.get('CID_ONSAPI_OWNER'), newSubscriptionGroupConfig('CID_ONSAPI_OWNER', { consumeBroadcastEnable: false, retryMaxTimes: 3 }));

    const built = await SubscriptionGroupManager.load(join(dirname(subscriptionGroup), 'other.json'), { now });
    built.set(newSubscriptionGroupConfig('TOOLS_CONSUMER'));
    built.set(newSubscriptionGroupConfig('please_rename_unique_group_name_4'));
    built.set(newSubscriptionGroupConfig('CID_ONSAPI_OWNER', { consumeBroadcastEnable: false, retryMaxTimes: 3 }));
    await built.close();
    assert.equal(built.encode(true), SUBSCRIPTION_GROUPS);
  });
});

describe('consumerOffset.json', () => {
  it('reads Apache’s file (either order) and writes the restarted-broker order with bare queue ids', async (t) => {
    const { consumerOffset } = configFilePaths(await tempRoot(t));
    const manager = await ConsumerOffsetManager.load(consumerOffset);
    manager.decode(OFFSETS_FRESH);
    assert.equal(manager.encode(true), OFFSETS);
    manager.decode(OFFSETS);
    assert.equal(manager.encode(true), OFFSETS);
    assert.equal(manager.encode(), OFFSETS_COMPACT);
    assert.equal(manager.queryOffset('please_rename_unique_group_name_4', 'TopicTest', 3), 250);
    assert.equal(manager.queryOffset('please_rename_unique_group_name_4', 'TopicTest', 2), -1);
    assert.equal(manager.queryOffset('G2', '%RETRY%G2', 0), -1);
  });

  it('commits, queries and deletes offsets; persists on demand', async (t) => {
    const { consumerOffset } = configFilePaths(await tempRoot(t));
    const manager = await ConsumerOffsetManager.load(consumerOffset);
    manager.commitOffset('please_rename_unique_group_name_4', 'TopicTest', 3, 250);
    manager.commitOffset('please_rename_unique_group_name_4', 'TopicTest', 0, 10);
    manager.commitOffset('please_rename_unique_group_name_4', 'TopicTest', 1, 20);
    manager.commitOffset('please_rename_unique_group_name_4', '%RETRY%please_rename_unique_group_name_4', 0, 0);
    manager.commitOffset('CID_RMQ_SYS_TRANS', 'RMQ_SYS_TRANS_HALF_TOPIC', 0, 7);
    manager.commitOffset('G2', 'TopicTest', 12, 5);
    await manager.persist();
    assert.equal(await readFile(consumerOffset, 'utf8'), OFFSETS);
    const reloaded = await ConsumerOffsetManager.load(consumerOffset);
    assert.deepEqual([...reloaded.entries()].map((e) => `${e.topic}@${e.group}`), [...manager.entries()].map((e) => `${e.topic}@${e.group}`).sort((a, b) => OFFSETS.indexOf(a) - OFFSETS.indexOf(b)));
    assert.deepEqual(reloaded.topicsOfGroup('please_rename_unique_group_name_4').sort(), ['%RETRY%please_rename_unique_group_name_4', 'TopicTest']);
    assert.deepEqual(reloaded.groupsOfTopic('TopicTest').sort(), ['G2', 'please_rename_unique_group_name_4']);
    assert.equal(reloaded.takeDirty(), false, 'nothing changed since loading');
    reloaded.commitOffset('G2', 'TopicTest', 12, 6);
    assert.equal(reloaded.takeDirty(), true);
    assert.equal(reloaded.deleteTopic('TopicTest'), 2);
    assert.equal(reloaded.deleteGroup('CID_RMQ_SYS_TRANS'), 1);
    assert.equal(reloaded.deleteOffsets('%RETRY%please_rename_unique_group_name_4', 'please_rename_unique_group_name_4'), true);
    assert.equal(reloaded.encode(true), EMPTY_OFFSETS);
    assert.throws(() => reloaded.decode('{"offsetTable":{"no-separator":{0:1}}}'), ConfigShapeError);
    reloaded.takeDirty();
    reloaded.decode('{"offsetTable":{"T@G":{"0":"5"}}}');
    assert.equal(reloaded.takeDirty(), true, 'a table copied from the master must be written');
    assert.equal(reloaded.queryOffset('G', 'T', 0), 5, 'quoted keys and string numbers are accepted');
  });
});

describe('delayOffset.json', () => {
  it('reads and writes the bare level keys in Java’s order', async (t) => {
    const { delayOffset } = configFilePaths(await tempRoot(t));
    const manager = await DelayOffsetManager.load(delayOffset);
    manager.set(3, 17);
    manager.set(1, 0);
    manager.set(2, 5);
    manager.set(18, 1_234_567_890_123);
    assert.equal(manager.encode(true), DELAY_OFFSETS);
    await manager.persist();
    const reloaded = await DelayOffsetManager.load(delayOffset);
    assert.equal(reloaded.get(18), 1_234_567_890_123);
    assert.equal(reloaded.get(4), undefined);
    assert.equal(reloaded.encode(true), DELAY_OFFSETS);
    assert.equal(reloaded.encode(), '{"offsetTable":{1:0,2:5,3:17,18:1234567890123}}');
  });
});
