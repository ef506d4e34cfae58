/**
 * The storage engine as the broker sees it (Java MessageStore / DefaultMessageStore): put,
 * get by queue with tag filtering, offsets, lookups, and arrival notification for long polling.
 * The broker codes against this interface; MessageStore implements it.
 */
import type { MessageToStore, PutMessageStatus } from './commit-log/message-to-store.ts';

export type StorePutStatus =
  | PutMessageStatus
  | 'FLUSH_SLAVE_TIMEOUT'
  | 'SLAVE_NOT_AVAILABLE'
  | 'SERVICE_NOT_AVAILABLE'
  | 'MESSAGE_ILLEGAL'
  | 'PROPERTIES_SIZE_EXCEEDED'
  | 'OS_PAGECACHE_BUSY'
  | 'UNKNOWN_ERROR';

export interface StoredRecordInfo {
  commitLogOffset: number;
  queueOffset: number;
  size: number;
  storeTimestamp: number;
  offsetMsgId: string;
}

export interface StorePutResult {
  status: StorePutStatus;
  /** One per stored message (a batch gives several); empty when nothing was stored. */
  records: StoredRecordInfo[];
  /** Why nothing was stored, for the response remark. */
  remark?: string;
}

/** GetMessageStatus (remoting-protocol.md §11.2). */
export type GetMessageStatus =
  | 'FOUND'
  | 'NO_MATCHED_MESSAGE'
  | 'MESSAGE_WAS_REMOVING'
  | 'OFFSET_FOUND_NULL'
  | 'OFFSET_OVERFLOW_BADLY'
  | 'OFFSET_OVERFLOW_ONE'
  | 'OFFSET_TOO_SMALL'
  | 'NO_MATCHED_LOGIC_QUEUE'
  | 'NO_MESSAGE_IN_QUEUE';

/** Decides per consume-queue unit whether a message may be returned (tag-hash filtering). */
export interface MessageFilter {
  isMatchedByConsumeQueue(tagsCode: number): boolean;
  /**
   * A second stage on the stored record itself (SQL92 on its properties). When present, only
   * records it accepts count toward the pull's batch; the scan stays bounded by the same
   * number of consume-queue units as without it.
   */
  isMatchedByCommitLog?(record: Buffer): boolean;
}

export interface GetMessageResult {
  status: GetMessageStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  /** Raw stored records, ready to be concatenated into a PULL body. */
  messages: Buffer[];
  bufferTotalSize: number;
  /** The data read lies far behind the commit-log head (slave read offload hint). */
  suggestPullingFromSlave: boolean;
}

export interface QueryMessageResult {
  messages: Buffer[];
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}

export type ArrivalListener = (topic: string, queueId: number, maxOffset: number, tagsCode: number) => void;

/** One consume-queue unit, as `getQueueUnits` returns it. */
export interface QueueUnit {
  queueOffset: number;
  commitLogOffset: number;
  size: number;
  tagsCode: number;
}

export interface StoreRuntimeInfo {
  commitLogMinOffset: number;
  commitLogMaxOffset: number;
  /** Written but not yet durable up to here. */
  commitLogFlushedOffset: number;
  dispatchBehindBytes: number;
  putMessageTotal: number;
  getMessageFoundTotal: number;
  diskUsedRatio: number;
  commitLogDirCapacity: { total: number; free: number };
  earliestMessageTimeStamp: number;
}

export interface MessageStoreApi {
  putMessage(message: MessageToStore): Promise<StorePutResult>;
  /** A batch: one topic and queue, stored contiguously. */
  putMessages(messages: readonly MessageToStore[]): Promise<StorePutResult>;
  getMessage(group: string, topic: string, queueId: number, offset: number, maxMsgNums: number, filter?: MessageFilter): Promise<GetMessageResult>;
  getMaxOffsetInQueue(topic: string, queueId: number): number;
  getMinOffsetInQueue(topic: string, queueId: number): number;
  /** Up to `maxCount` units from `offset` on, blanks skipped (service loops read queues without the records). */
  getQueueUnits(topic: string, queueId: number, offset: number, maxCount: number): Promise<{ units: QueueUnit[]; nextOffset: number }>;
  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): Promise<number>;
  /** Store time of the first message in a queue, −1 when empty. */
  getEarliestMessageTime(topic: string, queueId: number): Promise<number>;
  /** Store time of the message at a logical offset, −1 when absent. */
  getMessageStoreTimeStamp(topic: string, queueId: number, consumeQueueOffset: number): Promise<number>;
  /** One raw record by commit-log offset. */
  lookMessageByOffset(commitLogOffset: number): Promise<Buffer | undefined>;
  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryMessageResult>;
  /** Whether the message at this consume offset is still "in memory" (the QUERY_CONSUMER_OFFSET quirk). */
  checkInMemByConsumeOffset(topic: string, queueId: number, consumeOffset: number): Promise<boolean>;
  /** Topics that exist in the consume-queue directory. */
  topics(): string[];
  deleteTopics(topics: Iterable<string>): Promise<number>;
  onMessageArriving(listener: ArrivalListener): void;
  runtimeInfo(): StoreRuntimeInfo;
}
