// Property tests of the table-driven body codec: what a table encodes, the same table decodes
// to the same value, for maps in Java order, beans with defaults, and nested collections.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeConsumeMessageDirectlyResult,
  decodeConsumerOffsetSerializeWrapper,
  decodeConsumeStats,
  decodeQueryCorrectionOffsetBody,
  encodeConsumeMessageDirectlyResult,
  encodeConsumerOffsetSerializeWrapper,
  encodeConsumeStats,
  encodeQueryCorrectionOffsetBody,
} from './admin.ts';
import { bean, body, boolean, long, optionalString } from './body-schema.ts';
import { messageQueueKey } from './heartbeat.ts';

const name = fc.string({ minLength: 1, maxLength: 12 });
const long53 = fc.integer({ min: -(2 ** 31), max: 2 ** 40 });
const mq = fc.record({ topic: name, brokerName: name, queueId: fc.integer({ min: 0, max: 64 }) });

describe('table-driven bodies', () => {
  it('ConsumeStats round-trips (MessageQueue-keyed map, a double)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(mq, fc.record({ brokerOffset: long53, consumerOffset: long53, lastTimestamp: long53 })), { selector: ([q]) => messageQueueKey(q), maxLength: 8 }), fc.integer({ min: 0, max: 10 ** 6 }), (entries, tps) => {
        const stats = { consumeTps: tps / 8, offsetTable: new Map(entries) };
        const decoded = decodeConsumeStats(encodeConsumeStats(stats));
        assert.equal(decoded.consumeTps, stats.consumeTps);
        assert.deepEqual(
          [...decoded.offsetTable].map(([q, o]) => [messageQueueKey(q), o]).sort(),
          entries.map(([q, o]) => [messageQueueKey(q), { ...o }]).sort(),
        );
      }),
    );
  });

  it('nested integer maps and plain beans round-trip', () => {
    fc.assert(
      fc.property(fc.dictionary(name, fc.dictionary(fc.integer({ min: 0, max: 1000 }).map(String), long53)), (table) => {
        const offsetTable = new Map(Object.entries(table).map(([key, queues]) => [key, new Map(Object.entries(queues).map(([q, o]) => [Number(q), o]))]));
        assert.deepEqual(decodeConsumerOffsetSerializeWrapper(encodeConsumerOffsetSerializeWrapper({ offsetTable })).offsetTable, offsetTable);
        const correctionOffsets = new Map(Object.entries(table[Object.keys(table)[0] ?? ''] ?? {}).map(([q, o]) => [Number(q), o]));
        assert.deepEqual(decodeQueryCorrectionOffsetBody(encodeQueryCorrectionOffsetBody({ correctionOffsets })).correctionOffsets, correctionOffsets);
      }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.constantFrom(undefined, 'CR_SUCCESS', 'CR_LATER'), fc.option(name, { nil: undefined }), long53, (order, autoCommit, consumeResult, remark, spentTimeMills) => {
        const result = { order, autoCommit, consumeResult, remark, spentTimeMills } as const;
        assert.deepEqual(decodeConsumeMessageDirectlyResult(encodeConsumeMessageDirectlyResult(result)), result);
      }),
    );
  });

  it('missing fields read as Java defaults, and fields may be read under another name', () => {
    const codec = body('Probe', bean<{ count: number; flag: boolean; on: boolean; note: string | undefined }>({ count: long, flag: boolean(), on: [boolean(true), { readAlso: ['enabled'] }], note: optionalString }));
    assert.deepEqual(codec.decode(Buffer.from('{}')), { count: 0, flag: false, on: true, note: undefined });
    assert.deepEqual(codec.decode(Buffer.from('{"count":"7","enabled":false,"note":"x","other":1}')), { count: 7, flag: false, on: false, note: 'x' });
    assert.equal(codec.encode({ count: 1, flag: true, on: false, note: undefined }).toString(), '{"count":1,"flag":true,"on":false}');
  });
});
