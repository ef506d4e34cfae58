/**
 * The timer service on a real store with an injected clock: exact delivery, rolls for delays
 * beyond the wheel's window (40 days with a 1-hour window), and restarts at arbitrary points.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { decodeStoredMessage, encodeProperties, MessageConst, type MessageProperties, silentLogger } from '@rocketmq-ts/protocol';
import { type MessageToStore, MessageStore, TIMER_TOPIC, TimerStore } from '@rocketmq-ts/store';
import { applyTimer } from './timer.ts';
import { TimerMessageService } from './timer-message-service.ts';

const PRECISION = 1000;
const WINDOW_SLOTS = 3600; // one hour

class FakeClock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

async function openAll(dir: string, clock: FakeClock) {
  const store = await MessageStore.open({ storePathRootDir: dir, mappedFileSizeCommitLog: 16 * 1024 * 1024, messageIndexEnable: false });
  const timers = await TimerStore.open({ storePathRootDir: dir, precisionMs: PRECISION, slotCount: WINDOW_SLOTS + 60 });
  const service = new TimerMessageService(store, timers, { rollWindowSlots: WINDOW_SLOTS }, silentLogger, clock);
  return {
    store,
    timers,
    service,
    async close() {
      await service.stop();
      await timers.close();
      await store.close();
    },
  };
}

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

/** Runs the service until the clock reaches `until`, jumping to each next due time. */
async function runUntil(service: TimerMessageService, clock: FakeClock, until: number): Promise<void> {
  for (;;) {
    await service.enqueueAvailable();
    const wait = await service.deliverDue();
    if (clock.ms >= until) return;
    clock.ms = Math.min(until, clock.ms + Math.max(1, wait));
  }
}

async function delivered(store: MessageStore, topic: string): Promise<Map<string, { dequeueMs: number; properties: MessageProperties }>> {
  const seen = new Map<string, { dequeueMs: number; properties: MessageProperties }>();
  for (let offset = 0; offset < store.getMaxOffsetInQueue(topic, 0); ) {
    const result = await store.getMessage('g', topic, 0, offset, 32);
    for (const raw of result.messages) {
      const message = decodeStoredMessage(raw);
      const key = message.properties.KEYS!;
      assert.ok(!seen.has(key), `${key} delivered twice`);
      seen.set(key, { dequeueMs: Number(message.properties[MessageConst.TIMER_DEQUEUE_MS]), properties: message.properties });
    }
    offset = result.nextBeginOffset;
  }
  return seen;
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'timer-service-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

it('delivers each timer at its exact millisecond with 5.x properties', async (t) => {
  const dir = await tempDir(t);
  const clock = new FakeClock(1_700_000_000_123);
  const all = await openAll(dir, clock);
  const start = clock.ms;
  const wanted = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const delay = 1 + ((i * 7919) % 5_000);
    const properties: MessageProperties = i % 3 === 0 ? { [MessageConst.TIMER_DELAY_MS]: String(delay) } : { [MessageConst.TIMER_DELIVER_MS]: String(start + delay) };
    await sendTimer(all.store, clock, 'T', i, properties);
    wanted.set(`k${i}`, start + delay);
  }
  await runUntil(all.service, clock, start + 6_000);
  const seen = await delivered(all.store, 'T');
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
  const dir = await tempDir(t);
  const clock = new FakeClock(1_700_000_000_000);
  let all = await openAll(dir, clock);
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
    await runUntil(all.service, clock, stop);
    await all.close();
    all = await openAll(dir, clock);
  }
  await runUntil(all.service, clock, start + 40 * day + 2_000);
  const seen = await delivered(all.store, 'L');
  assert.equal(seen.size, wanted.size);
  for (const [key, at] of wanted) assert.equal(seen.get(key)!.dequeueMs, at, `${key} delivered at its ms`);
  const rolled = Number(seen.get('k45')!.properties[MessageConst.TIMER_ROLL_TIMES]);
  assert.ok(rolled >= 40 * 24 - 1, `a 40-day timer rolled ${rolled} times through a 1-hour window`);
  assert.equal(all.timers.queueOffset, all.store.getMaxOffsetInQueue(TIMER_TOPIC, 0));
  await all.close();
});
