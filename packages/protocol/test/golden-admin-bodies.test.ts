/**
 * Admin bodies against interop/golden/admin-bodies.json, written by the real Apache RocketMQ
 * 4.8.0 classes (interop/java AdminBodyVectors): from the same input values our encoders must
 * produce Java's bytes (including HashMap/ConcurrentHashMap/TreeMap order), and our decoders
 * must give the values back.
 */
process.env.TZ = 'UTC'; // QueueTimeSpan's *Str fields were written by a JVM in UTC

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  type BrokerStatsData,
  type CheckClientRequestBody,
  type ConnectionInfo,
  type ConsumeMessageDirectlyResult,
  type ConsumerConnection,
  type ConsumerOffsetSerializeWrapper,
  type ConsumerRunningInfo,
  type ConsumeStats,
  type ConsumeStatsList,
  type ConsumeStatus,
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
  decodeKVTable,
  decodeProducerConnection,
  decodeQueryConsumeTimeSpanBody,
  decodeQueryCorrectionOffsetBody,
  decodeResetOffsetBody,
  decodeResetOffsetBodyForC,
  decodeSubscriptionGroupWrapper,
  decodeTopicConfig,
  decodeTopicStatsTable,
  type DelayOffsetSerializeWrapper,
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
  encodeKVTable,
  encodeProducerConnection,
  encodeQueryConsumeTimeSpanBody,
  encodeQueryCorrectionOffsetBody,
  encodeResetOffsetBody,
  encodeResetOffsetBodyForC,
  encodeSubscriptionGroupWrapper,
  encodeTopicConfig,
  encodeTopicStatsTable,
  type GetConsumerStatusBody,
  type LanguageName,
  type MessageQueue,
  type OffsetWrapper,
  type ProcessQueueInfo,
  type ProducerConnection,
  type QueryConsumeTimeSpanBody,
  type QueryCorrectionOffsetBody,
  type ResetOffsetBody,
  type ResetOffsetBodyForC,
  type SubscriptionData,
  type SubscriptionGroupConfig,
  type SubscriptionGroupWrapper,
  type TopicConfig,
  type TopicOffset,
  type TopicStatsTable,
} from '@rocketmq-ts/protocol';

/** Java's input description: maps as [{key, value}] in insertion order, sets as lists in insertion order. */
type Input = Record<string, unknown>;
interface Vector {
  name: string;
  code: number;
  class: string;
  input: Input;
  json: string;
  reencoded?: string;
}

const golden = JSON.parse(readFileSync(new URL('../../../interop/golden/admin-bodies.json', import.meta.url), 'utf8')) as {
  meta: { rocketmq: string; timeZone: string };
  vectors: Vector[];
};

// --------------------------------------------------------------------------------- input → value

const field = <T>(input: unknown, name: string): T => (input as Input)[name] as T;
const entries = <K, V>(value: unknown, key: (k: unknown) => K, item: (v: unknown) => V): Map<K, V> =>
  new Map((value as { key: unknown; value: unknown }[]).map((e) => [key(e.key), item(e.value)]));
const same = <T>(v: unknown): T => v as T;
const mq = (v: unknown): MessageQueue => ({ topic: field(v, 'topic'), brokerName: field(v, 'brokerName'), queueId: field(v, 'queueId') });
const subscription = (v: unknown): SubscriptionData => same<SubscriptionData>(v);
const connection = (v: unknown): ConnectionInfo => ({ ...same<ConnectionInfo>(v), language: field<LanguageName>(v, 'language') });
const consumeStats = (v: unknown): ConsumeStats => ({
  consumeTps: field(v, 'consumeTps'),
  offsetTable: entries(field(v, 'offsetTable'), mq, same<OffsetWrapper>),
});

