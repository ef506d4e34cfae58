import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MessageDecodeError } from '../errors.ts';
import { decodeBatch, encodeBatch } from './batch.ts';
import { compressBody } from './compression.ts';
import { formatHost, ipToBytes, parseHost } from './host.ts';
import {
  createOffsetMessageId,
  decodeOffsetMessageId,
  nearlyTimeFromUniqueId,
  parseUniqueId,
  UniqueIdGenerator,
} from './message-id.ts';
import { decodeProperties, encodeProperties, joinProperties } from './properties.ts';
import { decodeStoredMessage, decodeStoredMessages, encodeStoredMessage, type StoredMessageInit } from './stored-message.ts';
import { MessageSysFlag } from './sys-flag.ts';
import { tagsCode } from './tag-hash.ts';

const base: StoredMessageInit = {
  queueId: 3,
  flag: 7,
  queueOffset: 12345,
  commitLogOffset: 2 ** 40 + 17,
  sysFlag: 0,
  bornTimestamp: 1700000000123,
  bornHost: { address: '10.0.0.7', port: 53211 },
  storeTimestamp: 1700000000456,
  storeHost: { address: '192.168.1.20', port: 10911 },
  reconsumeTimes: 2,
  preparedTransactionOffset: 0,
  body: Buffer.from('hello'),
  topic: 'PayTopic',
  propertiesText: encodeProperties({ TAGS: 'TagA', KEYS: 'k1 k2' }),
};

describe('properties string', () => {
  it('parses like Java: drops items without exactly two parts, later wins', () => {
    assert.deepEqual(decodeProperties('a\u0001b\u0002c\u0001\u0002d\u0002e\u0001f\u0001g\u0002a\u0001z\u0002'), { a: 'z' });
    assert.deepEqual(decodeProperties('\u0001v\u0002'), { '': 'v' });
    assert.deepEqual(decodeProperties(''), {});
    assert.deepEqual(decodeProperties('k\u0001v'), { k: 'v' });
  });

  it('agrees with a literal model of Java String.split on any input', () => {
    const javaSplit = (text: string, separator: string): string[] => {
      const parts = text.split(separator);
      if (text.length === 0) return parts;
      while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
      return parts;
    };
    const model = (text: string): Record<string, string> => {
      const out: Record<string, string> = {};
      for (const item of javaSplit(text, '\u0002')) {
        const nv = javaSplit(item, '\u0001');
        if (nv.length === 2) out[nv[0]!] = nv[1]!;
      }
      return out;
    };
    const text = fc.array(fc.constantFrom('a', 'b', 'KEYS', '\u0001', '\u0002', '\u0001\u0001'), { maxLength: 24 }).map((parts) => parts.join(''));
    fc.assert(fc.property(text, (input) => assert.deepEqual(decodeProperties(input), model(input))), { numRuns: 2000 });
  });

  it('round-trips maps without separators or empty values', () => {
    const text = fc.string({ minLength: 1 }).filter((s) => !s.includes('\u0001') && !s.includes('\u0002'));
    fc.assert(
      fc.property(fc.dictionary(text, text), (map) => {
        assert.deepEqual(decodeProperties(encodeProperties(map)), { ...map });
      }),
    );
  });
});

