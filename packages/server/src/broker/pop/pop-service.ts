/**
 * POP consumption (5.x): pop messages with an invisible time, ack them by receipt handle,
 * change their invisible time, and deliver again what was not acked in time. It sits on the
 * store API and knows nothing of gRPC, so the 5.x remoting codes (POP_MESSAGE 200050,
 * ACK_MESSAGE 200051, CHANGE_MESSAGE_INVISIBLETIME 200053) can use it too.
 *
 * Our design, not Apache's (docs/grpc.md): Apache writes checkpoints and acks into
 * rmq_sys_REVIVE_LOG and revives unacked messages as copies on %RETRY%; we keep the in-flight
 * set per queue in pop-log.ts and deliver an expired message again from its own queue with
 * deliveryAttempt + 1, which also keeps FIFO queues in order. A message delivered
 * `maxAttempts(group)` times and still not acked goes to %DLQ%<group>. The lowest unacked
 * offset of each queue is committed to consumerOffset.json, so admin tools show the lag.
 */
import { decodeStoredMessage, type StoredMessage } from '@rocketmq-ts/protocol';
import type { ConsumerOffsetManager, MessageFilter, MessageStoreApi } from '@rocketmq-ts/store';
import type { PopLog } from './pop-log.ts';
import { type InFlight, type PopRecord, PopState, type QueueState } from './pop-state.ts';

export interface PopServiceOptions {
  store: MessageStoreApi;
  offsets: ConsumerOffsetManager;
  log: PopLog;
  /** Deliveries after which an unacked message goes to the dead-letter queue (the group's retry policy). */
  maxAttempts(group: string): number;
  /** Stores the message on %DLQ%<group>. */
  deadLetter(group: string, message: StoredMessage): Promise<void>;
  /** Whether the broker is master now (controller mode changes it); default: always. */
  isMaster?: () => boolean;
  now?: () => number;
}

export interface PopRequest {
  group: string;
  topic: string;
  queueIds: readonly number[];
  maxCount: number;
  invisibleMs: number;
  /** FIFO group: a queue with an unacked message delivers nothing new until it is acked or visible again. */
  fifo: boolean;
  filter?: MessageFilter;
}

export interface PoppedMessage {
  message: StoredMessage;
  queueId: number;
  queueOffset: number;
  attempt: number;
  receiptHandle: string;
  /** The delivery number in the receipt handle: the same for every message of one pop (the remoting POP_MESSAGE answers it as popTime). */
  handle: number;
  invisibleMs: number;
}

export type AckResult = 'OK' | 'INVALID_RECEIPT_HANDLE';

interface Handle {
  queueId: number;
  offset: number;
  handle: number;
}

/** `<queueId>_<offset>_<delivery>`: names one delivery of one message; opaque to clients. */
export function formatReceiptHandle(queueId: number, offset: number, handle: number): string {
  return `${queueId}_${offset}_${handle}`;
}

export function parseReceiptHandle(text: string): Handle | undefined {
  const parts = text.split('_').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isSafeInteger(n) || n < 0)) return undefined;
  const [queueId, offset, handle] = parts as [number, number, number];
  return { queueId, offset, handle };
}

export class PopService {
  private readonly now: () => number;
  private lastHandle = 0;
  private readonly arrivalWaiters = new Map<string, Set<() => void>>();
  /** Arrivals seen per topic: a receiver that read none can tell whether one came while it popped. */
  private readonly arrivals = new Map<string, number>();
  private rotation = 0;
  /** Tail of each queue's chain of pops: "group topic queueId" → settles when the last one ends. */
  private readonly queueLocks = new Map<string, Promise<void>>();
  /** The role last seen by serving(). */
  private master: boolean;

  constructor(private readonly options: PopServiceOptions) {
    this.now = options.now ?? Date.now;
    this.master = options.isMaster?.() ?? true;
  }

