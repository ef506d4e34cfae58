/**
 * Queue locks for orderly consumers (RebalanceLockManager): a (group, queue) belongs to one
 * client id for `lockMaxLiveTime` after each lock or renewal; other clients are refused until
 * it expires or is unlocked.
 */
import { type MessageQueue, messageQueueKey } from '@rocketmq-ts/protocol';

interface LockEntry {
  clientId: string;
  lastUpdateTimestamp: number;
}

export class RebalanceLockManager {
  private readonly locks = new Map<string, Map<string, LockEntry>>();

  constructor(private readonly lockMaxLiveTime = 60_000) {}

  private isLive(entry: LockEntry | undefined, now: number): entry is LockEntry {
    return entry !== undefined && now - entry.lastUpdateTimestamp <= this.lockMaxLiveTime;
  }

  /** Locks what it can for `clientId`; returns the queues it holds afterwards. */
  tryLockBatch(group: string, queues: MessageQueue[], clientId: string, now = Date.now()): MessageQueue[] {
    let table = this.locks.get(group);
    if (!table) this.locks.set(group, (table = new Map()));
    const locked: MessageQueue[] = [];
    for (const mq of queues) {
      const key = messageQueueKey(mq);
      const entry = table.get(key);
      if (!this.isLive(entry, now) || entry.clientId === clientId) {
        table.set(key, { clientId, lastUpdateTimestamp: now });
        locked.push(mq);
      }
    }
    return locked;
  }

  unlockBatch(group: string, queues: MessageQueue[], clientId: string): void {
    const table = this.locks.get(group);
    if (!table) return;
    for (const mq of queues) {
      const key = messageQueueKey(mq);
      if (table.get(key)?.clientId === clientId) table.delete(key);
    }
  }

  isLockedBy(group: string, mq: MessageQueue, clientId: string, now = Date.now()): boolean {
    const entry = this.locks.get(group)?.get(messageQueueKey(mq));
    return this.isLive(entry, now) && entry.clientId === clientId;
  }
}
