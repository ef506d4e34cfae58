/**
 * What every stored record tells the consume queues and the index (Java DispatchRequest,
 * built by CommitLog.checkMessageAndReturnSize): built from the appended message right after
 * its batch is written, or from the bytes on disk when re-dispatching (spec §2.3 step 4–5).
 *
 * tagsCode = Java hash of TAGS (0 without), except for SCHEDULE_TOPIC_XXXX records with a
 * DELAY property: there it is the deliver time (ScheduleMessageService.computeDeliverTimestamp),
 * and for rmq_sys_wheel_timer records, where it is TIMER_OUT_MS (so the timer service reads
 * deliver times from the consume queue alone).
 */
import {
  decodeProperties,
  MESSAGE_MAGIC_CODE_V2,
  MessageConst,
  type MessageProperties,
  MessageSysFlag,
  readInt64,
  tagsCode,
} from '@rocketmq-ts/protocol';
import type { AppendedRecord, MessageToStore } from './message-to-store.ts';

export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';
/** 5.x timer messages wait here; their tagsCode is the deliver time (TIMER_OUT_MS). */
export const TIMER_TOPIC = 'rmq_sys_wheel_timer';
/** Recall markers (RecallMessage) wait in this queue of TIMER_TOPIC; timer messages in queue 0. */
export const TIMER_RECALL_QUEUE_ID = 1;

export interface DispatchRequest {
  topic: string;
  queueId: number;
  commitLogOffset: number;
  /** TOTALSIZE of the record. */
  size: number;
  tagsCode: number;
  storeTimestamp: number;
  queueOffset: number;
  /** The KEYS property (space-separated keys), if any. */
  keys: string | undefined;
  /** The UNIQ_KEY property (client message id), if any. */
  uniqKey: string | undefined;
  sysFlag: number;
  preparedTransactionOffset: number;
  bornTimestamp: number;
  properties: MessageProperties;
}

/**
 * Deliver time of a delayed record: `level` is the DELAY property as stored (not clamped),
 * `storeTimestamp` the record's store time.
 */
export type DeliverTimeOf = (level: number, storeTimestamp: number) => number;

/** messageDelayLevel's default, in ms: 1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h. */
export const DEFAULT_DELAY_LEVEL_MILLIS: readonly number[] = [
  1, 5, 10, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 1200, 1800, 3600, 7200,
].map((seconds) => seconds * 1000);

/** A DeliverTimeOf for a level table (level n = table[n-1]); levels above the last are clamped to it. */
export function deliverTimeFromLevels(levelMillis: readonly number[]): DeliverTimeOf {
  return (level, storeTimestamp) => {
    const clamped = Math.min(level, levelMillis.length);
    const delay = levelMillis[clamped - 1];
    return delay === undefined ? storeTimestamp + 1000 : storeTimestamp + delay;
  };
}

export const defaultDeliverTimeOf: DeliverTimeOf = deliverTimeFromLevels(DEFAULT_DELAY_LEVEL_MILLIS);

export function computeTagsCode(topic: string, properties: MessageProperties, storeTimestamp: number, deliverTimeOf: DeliverTimeOf): number {
  if (topic === SCHEDULE_TOPIC) {
    const delay = properties[MessageConst.DELAY_TIME_LEVEL];
    if (delay !== undefined) {
      const level = Number.parseInt(delay, 10);
      if (level > 0) return deliverTimeOf(level, storeTimestamp);
    }
  }
  if (topic === TIMER_TOPIC) {
    const deliverMs = Number(properties[MessageConst.TIMER_OUT_MS]);
    if (Number.isSafeInteger(deliverMs)) return deliverMs;
  }
  return tagsCode(properties[MessageConst.TAGS]);
}

/** The dispatch info of a record the writer just wrote. */
export function dispatchFromAppend(message: MessageToStore, record: AppendedRecord, sysFlag: number, deliverTimeOf: DeliverTimeOf): DispatchRequest {
  const properties = message.properties ?? decodeProperties(message.propertiesText);
  return {
    topic: message.topic,
    queueId: message.queueId,
    commitLogOffset: record.commitLogOffset,
    size: record.size,
    tagsCode: computeTagsCode(message.topic, properties, record.storeTimestamp, deliverTimeOf),
    storeTimestamp: record.storeTimestamp,
    queueOffset: record.queueOffset,
    keys: properties[MessageConst.KEYS],
    uniqKey: properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX],
    sysFlag,
    preparedTransactionOffset: message.preparedTransactionOffset,
    bornTimestamp: message.bornTimestamp,
    properties,
  };
}

/** The dispatch info of a record already validated by checkRecord (at `at` in `buffer`). */
export function dispatchFromBytes(buffer: Buffer, at: number, commitLogOffset: number, deliverTimeOf: DeliverTimeOf): DispatchRequest {
  const size = buffer.readInt32BE(at);
  const magic = buffer.readInt32BE(at + 4);
  const sysFlag = buffer.readInt32BE(at + 36);
  const bornHostLength = sysFlag & MessageSysFlag.BORNHOST_V6 ? 20 : 8;
  const storeHostLength = sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6 ? 20 : 8;
  const storeTimestampAt = at + 48 + bornHostLength;
  const preparedAt = storeTimestampAt + 8 + storeHostLength + 4;
  const bodyLengthAt = preparedAt + 8;
  let p = bodyLengthAt + 4 + buffer.readInt32BE(bodyLengthAt);
  let topicLength: number;
  if (magic === MESSAGE_MAGIC_CODE_V2) {
    topicLength = buffer.readInt16BE(p);
    p += 2;
  } else {
    topicLength = buffer.readUInt8(p);
    p += 1;
  }
  const topic = buffer.toString('utf8', p, p + topicLength);
  p += topicLength;
  const propertiesLength = buffer.readInt16BE(p);
  const properties = decodeProperties(buffer.toString('utf8', p + 2, p + 2 + propertiesLength));
  const storeTimestamp = readInt64(buffer, storeTimestampAt);
  return {
    topic,
    queueId: buffer.readInt32BE(at + 12),
    commitLogOffset,
    size,
    tagsCode: computeTagsCode(topic, properties, storeTimestamp, deliverTimeOf),
    storeTimestamp,
    queueOffset: readInt64(buffer, at + 20),
    keys: properties[MessageConst.KEYS],
    uniqKey: properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX],
    sysFlag,
    preparedTransactionOffset: readInt64(buffer, preparedAt),
    bornTimestamp: readInt64(buffer, at + 40),
    properties,
  };
}
