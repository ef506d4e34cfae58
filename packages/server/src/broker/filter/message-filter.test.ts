import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildSubscriptionData, decodeProperties, encodeProperties, encodeStoredMessage, MessageSysFlag } from '@rocketmq-ts/protocol';
import { silentServerLogger } from '../../common/logger.ts';
import { ConsumerFilterManager } from './consumer-filter-manager.ts';
import { propertyValue, pullMessageFilter, storedRecordProperties } from './message-filter.ts';
import { SelectorCache } from './selector-cache.ts';

function record(topic: string, properties: Record<string, string>, v6 = false): Buffer {
  const host = v6 ? { address: '::1', port: 1 } : { address: '127.0.0.1', port: 1 };
  return encodeStoredMessage({
    queueId: 0,
    flag: 0,
    queueOffset: 0,
    commitLogOffset: 0,
    sysFlag: v6 ? MessageSysFlag.BORNHOST_V6 | MessageSysFlag.STOREHOSTADDRESS_V6 : 0,
    bornTimestamp: 1,
    bornHost: host,
    storeTimestamp: 2,
    storeHost: host,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    body: Buffer.from('body'),
    topic,
    propertiesText: encodeProperties(properties),
  });
}

const logger = silentServerLogger();

describe('pull message filters', () => {
  it('reads the properties of IPv4 and IPv6 records', () => {
    for (const v6 of [false, true]) assert.equal(storedRecordProperties(record('T', { a: '1', TAGS: 'x' }, v6)), 'a\u00011\u0002TAGS\u0001x\u0002');
  });

  it('a SQL92 subscription judges the record; tags stay on the consume queue', () => {
    const selectors = new SelectorCache();
    const filters = new ConsumerFilterManager(selectors, logger);
    const subscription = buildSubscriptionData('T', "a > 5 AND TAGS = 'x'", 'SQL92', 7);
    filters.register('g', [subscription]);
    const filter = pullMessageFilter(subscription, filters.get('T', 'g'), { filterSupportRetry: false, filters, logger });
    assert.equal(filter.isMatchedByConsumeQueue(123), true);
    assert.equal(filter.isMatchedByCommitLog!(record('T', { a: '6', TAGS: 'x' })), true);
    assert.equal(filter.isMatchedByCommitLog!(record('T', { a: '6', TAGS: 'y' })), false);
    assert.equal(filter.isMatchedByCommitLog!(record('T', { a: 'six', TAGS: 'x' })), false, 'a conversion error filters out');
    const tags = pullMessageFilter(buildSubscriptionData('T', 'x'), undefined, { filterSupportRetry: false, filters, logger });
    assert.equal(tags.isMatchedByCommitLog, undefined, 'tag pulls keep the plain store path');
  });

  it('retry messages: unfiltered by default; with filterSupportRetry, judged by the filter of their RETRY_TOPIC', () => {
    const selectors = new SelectorCache();
    const filters = new ConsumerFilterManager(selectors, logger);
    filters.register('g', [buildSubscriptionData('T', 'a > 5', 'SQL92', 1)]);
    const retry = buildSubscriptionData('%RETRY%g', '*');
    const plain = pullMessageFilter(retry, undefined, { filterSupportRetry: false, filters, logger });
    assert.equal(plain.isMatchedByCommitLog, undefined);
    const judged = pullMessageFilter(retry, undefined, { filterSupportRetry: true, filters, logger });
    assert.equal(judged.isMatchedByCommitLog!(record('%RETRY%g', { a: '9', RETRY_TOPIC: 'T' })), true);
    assert.equal(judged.isMatchedByCommitLog!(record('%RETRY%g', { a: '1', RETRY_TOPIC: 'T' })), false);
    assert.equal(judged.isMatchedByCommitLog!(record('%RETRY%g', { a: '1', RETRY_TOPIC: 'Other' })), true, 'no filter for that topic');
  });

  it('the filter manager keeps the newest subscription version and compiles each expression once', () => {
    const selectors = new SelectorCache();
    const filters = new ConsumerFilterManager(selectors, logger);
    filters.register('g', [buildSubscriptionData('T', 'a > 5', 'SQL92', 10)]);
    filters.register('g', [buildSubscriptionData('T', 'a > 6', 'SQL92', 9)]);
    assert.equal(filters.get('T', 'g')?.expression, 'a > 5', 'an older version does not replace');
    filters.register('h', [buildSubscriptionData('T', 'a > 5', 'SQL92', 1)]);
    assert.equal(selectors.compilations, 1);
    filters.register('g', [buildSubscriptionData('T', 'a >', 'SQL92', 11)]);
    assert.equal(filters.get('T', 'g'), undefined, 'a newer version that does not compile drops the filter (FILTER_DATA_NOT_EXIST)');
    assert.throws(() => selectors.get('a >'));
    assert.equal(selectors.compilations, 2, 'failures are cached too');
  });

  it('propertyValue finds what decodeProperties decodes, for any properties text', () => {
    const piece = fc.constantFrom('a', 'b', 'ab', 'x', '1', '\u0001', '\u0002', '\u0001\u0001', '');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }).map((parts) => parts.join('')), fc.constantFrom('a', 'b', 'ab', 'x'), (text, name) => {
        const decoded = decodeProperties(text);
        assert.equal(propertyValue(text, name), Object.hasOwn(decoded, name) ? decoded[name] : undefined, JSON.stringify(text));
      }),
      { numRuns: 5000 },
    );
  });
});
