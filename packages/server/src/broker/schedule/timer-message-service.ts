/**
 * Delivery of 5.x timer messages at their exact deliver time (TimerMessageStore's role).
 *
 * Design: a timing wheel backed by the store, with nothing per pending timer in JS memory.
 * - The send path parks a timer message in the CommitLog under rmq_sys_wheel_timer queue 0
 *   (schedule/timer.ts); the consume queue's tagsCode is its deliver time.
 * - Enqueue: reads new units of that queue and appends one fixed-size record per message to the
 *   timer log (TimerStore), linked into the chain of the wheel slot of its deliver time. A slot
 *   is `timerPrecisionMs` wide; the wheel spans `timerRollWindowSlot` slots ahead of the read
 *   slot. A deliver time beyond that span is placed in the last slot of the span and "rolled"
 *   when that slot comes round: the message is appended again to rmq_sys_wheel_timer (which also
 *   keeps it inside the CommitLog's retention) and enqueued afresh, until it fits.
 * - Dequeue: when the clock reaches a slot, its chain is walked in bounded batches into a small
 *   heap ordered by deliver time, and each message is put back to REAL_TOPIC / REAL_QID at its
 *   millisecond; records that arrive for the open slot (or an earlier one) go straight into the
 *   heap. A slot closes once its time has passed, its chain and heap are empty and enqueue has
 *   caught up with the queue; only then does the read slot advance.
 * - Restart: every delivered or rolled record is flagged done in the timer log; the wheel file
 *   (a checkpoint with the enqueue offset and the read slot) plus a replay of the log tail
 *   rebuild the wheel, and the open slot is walked again skipping done records. So nothing is
 *   lost, nothing is delivered before its time, and after a clean stop nothing twice (after a
 *   crash, messages delivered in the last instant before it may be delivered again).
 * - Disk: after each checkpoint the timer log drops the segments whose records are all done
 *   and whose slots are all before the saved read slot (TimerStore.trimLog); no walk from that
 *   slot on can reach them, since a chain links records of one slot only.
 * - Recall (schedule/recall.ts): markers come from rmq_sys_wheel_timer queue 1 and are placed,
 *   flagged RECALL, in the slot of the deliver time of the message they name, which is theirs
 *   too. When a slot with markers opens, its chain is walked once for them first, so every
 *   marker's key is known before any message of the slot is delivered; a message whose key is
 *   recalled is flagged done instead. Markers are flagged done when their slot closes, so a
 *   restart in the middle of a slot reads them again.
 */
import { decodeStoredMessage, encodeProperties, type Logger, MessageConst, type MessageProperties } from '@rocketmq-ts/protocol';
import { type MessageStoreApi, TIMER_FLAG_DONE, TIMER_FLAG_RECALL, TIMER_RECALL_QUEUE_ID, TIMER_TOPIC, type TimerLogRecord, type TimerStore } from '@rocketmq-ts/store';
import { recallKey } from './recall.ts';
import { reputMessage, reputSucceeded } from './reput.ts';

const ENQUEUE_BATCH = 4096;
/** Records of the open slot held in memory at once. */
const HEAP_LIMIT = 16_384;
const PUT_CONCURRENCY = 256;
const RETRY_AFTER_FAILURE_MILLIS = 1_000;
const CHECKPOINT_EVERY_MILLIS = 10_000;

export interface TimerClock {
  now(): number;
}

export interface TimerServiceOptions {
  /** Slots ahead of the read slot; farther deliver times roll. */
  rollWindowSlots: number;
  /** How often buffered timer-log records are written. @defaultValue 1000 */
  flushIntervalMs?: number;
}

interface Pending {
  pos: number;
  deliverMs: number;
  commitLogOffset: number;
  size: number;
  /** A recall marker: never delivered, only rolled (to the recall queue). */
  recall?: boolean;
}

