/**
 * Controller mode and the v5 endpoint: both brokers serve gRPC from the start, but sends and POP
 * only while master; a follower answers HA_NOT_AVAILABLE (retried by the v5 clients) and the
 * remoting POP codes SERVICE_NOT_AVAILABLE. After a failover the new master's POP starts from
 * the committed offsets it copied from the old master: what was acked there is not delivered
 * again, what was out is. Roles are driven the way the controller's announcements drive them
 * (Replication.becomeMaster / becomeSlave), as in controller-state-version.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { newTopicConfig, PermName } from '@rocketmq-ts/protocol';
import { NameServer, startBroker } from '@rocketmq-ts/server/internal';

const TOPIC = 'RoleTopic';
const GROUP = 'RoleGroup';

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMillis = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

type Service = NonNullable<Awaited<ReturnType<typeof startBroker>>['broker']['grpcEndpoint']>['service'];

function send(service: Service, body: string) {
  return service.sendMessage({ messages: [{ topic: { name: TOPIC }, userProperties: {}, systemProperties: { keys: [], messageId: `id-${body}`, messageType: 'NORMAL', queueId: 0 }, body: Buffer.from(body) }] }, '127.0.0.1:1');
}

/** One ReceiveMessage: the status code and the bodies with their receipt handles. */
async function receive(service: Service, batchSize = 8): Promise<{ code: string; messages: { body: string; handle: string; attempt: number }[] }> {
  const responses: { status?: { code: string }; message?: { body: Buffer; systemProperties: { receiptHandle: string; deliveryAttempt: number } } }[] = [];
  const broker = { name: 'broker-grpc-role', id: 0, endpoints: { scheme: 'IPv4' as const, addresses: [] } };
  const request: Parameters<Service['receiveMessage']>[0] = { group: { name: GROUP }, messageQueue: { topic: { name: TOPIC }, id: -1, permission: 'READ_WRITE' as const, broker, acceptMessageTypes: [] }, batchSize, invisibleDuration: { seconds: 30, nanos: 0 }, longPollingTimeout: { seconds: 0, nanos: 0 } };
  await service.receiveMessage(request, (r) => responses.push(r as (typeof responses)[number]), () => false, 'role-client');
  const messages = responses.flatMap((r) => (r.message ? [{ body: r.message.body.toString(), handle: r.message.systemProperties.receiptHandle, attempt: r.message.systemProperties.deliveryAttempt }] : []));
  return { code: responses.find((r) => r.status)?.status?.code ?? 'NONE', messages };
}

it('controller mode: the v5 endpoint serves only as master, and a new master resumes POP from the copied offsets', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-grpc-role-'));
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kv.json') } });
  const namesrvAddr = `127.0.0.1:${(await namesrv.start()).port}`;
  t.after(async () => {
    await namesrv.stop();
    await rm(dir, { recursive: true, force: true });
  });
  // No controller answers here: the roles below are driven directly.
  const config = { brokerName: 'broker-grpc-role', enableControllerMode: true, controllerAddr: '127.0.0.1:1', allAckInSyncStateSet: true };
  const fast = { replication: { syncIntervalMillis: 200, reconnectDelayMillis: 200 } };
  const a = await startBroker(t, namesrvAddr, config, fast);
  const b = await startBroker(t, namesrvAddr, config, fast);
  const ga = a.broker.grpcEndpoint;
  const gb = b.broker.grpcEndpoint;
  assert.ok(ga && gb, 'controller mode starts the gRPC endpoint on every broker');

  // Before the controller names a master, both are followers.
  assert.equal((await send(ga.service, 'early')).status.code, 'HA_NOT_AVAILABLE');
  assert.equal((await receive(ga.service)).code, 'HA_NOT_AVAILABLE');

  await a.broker.replicationService!.becomeMaster(1, 1, [1]);
  await b.broker.replicationService!.becomeSlave(a.broker.brokerAddr, 1, 2);
  a.broker.internals.topics.updateTopicConfig(newTopicConfig(TOPIC, { readQueueNums: 1, writeQueueNums: 1, perm: PermName.READ | PermName.WRITE }));
  for (const body of ['m0', 'm1', 'm2', 'm3']) assert.equal((await send(ga.service, body)).status.code, 'OK');
  const first = await receive(ga.service);
  assert.equal(first.code, 'OK');
  assert.deepEqual(first.messages.map((m) => m.body), ['m0', 'm1', 'm2', 'm3']);
  for (const m of first.messages.slice(0, 2)) assert.equal(ga.service.ackMessage({ group: { name: GROUP }, topic: { name: TOPIC }, entries: [{ messageId: m.body, receiptHandle: m.handle }] }).status.code, 'OK');

  // The follower refuses with a retriable status on gRPC, and SERVICE_NOT_AVAILABLE-style on remoting POP.
  const followerSend = await send(gb.service, 'to-follower');
  assert.equal(followerSend.status.code, 'HA_NOT_AVAILABLE');
  assert.match(followerSend.status.message, /follower/);
  assert.equal((await receive(gb.service)).code, 'HA_NOT_AVAILABLE');
  assert.equal(gb.service.ackMessage({ group: { name: GROUP }, topic: { name: TOPIC }, entries: [{ messageId: 'm2', receiptHandle: first.messages[2]!.handle }] }).status.code, 'INVALID_RECEIPT_HANDLE', 'a follower voids handles: the clients stop retrying the ack');
  assert.equal(gb.pop.serving(), false);

  // b copies the messages and the committed POP offset (2: m0 and m1 acked, m2 and m3 out).
  await until('b has the messages and the committed offset', () => b.broker.messageStore!.getMaxOffsetInQueue(TOPIC, 0) === 4 && b.broker.internals.offsets.queryOffset(GROUP, TOPIC, 0) === 2);

  // Failover: b is elected, a follows it.
  await b.broker.replicationService!.becomeMaster(2, 2, [2]);
  await a.broker.replicationService!.becomeSlave(b.broker.brokerAddr, 2, 1);
  assert.equal((await send(ga.service, 'to-old-master')).status.code, 'HA_NOT_AVAILABLE');
  const onB = await receive(gb.service);
  assert.equal(onB.code, 'OK');
  assert.deepEqual(onB.messages.map((m) => m.body), ['m2', 'm3'], 'what was out at the old master comes again; nothing acked there does');
  for (const m of onB.messages) assert.equal(gb.service.ackMessage({ group: { name: GROUP }, topic: { name: TOPIC }, entries: [{ messageId: m.body, receiptHandle: m.handle }] }).status.code, 'OK');
  assert.equal((await send(gb.service, 'm4')).status.code, 'OK');
  await until('a has m4 and the committed offset 4', () => a.broker.messageStore!.getMaxOffsetInQueue(TOPIC, 0) === 5 && a.broker.internals.offsets.queryOffset(GROUP, TOPIC, 0) === 4);

  // Back to a: its own POP state (m2 and m3 out) is older than what b committed, so it is dropped.
  await a.broker.replicationService!.becomeMaster(3, 1, [1]);
  await b.broker.replicationService!.becomeSlave(a.broker.brokerAddr, 3, 2);
  const onA = await receive(ga.service);
  assert.equal(onA.code, 'OK');
  assert.deepEqual(onA.messages.map((m) => m.body), ['m4'], 'm2 and m3, acked at b, are not delivered again by a');
  assert.equal(ga.pop.inflightCount(GROUP, TOPIC, 0), 1, 'only m4 is out: a forgot its stale deliveries of m2 and m3');
  assert.equal(a.broker.internals.offsets.queryOffset(GROUP, TOPIC, 0), 4);
});
