import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRatio, median, ratio, roundTable, summaryTable, type V5Figures } from './grpc-report.ts';

const figures = (sendTps: number, sendP99Ms: number): V5Figures => ({ sendTps, sendP99Ms, receiveTps: 1000, e2eP50Ms: 2, e2eP99Ms: Number.NaN, notes: [] });

test('median of odd and even counts, ignoring missing figures', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([5, Number.NaN]), 5);
  assert.ok(Number.isNaN(median([])));
});

test('ratio and its formatting: missing or zero figures give a dash', () => {
  assert.equal(ratio(3, 2), 1.5);
  assert.equal(formatRatio(ratio(3, 2)), '1.50×');
  assert.equal(formatRatio(ratio(3, 0)), '–');
  assert.equal(formatRatio(ratio(Number.NaN, 2)), '–');
});

test('a round side by side and the summary with every round ratio and their median', () => {
  const rounds = [
    { ours: figures(2000, 4), apache: figures(1000, 8) },
    { ours: figures(3000, 3), apache: figures(1000, 6) },
    { ours: figures(1000, 9), apache: figures(1000, 9) },
  ];
  const round = roundTable(rounds[0]!, 'ours', 'apache').split('\n');
  assert.equal(round[0], '| metric | ours | apache | ours / Apache |');
  assert.equal(round[2], '| send TPS | 2000 | 1000 | 2.00× |');
  assert.equal(round[3], '| send p99 (ms) | 4.00 | 8.00 | 0.50× |');
  assert.equal(round[6], '| end-to-end p99 (ms) | – | – | – |');
  const summary = summaryTable(rounds, 'ours', 'apache').split('\n');
  assert.equal(summary[1], '|---|---|---|---|---|---|---|');
  assert.equal(summary[2], '| send TPS | 2000 | 1000 | 2.00× | 3.00× | 1.00× | 2.00× |');
  assert.equal(summary[3], '| send p99 (ms) | 4.00 | 8.00 | 0.50× | 0.50× | 1.00× | 0.50× |');
});