/** Binary min-heap on deliverMs. */
class DueHeap {
  private readonly items: Pending[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Pending | undefined {
    return this.items[0];
  }
  push(item: Pending): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.deliverMs <= a[i]!.deliverMs) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }
  pop(): Pending | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.deliverMs < a[m]!.deliverMs) m = l;
        if (r < a.length && a[r]!.deliverMs < a[m]!.deliverMs) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
  clear(): void {
    this.items.length = 0;
  }
}

export interface TimerStats {
  enqueued: number;
  delivered: number;
  rolled: number;
  /** Messages dropped because a recall named them. */
  recalled: number;
  readSlotMs: number;
}

export class TimerMessageService {
  private readonly precisionMs: number;
  private readonly windowMs: number;
  private readonly heap = new DueHeap();
  /** Whether the read slot is open (its time has come and its chain is being walked). */
  private open = false;
  /** Next record of the open slot's chain to load; −1 when walked to the end. */
  private walkCursor = -1;
  private stopped = true;
  private enqueueRunning: Promise<void> | undefined;
  private enqueueAgain = false;
  private dequeueLoop: Promise<void> | undefined;
  private wakeDequeue: (() => void) | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Rolls whose put failed: retried before the slot closes. */
  private readonly rollRetry: Pending[] = [];
  /** Recall keys (topic+uniqKey) of the open slot's markers, and where the markers are (flagged done when it closes). */
  private readonly recalled = new Set<string>();
  private readonly openSlotMarkers: number[] = [];
  readonly stats: TimerStats = { enqueued: 0, delivered: 0, rolled: 0, recalled: 0, readSlotMs: 0 };

  constructor(
    private readonly store: MessageStoreApi,
    private readonly timerStore: TimerStore,
    private readonly options: TimerServiceOptions,
    private readonly logger: Logger,
    private readonly clock: TimerClock = Date,
  ) {
    this.precisionMs = timerStore.precisionMs;
    this.windowMs = options.rollWindowSlots * this.precisionMs;
    if (timerStore.readSlotMs === 0) timerStore.readSlotMs = timerStore.slotOf(clock.now());
  }

  start(): void {
    this.stopped = false;
    this.store.onMessageArriving((topic) => {
      if (topic === TIMER_TOPIC) this.kickEnqueue();
    });
    this.kickEnqueue();
    this.dequeueLoop = this.runDequeue();
    const flush = setInterval(() => void this.timerStore.write().catch((error: unknown) => this.logger.error({ err: String(error) }, 'timer log write failed')), this.options.flushIntervalMs ?? 1000);
    const checkpoint = setInterval(() => void this.checkpoint(), CHECKPOINT_EVERY_MILLIS);
    flush.unref();
    checkpoint.unref();
    this.timers.push(flush, checkpoint);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.wakeDequeue?.();
    await this.dequeueLoop;
    await this.enqueueRunning;
    await this.checkpoint();
  }

  private async checkpoint(): Promise<void> {
    try {
      await this.timerStore.checkpoint();
    } catch (error) {
      this.logger.error({ err: String(error) }, 'timer checkpoint failed; it is retried in 10 s');
    }
  }

  /** Timers waiting in the wheel (a gauge that walks the slot table). */
  pendingCount(): number {
    return this.timerStore.pendingCount(this.timerStore.readSlotMs);
  }

