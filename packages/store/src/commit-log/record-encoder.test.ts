import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeStoredMessage, storedMessageLength, withHostFlags } from '@rocketmq-ts/protocol';
import type { MessageToStore } from './message-to-store.ts';
import { encodeRecord } from './record-encoder.ts';

describe('encodeRecord', () => {
  it('writes exactly what protocol writeStoredMessage writes', () => {
    const host = fc.oneof(fc.ipV4(), fc.constantFrom('::1', 'fe80::1:2', '2001:db8::8a2e:370:7334'));
    const int64 = fc.integer({ min: -(2 ** 40), max: 2 ** 52 });
    fc.assert(
      fc.property(
        fc.record({
          topic: fc.string({ minLength: 1, maxLength: 40 }),
          queueId: fc.integer({ min: 0, max: 1023 }),
          flag: fc.integer(),
          body: fc.uint8Array({ maxLength: 300 }),
          propertiesText: fc.string({ maxLength: 200, unit: 'grapheme' }),
          sysFlag: fc.constantFrom(0, 1, 2, 4, 8, 12),
          bornTimestamp: int64,
          born: host,
          store: host,
          port: fc.integer({ min: 0, max: 65535 }),
          reconsumeTimes: fc.integer({ min: 0, max: 16 }),
          preparedTransactionOffset: int64,
          queueOffset: int64,
          physicalOffset: fc.integer({ min: 0, max: 2 ** 52 }),
          storeTimestamp: int64,
        }),
        (m) => {
          const message: MessageToStore = { ...m, bornHost: { address: m.born, port: m.port }, storeHost: { address: m.store, port: 10911 } };
          const expected = encodeStoredMessage({
            ...message,
            queueOffset: m.queueOffset,
            commitLogOffset: m.physicalOffset,
            storeTimestamp: m.storeTimestamp,
          });
          const topic = Buffer.from(m.topic);
          const propertiesLength = Buffer.byteLength(m.propertiesText);
          const sysFlag = withHostFlags(m.sysFlag, message.bornHost, message.storeHost);
          const length = storedMessageLength(sysFlag, m.body.length, topic.length, propertiesLength);
          const out = Buffer.alloc(length + 10, 0xee);
          const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
          encodeRecord(out, view, 5, message, topic, propertiesLength, sysFlag, length, m.queueOffset, m.physicalOffset, m.storeTimestamp);
          assert.deepEqual(out.subarray(5, 5 + length), expected);
          assert.equal(out[4], 0xee);
          assert.equal(out[5 + length], 0xee);
        },
      ),
    );
  });
});
