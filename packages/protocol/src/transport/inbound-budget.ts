/**
 * One budget for the bytes a server holds on behalf of its peers' requests (partial frames
 * and decoded requests waiting their turn), across all connections. Over it, a connection
 * holding more than its small allowance stops reading (TCP pushes back on the peer) until the
 * total falls below the limit again. The allowance keeps small requests of other peers
 * flowing while a few peers hold large unfinished frames.
 */
export class InboundBudget {
  private used = 0;
  private readonly waiting = new Set<() => void>();

  constructor(
    /** Total bytes held before connections over their allowance pause. */
    readonly limit: number,
    /** Bytes a connection may always hold (small requests never wait). @defaultValue 64 KiB */
    readonly allowance = 64 * 1024,
  ) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Paused connections waiting for room. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /** Records a change in what one connection holds; frees waiters when room returns. */
  change(delta: number): void {
    this.used += delta;
    if (delta < 0 && this.used < this.limit && this.waiting.size > 0) {
      const resume = [...this.waiting];
      this.waiting.clear();
      for (const fn of resume) fn();
    }
  }

  /** Whether a connection now holding `held` bytes must stop reading. */
  mustPause(held: number): boolean {
    return held > this.allowance && this.used >= this.limit;
  }

  wait(resume: () => void): void {
    this.waiting.add(resume);
  }

  cancel(resume: () => void): void {
    this.waiting.delete(resume);
  }
}
