/**
 * ACL 1.0 rules without a network: address patterns, permission words, plain_acl.yml parsing,
 * the check order of PlainPermissionManager.validate, and 100,000 fuzzed signatures that must
 * never pass.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  calSignature,
  createRequest,
  encodeHeader,
  encodeHeartbeatData,
  RequestCode,
  SendMessageRequestHeaderV2,
  signRequest,
} from '@rocketmq-ts/protocol';
import {
  addressMatcher,
  checkPermission,
  compileAccount,
  parseAccessResource,
  parsePerm,
  parsePlainAclYaml,
  Perm,
  plainAclYaml,
  validateAccess,
} from '@rocketmq-ts/server/internal';

const YAML = `
globalWhiteRemoteAddresses:
  - 10.10.103.*
  - 192.168.0.{1,2}
accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    whiteRemoteAddress:
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - topicA=DENY
      - topicB=PUB|SUB
      - topicC=SUB
    groupPerms:
      - groupA=DENY
      - groupB=PUB|SUB
      - groupC=SUB
  - accessKey: rocketmq2
    secretKey: 12345678
    whiteRemoteAddress: 192.168.1.*
    admin: true
`;

function state(yaml = YAML) {
  const file = parsePlainAclYaml(yaml);
  return {
    globalWhite: file.globalWhiteRemoteAddresses.map((p) => addressMatcher(p)),
    accounts: new Map(file.accounts.map((a) => [a.accessKey, compileAccount(a)])),
  };
}

function send(topic: string, group = 'pg') {
  return createRequest(RequestCode.SEND_MESSAGE_V2, {
    extFields: encodeHeader(SendMessageRequestHeaderV2, { producerGroup: group, topic, defaultTopic: 'TBW102', defaultTopicQueueNums: 4, queueId: 0, sysFlag: 0, bornTimestamp: Date.now(), flag: 0, properties: '', reconsumeTimes: 0, unitMode: false, maxReconsumeTimes: 16, batch: false }),
    body: Buffer.from('hello'),
  });
}

function check(request: ReturnType<typeof createRequest>, peer = '127.0.0.1:5555', yaml?: string): string {
  try {
    validateAccess(state(yaml), parseAccessResource(request, peer));
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('white remote address patterns', () => {
  const cases: [string, string, boolean][] = [
    ['', '1.2.3.4', false],
    ['*', '1.2.3.4', true],
    ['*.*.*.*', '1.2.3.4', true],
    ['192.168.0.1', '192.168.0.1', true],
    ['192.168.0.1', '192.168.0.2', false],
    ['192.168.0.1,192.168.0.2', '192.168.0.2', true],
    ['192.168.0.1,192.168.0.2', '192.168.0.3', false],
    ['192.168.0.{1,2,3}', '192.168.0.3', true],
    ['192.168.0.{1,2,3}', '192.168.0.4', false],
    ['192.168.*', '192.168.7.9', true],
    ['192.168.*', '192.169.7.9', false],
    ['192.168.1.*', '192.168.1.200', true],
    ['192.168.1.*', '192.168.2.200', false],
    ['192.168.1.1-100', '192.168.1.100', true],
    ['192.168.1.1-100', '192.168.1.101', false],
    ['192.168.1-5.*', '192.168.5.1', true],
    ['192.168.1-5.*', '192.168.6.1', false],
  ];
  for (const [pattern, peer, expected] of cases) {
    it(`"${pattern}" ${expected ? 'matches' : 'does not match'} ${peer}`, () => assert.equal(addressMatcher(pattern)(peer), expected));
  }
  for (const bad of ['192.168.1.300', '192.168.1.5-2', 'not-an-ip', '192.168.0.{1,x}', '192.168.-3.*', '192.168.*.5']) {
    it(`"${bad}" is refused at load`, () => assert.throws(() => addressMatcher(bad)));
  }
});

describe('permissions', () => {
  it('parses words as Apache does, anything unknown is DENY', () => {
    assert.equal(parsePerm('PUB'), Perm.PUB);
    assert.equal(parsePerm(' sub '), Perm.SUB);
    assert.equal(parsePerm('PUB|SUB'), Perm.PUB | Perm.SUB);
    assert.equal(parsePerm('SUB|PUB'), Perm.PUB | Perm.SUB);
    assert.equal(parsePerm('ANY'), Perm.DENY);
    assert.equal(parsePerm(undefined), Perm.DENY);
  });
  it('DENY always fails, ANY needs PUB or SUB', () => {
    assert.equal(checkPermission(Perm.PUB, Perm.PUB | Perm.DENY), false);
    assert.equal(checkPermission(Perm.ANY, Perm.SUB), true);
    assert.equal(checkPermission(Perm.PUB, Perm.SUB), false);
    assert.equal(checkPermission(Perm.SUB, Perm.PUB | Perm.SUB), true);
  });
});

describe('plain_acl.yml', () => {
  it('refuses short keys and bad entries with the reason', () => {
    assert.throws(() => parsePlainAclYaml('accounts:\n  - accessKey: short\n    secretKey: 12345678\n'), /accessKey=short cannot be less than 6/);
    assert.throws(() => parsePlainAclYaml('accounts:\n  - accessKey: longenough\n    secretKey: 123\n'), /secretKey .* less than 6/);
    assert.throws(() => parsePlainAclYaml('accounts:\n  - accessKey: longenough\n    secretKey: 12345678\n    topicPerms: [noequals]\n'), /name=PERM/);
    assert.throws(() => parsePlainAclYaml('globalWhiteRemoteAddresses: [300.1.1.1]\n'), /not an IP/);
  });
  it('the sample conf/plain_acl.yml is valid', () => {
    const sample = parsePlainAclYaml(readFileSync(new URL('../../../conf/plain_acl.yml', import.meta.url), 'utf8'));
    assert.deepEqual(sample.accounts.map((a) => [a.accessKey, a.admin]), [['app-orders', false], ['ops-admin', true]]);
    assert.deepEqual(sample.globalWhiteRemoteAddresses, []);
  });
  it('round-trips through the writer', () => {
    const file = parsePlainAclYaml(YAML);
    assert.deepEqual(parsePlainAclYaml(plainAclYaml(file)), file);
  });
});

describe('the check, in Apache order', () => {
  const good = { accessKey: 'RocketMQ', secretKey: '12345678' };
  it('signed with the right keys and owning PUB passes', () => {
    const request = send('topicB');
    signRequest(request, good);
    assert.equal(check(request), 'ok');
  });
  it('global white addresses pass without a signature', () => {
    assert.equal(check(send('anything'), '10.10.103.7:1'), 'ok');
    assert.equal(check(send('anything'), '192.168.0.2:1'), 'ok');
  });
  it('no AccessKey, an unknown one, a wrong secret each get their reason', () => {
    assert.match(check(send('topicB')), /AclException: No accessKey is configured$/);
    const unknown = send('topicB');
    signRequest(unknown, { accessKey: 'nobody-here', secretKey: '12345678' });
    assert.match(check(unknown), /No acl config for nobody-here$/);
    const wrong = send('topicB');
    signRequest(wrong, { accessKey: 'RocketMQ', secretKey: '87654321' });
    assert.match(check(wrong), /Check signature failed for accessKey=RocketMQ$/);
  });
  it('a tampered request fails the signature', () => {
    const request = send('topicB');
    signRequest(request, good);
    request.extFields!['b'] = 'topicC';
    assert.match(check(request), /Check signature failed/);
    const body = send('topicB');
    signRequest(body, good);
    body.body = Buffer.from('hellO');
    assert.match(check(body), /Check signature failed/);
  });
  it("the account's white address passes without a signature; others must sign", () => {
    const unsigned = send('x');
    unsigned.extFields!['AccessKey'] = 'rocketmq2';
    assert.equal(check(unsigned, '192.168.1.9:1'), 'ok');
    assert.match(check(unsigned, '192.168.2.9:1'), /Check signature failed for accessKey=rocketmq2/);
  });
  it('topic and group permissions: listed, default, DENY', () => {
    for (const [topic, expected] of [['topicA', /No default permission for topic:topicA/], ['topicC', /No default permission for topic:topicC/], ['other', /No default permission for topic:other/]] as const) {
      const request = send(topic);
      signRequest(request, good);
      assert.match(check(request), expected);
    }
    const pull = (topic: string, group: string) => {
      const request = createRequest(RequestCode.PULL_MESSAGE, { extFields: { consumerGroup: group, topic, queueId: '0', queueOffset: '0', maxMsgNums: '32', sysFlag: '0', commitOffset: '0', suspendTimeoutMillis: '0', subVersion: '0' } });
      signRequest(request, good);
      return check(request);
    };
    assert.equal(pull('topicC', 'groupC'), 'ok');
    assert.equal(pull('topicC', 'unlistedGroup'), 'ok', 'defaultGroupPerm SUB');
    assert.match(pull('topicC', 'groupA'), /No default permission for group:groupA/);
    assert.match(pull('topicA', 'groupC'), /No default permission for topic:topicA/);    // The 5.x POP codes need the same as a pull.
    const pop = (topic: string, group: string) => {
      const request = createRequest(200050, { extFields: { consumerGroup: group, topic, queueId: '-1', maxMsgNums: '32', invisibleTime: '60000', pollTime: '0', bornTime: '0', initMode: '0' } });
      signRequest(request, good);
      return check(request);
    };
    assert.equal(pop('topicC', 'groupC'), 'ok');
    assert.match(pop('topicC', 'groupA'), /No default permission for group:groupA/);
    assert.match(pop('topicA', 'groupC'), /No default permission for topic:topicA/);
    // A 5.3+ recall writes a marker to its topic: PUB, as a send.
    const recall = (topic: string) => {
      const request = createRequest(RequestCode.RECALL_MESSAGE, { extFields: { topic, recallHandle: 'x' } });
      signRequest(request, good);
      return check(request);
    };
    assert.equal(recall('topicB'), 'ok');
    assert.match(recall('topicC'), /No default permission for topic:topicC/);
  });
  it('heartbeats need SUB on each group and subscribed topic', () => {
    const heartbeat = (topic: string) => {
      const request = createRequest(RequestCode.HEART_BEAT, {
        body: encodeHeartbeatData({
          clientID: 'c',
          producerDataSet: [],
          consumerDataSet: [{ groupName: 'groupC', consumeType: 'CONSUME_PASSIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET', unitMode: false, subscriptionDataSet: [{ classFilterMode: false, topic, subString: '*', tagsSet: [], codeSet: [], subVersion: 1, expressionType: 'TAG' }] }],
        }),
      });
      signRequest(request, good);
      return check(request);
    };
    assert.equal(heartbeat('topicB'), 'ok');
    assert.match(heartbeat('topicA'), /topic:topicA/);
  });
  it('admin codes need an admin account; an admin without perm lists passes everything', () => {
    const create = createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { extFields: { topic: 'x', defaultTopic: 'TBW102', readQueueNums: '1', writeQueueNums: '1', perm: '6', topicFilterType: 'SINGLE_TAG', topicSysFlag: '0', order: 'false' } });
    signRequest(create, good);
    assert.match(check(create), /Need admin permission for request code=17, but accessKey=RocketMQ is not/);
    signRequest(create, { accessKey: 'rocketmq2', secretKey: '12345678' });
    assert.equal(check(create), 'ok');
    const anySend = send('whatever');
    signRequest(anySend, { accessKey: 'rocketmq2', secretKey: '12345678' });
    assert.equal(check(anySend), 'ok');
  });
  it('the signature is standard HMAC-SHA1 in Base64', () => {
    // HMAC-SHA1 (RFC 2104) of "RocketMQtopicB" keyed "12345678", Base64 — as `openssl dgst -sha1 -hmac` prints it.
    assert.equal(calSignature(Buffer.from('RocketMQtopicB'), '12345678'), '3VG2cNKuHpI+aZbSOUSOxoEmKw0=');
  });
});

describe('fuzzed signatures', () => {
  it('100,000 forged signatures and wrong secrets never pass', () => {
    const rules = state();
    const base = send('topicB');
    signRequest(base, { accessKey: 'RocketMQ', secretKey: '12345678' });
    const real = base.extFields!['Signature']!;
    const passes = (signature: string): boolean => {
      const request = { ...base, extFields: { ...base.extFields!, Signature: signature } };
      try {
        validateAccess(rules, parseAccessResource(request, '127.0.0.1:1'));
        return true;
      } catch {
        return false;
      }
    };
    assert.equal(passes(real), true);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.base64String({ minLength: 28, maxLength: 28 }),
          fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => Buffer.from(bytes).toString('base64')),
          fc.string({ minLength: 1, maxLength: 20 }).map((secret) => calSignature(Buffer.from('x'), secret)),
          fc.tuple(fc.nat({ max: 27 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')).map(([i, c]) => real.slice(0, i) + c + real.slice(i + 1)),
        ),
        (signature) => signature === real || !passes(signature),
      ),
      { numRuns: 100_000 },
    );
  });
});
