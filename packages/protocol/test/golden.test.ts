/**
 * Golden vectors written by the real Apache RocketMQ 4.8.0 Java classes
 * (interop/java, regenerated in CI): our encoders must produce the same bytes, our decoders
 * the same values.
 */
process.env.TZ = 'UTC'; // the vectors' month arithmetic was recorded in UTC

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  createOffsetMessageId,
  decodeTopicRouteData,
  encodeClusterInfo,
  encodeTopicRouteData,
  topicConfigWrapperJson,
  decodeBatch,
  decodeFrameWithLength,
  decodeHeader,
  decodeOffsetMessageId,
  decodeProperties,
  decodeStoredMessage,
  decodeStoredMessages,
  encodeBatch,
  encodeFrame,
  encodeHeader,
  encodeProperties,
  encodeStoredMessage,
  type ExtFields,
  HeaderDecodeError,
  headerTables,
  type HostAddress,
  ipToBytes,
  nearlyTimeFromUniqueId,
  parseFastjson,
  parseUniqueId,
  type RemotingCommand,
  SerializeType,
  tagsCode,
  uncompressBody,
  writeFastjson,
  type WritableJson,
} from '@rocketmq-ts/protocol';

interface CommandVector {
  name: string;
  header: string | null;
  serializeType: 'JSON' | 'ROCKETMQ';
  code: number;
  flag: number;
  opaque: number;
  language: string;
  version: number;
  remark: string | null;
  extFields: Record<string, string> | null;
  bodyHex: string | null;
  frameHex: string;
}

interface StoredVector {
  name: string;
  hex: string;
  fields: {
    topic: string;
    queueId: number;
    flag: number;
    queueOffset: string;
    commitLogOffset: string;
    sysFlag: number;
    bornTimestamp: string;
    bornHost: string;
    storeTimestamp: string;
    storeHost: string;
    reconsumeTimes: number;
    preparedTransactionOffset: string;
    bodyHex: string;
    uncompressedBodyHex?: string;
    bodyCRC: number;
    storeSize: number;
    properties: Record<string, string>;
    propertiesString: string;
    offsetMsgId: string;
  };
}

const vectors = JSON.parse(readFileSync(new URL('../../../interop/golden/vectors.json', import.meta.url), 'utf8')) as {
  commands: CommandVector[];
  storedMessages: StoredVector[];
  batches: { name: string; hex: string; messages: { flag: number; bodyHex: string; properties: Record<string, string>; propertiesString: string }[] }[];
  properties: ({ map: Record<string, string | null>; string: string } | { string: string; parsed: Record<string, string> })[];
  offsetMsgIds: { storeHost: string; commitLogOffset: string; id: string; decodedAddress: string; decodedOffset: string }[];
  uniqIds: { id: string; ipHex: string; pid: number; decodeNowMs: string; nearlyTimeMs: string }[];
  tagHashes: { tag: string; hash: number }[];
  jsonBodies: { name: string; json: string }[];
  jsonParse: { name: string; json: string; accepted: boolean }[];
};

const hex = (bytes: Uint8Array | undefined): string | null => (bytes && bytes.length > 0 ? Buffer.from(bytes).toString('hex') : null);

