/**
 * What the broker hands the commit log (Java MessageExtBrokerInner) and what it gets back
 * (AppendMessageResult + PutMessageStatus). The writer fills in the physical offset, the store
 * timestamp and the queue offset; everything else is stored as given.
 */
import { createOffsetMessageId, type HostAddress, type MessageProperties } from '@rocketmq-ts/protocol';

export interface MessageToStore {
  topic: string;
  queueId: number;
  /** User flag. */
  flag: number;
  /** Stored as is (already compressed when sysFlag has COMPRESSED). */
  body: Uint8Array;
  /** The properties string (encodeProperties); at most 32767 UTF-8 bytes. */
  propertiesText: string;
  /** The same properties parsed, when the caller has them: saves a parse at dispatch. */
  properties?: MessageProperties;
  /** MessageSysFlag bits; the IPv6 host bits are derived from the addresses. */
  sysFlag: number;
  bornTimestamp: number;
  bornHost: HostAddress;
  storeHost: HostAddress;
  reconsumeTimes: number;
  /** For a COMMIT/ROLLBACK record: the half message's commit-log offset; else 0. */
  preparedTransactionOffset: number;
  /**
   * false: resolve as soon as the record is written, even with SYNC_FLUSH (property WAIT=false).
   * @defaultValue true
   */
  waitStoreMsgOK?: boolean;
}

/** PutMessageStatus values the commit log itself produces; refusals are thrown as typed errors. */
export type PutMessageStatus = 'PUT_OK' | 'FLUSH_DISK_TIMEOUT';

/** Where one record landed. */
export class AppendedRecord {
  constructor(
    readonly commitLogOffset: number,
    /** TOTALSIZE of the stored record. */
    readonly size: number,
    /** Consume-queue offset (0 for prepared/rollback transaction records). */
    readonly queueOffset: number,
    readonly storeTimestamp: number,
    /** SYSFLAG as stored (with the IPv6 host bits). */
    readonly sysFlag: number,
    private readonly storeHost: HostAddress,
  ) {}

  /** The offset message id (store host + commit-log offset), computed on demand. */
  get offsetMsgId(): string {
    return createOffsetMessageId(this.storeHost, this.commitLogOffset);
  }

  toJSON(): object {
    return {
      commitLogOffset: this.commitLogOffset,
      size: this.size,
      queueOffset: this.queueOffset,
      storeTimestamp: this.storeTimestamp,
      offsetMsgId: this.offsetMsgId,
    };
  }
}

export interface PutMessageResult {
  status: PutMessageStatus;
  record: AppendedRecord;
}

export interface PutBatchResult {
  status: PutMessageStatus;
  /** In the order of the batch; all in one segment, contiguous. */
  records: AppendedRecord[];
}
