import assert from 'node:assert/strict';
import { appendFile, cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { TIMER_FLAG_DONE, TIMER_LOG_UNIT } from './timer-log.ts';
import { TimerStore } from './timer-store.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'timer-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function chain(store: TimerStore, slotMs: number): Promise<number[]> {
  const offsets: number[] = [];
  for (let pos = store.head(slotMs).headPos; pos >= 0; ) {
    const record = await store.read(pos);
    assert.ok(record, `record at ${pos}`);
    assert.equal(record.slotMs, slotMs);
    offsets.push(record.queueOffset);
    pos = record.prevPos;
  }
  return offsets.sort((a, b) => a - b);
}

/** Segment files of the timer log: name → size. */
async function segmentFiles(dir: string): Promise<Map<string, number>> {
  const files = new Map<string, number>();
  for (const name of (await readdir(join(dir, 'timerlog'))).sort()) files.set(name, (await stat(join(dir, 'timerlog', name))).size);
  return files;
}

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('TimerStore', () => {
  it('links records of a slot newest first and counts them', async (t) => {
    const dir = await tempDir(t);
    const store = await TimerStore.open({ storePathRootDir: dir, precisionMs: 100, slotCount: 50 });
    for (let i = 0; i < 10; i++) store.place({ deliverMs: 1_000 + (i % 3) * 100 + i, slotMs: 1_000 + (i % 3) * 100, commitLogOffset: i * 100, size: 100, queueOffset: i });
    assert.deepEqual(await chain(store, 1_000), [0, 3, 6, 9]);
    assert.deepEqual(await chain(store, 1_100), [1, 4, 7]);
    assert.equal(store.head(1_200).count, 3);
    // Same wheel index, another turn: empty.
    assert.equal(store.head(1_000 + 50 * 100).headPos, -1);
    assert.equal(store.queueOffset, 10);
    assert.equal(store.pendingCount(1_100), 6);
    await store.close();
  });

  it('restarts at arbitrary points: the wheel equals what reached the log, torn tails are cut, done flags stay', async (t) => {
    const dir = await tempDir(t);
    const random = prng(7);
    const slots = [1_000, 1_100, 1_200, 1_300, 1_400];
    let store = await TimerStore.open({ storePathRootDir: dir, precisionMs: 100, slotCount: 64 });
    // What is durable (written) and what is only buffered.
    const durable = new Map<number, number[]>();
    let buffered: { slotMs: number; queueOffset: number }[] = [];
    const donePositions: number[] = [];
    let next = 0;
    for (let round = 0; round < 40; round++) {
      const count = Math.floor(random() * 50);
      for (let i = 0; i < count; i++) {
        const slotMs = slots[Math.floor(random() * slots.length)]!;
        const pos = store.place({ deliverMs: slotMs + 5, slotMs, commitLogOffset: next * 64, size: 64, queueOffset: next });
        if (random() < 0.1) donePositions.push(pos);
        buffered.push({ slotMs, queueOffset: next++ });
      }
      const action = random();
      if (action < 0.3) {
        await store.checkpoint();
      } else if (action < 0.6) {
        await store.write();
      } else {
        // Crash: buffered records are lost; sometimes a torn record is left at the tail.
        buffered = [];
        next = Math.max(0, ...[...durable.values()].flat().map((o) => o + 1));
        if (random() < 0.5) await appendFile(join(dir, 'timerlog', '00000000000000000000'), Buffer.alloc(23, 0x54));
        store = await TimerStore.open({ storePathRootDir: dir, precisionMs: 100, slotCount: 64 });
        for (const slotMs of slots) assert.deepEqual(await chain(store, slotMs), (durable.get(slotMs) ?? []).slice().sort((a, b) => a - b), `round ${round} slot ${slotMs}`);
        assert.equal(store.queueOffset, next);
        donePositions.length = 0;
        continue;
      }
      for (const record of buffered) durable.set(record.slotMs, [...(durable.get(record.slotMs) ?? []), record.queueOffset]);
      buffered = [];
      for (const pos of donePositions.splice(0)) store.markDone(pos);
    }
    await store.close();
    const reopened = await TimerStore.open({ storePathRootDir: dir, precisionMs: 100, slotCount: 64 });
    for (const slotMs of slots) assert.deepEqual(await chain(reopened, slotMs), (durable.get(slotMs) ?? []).slice().sort((a, b) => a - b));
    await reopened.close();
  });

  it('keeps done flags across a clean restart', async (t) => {
    const dir = await tempDir(t);
    const store = await TimerStore.open({ storePathRootDir: dir, precisionMs: 1000, slotCount: 10 });
    const positions = [0, 1, 2, 3].map((i) => store.place({ deliverMs: 5_000, slotMs: 5_000, commitLogOffset: i, size: 1, queueOffset: i }));
    await store.write();
    store.markDone(positions[1]!);
    store.markDone(positions[3]!);
    store.readSlotMs = 5_000;
    await store.close();
    const reopened = await TimerStore.open({ storePathRootDir: dir, precisionMs: 1000, slotCount: 10 });
    const done = await Promise.all(positions.map(async (pos) => ((await reopened.read(pos))!.flags & TIMER_FLAG_DONE) !== 0));
    assert.deepEqual(done, [false, true, false, true]);
    assert.equal(reopened.readSlotMs, 5_000);
    assert.equal(reopened.queueOffset, 4);
    await reopened.close();
  });

  it('refuses a wheel written with another precision or size, naming the settings', async (t) => {
    const dir = await tempDir(t);
    await (await TimerStore.open({ storePathRootDir: dir, precisionMs: 1000, slotCount: 10 })).close();
    await assert.rejects(TimerStore.open({ storePathRootDir: dir, precisionMs: 100, slotCount: 10 }), /timerPrecisionMs=1000/);
  });

  it('deletes a segment once all its records are done and their slots are before the saved read slot', async (t) => {
    const dir = await tempDir(t);
    const unit = TIMER_LOG_UNIT;
    const options = { storePathRootDir: dir, precisionMs: 100, slotCount: 64, mappedFileSizeTimerLog: 4 * unit + 10 };
    const store = await TimerStore.open(options);
    store.readSlotMs = 1_000;
    // Segments of 4 records: [slot 1000 ×4] [slot 1100 ×4] [slot 1200 ×3, slot 5000] [slot 5000 ×2].
    const slotOf = (i: number): number => (i === 11 || i >= 12 ? 5_000 : 1_000 + Math.floor(i / 4) * 100);
    const positions = Array.from({ length: 14 }, (_, i) => store.place({ deliverMs: slotOf(i) + 1, slotMs: slotOf(i), commitLogOffset: i, size: 1, queueOffset: i }));
    assert.equal(positions[4], 4 * unit, 'the size is rounded down to whole records');
    await store.checkpoint();
    assert.deepEqual([...(await segmentFiles(dir)).keys()], ['00000000000000000000', '00000000000000000224', '00000000000000000448', '00000000000000000672']);
    // Slot 1000 delivered but the read slot not yet saved past it: nothing goes.
    for (const pos of positions.slice(0, 4)) store.markDone(pos, 1_000);
    store.readSlotMs = 1_100;
    assert.equal(await store.trimLog(), 0);
    await store.checkpoint();
    assert.equal((await segmentFiles(dir)).size, 3);
    assert.equal(await store.read(positions[0]!), undefined, 'a read in a deleted segment answers undefined');
    // Slots 1100 and 1200 done: the third segment stays for its slot-5000 record.
    for (const pos of positions.slice(4, 11)) store.markDone(pos);
    store.readSlotMs = 1_300;
    await store.checkpoint();
    assert.deepEqual([...(await segmentFiles(dir)).keys()], ['00000000000000000448', '00000000000000000672']);
    assert.deepEqual(await chain(store, 5_000), [11, 12, 13]);
    await store.close();
    // The counters are rebuilt from the files.
    const reopened = await TimerStore.open(options);
    assert.deepEqual(await chain(reopened, 5_000), [11, 12, 13]);
    assert.equal(reopened.place({ deliverMs: 5_001, slotMs: 5_000, commitLogOffset: 14, size: 1, queueOffset: 14 }), 14 * unit);
    for (const pos of [...positions.slice(11), 14 * unit]) reopened.markDone(pos);
    reopened.readSlotMs = 5_100;
    await reopened.checkpoint();
    // Only the segment being appended to remains.
    assert.deepEqual([...(await segmentFiles(dir))], [['00000000000000000672', 3 * unit]]);
    assert.deepEqual(reopened.diskUse(), { segments: 1, bytes: 3 * unit });
    await reopened.close();
  });

  it('a done record of a slot still to be walked keeps its segment: the chain leads on to older pending records', async (t) => {
    const dir = await tempDir(t);
    const unit = TIMER_LOG_UNIT;
    const options = { storePathRootDir: dir, precisionMs: 100, slotCount: 64, mappedFileSizeTimerLog: 2 * unit };
    const store = await TimerStore.open(options);
    store.readSlotMs = 1_000;
    // Segment 0: [a (slot 5000, pending), x (slot 1000)]; segment 1: [y (slot 1000), b (slot 5000, delivered first)]; segment 2: [z].
    const a = store.place({ deliverMs: 5_090, slotMs: 5_000, commitLogOffset: 0, size: 1, queueOffset: 0 });
    const x = store.place({ deliverMs: 1_000, slotMs: 1_000, commitLogOffset: 1, size: 1, queueOffset: 1 });
    const y = store.place({ deliverMs: 1_000, slotMs: 1_000, commitLogOffset: 2, size: 1, queueOffset: 2 });
    const b = store.place({ deliverMs: 5_010, slotMs: 5_000, commitLogOffset: 3, size: 1, queueOffset: 3 });
    store.place({ deliverMs: 9_000, slotMs: 9_000, commitLogOffset: 4, size: 1, queueOffset: 4 });
    for (const pos of [x, y, b]) store.markDone(pos);
    store.readSlotMs = 5_000;
    await store.checkpoint();
    assert.equal((await segmentFiles(dir)).size, 3, 'segment 1 is all done but slot 5000 still walks through it');
    await store.close();
    const reopened = await TimerStore.open(options);
    assert.deepEqual(await chain(reopened, 5_000), [0, 3]);
    assert.equal(((await reopened.read(a))!.flags & TIMER_FLAG_DONE), 0);
    reopened.markDone(a);
    reopened.readSlotMs = 5_100;
    await reopened.checkpoint();
    assert.deepEqual([...(await segmentFiles(dir)).keys()], ['00000000000000000224']);
    await reopened.close();
  });

  it('a crash between the checkpoint and the end of a trim: the restart finishes the trim, chains stay whole', async (t) => {
    const dir = await tempDir(t);
    const unit = TIMER_LOG_UNIT;
    const options = { storePathRootDir: dir, precisionMs: 100, slotCount: 64, mappedFileSizeTimerLog: 2 * unit };
    const store = await TimerStore.open(options);
    store.readSlotMs = 1_000;
    const positions: number[] = [];
    for (let i = 0; i < 20; i++) positions.push(store.place({ deliverMs: 1_000 + i * 100, slotMs: 1_000 + Math.floor(i / 2) * 100, commitLogOffset: i, size: 1, queueOffset: i }));
    await store.checkpoint();
    for (const pos of positions.slice(0, 12)) store.markDone(pos);
    store.readSlotMs = 1_600;
    await store.saveCheckpoint();
    const image = await mkdtemp(join(tmpdir(), 'timer-store-crash-'));
    t.after(() => rm(image, { recursive: true, force: true }));
    await cp(dir, image, { recursive: true });
    assert.equal(await store.trimLog(), 6);
    await store.close();
    // The crash image: the new wheel and a few of the segments the trim deleted.
    await rm(join(image, 'timerlog', '00000000000000000112'));
    await rm(join(image, 'timerlog', '00000000000000000448'));
    const restarted = await TimerStore.open(options);
    const fromImage = await TimerStore.open({ ...options, storePathRootDir: image });
    for (const reopened of [restarted, fromImage]) {
      assert.equal(reopened.readSlotMs, 1_600);
      for (let slot = 1_600; slot < 2_000; slot += 100) assert.equal((await chain(reopened, slot)).length, 2);
      assert.deepEqual(reopened.diskUse(), { segments: 4, bytes: 8 * unit });
      await reopened.close();
    }
    assert.deepEqual([...(await segmentFiles(image)).keys()], [...(await segmentFiles(dir)).keys()]);
  });

  it('splits a single-file log of the previous version into segments, also after a crash mid-split', async (t) => {
    const dir = await tempDir(t);
    const unit = TIMER_LOG_UNIT;
    const legacy = await TimerStore.open({ storePathRootDir: dir, precisionMs: 100, slotCount: 64 });
    legacy.readSlotMs = 1_000;
    const positions = Array.from({ length: 10 }, (_, i) => legacy.place({ deliverMs: 1_000 + i, slotMs: 1_000 + (i % 2) * 100, commitLogOffset: i, size: 1, queueOffset: i }));
    await legacy.write();
    legacy.markDone(positions[3]!);
    await legacy.close();
    // Make it what the previous version wrote: a version-1 wheel without a segment size.
    const wheel = await readFile(join(dir, 'timerwheel'));
    wheel.writeInt32BE(1, 4);
    wheel.fill(0, 40, 48);
    await writeFile(join(dir, 'timerwheel'), wheel);
    const original = await readFile(join(dir, 'timerlog', '00000000000000000000'));
    assert.equal(original.length, 10 * unit);
    // A crash during an earlier split left a temp file and a (complete, renamed) copy.
    await writeFile(join(dir, 'timerlog', '00000000000000000168'), original.subarray(3 * unit, 6 * unit));
    await writeFile(join(dir, 'timerlog', '00000000000000000336.tmp'), Buffer.alloc(17, 1));
    const store = await TimerStore.open({ storePathRootDir: dir, precisionMs: 100, slotCount: 64, mappedFileSizeTimerLog: 3 * unit });
    const files = await segmentFiles(dir);
    assert.deepEqual([...files], [['00000000000000000000', 3 * unit], ['00000000000000000168', 3 * unit], ['00000000000000000336', 3 * unit], ['00000000000000000504', unit]]);
    const joined = Buffer.concat(await Promise.all([...files.keys()].map((name) => readFile(join(dir, 'timerlog', name)))));
    assert.deepEqual(joined, original);
    assert.deepEqual(await chain(store, 1_000), [0, 2, 4, 6, 8]);
    assert.deepEqual(await chain(store, 1_100), [1, 3, 5, 7, 9]);
    assert.ok(((await store.read(positions[3]!))!.flags & TIMER_FLAG_DONE) !== 0);
    assert.equal(store.place({ deliverMs: 1_001, slotMs: 1_000, commitLogOffset: 10, size: 1, queueOffset: 10 }), 10 * unit);
    await store.close();
    // The segment size now travels in the wheel: a later open with another setting keeps it.
    const again = await TimerStore.open({ storePathRootDir: dir, precisionMs: 100, slotCount: 64 });
    assert.deepEqual(await chain(again, 1_000), [0, 2, 4, 6, 8, 10]);
    await again.close();
    assert.equal((await segmentFiles(dir)).get('00000000000000000504'), 2 * unit);
  });
});
