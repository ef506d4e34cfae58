import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { TIMER_FLAG_DONE } from './timer-log.ts';
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
});
