/**
 * Controller mode, on the master: which slaves are in sync (Apache AutoSwitchHAService
 * maybeShrinkSyncStateSet / isSlaveOK rules), and up to which offset a send is safe to
 * acknowledge. The set that counts for acknowledgements is the one the controller confirmed;
 * the set this class would like (`wanted`) is proposed to it with ALTER_SYNC_STATE_SET.
 *
 * - A connected slave whose ack reached the master's log end is caught up at that moment; one
 *   not caught up for haMaxTimeSlaveNotCatchup leaves the wanted set, one caught up joins it.
 * - allAckInSyncStateSet: a send waits for every confirmed member; otherwise for the
 *   (minInSyncReplicas − 1) best of them. Fewer confirmed members than minInSyncReplicas:
 *   sends answer SLAVE_NOT_AVAILABLE.
 */

export interface InSyncSetOptions {
  haMaxTimeSlaveNotCatchup: number;
  allAckInSyncStateSet: boolean;
  minInSyncReplicas: number;
  now?: () => number;
}

export interface AckFloor {
  /** Every send ending at or before this offset is replicated as the rules require. */
  offset: number;
  /** The confirmed set is at least minInSyncReplicas large. */
  enough: boolean;
}

export class InSyncSet {
  private confirmedIds = new Set<number>();
  private readonly acks = new Map<number, number>();
  private readonly caughtUpAt = new Map<number, number>();
  private readonly connected = new Set<number>();
  private readonly now: () => number;

  constructor(
    private readonly selfId: number,
    private readonly options: InSyncSetOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.confirmedIds.add(selfId);
  }

  get confirmed(): number[] {
    return [...this.confirmedIds].sort((a, b) => a - b);
  }

  /** Members of the confirmed set, this master included. */
  get size(): number {
    return this.confirmedIds.size;
  }

  setConfirmed(ids: readonly number[]): void {
    this.confirmedIds = new Set(ids);
    this.confirmedIds.add(this.selfId);
  }

  onAck(brokerId: number, offset: number, masterMaxOffset: number): void {
    this.connected.add(brokerId);
    this.acks.set(brokerId, offset);
    if (offset >= masterMaxOffset) this.caughtUpAt.set(brokerId, this.now());
  }

  onGone(brokerId: number): void {
    this.connected.delete(brokerId);
  }

  ackOf(brokerId: number): number {
    return this.acks.get(brokerId) ?? -1;
  }

  floor(): AckFloor {
    const members = [...this.confirmedIds].filter((id) => id !== this.selfId);
    const enough = this.confirmedIds.size >= this.options.minInSyncReplicas;
    const acks = members.map((id) => (this.connected.has(id) ? (this.acks.get(id) ?? 0) : 0)).sort((a, b) => b - a);
    const needed = this.options.allAckInSyncStateSet ? acks.length : Math.min(acks.length, this.options.minInSyncReplicas - 1);
    return { offset: needed === 0 ? Number.MAX_SAFE_INTEGER : acks[needed - 1]!, enough };
  }

  /** The set this master would report now. */
  wanted(masterMaxOffset: number): number[] {
    const now = this.now();
    const ids = new Set<number>([this.selfId]);
    for (const id of this.connected) {
      const caughtUp = (this.acks.get(id) ?? -1) >= masterMaxOffset || now - (this.caughtUpAt.get(id) ?? -Infinity) < this.options.haMaxTimeSlaveNotCatchup;
      // A member keeps its place while it was caught up recently; a newcomer must be caught up.
      if (this.confirmedIds.has(id) ? caughtUp : (this.acks.get(id) ?? -1) >= masterMaxOffset) ids.add(id);
    }
    return [...ids].sort((a, b) => a - b);
  }

  differs(ids: readonly number[]): boolean {
    return ids.length !== this.confirmedIds.size || ids.some((id) => !this.confirmedIds.has(id));
  }
}
