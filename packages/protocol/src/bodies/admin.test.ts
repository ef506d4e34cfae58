process.env.TZ = 'UTC'; // queueTimeSpanDate formats in the local zone

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { JsonParseError } from '../errors.ts';
import {
  compareMessageQueue,
  type ConsumerRunningInfo,
  consumeStatsTotalDiff,
  decodeBrokerStatsData,
  decodeCheckClientRequestBody,
  decodeConsumeMessageDirectlyResult,
  decodeConsumerConnection,
  decodeConsumerOffsetSerializeWrapper,
  decodeConsumerRunningInfo,
  decodeConsumeStats,
  decodeConsumeStatsList,
  decodeDelayOffsetSerializeWrapper,
  decodeGetConsumerStatusBody,
  decodeGroupList,
  decodeProducerConnection,
  decodeQueryConsumeTimeSpanBody,
  decodeQueryCorrectionOffsetBody,
  decodeResetOffsetBody,
  decodeResetOffsetBodyForC,
  decodeSubscriptionGroupWrapper,
  decodeTopicConfig,
  decodeTopicStatsTable,
  encodeBrokerStatsData,
  encodeCheckClientRequestBody,
  encodeConsumeMessageDirectlyResult,
  encodeConsumerConnection,
  encodeConsumerOffsetSerializeWrapper,
  encodeConsumerRunningInfo,
  encodeConsumeStats,
  encodeConsumeStatsList,
  encodeDelayOffsetSerializeWrapper,
  encodeGetConsumerStatusBody,
  encodeGroupList,
  encodeProducerConnection,
  encodeQueryConsumeTimeSpanBody,
  encodeQueryCorrectionOffsetBody,
  encodeResetOffsetBody,
  encodeResetOffsetBodyForC,
  encodeSubscriptionGroupWrapper,
  encodeTopicConfig,
  encodeTopicStatsTable,
  messageQueueHash,
  type ProcessQueueInfo,
  queueTimeSpanDate,
  type TopicStatsTable,
} from './admin.ts';
import { newSubscriptionGroupConfig } from './group.ts';
import { buildSubscriptionData, type MessageQueue } from './heartbeat.ts';

const mq = (topic: string, brokerName: string, queueId: number): MessageQueue => ({ topic, brokerName, queueId });
const text = (body: Buffer): string => body.toString('utf8');
const bytes = (json: string): Buffer => Buffer.from(json);
const MQ0 = '{"brokerName":"broker-a","queueId":0,"topic":"T"}';

const processQueue = (n: number): ProcessQueueInfo => ({
  commitOffset: 100 + n,
  cachedMsgMinOffset: 101 + n,
  cachedMsgMaxOffset: 130 + n,
  cachedMsgCount: 30 - n,
  cachedMsgSizeInMiB: n,
  transactionMsgMinOffset: 0,
  transactionMsgMaxOffset: 0,
  transactionMsgCount: 0,
  locked: n === 1,
  tryUnlockTimes: n,
  lastLockTimestamp: 0,
  droped: n === 2,
  lastPullTimestamp: 1700000001000 + n,
  lastConsumeTimestamp: 1700000002000 + n,
});

describe('MessageQueue order helpers', () => {
  it('hash equals Java MessageQueue.hashCode (values from the 4.8 jar)', () => {
    assert.equal(messageQueueHash(mq('PayTopic', 'broker-a', 0)), -1189940717);
    assert.equal(messageQueueHash(mq('%RETRY%g', 'broker-b', 7)), -738629941);
    assert.equal(messageQueueHash(mq('主题', 'b', -1)), 783839);
  });

  it('compares by topic, brokerName, queueId in UTF-16 order', () => {
    const sorted = [mq('b', 'a', 0), mq('a', 'b', 0), mq('a', 'a', 2), mq('a', 'a', 1), mq('B', 'z', 9)].sort(compareMessageQueue);
    assert.deepEqual(sorted, [mq('B', 'z', 9), mq('a', 'a', 1), mq('a', 'a', 2), mq('a', 'b', 0), mq('b', 'a', 0)]);
  });
});

