/**
 * Secrets never reach the broker's log: with every level on (trace), a broker with ACL serves
 * signed, wrongly signed and admin requests, an ACL update and a file reload, and no secret key
 * appears in anything it logged.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { CreateAccessConfigRequestHeader, createRequest, encodeHeader, RemotingClient, RequestCode, ResponseCode, signRequest } from '@rocketmq-ts/protocol';
import { Broker, freeBrokerPort } from '@rocketmq-ts/server/internal';

test('no secret key is ever logged', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-acl-logs-'));
  // after() hooks run in the order they are added: the broker must stop before its directory goes
  // (a broker still writing store/config made the removal fail, and the hooks after it never ran).
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const secrets = ['firstSecret-7f3a', 'adminSecret-9c1d', 'addedSecret-4e2b', 'wrongSecret-0b8e'];
  const aclFile = join(dir, 'plain_acl.yml');
  await writeFile(aclFile, `accounts:\n  - accessKey: firstUser01\n    secretKey: ${secrets[0]}\n    defaultTopicPerm: DENY\n  - accessKey: adminUser01\n    secretKey: ${secrets[1]}\n    admin: true\n`);
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const broker = new Broker({
    config: { brokerName: 'broker-a', brokerIP1: '127.0.0.1', bindAddress: '127.0.0.1', listenPort: await freeBrokerPort(), storePathRootDir: join(dir, 'store'), mappedFileSizeCommitLog: 64 * 1024 * 1024, maxHashSlotNum: 100_000, maxIndexNum: 400_000, aclEnable: true, 'rocketmq.acl.plain.file': aclFile },
    logger: pino({ level: 'trace' }, sink),
  });
  await broker.start();
  cleanups.push(() => broker.stop());
  const client = new RemotingClient();
  cleanups.push(async () => client.close());
  const invoke = (code: number, credentials: [string, string], extFields: Record<string, string> = {}) => {
    const request = createRequest(code, { extFields });
    signRequest(request, { accessKey: credentials[0], secretKey: credentials[1] });
    return client.invoke(broker.brokerAddr, request);
  };

  assert.equal((await invoke(RequestCode.GET_BROKER_RUNTIME_INFO, ['firstUser01', secrets[0]!])).code, ResponseCode.SUCCESS);
  assert.equal((await invoke(RequestCode.GET_BROKER_RUNTIME_INFO, ['firstUser01', secrets[3]!])).code, ResponseCode.SYSTEM_ERROR);
  const added = await invoke(RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, ['adminUser01', secrets[1]!], encodeHeader(CreateAccessConfigRequestHeader, { accessKey: 'addedUser01', secretKey: secrets[2], admin: false }));
  assert.equal(added.code, ResponseCode.SUCCESS, added.remark);
  const listed = await invoke(RequestCode.GET_BROKER_CLUSTER_ACL_CONFIG, ['adminUser01', secrets[1]!]);
  assert.match(listed.body!.toString(), new RegExp(secrets[2]!), 'the admin code does return secrets, to an admin');
  await writeFile(aclFile, `accounts:\n  - accessKey: firstUser01\n    secretKey: ${secrets[0]}\n    admin: true\n`);
  await broker.aclManager!.reload();
  await writeFile(aclFile, `accounts:\n  - accessKey: brokenKey\n    secretKey: ${secrets[1]}\n    topicPerms: [nope]\n`);
  assert.equal(await broker.aclManager!.reload(), false);
  // A YAML syntax error on the secret's own line: the parser would quote that line.
  await writeFile(aclFile, `accounts:\n  - accessKey: brokenKey\n    secretKey: ${secrets[1]}: oops\n`);
  assert.equal(await broker.aclManager!.reload(), false);

  const logged = lines.join('');
  assert.match(logged, /ACL enabled/);
  assert.match(logged, /request refused by ACL/);
  assert.match(logged, /ACL file updated/);
  assert.match(logged, /not valid; keeping the rules loaded before/);
  for (const secret of secrets) assert.equal(logged.includes(secret), false, `${secret} was logged`);
});
