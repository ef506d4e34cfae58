/**
 * POP consumption state (5.x ReceiveMessage / POP_MESSAGE): per group, topic and queue, the next
 * queue offset never handed out, and the messages handed out but not yet acknowledged with the
 * time they become visible again. Pure data: no I/O, no clock; pop-log.ts makes it durable by
 * appending every change as one text record (`encodeRecord`) and replaying them at start.
 */

/** One delivered, not yet acknowledged message. */
export interface InFlight {
  offset: number;
  /** Epoch ms at which it may be delivered again. */
  visibleAt: number;
  /** 1 for the first delivery. */
  attempt: number;
  /** Distinguishes deliveries of the same offset: a receipt handle names one. */
  handle: number;
}

export interface QueueState {
  /** Next queue offset never yet delivered (units skipped by a filter count as passed). */
  next: number;
  inflight: Map<number, InFlight>;
}

/** A change to the state, as written to the log. */
export type PopRecord =
  | { kind: 'next'; group: string; topic: string; queueId: number; next: number }
  | { kind: 'put'; group: string; topic: string; queueId: number; entry: InFlight }
  | { kind: 'ack'; group: string; topic: string; queueId: number; offset: number };

/** Group, topic and queue names never contain spaces (topic and group name rules), so a space separates fields. */
export function encodeRecord(record: PopRecord): string {
  const head = `${record.group} ${record.topic} ${record.queueId}`;
  switch (record.kind) {
    case 'next':
      return `N ${head} ${record.next}\n`;
    case 'put':
      return `P ${head} ${record.entry.offset} ${record.entry.visibleAt} ${record.entry.attempt} ${record.entry.handle}\n`;
    case 'ack':
      return `A ${head} ${record.offset}\n`;
  }
}

/** Parses one line; undefined for a torn last line (a crash mid-write) or anything malformed. */
export function decodeRecord(line: string): PopRecord | undefined {
  const f = line.split(' ');
  const [kind, group, topic, queueText] = f;
  if (!group || !topic || queueText === undefined) return undefined;
  const queueId = Number(queueText);
  const nums = f.slice(4).map(Number);
  if (!Number.isInteger(queueId) || nums.some((n) => !Number.isFinite(n))) return undefined;
  if (kind === 'N' && nums.length === 1) return { kind: 'next', group, topic, queueId, next: nums[0]! };
  if (kind === 'A' && nums.length === 1) return { kind: 'ack', group, topic, queueId, offset: nums[0]! };
  if (kind === 'P' && nums.length === 4) {
    const [offset, visibleAt, attempt, handle] = nums as [number, number, number, number];
    return { kind: 'put', group, topic, queueId, entry: { offset, visibleAt, attempt, handle } };
  }
  return undefined;
}

export class PopState {
  /** "group topic" → queueId → state */
  private readonly table = new Map<string, Map<number, QueueState>>();

  queue(group: string, topic: string, queueId: number): QueueState | undefined {
    return this.table.get(`${group} ${topic}`)?.get(queueId);
  }

  /** The queue's state, created at `initialNext` the first time. */
  queueOrCreate(group: string, topic: string, queueId: number, initialNext: number): QueueState {
    const key = `${group} ${topic}`;
    let queues = this.table.get(key);
    if (!queues) {
      queues = new Map();
      this.table.set(key, queues);
    }
    let state = queues.get(queueId);
    if (!state) {
      state = { next: initialNext, inflight: new Map() };
      queues.set(queueId, state);
    }
    return state;
  }

  apply(record: PopRecord): void {
    const state = this.queueOrCreate(record.group, record.topic, record.queueId, 0);
    switch (record.kind) {
      case 'next':
        state.next = Math.max(state.next, record.next);
        break;
      case 'put':
        state.inflight.set(record.entry.offset, { ...record.entry });
        state.next = Math.max(state.next, record.entry.offset + 1);
        break;
      case 'ack':
        state.inflight.delete(record.offset);
        break;
    }
  }

  /** The offset below which everything is acknowledged: what consumer-lag figures count from. */
  static committedOffset(state: QueueState): number {
    let low = state.next;
    for (const offset of state.inflight.keys()) if (offset < low) low = offset;
    return low;
  }

  /** Every queue this state knows. */
  *queues(): Generator<{ group: string; topic: string; queueId: number; state: QueueState }> {
    for (const [key, queues] of this.table) {
      const [group, topic] = key.split(' ') as [string, string];
      for (const [queueId, state] of queues) yield { group, topic, queueId, state };
    }
  }

  /** Forgets a queue: its next pop starts again from the committed offset. */
  drop(group: string, topic: string, queueId: number): void {
    const key = `${group} ${topic}`;
    const queues = this.table.get(key);
    queues?.delete(queueId);
    if (queues?.size === 0) this.table.delete(key);
  }

  /** Every record needed to rebuild this state (log compaction). */
  *snapshot(): Generator<PopRecord> {
    for (const [key, queues] of this.table) {
      const [group, topic] = key.split(' ') as [string, string];
      for (const [queueId, state] of queues) {
        yield { kind: 'next', group, topic, queueId, next: state.next };
        for (const entry of state.inflight.values()) yield { kind: 'put', group, topic, queueId, entry };
      }
    }
  }
}
