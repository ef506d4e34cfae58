/**
 * Reads and writes of the transaction topics (TransactionalMessageBridge, wave2.md §c): the
 * half queue, its op queue, the committed copy to the real topic and the give-up topic. All
 * records keep the half message's body, flags, hosts and born time; only topic, queue,
 * properties and sysFlag change.
 */
import {
  decodeStoredMessage,
  encodeProperties,
  type HostAddress,
  MessageConst,
  type MessageProperties,
  MessageSysFlag,
  PermName,
  ResponseCode,
  RocketMQError,
  type StoredMessage,
} from '@rocketmq-ts/protocol';
import type { MessageStoreApi, StorePutResult } from '@rocketmq-ts/store';
import type { TopicConfigManager } from '../topic/topic-config-manager.ts';
import { SystemTopic } from '../topic/system-topics.ts';
import { HALF_QUEUE_ID, TRANSACTION_CHECK_GROUP, transactionKey, withTransactionType } from './half-message.ts';
import { encodeOpBody, parseOpBody, REMOVE_TAG } from './op-body.ts';
import type { ResolvedTransactions } from './resolved-transactions.ts';

/** Reading a queue page by page. */
const PAGE = 32;

export class TransactionLogError extends RocketMQError {
  constructor(
    message: string,
    readonly result: StorePutResult,
  ) {
    super(message, { code: ResponseCode.SYSTEM_ERROR, retriable: true });
  }
}

export interface QueuePage {
  messages: StoredMessage[];
  nextBeginOffset: number;
}

export class TransactionLog {
  constructor(
    private readonly store: MessageStoreApi,
    private readonly topics: TopicConfigManager,
    private readonly storeHost: HostAddress,
  ) {}

  /** The half and op topics, created on first use with one read-write queue (as 4.8's check service does). */
  ensureTopics(): void {
    this.topics.createTopicInSendMessageBackMethod(SystemTopic.TRANS_HALF, 1, PermName.READ | PermName.WRITE);
    this.topics.createTopicInSendMessageBackMethod(SystemTopic.TRANS_OP_HALF, 1, PermName.READ | PermName.WRITE);
  }

  /** The half message stored at `commitLogOffset`, or undefined when there is none (or it is not a half message). */
  async lookHalf(commitLogOffset: number): Promise<StoredMessage | undefined> {
    if (!Number.isSafeInteger(commitLogOffset) || commitLogOffset < 0) return undefined;
    const record = await this.store.lookMessageByOffset(commitLogOffset);
    if (!record) return undefined;
    const message = decodeStoredMessage(record);
    return message.topic === SystemTopic.TRANS_HALF ? message : undefined;
  }

  /**
   * COMMIT: the half message goes to its real topic and queue. As 4.8's EndTransactionProcessor,
   * the stored properties are the half message's, REAL_TOPIC/REAL_QID/TRAN_MSG included (they
   * are cleared only in memory after serialising); sysFlag gets the commit type and
   * preparedTransactionOffset points at the half record.
   */
  async commit(half: StoredMessage): Promise<StorePutResult> {
    const realTopic = half.properties[MessageConst.REAL_TOPIC];
    const realQueueId = Number(half.properties[MessageConst.REAL_QUEUE_ID]);
    if (!realTopic || !Number.isInteger(realQueueId)) {
      throw new Error(`the half message at commit-log offset ${half.commitLogOffset} has no REAL_TOPIC/REAL_QID: it was not written as a half message`);
    }
    const dispatched: MessageProperties = { ...half.properties, [MessageConst.WAIT_STORE_MSG_OK]: 'false' };
    delete dispatched[MessageConst.REAL_TOPIC];
    delete dispatched[MessageConst.REAL_QUEUE_ID];
    delete dispatched[MessageConst.TRANSACTION_PREPARED];
    return this.store.putMessage({
      topic: realTopic,
      queueId: realQueueId,
      flag: half.flag,
      body: half.body,
      propertiesText: encodeProperties(half.properties, { order: 'java-hash' }),
      properties: dispatched,
      sysFlag: withTransactionType(half.sysFlag, MessageSysFlag.TRANSACTION_COMMIT_TYPE),
      bornTimestamp: half.bornTimestamp,
      bornHost: half.bornHost,
      storeHost: half.storeHost,
      reconsumeTimes: half.reconsumeTimes,
      preparedTransactionOffset: half.commitLogOffset,
      waitStoreMsgOK: false,
    });
  }

