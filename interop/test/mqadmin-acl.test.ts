/**
 * mqadmin's ACL commands against brokers with aclEnable=true — ours and Apache RocketMQ 4.8.0,
 * the same plain_acl.yml — signing with the admin account of $ROCKETMQ_HOME/conf/tools.yml as
 * Apache's tool does: create an account, read the config, set the global white list, read the
 * version, delete the account; without tools.yml the broker refuses. The outputs, with
 * addresses and times masked, must be equal; then Apache's own mqadmin 4.8.0 and ours must
 * print the same against Apache's broker.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { apacheMqadminIn, maskOutput, ourMqadminIn, toolsHome } from '../lib/mqadmin-run.ts';
import { startApacheTarget } from '../lib/targets.ts';

const PLAIN_ACL = `globalWhiteRemoteAddresses:
  - 10.9.8.7
accounts:
  - accessKey: mqaAdmin01
    secretKey: mqaSecret01
    admin: true
  - accessKey: mqaApp0001
    secretKey: mqaAppSecret1
    admin: false
    defaultTopicPerm: DENY
`;

const ADMIN = { accessKey: 'mqaAdmin01', secretKey: 'mqaSecret01' };

interface Server {
  namesrvAddr: string;
  brokerAddr: string;
  stop(): Promise<void>;
}

interface Step {
  name: string;
  code: number;
  raw: string;
  masked: string;
}

/** The version counter and time of plain_acl.yml differ with the file's history; the rest must not. */
function maskVersion(text: string): string {
  return text.replace(/^(DefaultCluster +broker-a +ADDR +)\d+ +TIME/gm, '$1N TIME');
}

async function scenario(server: Server): Promise<Map<string, Step>> {
  const ns = server.namesrvAddr;
  const home = toolsHome(ADMIN);
  const steps = new Map<string, Step>();
  const run = async (name: string, signed: boolean, ...args: string[]) => {
    const result = await ourMqadminIn(signed ? home : undefined, ...args, '-n', ns);
    const raw = result.stdout + (result.code === 0 ? '' : `\nEXIT ${result.code}`);
    steps.set(name, { name, code: result.code, raw, masked: maskVersion(maskOutput(raw)) });
  };
  await run('updateAclConfig', true, 'updateAclConfig', '-b', server.brokerAddr, '-a', 'mqaNewUser1', '-s', 'mqaNewSecret1', '-i', 'DENY', '-u', 'SUB', '-t', 'AclTopicA=PUB,AclTopicB=SUB', '-g', 'AclGroupA=SUB', '-m', 'false');
  await run('getAclConfig', true, 'getAclConfig', '-b', server.brokerAddr);
  await run('updateGlobalWhiteAddr', true, 'updateGlobalWhiteAddr', '-c', 'DefaultCluster', '-g', '10.9.8.7,10.9.8.8');
  await run('clusterAclConfigVersion -b', true, 'clusterAclConfigVersion', '-b', server.brokerAddr);
  await run('clusterAclConfigVersion -c', true, 'clusterAclConfigVersion', '-c', 'DefaultCluster');
  await run('deleteAccessConfig', true, 'deleteAccessConfig', '-b', server.brokerAddr, '-a', 'mqaNewUser1');
  await run('getAccessConfigSubCommand -c', true, 'getAccessConfigSubCommand', '-c', 'DefaultCluster');
  await run('unsigned getAclConfig', false, 'getAclConfig', '-b', server.brokerAddr);
  await run('unsigned updateAclConfig', false, 'updateAclConfig', '-b', server.brokerAddr, '-a', 'mqaSneaky01', '-s', 'sneakySecret1', '-m', 'true');
  return steps;
}

