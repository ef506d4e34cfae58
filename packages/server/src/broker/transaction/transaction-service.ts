/**
 * END_TRANSACTION (37) on the broker (EndTransactionProcessor, wave2.md §c.3): find the half
 * message, check that the request names it exactly, then COMMIT (copy to the real topic, then
 * an op record) or ROLLBACK (an op record only). A repeat for a transaction already resolved —
 * the same request twice, or the producer's late answer crossing a check-back's — is
 * acknowledged and changes nothing, so a committed message is delivered once.
 */
import { decodeOffsetMessageId, type EndTransactionRequestHeader, type HostAddress, type Logger, MessageConst, type MessageProperties, MessageSysFlag, ResponseCode, type StoredMessage } from '@rocketmq-ts/protocol';
import type { MessageStoreApi } from '@rocketmq-ts/store';
import type { TopicConfigManager } from '../topic/topic-config-manager.ts';
import { HALF_QUEUE_ID, transactionKey } from './half-message.ts';
import { ResolvedTransactions, type TransactionOutcome } from './resolved-transactions.ts';
import { TransactionLog } from './transaction-log.ts';

/** Counters for the console, /metrics and GET_BROKER_RUNTIME_INFO. */
export interface TransactionCounters {
  halfMessages: number;
  commits: number;
  rollbacks: number;
  /** END_TRANSACTION for a transaction already resolved: acknowledged, no effect. */
  duplicates: number;
  /** CHECK_TRANSACTION_STATE requests sent to producers. */
  checks: number;
  /** Checks due while no producer of the group was connected. */
  checksWithoutProducer: number;
  /** Half messages given up after transactionCheckMax checks (or fileReservedTime). */
  discards: number;
}

export interface EndTransactionAnswer {
  code: number;
  remark?: string;
}

/** Store statuses that mean the commit copy is written (EndTransactionProcessor.sendFinalMessage). */
const STORED = new Set(['PUT_OK', 'FLUSH_DISK_TIMEOUT', 'FLUSH_SLAVE_TIMEOUT', 'SLAVE_NOT_AVAILABLE']);

export interface TransactionServiceOptions {
  store: MessageStoreApi;
  topics: TopicConfigManager;
  storeHost: HostAddress;
  logger: Logger;
  /** brokerRole: a SLAVE refuses END_TRANSACTION with SLAVE_NOT_AVAILABLE. */
  brokerRole: () => string;
}

export class TransactionService {
  readonly log: TransactionLog;
  readonly resolved = new ResolvedTransactions();
  readonly counters: TransactionCounters = { halfMessages: 0, commits: 0, rollbacks: 0, duplicates: 0, checks: 0, checksWithoutProducer: 0, discards: 0 };
  /**
   * Check-backs for producer groups whose producers are not remoting connections (v5 clients:
   * the gRPC endpoint relays them over Telemetry). Answers whether a producer was asked.
   */
  readonly checkRelays = new Map<string, (copy: StoredMessage) => boolean>();
  private readonly logger: Logger;

  constructor(private readonly options: TransactionServiceOptions) {
    this.log = new TransactionLog(options.store, options.topics, options.storeHost);
    this.logger = options.logger;
  }

  /** Refills the resolved-transaction table from the op queue's tail (after a restart). */
  async recover(limit = 50_000): Promise<void> {
    const count = await this.log.recentlyResolved(this.resolved, limit);
    if (count > 0) this.logger.info({ count }, 'transactions: recent outcomes reloaded from the op queue');
  }

  /**
   * RESUME_CHECK_HALF_MESSAGE (323, AdminBrokerProcessor.resumeCheckHalfMessage): the message
   * named by its offsetMsgId is appended to the half queue again with TRANSACTION_CHECK_TIMES
   * 0, so the check-back loop asks its producer group afresh — an operator's retry for a
   * transaction the loop gave up on. Apache answers SYSTEM_ERROR for any failure; so do we,
   * with the reason.
   */
  async resumeCheck(msgId: string): Promise<EndTransactionAnswer> {
    let commitLogOffset: number;
    try {
      commitLogOffset = decodeOffsetMessageId(msgId).commitLogOffset;
    } catch (error) {
      return { code: ResponseCode.SYSTEM_ERROR, remark: `resume check: ${(error as Error).message}; give the half message's offsetMsgId` };
    }
    const message = await this.log.lookResumable(commitLogOffset);
    if (!message) {
      return { code: ResponseCode.SYSTEM_ERROR, remark: `resume check: no half message (nor one given up on) at commit-log offset ${commitLogOffset} of msgId ${msgId}` };
    }
    const properties: MessageProperties = { ...message.properties, [MessageConst.TRANSACTION_CHECK_TIMES]: '0' };
    const copy = await this.log.renew({ ...message, queueId: HALF_QUEUE_ID }, properties);
    this.logger.info({ msgId, realTopic: properties[MessageConst.REAL_TOPIC], halfOffset: copy.queueOffset }, 'transactions: half message put back for a new check-back');
    return { code: ResponseCode.SUCCESS };
  }

