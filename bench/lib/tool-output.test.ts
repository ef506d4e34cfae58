import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConsumerLine, parseProducerLine } from './tool-output.ts';

test('parses a Producer report line and its [Complete] line', () => {
  assert.deepEqual(
    parseProducerLine('Current Time: 2024-05-06 19:29:01,123 Send TPS: 41234 Max RT(ms): 212 Average RT(ms):   1.537 Send Failed: 0 Response Failed: 3'),
    { sendTps: 41234, maxRtMillis: 212, avgRtMillis: 1.537, sendFailed: 0, responseFailed: 3 },
  );
  assert.equal(parseProducerLine('[Complete] Send Total: 10 Send TPS: 5 Max RT(ms): 2 Average RT(ms): 0.500 Send Failed: 0 Response Failed: 0')?.sendTps, 5);
  assert.equal(parseProducerLine('topic: BenchmarkTest threadCount: 64 messageSize: 128'), null);
  assert.ok(Number.isNaN(parseProducerLine('Current Time: x Send TPS: 0 Max RT(ms): 0 Average RT(ms):     NaN Send Failed: 0 Response Failed: 0')!.avgRtMillis));
});

test('parses a Consumer report line and ignores producer lines', () => {
  assert.deepEqual(
    parseConsumerLine('Current Time: 2024-05-06 19:29:11,001 TPS: 98765 FAIL: 0 AVG(B2C) RT(ms):   3.250 AVG(S2C) RT(ms):   2.125 MAX(B2C) RT(ms): 45 MAX(S2C) RT(ms): 40'),
    { tps: 98765, failed: 0, avgB2CMillis: 3.25, avgS2CMillis: 2.125, maxB2CMillis: 45, maxS2CMillis: 40 },
  );
  assert.equal(parseConsumerLine('Consumer Started.'), null);
  assert.equal(parseConsumerLine('Current Time: x Send TPS: 1 Max RT(ms): 1 Average RT(ms): 1.000 Send Failed: 0 Response Failed: 0'), null);
});
