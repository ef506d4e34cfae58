/**
 * The check-back loop (TransactionalMessageCheckService → TransactionalMessageServiceImpl.check,
 * wave2.md §c.4). Every transactionCheckInterval one pass walks the half queue from the
 * CID_RMQ_SYS_TRANS offset: a half message with an op record (or whose transaction is already
 * resolved) is skipped; one checked transactionCheckMax times, or older than fileReservedTime,
 * is given up (copied to TRANS_CHECK_MAX_TIME_TOPIC, logged, counted); one older than
 * transactionTimeOut (or its CHECK_IMMUNITY_TIME_IN_SECONDS) is appended again with
 * TRANSACTION_CHECK_TIMES + 1 and the producer group is asked about the copy with
 * CHECK_TRANSACTION_STATE. The pass stops at the first message too young to check, so the
 * queue is walked in order; its progress is a consumer offset (consumerOffset.json), so a
 * restarted broker resumes where it was.
 */
import {
  CheckTransactionStateRequestHeader,
  createOffsetMessageId,
  createRequest,
  encodeHeader,
  encodeStoredMessage,
  type HostAddress,
  type Logger,
  MessageConst,
  RequestCode,
  type StoredMessage,
} from '@rocketmq-ts/protocol';
import type { ConsumerOffsetManager } from '@rocketmq-ts/store';
import type { ProducerManager } from '../client/producer-manager.ts';
import { SystemTopic } from '../topic/system-topics.ts';
import { HALF_QUEUE_ID, TRANSACTION_CHECK_GROUP, transactionKey } from './half-message.ts';
import { parseOpBody, REMOVE_TAG } from './op-body.ts';
import type { TransactionService } from './transaction-service.ts';

/** One pass spends at most this long on the half queue (MAX_PROCESS_TIME_LIMIT). */
const PASS_TIME_LIMIT_MILLIS = 60_000;
/** Op records read per pass at most; the rest wait for the next pass. */
const MAX_OPS_PER_PASS = 100_000;

export interface CheckSettings {
  /** transactionTimeOut: minimum age (now − born time) before the first check. */
  transactionTimeOut: number;
  /** transactionCheckInterval: time between passes. */
  transactionCheckInterval: number;
  /** transactionCheckMax: checks before giving up. */
  transactionCheckMax: number;
  /** fileReservedTime in hours: a half message older than this is given up. */
  fileReservedTime: number;
}

export interface CheckPassSummary {
  checked: number;
  discarded: number;
  skipped: number;
  halfOffset: number;
  opOffset: number;
}

