/**
 * The transactional producer (TransactionMQProducer): `sendMessageInTransaction` sends a half
 * message the broker keeps invisible, runs your local transaction, then commits or rolls the
 * message back with END_TRANSACTION. When the answer is UNKNOW, or never arrives (the process
 * died), the broker later asks a live producer of the same group with CHECK_TRANSACTION_STATE,
 * and `checkLocalTransaction` decides.
 *
 * ```ts
 * const producer = new TransactionProducer({
 *   groupName: 'order_tx',
 *   checkLocalTransaction: async (message) => ((await orderExists(message.keys[0])) ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE'),
 * });
 * await producer.start();
 * const result = await producer.sendMessageInTransaction({ topic: 'Orders', keys: id, body }, async () => {
 *   await saveOrder(id);
 *   return 'COMMIT_MESSAGE';
 * });
 * ```
 */
import {
  CheckTransactionStateRequestHeader,
  createRequest,
  decodeHeader,
  decodeOffsetMessageId,
  encodeHeader,
  EndTransactionRequestHeader,
  MessageConst,
  MessageSysFlag,
  type RemotingCommand,
  RequestCode,
} from '@rocketmq-ts/protocol';
import { decodeMessage } from '../core/received-message.ts';
import { MQClientError } from '../errors.ts';
import { traceSend } from '../instrumentation.ts';
import type { Message, MessageExt, SendResult } from '../message.ts';
import { Producer, type ProducerOptions } from './producer.ts';

/** What the local transaction (or the checker) decided. UNKNOW (RocketMQ's spelling): ask me again later. */
export type LocalTransactionState = 'COMMIT_MESSAGE' | 'ROLLBACK_MESSAGE' | 'UNKNOW';

/** The half message as the local transaction sees it: what was sent, with its id. */
export type HalfMessage = Message & { readonly msgId: string };

export interface TransactionSendResult extends SendResult {
  /** The local transaction's decision, as sent to the broker. */
  localTransactionState: LocalTransactionState;
  /** Why the local transaction's outcome is UNKNOW when it threw. */
  localTransactionError?: Error;
}

export interface TransactionProducerOptions extends ProducerOptions {
  /**
   * Answers the broker's check-back for a half message still open after the broker's
   * transactionTimeOut (6 s by default): look the transaction up and say COMMIT_MESSAGE,
   * ROLLBACK_MESSAGE or UNKNOW (asked again every transactionCheckInterval, at most
   * transactionCheckMax times). A rejection counts as UNKNOW.
   */
  checkLocalTransaction: (message: MessageExt) => Promise<LocalTransactionState>;
}

const TYPE: Record<LocalTransactionState, number> = {
  COMMIT_MESSAGE: MessageSysFlag.TRANSACTION_COMMIT_TYPE,
  ROLLBACK_MESSAGE: MessageSysFlag.TRANSACTION_ROLLBACK_TYPE,
  UNKNOW: MessageSysFlag.TRANSACTION_NOT_TYPE,
};

/** END_TRANSACTION is oneway, as in the Java client; this bounds only the write. */
const END_TRANSACTION_TIMEOUT_MILLIS = 3000;

export class TransactionProducer extends Producer {
  private readonly checker: (message: MessageExt) => Promise<LocalTransactionState>;

  constructor(options: TransactionProducerOptions) {
    super(options);
    if (typeof options.checkLocalTransaction !== 'function') {
      throw new MQClientError('TransactionProducer needs checkLocalTransaction: an async function answering the broker\'s check-back for open transactions');
    }
    this.checker = options.checkLocalTransaction;
    this.instance.onTransactionCheck((request, brokerAddr) => void this.answerCheck(request, brokerAddr));
  }

