/**
 * ACL 1.0 end to end on our broker (aclEnable=true, a plain_acl.yml in a temp dir): the TS
 * producer and consumer sign with their credentials; wrong keys and missing permissions are
 * refused with SYSTEM_ERROR and Apache's reasons; the ACL admin codes edit the file; an edit of
 * the file on disk takes effect without a restart.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  createRequest,
  CreateAccessConfigRequestHeader,
  DeleteAccessConfigRequestHeader,
  encodeHeader,
  RemotingClient,
  RequestCode,
  ResponseCode,
  signRequest,
  UpdateGlobalWhiteAddrsConfigRequestHeader,
} from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';
import { Admin, MQBrokerError, Producer, PushConsumer, type MessageExt } from '../src/index.ts';

const id = () => randomUUID().replace(/-/g, '').slice(0, 10);

function aclYaml(topic: string, group: string, extra = ''): string {
  return `globalWhiteRemoteAddresses: []
accounts:
  - accessKey: appUser01
    secretKey: appSecret01
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
    topicPerms:
      - ${topic}=PUB|SUB
    groupPerms:
      - ${group}=SUB
  - accessKey: adminUser01
    secretKey: adminSecret01
    admin: true
${extra}`;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMillis = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

function sendError(error: unknown): MQBrokerError {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof MQBrokerError) return current;
    current = current.cause;
  }
  throw error;
}

test('ACL 1.0 with the TS client against rocketmq-ts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-acl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const topic = `acl_${id()}`;
  const group = `aclg_${id()}`;
  const aclFile = join(dir, 'plain_acl.yml');
  await writeFile(aclFile, aclYaml(topic, group));
  const cluster = await startCluster(t, { aclEnable: true, 'rocketmq.acl.plain.file': aclFile });

  const admin = new RemotingClient({ beforeRequest: (_addr, request) => signRequest(request, { accessKey: 'adminUser01', secretKey: 'adminSecret01' }) });
  t.after(() => admin.close());
  const created = await admin.invoke(
    cluster.brokerAddr,
    createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      extFields: { topic, defaultTopic: 'TBW102', readQueueNums: '2', writeQueueNums: '2', perm: '6', topicFilterType: 'SINGLE_TAG', topicSysFlag: '0', order: 'false' },
    }),
  );
  assert.equal(created.code, ResponseCode.SUCCESS, created.remark);

  await t.test('the right keys send and consume', async () => {
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}`, credentials: { accessKey: 'appUser01', secretKey: 'appSecret01' } });
    await producer.start();
    t.after(() => producer.shutdown());
    const result = await producer.send({ topic, body: 'signed hello' });
    assert.equal(result.sendStatus, 'SEND_OK');

    const received: MessageExt[] = [];
    const consumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', credentials: { accessKey: 'appUser01', secretKey: 'appSecret01' } });
    consumer.subscribe(topic, '*');
    consumer.onMessage(async (message) => {
      received.push(message);
    });
    await consumer.start();
    t.after(() => consumer.shutdown());
    await waitFor('the signed consumer to get the message', async () => (received.length > 0 ? received : undefined));
    assert.equal(received[0]!.body.toString(), 'signed hello');
  });

  const refusal = async (credentials: { accessKey: string; secretKey: string } | undefined, sendTopic = topic): Promise<MQBrokerError> => {
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}`, credentials, retryTimesWhenSendFailed: 0 });
    await producer.start();
    try {
      await producer.send({ topic: sendTopic, body: 'x' });
    } catch (error) {
      return sendError(error);
    } finally {
      await producer.shutdown();
    }
    assert.fail('the send was accepted');
  };

  await t.test('wrong secret, unknown key, no signature, no permission are refused with SYSTEM_ERROR and the reason', async () => {
    const cases: [{ accessKey: string; secretKey: string } | undefined, string, RegExp][] = [
      [{ accessKey: 'appUser01', secretKey: 'wrongSecret' }, topic, /AclException: Check signature failed for accessKey=appUser01$/],
      [{ accessKey: 'nobody0001', secretKey: 'appSecret01' }, topic, /AclException: No acl config for nobody0001$/],
      [undefined, topic, /AclException: No accessKey is configured$/],
      [{ accessKey: 'appUser01', secretKey: 'appSecret01' }, 'TBW102', /AclException: No default permission for topic:TBW102$/],
    ];
    for (const [credentials, sendTopic, reason] of cases) {
      const error = await refusal(credentials, sendTopic);
      assert.equal(error.responseCode, ResponseCode.SYSTEM_ERROR);
      assert.match(error.remark ?? '', reason);
      assert.doesNotMatch(error.remark ?? '', /appSecret01|wrongSecret/, 'a secret must never be echoed');
    }
  });

  await t.test('admin codes need an admin account', async () => {
    const user = new RemotingClient({ beforeRequest: (_addr, request) => signRequest(request, { accessKey: 'appUser01', secretKey: 'appSecret01' }) });
    t.after(() => user.close());
    const response = await user.invoke(cluster.brokerAddr, createRequest(RequestCode.GET_BROKER_CLUSTER_ACL_CONFIG));
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.match(response.remark ?? '', /Need admin permission for request code=54, but accessKey=appUser01 is not/);
  });

  await t.test('the ACL admin codes edit plain_acl.yml and take effect at once', async () => {
    const update = await admin.invoke(
      cluster.brokerAddr,
      createRequest(RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, {
        extFields: encodeHeader(CreateAccessConfigRequestHeader, { accessKey: 'newUser001', secretKey: 'newSecret001', admin: false, defaultTopicPerm: 'PUB', defaultGroupPerm: 'SUB', topicPerms: `${topic}=PUB,other=DENY` }),
      }),
    );
    assert.equal(update.code, ResponseCode.SUCCESS, update.remark);
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}`, credentials: { accessKey: 'newUser001', secretKey: 'newSecret001' } });
    await producer.start();
    t.after(() => producer.shutdown());
    assert.equal((await producer.send({ topic, body: 'new user' })).sendStatus, 'SEND_OK');

    const info = await admin.invoke(cluster.brokerAddr, createRequest(RequestCode.GET_BROKER_CLUSTER_ACL_INFO));
    assert.equal(info.code, ResponseCode.SUCCESS);
    assert.deepEqual(Object.keys(JSON.parse(info.extFields!['version']!) as object), ['counter', 'timestamp']);
    assert.equal((JSON.parse(info.extFields!['version']!) as { counter: number }).counter, 1);

    const white = await admin.invoke(cluster.brokerAddr, createRequest(RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG, { extFields: encodeHeader(UpdateGlobalWhiteAddrsConfigRequestHeader, { globalWhiteAddrs: '10.0.0.*,192.168.9.1' }) }));
    assert.equal(white.code, ResponseCode.SUCCESS, white.remark);
    const badWhite = await admin.invoke(cluster.brokerAddr, createRequest(RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG, { extFields: { globalWhiteAddrs: '999.1.1.1' } }));
    assert.equal(badWhite.code, ResponseCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED);

    const all = await admin.invoke(cluster.brokerAddr, createRequest(RequestCode.GET_BROKER_CLUSTER_ACL_CONFIG));
    const body = JSON.parse(all.body!.toString()) as { globalWhiteAddrs: string[]; plainAccessConfigs: { accessKey: string; topicPerms: string[] }[] };
    assert.deepEqual(body.globalWhiteAddrs, ['10.0.0.*', '192.168.9.1']);
    assert.deepEqual(body.plainAccessConfigs.find((a) => a.accessKey === 'newUser001')?.topicPerms, [`${topic}=PUB`, 'other=DENY']);

    const short = await admin.invoke(cluster.brokerAddr, createRequest(RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, { extFields: encodeHeader(CreateAccessConfigRequestHeader, { accessKey: 'abc', secretKey: 'newSecret001', admin: false }) }));
    assert.equal(short.code, ResponseCode.UPDATE_AND_CREATE_ACL_CONFIG_FAILED);
    assert.match(short.remark ?? '', /accessKey=abc cannot be less than 6 characters/);

    const removed = await admin.invoke(cluster.brokerAddr, createRequest(RequestCode.DELETE_ACL_CONFIG, { extFields: encodeHeader(DeleteAccessConfigRequestHeader, { accessKey: 'newUser001' }) }));
    assert.equal(removed.code, ResponseCode.SUCCESS, removed.remark);
    const text = await readFile(aclFile, 'utf8');
    assert.doesNotMatch(text, /newUser001/);
    assert.match(text, /dataVersion:\n\s+- counter: 3/);
  });

  await t.test('the Admin client runs the ACL admin commands, signed with its credentials', async () => {
    const tsAdmin = new Admin({ namesrvAddr: cluster.namesrvAddr, credentials: { accessKey: 'adminUser01', secretKey: 'adminSecret01' } });
    await tsAdmin.start();
    t.after(() => tsAdmin.shutdown());
    const before = await tsAdmin.aclVersionInfo(cluster.brokerAddr);
    assert.equal(before.brokerName, 'broker-a');
    await tsAdmin.updateAccessConfig({ accessKey: 'adminMade01', secretKey: 'adminMade0001', defaultTopicPerm: 'SUB', topicPerms: [`${topic}=PUB|SUB`] }, { brokerAddr: cluster.brokerAddr });
    const config = await tsAdmin.aclConfig(cluster.brokerAddr);
    assert.deepEqual(config.accounts.find((a) => a.accessKey === 'adminMade01')?.topicPerms, [`${topic}=PUB|SUB`]);
    assert.equal((await tsAdmin.aclVersionInfo(cluster.brokerAddr)).counter, before.counter + 1);
    await tsAdmin.deleteAccessConfig('adminMade01', { brokerAddr: cluster.brokerAddr });
    await assert.rejects(tsAdmin.deleteAccessConfig('adminMade01', { brokerAddr: cluster.brokerAddr }), (error: unknown) => error instanceof MQBrokerError && error.responseCode === ResponseCode.DELETE_ACL_CONFIG_FAILED);
    const unsigned = new Admin({ namesrvAddr: cluster.namesrvAddr });
    await unsigned.start();
    t.after(() => unsigned.shutdown());
    await assert.rejects(unsigned.aclConfig(cluster.brokerAddr), /No accessKey is configured/);
  });

  await t.test('editing the file on disk reloads it without a restart', async () => {
    const otherTopic = `acl2_${id()}`;
    const before = await refusal({ accessKey: 'appUser01', secretKey: 'appSecret01' }, otherTopic);
    assert.match(before.remark ?? '', new RegExp(`No default permission for topic:${otherTopic}`));
    await writeFile(aclFile, aclYaml(topic, group).replace('defaultTopicPerm: DENY', 'defaultTopicPerm: PUB'));
    const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: `p_${id()}`, credentials: { accessKey: 'appUser01', secretKey: 'appSecret01' } });
    await producer.start();
    t.after(() => producer.shutdown());
    const sent = await waitFor('the reloaded rules to let the send through', async () => (await producer.send({ topic: otherTopic, body: 'after reload' })).sendStatus);
    assert.equal(sent, 'SEND_OK');
    // A broken edit keeps the rules loaded before.
    await writeFile(aclFile, 'accounts: [ {accessKey: x} ]');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal((await producer.send({ topic: otherTopic, body: 'still allowed' })).sendStatus, 'SEND_OK');
  });
});

test('aclEnable=true without a readable plain_acl.yml refuses to start', async () => {
  await assert.rejects(startCluster(undefined, { aclEnable: true, 'rocketmq.acl.plain.file': join(tmpdir(), `missing-${id()}.yml`) }), /ACL file .* cannot be read/);
});