/** name → [build the value from input, encode, decode]. */
type Case = [(input: Input) => unknown, (value: never) => Buffer, (body: Uint8Array) => unknown];
const cases: Record<string, Case> = {
  TopicStatsTable: [(i): TopicStatsTable => ({ offsetTable: entries(i['offsetTable'], mq, same<TopicOffset>) }), encodeTopicStatsTable, decodeTopicStatsTable],
  ConsumeStats: [consumeStats, encodeConsumeStats, decodeConsumeStats],
  'ConsumeStats/zeroTps': [consumeStats, encodeConsumeStats, decodeConsumeStats],
  ConsumerConnection: [
    (i): ConsumerConnection => ({
      connectionSet: (i['connectionSet'] as unknown[]).map(connection),
      subscriptionTable: entries(i['subscriptionTable'], String, subscription),
      consumeType: i['consumeType'] as string,
      messageModel: i['messageModel'] as string,
      consumeFromWhere: i['consumeFromWhere'] as string,
    }),
    encodeConsumerConnection,
    decodeConsumerConnection,
  ],
  ProducerConnection: [(i): ProducerConnection => ({ connectionSet: (i['connectionSet'] as unknown[]).map(connection) }), encodeProducerConnection, decodeProducerConnection],
  GroupList: [
    (i): { groupList: string[] } => ({ groupList: i['groupList'] as string[] }),
    (v: { groupList: string[] }) => encodeGroupList(v.groupList),
    (body) => ({ groupList: decodeGroupList(body) }),
  ],
  ResetOffsetBody: [(i): ResetOffsetBody => ({ offsetTable: entries(i['offsetTable'], mq, Number) }), encodeResetOffsetBody, decodeResetOffsetBody],
  ResetOffsetBodyForC: [(i): ResetOffsetBodyForC => same(i), encodeResetOffsetBodyForC, decodeResetOffsetBodyForC],
  GetConsumerStatusBody: [
    (i): GetConsumerStatusBody => ({
      messageQueueTable: entries(i['messageQueueTable'], mq, Number),
      consumerTable: entries(i['consumerTable'], String, (t) => entries(t, mq, Number)),
    }),
    encodeGetConsumerStatusBody,
    decodeGetConsumerStatusBody,
  ],
  QueryConsumeTimeSpanBody: [
    (i): QueryConsumeTimeSpanBody => ({ consumeTimeSpanSet: (i['consumeTimeSpanSet'] as Input[]).map((s) => ({ ...s, messageQueue: mq(s['messageQueue']) }) as never) }),
    encodeQueryConsumeTimeSpanBody,
    decodeQueryConsumeTimeSpanBody,
  ],
  ConsumerRunningInfo: [runningInfo, encodeConsumerRunningInfo, decodeConsumerRunningInfo],
  'ConsumerRunningInfo/jstack': [runningInfo, encodeConsumerRunningInfo, decodeConsumerRunningInfo],
  ConsumeMessageDirectlyResult: [directResult, encodeConsumeMessageDirectlyResult, decodeConsumeMessageDirectlyResult],
  'ConsumeMessageDirectlyResult/noRemark': [directResult, encodeConsumeMessageDirectlyResult, decodeConsumeMessageDirectlyResult],
  KVTable: [(i): Map<string, string> => entries(i['table'], String, String), encodeKVTable, decodeKVTable],
  SubscriptionGroupWrapper: [
    (i): SubscriptionGroupWrapper => ({
      dataVersion: same(i['dataVersion']),
      subscriptionGroupTable: entries(i['subscriptionGroupTable'], String, same<SubscriptionGroupConfig>),
    }),
    encodeSubscriptionGroupWrapper,
    decodeSubscriptionGroupWrapper,
  ],
  ConsumerOffsetSerializeWrapper: [
    (i): ConsumerOffsetSerializeWrapper => ({ offsetTable: entries(i['offsetTable'], String, (t) => entries(t, Number, Number)) }),
    encodeConsumerOffsetSerializeWrapper,
    decodeConsumerOffsetSerializeWrapper,
  ],
  'ConsumerOffsetSerializeWrapper/pretty': [
    (i): ConsumerOffsetSerializeWrapper => ({ offsetTable: entries(i['offsetTable'], String, (t) => entries(t, Number, Number)) }),
    (v: ConsumerOffsetSerializeWrapper) => encodeConsumerOffsetSerializeWrapper(v, { pretty: true }),
    decodeConsumerOffsetSerializeWrapper,
  ],
  'DelayOffsetSerializeWrapper/pretty': [
    (i): DelayOffsetSerializeWrapper => ({ offsetTable: entries(i['offsetTable'], Number, Number) }),
    (v: DelayOffsetSerializeWrapper) => encodeDelayOffsetSerializeWrapper(v, { pretty: true }),
    decodeDelayOffsetSerializeWrapper,
  ],
  DelayOffsetSerializeWrapper: [
    (i): DelayOffsetSerializeWrapper => ({ offsetTable: entries(i['offsetTable'], Number, Number) }),
    encodeDelayOffsetSerializeWrapper,
    decodeDelayOffsetSerializeWrapper,
  ],
  CheckClientRequestBody: [(i): CheckClientRequestBody => same(i), encodeCheckClientRequestBody, decodeCheckClientRequestBody],
  QueryCorrectionOffsetBody: [
    (i): QueryCorrectionOffsetBody => ({ correctionOffsets: entries(i['correctionOffsets'], Number, Number) }),
    encodeQueryCorrectionOffsetBody,
    decodeQueryCorrectionOffsetBody,
  ],
  BrokerStatsData: [(i): BrokerStatsData => same(i), encodeBrokerStatsData, decodeBrokerStatsData],
  ConsumeStatsList: [
    (i): ConsumeStatsList => ({
      brokerAddr: i['brokerAddr'] as string,
      consumeStatsList: (i['consumeStatsList'] as unknown[]).map((byGroup) => entries(byGroup, String, (list) => (list as unknown[]).map(consumeStats))),
      totalDiff: i['totalDiff'] as number,
    }),
    encodeConsumeStatsList,
    decodeConsumeStatsList,
  ],
  TopicConfig: [(i): TopicConfig => same(i), encodeTopicConfig, decodeTopicConfig],
};

