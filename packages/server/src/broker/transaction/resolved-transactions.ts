/**
 * Which transactions have been committed or rolled back, by transaction key (UNIQ_KEY). A
 * half message can exist several times in the half queue (each check-back re-appends a copy),
 * and END_TRANSACTION may come twice (a late answer from the first producer and the answer to
 * a check-back): the first outcome wins, the rest are acknowledged and do nothing, so a
 * committed message is delivered once. Bounded: the oldest entries go first; at startup it is
 * refilled from the tail of the op queue (TransactionLog.recentlyResolved).
 */
/** `finished`: known to be resolved (refilled from the op queue), outcome not recorded. */
export type TransactionOutcome = 'commit' | 'rollback' | 'finished';

export const RESOLVED_CAPACITY = 200_000;

export class ResolvedTransactions {
  private readonly outcomes = new Map<string, TransactionOutcome>();
  /** Claimed by an END_TRANSACTION whose writes are still in flight. */
  private readonly pending = new Map<string, TransactionOutcome>();

  constructor(private readonly capacity = RESOLVED_CAPACITY) {}

  get(key: string): TransactionOutcome | undefined {
    return this.outcomes.get(key) ?? this.pending.get(key);
  }

  /** Claims the key for `outcome`; false when it is already resolved or being resolved. */
  claim(key: string, outcome: TransactionOutcome): boolean {
    if (this.get(key) !== undefined) return false;
    this.pending.set(key, outcome);
    return true;
  }

  /** The claimed writes failed: the transaction is open again. */
  release(key: string): void {
    this.pending.delete(key);
  }

  settle(key: string): void {
    const outcome = this.pending.get(key);
    this.pending.delete(key);
    if (outcome) this.record(key, outcome);
  }

  record(key: string, outcome: TransactionOutcome): void {
    this.outcomes.delete(key);
    this.outcomes.set(key, outcome);
    if (this.outcomes.size > this.capacity) {
      const oldest = this.outcomes.keys().next().value;
      if (oldest !== undefined) this.outcomes.delete(oldest);
    }
  }

  get size(): number {
    return this.outcomes.size;
  }
}
