/**
 * The filter a pull reads the store with (ExpressionMessageFilter and, with filterSupportRetry,
 * ExpressionForRetryMessageFilter): tags are matched on the consume queue by their hash; a
 * SQL92 selector is evaluated on the properties of each stored record (TAGS and KEYS among
 * them). Only a true result delivers a message; unknown and evaluation errors filter it out.
 */
import { MESSAGE_MAGIC_CODE_V2, MessageConst, MessageSysFlag, type SubscriptionData } from '@rocketmq-ts/protocol';
import type { MessageFilter } from '@rocketmq-ts/store';
import type { ServerLogger } from '../../common/logger.ts';
import { type ConsumerFilterData, type ConsumerFilterManager, isTagType } from './consumer-filter-manager.ts';
import type { CompiledSelector } from './expression.ts';
import { SelectorEvaluationError } from './java-values.ts';

const RETRY_GROUP_TOPIC_PREFIX = '%RETRY%';
const MATCH_ALL: MessageFilter = { isMatchedByConsumeQueue: () => true };

/** Tag filtering on the consume queue (ExpressionMessageFilter.isMatchedByConsumeQueue). */
export function tagFilter(subscription: SubscriptionData): MessageFilter {
  if (!isTagType(subscription.expressionType) || subscription.subString === '*' || subscription.codeSet.length === 0) return MATCH_ALL;
  const codes = new Set(subscription.codeSet.map((code) => code | 0));
  // `| 0` is Java's (int) cast of the 8-byte tags code.
  return { isMatchedByConsumeQueue: (tagsCode) => codes.has(tagsCode | 0) };
}

/** The properties text of a stored record (MessageDecoder.decodeProperties), without decoding the rest. */
export function storedRecordProperties(record: Buffer): string {
  const sysFlag = record.readInt32BE(36);
  let at = 40 + 8; // bornTimestamp
  at += (sysFlag & MessageSysFlag.BORNHOST_V6 ? 16 : 4) + 4;
  at += 8; // storeTimestamp
  at += (sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6 ? 16 : 4) + 4;
  at += 4 + 8; // reconsumeTimes, preparedTransactionOffset
  at += 4 + record.readInt32BE(at);
  const v2 = record.readInt32BE(4) === MESSAGE_MAGIC_CODE_V2;
  at += v2 ? 2 + record.readInt16BE(at) : 1 + record.readUInt8(at);
  const length = record.readInt16BE(at);
  return length > 0 ? record.toString('utf8', at + 2, at + 2 + length) : '';
}

/**
 * decodeProperties(text)[name], found without decoding the other properties: a selector reads
 * a few names, a stored record may carry many. Same rules as the full decoder (items split on
 * \u0002, the first \u0001 ends the name, a value ending in further \u0001 only is kept, an
 * empty value is dropped, the last good item wins).
 */
export function propertyValue(text: string, name: string): string | undefined {
  const needle = name + '\u0001';
  let found: string | undefined;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    if (at > 0 && text.charCodeAt(at - 1) !== 2) continue; // inside another item
    const first = at + name.length;
    let end = text.indexOf('\u0002', first);
    if (end < 0) end = text.length;
    let valueEnd = text.indexOf('\u0001', first + 1);
    if (valueEnd < 0 || valueEnd > end) valueEnd = end;
    let restIsSeparators = true;
    for (let i = valueEnd; i < end; i++) {
      if (text.charCodeAt(i) !== 1) {
        restIsSeparators = false;
        break;
      }
    }
    if (valueEnd > first + 1 && restIsSeparators) found = text.slice(first + 1, valueEnd);
  }
  return found;
}

export interface PullFilterOptions {
  filterSupportRetry: boolean;
  filters: ConsumerFilterManager;
  logger: ServerLogger;
}

function evaluateOn(data: ConsumerFilterData, properties: string, logger: ServerLogger): boolean {
  try {
    return data.selector.evaluate((name) => propertyValue(properties, name)) === true;
  } catch (error) {
    if (!(error instanceof SelectorEvaluationError)) throw error;
    // Apache logs each failure at error level; one line per message would flood the log.
    logger.debug({ topic: data.topic, group: data.group, expression: data.expression, err: error.message }, 'SQL92 filter failed on a message: filtered out');
    return false;
  }
}

/**
 * The store filter for a pull. `filterData` is the compiled SQL92 filter of the subscription
 * (undefined for tags). Without a commit-log stage the store keeps its plain tag-hash scan.
 */
export function pullMessageFilter(subscription: SubscriptionData, filterData: ConsumerFilterData | undefined, options: PullFilterOptions): MessageFilter {
  const retryGroup = subscription.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) ? subscription.topic.slice(RETRY_GROUP_TOPIC_PREFIX.length) : undefined;
  if (options.filterSupportRetry && retryGroup !== undefined) {
    // A retry message is judged by the filter its group has on the topic it first came from.
    const onQueue = tagFilter(subscription);
    return {
      isMatchedByConsumeQueue: onQueue.isMatchedByConsumeQueue,
      isMatchedByCommitLog: (record) => {
        const properties = storedRecordProperties(record);
        const realTopic = propertyValue(properties, MessageConst.RETRY_TOPIC);
        const data = realTopic === undefined ? undefined : options.filters.get(realTopic, retryGroup);
        return data === undefined || evaluateOn(data, properties, options.logger);
      },
    };
  }
  if (isTagType(subscription.expressionType) || filterData === undefined) return tagFilter(subscription);
  return {
    isMatchedByConsumeQueue: () => true,
    isMatchedByCommitLog: (record) => evaluateOn(filterData, storedRecordProperties(record), options.logger),
  };
}

/** A SQL92 selector on each stored record's properties, for consumers without a registered filter (v5 POP receives). */
export function selectorFilter(selector: CompiledSelector): MessageFilter {
  return {
    isMatchedByConsumeQueue: () => true,
    isMatchedByCommitLog: (record) => {
      const properties = storedRecordProperties(record);
      return selector.matches((name) => propertyValue(properties, name));
    },
  };
}
