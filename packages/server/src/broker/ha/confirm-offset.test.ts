/**
 * Controller mode, on a master with allAckInSyncStateSet: consumers see a record only once
 * every member of the confirmed in-sync set has it (Apache's confirmOffset), so a failover to
 * any member never cuts a record somebody consumed. A real master store and HA server, and a
 * real slave store following it over the HA port.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { RemotingClient } from '@rocketmq-ts/protocol';
import { MessageStore, type MessageToStore } from '@rocketmq-ts/store';
import { silentServerLogger } from '../../common/logger.ts';
import { freeBrokerPort } from '../../testing/start-cluster.ts';
import { brokerDefaults, type BrokerConfig } from '../broker-config.ts';
import { HaClient } from './ha-client.ts';
import { Replication } from './replication.ts';
import type { SyncTargets } from './slave-synchronize.ts';
import { testMessage } from '@rocketmq-ts/store/internal';

const TOPIC = 'ConfirmWired';

const message = (body: string): MessageToStore => testMessage(TOPIC, 0, body, { KEYS: body });

async function until(what: string, check: () => boolean, timeoutMillis = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function store(t: TestContext, name: string): Promise<{ store: MessageStore; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), `rmq-confirm-${name}-`));
  const opened = await MessageStore.open({ storePathRootDir: dir, mappedFileSizeCommitLog: 1024 * 1024 });
  t.after(async () => {
    await opened.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { store: opened, dir };
}

it('a master under allAckInSyncStateSet dispatches only what every in-sync member acknowledged', { timeout: 60_000 }, async (t) => {
  const { store: masterStore, dir: masterDir } = await store(t, 'master');
  const { store: slaveStore } = await store(t, 'slave');
  const listenPort = await freeBrokerPort();
  const config: BrokerConfig = {
    ...brokerDefaults,
    brokerName: 'broker-confirm',
    enableControllerMode: true,
    controllerAddr: '127.0.0.1:1',
    allAckInSyncStateSet: true,
    listenPort,
    haListenPort: listenPort + 1,
    bindAddress: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    storePathRootDir: masterDir,
  };
  const remoting = new RemotingClient();
  const logger = silentServerLogger();
  const replication = new Replication(config, masterStore, remoting, {} as SyncTargets, logger);
  t.after(async () => {
    await replication.stop();
    await remoting.close();
  });
  await replication.start({ masterServices: () => Promise.resolve(), proposeInSyncSet: () => undefined, registerNow: () => undefined });
  await replication.becomeMaster(1, 1, [1]);

  // Alone in the set: visible at once.
  assert.equal((await masterStore.putMessage(message('m-0'))).status, 'PUT_OK');
  assert.equal(masterStore.getMaxOffsetInQueue(TOPIC, 0), 1);

  const slave = new HaClient(slaveStore.replicaSink(), { heartbeatIntervalMillis: 200, housekeepingIntervalMillis: 20_000, transferBatchSize: 32 * 1024, reconnectDelayMillis: 100, helloBrokerId: 2 }, logger);
  t.after(() => slave.stop());
  slave.start();
  slave.updateMasterAddress(`127.0.0.1:${listenPort + 1}`);
  await until('the slave to catch up', () => slaveStore.commitLog.maxOffset === masterStore.commitLog.maxOffset);
  replication.setInSyncSet([1, 2]);

  // The slave acknowledges: visible once it has it.
  await masterStore.putMessage(message('m-1'));
  await until('m-1 acknowledged and visible', () => masterStore.getMaxOffsetInQueue(TOPIC, 0) === 2);

  // The slave stops reading: written, not visible.
  slave.pause();
  await sleep(300);
  await masterStore.putMessage(message('m-2'));
  await sleep(500);
  assert.equal(masterStore.getMaxOffsetInQueue(TOPIC, 0), 2, 'not acknowledged by the in-sync slave: held back');
  assert.ok(masterStore.runtimeInfo().dispatchBehindBytes > 0);
  assert.ok(replication.confirmOffset < masterStore.commitLog.maxOffset, 'the confirm offset (heartbeats, runtime info) stops before m-2');
  assert.equal(replication.status().controller?.confirmOffset, replication.confirmOffset);
  slave.resume();
  await until('m-2 visible after the slave acknowledged it', () => masterStore.getMaxOffsetInQueue(TOPIC, 0) === 3);

  // The slave goes away: held until the controller confirms a set without it.
  await slave.stop();
  await sleep(300);
  await masterStore.putMessage(message('m-3'));
  await sleep(500);
  assert.equal(masterStore.getMaxOffsetInQueue(TOPIC, 0), 3, 'a disconnected member still in the set holds the confirm offset');
  replication.setInSyncSet([1]);
  assert.equal(masterStore.getMaxOffsetInQueue(TOPIC, 0), 4, 'alone again: released');
  assert.equal(replication.confirmOffset, masterStore.commitLog.maxOffset);
});
