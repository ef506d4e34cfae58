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

  it('controller mode: a stale old master (lower stateVersion) cannot take brokerId 0 back from the new master', () => {
    const routes = new RouteInfoManager();
    const versioned = (stateVersion: number | undefined, counter = 1): TopicConfigSerializeWrapper => {
      const w = wrapper(counter, [{ topicName: 'T' }]);
      if (stateVersion !== undefined) w.dataVersion.stateVersion = stateVersion;
      return w;
    };
    const addrs = (): [number, string][] => [...routes.pickupTopicRouteData('T')!.brokerDatas[0]!.brokerAddrs].sort(([a], [b]) => a - b);
    const oldMaster = { ...base, brokerAddr: '10.0.0.1:10911', brokerName: 'broker-a' };
    const newMaster = { ...base, brokerAddr: '10.0.0.2:10911', brokerName: 'broker-a' };
    routes.registerBroker({ ...oldMaster, brokerId: 0, topicConfigWrapper: versioned(1) });
    routes.registerBroker({ ...newMaster, brokerId: 2, topicConfigWrapper: versioned(1) });
    // Epoch 2: 10.0.0.2 is elected and registers as the master at once.
    assert.deepEqual(routes.registerBroker({ ...newMaster, brokerId: 0, topicConfigWrapper: versioned(2, 2) }), {});
    assert.deepEqual(addrs(), [[0, '10.0.0.2:10911']]);
    // The old master, cut off from the controllers, still believes it is master (epoch 1).
    const stale = routes.registerBroker({ ...oldMaster, brokerId: 0, topicConfigWrapper: versioned(1) });
    assert.match(stale.ignored ?? '', /held by 10\.0\.0\.2:10911 with stateVersion 2 > 1/);
    assert.deepEqual(addrs(), [[0, '10.0.0.2:10911']], 'routes do not flip back');
    assert.equal(routes.queryDataVersion('10.0.0.1:10911', versioned(1).dataVersion).known, undefined, 'the stale broker is not live');
    // Healed: it follows the new master (epoch 2) and registers under its own id.
    assert.deepEqual(routes.registerBroker({ ...oldMaster, brokerId: 1, topicConfigWrapper: versioned(2) }), { masterAddr: '10.0.0.2:10911', haServerAddr: base.haServerAddr });
    assert.deepEqual(addrs(), [[0, '10.0.0.2:10911'], [1, '10.0.0.1:10911']]);
    // Equal state versions (4.x brokers send none): the latest registration wins, as before.
    routes.registerBroker({ ...oldMaster, brokerId: 0, topicConfigWrapper: versioned(undefined) });
    routes.registerBroker({ ...newMaster, brokerId: 0, topicConfigWrapper: versioned(2, 3) });
    routes.registerBroker({ ...oldMaster, brokerId: 0, topicConfigWrapper: versioned(2, 3) });
    assert.deepEqual(addrs(), [[0, '10.0.0.1:10911']]);
  });

  it('a new stateVersion alone counts as a topic change (a role change re-reads the topics of the master)', () => {
    const routes = new RouteInfoManager();
    const first = wrapper(1, [{ topicName: 'T' }]);
    routes.registerBroker({ ...base, brokerAddr: 'a:1', brokerName: 'b', brokerId: 0, topicConfigWrapper: first });
    assert.equal(routes.isBrokerTopicConfigChanged('a:1', { ...first.dataVersion }), false);
    assert.equal(routes.isBrokerTopicConfigChanged('a:1', { ...first.dataVersion, stateVersion: 0 }), false);
    assert.equal(routes.isBrokerTopicConfigChanged('a:1', { ...first.dataVersion, stateVersion: 3 }), true);
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
