import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, describe, it } from 'node:test';
import { javaStringHash } from '@rocketmq-ts/protocol';
import { indexKeyHash } from './index-file.ts';
import { IndexService, type IndexServiceOptions, timeMillisToHumanString } from './index-service.ts';

const T0 = 1_700_000_000_000;

async function tempRoot(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'index-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function openService(t: TestContext, root: string, options: IndexServiceOptions = {}): Promise<IndexService> {
  const service = await IndexService.open(root, { maxHashSlotNum: 64, maxIndexNum: 1000, now: () => T0, ...options });
  t.after(() => service.close());
  return service;
}

const ALL = [0, Number.MAX_SAFE_INTEGER] as const;

describe('IndexService', () => {
  it('writes exactly Apache’s bytes: header, slots, entries with prevIndex chains', async (t) => {
    const root = await tempRoot(t);
    const service = await openService(t, root, { maxHashSlotNum: 4, maxIndexNum: 8 });
    await service.buildIndex({ topic: 'T', uniqKey: 'U1', keys: 'k1  k2', commitLogOffset: 0x1_0000_0100, storeTimestamp: T0, sysFlag: 0 });
    await service.buildIndex({ topic: 'T', uniqKey: 'U2', commitLogOffset: 0x1_0000_0300, storeTimestamp: T0 + 5_500, sysFlag: 0 });
    await service.flush();
    const names = await readdir(join(root, 'index'));
    assert.deepEqual(names, [timeMillisToHumanString(T0)]);
    const bytes = await readFile(join(root, 'index', names[0]!));
    assert.equal(bytes.length, 40 + 4 * 4 + 8 * 20);

    // The expected file, built by hand from the algorithm of storage-format.md §4.
    const expected = Buffer.alloc(40 + 4 * 4 + 8 * 20);
    const slots = [0, 0, 0, 0];
    let used = 0;
    const entries: [string, number, number][] = [
      ['T#U1', 0x1_0000_0100, 0],
      ['T#k1', 0x1_0000_0100, 0],
      ['T#k2', 0x1_0000_0100, 0],
      ['T#U2', 0x1_0000_0300, 5],
    ];
    entries.forEach(([key, phyOffset, timeDiff], i) => {
      const index = i + 1;
      const hash = Math.abs(javaStringHash(key));
      const slot = hash % 4;
      const at = 40 + 4 * 4 + index * 20;
      expected.writeInt32BE(hash, at);
      expected.writeBigInt64BE(BigInt(phyOffset), at + 4);
      expected.writeInt32BE(timeDiff, at + 12);
      expected.writeInt32BE(slots[slot]!, at + 16);
      if (slots[slot] === 0) used++;
      slots[slot] = index;
    });
    slots.forEach((value, slot) => expected.writeInt32BE(value, 40 + slot * 4));
    expected.writeBigInt64BE(BigInt(T0), 0);
    expected.writeBigInt64BE(BigInt(T0 + 5_500), 8);
    expected.writeBigInt64BE(0x1_0000_0100n, 16);
    expected.writeBigInt64BE(0x1_0000_0300n, 24);
    expected.writeInt32BE(used, 32);
    expected.writeInt32BE(5, 36);
    assert.deepEqual(bytes, expected);
  });

  it('finds many keys, newest first, and honours maxNum and the 64 cap', async (t) => {
    const root = await tempRoot(t);
    const service = await openService(t, root, { maxHashSlotNum: 97, maxIndexNum: 5000 });
    for (let n = 0; n < 600; n++) {
      await service.buildIndex({ topic: 'Orders', keys: `order-${n} common`, uniqKey: `U${n}`, commitLogOffset: n * 200, storeTimestamp: T0 + n, sysFlag: 0 });
    }
    for (const n of [0, 1, 77, 599]) {
      const byKey = await service.queryOffsets('Orders', `order-${n}`, 32, ...ALL);
      assert.deepEqual(byKey.phyOffsets, [n * 200]);
      assert.deepEqual((await service.queryOffsets('Orders', `U${n}`, 32, ...ALL)).phyOffsets, [n * 200]);
    }
    const common = await service.queryOffsets('Orders', 'common', 10, ...ALL);
    assert.deepEqual(common.phyOffsets, Array.from({ length: 10 }, (_, i) => (599 - i) * 200));
    assert.equal(common.indexLastUpdatePhyoffset, 599 * 200);
    assert.equal(common.indexLastUpdateTimestamp, T0 + 599);
    assert.equal((await service.queryOffsets('Orders', 'common', 1000, ...ALL)).phyOffsets.length, 64);
    assert.deepEqual((await service.queryOffsets('Other', 'common', 10, ...ALL)).phyOffsets, []);
    assert.deepEqual((await service.queryOffsets('Orders', 'missing', 10, ...ALL)).phyOffsets, []);
  });

  it('returns hash collisions (equal String.hashCode) for the caller to re-check', async (t) => {
    const root = await tempRoot(t);
    const service = await openService(t, root, { maxHashSlotNum: 2 });
    assert.equal(javaStringHash('T#Aa'), javaStringHash('T#BB'));
    await service.buildIndex({ topic: 'T', keys: 'Aa', commitLogOffset: 100, storeTimestamp: T0, sysFlag: 0 });
    await service.buildIndex({ topic: 'T', keys: 'BB', commitLogOffset: 200, storeTimestamp: T0, sysFlag: 0 });
    await service.buildIndex({ topic: 'T', keys: 'Cc Dd', commitLogOffset: 300, storeTimestamp: T0, sysFlag: 0 });
    assert.deepEqual((await service.queryOffsets('T', 'Aa', 10, ...ALL)).phyOffsets, [200, 100]);
    assert.deepEqual((await service.queryOffsets('T', 'Cc', 10, ...ALL)).phyOffsets, [300]);
    assert.equal(indexKeyHash('polygenelubricants'), 0, 'Integer.MIN_VALUE hashes to 0');
  });

  it('filters by store time (second resolution, from the file’s begin timestamp)', async (t) => {
    const root = await tempRoot(t);
    const service = await openService(t, root);
    for (let n = 0; n < 10; n++) {
      await service.buildIndex({ topic: 'T', keys: 'k', commitLogOffset: n * 100, storeTimestamp: T0 + n * 10_000, sysFlag: 0 });
    }
    const q = async (begin: number, end: number): Promise<number[]> => (await service.queryOffsets('T', 'k', 32, begin, end)).phyOffsets;
    assert.deepEqual(await q(T0 + 20_000, T0 + 40_000), [400, 300, 200]);
    assert.deepEqual(await q(T0 + 20_001, T0 + 39_999), [300]);
    assert.deepEqual(await q(T0 + 95_000, T0 + 200_000), [], 'after the file’s range');
    assert.deepEqual(await q(0, T0), [0]);
  });

  it('skips ROLLBACK records and records below the newest file’s end offset', async (t) => {
    const root = await tempRoot(t);
    const service = await openService(t, root);
    await service.buildIndex({ topic: 'T', keys: 'a', commitLogOffset: 1000, storeTimestamp: T0, sysFlag: 0xc });
    await service.buildIndex({ topic: 'T', keys: 'a', commitLogOffset: 2000, storeTimestamp: T0, sysFlag: 0x8 }); // COMMIT
    await service.buildIndex({ topic: 'T', keys: 'a', commitLogOffset: 1500, storeTimestamp: T0, sysFlag: 0 }); // re-dispatch below
    await service.buildIndex({ topic: 'T', keys: 'a', commitLogOffset: 3000, storeTimestamp: T0, sysFlag: 0x4 }); // PREPARED
    assert.deepEqual((await service.queryOffsets('T', 'a', 10, ...ALL)).phyOffsets, [3000, 2000]);
  });

  it('rolls full files: new names, inherited begin values, chains searched across files', async (t) => {
    const root = await tempRoot(t);
    let clock = T0;
    const service = await openService(t, root, { maxIndexNum: 5, now: () => clock });
    for (let n = 0; n < 10; n++) {
      await service.buildIndex({ topic: 'T', keys: 'same', commitLogOffset: n * 100, storeTimestamp: T0 + n * 1000, sysFlag: 0 });
      if (n === 6) clock += 60_000;
    }
    // 4 entries per file (index 1..4): 3 files; the second was created in the same millisecond
    assert.deepEqual(service.fileNames, [timeMillisToHumanString(T0), (BigInt(timeMillisToHumanString(T0)) + 1n).toString(), timeMillisToHumanString(T0 + 60_000)]);
    assert.equal(service.indexMsgTimestamp, T0 + 7000, 'end of the second (completed) file');
    assert.equal((await service.flush()).indexMsgTimestamp, T0 + 7000);
    const all = await service.queryOffsets('T', 'same', 32, ...ALL);
    assert.deepEqual(all.phyOffsets, [900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
    const some = await service.queryOffsets('T', 'same', 32, T0 + 2000, T0 + 5000);
    assert.deepEqual(some.phyOffsets, [500, 400, 300, 200]);
  });
});
