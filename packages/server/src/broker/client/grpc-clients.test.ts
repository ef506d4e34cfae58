/** The v5 client registry: what Heartbeat and Telemetry settings tell, expiry, groups and versions. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MQVersion } from '@rocketmq-ts/protocol';
import { GrpcClientRegistry, versionOrdinal } from './grpc-clients.ts';

it('maps x.y.z to MQVersion ordinals and refuses what names no release', () => {
  assert.equal(versionOrdinal('4.8.0'), MQVersion.V4_8_0);
  assert.equal(versionOrdinal('4.5.2'), MQVersion.V4_5_2);
  assert.equal(versionOrdinal('5.0.8'), 429);
  assert.equal(versionOrdinal('1.0.8'), undefined);
  assert.equal(versionOrdinal('5.0.10'), undefined);
  assert.equal(versionOrdinal(undefined), undefined);
});

it('lists consumers by group and producers by published topic, and drops silent clients', () => {
  const clock = { ms: 1_000_000 };
  const registry = new GrpcClientRegistry(() => 120_000, () => clock.ms);
  registry.touch('c1', { address: '10.0.0.1:5000', clientType: 'SIMPLE_CONSUMER', group: 'g' });
  registry.touch('c1', {
    clientType: 'SIMPLE_CONSUMER',
    group: 'g',
    userAgent: { language: 'GOLANG', version: '5.0.8' },
    subscriptions: [
      { topic: 't1', type: 'TAG', expression: 'a||b' },
      { topic: 't2', type: 'SQL', expression: 'x > 1' },
    ],
  });
  registry.touch('p1', { address: '10.0.0.2:6000', clientType: 'PRODUCER', userAgent: { language: 'NODE_JS', version: '1.0.8' }, publishing: ['t1'] });

  const [consumer] = registry.consumersOf('g');
  assert.deepEqual(GrpcClientRegistry.connectionInfo(consumer!), { clientId: 'c1', clientAddr: '10.0.0.1:5000', language: 'GO', version: 429 });
  assert.equal(GrpcClientRegistry.consumeType([consumer!]), 'CONSUME_ACTIVELY');
  const subs = registry.subscriptionsOf('g');
  assert.deepEqual(subs.get('t1')?.tagsSet, ['a', 'b']);
  assert.equal(subs.get('t2')?.expressionType, 'SQL92');
  assert.equal(subs.get('t2')?.subString, 'x > 1');
  assert.deepEqual([...registry.groupsSubscribing('t2')], ['g']);
  assert.deepEqual([...registry.consumerGroups()], ['g']);

  const [producer] = registry.producersOf('t1');
  assert.deepEqual(GrpcClientRegistry.connectionInfo(producer!), { clientId: 'p1', clientAddr: '10.0.0.2:6000', language: 'NODE_JS', version: MQVersion.CURRENT });
  assert.deepEqual(registry.producersOf('t2'), []);

  clock.ms += 100_000;
  registry.touch('p1', {});
  clock.ms += 30_000;
  assert.deepEqual(registry.consumersOf('g'), [], 'silent for 130 s: gone');
  assert.equal(registry.producersOf('t1').length, 1, 'heard from 30 s ago');
  registry.remove('p1');
  assert.deepEqual(registry.live(), []);
});