  private kickEnqueue(): void {
    if (this.stopped) return;
    if (this.enqueueRunning) {
      this.enqueueAgain = true;
      return;
    }
    this.enqueueRunning = (async () => {
      do {
        this.enqueueAgain = false;
        try {
          await this.enqueueAvailable();
        } catch (error) {
          this.logger.error({ err: String(error) }, 'timer enqueue failed; retrying in 1 s');
          await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_FAILURE_MILLIS).unref());
          this.enqueueAgain = !this.stopped;
        }
      } while (this.enqueueAgain && !this.stopped);
      this.enqueueRunning = undefined;
    })();
  }

  private caughtUp(): boolean {
    return (
      this.timerStore.queueOffset >= this.store.getMaxOffsetInQueue(TIMER_TOPIC, 0) &&
      this.timerStore.recallQueueOffset >= this.store.getMaxOffsetInQueue(TIMER_TOPIC, TIMER_RECALL_QUEUE_ID)
    );
  }

  /** The slot a record due at `deliverMs` goes to: never before the read slot, far ones in the window's last slot (to roll). */
  private placementSlot(deliverMs: number): number {
    const timers = this.timerStore;
    const readSlot = timers.readSlotMs;
    const slotMs = Math.max(timers.slotOf(deliverMs), readSlot);
    return slotMs - readSlot >= this.windowMs ? readSlot + this.windowMs - this.precisionMs : slotMs;
  }

  /** The recall key a marker carries (TIMER_DEL_UNIQKEY), or undefined when its message is gone or has none. */
  private async markerKey(commitLogOffset: number): Promise<string | undefined> {
    const raw = await this.store.lookMessageByOffset(commitLogOffset);
    if (!raw) return undefined;
    return decodeStoredMessage(raw).properties[MessageConst.TIMER_DEL_UNIQKEY];
  }

  /** Remembers an open-slot marker: its key is recalled until the slot closes, then it is flagged done. */
  private async noteMarker(pos: number, commitLogOffset: number): Promise<void> {
    const key = await this.markerKey(commitLogOffset);
    if (key) this.recalled.add(key);
    else this.logger.warn({ commitLogOffset }, 'a recall marker is gone from the CommitLog or names no message: ignored');
    this.openSlotMarkers.push(pos);
  }

  /** Moves every new recall marker (queue 1) into the wheel; returns how many. */
  private async enqueueRecalls(): Promise<number> {
    const timers = this.timerStore;
    let placed = 0;
    for (;;) {
      const { units, nextOffset } = await this.store.getQueueUnits(TIMER_TOPIC, TIMER_RECALL_QUEUE_ID, timers.recallQueueOffset, ENQUEUE_BATCH);
      for (const unit of units) {
        const slotMs = this.placementSlot(unit.tagsCode);
        const pos = timers.place({ deliverMs: unit.tagsCode, slotMs, commitLogOffset: unit.commitLogOffset, size: unit.size, queueOffset: unit.queueOffset }, TIMER_FLAG_RECALL);
        // The open slot's markers were read when it opened: this one joins them now.
        if (slotMs === timers.readSlotMs && this.open) await this.noteMarker(pos, unit.commitLogOffset);
        placed++;
      }
      if (nextOffset <= timers.recallQueueOffset) break;
      timers.recallQueueOffset = nextOffset;
    }
    return placed;
  }

  /** Reads the keys of every marker in a slot's chain before any of its messages is delivered. */
  private async collectRecalls(slotMs: number): Promise<void> {
    for (let pos = this.timerStore.head(slotMs).headPos; pos >= 0; ) {
      const record = await this.timerStore.read(pos);
      if (!record) break;
      pos = record.prevPos;
      if (!(record.flags & TIMER_FLAG_RECALL) || record.flags & TIMER_FLAG_DONE) continue;
      // A marker due beyond this slot is rolled by the walk, like the message it names.
      if (record.deliverMs >= slotMs + this.precisionMs) continue;
      await this.noteMarker(record.pos, record.commitLogOffset);
    }
  }

  /** The slot is over: its markers are spent. */
  private closeSlotRecalls(slotMs: number): void {
    for (const pos of this.openSlotMarkers) this.timerStore.markDone(pos, slotMs);
    this.openSlotMarkers.length = 0;
    this.recalled.clear();
  }

  /** Moves every new rmq_sys_wheel_timer unit (messages, then recall markers) into the wheel; returns how many. */
  async enqueueAvailable(): Promise<number> {
    const timers = this.timerStore;
    let placed = 0;
    for (;;) {
      const { units, nextOffset } = await this.store.getQueueUnits(TIMER_TOPIC, 0, timers.queueOffset, ENQUEUE_BATCH);
      for (const unit of units) {
        const slotMs = this.placementSlot(unit.tagsCode);
        const pos = timers.place({ deliverMs: unit.tagsCode, slotMs, commitLogOffset: unit.commitLogOffset, size: unit.size, queueOffset: unit.queueOffset });
        if (slotMs === timers.readSlotMs && this.open) {
          // The open slot's walk started before this record: hand it over directly.
          this.heap.push({ pos, deliverMs: unit.tagsCode, commitLogOffset: unit.commitLogOffset, size: unit.size });
          this.wakeDequeue?.();
        }
        placed++;
      }
      if (nextOffset <= timers.queueOffset) break;
      timers.queueOffset = nextOffset;
    }
    placed += await this.enqueueRecalls();
    this.stats.enqueued += placed;
    if (placed > 0) this.wakeDequeue?.();
    return placed;
  }

  private async runDequeue(): Promise<void> {
    while (!this.stopped) {
      let wait: number;
      try {
        wait = await this.deliverDue();
      } catch (error) {
        this.logger.error({ err: String(error) }, 'timer delivery failed; retrying in 1 s');
        wait = RETRY_AFTER_FAILURE_MILLIS;
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, wait));
        this.wakeDequeue = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeDequeue = undefined;
    }
  }

  /**
   * Delivers (and rolls) everything due by the clock's now; returns how long nothing will be
   * due, in ms (a new record for the open slot ends that wait early).
   */
  async deliverDue(): Promise<number> {
    const timers = this.timerStore;
    for (;;) {
      if (this.stopped && this.dequeueLoop) return 0;
      const now = this.clock.now();
      const slotMs = timers.readSlotMs;
      if (!this.open) {
        // Idle until the next slot with records (an enqueue wakes us sooner).
        if (now < slotMs) return (timers.nextBusySlot(slotMs) ?? slotMs + this.windowMs) - now;
        if (timers.head(slotMs).recalls > 0) await this.collectRecalls(slotMs);
        this.open = true;
        // Read after the collection: records placed in this slot meanwhile are walked too.
        this.walkCursor = timers.head(slotMs).headPos;
      }
      const due: Pending[] = [];
      while (due.length < PUT_CONCURRENCY && (this.heap.peek()?.deliverMs ?? Infinity) <= now) due.push(this.heap.pop()!);
      if (due.length > 0) {
        await Promise.all(due.map((item) => this.deliver(item, false)));
        continue;
      }
      if (this.walkCursor >= 0 && this.heap.size < HEAP_LIMIT) {
        await this.load(slotMs, now);
        continue;
      }
      if (this.rollRetry.length > 0) {
        await Promise.all(this.rollRetry.splice(0, PUT_CONCURRENCY).map((item) => this.deliver(item, true)));
        continue;
      }
      const top = this.heap.peek();
      if (top) return top.deliverMs - now;
      if (now < slotMs + this.precisionMs) return slotMs + this.precisionMs - now;
      if (!this.caughtUp()) return 1;
      // The slot is over: every record in it is delivered or rolled.
      this.closeSlotRecalls(slotMs);
      this.open = false;
      timers.readSlotMs = slotMs + this.precisionMs;
      this.stats.readSlotMs = timers.readSlotMs;
    }
  }

  /** Loads the next records of the open slot's chain into the heap (rolls the far ones). */
  private async load(slotMs: number, now: number): Promise<void> {
    const rolls: Pending[] = [];
    let loaded = 0;
    while (this.walkCursor >= 0 && loaded < 1024 && this.heap.size < HEAP_LIMIT) {
      const record: TimerLogRecord | undefined = await this.timerStore.read(this.walkCursor);
      if (!record) {
        this.logger.error({ pos: this.walkCursor, slotMs }, 'timer log chain broken: the rest of this slot is skipped');
        this.walkCursor = -1;
        break;
      }
      this.walkCursor = record.prevPos;
      loaded++;
      if (record.flags & TIMER_FLAG_DONE) continue;
      const recall = (record.flags & TIMER_FLAG_RECALL) !== 0;
      const item = { pos: record.pos, deliverMs: record.deliverMs, commitLogOffset: record.commitLogOffset, size: record.size, recall };
      if (record.deliverMs >= slotMs + this.precisionMs && record.deliverMs > now) rolls.push(item);
      else if (recall) {
        // Read when the slot opened (collectRecalls), unless it came in meanwhile.
        if (!this.openSlotMarkers.includes(record.pos)) await this.noteMarker(record.pos, record.commitLogOffset);
      } else this.heap.push(item);
    }
    for (let i = 0; i < rolls.length; i += PUT_CONCURRENCY) await Promise.all(rolls.slice(i, i + PUT_CONCURRENCY).map((item) => this.deliver(item, true)));
  }

  /** Puts a message back to its real topic (or, rolling, to the timer topic) and marks it done. */
  private async deliver(item: Pending, roll: boolean): Promise<void> {
    const raw = await this.store.lookMessageByOffset(item.commitLogOffset);
    if (!raw) {
      this.logger.warn({ commitLogOffset: item.commitLogOffset }, 'a timer message is gone from the CommitLog (retention?): skipped');
      this.timerStore.markDone(item.pos, this.timerStore.readSlotMs);
      return;
    }
    const message = decodeStoredMessage(raw);
    const properties: MessageProperties = { ...message.properties };
    const realTopic = properties[MessageConst.REAL_TOPIC];
    if (!realTopic) {
      this.logger.warn({ commitLogOffset: item.commitLogOffset }, 'a timer message has no REAL_TOPIC: skipped');
      this.timerStore.markDone(item.pos, this.timerStore.readSlotMs);
      return;
    }
    const uniqKey = properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
    if (!roll && uniqKey !== undefined && this.recalled.has(recallKey(realTopic, uniqKey))) {
      this.timerStore.markDone(item.pos, this.timerStore.readSlotMs);
      this.stats.recalled++;
      return;
    }
    let topic = TIMER_TOPIC;
    let queueId = item.recall ? TIMER_RECALL_QUEUE_ID : 0;
    if (roll) {
      properties[MessageConst.TIMER_ROLL_TIMES] = String(Number(properties[MessageConst.TIMER_ROLL_TIMES] ?? '0') + 1);
    } else {
      // As Apache 5.3.3's delivered copy (seen in interop/test/timer-flow.test.ts): REAL_TOPIC and
      // REAL_QID stay, TIMER_OUT_MS stays, enqueue/dequeue times are added.
      topic = realTopic;
      queueId = Number(properties[MessageConst.REAL_QUEUE_ID] ?? '0');
      properties[MessageConst.TIMER_ENQUEUE_MS] = String(message.storeTimestamp);
    }
    properties[MessageConst.TIMER_DEQUEUE_MS] = String(this.clock.now());
    properties[MessageConst.WAIT_STORE_MSG_OK] = 'false';
    const result = await reputMessage(this.store, message, { topic, queueId, propertiesText: encodeProperties(properties, { order: 'java-hash' }), properties });
    if (!reputSucceeded(result)) {
      // Not marked done: retried on the next pass.
      if (roll) this.rollRetry.push(item);
      else this.heap.push(item);
      throw new Error(`putting a timer message back to ${topic} failed: ${result.status} ${result.remark ?? ''}`);
    }
    this.timerStore.markDone(item.pos, this.timerStore.readSlotMs);
    if (roll) this.stats.rolled++;
    else this.stats.delivered++;
  }
}
