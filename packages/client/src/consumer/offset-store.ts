/**
 * Where a consumer keeps its progress: on the broker for clustering (RemoteBrokerOffsetStore),
 * in a local file for broadcasting (LocalFileOffsetStore). Both keep a table in memory that
 * consumption updates, persisted every persistConsumerOffsetInterval and at shutdown.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type MessageQueue, messageQueueKey } from '@rocketmq-ts/protocol';
import type { ClientInstance } from '../core/client-instance.ts';

/** readOffset's answer when the store has no offset for the queue. */
export const OFFSET_NOT_FOUND = -1;
/** readOffset's answer when the store could not be asked (timeout, broker down). */
export const OFFSET_UNKNOWN = -2;

export interface OffsetStore {
  load(): Promise<void>;
  update(mq: MessageQueue, offset: number, increaseOnly: boolean): void;
  /** The offset in memory, or from the store when `fromStore` (also caching it). */
  readOffset(mq: MessageQueue, fromStore: boolean): Promise<number>;
  /** Writes the offsets of `mqs` (`final`: and waits for each answer); resolves to the number not written. */
  persist(mqs: readonly MessageQueue[], final: boolean): Promise<number>;
  remove(mq: MessageQueue): void;
  memoryOffset(mq: MessageQueue): number | undefined;
  table(): Map<MessageQueue, number>;
}

abstract class MemoryOffsetTable {
  protected readonly offsets = new Map<string, { mq: MessageQueue; offset: number }>();

  update(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    const key = messageQueueKey(mq);
    const entry = this.offsets.get(key);
    if (!entry) this.offsets.set(key, { mq, offset });
    else if (!increaseOnly || offset > entry.offset) entry.offset = offset;
  }

  memoryOffset(mq: MessageQueue): number | undefined {
    return this.offsets.get(messageQueueKey(mq))?.offset;
  }

  remove(mq: MessageQueue): void {
    this.offsets.delete(messageQueueKey(mq));
  }

  table(): Map<MessageQueue, number> {
    return new Map([...this.offsets.values()].map((entry) => [entry.mq, entry.offset]));
  }
}

export class RemoteBrokerOffsetStore extends MemoryOffsetTable implements OffsetStore {
  constructor(
    private readonly instance: ClientInstance,
    private readonly group: string,
  ) {
    super();
  }

  async load(): Promise<void> {}

  async readOffset(mq: MessageQueue, fromStore: boolean): Promise<number> {
    if (!fromStore) return this.memoryOffset(mq) ?? OFFSET_NOT_FOUND;
    const addr = await this.brokerAddr(mq);
    if (!addr) return OFFSET_UNKNOWN;
    try {
      const offset = await this.instance.api.queryConsumerOffset(addr, this.group, mq, 5000);
      if (offset === undefined) return OFFSET_NOT_FOUND;
      this.update(mq, offset, false);
      return offset;
    } catch {
      return OFFSET_UNKNOWN;
    }
  }

  private async brokerAddr(mq: MessageQueue): Promise<string | undefined> {
    // A failed route refresh leaves no address; callers answer OFFSET_UNKNOWN or skip the commit until the next round.
    return this.instance.masterAddr(mq.brokerName) ?? (await this.instance.updateRoute(mq.topic).catch(() => undefined), this.instance.masterAddr(mq.brokerName));
  }

  async persist(mqs: readonly MessageQueue[], final: boolean): Promise<number> {
    let failed = 0;
    const byBroker = new Map<string, { mq: MessageQueue; offset: number }[]>();
    for (const mq of mqs) {
      const offset = this.memoryOffset(mq);
      if (offset === undefined || offset < 0) continue;
      // As Java's RemoteBrokerOffsetStore: an unknown broker address refreshes the route first.
      const addr = await this.brokerAddr(mq);
      if (!addr) {
        this.instance.logger.warn({ mq, offset }, 'offset not committed: no address for the broker');
        failed++;
        continue;
      }
      const commits = byBroker.get(addr) ?? [];
      commits.push({ mq, offset });
      byBroker.set(addr, commits);
    }
    // One commit at a time per broker: Apache 4.8's ConsumerOffsetManager loses one of two
    // concurrent first commits of a group on a topic (each puts a new per-topic table), which a
    // commitSync of four queues at once hit about once in ten runs.
    await Promise.all(
      [...byBroker].map(async ([addr, commits]) => {
        for (const { mq, offset } of commits) {
          await this.instance.api.updateConsumerOffset(addr, this.group, mq, offset, 5000, !final).catch((error: unknown) => {
            this.instance.logger.warn({ mq, offset, err: String(error) }, 'offset commit failed');
            failed++;
          });
        }
      }),
    );
    return failed;
  }
}

/** Offsets of a broadcasting consumer, kept in <dir>/<clientId>/<group>/offsets.json. */
export class LocalFileOffsetStore extends MemoryOffsetTable implements OffsetStore {
  readonly path: string;

  constructor(dir: string, clientId: string, group: string) {
    super();
    this.path = join(dir, clientId.replace(/[:/\\]/g, '_'), group, 'offsets.json');
  }

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      try {
        text = await readFile(`${this.path}.bak`, 'utf8');
      } catch {
        return;
      }
    }
    const parsed = JSON.parse(text) as { offsetTable?: { topic: string; brokerName: string; queueId: number; offset: number }[] };
    for (const row of parsed.offsetTable ?? []) this.update({ topic: row.topic, brokerName: row.brokerName, queueId: row.queueId }, row.offset, false);
  }

  async readOffset(mq: MessageQueue, fromStore: boolean): Promise<number> {
    // start() loaded the file and failed on a bad one; a file spoilt since then leaves the offsets in memory in charge.
    if (fromStore) await this.load().catch(() => undefined);
    return this.memoryOffset(mq) ?? OFFSET_NOT_FOUND;
  }

  async persist(): Promise<number> {
    const rows = [...this.offsets.values()].map(({ mq, offset }) => ({ ...mq, offset }));
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, JSON.stringify({ offsetTable: rows }, null, 2));
    await rename(tmp, this.path);
    return 0;
  }
}

/**
 * Broadcasting offsets when no localOffsetStoreDir is given: kept in memory only, so nothing is
 * written under the user's home unasked (the Java client writes ~/.rocketmq_offsets); a
 * restarted member starts again from consumeFromWhere.
 */
export class MemoryOffsetStore extends MemoryOffsetTable implements OffsetStore {
  async load(): Promise<void> {}

  async readOffset(mq: MessageQueue): Promise<number> {
    return this.memoryOffset(mq) ?? OFFSET_NOT_FOUND;
  }

  async persist(): Promise<number> {
    return 0;
  }
}

/** Where a broadcasting consumer keeps its offsets: a directory when asked for, else memory. */
export function broadcastingOffsetStore(dir: string | undefined, clientId: string, group: string): OffsetStore {
  return dir === undefined ? new MemoryOffsetStore() : new LocalFileOffsetStore(dir, clientId, group);
}
