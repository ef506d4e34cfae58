/**
 * The message properties string (MessageDecoder.messageProperties2String /
 * string2messageProperties): `name \u0001 value \u0002` per entry, trailing \u0002 included.
 */
import { javaStringMapOrder } from '../codec/java-hash.ts';

export const NAME_VALUE_SEPARATOR = '\u0001';
export const PROPERTY_SEPARATOR = '\u0002';
const PROPERTY_SEPARATOR_CODE = 0x02;

export type MessageProperties = Record<string, string>;

export interface EncodePropertiesOptions {
  /**
   * 'insertion': the object's own key order (what a Java LinkedHashMap gives);
   * 'java-hash': the order of a Java HashMap, i.e. what a Java producer's Message writes.
   * @defaultValue 'insertion'
   */
  order?: 'insertion' | 'java-hash';
}

/** Writes the properties string; entries whose value is null or undefined are skipped, as Java skips nulls. */
export function encodeProperties(
  properties: Readonly<Record<string, string | null | undefined>>,
  options: EncodePropertiesOptions = {},
): string {
  let text = '';
  const names = options.order === 'java-hash' ? javaStringMapOrder(Object.keys(properties)) : Object.keys(properties);
  for (const name of names) {
    const value = properties[name];
    if (value === undefined || value === null) continue;
    text += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
  }
  return text;
}

/**
 * Appends a properties string to another as Apache's store does for a batch entry
 * (CommitLog's batch encoder, 4.9+): clients from 4.9.x on write properties without the trailing
 * \u0002 (4.8 wrote it), so a separator goes in between when the first string lacks one.
 * Without it the appended first name merges into the last value (`tagX\u0001CLUSTER\u0001...`).
 */
export function joinProperties(head: string, tail: string): string {
  if (head.length === 0) return tail;
  if (tail.length === 0 || head.charCodeAt(head.length - 1) === PROPERTY_SEPARATOR_CODE) return head + tail;
  return head + PROPERTY_SEPARATOR + tail;
}

/**
 * Parses like Java's string2messageProperties: split on \u0002, then each item on \u0001 with
 * String.split semantics (trailing empty parts dropped); an item is kept only if that leaves
 * exactly two parts — so `k\u0001` and `k\u0001v\u0001w` vanish, `\u0001v` is key "",
 * and `k\u0001v\u0001` is k=v. Later duplicates win. One pass, no intermediate arrays.
 */
export function decodeProperties(text: string | undefined): MessageProperties {
  const properties: MessageProperties = {};
  if (!text) return properties;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = text.length;
    const first = text.indexOf(NAME_VALUE_SEPARATOR, start);
    if (first >= 0 && first < end) {
      let valueEnd = text.indexOf(NAME_VALUE_SEPARATOR, first + 1);
      if (valueEnd < 0 || valueEnd > end) valueEnd = end;
      let restIsSeparators = true;
      for (let i = valueEnd; i < end; i++) {
        if (text.charCodeAt(i) !== 1) {
          restIsSeparators = false;
          break;
        }
      }
      if (valueEnd > first + 1 && restIsSeparators) {
        const key = text.slice(start, first);
        const value = text.slice(first + 1, valueEnd);
        if (key === '__proto__') Object.defineProperty(properties, key, { value, enumerable: true, writable: true, configurable: true });
        else properties[key] = value;
      }
    }
    start = end + 1;
  }
  return properties;
}

/** Well-known property names (MessageConst.java). */
export const MessageConst = {
  KEYS: 'KEYS',
  TAGS: 'TAGS',
  WAIT_STORE_MSG_OK: 'WAIT',
  DELAY_TIME_LEVEL: 'DELAY',
  RETRY_TOPIC: 'RETRY_TOPIC',
  REAL_TOPIC: 'REAL_TOPIC',
  REAL_QUEUE_ID: 'REAL_QID',
  TRANSACTION_PREPARED: 'TRAN_MSG',
  PRODUCER_GROUP: 'PGROUP',
  MIN_OFFSET: 'MIN_OFFSET',
  MAX_OFFSET: 'MAX_OFFSET',
  BUYER_ID: 'BUYER_ID',
  ORIGIN_MESSAGE_ID: 'ORIGIN_MESSAGE_ID',
  TRANSFER_FLAG: 'TRANSFER_FLAG',
  CORRECTION_FLAG: 'CORRECTION_FLAG',
  MQ2_FLAG: 'MQ2_FLAG',
  RECONSUME_TIME: 'RECONSUME_TIME',
  MSG_REGION: 'MSG_REGION',
  TRACE_SWITCH: 'TRACE_ON',
  UNIQ_CLIENT_MESSAGE_ID_KEYIDX: 'UNIQ_KEY',
  MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  CONSUME_START_TIMESTAMP: 'CONSUME_START_TIME',
  TRANSACTION_PREPARED_QUEUE_OFFSET: 'TRAN_PREPARED_QUEUE_OFFSET',
  TRANSACTION_CHECK_TIMES: 'TRANSACTION_CHECK_TIMES',
  CHECK_IMMUNITY_TIME_IN_SECONDS: 'CHECK_IMMUNITY_TIME_IN_SECONDS',
  INSTANCE_ID: 'INSTANCE_ID',
  CORRELATION_ID: 'CORRELATION_ID',
  REPLY_TO_CLIENT: 'REPLY_TO_CLIENT',
  TTL: 'TTL',
  ARRIVE_TIME: 'ARRIVE_TIME',
  PUSH_REPLY_TIME: 'PUSH_REPLY_TIME',
  MESSAGE_TYPE: 'MSG_TYPE',
  CLUSTER: 'CLUSTER',
  START_DELIVER_TIME: '__STARTDELIVERTIME',
  TIMER_DELIVER_MS: 'TIMER_DELIVER_MS',
  TIMER_DELAY_SEC: 'TIMER_DELAY_SEC',
  TIMER_DELAY_MS: 'TIMER_DELAY_MS',
  // Set by a 5.x broker on timer messages (MessageConst.PROPERTY_TIMER_*).
  TIMER_OUT_MS: 'TIMER_OUT_MS',
  TIMER_ENQUEUE_MS: 'TIMER_ENQUEUE_MS',
  TIMER_DEQUEUE_MS: 'TIMER_DEQUEUE_MS',
  TIMER_ROLL_TIMES: 'TIMER_ROLL_TIMES',
  TIMER_DEL_UNIQKEY: 'TIMER_DEL_UNIQKEY',
  KEY_SEPARATOR: ' ',
} as const;