export class TransactionCheckService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(
    private readonly transactions: TransactionService,
    private readonly offsets: ConsumerOffsetManager,
    private readonly producers: ProducerManager,
    private readonly settings: () => CheckSettings,
    private readonly storeHost: HostAddress,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.check()
        .catch((error: unknown) => this.logger.error({ err: (error as Error).message }, 'transaction check pass failed; retrying at the next interval'))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, Math.max(100, this.settings().transactionCheckInterval));
    this.timer.unref();
  }

  /** One pass over the half queue. */
  async check(): Promise<CheckPassSummary> {
    const settings = this.settings();
    const log = this.transactions.log;
    const started = this.now();
    const half = log.halfOffsets();
    const ops = log.opOffsets();
    const halfOffset = Math.max(this.committed(SystemTopic.TRANS_HALF, half.min), half.min);
    const opOffset = Math.max(this.committed(SystemTopic.TRANS_OP_HALF, ops.min), ops.min);
    const summary: CheckPassSummary = { checked: 0, discarded: 0, skipped: 0, halfOffset, opOffset };
    if (halfOffset >= half.max) return summary;

    // Half offsets finished by an op record, and for each op record the highest half offset it names.
    const finished = new Set<number>();
    const opReach = new Map<number, number>();
    let read = opOffset;
    while (read < ops.max && read - opOffset < MAX_OPS_PER_PASS) {
      const page = await log.readOps(read);
      for (const op of page.messages) {
        const { offsets, invalid } = op.properties[MessageConst.TAGS] === REMOVE_TAG ? parseOpBody(op.body) : { offsets: [], invalid: [] };
        if (invalid.length > 0) this.logger.warn({ opOffset: op.queueOffset, invalid }, 'transaction op record with an unreadable body: ignored');
        for (const offset of offsets) finished.add(offset);
        opReach.set(op.queueOffset, offsets.length > 0 ? Math.max(...offsets) : -1);
      }
      if (page.nextBeginOffset <= read) break;
      read = page.nextBeginOffset;
    }

    let next = halfOffset;
    while (next < half.max && this.now() - started < PASS_TIME_LIMIT_MILLIS) {
      if (finished.has(next)) {
        next++;
        continue;
      }
      const page = await log.readHalf(next, 1);
      const message = page.messages[0];
      if (!message) {
        if (page.nextBeginOffset > next) {
          next = page.nextBeginOffset;
          continue;
        }
        break;
      }
      if (this.transactions.resolved.get(transactionKey(message.properties, message.queueOffset)) !== undefined) {
        summary.skipped++;
        next = message.queueOffset + 1;
        continue;
      }
      const checkTimes = Number(message.properties[MessageConst.TRANSACTION_CHECK_TIMES] ?? '0') || 0;
      const age = this.now() - message.bornTimestamp;
      if (checkTimes >= settings.transactionCheckMax || age > settings.fileReservedTime * 3_600_000) {
        await this.discard(message, checkTimes, age);
        summary.discarded++;
        next = message.queueOffset + 1;
        continue;
      }
      if (message.storeTimestamp >= started) break;
      const immunityText = message.properties[MessageConst.CHECK_IMMUNITY_TIME_IN_SECONDS];
      if (immunityText !== undefined) {
        const seconds = Number(immunityText);
        const immunity = Number.isFinite(seconds) && seconds >= 0 && immunityText.trim() !== '' ? seconds * 1000 : settings.transactionTimeOut;
        if (age < immunity) {
          // Too young for its own immunity: keep it for later behind newer messages (4.8 checkPrepareQueueOffset).
          const original = message.properties[MessageConst.TRANSACTION_PREPARED_QUEUE_OFFSET];
          if (original === undefined) {
            await log.renew(message, { ...message.properties, [MessageConst.TRANSACTION_PREPARED_QUEUE_OFFSET]: String(message.queueOffset) });
          } else if (!finished.has(Number(original))) {
            await log.renew(message, message.properties);
          }
          next = message.queueOffset + 1;
          continue;
        }
      } else if (age >= 0 && age < settings.transactionTimeOut) {
        break;
      }
      if (await log.committedCopyExists(message)) {
        // Committed before a crash took its op record: finished, not to be asked (and committed) again.
        this.transactions.resolved.record(transactionKey(message.properties, message.queueOffset), 'commit');
        summary.skipped++;
        next = message.queueOffset + 1;
        continue;
      }
      const copy = await log.renew(message, { ...message.properties, [MessageConst.TRANSACTION_CHECK_TIMES]: String(checkTimes + 1) });
      this.sendCheck(copy);
      summary.checked++;
      next = message.queueOffset + 1;
    }

    if (next !== halfOffset) this.offsets.commitOffset(TRANSACTION_CHECK_GROUP, SystemTopic.TRANS_HALF, HALF_QUEUE_ID, next);
    // An op record is done once every half offset it names lies behind the half offset.
    let opNext = opOffset;
    while (opReach.has(opNext) && opReach.get(opNext)! < next) opNext++;
    if (opNext !== opOffset) this.offsets.commitOffset(TRANSACTION_CHECK_GROUP, SystemTopic.TRANS_OP_HALF, HALF_QUEUE_ID, opNext);
    summary.halfOffset = next;
    summary.opOffset = opNext;
    if (summary.checked + summary.discarded > 0) this.logger.info(summary, 'transaction check pass');
    return summary;
  }

  private committed(topic: string, fallback: number): number {
    const offset = this.offsets.queryOffset(TRANSACTION_CHECK_GROUP, topic, HALF_QUEUE_ID);
    return offset < 0 ? fallback : offset;
  }

  private async discard(message: StoredMessage, checkTimes: number, age: number): Promise<void> {
    await this.transactions.log.discard(message);
    this.transactions.counters.discards++;
    this.logger.warn(
      {
        msgId: message.properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX],
        producerGroup: message.properties[MessageConst.PRODUCER_GROUP],
        topic: message.properties[MessageConst.REAL_TOPIC],
        checkTimes,
        ageMillis: age,
      },
      `transaction half message given up after ${checkTimes} checks: moved to ${SystemTopic.TRANS_CHECK_MAX_TIME}, never delivered; ` +
        'make the producer group answer CHECK_TRANSACTION_STATE with COMMIT or ROLLBACK, or raise transactionCheckMax',
    );
  }

  /** CHECK_TRANSACTION_STATE (39), oneway, to one live connection of the producer group. */
  private sendCheck(copy: StoredMessage): void {
    const group = copy.properties[MessageConst.PRODUCER_GROUP] ?? '';
    const uniq = copy.properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
    const relay = this.transactions.checkRelays.get(group);
    if (relay) {
      if (relay(copy)) this.transactions.counters.checks++;
      else {
        this.transactions.counters.checksWithoutProducer++;
        this.logger.warn({ producerGroup: group, msgId: uniq }, 'transaction check due but no v5 producer of the topic is connected; it is checked again next pass');
      }
      return;
    }
    const channel = this.producers.availableChannel(group);
    if (!channel) {
      this.transactions.counters.checksWithoutProducer++;
      this.logger.warn({ producerGroup: group, msgId: uniq }, 'transaction check due but no producer of the group is connected; it is checked again next pass');
      return;
    }
    const extFields = encodeHeader(CheckTransactionStateRequestHeader, {
      tranStateTableOffset: copy.queueOffset,
      commitLogOffset: copy.commitLogOffset,
      msgId: uniq,
      transactionId: uniq,
      offsetMsgId: createOffsetMessageId(this.storeHost, copy.commitLogOffset),
    });
    const body = encodeStoredMessage({
      ...copy,
      topic: copy.properties[MessageConst.REAL_TOPIC] ?? copy.topic,
      queueId: Number(copy.properties[MessageConst.REAL_QUEUE_ID] ?? copy.queueId),
    });
    try {
      channel.connection.oneway(createRequest(RequestCode.CHECK_TRANSACTION_STATE, { extFields, body }));
      this.transactions.counters.checks++;
    } catch (error) {
      this.logger.warn({ producerGroup: group, clientId: channel.clientId, err: (error as Error).message }, 'cannot send CHECK_TRANSACTION_STATE; it is checked again next pass');
    }
  }
}
