/**
 * Delivery of delayed messages (ScheduleMessageService, storage-format.md §12): one loop per
 * delay level reads its queue of SCHEDULE_TOPIC_XXXX from the offset in delayOffset.json; a
 * unit's tagsCode is the deliver time. When it is due, the original record is appended again
 * to its real topic and queue with its properties unchanged (4.8 clears DELAY and sets WAIT=false
 * only after serializing them, so the delivered message still carries DELAY, WAIT and
 * REAL_TOPIC/REAL_QID) and the level's offset advances; when
 * it is not, the loop sleeps exactly until it is (or until a new delayed message arrives).
 * Progress is persisted, so a restart neither loses nor delivers early.
 */
import { decodeStoredMessage, encodeProperties, type Logger, MessageConst, type MessageProperties } from '@rocketmq-ts/protocol';
import type { DelayOffsetManager, MessageStoreApi } from '@rocketmq-ts/store';
import { SystemTopic } from '../topic/system-topics.ts';
import { reputMessage, reputSucceeded } from './reput.ts';

const BATCH = 64;
const RETRY_AFTER_FAILURE_MILLIS = 10_000;
const IDLE_CHECK_MILLIS = 1_000;

interface LevelLoop {
  level: number;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
  /** Set when woken while running: run again right after. */
  again: boolean;
  /** The pass in progress, which stop() waits for. */
  pass: Promise<void> | undefined;
}

export class ScheduleMessageService {
  private readonly loops: LevelLoop[];
  private stopped = true;
  private persistTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: MessageStoreApi,
    private readonly offsets: DelayOffsetManager,
    /** Delay of each level in ms, level 1 first. */
    private readonly delayLevels: readonly number[],
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.loops = delayLevels.map((_, i) => ({ level: i + 1, timer: undefined, running: false, again: false, pass: undefined }));
  }

  start(flushDelayOffsetInterval = 10_000): void {
    this.stopped = false;
    this.store.onMessageArriving((topic, queueId) => {
      if (topic === SystemTopic.SCHEDULE) this.wake(queueId + 1, 0);
    });
    for (const loop of this.loops) this.wake(loop.level, 1_000);
    this.persistTimer = setInterval(() => void this.offsets.persist(), flushDelayOffsetInterval);
    this.persistTimer.unref();
  }

  /**
   * Stops delivering and persists the offsets once no pass is running: a re-put finishing after
   * the offsets were written would be delivered a second time after a restart.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.persistTimer);
    for (const loop of this.loops) clearTimeout(loop.timer);
    await Promise.all(this.loops.map((loop) => loop.pass));
    await this.offsets.persist();
  }

  /** Runs the level's loop after `millis` (sooner calls win). */
  private wake(level: number, millis: number): void {
    const loop = this.loops[level - 1];
    if (!loop || this.stopped) return;
    if (loop.running) {
      if (millis === 0) loop.again = true;
      return;
    }
    clearTimeout(loop.timer);
    loop.timer = setTimeout(() => {
      loop.pass = this.run(loop);
    }, Math.max(0, millis));
    loop.timer.unref();
  }

  private async run(loop: LevelLoop): Promise<void> {
    loop.running = true;
    loop.again = false;
    let next: number;
    try {
      next = await this.deliverDue(loop.level);
    } catch (error) {
      this.logger.error({ level: loop.level, err: (error as Error).message }, 'delayed delivery failed; retrying in 10 s');
      next = RETRY_AFTER_FAILURE_MILLIS;
    }
    loop.running = false;
    this.wake(loop.level, loop.again ? 0 : next);
  }

  /** Delivers what is due on one level; returns how long to sleep before looking again. */
  private async deliverDue(level: number): Promise<number> {
    const queueId = level - 1;
    const delay = this.delayLevels[level - 1]!;
    for (;;) {
      const offset = Math.max(this.offsets.get(level) ?? 0, this.store.getMinOffsetInQueue(SystemTopic.SCHEDULE, queueId));
      const max = this.store.getMaxOffsetInQueue(SystemTopic.SCHEDULE, queueId);
      if (offset >= max) return IDLE_CHECK_MILLIS;
      const result = await this.store.getMessage('SCHEDULE_GROUP', SystemTopic.SCHEDULE, queueId, offset, BATCH);
      if (result.messages.length === 0) {
        this.offsets.set(level, result.nextBeginOffset);
        if (result.nextBeginOffset <= offset) return IDLE_CHECK_MILLIS;
        continue;
      }
      let delivered = offset;
      for (const record of result.messages) {
        const message = decodeStoredMessage(record);
        // A deliver time beyond now + this level's delay means the clock moved back: deliver now.
        let deliverAt = message.storeTimestamp + delay;
        if (deliverAt > this.now() + delay) deliverAt = this.now();
        const wait = deliverAt - this.now();
        if (wait > 0) return wait;
        if (this.stopped) return IDLE_CHECK_MILLIS;
        await this.redeliver(message);
        delivered = message.queueOffset + 1;
        this.offsets.set(level, delivered);
      }
    }
  }

  private async redeliver(message: ReturnType<typeof decodeStoredMessage>): Promise<void> {
    const realTopic = message.properties[MessageConst.REAL_TOPIC];
    const realQueueId = Number(message.properties[MessageConst.REAL_QUEUE_ID] ?? '0');
    if (!realTopic || realTopic === SystemTopic.TRANS_HALF) return;
    // ScheduleMessageService.messageTimeup (4.8) serializes the properties before it clears DELAY
    // and sets WAIT=false, which only change the in-memory map: the stored message keeps DELAY,
    // WAIT, REAL_TOPIC and REAL_QID as they were.
    const propertiesText = encodeProperties(message.properties, { order: 'java-hash' });
    const properties: MessageProperties = { ...message.properties, [MessageConst.WAIT_STORE_MSG_OK]: 'false' };
    delete properties[MessageConst.DELAY_TIME_LEVEL];
    const result = await reputMessage(this.store, message, { topic: realTopic, queueId: realQueueId, propertiesText, properties });
    if (!reputSucceeded(result)) {
      throw new Error(`re-appending a delayed message to ${realTopic} failed: ${result.status} ${result.remark ?? ''}`);
    }
  }
}
