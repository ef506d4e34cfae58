import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, describe, it } from 'node:test';
import { ConsumeQueue, type ConsumeQueueOptions } from './consume-queue.ts';
import { CQ_STORE_UNIT_SIZE, type UnitBatch } from './cq-unit.ts';
import { FileHandlePool } from './file-handle-pool.ts';
import { ConsumeQueueConfigError, InvalidQueueTopicError } from './errors.ts';

const UNITS_PER_FILE = 10;
const FILE_SIZE = UNITS_PER_FILE * CQ_STORE_UNIT_SIZE;

async function tempRoot(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cq-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function openQueue(t: TestContext, root: string, options: ConsumeQueueOptions = {}, topic = 'TopicA', queueId = 0): Promise<ConsumeQueue> {
  const queue = await ConsumeQueue.open(root, topic, queueId, { mappedFileSizeConsumeQueue: FILE_SIZE, ...options });
  t.after(() => queue.close().catch(() => undefined));
  return queue;
}

/** Record n of a fake commit log: 100 bytes each, at n × 100. */
function put(queue: ConsumeQueue, logical: number, tags = logical): boolean {
  return queue.putUnit(logical, logical * 100, 100, tags);
}

function decode(batch: UnitBatch): { offset: number; commitLogOffset: number; size: number; tagsCode: number; blank: boolean }[] {
  return Array.from({ length: batch.count }, (_, i) => ({
    offset: batch.offsetAt(i),
    commitLogOffset: batch.commitLogOffset(i),
    size: batch.size(i),
    tagsCode: batch.tagsCode(i),
    blank: batch.isBlank(i),
  }));
}

describe('ConsumeQueue', () => {
  it('writes exactly Apache’s layout: 20-digit file names, full-size files, big-endian units', async (t) => {
    const root = await tempRoot(t);
    const queue = await openQueue(t, root);
    queue.putUnit(0, 0x1_0000_0002, 0x1234, -1);
    queue.putUnit(1, 0x1_0000_2000, 77, 0x7fff_ffff);
    await queue.flush();
    const dir = join(root, 'consumequeue', 'TopicA', '0');
    assert.deepEqual(await readdir(dir), ['00000000000000000000']);
    const bytes = await readFile(join(dir, '00000000000000000000'));
    const expected = Buffer.alloc(FILE_SIZE);
    expected.set([0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0x12, 0x34, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0);
    expected.set([0, 0, 0, 1, 0, 0, 0x20, 0, 0, 0, 0, 77, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff], 20);
    assert.deepEqual(bytes, expected);
  });

  it('round-trips units across many files, before and after they are written', async (t) => {
    const root = await tempRoot(t);
    const queue = await openQueue(t, root);
    for (let i = 0; i < 35; i++) assert.equal(put(queue, i, -i * 7), true);
    assert.equal(queue.maxOffset, 35);
    assert.equal(queue.minOffset, 0);
    assert.equal(queue.maxPhysicalOffset, 3500);
    // still pending: readers see the units at once
    const pending = decode(await queue.getUnits(8, 5));
    assert.deepEqual(pending.map((u) => u.commitLogOffset), [800, 900, 1000, 1100, 1200]);
    await queue.write();
    assert.equal(queue.pendingBytes, 0);
    const all = decode(await queue.getUnits(0, 100));
    assert.equal(all.length, 35);
    for (const [i, unit] of all.entries()) assert.deepEqual(unit, { offset: i, commitLogOffset: i * 100, size: 100, tagsCode: i === 0 ? 0 : -i * 7, blank: false });
    assert.equal((await queue.getUnits(35, 10)).count, 0);
    assert.equal((await queue.getUnits(33, 10)).count, 2);
    // mixed: part written, part pending, across a file boundary
    for (let i = 35; i < 42; i++) put(queue, i);
    const mixed = decode(await queue.getUnits(28, 14));
    assert.deepEqual(mixed.map((u) => u.offset), [28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41]);
    assert.deepEqual(mixed.map((u) => u.commitLogOffset), mixed.map((u) => u.offset * 100));
    await queue.flush();
    const files = await readdir(join(root, 'consumequeue', 'TopicA', '0'));
    assert.deepEqual(files, ['00000000000000000000', '00000000000000000200', '00000000000000000400', '00000000000000000600', '00000000000000000800']);
    for (const name of files) assert.equal((await stat(join(root, 'consumequeue', 'TopicA', '0', name))).size, FILE_SIZE);
    assert.equal(queue.rollNextFile(13), 20);
  });

  it('writes in the background once writeBufferBytes pile up', async (t) => {
    const root = await tempRoot(t);
    const queue = await openQueue(t, root, { writeBufferBytes: 5 * CQ_STORE_UNIT_SIZE });
    for (let i = 0; i < 6; i++) put(queue, i);
    await queue.write();
    for (let i = 6; i < 12; i++) put(queue, i);
    assert.deepEqual(decode(await queue.getUnits(0, 12)).map((u) => u.offset), [...Array(12).keys()]);
  });

  it('front-fills blank units when the first unit is at offset k > 0', async (t) => {
    const root = await tempRoot(t);
    const queue = await openQueue(t, root);
    assert.equal(put(queue, 23), true);
    put(queue, 24);
    assert.equal(queue.minOffset, 23);
    assert.equal(queue.maxOffset, 25);
    await queue.flush();
    const dir = join(root, 'consumequeue', 'TopicA', '0');
    assert.deepEqual(await readdir(dir), ['00000000000000000400']);
    const bytes = await readFile(join(dir, '00000000000000000400'));
    const blank = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
    for (let i = 0; i < 3; i++) assert.deepEqual(bytes.subarray(i * 20, i * 20 + 20), blank, `blank unit ${i}`);
    assert.equal(bytes.readInt32BE(3 * 20 + 4), 2300);
    // reads below min start at min; the pre-fill is never served
    const units = decode(await queue.getUnits(0, 10));
    assert.deepEqual(units.map((u) => u.offset), [23, 24]);

    // after a restart, correctMinOffset skips the blanks again
    await queue.close();
    const reopened = await openQueue(t, root);
    const report = await reopened.recover();
    assert.equal(report.damage, undefined);
    assert.equal(reopened.maxOffset, 25);
    await reopened.correctMinOffset(0);
    assert.equal(reopened.minOffset, 23);
  });

  it('skips re-dispatched units (idempotent) and fills a gap with blank units', async (t) => {
    const root = await tempRoot(t);
    const queue = await openQueue(t, root);
    for (let i = 0; i < 5; i++) put(queue, i);
    assert.equal(put(queue, 3), false, 'record already referenced');
    assert.equal(queue.putUnit(4, 450, 50, 0), false, 'ends at the max physical offset');
    assert.equal(queue.putUnit(2, 5000, 10, 0), false, 'logical offset already taken');
    assert.equal(queue.maxOffset, 5);
    assert.equal(queue.putUnit(8, 800, 100, 8), true);
    const units = decode(await queue.getUnits(4, 10));
    assert.deepEqual(units.map((u) => [u.offset, u.blank]), [[4, false], [5, true], [6, true], [7, true], [8, false]]);
  });

  it('searchOffsetByTime: exact match, nearest neighbour, bounds, missing records', async (t) => {
    const root = await tempRoot(t);
    const queue = await openQueue(t, root);
    // record n stored at time 1000 + 10 n, with duplicates at 1100 (n = 10, 11, 12)
    const times = Array.from({ length: 30 }, (_, n) => (n >= 10 && n <= 12 ? 1100 : 1000 + 10 * n));
    for (let n = 0; n < 30; n++) put(queue, n);
    await queue.write();
    let probes = 0;
    const storeTimeAt = async (offset: number): Promise<number> => {
      probes++;
      return times[offset / 100]!;
    };
    assert.equal(await queue.searchOffsetByTime(1050, storeTimeAt), 5);
    assert.ok(probes <= 6, `binary search, not a scan (${probes} probes)`);
    assert.equal(await queue.searchOffsetByTime(1100, storeTimeAt), 10, 'first of equal store times');
    assert.equal(await queue.searchOffsetByTime(1053, storeTimeAt), 5, 'nearer is the left one');
    assert.equal(await queue.searchOffsetByTime(1057, storeTimeAt), 6, 'nearer is the right one');
    assert.equal(await queue.searchOffsetByTime(1055, storeTimeAt), 5, 'tie goes left');
    assert.equal(await queue.searchOffsetByTime(0, storeTimeAt), 0, 'older than all: first unit');
    assert.equal(await queue.searchOffsetByTime(99_999, storeTimeAt), 29, 'newer than all: last unit');
    assert.equal(await queue.searchOffsetByTime(1050, async () => -1), 0, 'record unreadable');
    const empty = await openQueue(t, root, {}, 'Empty');
    assert.equal(await empty.searchOffsetByTime(1050, storeTimeAt), 0);
  });

  it('deletes expired files (never the last) and corrects the min offset', async (t) => {
    const root = await tempRoot(t);
    const queue = await openQueue(t, root);
    for (let i = 0; i < 35; i++) put(queue, i);
    await queue.flush();
    // commit log now starts at record 15 (offset 1500): file 0 (units 0-9) is expired
    assert.equal(await queue.deleteExpiredFiles(1500), 1);
    assert.equal(queue.minOffset, 15);
    assert.equal(queue.fileCount, 3);
    assert.deepEqual(decode(await queue.getUnits(0, 2)).map((u) => u.offset), [15, 16]);
    // everything expired: files 1 and 2 go, the last stays; min = max
    assert.equal(await queue.deleteExpiredFiles(1_000_000), 2);
    assert.equal(queue.fileCount, 1);
    assert.equal(queue.minOffset, 35);
    assert.equal(queue.maxOffset, 35);
    assert.deepEqual(await readdir(join(root, 'consumequeue', 'TopicA', '0')), ['00000000000000000600']);
  });

  it('leaves no file behind when retention deletes a file its first write is creating', async (t) => {
    const root = await tempRoot(t);
    const queue = await openQueue(t, root);
    for (let i = 0; i < 25; i++) put(queue, i);
    // Nothing is on disk yet: the write creates files 0 and 1 while retention drops file 0.
    const writing = queue.write();
    assert.equal(await queue.deleteExpiredFiles(1500), 1);
    await writing;
    await queue.flush();
    const dir = join(root, 'consumequeue', 'TopicA', '0');
    assert.deepEqual(await readdir(dir), ['00000000000000000200', '00000000000000000400']);
    await queue.close();
    // A leftover file 0 made the next start read a gap between it and file 1.
    const reopened = await openQueue(t, root);
    await reopened.correctMinOffset(1500);
    assert.deepEqual(decode(await reopened.getUnits(0, 2)).map((u) => u.offset), [15, 16]);
  });

  it('truncateDirty drops units past the commit-log end, deleting whole files when needed', async (t) => {
    const root = await tempRoot(t);
    const queue = await openQueue(t, root);
    for (let i = 0; i < 35; i++) put(queue, i);
    assert.equal(await queue.truncateDirty(1_000_000), 0);
    assert.equal(await queue.truncateDirty(2550), 10, 'records 25..34 end after 2550');
    assert.equal(queue.maxOffset, 25);
    assert.equal(queue.maxPhysicalOffset, 2500);
    assert.equal(queue.fileCount, 3);
    assert.equal(await queue.truncateDirty(2000), 5);
    assert.equal(queue.fileCount, 2, 'file 20..29 started with a dirty unit: deleted');
    assert.equal(queue.maxOffset, 20);
    // writing continues where it was cut, and a reopened queue sees the same
    put(queue, 20);
    await queue.close();
    const reopened = await openQueue(t, root);
    const report = await reopened.recover();
    assert.equal(report.damage, undefined);
    assert.equal(reopened.maxOffset, 21);
    assert.equal(reopened.maxPhysicalOffset, 2100);
  });

  it('refuses bad options and topics that are not directory names', async (t) => {
    const root = await tempRoot(t);
    await assert.rejects(ConsumeQueue.open(root, 'T', 0, { mappedFileSizeConsumeQueue: 30 }), ConsumeQueueConfigError);
    for (const topic of ['', '..', 'a/b', 'a\\b']) await assert.rejects(ConsumeQueue.open(root, topic, 0), InvalidQueueTopicError);
    const queue = await openQueue(t, root);
    put(queue, 0);
    await queue.close();
    const reopened = await openQueue(t, root);
    assert.throws(() => put(reopened, 1), ConsumeQueueConfigError, 'recover() first');
  });

  it('serves later pulls from its read-ahead, and never a unit truncation replaced', async (t) => {
    const root = await tempRoot(t);
    const queue = await openQueue(t, root);
    for (let i = 0; i < 25; i++) put(queue, i);
    await queue.write();
    assert.deepEqual(decode(await queue.getUnits(0, 2)).map((u) => u.commitLogOffset), [0, 100]);
    assert.deepEqual(decode(await queue.getUnits(2, 3)).map((u) => u.commitLogOffset), [200, 300, 400]);
    // The log is cut at record 20; records 20.. are written again elsewhere.
    assert.equal(await queue.truncateDirty(2000), 5);
    for (let i = 20; i < 25; i++) queue.putUnit(i, 100_000 + i * 100, 100, i);
    assert.deepEqual(decode(await queue.getUnits(19, 3)).map((u) => u.commitLogOffset), [1900, 102_000, 102_100]);
    // Units appended after a read-ahead are read, not missed.
    queue.putUnit(25, 200_000, 100, 25);
    assert.deepEqual(decode(await queue.getUnits(24, 5)).map((u) => u.offset), [24, 25]);
  });
});

describe('FileHandlePool', () => {
  it('keeps at most maxOpenFiles idle handles and reopens evicted ones', async (t) => {
    const root = await tempRoot(t);
    const pool = new FileHandlePool({ maxOpenFiles: 2 });
    t.after(() => pool.close());
    for (let i = 0; i < 5; i++) {
      await pool.use(join(root, `f${i}`), async (handle) => handle.write(Buffer.from([i]), 0, 1, 3), 8);
      assert.ok(pool.size <= 2);
    }
    const read = await pool.use(join(root, 'f0'), async (handle) => (await handle.read(Buffer.alloc(8), 0, 8, 0)).buffer);
    assert.deepEqual(read, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]));
    assert.deepEqual(await readFile(join(root, 'f4')), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0]));
  });

  it('never has more than maxOpenFiles open, even under concurrent use', async (t) => {
    const root = await tempRoot(t);
    const pool = new FileHandlePool({ maxOpenFiles: 3 });
    t.after(() => pool.close());
    const inUse = new Map<string, number>();
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const path = join(root, `f${i % 7}`);
        return pool.use(
          path,
          async (handle) => {
            inUse.set(path, (inUse.get(path) ?? 0) + 1);
            peak = Math.max(peak, inUse.size, pool.size);
            await handle.write(Buffer.from([i]), 0, 1, i);
            await new Promise((resolve) => setTimeout(resolve, 1));
            const left = inUse.get(path)! - 1;
            if (left === 0) inUse.delete(path);
            else inUse.set(path, left);
          },
          32,
        );
      }),
    );
    assert.ok(peak <= 3, `peak ${peak}`);
    const bytes = await readFile(join(root, 'f0'));
    assert.deepEqual([bytes[0], bytes[7], bytes[14]], [0, 7, 14]);
  });
});
