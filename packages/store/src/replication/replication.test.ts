/**
 * The replication hooks: a follower store fed a master's raw commit-log bytes in arbitrary
 * cuts ends up byte-identical, serves the same messages by queue and key, refuses local puts,
 * survives a restart with a torn record at its end, and can start at a later segment.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { MessageStore, type MessageStoreOptions, type MessageToStore, ReplicaWriteError } from '@rocketmq-ts/store';
import { testMessage } from '../testing/test-message.ts';

/** Cleanups run last-registered first (stores close before their directories go). */
function cleanups(t: TestContext): (fn: () => Promise<unknown>) => void {
  const list: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const fn of list.reverse()) await fn();
  });
  return (fn) => void list.push(fn);
}

async function tempDir(defer: (fn: () => Promise<unknown>) => void, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `rmq-repl-${name}-`));
  defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const message = (topic: string, queueId: number, body: string, keys: string): MessageToStore => testMessage(topic, queueId, body, { KEYS: keys, TAGS: 'TagA' });

const small: Partial<MessageStoreOptions> = { mappedFileSizeCommitLog: 64 * 1024, mappedFileSizeConsumeQueue: 20 * 50, flushIntervalConsumeQueue: 50 };

/** Copies master[from, to) into the sink in cuts of 1..`maxCut` bytes, never across a segment end (as HA frames). */
async function replicate(master: MessageStore, follower: MessageStore, from: number, maxCut: number, seed = 7): Promise<number> {
  const source = master.replicationSource();
  const sink = follower.replicaSink();
  let offset = from;
  let state = seed;
  while (offset < source.maxPhyOffset) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const data = await source.readRange(offset, 1 + (state % maxCut));
    assert.ok(data);
    await sink.append(offset, data);
    offset += data.length;
  }
  return offset;
}

async function putMany(store: MessageStore, count: number, start = 0): Promise<void> {
  for (let i = start; i < start + count; i++) {
    const result = await store.putMessage(message(`T${i % 3}`, i % 4, `body-${i}-${'x'.repeat(i % 700)}`, `k${i}`));
    assert.equal(result.status, 'PUT_OK');
  }
}

async function commitLogBytes(store: MessageStore, from: number, to: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let offset = from; offset < to; ) {
    const part = await store.replicationSource().readRange(offset, to - offset);
    assert.ok(part, `bytes at ${offset}`);
    parts.push(part);
    offset += part.length;
  }
  return Buffer.concat(parts);
}

async function sameQueues(master: MessageStore, follower: MessageStore): Promise<void> {
  for (const topic of ['T0', 'T1', 'T2']) {
    for (let queueId = 0; queueId < 4; queueId++) {
      assert.equal(follower.getMaxOffsetInQueue(topic, queueId), master.getMaxOffsetInQueue(topic, queueId), `${topic}/${queueId} max offset`);
      const max = master.getMaxOffsetInQueue(topic, queueId);
      for (let offset = master.getMinOffsetInQueue(topic, queueId); offset < max; ) {
        const a = await master.getMessage('g', topic, queueId, offset, 32);
        const b = await follower.getMessage('g', topic, queueId, offset, 32);
        assert.equal(b.status, 'FOUND');
        assert.deepEqual(b.messages, a.messages);
        offset = a.nextBeginOffset;
      }
    }
  }
}

