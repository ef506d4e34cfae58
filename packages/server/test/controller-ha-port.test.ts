/**
 * Controller mode: the HA port (listenPort + 1) is bound from start in every role, as Apache's
 * AutoSwitchHAService does. A slave that let it go could find it taken, as the local port of
 * some outgoing connection (test brokers get ports in the ephemeral range), at the moment the
 * controllers elect it; it then stayed SLAVE until that connection closed (the 22 s, 56 s and
 * > 90 s take-overs of the long failover runs). Roles are driven directly here, as the
 * controllers' announcements drive them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { NameServer, startBroker } from '@rocketmq-ts/server/internal';

/** What binding `port` on 127.0.0.1 says: 'free' or the error code. */
function tryListen(port: number): Promise<string> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve('free')));
  });
}

/** An outgoing connection to `target` from local port `localPort`: 'connected' or the error code. */
function tryConnectFrom(localPort: number, target: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: target, localAddress: '127.0.0.1', localPort });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

it('a controller-mode broker holds its HA port as a slave too, so nothing can take it before an election', { timeout: 90_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-ha-port-'));
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kv.json') } });
  const namesrvAddr = `127.0.0.1:${(await namesrv.start()).port}`;
  t.after(async () => {
    await namesrv.stop();
    await rm(dir, { recursive: true, force: true });
  });
  // No controller answers here: the roles below are driven directly.
  const config = { brokerName: 'broker-hp', enableControllerMode: true, controllerAddr: '127.0.0.1:1', allAckInSyncStateSet: true, grpcServerPort: -1 };
  const a = await startBroker(t, namesrvAddr, config);
  const b = await startBroker(t, namesrvAddr, config);
  const haPortOf = (broker: typeof a): number => broker.broker.config.haListenPort;

  // Before any role: both wait as slaves, with their HA ports bound.
  assert.equal(await tryListen(haPortOf(b)), 'EADDRINUSE');

  await a.broker.replicationService!.becomeMaster(1, 1, [1]);
  await b.broker.replicationService!.becomeSlave(a.broker.brokerAddr, 1, 2);
  assert.equal(b.broker.replicationService!.role, 'SLAVE');
  // What an outgoing connection given b's HA port as its local port would have done to it.
  assert.equal(await tryConnectFrom(haPortOf(b), a.broker.config.listenPort), 'EADDRINUSE');
  assert.equal(await tryListen(haPortOf(b)), 'EADDRINUSE');

  // Elected: b serves slaves on the port it kept, and a follows it.
  await b.broker.replicationService!.becomeMaster(2, 2, [2]);
  await a.broker.replicationService!.becomeSlave(b.broker.brokerAddr, 2, 1);
  const deadline = Date.now() + 15_000;
  while (!b.broker.replicationService!.status().slaves.some((slave) => slave.brokerId === 1)) {
    assert.ok(Date.now() < deadline, 'a connected to b as its HA slave');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // a, now a slave, kept its port as well.
  assert.equal(await tryListen(haPortOf(a)), 'EADDRINUSE');
});
