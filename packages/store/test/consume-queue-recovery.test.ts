/**
 * ConsumeQueue recovery on damaged tails, and the store-wide registry, on real files.
 */
import assert from 'node:assert/strict';
import { mkdtemp, open, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, describe, it } from 'node:test';
import { ConsumeQueue } from '../src/consume-queue/consume-queue.ts';
import { ConsumeQueueStore } from '../src/consume-queue/consume-queue-store.ts';
import { ConsumeQueueFileSizeError } from '../src/consume-queue/errors.ts';

const UNIT = 20;
const FILE_SIZE = 10 * UNIT;
const options = { mappedFileSizeConsumeQueue: FILE_SIZE };

async function tempRoot(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cq-recovery-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A closed queue TopicA/0 holding `count` units: record n at commit-log n × 100, 100 bytes. */
async function writeQueue(root: string, count: number): Promise<string> {
  const queue = await ConsumeQueue.open(root, 'TopicA', 0, options);
  for (let n = 0; n < count; n++) queue.putUnit(n, n * 100, 100, n);
  await queue.close();
  return join(root, 'consumequeue', 'TopicA', '0');
}

async function reopen(t: TestContext, root: string): Promise<ConsumeQueue> {
  const queue = await ConsumeQueue.open(root, 'TopicA', 0, options);
  t.after(() => queue.close().catch(() => undefined));
  return queue;
}

async function patch(file: string, position: number, bytes: number[]): Promise<void> {
  const handle = await open(file, 'r+');
  await handle.write(Buffer.from(bytes), 0, bytes.length, position);
  await handle.close();
}

async function offsets(queue: ConsumeQueue): Promise<number[]> {
  const batch = await queue.getUnits(0, 1000);
  return Array.from({ length: batch.count }, (_, i) => batch.commitLogOffset(i) / 100);
}

const range = (n: number): number[] => [...Array(n).keys()];

describe('ConsumeQueue recovery', () => {
  it('a clean queue recovers to where it was', async (t) => {
    const root = await tempRoot(t);
    await writeQueue(root, 25);
    const queue = await reopen(t, root);
    const report = await queue.recover();
    assert.deepEqual(report, {
      topic: 'TopicA',
      queueId: 0,
      minOffset: 0,
      maxOffset: 25,
      maxPhysicalOffset: 2500,
      damage: undefined,
      droppedUnits: 0,
      droppedFiles: [],
      resizedFiles: [],
    });
    assert.deepEqual(await offsets(queue), range(25));
  });

  it('zeroed bytes in the tail: keeps the units before, zeroes and reports the rest', async (t) => {
    const root = await tempRoot(t);
    const dir = await writeQueue(root, 25);
    await patch(join(dir, '00000000000000000400'), 2 * UNIT, Array(UNIT).fill(0)); // unit 22
    const queue = await reopen(t, root);
    const report = await queue.recover();
    assert.equal(report.damage?.kind, 'zeroed-unit');
    assert.equal(report.damage?.logicalOffset, 22);
    assert.equal(report.damage?.file, '00000000000000000400');
    assert.equal(report.droppedUnits, 2);
    assert.equal(queue.maxOffset, 22);
    assert.equal(queue.maxPhysicalOffset, 2200);
    assert.deepEqual(await offsets(queue), range(22));
    const bytes = await readFile(join(dir, '00000000000000000400'));
    assert.ok(bytes.subarray(2 * UNIT).every((b) => b === 0), 'units 23 and 24 are zeroed on disk');
    // the dispatcher re-puts the lost records where they belong
    assert.equal(queue.putUnit(22, 2200, 100, 22), true);
    assert.equal(queue.putUnit(21, 2100, 100, 21), false);
    assert.deepEqual(await offsets(queue), range(23));
  });

  it('flipped bytes: an invalid unit ends the queue; later files are deleted', async (t) => {
    const root = await tempRoot(t);
    const dir = await writeQueue(root, 25);
    await patch(join(dir, '00000000000000000200'), 7 * UNIT + 8, [0x80]); // unit 17: size < 0
    const queue = await reopen(t, root);
    const report = await queue.recover();
    assert.equal(report.damage?.kind, 'invalid-unit');
    assert.equal(report.damage?.logicalOffset, 17);
    assert.equal(report.droppedUnits, 3, 'units 17, 18, 19 in the same file');
    assert.deepEqual(report.droppedFiles, ['00000000000000000400']);
    assert.deepEqual(await readdir(dir), ['00000000000000000000', '00000000000000000200']);
    assert.deepEqual(await offsets(queue), range(17));
  });

  it('flipped bytes that still look valid are caught by the commit-log order', async (t) => {
    const root = await tempRoot(t);
    const dir = await writeQueue(root, 25);
    await patch(join(dir, '00000000000000000400'), 3 * UNIT + 6, [0, 7]); // unit 23 → commit-log offset 7
    const queue = await reopen(t, root);
    const report = await queue.recover();
    assert.equal(report.damage?.kind, 'out-of-order');
    assert.equal(report.damage?.logicalOffset, 23);
    assert.equal(report.droppedUnits, 2);
    assert.deepEqual(await offsets(queue), range(23));
  });

  it('a cut file keeps its whole units and is extended back to full size', async (t) => {
    const root = await tempRoot(t);
    const dir = await writeQueue(root, 25);
    await truncate(join(dir, '00000000000000000400'), 3 * UNIT + 7); // units 20-22 and a piece of 23
    const queue = await reopen(t, root);
    const report = await queue.recover();
    assert.equal(report.damage?.kind, 'cut-file');
    assert.equal(report.damage?.logicalOffset, 23);
    assert.deepEqual(report.resizedFiles, ['00000000000000000400']);
    assert.equal((await stat(join(dir, '00000000000000000400'))).size, FILE_SIZE);
    assert.deepEqual(await offsets(queue), range(23));
    // the partial unit's 7 bytes are gone from disk
    const bytes = await readFile(join(dir, '00000000000000000400'));
    assert.ok(bytes.subarray(3 * UNIT).every((b) => b === 0));
  });

  it('a cut file in the middle ends the queue there', async (t) => {
    const root = await tempRoot(t);
    const dir = await writeQueue(root, 25);
    await truncate(join(dir, '00000000000000000200'), 4 * UNIT);
    const queue = await reopen(t, root);
    const report = await queue.recover();
    assert.equal(report.damage?.kind, 'cut-file');
    assert.equal(queue.maxOffset, 14);
    assert.deepEqual(report.droppedFiles, ['00000000000000000400']);
    assert.deepEqual(await offsets(queue), range(14));
  });

  it('scans only from the third-from-last file, like Java', async (t) => {
    const root = await tempRoot(t);
    const dir = await writeQueue(root, 45); // 5 files
    await patch(join(dir, '00000000000000000000'), 3 * UNIT + 8, [0x80]); // outside the scan window
    const queue = await reopen(t, root);
    const report = await queue.recover();
    assert.equal(report.damage, undefined);
    assert.equal(queue.maxOffset, 45);
    assert.equal(queue.maxPhysicalOffset, 4500);
  });

  it('refuses a segment longer than mappedFileSizeConsumeQueue', async (t) => {
    const root = await tempRoot(t);
    const dir = await writeQueue(root, 3);
    await truncate(join(dir, '00000000000000000000'), FILE_SIZE + 20);
    await assert.rejects(ConsumeQueue.open(root, 'TopicA', 0, options), ConsumeQueueFileSizeError);
  });
});

describe('ConsumeQueueStore', () => {
  it('discovers queues of topics with % and | in their names, and creates new ones on demand', async (t) => {
    const root = await tempRoot(t);
    const topics = ['%RETRY%group_a', 'rmq_sys_TRACE|x', 'SCHEDULE_TOPIC_XXXX'];
    const store = await ConsumeQueueStore.open(root, { ...options, maxOpenFiles: 3 });
    let physical = 0;
    for (const topic of topics) {
      for (let queueId = 0; queueId < 4; queueId++) {
        const queue = store.getOrCreate(topic, queueId);
        for (let n = 0; n < 12; n++) {
          queue.putUnit(n, physical, 100, n);
          physical += 100;
        }
      }
    }
    await store.write();
    await store.close();
    await writeFile(join(root, 'consumequeue', '%RETRY%group_a', 'notes.txt'), 'not a queue');

    const reopened = await ConsumeQueueStore.open(root, { ...options, maxOpenFiles: 3 });
    t.after(() => reopened.close());
    assert.deepEqual(reopened.topics().sort(), [...topics].sort());
    assert.deepEqual(await reopened.recover(), []);
    assert.equal(reopened.maxPhysicalOffset, physical);
    for (const topic of topics) {
      assert.deepEqual([...reopened.queuesOf(topic).keys()].sort(), [0, 1, 2, 3]);
      for (const queue of reopened.queuesOf(topic).values()) {
        assert.equal(queue.maxOffset, 12);
        assert.equal((await queue.getUnits(10, 5)).count, 2);
      }
    }
    assert.equal(reopened.get('Nope', 0), undefined);
    const fresh = reopened.getOrCreate('Fresh', 2);
    assert.equal(fresh.maxOffset, 0);
    assert.equal(reopened.getOrCreate('Fresh', 2), fresh);

    // the commit log lost its tail and its head
    const total = physical;
    assert.ok((await reopened.truncateDirty(total - 150)) > 0);
    assert.equal(reopened.maxPhysicalOffset, total - 200);
    await reopened.correctMinOffset(1000);
    assert.equal(reopened.get(topics[0]!, 0)!.minOffset, 10);
    assert.equal(await reopened.deleteExpiredFiles(1000), 1);

    await reopened.deleteTopic(topics[0]!);
    assert.equal(reopened.get(topics[0]!, 0), undefined);
    assert.deepEqual((await readdir(join(root, 'consumequeue'))).sort(), [topics[1], topics[2]].sort());
  });
});