describe('stored message', () => {
  it('is 91 + body + topic + properties bytes for IPv4 hosts and round-trips', () => {
    const bytes = encodeStoredMessage(base);
    assert.equal(bytes.length, 91 + 5 + 8 + Buffer.byteLength(base.propertiesText));
    const message = decodeStoredMessage(bytes, 0, { checkCRC: true });
    assert.equal(message.storeSize, bytes.length);
    assert.equal(message.commitLogOffset, 2 ** 40 + 17);
    assert.deepEqual(message.bornHost, base.bornHost);
    assert.deepEqual(message.storeHost, base.storeHost);
    assert.deepEqual(message.properties, { TAGS: 'TagA', KEYS: 'k1 k2' });
    assert.equal(message.body.toString(), 'hello');
  });

  it('sets the IPv6 bits from the addresses and adds 12 bytes per IPv6 host', () => {
    const bytes = encodeStoredMessage({ ...base, bornHost: { address: '::1', port: 1 }, storeHost: { address: 'fe80::1:2', port: 10911 } });
    const message = decodeStoredMessage(bytes);
    assert.equal(bytes.length, 91 + 24 + 5 + 8 + Buffer.byteLength(base.propertiesText));
    assert.equal(message.sysFlag & 0x30, 0x30);
    assert.equal(message.bornHost.address, '0:0:0:0:0:0:0:1');
    assert.equal(message.storeHost.address, 'fe80:0:0:0:0:0:1:2');
  });

  it('writes IPv4-mapped IPv6 peers as IPv4', () => {
    const message = decodeStoredMessage(encodeStoredMessage({ ...base, bornHost: { address: '::ffff:127.0.0.1', port: 5 } }));
    assert.equal(message.sysFlag & MessageSysFlag.BORNHOST_V6, 0);
    assert.equal(message.bornHost.address, '127.0.0.1');
  });

  it('inflates compressed bodies on request', () => {
    const body = Buffer.alloc(10000, 'x');
    const bytes = encodeStoredMessage({ ...base, body: compressBody(body), sysFlag: MessageSysFlag.COMPRESSED });
    const message = decodeStoredMessage(bytes, 0, { uncompress: true });
    assert.deepEqual(message.body, body);
    assert.equal(message.sysFlag & MessageSysFlag.COMPRESSED, 0);
  });

  it('decodes concatenated records and rejects every truncation', () => {
    const one = encodeStoredMessage(base);
    const two = encodeStoredMessage({ ...base, queueOffset: 12346, body: Buffer.from('second') });
    const both = Buffer.concat([one, two]);
    assert.deepEqual(decodeStoredMessages(both).map((m) => m.body.toString()), ['hello', 'second']);
    for (let cut = 1; cut < one.length; cut++) {
      assert.throws(() => decodeStoredMessages(one.subarray(0, cut)), MessageDecodeError);
    }
  });

  it('rejects a wrong magic code and an inconsistent size', () => {
    const bytes = encodeStoredMessage(base);
    const badMagic = Buffer.from(bytes);
    badMagic.writeInt32BE(0x12345678, 4);
    assert.throws(() => decodeStoredMessage(badMagic), /magic code/);
    const badSize = Buffer.concat([bytes, Buffer.alloc(4)]);
    badSize.writeInt32BE(bytes.length + 4, 0);
    assert.throws(() => decodeStoredMessage(badSize), /fields take/);
  });

  it('round-trips arbitrary records', () => {
    fc.assert(
      fc.property(
        fc.record({
          queueId: fc.integer({ min: 0, max: 1023 }),
          flag: fc.integer(),
          queueOffset: fc.maxSafeNat(),
          commitLogOffset: fc.maxSafeNat(),
          bornTimestamp: fc.maxSafeNat(),
          storeTimestamp: fc.maxSafeNat(),
          reconsumeTimes: fc.integer({ min: 0, max: 100 }),
          preparedTransactionOffset: fc.maxSafeNat(),
          body: fc.uint8Array({ maxLength: 300 }),
          topic: fc.stringMatching(/^[%|a-zA-Z0-9_-]{1,127}$/),
          bornIp: fc.oneof(fc.ipV4(), fc.ipV6()),
        }),
        (record) => {
          const init: StoredMessageInit = {
            ...base,
            ...record,
            bornHost: { address: record.bornIp, port: 4321 },
            body: Buffer.from(record.body),
          };
          const message = decodeStoredMessage(encodeStoredMessage(init), 0, { checkCRC: true });
          assert.equal(message.topic, record.topic);
          assert.equal(message.queueOffset, record.queueOffset);
          assert.equal(message.commitLogOffset, record.commitLogOffset);
          assert.equal(message.preparedTransactionOffset, record.preparedTransactionOffset);
          assert.deepEqual(ipToBytes(message.bornHost.address), ipToBytes(record.bornIp));
          assert.deepEqual(message.body, Buffer.from(record.body));
        },
      ),
    );
  });
});