describe('MessageQueue-keyed bodies', () => {
  it('TopicStatsTable: writes object-literal keys and reads them back', () => {
    const table: TopicStatsTable = { offsetTable: new Map([[mq('T', 'broker-a', 0), { minOffset: 0, maxOffset: 5, lastUpdateTimestamp: 1700000000000 }]]) };
    const json = text(encodeTopicStatsTable(table));
    assert.equal(json, `{"offsetTable":{${MQ0}:{"lastUpdateTimestamp":1700000000000,"maxOffset":5,"minOffset":0}}}`);
    assert.deepEqual(decodeTopicStatsTable(bytes(json)), table);
  });

  it('a key repeated with equal content is written once: first position, last value (Java map semantics)', () => {
    const offsetTable = new Map([
      [mq('T', 'broker-a', 0), 1],
      [mq('T', 'broker-a', 1), 2],
      [mq('T', 'broker-a', 0), 3],
    ]);
    const decoded = decodeResetOffsetBody(encodeResetOffsetBody({ offsetTable }));
    assert.deepEqual([...decoded.offsetTable.values()].sort(), [2, 3]);
  });

  it('reads keys with whitespace, other field order, as a quoted JSON object, and skips keys that are no queue', () => {
    const json = `{ "offsetTable" : {
        { "topic" : "T", "queueId" : 0, "brokerName" : "broker-a" } : 7,
        "{\\"brokerName\\":\\"broker-b\\",\\"queueId\\":1,\\"topic\\":\\"T\\"}" : 8,
        "T:broker-c:2" : 9 },
      "unknown" : [1, {"x": null}] }`;
    assert.deepEqual(decodeResetOffsetBody(bytes(json)).offsetTable, new Map([[mq('T', 'broker-a', 0), 7], [mq('T', 'broker-b', 1), 8]]));
  });

  it('ConsumeStats: consumeTps is a Java double; numbers as strings and unknown fields are accepted', () => {
    const stats = { consumeTps: 5, offsetTable: new Map([[mq('T', 'broker-a', 0), { brokerOffset: 10, consumerOffset: 4, lastTimestamp: 0 }]]) };
    assert.equal(text(encodeConsumeStats(stats)), `{"consumeTps":5.0,"offsetTable":{${MQ0}:{"brokerOffset":10,"consumerOffset":4,"lastTimestamp":0}}}`);
    assert.equal(text(encodeConsumeStats({ ...stats, consumeTps: 1e7 })).slice(0, 24), '{"consumeTps":1.0E7,"off');
    assert.equal(consumeStatsTotalDiff(stats), 6);
    const lenient = decodeConsumeStats(bytes(`{"consumeTps":"2.5","extra":1,"offsetTable":{${MQ0}:{"brokerOffset":"10","consumerOffset":4,"more":true}}}`));
    assert.deepEqual(lenient, { consumeTps: 2.5, offsetTable: new Map([[mq('T', 'broker-a', 0), { brokerOffset: 10, consumerOffset: 4, lastTimestamp: 0 }]]) });
  });

  it('GetConsumerStatusBody round trip', () => {
    const body = {
      messageQueueTable: new Map([[mq('T', 'a', 1), 5]]),
      consumerTable: new Map([
        ['c1', new Map([[mq('T', 'a', 1), 4]])],
        ['c2', new Map<MessageQueue, number>()],
      ]),
    };
    assert.deepEqual(decodeGetConsumerStatusBody(encodeGetConsumerStatusBody(body)), body);
  });

  it('round-trips any MessageQueue map (property)', () => {
    const queue = fc.record({ topic: fc.string({ maxLength: 12 }), brokerName: fc.string({ maxLength: 8 }), queueId: fc.integer({ min: -5, max: 1000 }) }).map((q) => ({ ...q }));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(queue, fc.maxSafeNat()), { selector: ([q]) => JSON.stringify([q.topic, q.brokerName, q.queueId]), maxLength: 20 }), (rows) => {
        const offsetTable = new Map(rows);
        assert.deepEqual(decodeResetOffsetBody(encodeResetOffsetBody({ offsetTable })).offsetTable, offsetTable);
      }),
    );
  });

  it('ResetOffsetBodyForC is a plain list', () => {
    const body = { offsetTable: [{ ...mq('T', 'b', 1), offset: 77 }] };
    assert.equal(text(encodeResetOffsetBodyForC(body)), '{"offsetTable":[{"brokerName":"b","offset":77,"queueId":1,"topic":"T"}]}');
    assert.deepEqual(decodeResetOffsetBodyForC(encodeResetOffsetBodyForC(body)), body);
  });
});

