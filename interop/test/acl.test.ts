/**
 * ACL 1.0 with the official Java client 4.8.0 signing through AclClientRPCHook (rocketmq-acl
 * 4.8.0), as a differential run: the same plain_acl.yml and the same probes (interop/java
 * AclProbe.java) against our broker and against Apache RocketMQ 4.8.0, both with
 * aclEnable=true. Right keys pass; a wrong secret, an unknown key, no signature, a missing
 * permission, an admin code from a non-admin and an address outside the account's white list
 * are each refused with the code and reason Apache gives. The ACL admin commands (mqadmin's
 * API) give the same results on both. Our TS client signing against Apache is checked too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startCluster } from '@rocketmq-ts/server/internal';
import { Admin, MQBrokerError, Producer } from '../../packages/client/src/index.ts';
import { runJavaProgram } from '../lib/java-client.ts';
import { type RunningTarget, startApacheTarget } from '../lib/targets.ts';
import { defer } from '../lib/cleanup.ts';

const PLAIN_ACL = `globalWhiteRemoteAddresses:
  - 10.9.8.7
accounts:
  - accessKey: adminUser01
    secretKey: adminSecret01
    admin: true
  - accessKey: appUser01
    secretKey: appSecret01
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - AclTopic=PUB|SUB
      - AclDenied=DENY
    groupPerms:
      - AclGroup=SUB
  - accessKey: whiteUser01
    secretKey: whiteSecret01
    whiteRemoteAddress: 127.0.0.1
    admin: false
    defaultTopicPerm: PUB|SUB
  - accessKey: farUser001
    secretKey: farSecret001
    whiteRemoteAddress: 10.9.9.*
    admin: false
    defaultTopicPerm: PUB|SUB
`;

/** Apache 4.8 reloads plain_acl.yml from a file watcher that looks every 500 ms; an edit counts only after that. */
const APACHE_ACL_RELOAD_MS = 2_500;

interface ProbeLine {
  op: string;
  ok: boolean;
  code: number;
  remark: string | null;
  result?: unknown;
}

interface Run {
  name: string;
  credentials?: [string, string];
  ops: string[];
}

/** In run order: the admin account creates the topics the later runs use. */
const RUNS: Run[] = [
  { name: 'admin', credentials: ['adminUser01', 'adminSecret01'], ops: ['send', 'send:AclDenied', 'send:AclOther', 'createTopic'] },
  { name: 'right keys', credentials: ['appUser01', 'appSecret01'], ops: ['send', 'pull', 'send:AclDenied', 'send:AclOther', 'pull:AclDenied', 'createTopic', 'aclConfig'] },
  { name: 'wrong secret', credentials: ['appUser01', 'wrongSecret1'], ops: ['send', 'pull'] },
  { name: 'unknown key', credentials: ['nobody0001', 'appSecret01'], ops: ['send'] },
  { name: 'no signature', ops: ['send', 'pull'] },
  { name: 'white-listed address, wrong secret', credentials: ['whiteUser01', 'wrongSecret1'], ops: ['send'] },
  { name: 'address not white-listed, wrong secret', credentials: ['farUser001', 'wrongSecret1'], ops: ['send'] },
  {
    name: 'ACL admin commands',
    credentials: ['adminUser01', 'adminSecret01'],
    ops: [
      'updateAcl:newUser001:newSecret01:AclTopic=PUB',
      `pause:${APACHE_ACL_RELOAD_MS}`,
      'aclConfig',
      'globalWhite:10.9.8.7;10.9.8.8',
      `pause:${APACHE_ACL_RELOAD_MS}`,
      'aclVersion',
      'deleteAcl:newUser001',
      `pause:${APACHE_ACL_RELOAD_MS}`,
      'deleteAcl:newUser001',
      'aclConfig',
    ],
  },
];

