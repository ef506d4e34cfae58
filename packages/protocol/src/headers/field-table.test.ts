import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HeaderDecodeError } from '../errors.ts';
import { decodeHeader, encodeHeader } from './field-table.ts';
import { headerTables } from './index.ts';
import { PullMessageRequestHeader } from './pull.ts';
import { SendMessageRequestHeader, SendMessageRequestHeaderV2 } from './send.ts';

const send: SendMessageRequestHeader = {
  producerGroup: 'PayProducerGroup',
  topic: 'PayTopic',
  defaultTopic: 'TBW102',
  defaultTopicQueueNums: 4,
  queueId: 2,
  sysFlag: 0,
  bornTimestamp: 1700000000123,
  flag: 0,
  properties: 'TAGS\u0001TagA\u0002',
  reconsumeTimes: 0,
  unitMode: false,
  batch: false,
};

describe('header field tables', () => {
  it('maps SEND_MESSAGE_V2 to the short names a..m and back', () => {
    const ext = encodeHeader(SendMessageRequestHeaderV2, send);
    assert.deepEqual(Object.keys(ext).sort(), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'm']);
    assert.equal(ext['b'], 'PayTopic');
    assert.equal(ext['g'], '1700000000123');
    assert.equal(ext['k'], 'false');
    assert.deepEqual(decodeHeader(SendMessageRequestHeaderV2, ext), send);
    assert.deepEqual(decodeHeader(SendMessageRequestHeader, encodeHeader(SendMessageRequestHeader, send)), send);
  });

  it('sends Java primitives even when absent, and omits absent boxed fields', () => {
    const { unitMode: _u, batch: _b, properties: _p, reconsumeTimes: _r, ...rest } = send;
    const ext = encodeHeader(SendMessageRequestHeader, rest);
    assert.equal(ext['unitMode'], 'false');
    assert.equal(ext['batch'], 'false');
    assert.equal('properties' in ext, false);
    assert.equal('maxReconsumeTimes' in ext, false);
  });

  it('reports every missing and malformed field at once', () => {
    try {
      decodeHeader(PullMessageRequestHeader, { consumerGroup: 'g', queueId: 'x', queueOffset: '1.5', sysFlag: '99999999999' });
      assert.fail('expected a HeaderDecodeError');
    } catch (error) {
      assert.ok(error instanceof HeaderDecodeError);
      assert.equal(error.header, 'PullMessageRequestHeader');
      const text = error.problems.join('\n');
      for (const field of ['topic', 'maxMsgNums', 'commitOffset', 'suspendTimeoutMillis', 'subVersion']) assert.match(text, new RegExp(`missing "${field}"`));
      assert.match(text, /"queueId" must be an int32, got "x"/);
      assert.match(text, /"queueOffset" must be an int64/);
      assert.match(text, /"sysFlag" must be an int32/);
    }
  });

  it('reads longs exactly, Long.MAX/MIN as ±Infinity, and refuses inexact ones', () => {
    const base = { topic: 't', key: 'k', maxNum: '32', beginTimestamp: '0' };
    const query = headerTables.get('QueryMessageRequestHeader')!;
    assert.equal(decodeHeader(query, { ...base, endTimestamp: '9223372036854775807' })['endTimestamp'], Infinity);
    assert.equal(encodeHeader(query, { ...decodeHeader(query, { ...base, endTimestamp: '9223372036854775807' }) })['endTimestamp'], '9223372036854775807');
    assert.equal(decodeHeader(query, { ...base, endTimestamp: '-9223372036854775808' })['endTimestamp'], -Infinity);
    assert.equal(decodeHeader(query, { ...base, endTimestamp: '9007199254740991' })['endTimestamp'], 9007199254740991);
    assert.throws(() => decodeHeader(query, { ...base, endTimestamp: '9007199254740993' }), /int64 within ±2\^53/);
  });

  it('round-trips every table with arbitrary values', () => {
    for (const table of headerTables.values()) {
      const arbitraries: Record<string, fc.Arbitrary<unknown>> = {};
      for (const field of table.fields) {
        const value: fc.Arbitrary<unknown> =
          field.type === 'string' ? fc.string() : field.type === 'bool' ? fc.boolean() : field.type === 'int' ? fc.integer() : fc.maxSafeInteger();
        arbitraries[field.name] = field.required ? value : fc.option(value, { nil: undefined });
      }
      fc.assert(
        fc.property(fc.record(arbitraries), (header) => {
          const decoded = decodeHeader(table, encodeHeader(table, header as never)) as Record<string, unknown>;
          for (const field of table.fields) {
            const expected = header[field.name] ?? (field.primitive ? (field.type === 'bool' ? false : 0) : undefined);
            assert.deepEqual(decoded[field.name], expected, `${table.name}.${field.name}`);
          }
        }),
        { numRuns: 50 },
      );
    }
  });
});
