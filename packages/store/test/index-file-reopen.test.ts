/**
 * IndexService across restarts, retention and abnormal recovery, on real files.
 */
import assert from 'node:assert/strict';
import { mkdtemp, open, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, describe, it } from 'node:test';
import { IndexFileSizeError } from '../src/index-file/errors.ts';
import { IndexService, type IndexServiceOptions } from '../src/index-file/index-service.ts';
import { StoreCheckpoint } from '../src/recovery/checkpoint.ts';

const T0 = 1_700_000_000_000;
const ALL = [0, Number.MAX_SAFE_INTEGER] as const;

async function tempRoot(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'index-reopen-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('IndexService on disk', () => {
  it('reopens, keeps answering, and continues the chains of a half-full file', async (t) => {
    const root = await tempRoot(t);
    let clock = T0;
    const options: IndexServiceOptions = { maxHashSlotNum: 16, maxIndexNum: 9, now: () => clock++, writeBufferBytes: 3 * 20 };
    const first = await IndexService.open(root, options);
    for (let n = 0; n < 10; n++) {
      await first.buildIndex({ topic: 'T', keys: `k${n % 3} all`, commitLogOffset: n * 100, storeTimestamp: T0 + n * 1000, sysFlag: 0 });
    }
    assert.equal(first.fileNames.length, 3, '8 entries per file, 20 entries');
    const before = await first.queryOffsets('T', 'all', 32, ...ALL);
    await first.close();

    const second = await IndexService.open(root, options);
    t.after(() => second.close());
    assert.deepEqual(await second.queryOffsets('T', 'all', 32, ...ALL), before);
    assert.deepEqual(before.phyOffsets, [900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
    assert.deepEqual((await second.queryOffsets('T', 'k1', 32, ...ALL)).phyOffsets, [700, 400, 100]);
    // the last file has room: new entries chain onto the old ones in the reloaded slot table
    await second.buildIndex({ topic: 'T', keys: 'k1', commitLogOffset: 1000, storeTimestamp: T0 + 10_000, sysFlag: 0 });
    assert.equal(second.fileNames.length, 3);
    assert.deepEqual((await second.queryOffsets('T', 'k1', 32, ...ALL)).phyOffsets, [1000, 700, 400, 100]);
    // a re-dispatch of an already indexed record is skipped
    await second.buildIndex({ topic: 'T', keys: 'k1', commitLogOffset: 500, storeTimestamp: T0 + 5000, sysFlag: 0 });
    assert.deepEqual((await second.queryOffsets('T', 'k1', 32, ...ALL)).phyOffsets, [1000, 700, 400, 100]);
    assert.ok((await stat(join(root, 'index', second.fileNames[0]!))).size === 40 + 16 * 4 + 9 * 20);
  });

  it('retention deletes files wholly below the commit-log min offset, never the newest', async (t) => {
    const root = await tempRoot(t);
    let clock = T0;
    const service = await IndexService.open(root, { maxHashSlotNum: 8, maxIndexNum: 3, now: () => clock++ });
    t.after(() => service.close());
    for (let n = 0; n < 7; n++) await service.buildIndex({ topic: 'T', keys: 'k', commitLogOffset: n * 100, storeTimestamp: T0 + n, sysFlag: 0 });
    assert.equal(service.fileNames.length, 4); // entries per file: 2 → [0,100] [200,300] [400,500] [600]
    assert.equal(await service.deleteFilesBelow(350), 2);
    assert.equal(service.fileNames.length, 2);
    assert.deepEqual((await service.queryOffsets('T', 'k', 32, ...ALL)).phyOffsets, [600, 500, 400]);
    assert.equal(await service.deleteFilesBelow(1_000_000), 1);
    assert.equal((await readdir(join(root, 'index'))).length, 1);
  });

  it('abnormal recovery drops files newer than the checkpoint; new files inherit from the survivor', async (t) => {
    const root = await tempRoot(t);
    let clock = T0;
    const options: IndexServiceOptions = { maxHashSlotNum: 8, maxIndexNum: 3, now: () => clock++ };
    const first = await IndexService.open(root, options);
    for (let n = 0; n < 5; n++) await first.buildIndex({ topic: 'T', keys: 'k', commitLogOffset: n * 100, storeTimestamp: T0 + n * 1000, sysFlag: 0 });
    const { indexMsgTimestamp: checkpoint } = await first.flush();
    assert.equal(checkpoint, T0 + 3000, 'second file completed');
    await first.close();

    const second = await IndexService.open(root, options);
    t.after(() => second.close());
    assert.equal(second.indexMsgTimestamp, T0 + 3000);
    assert.equal(await second.deleteFilesAfterTimestamp(checkpoint), 1);
    assert.equal(second.fileNames.length, 2);
    assert.deepEqual((await second.queryOffsets('T', 'k', 32, ...ALL)).phyOffsets, [300, 200, 100, 0]);
    // the dispatcher re-indexes from the checkpoint on
    await second.buildIndex({ topic: 'T', keys: 'k', commitLogOffset: 400, storeTimestamp: T0 + 4000, sysFlag: 0 });
    assert.deepEqual((await second.queryOffsets('T', 'k', 32, ...ALL)).phyOffsets, [400, 300, 200, 100, 0]);
  });

  it('after a crash the newest file goes back to the checkpoint mark: only later records are indexed again', async (t) => {
    const root = await tempRoot(t);
    let clock = T0;
    // A one-entry write buffer writes entries and header (not slots) after every record, as a busy store does.
    const options: IndexServiceOptions = { maxHashSlotNum: 16, maxIndexNum: 1000, now: () => clock++, writeBufferBytes: 20 };
    const record = (n: number) => ({ topic: 'T', keys: `k${n % 3} all`, commitLogOffset: n * 100, storeTimestamp: T0 + n * 1000, sysFlag: 0 });
    const crashed = await IndexService.open(root, options);
    for (let n = 0; n < 10; n++) await crashed.buildIndex(record(n));
    const { indexMsgTimestamp, mark } = await crashed.flush();
    assert.ok(mark, 'the newest file has a durable header');
    assert.equal(mark.header.indexCount, 21, '10 records × 2 keys, entry 0 unused');
    assert.equal(mark.header.endPhyOffset, 900);
    for (let n = 10; n < 15; n++) await crashed.buildIndex(record(n));
    // A later flush wrote slots that name entries past the mark; its checkpoint never made it.
    await crashed.flush();
    // (no close: the process died here)

    const second = await IndexService.open(root, options);
    t.after(() => second.close());
    await second.recoverAfterCrash(indexMsgTimestamp, mark, 10_000);
    assert.deepEqual(second.fileNames, crashed.fileNames, 'the file was kept');
    assert.equal(second.lastIndexedPhyOffset, 900);
    assert.deepEqual((await second.queryOffsets('T', 'all', 32, ...ALL)).phyOffsets, [900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
    assert.deepEqual((await second.queryOffsets('T', 'k1', 32, ...ALL)).phyOffsets, [700, 400, 100]);
    // What the recovery re-dispatches from the mark on: every record once, chained onto the kept entries.
    for (let n = 10; n < 15; n++) await second.buildIndex(record(n));
    assert.deepEqual((await second.queryOffsets('T', 'all', 32, ...ALL)).phyOffsets, [1400, 1300, 1200, 1100, 1000, 900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
    assert.deepEqual((await second.queryOffsets('T', 'k1', 32, ...ALL)).phyOffsets, [1300, 1000, 700, 400, 100]);
    // And it survives a clean restart.
    await second.close();
    const third = await IndexService.open(root, options);
    t.after(() => third.close());
    assert.deepEqual((await third.queryOffsets('T', 'k2', 32, ...ALL)).phyOffsets, [1400, 1100, 800, 500, 200]);
  });

  it('a crash after the marked file filled up and the next one began: the marked one is rolled back, the next deleted', async (t) => {
    const root = await tempRoot(t);
    let clock = T0;
    const options: IndexServiceOptions = { maxHashSlotNum: 16, maxIndexNum: 9, now: () => clock++, writeBufferBytes: 20 };
    const record = (n: number) => ({ topic: 'T', keys: `k${n % 2}`, commitLogOffset: n * 100, storeTimestamp: T0 + n * 1000, sysFlag: 0 });
    const crashed = await IndexService.open(root, options);
    for (let n = 0; n < 3; n++) await crashed.buildIndex(record(n));
    const { indexMsgTimestamp, mark } = await crashed.flush();
    assert.equal(indexMsgTimestamp, 0, 'no file completed yet');
    for (let n = 3; n < 11; n++) await crashed.buildIndex(record(n));
    assert.equal(crashed.fileNames.length, 2, 'the marked file filled up (8 entries) and the next one began');

    const second = await IndexService.open(root, options);
    t.after(() => second.close());
    await second.recoverAfterCrash(indexMsgTimestamp, mark, 10_000);
    assert.deepEqual(second.fileNames, [mark!.fileName]);
    assert.equal(second.lastIndexedPhyOffset, 200);
    for (let n = 3; n < 11; n++) await second.buildIndex(record(n));
    assert.equal(second.fileNames.length, 2);
    assert.deepEqual((await second.queryOffsets('T', 'k0', 32, ...ALL)).phyOffsets, [1000, 800, 600, 400, 200, 0]);
    assert.deepEqual((await second.queryOffsets('T', 'k1', 32, ...ALL)).phyOffsets, [900, 700, 500, 300, 100]);
  });

  it('a newest file whose chains past the mark are not entries of their slot is deleted, as before marks', async (t) => {
    const root = await tempRoot(t);
    let clock = T0;
    const options: IndexServiceOptions = { maxHashSlotNum: 16, maxIndexNum: 1000, now: () => clock++, writeBufferBytes: 20 };
    const crashed = await IndexService.open(root, options);
    for (let n = 0; n < 4; n++) await crashed.buildIndex({ topic: 'T', keys: 'k', commitLogOffset: n * 100, storeTimestamp: T0 + n, sysFlag: 0 });
    const { indexMsgTimestamp, mark } = await crashed.flush();
    await crashed.buildIndex({ topic: 'T', keys: 'k', commitLogOffset: 400, storeTimestamp: T0 + 4, sysFlag: 0 });
    await crashed.flush();
    // What a power loss can leave: the slot on disk names an entry whose bytes never got there.
    const file = join(root, 'index', crashed.fileNames[0]!);
    const entry5 = 40 + 16 * 4 + 5 * 20;
    const handle = await open(file, 'r+');
    await handle.write(Buffer.alloc(20), 0, 20, entry5);
    await handle.close();

    const second = await IndexService.open(root, options);
    t.after(() => second.close());
    await second.recoverAfterCrash(indexMsgTimestamp, mark, 10_000);
    assert.deepEqual(second.fileNames, [], 'deleted: the caller re-indexes the file\'s records');
    assert.equal(second.lastIndexedPhyOffset, -1);
  });

  it('a mark past the recovered commit log end is not used', async (t) => {
    const root = await tempRoot(t);
    const options: IndexServiceOptions = { maxHashSlotNum: 16, maxIndexNum: 1000, now: () => T0 };
    const crashed = await IndexService.open(root, options);
    for (let n = 0; n < 4; n++) await crashed.buildIndex({ topic: 'T', keys: 'k', commitLogOffset: n * 100, storeTimestamp: T0 + n, sysFlag: 0 });
    const { indexMsgTimestamp, mark } = await crashed.flush();
    const second = await IndexService.open(root, options);
    t.after(() => second.close());
    // A power loss cut the commit log below the last indexed record.
    await second.recoverAfterCrash(indexMsgTimestamp, mark, 250);
    assert.deepEqual(second.fileNames, []);
  });

  it('the checkpoint keeps the index mark, 17-digit file name included', async (t) => {
    const root = await tempRoot(t);
    const path = join(root, 'checkpoint');
    const checkpoint = await StoreCheckpoint.open(path);
    const header = { beginTimestamp: T0, endTimestamp: T0 + 5, beginPhyOffset: 0, endPhyOffset: 900, hashSlotCount: 7, indexCount: 21 };
    checkpoint.indexMark = { fileName: '20261207001122333', header };
    await checkpoint.flush();
    await checkpoint.close();
    const reopened = await StoreCheckpoint.open(path);
    t.after(() => reopened.close());
    assert.deepEqual(reopened.indexMark, { fileName: '20261207001122333', header });
  });

  it('refuses files of another size; drops header-less leftovers and foreign names', async (t) => {
    const root = await tempRoot(t);
    const options: IndexServiceOptions = { maxHashSlotNum: 8, maxIndexNum: 3, now: () => T0 };
    const first = await IndexService.open(root, options);
    await first.buildIndex({ topic: 'T', keys: 'k', commitLogOffset: 0, storeTimestamp: T0, sysFlag: 0 });
    await first.close();
    await writeFile(join(root, 'index', '29990101000000000'), '');
    await writeFile(join(root, 'index', 'README'), 'hi');
    const second = await IndexService.open(root, options);
    assert.equal(second.fileNames.length, 1);
    await second.close();
    assert.deepEqual((await readdir(join(root, 'index'))).sort(), [second.fileNames[0], 'README'].sort());
    await assert.rejects(IndexService.open(root, { ...options, maxHashSlotNum: 16 }), IndexFileSizeError);
    await truncate(join(root, 'index', second.fileNames[0]!), 100);
    await assert.rejects(IndexService.open(root, options), IndexFileSizeError);
  });
});
