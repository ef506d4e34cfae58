/**
 * Store directories written by Apache RocketMQ 4.8 itself, for the cross-format tests of our
 * store: `produceApacheStore({ dir, topic, count })` boots Apache's name server and broker on
 * `dir`, sends `count` messages with the Java 4.8 producer, stops the broker cleanly and checks
 * the directory, then returns the producer's lines (SendResults, one per message `i`).
 *
 * The messages: body {@link expectedBody}(i, bodySize), keys `<keysPrefix><i>`, tags `tags`,
 * user property idx=<i>. Layout left in `dir` (4.8, 64 MiB CommitLog segments):
 * commitlog/00000000000000000000, consumequeue/<topic>/<queueId>/00000000000000000000,
 * index/<timestamp>, config/{topics,subscriptionGroup,consumerOffset,delayOffset,consumerFilter}.json
 * (+ .bak), checkpoint, lock — and no `abort` (a clean shutdown deletes it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApacheRocketMQ, type ApacheRocketMQ, type ConfValue } from './apache-rocketmq.ts';
import { runJavaProducer, type ProducedMessage } from './java-client.ts';

export interface ProduceApacheStoreOptions {
  /** The store directory (storePathRootDir); created if missing. */
  dir: string;
  topic: string;
  count: number;
  /** @defaultValue 1024 */
  bodySize?: number;
  /** @defaultValue 'TagA' */
  tags?: string;
  /** @defaultValue 'key-' */
  keysPrefix?: string;
  /** Messages per batch send. @defaultValue 1 */
  batch?: number;
  /** Extra broker.conf entries (see startApacheRocketMQ). */
  brokerConf?: Record<string, ConfValue>;
  /** Runs after the sends, while the servers are still up (e.g. consume with runJavaConsumer). */
  whileRunning?: (rmq: ApacheRocketMQ, produced: ProducedMessage[]) => Promise<void>;
}

/** What is wrong with an Apache store directory after a clean stop ([] when nothing). */
export function apacheStoreProblems(dir: string, topics: readonly string[], queueIds: readonly number[] = []): string[] {
  const problems: string[] = [];
  const need = (relative: string): void => {
    if (!existsSync(join(dir, relative))) problems.push(`missing ${relative}`);
  };
  need(join('commitlog', '00000000000000000000'));
  need('checkpoint');
  need(join('config', 'topics.json'));
  if (existsSync(join(dir, 'abort'))) problems.push('the abort file is still there (the broker did not shut down cleanly)');
  const topicsJson = existsSync(join(dir, 'config', 'topics.json')) ? readFileSync(join(dir, 'config', 'topics.json'), 'utf8') : '';
  for (const topic of topics) {
    need(join('consumequeue', topic));
    for (const queueId of queueIds) need(join('consumequeue', topic, String(queueId), '00000000000000000000'));
    if (topicsJson !== '' && !topicsJson.includes(`"${topic}"`)) problems.push(`config/topics.json has no topic ${topic}`);
  }
  return problems;
}

/** See the module comment. Rejects when a send fails, the stop is unclean or files are missing. */
export async function produceApacheStore(options: ProduceApacheStoreOptions): Promise<ProducedMessage[]> {
  const rmq = await startApacheRocketMQ({ storeDir: options.dir, brokerConf: options.brokerConf });
  let produced: ProducedMessage[];
  try {
    produced = await runJavaProducer({
      namesrvAddr: rmq.namesrvAddr,
      topic: options.topic,
      count: options.count,
      bodySize: options.bodySize ?? 1024,
      tags: options.tags ?? 'TagA',
      keysPrefix: options.keysPrefix ?? 'key-',
      batch: options.batch,
    });
    if (produced.length !== options.count) {
      throw new Error(`the Java producer reported ${produced.length} of ${options.count} sends`);
    }
    await options.whileRunning?.(rmq, produced);
  } catch (error) {
    const logs = rmq.logs.tail(20);
    await rmq.stop().catch(() => undefined);
    if (error instanceof Error) error.message += `\n${logs}`;
    throw error;
  }
  await rmq.stop();
  const queueIds = [...new Set(produced.map((line) => line.queueId))].sort((a, b) => a - b);
  const problems = apacheStoreProblems(options.dir, [options.topic], queueIds);
  if (problems.length > 0) {
    throw new Error(`the store Apache RocketMQ left in ${options.dir} is incomplete: ${problems.join('; ')}`);
  }
  return produced;
}
