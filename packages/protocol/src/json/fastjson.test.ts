import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { JsonParseError } from '../errors.ts';
import { JavaDouble, javaDoubleToString, parseFastjson, writeFastjson } from './fastjson.ts';

describe('fastjson dialect', () => {
  it('reads bare numeric keys into a Map<number, …>', () => {
    const route = parseFastjson('{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"b"}') as Record<string, unknown>;
    assert.deepEqual(route['brokerAddrs'], new Map([[0, '10.0.0.1:10911'], [1, '10.0.0.2:10911']]));
  });

  it('reads object-literal keys into a Map<object, …>', () => {
    const stats = parseFastjson('{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":5}},"consumeTps":0.0}') as Record<string, unknown>;
    const table = stats['offsetTable'] as Map<unknown, unknown>;
    assert.deepEqual([...table.entries()], [[{ brokerName: 'b', queueId: 0, topic: 'T' }, { brokerOffset: 5 }]]);
    assert.equal(stats['consumeTps'], 0);
  });

  it('accepts whitespace, quoted numeric keys, single quotes and negative keys', () => {
    assert.deepEqual(parseFastjson(' { "0" : "a" ,\n\t"x":[ 1 , -2.5e3 ] } '), { 0: 'a', x: [1, -2500] });
    assert.deepEqual(parseFastjson("{'k':'v'}"), { k: 'v' });
    assert.deepEqual(parseFastjson('{-1:2}'), new Map([[-1, 2]]));
  });

  it('keeps a "__proto__" key as data', () => {
    const value = parseFastjson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(Object.keys(value), ['__proto__']);
  });

  it('fails with the position on bad input', () => {
    for (const text of ['{', '{"a"}', '[1,', '"abc', '{"a":1}x', 'nul', '{"a":\\u12}']) {
      assert.throws(() => parseFastjson(text), JsonParseError, text);
    }
  });

  it('writes beans sorted, Maps in order with bare numeric and object keys, skips nulls', () => {
    const text = writeFastjson({
      queueDatas: [{ writeQueueNums: 4, brokerName: 'b', perm: 6 }],
      brokerDatas: [{ cluster: 'c', brokerAddrs: new Map([[0, 'a:1'], [1, 'b:2']]), brokerName: 'b' }],
      filterServerTable: new Map(),
      orderTopicConf: undefined,
      offsetTable: new Map([[{ topic: 'T', queueId: 0, brokerName: 'b' }, 7]]),
      tps: new JavaDouble(0),
    });
    assert.equal(
      text,
      '{"brokerDatas":[{"brokerAddrs":{0:"a:1",1:"b:2"},"brokerName":"b","cluster":"c"}],"filterServerTable":{},' +
        '"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:7},"queueDatas":[{"brokerName":"b","perm":6,"writeQueueNums":4}],"tps":0.0}',
    );
  });

  it('formats doubles as Java does', () => {
    assert.equal(javaDoubleToString(0), '0.0');
    assert.equal(javaDoubleToString(12.5), '12.5');
    assert.equal(javaDoubleToString(3), '3.0');
    assert.equal(javaDoubleToString(1e7), '1.0E7');
    assert.equal(javaDoubleToString(0.0001), '1.0E-4');
    assert.equal(javaDoubleToString(123456.789), '123456.789');
  });

  it('round-trips arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        assert.deepEqual(parseFastjson(text), JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
});

describe('parsed strings', () => {
  it('do not keep the text they were parsed from alive (a topic name would hold a whole broker registration)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept: string[] = [];
    for (let i = 0; i < 200; i++) {
      // ~1 MB of body around one long topic name, as a registration of many topics is.
      const body = `{"padding":"${'x'.repeat(1_000_000)}","topic":"a_long_topic_name_number_${i}"}`;
      const parsed = parseFastjson(body) as { topic: string };
      kept.push(parsed.topic);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(kept[199], 'a_long_topic_name_number_199');
    assert.ok(grown < 20 * 1048576, `200 kept names hold ${(grown / 1048576).toFixed(0)} MB`);
  });
});
