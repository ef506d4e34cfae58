import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backlogWindows } from './backlog-windows.ts';

test('skips the start-up window and stops before the window in which the backlog ran out', () => {
  assert.deepEqual(backlogWindows([150_000, 220_000, 230_000], 10_000_000), { from: 1, to: 3 });
  // 1.5M + 2.2M = 3.7M read by the end of window 2; window 3 reaches 5.9M of a 5M backlog.
  assert.deepEqual(backlogWindows([150_000, 220_000, 220_000], 5_000_000), { from: 1, to: 2 });
});

test('falls back to the first window when the backlog lasted no longer', () => {
  assert.deepEqual(backlogWindows([296_000, 279_000, 21_000], 6_000_000), { from: 0, to: 1 });
  assert.deepEqual(backlogWindows([28_163, 0, 0], 300_001), { from: 0, to: 1 });
  assert.deepEqual(backlogWindows([], 1_000), { from: 0, to: 0 });
});
