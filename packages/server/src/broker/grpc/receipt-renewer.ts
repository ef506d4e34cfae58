/**
 * Renewal of `autoRenew` deliveries (v5 push consumers), after Apache's proxy
 * (proxy/…/service/receipt/DefaultReceiptHandleManager): push consumers receive with autoRenew
 * and no invisible duration, get 60 s, and rely on the server to keep a message invisible while
 * their listener runs. Every `periodMs` each tracked delivery that becomes visible within
 * `renewAheadMs` is made invisible again for the next step of 1, 3, 5, 10, 30, 60 min, as
 * long as its client is alive and it was received less than `maxRenewMs` ago; past that it is
 * given back with the group's retry delay. Tracking stops at ack, change of invisible time or
 * dead-lettering; when the client goes away its deliveries become visible after 1 s.
 *
 * A renewal changes the receipt handle (ours name one delivery); the client keeps acking with
 * the handle it received, so `take` answers the current one (Apache's removeReceiptHandle).
 */
import type { PopService } from '../pop/pop-service.ts';

/** RenewStrategyPolicy: the invisible time of each successive renewal. */
const RENEW_STEPS_MS = [60_000, 180_000, 300_000, 600_000, 1_800_000, 3_600_000];

export interface ReceiptRenewerOptions {
  pop: Pick<PopService, 'changeInvisibleTime'>;
  /** False while the broker follows (controller mode): nothing is renewed and the tracking is dropped. Default: always active. */
  active?(): boolean;
  /** False while the broker follows (controller mode): nothing is renewed and the tracking is dropped. Default: always active. */
  active?(): boolean;
  /** Whether the client still heartbeats (Apache: the group's channel is registered). */
  clientAlive(clientId: string): boolean;
  /** The group's retry delay before delivery attempt `attempt + 1` (given back past maxRenewMs). */
  retryDelayMs(group: string, attempt: number): number;
  now?: () => number;
  /** Apache's proxy defaults: renewSchedulePeriodMillis 5 s, renewAheadTimeMillis 10 s, renewMaxTimeMillis 3 h, invisibleTimeMillisWhenClear 1 s. */
  periodMs?: number;
  renewAheadMs?: number;
  maxRenewMs?: number;
  clearInvisibleMs?: number;
}

interface Tracked {
  clientId: string;
  group: string;
  topic: string;
  /** The handle the client holds, and the delivery's handle now. */
  original: string;
  current: string;
  visibleAt: number;
  receivedAt: number;
  renewTimes: number;
  attempt: number;
}

export class ReceiptRenewer {
  /** "group topic originalHandle" → delivery. */
  private readonly tracked = new Map<string, Tracked>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ReceiptRenewerOptions) {
    this.now = options.now ?? Date.now;
  }

  private static key(group: string, topic: string, handle: string): string {
    return `${group} ${topic} ${handle}`;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.scan(), this.options.periodMs ?? 5000);
    this.timer.unref();
  }

  /** Stops renewing; what is tracked stays invisible until its current time runs out (a new master redelivers it). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.tracked.clear();
  }

  add(clientId: string, group: string, topic: string, receiptHandle: string, invisibleMs: number, attempt: number): void {
    const now = this.now();
    this.tracked.set(ReceiptRenewer.key(group, topic, receiptHandle), { clientId, group, topic, original: receiptHandle, current: receiptHandle, visibleAt: now + invisibleMs, receivedAt: now, renewTimes: 0, attempt });
  }

  /** The delivery's current handle for the one the client holds, and no more renewal; the client's own when not tracked. */
  take(group: string, topic: string, receiptHandle: string): string {
    const key = ReceiptRenewer.key(group, topic, receiptHandle);
    const entry = this.tracked.get(key);
    if (!entry) return receiptHandle;
    this.tracked.delete(key);
    return entry.current;
  }

  /** NotifyClientTermination: its deliveries go back to the queue soon. */
  clientGone(clientId: string): void {
    for (const [key, entry] of this.tracked) if (entry.clientId === clientId) this.giveBack(key, entry, this.options.clearInvisibleMs ?? 1000);
  }

  get size(): number {
    return this.tracked.size;
  }

  private giveBack(key: string, entry: Tracked, invisibleMs: number): void {
    this.tracked.delete(key);
    this.options.pop.changeInvisibleTime(entry.group, entry.topic, entry.current, invisibleMs);
  }

  /** One pass (the timer's; tests call it with a fake clock). */
  scan(): void {
    if (this.options.active && !this.options.active()) {
      this.tracked.clear();
      return;
    }
    const now = this.now();
    const ahead = this.options.renewAheadMs ?? 10_000;
    const maxRenew = this.options.maxRenewMs ?? 3 * 3600_000;
    const alive = new Map<string, boolean>();
    for (const [key, entry] of this.tracked) {
      let isAlive = alive.get(entry.clientId);
      if (isAlive === undefined) alive.set(entry.clientId, (isAlive = this.options.clientAlive(entry.clientId)));
      if (!isAlive) {
        this.giveBack(key, entry, this.options.clearInvisibleMs ?? 1000);
        continue;
      }
      if (entry.visibleAt - now > ahead) continue;
      if (now - entry.receivedAt >= maxRenew) {
        this.giveBack(key, entry, this.options.retryDelayMs(entry.group, entry.attempt));
        continue;
      }
      const invisibleMs = RENEW_STEPS_MS[Math.min(entry.renewTimes, RENEW_STEPS_MS.length - 1)]!;
      const handle = this.options.pop.changeInvisibleTime(entry.group, entry.topic, entry.current, invisibleMs);
      // Acked through another path, dead-lettered, or already delivered again: nothing left to renew.
      if (!handle) {
        this.tracked.delete(key);
        continue;
      }
      entry.current = handle;
      entry.visibleAt = now + invisibleMs;
      entry.renewTimes++;
    }
  }
}