function runningInfo(i: Input): ConsumerRunningInfo {
  return {
    properties: entries(i['properties'], String, String),
    subscriptionSet: (i['subscriptionSet'] as unknown[]).map(subscription),
    mqTable: entries(i['mqTable'], mq, same<ProcessQueueInfo>),
    statusTable: entries(i['statusTable'], String, same<ConsumeStatus>),
    jstack: i['jstack'] as string | undefined,
  };
}

function directResult(i: Input): ConsumeMessageDirectlyResult {
  return {
    order: i['order'] as boolean,
    autoCommit: i['autoCommit'] as boolean,
    consumeResult: i['consumeResult'] as ConsumeMessageDirectlyResult['consumeResult'],
    remark: i['remark'] as string | undefined,
    spentTimeMills: i['spentTimeMills'] as number,
  };
}

// --------------------------------------------------------------------------------- comparison

/** Java Sets (HashSet, TreeSet, HashSet<Connection>) come back in Java's order; compare them as sets. */
const SET_FIELDS = new Set(['tagsSet', 'codeSet', 'subscriptionSet', 'connectionSet', 'groupList']);

function canonical(value: unknown, setField = false): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => canonical(item));
    return setField ? items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) : items;
  }
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [canonical(k), canonical(v)]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonical(v, SET_FIELDS.has(k))]));
  }
  return value;
}

// --------------------------------------------------------------------------------- tests

describe('admin bodies: golden vectors from the Java 4.8 classes', () => {
  it('has a case for every vector and a vector for every case', () => {
    assert.equal(golden.meta.rocketmq, '4.8.0');
    assert.equal(golden.meta.timeZone, 'UTC');
    assert.deepEqual(golden.vectors.map((v) => v.name).sort(), Object.keys(cases).sort());
  });

  for (const vector of golden.vectors) {
    const [build, encode, decode] = cases[vector.name] ?? [];
    if (!build || !encode || !decode) continue;
    describe(`${vector.name} (${vector.class}, code ${vector.code})`, () => {
      const value = build(vector.input);

      it('encodes to the Java bytes', () => {
        assert.equal(encode(value as never).toString('utf8'), vector.json);
      });

      it('decodes to the input values', () => {
        assert.deepStrictEqual(canonical(decode(Buffer.from(vector.json))), canonical(value));
      });

      it('re-encodes what it decoded to the same bytes', () => {
        assert.equal(encode(decode(Buffer.from(vector.json)) as never).toString('utf8'), vector.json);
      });

      if (vector.reencoded !== undefined) {
        it('reads the same values from the order fastjson writes after decoding into default-capacity maps', () => {
          assert.deepStrictEqual(canonical(decode(Buffer.from(vector.reencoded!))), canonical(value));
        });
      }
    });
  }
});
