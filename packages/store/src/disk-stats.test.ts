/**
 * Disk use is counted as `df` and Apache RocketMQ count it (used / (used + available)), not as
 * 1 − available / total: on a file system whose root reserve is large the latter took the disk
 * for 90 % full where df said 74 %, and the broker refused every write.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { diskStatsOf } from './message-store.ts';

it('counts disk use as df does: blocks reserved for root are neither used nor available', () => {
  // statfs of the 252 GiB volume where a 50 GiB recovery benchmark stalled (df: 68G used, 24G available, 74 %).
  const stats = diskStatsOf({ blocks: 66_053_021, bfree: 48_444_329, bavail: 6_266_624, bsize: 4096 });
  assert.equal(Math.round(stats.usedRatio * 100), 74);
  assert.equal(stats.free, 6_266_624 * 4096);
  assert.equal(stats.total, 66_053_021 * 4096);
});

it('without a reserve it is used / total', () => {
  assert.equal(diskStatsOf({ blocks: 1000, bfree: 250, bavail: 250, bsize: 4096 }).usedRatio, 0.75);
  assert.equal(diskStatsOf({ blocks: 0, bfree: 0, bavail: 0, bsize: 4096 }).usedRatio, 0);
});