  /**
   * Whether a committed copy of this transaction is already in its real topic (found by
   * UNIQ_KEY in the index): true after a crash between the commit and its op record, so the
   * check service does not ask — and commit — a second time. False without UNIQ_KEY or index.
   */
  async committedCopyExists(half: StoredMessage): Promise<boolean> {
    const uniq = half.properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
    const realTopic = half.properties[MessageConst.REAL_TOPIC];
    if (!uniq || !realTopic) return false;
    const found = await this.store.queryMessage(realTopic, uniq, 32, 0, Number.MAX_SAFE_INTEGER);
    return found.messages.some((record) => {
      const message = decodeStoredMessage(record);
      return (
        message.topic === realTopic &&
        message.properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX] === uniq &&
        (message.sysFlag & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) === MessageSysFlag.TRANSACTION_COMMIT_TYPE
      );
    });
  }

  /** Marks a half message finished: an op message (tag `d`, body = its half-queue offset) in the op queue. */
  async putOp(half: StoredMessage): Promise<void> {
    this.topics.createTopicInSendMessageBackMethod(SystemTopic.TRANS_OP_HALF, 1, PermName.READ | PermName.WRITE);
    const properties: MessageProperties = { [MessageConst.TAGS]: REMOVE_TAG, [MessageConst.WAIT_STORE_MSG_OK]: 'true' };
    const result = await this.store.putMessage({
      topic: SystemTopic.TRANS_OP_HALF,
      queueId: half.queueId,
      flag: 0,
      body: encodeOpBody(half.queueOffset),
      propertiesText: encodeProperties(properties, { order: 'java-hash' }),
      properties,
      sysFlag: 0,
      bornTimestamp: Date.now(),
      bornHost: this.storeHost,
      storeHost: this.storeHost,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      waitStoreMsgOK: false,
    });
    expectStored(result, `writing the op record of half offset ${half.queueOffset}`);
  }

  /** Appends the half message again to the half queue with new properties (a check-back or immunity copy). */
  async renew(half: StoredMessage, properties: MessageProperties): Promise<StoredMessage> {
    const propertiesText = encodeProperties(properties, { order: 'java-hash' });
    const result = await this.store.putMessage({
      topic: SystemTopic.TRANS_HALF,
      queueId: half.queueId,
      flag: half.flag,
      body: half.body,
      propertiesText,
      properties,
      sysFlag: half.sysFlag,
      bornTimestamp: half.bornTimestamp,
      bornHost: half.bornHost,
      storeHost: half.storeHost,
      reconsumeTimes: half.reconsumeTimes,
      preparedTransactionOffset: half.preparedTransactionOffset,
      waitStoreMsgOK: false,
    });
    const record = expectStored(result, `re-appending half offset ${half.queueOffset}`);
    return { ...half, properties, propertiesText, queueOffset: record.queueOffset, commitLogOffset: record.commitLogOffset, storeTimestamp: record.storeTimestamp, storeSize: record.size };
  }

  /** Gives up on a half message: a copy goes to TRANS_CHECK_MAX_TIME_TOPIC for inspection; it is never delivered. */
  async discard(half: StoredMessage): Promise<void> {
    this.topics.createTopicInSendMessageBackMethod(SystemTopic.TRANS_CHECK_MAX_TIME, 1, PermName.READ | PermName.WRITE);
    const result = await this.store.putMessage({
      topic: SystemTopic.TRANS_CHECK_MAX_TIME,
      queueId: 0,
      flag: half.flag,
      body: half.body,
      propertiesText: encodeProperties(half.properties, { order: 'java-hash' }),
      properties: half.properties,
      sysFlag: 0,
      bornTimestamp: half.bornTimestamp,
      bornHost: half.bornHost,
      storeHost: half.storeHost,
      reconsumeTimes: half.reconsumeTimes,
      preparedTransactionOffset: 0,
      waitStoreMsgOK: false,
    });
    expectStored(result, `moving half offset ${half.queueOffset} to ${SystemTopic.TRANS_CHECK_MAX_TIME}`);
  }

  /**
   * The message at `commitLogOffset` when an operator may put it back to the half queue: a half
   * message, or the copy of one the check loop gave up on (TRANS_CHECK_MAX_TIME_TOPIC).
   */
  async lookResumable(commitLogOffset: number): Promise<StoredMessage | undefined> {
    if (!Number.isSafeInteger(commitLogOffset) || commitLogOffset < 0) return undefined;
    const record = await this.store.lookMessageByOffset(commitLogOffset);
    if (!record) return undefined;
    const message = decodeStoredMessage(record);
    return message.topic === SystemTopic.TRANS_HALF || message.topic === SystemTopic.TRANS_CHECK_MAX_TIME ? message : undefined;
  }

  async readHalf(offset: number, max = PAGE): Promise<QueuePage> {
    return this.read(SystemTopic.TRANS_HALF, HALF_QUEUE_ID, offset, max);
  }

  async readOps(offset: number, max = PAGE): Promise<QueuePage> {
    return this.read(SystemTopic.TRANS_OP_HALF, HALF_QUEUE_ID, offset, max);
  }

  halfOffsets(): { min: number; max: number } {
    return { min: this.store.getMinOffsetInQueue(SystemTopic.TRANS_HALF, HALF_QUEUE_ID), max: this.store.getMaxOffsetInQueue(SystemTopic.TRANS_HALF, HALF_QUEUE_ID) };
  }

  opOffsets(): { min: number; max: number } {
    return { min: this.store.getMinOffsetInQueue(SystemTopic.TRANS_OP_HALF, HALF_QUEUE_ID), max: this.store.getMaxOffsetInQueue(SystemTopic.TRANS_OP_HALF, HALF_QUEUE_ID) };
  }

  private async read(topic: string, queueId: number, offset: number, max: number): Promise<QueuePage> {
    const result = await this.store.getMessage(TRANSACTION_CHECK_GROUP, topic, queueId, offset, max);
    return { messages: result.messages.map((record) => decodeStoredMessage(record)), nextBeginOffset: result.nextBeginOffset };
  }

  /**
   * Refills `resolved` from the last `limit` op records, so an END_TRANSACTION repeated after a
   * restart is still recognised. An op record does not say whether it was a commit or a
   * rollback, so these entries are `finished`: a repeat of either is acknowledged without effect.
   */
  async recentlyResolved(resolved: ResolvedTransactions, limit: number): Promise<number> {
    const { min, max } = this.opOffsets();
    let offset = Math.max(min, max - limit);
    let count = 0;
    while (offset < max) {
      const page = await this.readOps(offset, PAGE);
      for (const op of page.messages) {
        for (const halfOffset of parseOpBody(op.body).offsets) {
          const half = (await this.readHalf(halfOffset, 1)).messages[0];
          if (half && half.queueOffset === halfOffset) {
            resolved.record(transactionKey(half.properties, half.queueOffset), 'finished');
            count++;
          }
        }
      }
      if (page.nextBeginOffset <= offset) break;
      offset = page.nextBeginOffset;
    }
    return count;
  }
}

function expectStored(result: StorePutResult, what: string): StorePutResult['records'][number] {
  const record = result.records[0];
  if ((result.status !== 'PUT_OK' && result.status !== 'FLUSH_DISK_TIMEOUT') || !record) {
    throw new TransactionLogError(`${what} failed: ${result.status}${result.remark ? ` (${result.remark})` : ''}`, result);
  }
  return record;
}