describe('integer-keyed bodies', () => {
  it('consumer offsets: bare keys in ConcurrentHashMap(32) order; quoted and negative keys read', () => {
    const wrapper = { offsetTable: new Map([['T@g', new Map([[17, 1], [3, 2], [40, 3]])]]) };
    assert.equal(text(encodeConsumerOffsetSerializeWrapper(wrapper)), '{"offsetTable":{"T@g":{3:2,17:1,40:3}}}');
    const read = decodeConsumerOffsetSerializeWrapper(bytes('{"offsetTable":{"T@g":{"0":10, 1 : 20,-1:5,"x":1},"U@g":{}}}'));
    assert.deepEqual(read.offsetTable, new Map([['T@g', new Map([[0, 10], [1, 20], [-1, 5]])], ['U@g', new Map()]]));
  });

  it('consumer offsets in pretty form (consumerOffset.json) read back', () => {
    const wrapper = { offsetTable: new Map([['T@g', new Map([[0, 10], [1, 20]])], ['%RETRY%g@g', new Map([[0, 0]])]]) };
    const pretty = text(encodeConsumerOffsetSerializeWrapper(wrapper, { pretty: true }));
    assert.match(pretty, /^\{\n\t"offsetTable":\{/);
    assert.deepEqual(decodeConsumerOffsetSerializeWrapper(bytes(pretty)), wrapper);
  });

  it('delay offsets and correction offsets round trip', () => {
    const delay = { offsetTable: new Map([[18, 180], [3, 30], [1, 10]]) };
    assert.equal(text(encodeDelayOffsetSerializeWrapper(delay)), '{"offsetTable":{1:10,3:30,18:180}}');
    assert.deepEqual(decodeDelayOffsetSerializeWrapper(encodeDelayOffsetSerializeWrapper(delay)), delay);
    const correction = { correctionOffsets: new Map([[20, 520], [2, 502]]) };
    assert.equal(text(encodeQueryCorrectionOffsetBody(correction)), '{"correctionOffsets":{2:502,20:520}}');
    assert.deepEqual(decodeQueryCorrectionOffsetBody(bytes('{"correctionOffsets":{"2":502,"20":"520"}}')), correction);
  });
});

describe('connections and groups', () => {
  const sub = buildSubscriptionData('T', 'TagB || TagA', 'TAG', 1700000000001);

  it('ConsumerConnection: HashSet order for tags and codes, enums omitted when absent', () => {
    const connection = {
      connectionSet: [{ clientId: 'c@1', clientAddr: '10.0.0.1:5000', language: 'JAVA' as const, version: 373 }],
      subscriptionTable: new Map([['T', sub]]),
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
    };
    const json = text(encodeConsumerConnection(connection));
    assert.match(json, /"codeSet":\[2598919,2598920\].*"tagsSet":\["TagA","TagB"\]/);
    const decoded = decodeConsumerConnection(bytes(json));
    assert.deepEqual(decoded.subscriptionTable.get('T')!.tagsSet, ['TagA', 'TagB']);
    assert.deepEqual(decoded.connectionSet, connection.connectionSet);
    const bare = decodeConsumerConnection(bytes('{"connectionSet":[{"clientId":"x","language":9,"version":"317"}]}'));
    assert.deepEqual(bare, {
      connectionSet: [{ clientId: 'x', clientAddr: '', language: 'GO', version: 317 }],
      subscriptionTable: new Map(),
      consumeType: undefined,
      messageModel: undefined,
      consumeFromWhere: undefined,
    });
    assert.equal(text(encodeConsumerConnection(bare)), '{"connectionSet":[{"clientAddr":"","clientId":"x","language":"GO","version":317}],"subscriptionTable":{}}');
  });

  it('ProducerConnection and GroupList round trip; GroupList drops duplicates', () => {
    const producers = { connectionSet: [{ clientId: 'p@1', clientAddr: '10.0.0.2:6000', language: 'CPP' as const, version: 0 }] };
    assert.deepEqual(decodeProducerConnection(encodeProducerConnection(producers)), producers);
    assert.deepEqual(decodeGroupList(encodeGroupList(['g1', 'g1'])), ['g1']);
    assert.deepEqual(decodeGroupList(bytes('{ "groupList" : [ "a" , "b" ] , "x" : 1 }')), ['a', 'b']);
  });

  it('CheckClientRequestBody round trip; subscriptionData optional', () => {
    const request = { clientId: 'c@1', group: 'g', subscriptionData: buildSubscriptionData('T', 'a > 1', 'SQL92', 5) };
    assert.deepEqual(decodeCheckClientRequestBody(encodeCheckClientRequestBody(request)), request);
    assert.deepEqual(decodeCheckClientRequestBody(bytes('{"clientId":"c@1","group":"g"}')), { clientId: 'c@1', group: 'g', subscriptionData: undefined });
  });
});

describe('ConsumerRunningInfo', () => {
  const info: ConsumerRunningInfo = {
    properties: new Map([
      ['PROP_CONSUME_TYPE', 'CONSUME_PASSIVELY'],
      ['consumerGroup', 'g'],
    ]),
    subscriptionSet: [buildSubscriptionData('T', '*', 'TAG', 2), buildSubscriptionData('%RETRY%g', '*', 'TAG', 1)],
    mqTable: new Map([
      [mq('T', 'b', 0), processQueue(0)],
      [mq('T', 'a', 3), processQueue(1)],
    ]),
    statusTable: new Map([['T', { pullRT: 1.5, pullTPS: 10, consumeRT: 0, consumeOKTPS: 9.75, consumeFailedTPS: 0.25, consumeFailedMsgs: 3 }]]),
    jstack: undefined,
  };

  it('writes TreeMap/TreeSet order, doubles and droped, and reads it back', () => {
    const json = text(encodeConsumerRunningInfo(info));
    assert.ok(json.indexOf('"queueId":3') < json.indexOf('"brokerName":"b"'), 'mqTable sorted by brokerName within a topic');
    assert.ok(json.indexOf('"topic":"%RETRY%g"') < json.indexOf('"subString":"*","subVersion":2'), 'subscriptionSet sorted by topic@subString');
    assert.match(json, /"droped":false/);
    assert.match(json, /"pullTPS":10\.0/);
    const back = decodeConsumerRunningInfo(bytes(json));
    assert.deepEqual(back.mqTable, info.mqTable);
    assert.deepEqual(back.statusTable, info.statusTable);
    assert.deepEqual(back.properties, info.properties);
    assert.deepEqual(new Set(back.subscriptionSet.map((s) => s.topic)), new Set(['T', '%RETRY%g']));
  });

  it("reads Go's dropped, a quoted queue key and non-string properties", () => {
    const goBody = `{"properties":{"PROP_CONSUMEORDERLY":false,"PROP_THREADPOOL_CORE_SIZE":20},
      "subscriptionSet":[{"topic":"T","subString":"*","tagsSet":[],"codeSet":["2598919"],"subVersion":1}],
      "mqTable":{"{\\"brokerName\\":\\"a\\",\\"queueId\\":0,\\"topic\\":\\"T\\"}":{"dropped":true,"commitOffset":5}},
      "statusTable":{"T":{"pullRT":"1.5"}},"jstack":"x"}`;
    const read = decodeConsumerRunningInfo(bytes(goBody));
    assert.deepEqual(read.properties, new Map([['PROP_CONSUMEORDERLY', 'false'], ['PROP_THREADPOOL_CORE_SIZE', '20']]));
    assert.equal(read.subscriptionSet[0]!.codeSet[0], 2598919);
    const pq = read.mqTable.get([...read.mqTable.keys()][0]!)!;
    assert.equal(pq.droped, true);
    assert.equal(pq.commitOffset, 5);
    assert.deepEqual([...read.mqTable.keys()], [mq('T', 'a', 0)]);
    assert.equal(read.statusTable.get('T')!.pullRT, 1.5);
    assert.equal(read.jstack, 'x');
  });
});

describe('other bodies', () => {
  it('ConsumeMessageDirectlyResult: Java defaults when fields are missing; unknown results dropped', () => {
    const result = { order: false, autoCommit: true, consumeResult: 'CR_LATER' as const, remark: 'r', spentTimeMills: 3 };
    assert.equal(text(encodeConsumeMessageDirectlyResult(result)), '{"autoCommit":true,"consumeResult":"CR_LATER","order":false,"remark":"r","spentTimeMills":3}');
    assert.deepEqual(decodeConsumeMessageDirectlyResult(encodeConsumeMessageDirectlyResult(result)), result);
    assert.deepEqual(decodeConsumeMessageDirectlyResult(bytes('{"consumeResult":"CR_MAYBE"}')), {
      order: false,
      autoCommit: true,
      consumeResult: undefined,
      remark: undefined,
      spentTimeMills: 0,
    });
  });

  it('QueryConsumeTimeSpanBody writes the *Str getters and ignores them on read', () => {
    assert.equal(queueTimeSpanDate(1700000050007), '2023-11-14#22:14:10:007');
    assert.equal(queueTimeSpanDate(0), '1970-01-01#00:00:00:000');
    const body = { consumeTimeSpanSet: [{ messageQueue: mq('T', 'a', 1), minTimeStamp: 1, maxTimeStamp: 2, consumeTimeStamp: 3, delayTime: 4 }] };
    const json = text(encodeQueryConsumeTimeSpanBody(body));
    assert.match(json, /"consumeTimeStampStr":"1970-01-01#00:00:00:003"/);
    assert.deepEqual(decodeQueryConsumeTimeSpanBody(bytes(json)), body);
  });

  it('SubscriptionGroupWrapper: missing config fields take SubscriptionGroupConfig defaults', () => {
    const wrapper = { dataVersion: { counter: 1, timestamp: 2 }, subscriptionGroupTable: new Map([['g', newSubscriptionGroupConfig('g', { retryMaxTimes: 3 })]]) };
    assert.deepEqual(decodeSubscriptionGroupWrapper(encodeSubscriptionGroupWrapper(wrapper)), wrapper);
    const sparse = decodeSubscriptionGroupWrapper(bytes('{"subscriptionGroupTable":{"h":{"consumeEnable":false}}}'));
    assert.deepEqual(sparse.subscriptionGroupTable.get('h'), newSubscriptionGroupConfig('h', { consumeEnable: false }));
    assert.deepEqual(sparse.dataVersion, { counter: 0, timestamp: 0 });
  });

  it('BrokerStatsData and ConsumeStatsList round trip', () => {
    const stats = { statsMinute: { sum: 60, tps: 1, avgpt: 0.5 }, statsHour: { sum: 0, tps: 0, avgpt: 0 }, statsDay: { sum: 1, tps: 2.5e-4, avgpt: 3 } };
    assert.equal(
      text(encodeBrokerStatsData(stats)),
      '{"statsDay":{"avgpt":3.0,"sum":1,"tps":2.5E-4},"statsHour":{"avgpt":0.0,"sum":0,"tps":0.0},"statsMinute":{"avgpt":0.5,"sum":60,"tps":1.0}}',
    );
    assert.deepEqual(decodeBrokerStatsData(encodeBrokerStatsData(stats)), stats);
    const list = {
      brokerAddr: '10.0.0.1:10911',
      consumeStatsList: [new Map([['g', [{ consumeTps: 0.5, offsetTable: new Map([[mq('T', 'a', 0), { brokerOffset: 3, consumerOffset: 1, lastTimestamp: 9 }]]) }]]])],
      totalDiff: 2,
    };
    assert.deepEqual(decodeConsumeStatsList(encodeConsumeStatsList(list)), list);
  });

  it('TopicConfig (351): reads 5.x extras as unknown fields', () => {
    const config = { topicName: 'T', readQueueNums: 8, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false };
    assert.deepEqual(decodeTopicConfig(encodeTopicConfig(config)), config);
    const v5 = '{"attributes":{"+message.type":"NORMAL"},"order":false,"perm":6,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"T","topicSysFlag":0,"writeQueueNums":4}';
    assert.deepEqual(decodeTopicConfig(bytes(v5)), config);
  });

  it('rejects bodies that are empty or not a JSON object', () => {
    assert.throws(() => decodeTopicStatsTable(undefined), JsonParseError);
    assert.throws(() => decodeConsumeStats(Buffer.alloc(0)), JsonParseError);
    assert.throws(() => decodeGroupList(bytes('[1,2]')), JsonParseError);
    assert.throws(() => decodeConsumerRunningInfo(bytes('{"mqTable":')), JsonParseError);
  });
});
