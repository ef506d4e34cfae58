/**
 * All consume queues of a store: DefaultMessageStore.consumeQueueTable (4.8) / ConsumeQueueStore (5.x).
 *
 *   consumequeue/<topic>/<queueId>/<20-digit offset>
 *
 * Discovers the existing queues at start (topic directory names are taken verbatim and may
 * hold `%` and `|`), opens or creates queues on demand, and fans recovery, truncation,
 * retention and flushing out to them. The queues share one FileHandlePool.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, silentLogger } from '@rocketmq-ts/protocol';
import { ConsumeQueue, type ConsumeQueueOptions, type ConsumeQueueRecovery } from './consume-queue.ts';
import { FileHandlePool } from './file-handle-pool.ts';

export interface ConsumeQueueStoreOptions extends Omit<ConsumeQueueOptions, 'pool' | 'onDirty'> {
  /**
   * Idle segment file handles kept open across all queues.
   * @defaultValue 256
   */
  maxOpenFiles?: number;
  logger?: Logger;
}

const QUEUE_ID = /^\d{1,9}$/;

export class ConsumeQueueStore {
  private readonly queues = new Map<string, Map<number, ConsumeQueue>>();
  /** Queues holding units not yet written. */
  private readonly dirty = new Set<ConsumeQueue>();
  private readonly pool: FileHandlePool;
  private readonly logger: Logger;
  private readonly queueOptions: ConsumeQueueOptions;

  private constructor(
    readonly rootDir: string,
    options: ConsumeQueueStoreOptions,
  ) {
    this.pool = new FileHandlePool({ maxOpenFiles: options.maxOpenFiles ?? 256 });
    this.logger = options.logger ?? silentLogger;
    this.queueOptions = {
      ...options,
      logger: this.logger,
      pool: this.pool,
      onDirty: (queue) => this.dirty.add(queue),
    };
  }

  /** Opens `<rootDir>/consumequeue` and every queue in it; call `recover()` before writing. */
  static async open(rootDir: string, options: ConsumeQueueStoreOptions = {}): Promise<ConsumeQueueStore> {
    const store = new ConsumeQueueStore(rootDir, options);
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    const base = join(this.rootDir, 'consumequeue');
    for (const topic of await listDirectories(base)) {
      for (const name of await listDirectories(join(base, topic))) {
        if (!QUEUE_ID.test(name)) {
          this.logger.warn({ dir: join(base, topic, name) }, 'ignoring a consume queue directory that is not a queue id');
          continue;
        }
        this.put(await ConsumeQueue.open(this.rootDir, topic, Number(name), this.queueOptions));
      }
    }
  }

  get(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.queues.get(topic)?.get(queueId);
  }

  /** The queue, created empty (no file until its first unit is written) if it does not exist. */
  getOrCreate(topic: string, queueId: number): ConsumeQueue {
    return this.get(topic, queueId) ?? this.put(ConsumeQueue.create(this.rootDir, topic, queueId, this.queueOptions));
  }

  private put(queue: ConsumeQueue): ConsumeQueue {
    let byId = this.queues.get(queue.topic);
    if (!byId) {
      byId = new Map();
      this.queues.set(queue.topic, byId);
    }
    byId.set(queue.queueId, queue);
    return queue;
  }

  /** Every queue, topic by topic. */
  *all(): IterableIterator<ConsumeQueue> {
    for (const byId of this.queues.values()) yield* byId.values();
  }

  topics(): string[] {
    return [...this.queues.keys()];
  }

  /** The queues of a topic by queue id (empty map if none). */
  queuesOf(topic: string): ReadonlyMap<number, ConsumeQueue> {
    return this.queues.get(topic) ?? new Map();
  }

  /** Recovers every queue (storage-format.md §6 step 2); returns the reports with data dropped. */
  async recover(): Promise<ConsumeQueueRecovery[]> {
    const damaged: ConsumeQueueRecovery[] = [];
    for (const queue of this.all()) {
      const report = await queue.recover();
      if (report.damage || report.droppedUnits > 0 || report.droppedFiles.length > 0) damaged.push(report);
    }
    return damaged;
  }

  /** Max over all queues of the end of the last record referenced; -1 when none. */
  get maxPhysicalOffset(): number {
    let max = -1;
    for (const queue of this.all()) max = Math.max(max, queue.maxPhysicalOffset);
    return max;
  }

  /** Cuts every queue back to records that end at or before `commitLogEnd`. */
  async truncateDirty(commitLogEnd: number): Promise<number> {
    let dropped = 0;
    for (const queue of this.all()) dropped += await queue.truncateDirty(commitLogEnd);
    return dropped;
  }

  async correctMinOffset(commitLogMinOffset: number): Promise<void> {
    for (const queue of this.all()) await queue.correctMinOffset(commitLogMinOffset);
  }

  /** Deletes the files of every queue that only reference records below `commitLogMinOffset`. */
  async deleteExpiredFiles(commitLogMinOffset: number): Promise<number> {
    let deleted = 0;
    for (const queue of this.all()) deleted += await queue.deleteExpiredFiles(commitLogMinOffset);
    return deleted;
  }

  /** Writes the units dispatched since the last call: one write per dirty queue (and file). */
  async write(): Promise<void> {
    const queues = [...this.dirty];
    this.dirty.clear();
    await Promise.all(queues.map((queue) => queue.write()));
  }

  /** Writes and datasyncs every queue written since the last flush. */
  async flush(): Promise<void> {
    for (const queue of this.all()) await queue.flush();
    this.dirty.clear();
  }

  /** Deletes a topic's queues and files (CLEAN_UNUSED_TOPIC, DELETE_TOPIC_IN_BROKER). */
  async deleteTopic(topic: string): Promise<void> {
    const byId = this.queues.get(topic);
    if (!byId) return;
    this.queues.delete(topic);
    for (const queue of byId.values()) {
      this.dirty.delete(queue);
      await queue.destroy();
    }
    await rm(join(this.rootDir, 'consumequeue', topic), { recursive: true, force: true });
  }

  /** Deletes every queue (a store with no commit-log segment left: §6 step 3). */
  async destroyAll(): Promise<void> {
    for (const topic of this.topics()) await this.deleteTopic(topic);
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.pool.close();
    }
  }
}

async function listDirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
