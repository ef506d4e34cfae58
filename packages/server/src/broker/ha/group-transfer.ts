/**
 * SYNC_MASTER write waits (Java GroupTransferService, wave2.md §a.3): a send waits until some
 * slave acknowledged an offset at or past its record's end. Waits are grouped the way group
 * commit groups fsyncs: one slave report releases every send it covers, and one timer, armed
 * for the earliest deadline, fails the late ones with FLUSH_SLAVE_TIMEOUT. A send answers
 * SLAVE_NOT_AVAILABLE at once when no slave is connected or the best one lags by
 * haSlaveFallbehindMax bytes or more. The message stays stored on the master either way.
 */

export type ReplicaStatus = 'PUT_OK' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE';

interface Waiter {
  offset: number;
  deadline: number;
  resolve: (status: ReplicaStatus) => void;
}

export interface GroupTransferOptions {
  /** syncFlushTimeout, ms. */
  timeoutMillis: number;
  /** haSlaveFallbehindMax, bytes. */
  fallBehindMax: number;
  now?: () => number;
}

export class GroupTransfer {
  /** Highest offset any slave has acknowledged (push2SlaveMaxOffset). */
  private acked = 0;
  private connections = 0;
  /** Sorted by offset. */
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerDeadline = Infinity;
  private readonly now: () => number;

  constructor(private readonly options: GroupTransferOptions) {
    this.now = options.now ?? Date.now;
  }

  get push2SlaveMaxOffset(): number {
    return this.acked;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** The number of slaves connected (HAService.connectionCount). */
  setConnectionCount(count: number): void {
    this.connections = count;
  }

  /** isSlaveOK: a slave is connected and not too far behind `recordEnd`. */
  slaveOk(recordEnd: number): boolean {
    return this.connections > 0 && recordEnd - this.acked < this.options.fallBehindMax;
  }

  /** Resolves once a slave has everything before `recordEnd`, or with why it will not. */
  await(recordEnd: number): Promise<ReplicaStatus> {
    if (!this.slaveOk(recordEnd)) return Promise.resolve('SLAVE_NOT_AVAILABLE');
    if (this.acked >= recordEnd) return Promise.resolve('PUT_OK');
    return new Promise((resolve) => {
      const waiter: Waiter = { offset: recordEnd, deadline: this.now() + this.options.timeoutMillis, resolve };
      const list = this.waiters;
      let i = list.length;
      while (i > 0 && list[i - 1]!.offset > recordEnd) i--;
      list.splice(i, 0, waiter);
      this.arm(waiter.deadline);
    });
  }

  /** A slave acknowledged `offset`: release every wait it covers. */
  acknowledge(offset: number): void {
    if (offset <= this.acked) return;
    this.acked = offset;
    const list = this.waiters;
    let released = 0;
    while (released < list.length && list[released]!.offset <= offset) released++;
    if (released === 0) return;
    const done = list.splice(0, released);
    for (const waiter of done) waiter.resolve('PUT_OK');
  }

  /**
   * Controller mode: the offset every in-sync replica has (it may go down when the set grows)
   * and whether the set is large enough (minInSyncReplicas); releases the waits it covers.
   */
  setInSyncFloor(offset: number, enough: boolean): void {
    this.connections = enough ? 1 : 0;
    this.acked = Math.max(0, offset);
    const list = this.waiters;
    let released = 0;
    while (released < list.length && list[released]!.offset <= this.acked) released++;
    if (released === 0) return;
    for (const waiter of list.splice(0, released)) waiter.resolve('PUT_OK');
  }

  /** Fails every wait (shutdown). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const list = this.waiters;
    this.waiters = [];
    for (const waiter of list) waiter.resolve('FLUSH_SLAVE_TIMEOUT');
  }

  private arm(deadline: number): void {
    if (this.timer && deadline >= this.timerDeadline) return;
    clearTimeout(this.timer);
    this.timerDeadline = deadline;
    this.timer = setTimeout(() => this.expire(), Math.max(0, deadline - this.now()));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    this.timerDeadline = Infinity;
    const now = this.now();
    const kept: Waiter[] = [];
    let next = Infinity;
    for (const waiter of this.waiters) {
      if (waiter.deadline <= now) waiter.resolve('FLUSH_SLAVE_TIMEOUT');
      else {
        kept.push(waiter);
        next = Math.min(next, waiter.deadline);
      }
    }
    this.waiters = kept;
    if (next !== Infinity) this.arm(next);
  }
}
