/**
 * The messages pulled from one queue and not yet consumed (ProcessQueue.java). The smallest
 * offset still here is what may be committed: everything below it is consumed.
 */
import type { MessageQueue } from '@rocketmq-ts/protocol';
import type { MessageExt } from '../message.ts';

/** The client considers a broker lock lost after this long without renewal (rebalance.lockMaxLiveTime). */
export const LOCK_MAX_LIVE_MILLIS = 30_000;

export class ProcessQueue {
  /** offset → message; filled in ascending offset order, so iteration order is offset order. */
  private readonly messages = new Map<number, MessageExt>();
  private highestOffset = -1;
  cachedBytes = 0;
  dropped = false;
  locked = false;
  lastLockTimestamp = 0;
  /** An orderly worker is running on this queue. */
  consuming = false;
  /** Listener calls running now. */
  inFlight = 0;
  nextOffset = 0;
  /** The pull request in flight for this queue, if any. */
  pulling: Promise<unknown> | undefined;
  lastPullTimestamp = Date.now();
  lastConsumeTimestamp = Date.now();

  constructor(readonly mq: MessageQueue) {}

  get cachedCount(): number {
    return this.messages.size;
  }

  put(messages: readonly MessageExt[]): void {
    for (const message of messages) {
      if (this.messages.has(message.queueOffset)) continue;
      this.messages.set(message.queueOffset, message);
      this.cachedBytes += message.body.length;
      if (message.queueOffset > this.highestOffset) this.highestOffset = message.queueOffset;
    }
  }

  /** Removes consumed messages; returns the offset to commit (smallest left, or highest + 1). */
  remove(offsets: readonly number[]): number {
    for (const offset of offsets) {
      const message = this.messages.get(offset);
      if (!message) continue;
      this.messages.delete(offset);
      this.cachedBytes -= message.body.length;
    }
    this.lastConsumeTimestamp = Date.now();
    return this.committableOffset();
  }

  committableOffset(): number {
    const first = this.messages.keys().next();
    return first.done ? this.highestOffset + 1 : first.value;
  }

  /** Offset span of the cached messages (consumeConcurrentlyMaxSpan flow control). */
  span(): number {
    const first = this.messages.keys().next();
    return first.done ? 0 : this.highestOffset - first.value;
  }

  first(): MessageExt | undefined {
    return this.messages.values().next().value;
  }

  lockExpired(now = Date.now()): boolean {
    return now - this.lastLockTimestamp > LOCK_MAX_LIVE_MILLIS;
  }

  clear(): void {
    this.messages.clear();
    this.cachedBytes = 0;
  }

  get maxOffset(): number {
    return this.highestOffset;
  }
}