/** Java's "ip:port" (IPv6 unbracketed, uncompressed). */
function javaHost(text: string): HostAddress {
  const at = text.lastIndexOf(':');
  return { address: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

function commandOf(vector: CommandVector, extFields: ExtFields | undefined): RemotingCommand {
  return {
    code: vector.code,
    language: vector.language as RemotingCommand['language'],
    version: vector.version,
    opaque: vector.opaque,
    flag: vector.flag,
    remark: vector.remark ?? undefined,
    extFields,
    body: vector.bodyHex ? Buffer.from(vector.bodyHex, 'hex') : undefined,
    serializeType: vector.serializeType === 'JSON' ? SerializeType.JSON : SerializeType.ROCKETMQ,
  };
}

describe('golden vectors from the Java 4.8 client', () => {
  it('covers every header class the Java side has', () => {
    const javaHeaders = new Set(vectors.commands.map((v) => v.header).filter((h): h is string => h !== null));
    const missing = [...javaHeaders].filter((name) => !headerTables.has(name));
    assert.deepEqual(missing, [], `header tables missing for ${missing.join(', ')}`);
    assert.ok(javaHeaders.size >= 70);
  });

  describe('commands', () => {
    for (const vector of vectors.commands) {
      it(vector.name, () => {
        const frame = Buffer.from(vector.frameHex, 'hex');
        const decoded = decodeFrameWithLength(frame);
        assert.equal(decoded.code, vector.code);
        assert.equal(decoded.flag, vector.flag);
        assert.equal(decoded.opaque, vector.opaque);
        assert.equal(decoded.language, vector.language);
        assert.equal(decoded.version, vector.version);
        assert.equal(decoded.remark ?? null, vector.remark === '' && vector.serializeType === 'ROCKETMQ' ? null : vector.remark);
        const expectedExt = vector.extFields && (Object.keys(vector.extFields).length > 0 || vector.serializeType === 'JSON') ? vector.extFields : null;
        assert.deepEqual(decoded.extFields ?? null, expectedExt);
        assert.equal(hex(decoded.body), vector.bodyHex === '' ? null : vector.bodyHex);

        // Byte-identical encoding from the decoded values (Java HashMap order recomputed).
        assert.equal(encodeFrame(commandOf(vector, vector.extFields ?? undefined)).toString('hex'), vector.frameHex);

        const table = vector.header ? headerTables.get(vector.header) : undefined;
        if (!table || !vector.extFields) return;
        const variant = vector.name.split('/')[2];
        if (variant === 'full') {
          const wireNames = table.fields.map((f) => f.wire ?? f.name).sort();
          assert.deepEqual(wireNames, Object.keys(vector.extFields).sort(), `${table.name} field set`);
        }
        let typed: Record<string, unknown>;
        try {
          typed = decodeHeader(table, vector.extFields) as Record<string, unknown>;
        } catch (error) {
          assert.ok(error instanceof HeaderDecodeError);
          // The header variants carry longs beyond 2^53 (to catch precision loss), and
          // "defaults" leaves required fields out: both must be refused, by name.
          assert.ok(variant !== undefined, error.message);
          for (const problem of error.problems) assert.match(problem, /int64 within ±2\^53|^missing/);
          return;
        }
        const tableKeys = new Set(table.fields.map((f) => f.wire ?? f.name));
        const extras = Object.fromEntries(Object.entries(vector.extFields).filter(([key]) => !tableKeys.has(key)));
        const reencoded = encodeHeader(table, typed as never, extras);
        assert.deepEqual(reencoded, vector.extFields, `${table.name} typed round trip`);
        assert.equal(encodeFrame(commandOf(vector, reencoded)).toString('hex'), vector.frameHex);
      });
    }
  });

  it('SEND_MESSAGE_V2: typed header and properties match the Java producer', () => {
    const vector = vectors.commands.find((v) => v.name === 'SEND_MESSAGE_V2/PayTopic/JSON')!;
    const command = decodeFrameWithLength(Buffer.from(vector.frameHex, 'hex'));
    const header = decodeHeader(headerTables.get('SendMessageRequestHeaderV2')!, command.extFields) as Record<string, unknown>;
    assert.equal(header['topic'], 'PayTopic');
    assert.equal(header['bornTimestamp'], 1700000000123);
    const properties = decodeProperties(header['properties'] as string);
    assert.equal(properties['订单'], '支付 ✓');
    // In Java HashMap order we write the same string from the same map, whatever its order.
    const shuffled = Object.fromEntries(Object.entries(properties).reverse());
    assert.equal(encodeProperties(shuffled, { order: 'java-hash' }), header['properties']);
    assert.equal(command.body?.length, 1024);
  });

  it('PULL response body decodes to the stored messages', () => {
    const vector = vectors.commands.find((v) => v.name === 'PULL_MESSAGE/response/FOUND/JSON')!;
    const command = decodeFrameWithLength(Buffer.from(vector.frameHex, 'hex'));
    const messages = decodeStoredMessages(command.body!);
    assert.equal(messages.length, 3);
    assert.ok(messages.every((m) => m.topic === 'PayTopic'));
  });

  it('HEART_BEAT body: the fastjson dialect round-trips byte for byte', () => {
    const vector = vectors.commands.find((v) => v.name === 'HEART_BEAT/JSON')!;
    const body = Buffer.from(vector.bodyHex!, 'hex').toString('utf8');
    assert.equal(writeFastjson(parseFastjson(body) as WritableJson), body);
  });

  describe('stored messages', () => {
    for (const vector of vectors.storedMessages) {
      it(vector.name, () => {
        const bytes = Buffer.from(vector.hex, 'hex');
        const f = vector.fields;
        const message = decodeStoredMessage(bytes, 0, { checkCRC: true });
        assert.equal(message.storeSize, f.storeSize);
        assert.equal(message.topic, f.topic);
        assert.equal(message.queueId, f.queueId);
        assert.equal(message.flag, f.flag);
        assert.equal(message.queueOffset, Number(f.queueOffset));
        assert.equal(message.commitLogOffset, Number(f.commitLogOffset));
        assert.equal(message.sysFlag, f.sysFlag);
        assert.equal(message.bornTimestamp, Number(f.bornTimestamp));
        assert.equal(message.storeTimestamp, Number(f.storeTimestamp));
        assert.deepEqual(ipToBytes(message.bornHost.address), ipToBytes(javaHost(f.bornHost).address));
        assert.equal(message.bornHost.port, javaHost(f.bornHost).port);
        assert.deepEqual(ipToBytes(message.storeHost.address), ipToBytes(javaHost(f.storeHost).address));
        assert.equal(message.reconsumeTimes, f.reconsumeTimes);
        assert.equal(message.preparedTransactionOffset, Number(f.preparedTransactionOffset));
        assert.equal(message.body.toString('hex'), f.bodyHex);
        assert.equal(message.bodyCRC, f.bodyCRC);
        assert.deepEqual(message.properties, f.properties);
        assert.equal(message.propertiesText, f.propertiesString);
        if (f.uncompressedBodyHex) {
          assert.equal(uncompressBody(message.body).toString('hex'), f.uncompressedBodyHex);
        }
        if (Number.isSafeInteger(Number(f.commitLogOffset)) && BigInt(f.commitLogOffset) === BigInt(Number(f.commitLogOffset))) {
          assert.equal(createOffsetMessageId(javaHost(f.storeHost), Number(f.commitLogOffset)), f.offsetMsgId);
          const encoded = encodeStoredMessage({
            ...message,
            bornHost: javaHost(f.bornHost),
            storeHost: javaHost(f.storeHost),
          });
          assert.equal(encoded.toString('hex'), vector.hex);
        }
      });
    }
  });

  it('batch bodies', () => {
    for (const vector of vectors.batches) {
      const entries = vector.messages.map((m) => ({ flag: m.flag, body: Buffer.from(m.bodyHex, 'hex'), propertiesText: m.propertiesString }));
      assert.equal(encodeBatch(entries).toString('hex'), vector.hex, vector.name);
      for (const m of vector.messages) assert.equal(encodeProperties(m.properties), m.propertiesString, vector.name);
      const decoded = decodeBatch(Buffer.from(vector.hex, 'hex'));
      assert.deepEqual(
        decoded.map((m) => ({ flag: m.flag, body: m.body.toString('hex'), propertiesText: m.propertiesText })),
        entries.map((m) => ({ flag: m.flag, body: m.body.toString('hex'), propertiesText: m.propertiesText })),
      );
    }
  });

  it('properties strings', () => {
    for (const vector of vectors.properties) {
      if ('map' in vector) {
        assert.equal(encodeProperties(vector.map), vector.string);
        const withoutNulls = Object.fromEntries(Object.entries(vector.map).filter(([, v]) => v !== null && v !== ''));
        assert.deepEqual(decodeProperties(vector.string), withoutNulls);
      } else {
        assert.deepEqual(decodeProperties(vector.string), vector.parsed, JSON.stringify(vector.string));
      }
    }
  });

  it('offset message ids', () => {
    for (const vector of vectors.offsetMsgIds) {
      const decoded = decodeOffsetMessageId(vector.id);
      assert.deepEqual(ipToBytes(decoded.storeHost.address), ipToBytes(javaHost(vector.decodedAddress).address));
      assert.equal(decoded.storeHost.port, javaHost(vector.decodedAddress).port);
      if (Number.isSafeInteger(Number(vector.commitLogOffset))) {
        assert.equal(decoded.commitLogOffset, Number(vector.decodedOffset));
        assert.equal(createOffsetMessageId(javaHost(vector.storeHost), Number(vector.commitLogOffset)), vector.id);
      }
    }
  });

  it('UNIQ_KEY ids', () => {
    for (const vector of vectors.uniqIds) {
      const parts = parseUniqueId(vector.id);
      assert.equal(Buffer.from(ipToBytes(parts.ip)).toString('hex'), vector.ipHex);
      assert.equal(parts.pid, vector.pid);
      assert.equal(nearlyTimeFromUniqueId(vector.id, Number(vector.decodeNowMs)), Number(vector.nearlyTimeMs));
    }
  });

  it('tag hashes', () => {
    for (const vector of vectors.tagHashes) assert.equal(tagsCode(vector.tag), vector.hash, vector.tag);
  });

  it('JSON bodies: what fastjson writes, we read and write back byte for byte', () => {
    for (const vector of vectors.jsonBodies) {
      const pretty = vector.name.endsWith('Pretty');
      assert.equal(writeFastjson(parseFastjson(vector.json) as WritableJson, { pretty }), vector.json, vector.name);
    }
  });

  it('route bodies: our typed writers produce what the Java namesrv writes', () => {
    const body = (name: string) => vectors.jsonBodies.find((v) => v.name === name)!.json;
    const brokerData = {
      cluster: 'DefaultCluster',
      brokerName: 'broker-a',
      brokerAddrs: new Map([[1, '192.168.1.21:10911'], [0, '192.168.1.20:10911']]),
    };
    const route = {
      queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
      brokerDatas: [brokerData],
      filterServerTable: new Map<string, string[]>(),
    };
    assert.equal(encodeTopicRouteData(route).toString(), body('TopicRouteData'));
    assert.deepEqual(decodeTopicRouteData(Buffer.from(body('TopicRouteData'))), { ...route, orderTopicConf: undefined });
    const cluster = { brokerAddrTable: new Map([['broker-a', brokerData]]), clusterAddrTable: new Map([['DefaultCluster', new Set(['broker-a'])]]) };
    assert.equal(encodeClusterInfo(cluster).toString(), body('ClusterInfo'));
    const wrapper = {
      dataVersion: { counter: 5, timestamp: 1700000000000 },
      topicConfigTable: new Map([
        ['PayTopic', { topicName: 'PayTopic', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false }],
      ]),
    };
    assert.equal(writeFastjson(topicConfigWrapperJson(wrapper)), body('TopicConfigSerializeWrapper'));
    for (const vector of vectors.jsonParse.filter((v) => v.accepted && v.name.startsWith('TopicRouteData/'))) {
      const parsed = decodeTopicRouteData(Buffer.from(vector.json));
      assert.ok(parsed.brokerDatas.every((b) => [...b.brokerAddrs.keys()].every((id) => Number.isFinite(id))), vector.name);
    }
  });

  it('JSON that fastjson accepts, we accept', () => {
    for (const vector of vectors.jsonParse) {
      if (vector.accepted) assert.doesNotThrow(() => parseFastjson(vector.json), vector.name);
    }
    assert.throws(() => parseFastjson('not json'));
  });
});