/** Apache's remark ends with the exception's first stack frame; ours does not carry one. */
function normalize(line: ProbeLine): ProbeLine {
  const remark = line.remark === null ? null : line.remark.replace(/, [\w.$]+\([\w.]+:\d+\)/g, '');
  // Which queue the one message landed in differs run to run: a pull that was answered is what counts.
  const result = line.op.startsWith('pull') && line.ok ? 'answered' : line.result;
  return { ...line, result, remark };
}

async function probeAll(target: RunningTarget): Promise<Record<string, ProbeLine[]>> {
  const out: Record<string, ProbeLine[]> = {};
  for (const run of RUNS) {
    const args = ['--namesrv', target.namesrvAddr, '--broker', target.brokerAddr, '--broker-name', 'broker-a', '--topic', 'AclTopic', '--group', 'AclGroup', '--ops', run.ops.join(',')];
    if (run.credentials) args.push('--ak', run.credentials[0], '--sk', run.credentials[1]);
    out[run.name] = (await runJavaProgram<ProbeLine>('AclProbe', args, 120_000)).map(normalize);
  }
  return out;
}

async function tsClientSend(namesrvAddr: string, credentials: { accessKey: string; secretKey: string } | undefined, topic: string): Promise<string> {
  const producer = new Producer({ namesrvAddr, groupName: 'acl_ts_producer', credentials, retryTimesWhenSendFailed: 0 });
  await producer.start();
  try {
    return (await producer.send({ topic, body: 'from the TS client' })).sendStatus;
  } catch (error) {
    for (let e: unknown = error; e instanceof Error; e = e.cause) {
      if (e instanceof MQBrokerError) return `${e.responseCode} ${(e.remark ?? '').replace(/, [\w.$]+\([\w.]+:\d+\)$/, '')}`;
    }
    throw error;
  } finally {
    await producer.shutdown();
  }
}

async function tsClientProbes(target: RunningTarget): Promise<string[]> {
  return [
    await tsClientSend(target.namesrvAddr, { accessKey: 'appUser01', secretKey: 'appSecret01' }, 'AclTopic'),
    await tsClientSend(target.namesrvAddr, { accessKey: 'appUser01', secretKey: 'wrongSecret1' }, 'AclTopic'),
    await tsClientSend(target.namesrvAddr, { accessKey: 'appUser01', secretKey: 'appSecret01' }, 'AclDenied'),
    await tsClientSend(target.namesrvAddr, undefined, 'AclTopic'),
  ];
}

/** The TS Admin's ACL commands, signed by the admin account; results without volatile fields. */
async function tsAdminProbes(target: RunningTarget): Promise<unknown[]> {
  const admin = new Admin({ namesrvAddr: target.namesrvAddr, credentials: { accessKey: 'adminUser01', secretKey: 'adminSecret01' } });
  await admin.start();
  try {
    const before = await admin.aclVersionInfo(target.brokerAddr);
    await admin.updateAccessConfig({ accessKey: 'tsAdminMade1', secretKey: 'tsAdminSecret1', admin: false, defaultTopicPerm: 'SUB', topicPerms: ['AclTopic=PUB'] }, { brokerAddr: target.brokerAddr });
    await delay(APACHE_ACL_RELOAD_MS);
    const config = await admin.aclConfig(target.brokerAddr);
    const made = config.accounts.find((account) => account.accessKey === 'tsAdminMade1');
    const after = await admin.aclVersionInfo(target.brokerAddr);
    await admin.deleteAccessConfig('tsAdminMade1', { brokerAddr: target.brokerAddr });
    await delay(APACHE_ACL_RELOAD_MS);
    const again = await admin.deleteAccessConfig('tsAdminMade1', { brokerAddr: target.brokerAddr }).then(
      () => 'deleted',
      (error: unknown) => (error instanceof MQBrokerError ? error.responseCode : String(error)),
    );
    return [before.brokerName, before.clusterName, after.counter - before.counter, made?.topicPerms, made?.defaultTopicPerm, made?.admin, again];
  } finally {
    await admin.shutdown();
  }
}

