/**
 * Controller mode, split brain at the name server: our brokers register with the master epoch
 * as the DataVersion's stateVersion, and the name server keeps brokerId 0 for the newest master
 * (Apache 5.x RouteInfoManager.registerBroker). A stale old master that still believes it is
 * master (cut off from the controllers, not from the name server) re-registers as brokerId 0
 * and is ignored; when it follows the new master it cuts what it wrote in its old epoch and
 * registers under its own id. Roles are driven here the way the controller's announcements
 * drive them (Replication.becomeMaster / becomeSlave); the controllers themselves are in
 * interop/test/failover.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createRequest, decodeClusterInfo, encodeProperties, RemotingClient, RequestCode } from '@rocketmq-ts/protocol';
import { NameServer, startBroker } from '@rocketmq-ts/server/internal';

const BROKER_NAME = 'broker-sv';

async function until(what: string, check: () => Promise<boolean>, timeoutMillis = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('a stale master (older epoch) does not take brokerId 0 back at the name server, then follows and truncates', { timeout: 90_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-state-version-'));
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kv.json') } });
  const namesrvAddr = `127.0.0.1:${(await namesrv.start()).port}`;
  const client = new RemotingClient();
  t.after(async () => {
    await client.close();
    await namesrv.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const routeAddrs = async (): Promise<Record<number, string>> => {
    const response = await client.invoke(namesrvAddr, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 3_000);
    const addrs = decodeClusterInfo(response.body).brokerAddrTable.get(BROKER_NAME)?.brokerAddrs ?? new Map<number, string>();
    return Object.fromEntries(addrs);
  };
  // No controller answers here: the roles below are driven directly.
  const config = { brokerName: BROKER_NAME, enableControllerMode: true, controllerAddr: '127.0.0.1:1', allAckInSyncStateSet: true, grpcServerPort: -1 };
  const a = await startBroker(t, namesrvAddr, config);
  const b = await startBroker(t, namesrvAddr, config);
  const ra = a.broker.replicationService!;
  const rb = b.broker.replicationService!;

  // Epoch 1: a is master and writes records b never receives (it is partitioned away from b).
  await ra.becomeMaster(1, 1, [1]);
  await until('a as brokerId 0', async () => (await routeAddrs())[0] === a.broker.brokerAddr);
  const storeA = a.broker.messageStore!;
  for (let i = 0; i < 3; i++) {
    const put = await storeA.putMessage({
      topic: 'SplitT',
      queueId: 0,
      flag: 0,
      body: Buffer.from(`epoch-1-${i}`),
      propertiesText: encodeProperties({}),
      sysFlag: 0,
      bornTimestamp: Date.now(),
      bornHost: { address: '127.0.0.1', port: 1 },
      storeHost: { address: '127.0.0.1', port: 1 },
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
    });
    assert.equal(put.status, 'PUT_OK');
  }
  const written = storeA.commitLog.maxOffset;
  assert.ok(written > 0);

  // Epoch 2: the controllers elect b; it registers as brokerId 0 at once.
  await rb.becomeMaster(2, 2, [2]);
  await until('b as brokerId 0', async () => (await routeAddrs())[0] === b.broker.brokerAddr);
  assert.equal(rb.masterEpoch, 2);

  // a never heard of epoch 2 and keeps registering as the master: ignored.
  assert.equal(ra.masterEpoch, 1);
  await a.broker.registerBrokerAll();
  await b.broker.registerBrokerAll();
  await a.broker.registerBrokerAll();
  assert.deepEqual(await routeAddrs(), { 0: b.broker.brokerAddr }, 'the stale master neither takes brokerId 0 back nor appears under another id');

  // Healed: a learns epoch 2, cuts its epoch-1 records (b never had them) and follows b.
  await ra.becomeSlave(b.broker.brokerAddr, 2, 1);
  assert.equal(storeA.commitLog.maxOffset, 0, 'the old master cut what it wrote after the new epoch began');
  assert.equal(storeA.getMaxOffsetInQueue('SplitT', 0), 0);
  await until('a registered as brokerId 1 beside b', async () => {
    const addrs = await routeAddrs();
    return addrs[0] === b.broker.brokerAddr && addrs[1] === a.broker.brokerAddr;
  });
});