describe('replication hooks', () => {
  it('a follower fed raw bytes in arbitrary cuts matches the master byte for byte and by queue, key and restart', async (t) => {
    const defer = cleanups(t);
    const master = await MessageStore.open({ storePathRootDir: await tempDir(defer, 'master'), ...small });
    defer(() => master.close());
    const followerDir = await tempDir(defer, 'follower');
    let follower = await MessageStore.open({ storePathRootDir: followerDir, ...small });
    await putMany(master, 800);
    assert.ok(master.commitLog.segmentFiles().length >= 3, `the data spans several segments (BLANK markers): ${master.commitLog.maxOffset} bytes, ${master.commitLog.segmentFiles().length} segments`);
    const end = await replicate(master, follower, 0, 3000);
    assert.equal(follower.replicaSink().maxPhyOffset, end);
    assert.equal(follower.replicaSink().dispatchedPhyOffset, end);
    assert.deepEqual(await commitLogBytes(follower, 0, end), await commitLogBytes(master, 0, end));
    await sameQueues(master, follower);
    const byKey = await follower.queryMessage('T1', 'k7', 32, 0, Date.now() + 1000);
    assert.equal(byKey.messages.length, 1);

    // local writes are refused on a follower
    const refused = await follower.putMessage(message('T0', 0, 'local', 'x'));
    assert.equal(refused.status, 'SERVICE_NOT_AVAILABLE');
    assert.match(refused.remark ?? '', /slave mode/);

    // the data must continue the log
    await assert.rejects(follower.replicaSink().append(end + 10, Buffer.alloc(8)), ReplicaWriteError);

    // a frame ending inside a record, then a clean restart: recovery cuts the torn record and
    // the follower asks for it again
    await putMany(master, 50, 800);
    const record = await master.replicationSource().readRange(end, 1000);
    assert.ok(record);
    await follower.replicaSink().append(end, record.subarray(0, 30));
    assert.equal(follower.replicaSink().dispatchedPhyOffset, end);
    await follower.close();
    follower = await MessageStore.open({ storePathRootDir: followerDir, ...small });
    defer(() => follower.close());
    assert.equal(follower.replicaSink().maxPhyOffset, end, 'the torn record is cut on restart');
    const end2 = await replicate(master, follower, end, 5000, 3);
    assert.equal(end2, master.commitLog.maxOffset);
    assert.deepEqual(await commitLogBytes(follower, 0, end2), await commitLogBytes(master, 0, end2));
    await sameQueues(master, follower);
  });

  it('an empty follower starts at the start of the master’s last segment', async (t) => {
    const defer = cleanups(t);
    const master = await MessageStore.open({ storePathRootDir: await tempDir(defer, 'master'), ...small });
    defer(() => master.close());
    const followerDir = await tempDir(defer, 'follower');
    const follower = await MessageStore.open({ storePathRootDir: followerDir, ...small });
    defer(() => follower.close());
    await putMany(master, 300);
    const source = master.replicationSource();
    const from = source.maxPhyOffset - (source.maxPhyOffset % source.segmentSize);
    assert.ok(from > 0);
    await assert.rejects(follower.replicaSink().append(from + 8, Buffer.alloc(8)), ReplicaWriteError, 'an empty log starts at a segment start');
    const end = await replicate(master, follower, from, 4096);
    assert.deepEqual(await commitLogBytes(follower, from, end), await commitLogBytes(master, from, end));
    assert.deepEqual(await readdir(join(followerDir, 'commitlog')), [from.toString().padStart(20, '0')]);
    // queues start where the segment's first record of each queue is
    const firstInSegment = new Map<string, number>();
    await master.commitLog.scan(from, (request) => {
      const key = `${request.topic}/${request.queueId}`;
      if (!firstInSegment.has(key)) firstInSegment.set(key, request.queueOffset);
    });
    for (const [key, queueOffset] of firstInSegment) {
      const [topic, queueId] = key.split('/') as [string, string];
      assert.equal(follower.getMinOffsetInQueue(topic, Number(queueId)), queueOffset, `${key} min`);
      assert.equal(follower.getMaxOffsetInQueue(topic, Number(queueId)), master.getMaxOffsetInQueue(topic, Number(queueId)), `${key} max`);
      const got = await follower.getMessage('g', topic, Number(queueId), queueOffset, 1);
      const want = await master.getMessage('g', topic, Number(queueId), queueOffset, 1);
      assert.deepEqual(got.messages, want.messages);
    }
    assert.ok((await readFile(join(followerDir, 'commitlog', from.toString().padStart(20, '0')))).length === source.segmentSize);
  });
  it('controller mode: a follower cut back to an offset drops the later records, takes new ones there, and keeps the cut across a restart; stopFollowing opens it for puts', async (t) => {
    const defer = cleanups(t);
    const master = await MessageStore.open({ storePathRootDir: await tempDir(defer, 'tm'), ...small });
    defer(() => master.close());
    const followerDir = await tempDir(defer, 'tf');
    let follower = await MessageStore.open({ storePathRootDir: followerDir, ...small });
    const offsets: number[] = [];
    for (let i = 0; i < 300; i++) offsets.push((await master.putMessage(message('T', i % 2, `m-${i}-${'x'.repeat(300)}`, `k${i}`))).records[0]!.commitLogOffset);
    const end = await replicate(master, follower, 0, 5000);
    // Cut in the second segment, where message 200 (queue 0, offset 100) starts.
    const cut = offsets[200]!;
    assert.ok(cut > 64 * 1024 && cut < end);
    await follower.truncateTo(cut);
    assert.equal(follower.commitLog.maxOffset, cut);
    assert.equal(follower.getMaxOffsetInQueue('T', 0), 100);
    assert.equal((await follower.getMessage('g', 'T', 0, 100, 1)).messages.length, 0);
    assert.equal((await follower.getMessage('g', 'T', 0, 99, 1)).messages.length, 1);
    // The master's bytes from the cut on arrive again and dispatch as before.
    await replicate(master, follower, cut, 3000);
    assert.equal(follower.commitLog.maxOffset, end);
    assert.equal(follower.getMaxOffsetInQueue('T', 0), 150);
    await follower.truncateTo(cut);
    await follower.close();
    follower = await MessageStore.open({ storePathRootDir: followerDir, ...small });
    defer(() => follower.close());
    assert.equal(follower.commitLog.maxOffset, cut, 'recovery does not find the cut records again');
    follower.replicaSink();
    assert.equal(await follower.stopFollowing(), cut);
    const put = await follower.putMessage(message('T', 0, 'after', 'after'));
    assert.equal(put.status, 'PUT_OK');
    assert.equal(put.records[0]!.queueOffset, 100, 'queue offsets continue from the cut');
  });
});