test('ACL 1.0: the Java client with AclClientRPCHook gets the same answers from our broker as from Apache RocketMQ 4.8.0', { timeout: 900_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rmqts-acl-interop-'));
  defer(t, () => rmSync(dir, { recursive: true, force: true }));
  const aclFile = join(dir, 'plain_acl.yml');
  writeFileSync(aclFile, PLAIN_ACL);

  const ours = await startCluster(t, { aclEnable: true, 'rocketmq.acl.plain.file': aclFile });
  const oursResult = await probeAll(ours);
  const oursTs = await tsClientProbes(ours);
  const oursAdmin = await tsAdminProbes(ours);

  const apache = await startApacheTarget('acl', { aclEnable: 'true' }, PLAIN_ACL);
  defer(t, () => apache.stop());
  const apacheResult = await probeAll(apache);
  const apacheTs = await tsClientProbes(apache);
  const apacheAdmin = await tsAdminProbes(apache);

  // The one deliberate difference: codes that rewrite the ACL or return secret keys need an admin account on ours.
  const aclConfigByUser = (result: Record<string, ProbeLine[]>) => result['right keys']!.find((line) => line.op === 'aclConfig')!;
  const oursUserConfig = aclConfigByUser(oursResult);
  assert.equal(oursUserConfig.ok, false);
  assert.match(oursUserConfig.remark ?? '', /Need admin permission for request code=54, but accessKey=appUser01 is not$/);
  assert.equal(aclConfigByUser(apacheResult).ok, true, 'Apache 4.8 lets any signed account read the ACL config');
  const withoutUserConfig = (result: Record<string, ProbeLine[]>) => ({ ...result, 'right keys': result['right keys']!.filter((line) => line.op !== 'aclConfig') });

  assert.deepEqual(withoutUserConfig(oursResult), withoutUserConfig(apacheResult));
  assert.deepEqual(oursTs, apacheTs);
  assert.deepEqual(oursAdmin, apacheAdmin);
  assert.deepEqual(oursAdmin, ['broker-a', 'DefaultCluster', 1, ['AclTopic=PUB'], 'SUB', false, 210]);

  // And what they agree on is what Apache's acl module specifies.
  const by = (run: string, op: string) => oursResult[run]!.find((line) => line.op === op)!;
  const acl = (reason: string) => `org.apache.rocketmq.acl.common.AclException: ${reason}`;
  assert.deepEqual(oursResult['admin']!.map((line) => line.ok), [true, true, true, true]);
  assert.equal(by('right keys', 'send').result, 'SEND_OK');
  assert.equal(by('right keys', 'pull').result, 'answered');
  assert.deepEqual([by('right keys', 'send:AclDenied').code, by('right keys', 'send:AclDenied').remark], [1, acl('No default permission for topic:AclDenied')]);
  assert.equal(by('right keys', 'send:AclOther').remark, acl('No default permission for topic:AclOther'));
  assert.match(by('right keys', 'createTopic').remark ?? '', /CODE: 1 {2}DESC: org\.apache\.rocketmq\.acl\.common\.AclException: Need admin permission for request code=17, but accessKey=appUser01 is not\n/);
  assert.equal(by('wrong secret', 'send').remark, acl('Check signature failed for accessKey=appUser01'));
  assert.equal(by('wrong secret', 'pull').remark, acl('Check signature failed for accessKey=appUser01'));
  assert.equal(by('unknown key', 'send').remark, acl('No acl config for nobody0001'));
  assert.equal(by('no signature', 'send').remark, acl('No accessKey is configured'));
  assert.equal(by('white-listed address, wrong secret', 'send').result, 'SEND_OK');
  assert.equal(by('address not white-listed, wrong secret', 'send').remark, acl('Check signature failed for accessKey=farUser001'));
  assert.equal(oursTs[0], 'SEND_OK');
  assert.equal(oursTs[1], `1 ${acl('Check signature failed for accessKey=appUser01')}`);
});
