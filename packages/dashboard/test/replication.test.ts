/** The console and /metrics show each broker's role and replication lag (a master + its slave). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker, startCluster } from '@rocketmq-ts/server/internal';
import { startDashboard } from '../src/index.ts';

test('cluster page data and /metrics carry roles and replication lag', async (t) => {
  const cluster = await startCluster(t, { brokerRole: 'SYNC_MASTER' });
  const slave = await startBroker(t, cluster.namesrvAddr, { brokerRole: 'SLAVE', brokerId: 1 }, { replication: { reconnectDelayMillis: 200 } });
  const deadline = Date.now() + 15_000;
  while (slave.broker.replicationService!.status().haClientState !== 'TRANSFER' || cluster.broker.replicationService!.status().slaves.length === 0) {
    assert.ok(Date.now() < deadline, 'the slave connects');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const dashboard = await startDashboard({ namesrvAddr: cluster.namesrvAddr, port: 0, host: '127.0.0.1', sampleIntervalMillis: 500 });
  t.after(() => dashboard.close());

  const view = (await (await fetch(`${dashboard.url}/api/cluster`)).json()) as {
    brokers: { brokerId: number; role: string; runtime: { brokerRole: string; replicationLagBytes: number; haClientState?: string } }[];
  };
  const master = view.brokers.find((b) => b.brokerId === 0)!;
  const follower = view.brokers.find((b) => b.brokerId === 1)!;
  assert.equal(master.runtime.brokerRole, 'SYNC_MASTER');
  assert.equal(master.runtime.replicationLagBytes, 0);
  assert.equal(follower.role, 'SLAVE');
  assert.equal(follower.runtime.brokerRole, 'SLAVE');
  assert.equal(follower.runtime.haClientState, 'TRANSFER');
  assert.equal(follower.runtime.replicationLagBytes, 0);

  const metrics = await (await fetch(`${dashboard.url}/metrics`)).text();
  assert.match(metrics, /^# TYPE rocketmq_broker_replication_lag_bytes gauge$/m);
  assert.match(metrics, /^rocketmq_broker_replication_lag_bytes\{[^}]*role="MASTER"[^}]*\} 0$/m);
  assert.match(metrics, /^rocketmq_broker_replication_lag_bytes\{[^}]*role="SLAVE"[^}]*\} 0$/m);
});
