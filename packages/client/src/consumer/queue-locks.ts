/**
 * Broker-side queue locks for orderly clustering consumption (RebalanceImpl.lock/unlock): only
 * the client holding a queue's lock consumes it, so one queue is never consumed by two members
 * at once while a rebalance moves it.
 */
import { type MessageQueue, messageQueueKey } from '@rocketmq-ts/protocol';
import type { ClientInstance } from '../core/client-instance.ts';
import type { ProcessQueue } from './process-queue.ts';
import { sleep } from './subscription.ts';

const LOCK_RPC_MILLIS = 3000;

function byBroker(mqs: readonly MessageQueue[]): Map<string, MessageQueue[]> {
  const grouped = new Map<string, MessageQueue[]>();
  for (const mq of mqs) grouped.set(mq.brokerName, [...(grouped.get(mq.brokerName) ?? []), mq]);
  return grouped;
}

export class QueueLocks {
  constructor(
    private readonly instance: ClientInstance,
    private readonly group: string,
  ) {}

  /** Locks what it can; returns the keys of the queues now locked by this client. */
  async lock(mqs: readonly MessageQueue[]): Promise<Set<string>> {
    const locked = new Set<string>();
    for (const [brokerName, list] of byBroker(mqs)) {
      const addr = this.instance.masterAddr(brokerName);
      if (!addr) continue;
      try {
        for (const mq of await this.instance.api.lockBatch(addr, this.group, this.instance.clientId, list, LOCK_RPC_MILLIS)) locked.add(messageQueueKey(mq));
      } catch (error) {
        this.instance.logger.warn({ broker: brokerName, err: String(error) }, 'locking queues failed');
      }
    }
    return locked;
  }

  /** Renews the locks of the queues held (every 20 s, as lockAll); a queue not re-locked stops being consumed. */
  async renew(pqs: readonly ProcessQueue[]): Promise<void> {
    if (pqs.length === 0) return;
    const locked = await this.lock(pqs.map((pq) => pq.mq));
    const now = Date.now();
    for (const pq of pqs) {
      if (locked.has(messageQueueKey(pq.mq))) {
        pq.locked = true;
        pq.lastLockTimestamp = now;
      } else pq.locked = false;
    }
  }

  /** Best effort: an unlock that fails expires on the broker (rebalance.lockMaxLiveTime). */
  async unlock(mqs: readonly MessageQueue[]): Promise<void> {
    await Promise.all(
      [...byBroker(mqs)].map(async ([brokerName, list]) => {
        const addr = this.instance.masterAddr(brokerName);
        // Safe to ignore: a lock not released expires on the broker after lockMaxLiveTime.
        if (addr) await this.instance.api.unlockBatch(addr, this.group, this.instance.clientId, list, LOCK_RPC_MILLIS).catch(() => undefined);
      }),
    );
  }

  /** Unlocks a released queue once the message being consumed from it is done. */
  async unlockWhenIdle(pq: ProcessQueue): Promise<void> {
    while (pq.consuming || pq.inFlight > 0) await sleep(20);
    await this.unlock([pq.mq]);
  }
}
