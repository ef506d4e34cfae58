/**
 * mqadmin's parts that need no Apache: Java-style formatting, the commons-cli usage layout,
 * argument checks and exit codes, the fastjson-pretty route, Java HashMap order of
 * properties; then a few commands against our cluster, text and --json.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createOffsetMessageId,
  createRequest,
  decodeOffsetMessageId,
  encodeHeader,
  encodeProperties,
  MessageSysFlag,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
  UniqueIdGenerator,
} from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';
import { UsageError } from '../src/cli/mqadmin/command.ts';
import { parseResetTimestamp } from '../src/cli/mqadmin/commands/group.ts';
import { javaMapText } from '../src/cli/mqadmin/commands/message.ts';
import { usageText } from '../src/cli/mqadmin/help.ts';
import { findCommand, type MqadminIo, parseArguments, runMqadmin, toolsCredentials } from '../src/cli/mqadmin/main.ts';
import { javaFormat } from '../src/cli/mqadmin/printf.ts';
import { topicRouteJson } from '../src/cli/mqadmin/route-json.ts';

async function mqadmin(args: string[], env: MqadminIo['env'] = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runMqadmin(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

describe('javaFormat', () => {
  it('pads, justifies and rounds as java.util.Formatter', () => {
    assert.equal(javaFormat('%-6s|%6s|', 'ab', 'cd'), 'ab    |    cd|');
    assert.equal(javaFormat('%03d  %-4d|%4d', 7, 12, -3), '007  12  |  -3');
    assert.equal(javaFormat('%.2f %9.2f %2.2f %.4f', 1.005, 35.714, 0, 0.5), '1.00     35.71 0.00 0.5000');
    assert.equal(javaFormat('%s %s %s%n', null, true, 12), 'null true 12\n');
    assert.equal(javaFormat('100%% %d', 5), '100% 5');
    assert.equal(javaFormat('%-3s|', 'longer'), 'longer|', 'a value wider than the column is not cut');
  });
});

describe('usage text', () => {
  it("lays out as commons-cli's HelpFormatter at width 110: sorted options, the -b|-c group, wrapped usage line", () => {
    const text = usageText(findCommand('updateTopic')!);
    const lines = text.split('\n');
    assert.ok(lines[0]!.startsWith('usage: mqadmin updateTopic -b <arg> | -c <arg>  [-h] [-n <arg>] [-o <arg>]'));
    assert.ok(lines.every((line) => line.length <= 110), 'no line is wider than 110');
    assert.match(lines[1]!, /^ {7}\S/, 'the usage line continues under "mqadmin"');
    const options = lines.filter((line) => /^ -\w,--/.test(line)).map((line) => line[2]!);
    assert.deepEqual(options, [...options].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    assert.match(text, /^ -t,--topic <arg> {12}topic name$/m);
    assert.match(text, /^ {4}--json {19}print the result as JSON/m);
  });

  it('mqadmin help <command> and <command> -h print it; an unknown command and a bad option exit 1', async () => {
    const help = await mqadmin(['help', 'topicRoute']);
    assert.equal(help.code, 0);
    assert.equal(help.stdout, usageText(findCommand('topicRoute')!));
    assert.equal((await mqadmin(['topicRoute', '-h'])).stdout, help.stdout);
    const unknown = await mqadmin(['noSuchCommand']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /The sub command noSuchCommand not exist/);
    const list = await mqadmin([]);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^The most commonly used mqadmin commands are:\n {3}updateTopic {10}Update or create topic\n/);
    const bad = await mqadmin(['topicRoute', '-t', 'T', '--bogus']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /mqadmin topicRoute: unknown option '--bogus'\nusage: mqadmin topicRoute/);
  });
});

describe('argument checks', () => {
  const spec = findCommand('updateTopic')!;
  it('takes short and long options, --json, and trims values', () => {
    const parsed = parseArguments(spec, ['--topic', ' T1 ', '-c', 'C', '-r', '4', '--json']);
    assert.equal(parsed.options.get('t'), 'T1');
    assert.equal(parsed.options.int('r', 8), 4);
    assert.equal(parsed.options.int('w', 8), 8);
    assert.equal(parsed.json, true);
  });
  it('refuses a missing required option, both or neither of -b/-c, a non-integer, and stray arguments', () => {
    assert.throws(() => parseArguments(spec, ['-c', 'C']), UsageError);
    assert.throws(() => parseArguments(spec, ['-t', 'T']), /exactly one of -b, -c/);
    assert.throws(() => parseArguments(spec, ['-t', 'T', '-b', 'A', '-c', 'C']), /exactly one of -b, -c/);
    assert.throws(() => parseArguments(spec, ['-t', 'T', '-c', 'C', '-r', 'x']).options.int('r', 8), /-r must be an integer/);
    assert.throws(() => parseArguments(spec, ['-t', 'T', '-c', 'C', 'extra']), UsageError);
  });
  it('finds commands in any case, as MQAdminStartup does (QueryMsgTraceById)', () => {
    assert.equal(findCommand('querymsgtracebyid')?.name, 'QueryMsgTraceById');
    assert.equal(findCommand('TOPICLIST')?.name, 'topicList');
  });
  it('needs a name server from -n or NAMESRV_ADDR', async () => {
    const result = await mqadmin(['topicList']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /give -n <host:port\[;host:port\]> or set NAMESRV_ADDR/);
  });
  it('resetOffsetByTime -s: now, epoch milliseconds, or yyyy-MM-dd#HH:mm:ss:SSS in local time', () => {
    assert.equal(parseResetTimestamp('now', 42), 42);
    assert.equal(parseResetTimestamp('1700000000000'), 1_700_000_000_000);
    assert.equal(parseResetTimestamp('2024-02-03#04:05:06:007'), new Date(2024, 1, 3, 4, 5, 6, 7).getTime());
    assert.throws(() => parseResetTimestamp('yesterday'), UsageError);
  });
});

describe('Java texts', () => {
  it("topicRoute prints fastjson's pretty format: sorted keys, tabs, brokerAddrs on one line", () => {
    const text = topicRouteJson({
      topic: 'T',
      queues: [{ brokerName: 'b', readQueueNums: 2, writeQueueNums: 3, perm: 6, permText: 'RW-', topicSysFlag: 0 }],
      brokers: [{ cluster: 'C', brokerName: 'b', addrs: { '1': '10.0.0.2:10911', '0': '10.0.0.1:10911' } }],
    });
    assert.equal(
      text,
      [
        '{',
        '\t"brokerDatas":[',
        '\t\t{',
        '\t\t\t"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"',
        '\t\t\t},',
        '\t\t\t"brokerName":"b",',
        '\t\t\t"cluster":"C"',
        '\t\t}',
        '\t],',
        '\t"filterServerTable":{},',
        '\t"queueDatas":[',
        '\t\t{',
        '\t\t\t"brokerName":"b",',
        '\t\t\t"perm":6,',
        '\t\t\t"readQueueNums":2,',
        '\t\t\t"topicSynFlag":0,',
        '\t\t\t"writeQueueNums":3',
        '\t\t}',
        '\t]',
        '}',
      ].join('\n'),
    );
  });
  it("message properties print in a Java HashMap's order, as Apache's tool showed them for a pulled message", () => {
    // As decoded from the store (the Java producer's order), then MIN/MAX_OFFSET added by the pull; keys in one bucket keep that order.
    const properties = { KEYS: 'k1', UNIQ_KEY: 'U', CLUSTER: 'DefaultCluster', WAIT: 'true', TAGS: 'tagA', MAX_OFFSET: '2', MIN_OFFSET: '0' };
    assert.equal(javaMapText(properties), '{MIN_OFFSET=0, MAX_OFFSET=2, KEYS=k1, UNIQ_KEY=U, CLUSTER=DefaultCluster, WAIT=true, TAGS=tagA}');
  });
});

describe('against our cluster', () => {
  it('updateTopic, topicList --json, topicStatus; a failing command exits 1 with the reason', async (t) => {
    const cluster = await startCluster(t);
    const ns = cluster.namesrvAddr;
    const created = await mqadmin(['updateTopic', '-c', 'DefaultCluster', '-t', 'UnitTopic', '-w', '2', '-r', '2', '-n', ns]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(
      created.stdout,
      `create topic to ${cluster.brokerAddr} success.\nTopicConfig [topicName=UnitTopic, readQueueNums=2, writeQueueNums=2, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false]`,
    );
    const list = await mqadmin(['topicList', '--json'], { NAMESRV_ADDR: ns });
    assert.ok((JSON.parse(list.stdout) as { topicList: string[] }).topicList.includes('UnitTopic'));
    const status = await mqadmin(['topicStatus', '-t', 'UnitTopic', '-n', ns]);
    assert.equal(status.stdout.split('\n').length, 4, 'header, two queues, final newline');
    const missing = await mqadmin(['topicRoute', '-t', 'NoSuchTopic', '-n', ns]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^mqadmin topicRoute: .*TOPIC_NOT_EXIST/);
    const wrongCluster = await mqadmin(['deleteTopic', '-t', 'UnitTopic', '-c', 'NoCluster', '-n', ns]);
    assert.equal(wrongCluster.code, 1);
    assert.match(wrongCluster.stderr, /cluster "NoCluster" is not known/);
  });

  it('resumeCheckHalfMessage -i <offsetMsgId> puts a half message back on the half queue (RESUME_CHECK_HALF_MESSAGE)', async (t) => {
    const cluster = await startCluster(t);
    const client = new RemotingClient();
    t.after(() => client.close());
    const sent = await client.invoke(
      cluster.brokerAddr,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: encodeHeader(SendMessageRequestHeaderV2, {
          producerGroup: 'UnitTxGroup',
          topic: 'UnitTxTopic',
          defaultTopic: 'TBW102',
          defaultTopicQueueNums: 4,
          queueId: 0,
          sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
          bornTimestamp: Date.now(),
          flag: 0,
          properties: encodeProperties({ TRAN_MSG: 'true', PGROUP: 'UnitTxGroup', UNIQ_KEY: new UniqueIdGenerator('127.0.0.1').next() }),
        }),
        body: Buffer.from('half'),
      }),
    );
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    const offsetMsgId = sent.extFields!['msgId']!;
    const store = cluster.broker.internals.store;
    const before = store.getMaxOffsetInQueue('RMQ_SYS_TRANS_HALF_TOPIC', 0);
    const resumed = await mqadmin(['resumeCheckHalfMessage', '-i', offsetMsgId, '-n', cluster.namesrvAddr]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.stdout, `resume check half message ${offsetMsgId} success.\n`);
    assert.equal(store.getMaxOffsetInQueue('RMQ_SYS_TRANS_HALF_TOPIC', 0), before + 1, 'one more half record');
    const wrong = await mqadmin(['resumeCheckHalfMessage', '-i', createOffsetMessageId(decodeOffsetMessageId(offsetMsgId).storeHost, 1 << 30), '-n', cluster.namesrvAddr]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /RESUME_CHECK_HALF_MESSAGE .*SYSTEM_ERROR.*no half message/);
  });
});

describe('tools.yml', () => {
  it('signs with $ROCKETMQ_HOME/conf/tools.yml when it has both keys, as Apache (AclUtils.getAclRPCHook)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'rmqts-tools-yml-'));
    try {
      assert.equal(await toolsCredentials({}), undefined, 'no ROCKETMQ_HOME: unsigned');
      assert.equal(await toolsCredentials({ ROCKETMQ_HOME: home }), undefined, 'no tools.yml: unsigned');
      await mkdir(join(home, 'conf'));
      await writeFile(join(home, 'conf', 'tools.yml'), 'accessKey: rocketmq2\nsecretKey: 12345678\n');
      assert.deepEqual(await toolsCredentials({ ROCKETMQ_HOME: home }), { accessKey: 'rocketmq2', secretKey: '12345678' });
      await writeFile(join(home, 'conf', 'tools.yml'), 'accessKey: rocketmq2\nsecretKey: "  "\n');
      assert.equal(await toolsCredentials({ ROCKETMQ_HOME: home }), undefined, 'a blank key: unsigned');
      await writeFile(join(home, 'conf', 'tools.yml'), 'accessKey: [unclosed\n');
      await assert.rejects(toolsCredentials({ ROCKETMQ_HOME: home }), /tools\.yml is not valid YAML/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
