/**
 * Test kit for the timer wheel: a real store, timer store and timer service in a directory,
 * driven by an injected clock that jumps to each next due time. Test code only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { decodeStoredMessage, MessageConst, type MessageProperties, silentLogger } from '@rocketmq-ts/protocol';
import { MessageStore, TimerStore } from '@rocketmq-ts/store';
import { TimerMessageService } from '../broker/schedule/timer-message-service.ts';

export const TEST_TIMER_PRECISION_MS = 1000;
/** One hour of 1 s slots: days-long delays roll. */
export const TEST_TIMER_WINDOW_SLOTS = 3600;

export class FakeClock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

export interface TimerStack {
  store: MessageStore;
  timers: TimerStore;
  service: TimerMessageService;
  close(): Promise<void>;
}

/** Opens (or reopens, after close or a copied directory) the store and the timer wheel in `dir`. */
export async function openTimerStack(dir: string, clock: FakeClock, mappedFileSizeTimerLog?: number): Promise<TimerStack> {
  const store = await MessageStore.open({ storePathRootDir: dir, mappedFileSizeCommitLog: 16 * 1024 * 1024, messageIndexEnable: false });
  const timers = await TimerStore.open({ storePathRootDir: dir, precisionMs: TEST_TIMER_PRECISION_MS, slotCount: TEST_TIMER_WINDOW_SLOTS + 60, mappedFileSizeTimerLog });
  const service = new TimerMessageService(store, timers, { rollWindowSlots: TEST_TIMER_WINDOW_SLOTS }, silentLogger, clock);
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

/** Runs the service until the clock reaches `until`, jumping to each next due time. */
export async function runTimersUntil(service: TimerMessageService, clock: FakeClock, until: number): Promise<void> {
  for (;;) {
    await service.enqueueAvailable();
    const wait = await service.deliverDue();
    if (clock.ms >= until) return;
    clock.ms = Math.min(until, clock.ms + Math.max(1, wait));
  }
}

/** Every message the wheel put back to `topic` queue 0, by KEYS, with when it was dequeued; a key seen twice fails. */
export async function deliveredTimers(store: MessageStore, topic: string): Promise<Map<string, { dequeueMs: number; properties: MessageProperties }>> {
  const seen = new Map<string, { dequeueMs: number; properties: MessageProperties }>();
  for (let offset = 0; offset < store.getMaxOffsetInQueue(topic, 0); ) {
    const result = await store.getMessage('g', topic, 0, offset, 32);
    for (const raw of result.messages) {
      const message = decodeStoredMessage(raw);
      const key = message.properties.KEYS!;
      if (seen.has(key)) throw new Error(`${key} delivered twice`);
      seen.set(key, { dequeueMs: Number(message.properties[MessageConst.TIMER_DEQUEUE_MS]), properties: message.properties });
    }
    offset = result.nextBeginOffset;
  }
  return seen;
}

/** A temporary directory removed when the test ends. */
export async function timerTempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
