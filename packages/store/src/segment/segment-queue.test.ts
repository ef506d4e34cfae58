import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { CorruptSegmentError, SegmentSizeError } from '../errors.ts';
import { fileNameToOffset, offsetToFileName } from './segment.ts';
import { SegmentQueue } from './segment-queue.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rmq-segments-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const options = (dir: string) => ({ dir: join(dir, 'log'), segmentSize: 4096, sizeSetting: 'mappedFileSizeCommitLog' });

describe('segment files', () => {
  it('are named by their start offset in 20 digits', () => {
    assert.equal(offsetToFileName(1073741824), '00000000001073741824');
    assert.equal(fileNameToOffset('00000000001073741824'), 1073741824);
    assert.equal(fileNameToOffset('1073741824'), undefined);
    assert.equal(fileNameToOffset('0000000000107374182x'), undefined);
  });

  it('are created preallocated (sparse) and found by offset; loading sorts them', async (t) => {
    const dir = await tempDir(t);
    const queue = await SegmentQueue.load(options(dir));
    const segments = [queue.create(0), queue.create(4096), queue.create(8192)];
    await Promise.all(segments.map((segment) => segment.ready()));
    assert.throws(() => queue.create(16384), CorruptSegmentError);
    assert.equal(queue.find(4095), segments[0]);
    assert.equal(queue.find(4096), segments[1]);
    assert.equal(queue.find(12288), undefined);
    assert.deepEqual(queue.between(4000, 4097), segments.slice(0, 2));
    await queue.close();
    for (const name of await readdir(join(dir, 'log'))) assert.equal((await stat(join(dir, 'log', name))).size, 4096);
    await writeFile(join(dir, 'log', 'notes.txt'), 'not a segment');
    const loaded = await SegmentQueue.load(options(dir));
    assert.deepEqual(
      loaded.segments.map((segment) => segment.startOffset),
      [0, 4096, 8192],
    );
    await loaded.deleteOldest(1);
    assert.equal(loaded.first()?.startOffset, 4096);
    assert.equal(loaded.find(100), undefined);
    await loaded.close();
  });

  it('refuses a segment of the wrong size, naming the file and the setting', async (t) => {
    const dir = await tempDir(t);
    const queue = await SegmentQueue.load(options(dir));
    await queue.create(0).ready();
    await queue.close();
    await writeFile(join(dir, 'log', offsetToFileName(4096)), Buffer.alloc(100));
    await assert.rejects(SegmentQueue.load(options(dir)), (error: unknown) => {
      assert.ok(error instanceof SegmentSizeError);
      assert.match(error.message, /00000000000000004096.*100 bytes.*mappedFileSizeCommitLog is 4096/);
      return true;
    });
  });

  it('refuses a gap between segments', async (t) => {
    const dir = await tempDir(t);
    await SegmentQueue.load(options(dir));
    await writeFile(join(dir, 'log', offsetToFileName(0)), Buffer.alloc(4096));
    await writeFile(join(dir, 'log', offsetToFileName(8192)), Buffer.alloc(4096));
    await assert.rejects(SegmentQueue.load(options(dir)), /leaves a gap/);
  });

  it('deletes the empty segments a crash during segment creation left behind', async (t) => {
    const dir = await tempDir(t);
    await SegmentQueue.load(options(dir));
    await writeFile(join(dir, 'log', offsetToFileName(0)), Buffer.alloc(4096, 1));
    await writeFile(join(dir, 'log', offsetToFileName(4096)), '');
    await writeFile(join(dir, 'log', offsetToFileName(8192)), Buffer.alloc(4096));
    const queue = await SegmentQueue.load(options(dir));
    assert.deepEqual(
      queue.segments.map((segment) => segment.startOffset),
      [0],
    );
    assert.deepEqual(await readdir(join(dir, 'log')), [offsetToFileName(0)]);
    // A 0-byte segment followed by one holding data is not such a leftover.
    await writeFile(join(dir, 'log', offsetToFileName(4096)), '');
    await writeFile(join(dir, 'log', offsetToFileName(8192)), Buffer.alloc(4096, 2));
    await assert.rejects(SegmentQueue.load(options(dir)), SegmentSizeError);
  });

  it('zeroes a tail and keeps the file size', async (t) => {
    const dir = await tempDir(t);
    const queue = await SegmentQueue.load(options(dir));
    const segment = queue.create(0);
    await segment.write(Buffer.alloc(4096, 7), 0, 4096, 0);
    await queue.zeroTail(segment, 1000);
    const bytes = Buffer.alloc(4096);
    await segment.read(bytes, 0, 4096, 0);
    assert.ok(bytes.subarray(0, 1000).every((byte) => byte === 7));
    assert.ok(bytes.subarray(1000).every((byte) => byte === 0));
    assert.equal((await stat(segment.file)).size, 4096);
    assert.deepEqual(await readdir(dir), ['log'], 'the marker is gone');
    await queue.close();
  });
});