  /**
   * Sends `message` as a half message, runs `executeLocalTransaction` once it is stored, and ends
   * the transaction with its answer. A failed send never runs the local transaction (the
   * promise rejects); a local transaction that throws leaves the state UNKNOW for check-back.
   */
  async sendMessageInTransaction(message: Message, executeLocalTransaction: (message: HalfMessage) => Promise<LocalTransactionState>): Promise<TransactionSendResult> {
    this.ensureRunning();
    if (message.delayTimeLevel || message.deliverTimeMs !== undefined) {
      throw new MQClientError(`a transactional message cannot be delayed (topic ${message.topic}); drop delayTimeLevel/deliverTimeMs`);
    }
    const prepared = this.prepare(message);
    prepared.properties[MessageConst.TRANSACTION_PREPARED] = 'true';
    prepared.properties[MessageConst.PRODUCER_GROUP] = this.groupName;
    prepared.sysFlag |= MessageSysFlag.TRANSACTION_PREPARED_TYPE;
    const sent = await this.track(
      traceSend(
        () => ({ ...this.describe('send', prepared, message, {}), messageType: 'transaction' }),
        () => this.sendWithRetries(prepared, this.settings.sendMsgTimeout),
      ),
    );
    let state: LocalTransactionState = 'ROLLBACK_MESSAGE';
    let localTransactionError: Error | undefined;
    if (sent.sendStatus === 'SEND_OK') {
      try {
        state = await executeLocalTransaction({ ...message, msgId: sent.msgId });
        if (!(state in TYPE)) throw new MQClientError(`executeLocalTransaction returned ${String(state)}; return COMMIT_MESSAGE, ROLLBACK_MESSAGE or UNKNOW`);
      } catch (error) {
        state = 'UNKNOW';
        localTransactionError = error instanceof Error ? error : new Error(String(error));
        this.instance.logger.warn({ msgId: sent.msgId, err: localTransactionError.message }, 'the local transaction threw: its state is UNKNOW until the broker checks back');
      }
    }
    await this.endTransaction(this.addrOf(sent.messageQueue.brokerName, message.topic), {
      tranStateTableOffset: sent.queueOffset,
      commitLogOffset: decodeOffsetMessageId(sent.offsetMsgId).commitLogOffset,
      msgId: sent.msgId,
      state,
      fromTransactionCheck: false,
      remark: localTransactionError?.message,
    });
    return { ...sent, transactionId: sent.msgId, localTransactionState: state, ...(localTransactionError ? { localTransactionError } : {}) };
  }

  private async answerCheck(request: RemotingCommand, brokerAddr: string): Promise<void> {
    const header = decodeHeader(CheckTransactionStateRequestHeader, request.extFields);
    if (!request.body) return;
    const message = decodeMessage(request.body, '');
    // The Java client answers only for its own group.
    if (message.properties[MessageConst.PRODUCER_GROUP] !== this.groupName) return;
    const msgId = message.properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX] ?? header.msgId ?? message.msgId;
    let state: LocalTransactionState;
    let remark: string | undefined;
    try {
      state = await this.checker({ ...message, msgId });
      if (!(state in TYPE)) throw new MQClientError(`checkLocalTransaction returned ${String(state)}; return COMMIT_MESSAGE, ROLLBACK_MESSAGE or UNKNOW`);
    } catch (error) {
      state = 'UNKNOW';
      remark = error instanceof Error ? error.message : String(error);
      this.instance.logger.warn({ msgId, err: remark }, 'checkLocalTransaction threw: answering UNKNOW; the broker asks again later');
    }
    await this.endTransaction(brokerAddr, { tranStateTableOffset: header.tranStateTableOffset, commitLogOffset: header.commitLogOffset, msgId, state, fromTransactionCheck: true, remark });
  }

  private async endTransaction(
    addr: string,
    end: { tranStateTableOffset: number; commitLogOffset: number; msgId: string; state: LocalTransactionState; fromTransactionCheck: boolean; remark: string | undefined },
  ): Promise<void> {
    const command = createRequest(RequestCode.END_TRANSACTION, {
      extFields: encodeHeader(EndTransactionRequestHeader, {
        producerGroup: this.groupName,
        tranStateTableOffset: end.tranStateTableOffset,
        commitLogOffset: end.commitLogOffset,
        commitOrRollback: TYPE[end.state],
        fromTransactionCheck: end.fromTransactionCheck,
        msgId: end.msgId,
        transactionId: end.msgId,
      }),
      ...(end.remark ? { remark: end.remark } : {}),
    });
    try {
      await this.instance.api.sendOneway(addr, command, END_TRANSACTION_TIMEOUT_MILLIS);
    } catch (error) {
      // The half message stays open; the broker's check-back resolves it.
      this.instance.logger.warn({ broker: addr, msgId: end.msgId, state: end.state, err: String(error) }, 'END_TRANSACTION could not be sent; the broker will check back');
    }
  }
}
