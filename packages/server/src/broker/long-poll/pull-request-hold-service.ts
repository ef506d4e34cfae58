/**
 * Long polling (PullRequestHoldService): a pull that found nothing new waits here, keyed by
 * topic@queueId, until a message for it arrives, its hold time ends, or a periodic check sees
 * the queue grew. Then the pull is run again, without suspending, and answered — always,
 * even if only with PULL_NOT_FOUND. The Java push consumer re-pulls at once on "no new
 * message", so answering early would make it spin.
 */

export interface HeldPull {
  /** The logical offset the consumer asked for. */
  readonly offset: number;
  /** Whether a message with this tagsCode is one the pull would return. */
  matches(tagsCode: number | undefined): boolean;
  /** Re-runs the pull (no suspending) and writes its response. */
  resume(): void;
  /** Wall-clock time after which it must be answered. */
  readonly deadline: number;
}

interface Entry {
  pull: HeldPull;
  timer: NodeJS.Timeout;
}

export class PullRequestHoldService {
  private readonly held = new Map<string, Set<Entry>>();
  private checkTimer: NodeJS.Timeout | undefined;

  /**
   * @param maxOffsetOf current max offset of a queue, for the periodic check
   * @param checkIntervalMillis 5 s with long polling in RocketMQ; a safety net here
   */
  constructor(
    private readonly maxOffsetOf: (topic: string, queueId: number) => number,
    private readonly checkIntervalMillis = 5_000,
  ) {}

  start(): void {
    this.checkTimer = setInterval(() => this.checkAll(), this.checkIntervalMillis);
    this.checkTimer.unref();
  }

  stop(): void {
    clearInterval(this.checkTimer);
    for (const entries of this.held.values()) for (const entry of entries) clearTimeout(entry.timer);
    this.held.clear();
  }

  get heldCount(): number {
    let count = 0;
    for (const entries of this.held.values()) count += entries.size;
    return count;
  }

  suspend(topic: string, queueId: number, pull: HeldPull): void {
    const key = `${topic}@${queueId}`;
    let entries = this.held.get(key);
    if (!entries) this.held.set(key, (entries = new Set()));
    const entry: Entry = {
      pull,
      timer: setTimeout(() => this.release(key, entry), Math.max(0, pull.deadline - Date.now())),
    };
    entries.add(entry);
  }

  /** A message was dispatched to topic/queueId; wake the pulls it satisfies. */
  notifyMessageArriving(topic: string, queueId: number, maxOffset: number, tagsCode?: number): void {
    const key = `${topic}@${queueId}`;
    const entries = this.held.get(key);
    if (!entries) return;
    const now = Date.now();
    for (const entry of [...entries]) {
      if ((maxOffset > entry.pull.offset && entry.pull.matches(tagsCode)) || now >= entry.pull.deadline) this.release(key, entry);
    }
  }

  private checkAll(): void {
    for (const key of [...this.held.keys()]) {
      const at = key.lastIndexOf('@');
      this.notifyMessageArriving(key.slice(0, at), Number(key.slice(at + 1)), this.maxOffsetOf(key.slice(0, at), Number(key.slice(at + 1))));
    }
  }

  private release(key: string, entry: Entry): void {
    const entries = this.held.get(key);
    if (!entries?.delete(entry)) return;
    if (entries.size === 0) this.held.delete(key);
    clearTimeout(entry.timer);
    entry.pull.resume();
  }
}
