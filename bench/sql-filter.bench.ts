/**
 * Store-level pull cost with and without a filter: 100 000 messages in one queue, drained by
 * getMessage batches of 32 (as a consumer would), unfiltered, by tag (10 % of messages) and by
 * a SQL92 selector matching the same 10 %. Prints messages delivered per second and the time to
 * drain the queue. In process, no network: it isolates what the filter adds to a pull.
 *   npm run bench:sql-filter
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSubscriptionData, encodeProperties, tagsCode } from '@rocketmq-ts/protocol';
import { type MessageFilter, MessageStore } from '@rocketmq-ts/store';
import { silentServerLogger } from '../packages/server/src/common/logger.ts';
import { ConsumerFilterManager } from '../packages/server/src/broker/filter/consumer-filter-manager.ts';
import { pullMessageFilter } from '../packages/server/src/broker/filter/message-filter.ts';
import { SelectorCache } from '../packages/server/src/broker/filter/selector-cache.ts';

const COUNT = Number(process.env.SQL_BENCH_COUNT ?? 100_000);
const dir = await mkdtemp(join(tmpdir(), 'rmqts-sql-bench-'));
const store = await MessageStore.open({ storePathRootDir: dir, mappedFileSizeCommitLog: 256 * 1024 * 1024 });
try {
  const body = Buffer.alloc(256, 'x');
  for (let i = 0; i < COUNT; i += 1000) {
    const batch = [];
    for (let j = i; j < i + 1000; j++) {
      batch.push({
        topic: 'T',
        queueId: 0,
        flag: 0,
        body,
        propertiesText: encodeProperties({ TAGS: j % 10 === 0 ? 'Hot' : 'Cold', price: String(j % 100), region: j % 2 ? 'eu' : 'us', UNIQ_KEY: `id${j}` }),
        sysFlag: 0,
        bornTimestamp: Date.now(),
        bornHost: { address: '127.0.0.1', port: 1 },
        storeHost: { address: '127.0.0.1', port: 2 },
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
      });
    }
    await Promise.all(batch.map((m) => store.putMessage(m)));
  }
  const logger = silentServerLogger();
  const filters = new ConsumerFilterManager(new SelectorCache(), logger);
  const sql = buildSubscriptionData('T', "price IN ('0','10','20','30','40','50','60','70','80','90') AND region IS NOT NULL", 'SQL92', 1);
  filters.register('g', [sql]);
  const cases: [string, MessageFilter | undefined][] = [
    ['unfiltered', undefined],
    ['tag, 10 %', { isMatchedByConsumeQueue: (code) => code === tagsCode('Hot') }],
    ['SQL92, 10 %', pullMessageFilter(sql, filters.get('T', 'g'), { filterSupportRetry: false, filters, logger })],
  ];
  for (const [name, filter] of cases) {
    for (let round = 0; round < 2; round++) {
      const started = performance.now();
      let offset = 0;
      let delivered = 0;
      let pulls = 0;
      while (offset < COUNT) {
        const result = await store.getMessage('g', 'T', 0, offset, 32, filter);
        delivered += result.messages.length;
        offset = result.nextBeginOffset;
        pulls++;
      }
      const ms = performance.now() - started;
      if (round === 1) console.log(`${name.padEnd(12)} ${delivered} delivered in ${pulls} pulls, ${ms.toFixed(0)} ms: ${Math.round((delivered / ms) * 1000)} msg/s delivered, ${Math.round((COUNT / ms) * 1000)} msg/s scanned`);
    }
  }
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