  /**
   * Whether POP is served now: only while the broker is master. Every entry point (gRPC and
   * remoting) asks first, so the first one to see a new master adopts the committed offsets
   * before anything is popped; nothing races the controller's announcements.
   */
  serving(): boolean {
    const master = this.options.isMaster?.() ?? true;
    if (master !== this.master) {
      this.master = master;
      if (master) this.adoptCommittedOffsets();
    }
    return master;
  }

  private get state(): PopState {
    return this.options.log.state;
  }

  /** Wakes receivers long-polling on `topic` (the broker feeds it the store's arrival events). */
  notifyArrival(topic: string): void {
    this.arrivals.set(topic, (this.arrivals.get(topic) ?? 0) + 1);
    const waiters = this.arrivalWaiters.get(topic);
    if (!waiters) return;
    this.arrivalWaiters.delete(topic);
    for (const wake of waiters) wake();
  }

  /** How many arrivals `topic` has had; pass it to waitForArrival taken before the pop that found nothing. */
  arrivalCount(topic: string): number {
    return this.arrivals.get(topic) ?? 0;
  }

  /**
   * Resolves when a message arrives on `topic` or after `ms`, whichever is first; at once when
   * one arrived since `seenArrivals` (it came while the caller's pop was reading, and would
   * otherwise wait out the timer).
   */
  waitForArrival(topic: string, ms: number, seenArrivals?: number): Promise<void> {
    if (seenArrivals !== undefined && this.arrivalCount(topic) !== seenArrivals) return Promise.resolve();
    return new Promise((resolve) => {
      let waiters = this.arrivalWaiters.get(topic);
      if (!waiters) {
        waiters = new Set();
        this.arrivalWaiters.set(topic, waiters);
      }
      const set = waiters;
      const wake = (): void => {
        clearTimeout(timer);
        set.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      set.add(wake);
    });
  }

  async pop(request: PopRequest): Promise<PoppedMessage[]> {
    const out: PoppedMessage[] = [];
    const ids = request.queueIds;
    const start = this.rotation++ % Math.max(1, ids.length);
    // One delivery number for the whole pop: it still names one delivery of each offset, since an offset is handed out once per pop.
    const handle = this.nextHandle();
    for (let i = 0; i < ids.length && out.length < request.maxCount; i++) {
      const queueId = ids[(start + i) % ids.length]!;
      await this.popQueue(request, queueId, out, handle);
    }
    return out;
  }

  private nextHandle(): number {
    this.lastHandle = Math.max(this.lastHandle + 1, this.now());
    return this.lastHandle;
  }

  private async queueState(group: string, topic: string, queueId: number): Promise<QueueState> {
    const existing = this.state.queue(group, topic, queueId);
    if (existing) return existing;
    const { store, offsets } = this.options;
    let next = offsets.queryOffset(group, topic, queueId);
    if (next < 0) {
      // As Apache's POP (initPopOffsetByCheckMsgInMem): a queue whose first message is still in memory starts at it, else at its end.
      const min = store.getMinOffsetInQueue(topic, queueId);
      next = min === 0 && (await store.checkInMemByConsumeOffset(topic, queueId, 0)) ? 0 : store.getMaxOffsetInQueue(topic, queueId);
    }
    this.options.log.append({ kind: 'next', group, topic, queueId, next });
    // Committed now, so admin tools count from where POP starts, not from the queue's first message.
    offsets.commitOffset(group, topic, queueId, next);
    return this.state.queue(group, topic, queueId)!;
  }

  /**
   * Runs `task` after every earlier task on the same group, topic and queue: a pop reads the
   * next offset and the in-flight set, awaits the store, then records what it handed out, and
   * two pops interleaving there would hand out the same messages (Apache's PopMessageProcessor
   * takes a queue lock for the same reason). Other queues stay concurrent.
   */
  private async serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queueLocks.get(key) ?? Promise.resolve();
    const run = previous.then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queueLocks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.queueLocks.get(key) === tail) this.queueLocks.delete(key);
    }
  }

  private popQueue(request: PopRequest, queueId: number, out: PoppedMessage[], handle: number): Promise<void> {
    return this.serialized(`${request.group} ${request.topic} ${queueId}`, () => this.popQueueLocked(request, queueId, out, handle));
  }

  private async popQueueLocked(request: PopRequest, queueId: number, out: PoppedMessage[], handle: number): Promise<void> {
    const { group, topic, invisibleMs } = request;
    const state = await this.queueState(group, topic, queueId);
    const now = this.now();
    const records: PopRecord[] = [];
    const inflight = [...state.inflight.values()].sort((a, b) => a.offset - b.offset);
    if (request.fifo && inflight.some((e) => e.visibleAt > now)) return;

    // Acks and changes of invisible time do not take the queue lock, so each expired entry is
    // checked again after the read: one acked or re-hidden meanwhile is not handed out.
    const unchanged = (entry: InFlight): boolean => state.inflight.get(entry.offset)?.handle === entry.handle;
    let taken = 0;
    for (const entry of inflight) {
      if (out.length + taken >= request.maxCount) break;
      if (entry.visibleAt > now) continue;
      const message = await this.messageAt(topic, queueId, entry.offset);
      if (!unchanged(entry)) continue;
      if (!message || entry.attempt >= this.options.maxAttempts(group)) {
        // Gone by retention, or out of attempts: dead-letter it and count it as acked.
        if (message) await this.options.deadLetter(group, message);
        records.push({ kind: 'ack', group, topic, queueId, offset: entry.offset });
        continue;
      }
      const again: InFlight = { offset: entry.offset, visibleAt: now + invisibleMs, attempt: entry.attempt + 1, handle };
      // Recorded at once (no await between the check and the write), so a later ack sees the new handle.
      this.commit(group, topic, queueId, [{ kind: 'put', group, topic, queueId, entry: again }]);
      out.push(this.popped(message, queueId, again, invisibleMs));
      taken++;
    }

    // A FIFO queue delivers nothing new while it has messages out.
    const blocked = request.fifo && (inflight.length > 0 || taken > 0);
    if (!blocked && out.length < request.maxCount) {
      const want = request.maxCount - out.length;
      const result = await this.options.store.getMessage(group, topic, queueId, state.next, want, request.filter);
      for (const record of result.messages) {
        const message = decodeStoredMessage(record, 0, { uncompress: true });
        const entry: InFlight = { offset: message.queueOffset, visibleAt: now + invisibleMs, attempt: 1, handle };
        records.push({ kind: 'put', group, topic, queueId, entry });
        out.push(this.popped(message, queueId, entry, invisibleMs));
      }
      if (result.nextBeginOffset > state.next) records.push({ kind: 'next', group, topic, queueId, next: result.nextBeginOffset });
    }
    this.commit(group, topic, queueId, records);
  }

  private popped(message: StoredMessage, queueId: number, entry: InFlight, invisibleMs: number): PoppedMessage {
    return { message, queueId, queueOffset: entry.offset, attempt: entry.attempt, receiptHandle: formatReceiptHandle(queueId, entry.offset, entry.handle), handle: entry.handle, invisibleMs };
  }

  private async messageAt(topic: string, queueId: number, offset: number): Promise<StoredMessage | undefined> {
    const { units } = await this.options.store.getQueueUnits(topic, queueId, offset, 1);
    const unit = units[0];
    if (!unit || unit.queueOffset !== offset) return undefined;
    const record = await this.options.store.lookMessageByOffset(unit.commitLogOffset);
    return record ? decodeStoredMessage(record, 0, { uncompress: true }) : undefined;
  }

  /** Writes the changes (durable before the caller answers) and the new committed offset. */
  private commit(group: string, topic: string, queueId: number, records: PopRecord[]): void {
    if (records.length === 0) return;
    this.options.log.append(...records);
    const state = this.state.queue(group, topic, queueId);
    if (state) this.options.offsets.commitOffset(group, topic, queueId, PopState.committedOffset(state));
  }

  private current(group: string, topic: string, receiptHandle: string): { handle: Handle; entry: InFlight | undefined } | undefined {
    const handle = parseReceiptHandle(receiptHandle);
    if (!handle) return undefined;
    return { handle, entry: this.state.queue(group, topic, handle.queueId)?.inflight.get(handle.offset) };
  }

  /** Acks one delivery. Acking a message already acked is OK; a handle from an older delivery is not. */
  ack(group: string, topic: string, receiptHandle: string): AckResult {
    const found = this.current(group, topic, receiptHandle);
    if (!found) return 'INVALID_RECEIPT_HANDLE';
    const { handle, entry } = found;
    if (!entry) return 'OK';
    if (entry.handle !== handle.handle) return 'INVALID_RECEIPT_HANDLE';
    this.commit(group, topic, handle.queueId, [{ kind: 'ack', group, topic, queueId: handle.queueId, offset: handle.offset }]);
    return 'OK';
  }

  /** The client gave up on this delivery: the message goes to %DLQ%<group> now and counts as acked. */
  async deadLetter(group: string, topic: string, receiptHandle: string): Promise<AckResult> {
    const found = this.current(group, topic, receiptHandle);
    if (!found?.entry || found.entry.handle !== found.handle.handle) return found && !found.entry ? 'OK' : 'INVALID_RECEIPT_HANDLE';
    const message = await this.messageAt(topic, found.handle.queueId, found.handle.offset);
    if (message) await this.options.deadLetter(group, message);
    // The entry may have changed while the message was read; ack only the same delivery.
    return this.ack(group, topic, receiptHandle);
  }

  /** Makes the delivery visible again after `invisibleMs` from now; answers the new receipt handle. */
  changeInvisibleTime(group: string, topic: string, receiptHandle: string, invisibleMs: number): string | undefined {
    const found = this.current(group, topic, receiptHandle);
    if (!found?.entry || found.entry.handle !== found.handle.handle) return undefined;
    const { handle, entry } = found;
    const next: InFlight = { ...entry, visibleAt: this.now() + invisibleMs, handle: this.nextHandle() };
    this.commit(group, topic, handle.queueId, [{ kind: 'put', group, topic, queueId: handle.queueId, entry: next }]);
    return formatReceiptHandle(handle.queueId, handle.offset, next.handle);
  }

  /**
   * This broker became master (controller mode). While it followed, the master's committed POP
   * offsets were copied into consumerOffset.json; a queue another master consumed past what this
   * state remembers is forgotten, so it starts again from the copied offset (the lowest unacked
   * there: what was out at the old master is delivered again, nothing acked before it is). A
   * queue nobody consumed meanwhile keeps its state, so a master re-elected after a restart does
   * not deliver again what it had acked. Answers how many queues were forgotten.
   */
  adoptCommittedOffsets(): number {
    const stale = [...this.state.queues()].filter(({ group, topic, queueId, state }) => this.options.offsets.queryOffset(group, topic, queueId) > PopState.committedOffset(state));
    for (const { group, topic, queueId } of stale) this.state.drop(group, topic, queueId);
    // The log is rewritten from the state, so the forgotten queues stay forgotten after a restart.
    if (stale.length > 0) this.options.log.compact();
    return stale.length;
  }

  /** The next offset never handed out and the messages out and not acked (consume stats); undefined for a queue never popped. */
  progress(group: string, topic: string, queueId: number): { next: number; inflight: number } | undefined {
    const state = this.state.queue(group, topic, queueId);
    return state ? { next: state.next, inflight: state.inflight.size } : undefined;
  }

  /** Messages delivered and not yet acked, per queue (admin figures, tests). */
  inflightCount(group: string, topic: string, queueId: number): number {
    return this.state.queue(group, topic, queueId)?.inflight.size ?? 0;
  }

  close(): void {
    this.options.log.close();
  }
}