  /** The answer to END_TRANSACTION, or undefined for "still unknown" (no answer, as Apache). */
  async endTransaction(header: EndTransactionRequestHeader, remark: string | undefined, peer: string): Promise<EndTransactionAnswer | undefined> {
    if (this.options.brokerRole() === 'SLAVE') {
      this.logger.warn({ peer }, 'END_TRANSACTION sent to a slave: refused; the producer must end transactions on the master');
      return { code: ResponseCode.SLAVE_NOT_AVAILABLE, remark: 'this broker is a slave: end transactions on the master of this broker name' };
    }
    const type = header.commitOrRollback;
    const outcome: TransactionOutcome | undefined = type === MessageSysFlag.TRANSACTION_COMMIT_TYPE ? 'commit' : type === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE ? 'rollback' : undefined;
    const context = { peer, producerGroup: header.producerGroup, msgId: header.msgId, commitLogOffset: header.commitLogOffset, fromTransactionCheck: header.fromTransactionCheck, remark };
    if (!outcome) {
      this.logger.info({ ...context, commitOrRollback: type }, 'END_TRANSACTION with state unknown: the half message waits for a check-back');
      return undefined;
    }
    const half = await this.log.lookHalf(header.commitLogOffset);
    if (!half) {
      return { code: ResponseCode.SYSTEM_ERROR, remark: `Find prepared transaction message failed: no half message at commit-log offset ${header.commitLogOffset} (msgId ${header.msgId})` };
    }
    if (half.properties[MessageConst.PRODUCER_GROUP] !== header.producerGroup) {
      return { code: ResponseCode.SYSTEM_ERROR, remark: `The producer group wrong: the half message belongs to ${half.properties[MessageConst.PRODUCER_GROUP]}, not ${header.producerGroup}` };
    }
    if (half.queueOffset !== header.tranStateTableOffset) {
      return { code: ResponseCode.SYSTEM_ERROR, remark: `The transaction state table offset wrong: the half message is at ${half.queueOffset}, the request says ${header.tranStateTableOffset}` };
    }
    if (half.commitLogOffset !== header.commitLogOffset) {
      return { code: ResponseCode.SYSTEM_ERROR, remark: 'The commit log offset wrong' };
    }
    const key = transactionKey(half.properties, half.queueOffset);
    if (!this.resolved.claim(key, outcome)) {
      const earlier = this.resolved.get(key);
      this.counters.duplicates++;
      const log = earlier === outcome || earlier === 'finished' ? this.logger.info.bind(this.logger) : this.logger.warn.bind(this.logger);
      log({ ...context, key, earlier, asked: outcome }, 'END_TRANSACTION for a transaction already resolved: ignored');
      return { code: ResponseCode.SUCCESS, remark: `transaction ${key} was already resolved (${earlier}); this ${outcome} changes nothing` };
    }
    try {
      if (outcome === 'commit') {
        const result = await this.log.commit(half);
        if (!STORED.has(result.status)) {
          this.resolved.release(key);
          return { code: result.status === 'SERVICE_NOT_AVAILABLE' ? ResponseCode.SERVICE_NOT_AVAILABLE : ResponseCode.SYSTEM_ERROR, remark: `committing ${key} failed: ${result.status} ${result.remark ?? ''}`.trim() };
        }
        this.counters.commits++;
      } else {
        this.counters.rollbacks++;
      }
      this.resolved.settle(key);
    } catch (error) {
      this.resolved.release(key);
      throw error;
    }
    // The outcome is settled; the op record only spares the check service a lookup.
    await this.log.putOp(half).catch((error: unknown) => {
      this.logger.error({ key, halfOffset: half.queueOffset, err: (error as Error).message }, 'transactions: the op record could not be written; the check service will skip this message by its key');
    });
    return { code: ResponseCode.SUCCESS };
  }
}
