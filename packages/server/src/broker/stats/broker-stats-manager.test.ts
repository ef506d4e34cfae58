/** Apache's stats-item sampling with an injected clock: windows, first sample, keys, consumeTps. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokerStatsManager } from './broker-stats-manager.ts';
import { StoreStatsSampler } from './store-stats-sampler.ts';

describe('BrokerStatsManager', () => {
  it('a new key reports at once against a zero sample one period back, then per 10 s window', () => {
    let now = 1_000_000;
    const stats = new BrokerStatsManager({ clusterName: 'C', clock: () => now });
    stats.onPut('T', 1, 100);
    // Sampled on creation: (now-10s, 0, 0) and (now, 1 call, 1 message).
    assert.deepEqual(stats.item('TOPIC_PUT_NUMS', 'T')!.inMinute(), { sum: 1, tps: 0.1, avgpt: 1 });
    assert.deepEqual(stats.item('TOPIC_PUT_SIZE', 'T')!.inMinute(), { sum: 100, tps: 10, avgpt: 100 });
    for (let i = 0; i < 9; i++) stats.onPut('T', 2, 200);
    now += 10_000;
    stats.sample('minute');
    // 19 messages in 9 + 1 calls over 20 s.
    assert.deepEqual(stats.item('TOPIC_PUT_NUMS', 'T')!.inMinute(), { sum: 19, tps: 0.95, avgpt: 1.9 });
    // BROKER_PUT_NUMS counts messages only, as Apache (avgpt stays 0), keyed by the cluster.
    assert.deepEqual(stats.item('BROKER_PUT_NUMS', 'C')!.inMinute(), { sum: 19, tps: 0.95, avgpt: 0 });
    // The minute window keeps 7 samples: after 7 more rounds the first ones fall out.
    for (let i = 0; i < 7; i++) {
      now += 10_000;
      stats.sample('minute');
    }
    assert.deepEqual(stats.item('TOPIC_PUT_NUMS', 'T')!.inMinute(), { sum: 0, tps: 0, avgpt: 0 });
    // The hour window only saw its creation sample.
    assert.deepEqual(stats.item('TOPIC_PUT_NUMS', 'T')!.inHour(), { sum: 1, tps: 1 / 600, avgpt: 1 });
  });

  it('gets are keyed topic@group; consumeTps is the group pull rate over the last minute', () => {
    let now = 0;
    const stats = new BrokerStatsManager({ clusterName: 'C', clock: () => now });
    stats.onGet('G', 'T', 0, 32, 3200, 5);
    now += 10_000;
    stats.onGet('G', 'T', 1, 8, 800, 7);
    stats.sample('minute');
    assert.equal(stats.item('GROUP_GET_NUMS', 'T@G')!.inMinute().sum, 40);
    assert.equal(stats.tpsGroupGetNums('G', 'T'), 2);
    assert.equal(stats.tpsGroupGetNums('G', 'other'), 0);
    assert.equal(stats.item('GROUP_GET_LATENCY', '1@T@G')!.inMinute().sum, 7);
    assert.equal(stats.item('BROKER_GET_NUMS', 'C')!.inMinute().sum, 40);
    assert.equal(stats.item('NO_SUCH_STAT', 'T'), undefined);
    assert.equal(stats.item('GROUP_GET_NUMS', 'T@nobody'), undefined);
  });
});

describe('StoreStatsSampler', () => {
  it('putTps and friends: rates over 10, 60 and 600 one-second samples, empty until there are enough', () => {
    let now = 0;
    const counters = { put: 0, getFound: 0, getMiss: 0, getTransfered: 0 };
    const sampler = new StoreStatsSampler(() => ({ ...counters }), () => now);
    sampler.sample();
    assert.equal(sampler.figures().putTps, '  ');
    for (let i = 0; i < 60; i++) {
      now += 1000;
      counters.put += 5;
      counters.getFound += 1;
      counters.getMiss += 1;
      counters.getTransfered += 4;
      sampler.sample();
    }
    const figures = sampler.figures();
    assert.equal(figures.putTps, '5.0 5.0 ');
    assert.equal(figures.getTotalTps, '2.0 2.0 ');
    assert.equal(figures.getTransferedTps, '4.0 4.0 ');
  });
});
