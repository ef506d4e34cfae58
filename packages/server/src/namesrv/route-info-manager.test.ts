import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TopicConfig, TopicConfigSerializeWrapper } from '@rocketmq-ts/protocol';
import { RouteInfoManager } from './route-info-manager.ts';

function wrapper(counter: number, topics: Partial<TopicConfig>[]): TopicConfigSerializeWrapper {
  return {
    dataVersion: { counter, timestamp: 1700000000000 },
    topicConfigTable: new Map(
      topics.map((t) => [
        t.topicName!,
        { readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false, ...t } as TopicConfig,
      ]),
    ),
  };
}

const base = { clusterName: 'DefaultCluster', haServerAddr: '10.0.0.1:10912', filterServerList: [] };

describe('RouteInfoManager', () => {
  it('routes a topic across brokers, masters only for queue data', () => {
    const routes = new RouteInfoManager();
    routes.registerBroker({ ...base, brokerAddr: '10.0.0.1:10911', brokerName: 'broker-a', brokerId: 0, topicConfigWrapper: wrapper(1, [{ topicName: 'T' }]) });
    routes.registerBroker({ ...base, brokerAddr: '10.0.0.2:10911', brokerName: 'broker-b', brokerId: 0, topicConfigWrapper: wrapper(1, [{ topicName: 'T', writeQueueNums: 8 }]) });
    const slave = routes.registerBroker({
      ...base,
      haServerAddr: '10.0.0.3:10912',
      brokerAddr: '10.0.0.3:10911',
      brokerName: 'broker-a',
      brokerId: 1,
      topicConfigWrapper: wrapper(1, [{ topicName: 'OnlyOnSlave' }]),
    });
    assert.deepEqual(slave, { masterAddr: '10.0.0.1:10911', haServerAddr: '10.0.0.1:10912' });
    const route = routes.pickupTopicRouteData('T')!;
    assert.deepEqual(route.queueDatas.map((q) => [q.brokerName, q.writeQueueNums]), [['broker-a', 4], ['broker-b', 8]]);
    assert.deepEqual([...route.brokerDatas[0]!.brokerAddrs], [[0, '10.0.0.1:10911'], [1, '10.0.0.3:10911']]);
    assert.equal(routes.pickupTopicRouteData('OnlyOnSlave'), undefined);
    assert.equal(routes.pickupTopicRouteData('Nope'), undefined);
  });

  it('takes topic updates only when the data version changes', () => {
    const routes = new RouteInfoManager();
    routes.registerBroker({ ...base, brokerAddr: 'a:1', brokerName: 'b', brokerId: 0, topicConfigWrapper: wrapper(1, [{ topicName: 'T' }]) });
    routes.registerBroker({ ...base, brokerAddr: 'a:1', brokerName: 'b', brokerId: 0, topicConfigWrapper: wrapper(1, [{ topicName: 'T', writeQueueNums: 2 }]) });
    assert.equal(routes.pickupTopicRouteData('T')!.queueDatas[0]!.writeQueueNums, 4);
    routes.registerBroker({ ...base, brokerAddr: 'a:1', brokerName: 'b', brokerId: 0, topicConfigWrapper: wrapper(2, [{ topicName: 'T', writeQueueNums: 2 }]) });
    assert.equal(routes.pickupTopicRouteData('T')!.queueDatas[0]!.writeQueueNums, 2);
  });

  it('drops silent brokers, and their topics and cluster with the last address', () => {
    const routes = new RouteInfoManager();
    const channel = {};
    routes.registerBroker({ ...base, brokerAddr: 'a:1', brokerName: 'b', brokerId: 0, topicConfigWrapper: wrapper(1, [{ topicName: 'T' }]), now: 0, channel });
    assert.deepEqual(routes.scanNotActiveBroker(120_000, 100_000), []);
    const removed = routes.scanNotActiveBroker(120_000, 130_000);
    assert.equal(removed.length, 1);
    assert.match(removed[0]!.reason, /no registration for 130 s/);
    assert.equal(routes.pickupTopicRouteData('T'), undefined);
    assert.equal(routes.clusterInfo().clusterAddrTable.size, 0);

    routes.registerBroker({ ...base, brokerAddr: 'a:1', brokerName: 'b', brokerId: 0, topicConfigWrapper: wrapper(1, [{ topicName: 'T' }]), channel });
    assert.equal(routes.onChannelClosed(channel).length, 1);
    assert.equal(routes.liveBrokerCount, 0);
  });

  it('wipes and restores write permission, lists topics by cluster and unit flags', () => {
    const routes = new RouteInfoManager();
    routes.registerBroker({ ...base, brokerAddr: 'a:1', brokerName: 'b', brokerId: 0, topicConfigWrapper: wrapper(1, [{ topicName: 'T' }, { topicName: 'U', topicSysFlag: 1 }]) });
    assert.equal(routes.updateWritePermOfBroker('b', false), 2);
    assert.equal(routes.pickupTopicRouteData('T')!.queueDatas[0]!.perm, 4);
    routes.updateWritePermOfBroker('b', true);
    assert.equal(routes.pickupTopicRouteData('T')!.queueDatas[0]!.perm, 6);
    assert.deepEqual(routes.topicsByCluster('DefaultCluster').sort(), ['T', 'U']);
    assert.deepEqual(routes.topicsWithSysFlag(RouteInfoManager.isUnit), ['U']);
    assert.deepEqual(routes.systemTopics(), { topics: ['DefaultCluster', 'b'], brokerAddr: 'a:1' });
  });
});