describe('batch body', () => {
  it('round-trips and locates the broken message', () => {
    const entries = [
      { flag: 0, body: Buffer.from('m0'), propertiesText: encodeProperties({ UNIQ_KEY: 'A' }) },
      { flag: 1, body: Buffer.alloc(0), propertiesText: '' },
    ];
    const bytes = encodeBatch(entries);
    assert.deepEqual(
      decodeBatch(bytes).map((m) => ({ flag: m.flag, body: Buffer.from(m.body), propertiesText: m.propertiesText })),
      entries,
    );
    assert.throws(() => decodeBatch(bytes.subarray(0, bytes.length - 1)), /batch message 1/);
  });
});

describe('message ids', () => {
  it('offsetMsgId: 32 uppercase hex for IPv4, 56 for IPv6, and back', () => {
    const id = createOffsetMessageId({ address: '192.168.1.20', port: 10911 }, 2 ** 40 + 17);
    assert.equal(id, 'C0A80114' + '00002A9F' + '0000010000000011');
    assert.deepEqual(decodeOffsetMessageId(id), { storeHost: { address: '192.168.1.20', port: 10911 }, commitLogOffset: 2 ** 40 + 17 });
    assert.equal(createOffsetMessageId({ address: '::1', port: 1 }, 0).length, 56);
    assert.throws(() => decodeOffsetMessageId('XYZ'), MessageDecodeError);
  });

  it('UNIQ_KEY: Java layout, unique, time recoverable', () => {
    const generator = new UniqueIdGenerator('10.1.2.3', 0x12345, 99);
    const now = Date.now();
    const ids = new Set(Array.from({ length: 1000 }, () => generator.next(now)));
    assert.equal(ids.size, 1000);
    const [first] = ids;
    assert.match(first!, /^[0-9A-F]{32}$/);
    const parts = parseUniqueId(first!);
    assert.equal(parts.ip, '10.1.2.3');
    assert.equal(parts.pid, 0x2345);
    assert.equal(nearlyTimeFromUniqueId(first!, now), now);
  });

  it('host text forms', () => {
    assert.deepEqual(parseHost('[::1]:10911'), { address: '::1', port: 10911 });
    assert.equal(formatHost(parseHost('1.2.3.4:5')), '1.2.3.4:5');
  });
});

describe('tag hash', () => {
  it('is Java String#hashCode', () => {
    assert.equal(tagsCode('TagA'), 2598919);
    assert.equal(tagsCode('TagB'), 2598920);
    assert.equal(tagsCode(undefined), 0);
  });
});

describe('joinProperties (a batch entry + the batch properties, as Apache 4.9+ stores them)', () => {
  it('puts a separator in only where the first string lacks its trailing one', () => {
    assert.equal(joinProperties('TAGS\u0001a', 'CLUSTER\u0001c\u0002'), 'TAGS\u0001a\u0002CLUSTER\u0001c\u0002');
    assert.equal(joinProperties('TAGS\u0001a\u0002', 'CLUSTER\u0001c\u0002'), 'TAGS\u0001a\u0002CLUSTER\u0001c\u0002');
    assert.equal(joinProperties('', 'CLUSTER\u0001c\u0002'), 'CLUSTER\u0001c\u0002');
    assert.equal(joinProperties('TAGS\u0001a', ''), 'TAGS\u0001a');
  });

  it('decodes to the union of both maps, later names winning, whichever client wrote the first', () => {
    const name = fc.stringMatching(/^[A-Za-z_]{1,6}$/);
    const value = fc.stringMatching(/^[ -~]{1,8}$/);
    fc.assert(
      fc.property(fc.dictionary(name, value), fc.dictionary(name, value), fc.boolean(), (own, batch, trailing) => {
        const ownText = encodeProperties(own);
        const head = trailing ? ownText : ownText.slice(0, -1);
        assert.deepEqual(decodeProperties(joinProperties(head, encodeProperties(batch))), { ...own, ...batch });
      }),
    );
  });
});