describe('mqadmin ACL commands: rocketmq-ts vs Apache RocketMQ 4.8.0, aclEnable=true', { concurrency: false }, () => {
  const results = new Map<string, Map<string, Step>>();
  let dir: string | undefined;
  let apache: Server | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rmqts-mqadmin-acl-'));
    const aclFile = join(dir, 'plain_acl.yml');
    writeFileSync(aclFile, PLAIN_ACL);
    const ours = await startCluster(undefined, { aclEnable: true, 'rocketmq.acl.plain.file': aclFile });
    try {
      results.set('rocketmq-ts', await scenario(ours));
    } finally {
      await ours.stop();
    }
    apache = await startApacheTarget('mqadmin-acl', { aclEnable: 'true' }, PLAIN_ACL);
    results.set('Apache RocketMQ 4.8.0', await scenario(apache));
  });

  after(async () => {
    await apache?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const target of ['rocketmq-ts', 'Apache RocketMQ 4.8.0']) {
    test(`${target}: the admin account manages accounts; unsigned requests are refused`, () => {
      const steps = results.get(target)!;
      const ok = (name: string) => {
        const step = steps.get(name)!;
        assert.equal(step.code, 0, `${target}: ${name}:\n${step.raw}`);
        return step.raw;
      };
      assert.match(ok('updateAclConfig'), /^create or update plain access config to \S+ success\.\n/);
      const config = ok('getAclConfig');
      assert.match(config, /^globalWhiteRemoteAddresses: \[10\.9\.8\.7\]$/m);
      assert.match(config, /^ +accessKey +: mqaNewUser1\n +secretKey +: mqaNewSecret1\n +whiteRemoteAddress: \n +admin +: false\n +defaultTopicPerm +: DENY\n +defaultGroupPerm +: SUB\n +topicPerms +: \[AclTopicA=PUB, AclTopicB=SUB\]\n +groupPerms +: \[AclGroupA=SUB\]$/m);
      assert.match(ok('updateGlobalWhiteAddr'), /^update global white remote addresses to \S+ success\.\n$/);
      assert.match(ok('clusterAclConfigVersion -c'), /^#Cluster Name +#Broker Name +#Broker Addr +#AclConfigVersionNum +#AclLastUpdateTime +\nDefaultCluster +broker-a +\S+ +\d+ +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\nget cluster's plain access config version success\.\n$/);
      assert.match(ok('deleteAccessConfig'), /^delete plain access config account to \S+ success\.\naccount's accesskey is:mqaNewUser1$/);
      const after = ok('getAccessConfigSubCommand -c');
      assert.match(after, /^globalWhiteRemoteAddresses: \[10\.9\.8\.7, 10\.9\.8\.8\]$/m);
      assert.doesNotMatch(after, /mqaNewUser1/);
      assert.notEqual(steps.get('unsigned getAclConfig')!.code, 0, 'reading the ACL config needs a signature');
      assert.notEqual(steps.get('unsigned updateAclConfig')!.code, 0, 'changing it too');
    });
  }

  test('the two brokers give the same output, addresses, times and version numbers masked', () => {
    const a = results.get('Apache RocketMQ 4.8.0')!;
    const b = results.get('rocketmq-ts')!;
    for (const name of a.keys()) {
      if (name.startsWith('unsigned')) continue; // the refusal's wording is the broker's; both exit 1
      let expected = a.get(name)!.masked;
      let actual = b.get(name)!.masked;
      if (name === 'updateAclConfig') {
        // Apache prints the PlainAccessConfig object without a toString() (ClassName@hash).
        expected = expected.split('\n')[0]!;
        actual = actual.split('\n')[0]!;
      }
      assert.equal(actual, expected, `${name}: rocketmq-ts (actual) vs Apache RocketMQ 4.8.0 (expected)`);
    }
  });

  test("Apache's mqadmin 4.8.0 and ours print the same against Apache's broker", async () => {
    const home = toolsHome(ADMIN);
    for (const args of [
      ['getAccessConfigSubCommand', '-b', apache!.brokerAddr],
      ['clusterAclConfigVersion', '-c', 'DefaultCluster'],
      ['updateGlobalWhiteAddr', '-b', apache!.brokerAddr, '-g', '10.9.8.9'],
    ]) {
      const theirs = await apacheMqadminIn(home, ...args, '-n', apache!.namesrvAddr);
      const ours = await ourMqadminIn(home, ...args, '-n', apache!.namesrvAddr);
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(maskOutput(ours.stdout), maskOutput(theirs.stdout), `mqadmin ${args.join(' ')}: ours (actual) vs Apache's tool (expected)`);
    }
  });
});
