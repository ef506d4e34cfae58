/**
 * The timer service on a real store with an injected clock: exact delivery, rolls for delays
 * beyond the wheel's window (40 days with a 1-hour window), restarts at arbitrary points, and a
 * timer log in small segments that is trimmed as timers fire, across crashes (a copy of the
 * store directory taken while it is open is what a SIGKILL leaves), including mid-trim.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { decodeStoredMessage, encodeProperties, MessageConst, type MessageProperties } from '@rocketmq-ts/protocol';
import { type MessageStore, type MessageToStore, TIMER_LOG_UNIT, TIMER_TOPIC } from '@rocketmq-ts/store';
import { applyTimer } from './timer.ts';
import { deliveredTimers, FakeClock, openTimerStack, runTimersUntil, timerTempDir } from '../../testing/timer-kit.ts';




async function sendTimer(store: MessageStore, clock: FakeClock, topic: string, id: number, properties: MessageProperties): Promise<void> {
  const message: MessageToStore = {
    topic,
    queueId: 0,
    flag: 0,
    body: Buffer.from(`m${id}`),
    propertiesText: '',
    sysFlag: 0,
    bornTimestamp: clock.now(),
    bornHost: { address: '127.0.0.1', port: 1 },
    storeHost: { address: '127.0.0.1', port: 2 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    waitStoreMsgOK: false,
  };
  const props: MessageProperties = { ...properties, KEYS: `k${id}` };
  assert.equal(applyTimer({ timerWheelEnable: true, timerMaxDelaySec: 3600 * 24 * 40 }, message, props, clock.now()), undefined);
  message.propertiesText = encodeProperties(props);
  message.properties = props;
  assert.equal((await store.putMessage(message)).status, 'PUT_OK');
}




it('delivers each timer at its exact millisecond with 5.x properties', async (t) => {
  const dir = await timerTempDir(t, 'timer-service-');
  const clock = new FakeClock(1_700_000_000_123);
  const all = await openTimerStack(dir, clock);
  const start = clock.ms;
  const wanted = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const delay = 1 + ((i * 7919) % 5_000);
    const properties: MessageProperties = i % 3 === 0 ? { [MessageConst.TIMER_DELAY_MS]: String(delay) } : { [MessageConst.TIMER_DELIVER_MS]: String(start + delay) };
    await sendTimer(all.store, clock, 'T', i, properties);
    wanted.set(`k${i}`, start + delay);
  }
  await runTimersUntil(all.service, clock, start + 6_000);
  const seen = await deliveredTimers(all.store, 'T');
  assert.equal(seen.size, 300);
  for (const [key, at] of wanted) {
    const got = seen.get(key)!;
    assert.equal(got.dequeueMs, at, `${key} delivered at its ms`);
    assert.equal(got.properties[MessageConst.TIMER_OUT_MS], String(at));
    assert.equal(got.properties[MessageConst.REAL_TOPIC], 'T');
    assert.ok(got.properties[MessageConst.REAL_QUEUE_ID] !== undefined);
  }
  assert.equal(all.service.pendingCount(), 0);
  await all.close();
});

it('rolls 40-day timers through a 1-hour wheel and restarts at arbitrary points without loss, duplicates or early delivery', async (t) => {
  const dir = await timerTempDir(t, 'timer-service-');
  const clock = new FakeClock(1_700_000_000_000);
  let all = await openTimerStack(dir, clock);
  const start = clock.ms;
  const day = 86_400_000;
  const wanted = new Map<string, number>();
  const delays = [5, 999, 1_000, 59_000, 3_600_000 - 1, 3_600_000 + 1, 2 * 3_600_000 + 17, day + 3, 10 * day, 40 * day];
  let id = 0;
  for (const delay of delays) {
    for (let i = 0; i < 5; i++) {
      await sendTimer(all.store, clock, 'L', id, { [MessageConst.TIMER_DELIVER_MS]: String(start + delay) });
      wanted.set(`k${id++}`, start + delay);
    }
  }
  // Restart at points before, inside and after slots, plus in the middle of the rolls.
  const stops = [start + 3, start + 999, start + 59_000, start + 3_600_000, start + day, start + 20 * day + 123, start + 40 * day - 1];
  for (const stop of stops) {
    await runTimersUntil(all.service, clock, stop);
    await all.close();
    all = await openTimerStack(dir, clock);
  }
  await runTimersUntil(all.service, clock, start + 40 * day + 2_000);
  const seen = await deliveredTimers(all.store, 'L');
  assert.equal(seen.size, wanted.size);
  for (const [key, at] of wanted) assert.equal(seen.get(key)!.dequeueMs, at, `${key} delivered at its ms`);
  const rolled = Number(seen.get('k45')!.properties[MessageConst.TIMER_ROLL_TIMES]);
  assert.ok(rolled >= 40 * 24 - 1, `a 40-day timer rolled ${rolled} times through a 1-hour window`);
  assert.equal(all.timers.queueOffset, all.store.getMaxOffsetInQueue(TIMER_TOPIC, 0));
  await all.close();
});

/** Every delivery of each key (a crash may deliver one again, never early). */
async function deliveries(store: MessageStore, topic: string): Promise<Map<string, number[]>> {
  const seen = new Map<string, number[]>();
  for (let offset = 0; offset < store.getMaxOffsetInQueue(topic, 0); ) {
    const result = await store.getMessage('g', topic, 0, offset, 32);
    for (const raw of result.messages) {
      const message = decodeStoredMessage(raw);
      const key = message.properties.KEYS!;
      seen.set(key, [...(seen.get(key) ?? []), Number(message.properties[MessageConst.TIMER_DEQUEUE_MS])]);
    }
    offset = result.nextBeginOffset;
  }
  return seen;
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

it('trims the timer log as timers fire: disk use follows what is pending and ends at about one segment', async (t) => {
  const dir = await timerTempDir(t, 'timer-service-');
  const clock = new FakeClock(1_700_000_000_000);
  const segment = 64 * TIMER_LOG_UNIT;
  const all = await openTimerStack(dir, clock, segment);
  const start = clock.ms;
  const count = 2_000;
  for (let i = 0; i < count; i++) await sendTimer(all.store, clock, 'D', i, { [MessageConst.TIMER_DELIVER_MS]: String(start + 1_000 + Math.floor((i * 100_000) / count)) });
  await all.service.enqueueAvailable();
  await all.timers.checkpoint();
  const before = all.timers.diskUse();
  assert.equal(before.bytes, count * TIMER_LOG_UNIT);
  assert.equal(before.segments, Math.ceil(count / 64));
  const figures = [before.segments];
  for (let step = 1; step <= 4; step++) {
    await runTimersUntil(all.service, clock, start + 1_000 + step * 25_000);
    await all.timers.checkpoint();
    figures.push(all.timers.diskUse().segments);
  }
  // Each quarter of the timers fired frees about a quarter of the segments.
  for (let i = 1; i < figures.length; i++) assert.ok(figures[i]! < figures[i - 1]!, `segments ${figures.join(' → ')}`);
  const after = all.timers.diskUse();
  assert.ok(after.segments <= 1 && after.bytes <= segment, `after: ${JSON.stringify(after)}`);
  assert.equal((await readdir(join(dir, 'timerlog'))).length, after.segments);
  assert.equal((await deliveries(all.store, 'D')).size, count);
  await all.close();
});

it('small segments, 40-day rolls and crashes at arbitrary points (mid-trim too): nothing lost, nothing early, no duplicate after a clean stop', async (t) => {
  let dir = await timerTempDir(t, 'timer-service-');
  const clock = new FakeClock(1_700_000_000_000);
  const segment = 8 * TIMER_LOG_UNIT;
  let all = await openTimerStack(dir, clock, segment);
  const start = clock.ms;
  const day = 86_400_000;
  const wanted = new Map<string, number>();
  const delays = [5, 1_000, 59_000, 3_600_000 - 1, 3_600_000 + 1, 2 * 3_600_000 + 17, day + 3, 10 * day, 40 * day];
  let id = 0;
  for (const delay of delays) {
    for (let i = 0; i < 4; i++) {
      // Spread by a few ms (backwards: 40 days is the longest delay allowed).
      await sendTimer(all.store, clock, 'C', id, { [MessageConst.TIMER_DELIVER_MS]: String(start + delay - i) });
      wanted.set(`k${id++}`, start + delay - i);
    }
  }
  const random = prng(11);
  let crashes = 0;
  let maxSegments = 0;
  // Keys that were delivered before the last crash may come again; after a clean stop, never.
  const stops = [start + 3, start + 1_000, start + 59_001, start + 3_600_000, start + 3_600_002, start + 7_300_000, start + day + 5, start + 5 * day, start + 10 * day + 1, start + 20 * day + 123, start + 39 * day, start + 40 * day - 1];
  for (const stop of stops) {
    await runTimersUntil(all.service, clock, stop);
    maxSegments = Math.max(maxSegments, all.timers.diskUse().segments);
    const kind = random();
    if (kind < 0.3) {
      await all.close();
      all = await openTimerStack(dir, clock, segment);
      continue;
    }
    // A crash: the image is the directory as the killed process left it (page cache included).
    const image = await mkdtemp(join(tmpdir(), 'timer-crash-'));
    t.after(() => rm(image, { recursive: true, force: true }));
    if (kind < 0.65) {
      await cp(dir, image, { recursive: true });
    } else {
      // Mid-trim: the checkpoint is saved, only some of the segments it frees are deleted.
      await all.timers.saveCheckpoint();
      await cp(dir, image, { recursive: true });
      const listed = await readdir(join(dir, 'timerlog'));
      await all.timers.trimLog();
      const kept = new Set(await readdir(join(dir, 'timerlog')));
      for (const name of listed) if (!kept.has(name) && random() < 0.5) await rm(join(image, 'timerlog', name));
    }
    crashes++;
    await all.close();
    await rm(join(image, 'lock'), { force: true });
    dir = image;
    all = await openTimerStack(dir, clock, segment);
  }
  await runTimersUntil(all.service, clock, start + 40 * day + 2_000);
  const seen = await deliveries(all.store, 'C');
  assert.ok(crashes >= 3, `${crashes} crashes`);
  assert.equal(seen.size, wanted.size);
  for (const [key, at] of wanted) {
    const times = seen.get(key)!;
    assert.equal(Math.min(...times), at, `${key} first delivered at its ms`);
    assert.ok(times.every((ms) => ms >= at), `${key} never early`);
  }
  assert.equal(all.timers.queueOffset, all.store.getMaxOffsetInQueue(TIMER_TOPIC, 0));
  // A clean stop now: nothing more is delivered after it.
  const total = [...seen.values()].reduce((sum, times) => sum + times.length, 0);
  await all.close();
  all = await openTimerStack(dir, clock, segment);
  await runTimersUntil(all.service, clock, start + 41 * day);
  assert.equal([...(await deliveries(all.store, 'C')).values()].reduce((sum, times) => sum + times.length, 0), total);
  await all.timers.checkpoint();
  const after = all.timers.diskUse();
  assert.ok(after.segments <= 1, `after: ${JSON.stringify(after)} (at most ${maxSegments} segments while running)`);
  await all.close();
});
