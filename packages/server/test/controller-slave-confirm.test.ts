/**
 * Controller mode with allAckInSyncStateSet: a slave's consumers see a record only once the
 * master's confirm offset covers it (it travels in every HA frame to slaves whose hello asks
 * for it), so a consumer reading from a slave (slaveReadEnable) can never take a record that a
 * failover to another in-sync member would cut. Roles are driven directly, as the controllers'
 * announcements drive them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { MessageToStore } from '@rocketmq-ts/store';
import { testMessage } from '@rocketmq-ts/store/internal';
import { NameServer, startBroker } from '@rocketmq-ts/server/internal';

const TOPIC = 'SlaveConfirm';

const message = (body: string): MessageToStore => testMessage(TOPIC, 0, body, { KEYS: body });

async function until(what: string, check: () => boolean, timeoutMillis = 15_000): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMillis) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

it('a slave holds back what the master has not confirmed, and releases it as soon as the master does', { timeout: 90_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-slave-confirm-'));
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kv.json') } });
  const namesrvAddr = `127.0.0.1:${(await namesrv.start()).port}`;
  t.after(async () => {
    await namesrv.stop();
    await rm(dir, { recursive: true, force: true });
  });
  // A 5 s HA heartbeat: a release must not wait for it.
  const config = { brokerName: 'broker-sc', enableControllerMode: true, controllerAddr: '127.0.0.1:1', allAckInSyncStateSet: true, grpcServerPort: -1, haSendHeartbeatInterval: 5_000 };
  const a = await startBroker(t, namesrvAddr, config);
  const b = await startBroker(t, namesrvAddr, config);
  const c = await startBroker(t, namesrvAddr, config);
  const [master, slaveB, slaveC] = [a, b, c].map((x) => x.broker.messageStore!);
  const visible = (store: typeof master): number => store!.getMaxOffsetInQueue(TOPIC, 0);

  await a.broker.replicationService!.becomeMaster(1, 1, [1]);
  await b.broker.replicationService!.becomeSlave(a.broker.brokerAddr, 1, 2);
  await c.broker.replicationService!.becomeSlave(a.broker.brokerAddr, 1, 3);
  await until('both slaves connected', () => a.broker.replicationService!.status().slaves.length === 2);
  a.broker.replicationService!.setInSyncSet([1, 2, 3]);

  assert.equal((await master!.putMessage(message('m-0'))).status, 'PUT_OK');
  await until('m-0 visible on the master and both slaves', () => visible(master) === 1 && visible(slaveB) === 1 && visible(slaveC) === 1);

  // c stops reading: b has m-1 but may not serve it, as the master may not.
  c.broker.replicationService!.haClient!.pause();
  await sleep(200);
  await master!.putMessage(message('m-1'));
  await until('b to receive m-1', () => slaveB!.commitLog.maxOffset === master!.commitLog.maxOffset);
  await sleep(500);
  assert.equal(visible(master), 1, 'the master holds m-1: c has not acknowledged it');
  assert.equal(visible(slaveB), 1, 'b holds m-1 too: the master has not confirmed it');
  assert.ok(slaveB!.runtimeInfo().dispatchBehindBytes > 0);

  // c acknowledges: the master confirms, and b learns it at once (not at the 5 s heartbeat).
  c.broker.replicationService!.haClient!.resume();
  const millis = await until('m-1 visible on b', () => visible(slaveB) === 2);
  assert.equal(visible(master), 2);
  assert.ok(millis < 2_000, `b released m-1 ${millis} ms after c resumed`);
  await until('m-1 visible on c', () => visible(slaveC) === 2);
});
