/**
 * Cross-format tests of the store (storage-format.md): a store directory written by Apache
 * RocketMQ 4.8.0 (the released broker from Maven Central) opens in rocketmq-ts and the other way
 * round — every message readable, intact, at the offsets the producer was told.
 *
 * The two main directions use the same message mix, sent by the Java 4.8 producer: 355 messages
 * over the 4 queues of one auto-created topic — 200 × 256 B (TagA), 100 × 1500 B in batches of
 * 10 (TagB), 5 × 6000 B (TagC; over 4 KiB, so the producer compresses them), 50 bodies of a few
 * bytes without tags — each with keys and a user property idx=<i>; plus a few delayed messages.
 * The segment sizes are small (128 KiB CommitLog, 40-unit ConsumeQueue files, 300-entry
 * IndexFiles) so that the data spans several files of each kind: BLANK end-of-segment markers,
 * queues crossing files and IndexFile roll-over are all part of what the other side has to read.
 *
 * 1. Apache → ours: Apache writes the store (and commits some consumer offsets); our MessageStore
 *    opens it and reads everything (by queue, by offsetMsgId, by key through Apache's IndexFiles,
 *    queue max offsets, parked delayed messages, config/*.json); then our broker serves the
 *    directory to the Java consumer (a user migrating) and takes new messages, continuing
 *    Apache's queue offsets.
 * 2. Ours → Apache: our broker writes the store and stops; the directory holds only what Apache
 *    accepts; Apache's broker starts on it (same sizes), the Java consumer reads every message
 *    through it, Apache answers key queries from our IndexFiles, the offsets we committed and our
 *    delay progress, delivers what we left parked, then appends; our MessageStore reads it all.
 * 3. After a SIGKILL (abort, lock and checkpoint left behind) each side recovers the other's store.
 * 4. Default ConsumeQueue / IndexFile sizes: our MessageStore writes directly, Apache serves and
 *    appends, our MessageStore reads back.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import {
  decodeOffsetMessageId,
  decodeStoredMessage,
  decodeStoredMessages,
  encodeProperties,
  MessageConst,
  MessageSysFlag,
  type StoredMessage,
  uncompressBody,
  UniqueIdGenerator,
} from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';
import { configFilePaths, ConsumerOffsetManager, DelayOffsetManager, MessageStore, SubscriptionGroupManager, TopicConfigManager } from '@rocketmq-ts/store';
import { startApacheRocketMQ } from '../lib/apache-rocketmq.ts';
import { startRocketmqTsProcess } from '../lib/rocketmq-ts-process.ts';
import { produceApacheStore } from '../lib/apache-store.ts';
import { getMaxOffset, queryConsumerOffset, queryMessageByKey, updateConsumerOffset } from '../lib/broker-requests.ts';
import { type ConsumedMessage, expectedBody, type ProducedMessage, runJavaConsumer, runJavaProducer } from '../lib/java-client.ts';

/** The same on both sides: broker.conf keys of Apache 4.8 and of our BrokerConfig / MessageStoreOptions. */
const SIZES = {
  mappedFileSizeCommitLog: 128 * 1024,
  mappedFileSizeConsumeQueue: 40 * 20,
  maxHashSlotNum: 500,
  maxIndexNum: 300,
} as const;
/** Apache 4.8's defaults, but for the 64 MiB CommitLog segments of the harness (startApacheRocketMQ). */
const DEFAULT_SIZES = {
  mappedFileSizeCommitLog: 64 * 1024 * 1024,
  mappedFileSizeConsumeQueue: 300_000 * 20,
  maxHashSlotNum: 5_000_000,
  maxIndexNum: 20_000_000,
} as const;
type Sizes = typeof SIZES | typeof DEFAULT_SIZES;

interface Part {
  start: number;
  count: number;
  bodySize: number;
  tags?: string;
  keysPrefix: string;
  batch?: number;
}

/** The message mix (see the module comment); the TagC bodies are over compressMsgBodyOverHowmuch (4096). */
const PARTS: readonly Part[] = [
  { start: 0, count: 200, bodySize: 256, tags: 'TagA', keysPrefix: 'ka-' },
  { start: 200, count: 100, bodySize: 1500, tags: 'TagB', keysPrefix: 'kb-', batch: 10 },
  { start: 300, count: 5, bodySize: 6000, tags: 'TagC', keysPrefix: 'kc-' },
  { start: 305, count: 50, bodySize: 0, keysPrefix: 'kd-' },
];
const TOTAL = 355;
/** Sent later, by the broker that opened the other side's store. */
const MORE: Part = { start: TOTAL, count: 20, bodySize: 100, tags: 'TagE', keysPrefix: 'ke-' };
/** Delayed messages (to a topic of their own), parked in SCHEDULE_TOPIC_XXXX by the writing broker. */
const DELAYED: Part = { start: 1000, count: 3, bodySize: 64, tags: 'TagD', keysPrefix: 'kz-' };
/** Delayed by 10 s (level 3) just before our broker stops: Apache delivers them after the move. */
const DELAYED_LATE: Part = { start: 1100, count: 3, bodySize: 64, tags: 'TagL', keysPrefix: 'kl-' };
const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';
/** Written by our MessageStore directly, then appended by Apache (default sizes). */
const WRITTEN: Part = { start: 2000, count: 100, bodySize: 300, tags: 'TagW', keysPrefix: 'kw-' };
const APPENDED: Part = { start: 2100, count: 50, bodySize: 200, tags: 'TagX', keysPrefix: 'kx-' };
const QUEUES = [0, 1, 2, 3];
const GROUP = 'rmqts_cross_format_group';

function partOf(i: number): Part {
  const part = [...PARTS, MORE, DELAYED, DELAYED_LATE, WRITTEN, APPENDED].find((p) => i >= p.start && i < p.start + p.count);
  assert.ok(part, `message ${i} belongs to no part`);
  return part;
}

/**
 * A temporary directory for one test, removed when it ends — after the stops deferred with
 * `defer` (newest first), so that no broker writes into it once it is gone.
 */
async function testRoot(t: TestContext, prefix: string): Promise<{ root: string; defer(step: () => Promise<unknown>): void }> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const steps: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const step of steps.reverse()) await step().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });
  return { root, defer: (step) => void steps.push(step) };
}

function randomTopic(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

async function produce(namesrvAddr: string, topic: string, parts: readonly Part[]): Promise<ProducedMessage[]> {
  const lines: ProducedMessage[] = [];
  for (const part of parts) {
    const sent = await runJavaProducer({ namesrvAddr, topic, ...part });
    assert.equal(sent.length, part.count, `part ${part.start}: ${sent.length} sends`);
    lines.push(...sent);
  }
  return lines;
}

/** Per queue, how many of `produced` went there. */
function countsByQueue(produced: readonly ProducedMessage[]): Map<number, number> {
  const counts = new Map<number, number>(QUEUES.map((q) => [q, 0]));
  for (const line of produced) counts.set(line.queueId, (counts.get(line.queueId) ?? 0) + 1);
  return counts;
}

/** The Java consumer's lines by idx; each idx once. */
function byIdx(lines: readonly ConsumedMessage[]): Map<number, ConsumedMessage> {
  const map = new Map<number, ConsumedMessage>();
  for (const line of lines) {
    const idx = Number(line.properties['idx']);
    assert.ok(Number.isInteger(idx), `a consumed message without idx: ${JSON.stringify(line).slice(0, 300)}`);
    assert.ok(!map.has(idx), `message ${idx} consumed twice`);
    map.set(idx, line);
  }
  return map;
}

/** What the Java consumer read is what the producer sent, where the producer was told it went. */
function assertConsumedAsSent(lines: readonly ConsumedMessage[], produced: readonly ProducedMessage[], topic: string, who: string): void {
  const got = byIdx(lines);
  assert.equal(lines.length, produced.length, `${who}: consumed ${lines.length} of ${produced.length}`);
  for (const sent of produced) {
    const message = got.get(sent.i);
    assert.ok(message, `${who}: message ${sent.i} was not consumed`);
    const part = partOf(sent.i);
    const what = `${who}: message ${sent.i}`;
    assert.equal(message.topic, topic, what);
    assert.equal(message.msgId, sent.msgId, what);
    assert.equal(message.offsetMsgId, sent.offsetMsgId, what);
    assert.equal(message.queueId, sent.queueId, what);
    assert.equal(message.queueOffset, sent.queueOffset, what);
    assert.equal(message.commitLogOffset, decodeOffsetMessageId(sent.offsetMsgId).commitLogOffset, what);
    assert.equal(message.bodyHex, expectedBody(sent.i, part.bodySize).toString('hex'), `${what}: body`);
    assert.equal(message.keys, `${part.keysPrefix}${sent.i}`, what);
    assert.equal(message.tags, part.tags ?? null, what);
    assert.equal(message.properties['UNIQ_KEY'], sent.msgId, what);
    assert.equal(message.reconsumeTimes, 0, what);
  }
}

/**
 * Delayed messages as delivered to their real topic: a new record (new offsets) with the sent
 * message's id, queue (REAL_QID), body, keys and tags.
 */
function assertDelivered(lines: readonly ConsumedMessage[], sent: readonly ProducedMessage[], topic: string, who: string): void {
  const got = byIdx(lines);
  assert.equal(lines.length, sent.length, `${who}: delivered ${lines.length} of ${sent.length}`);
  for (const line of sent) {
    const message = got.get(line.i);
    const part = partOf(line.i);
    assert.ok(message, `${who}: delayed message ${line.i} was not delivered`);
    assert.equal(message.topic, topic);
    assert.equal(message.msgId, line.msgId);
    assert.equal(message.queueId, line.queueId, `${who}: delayed message ${line.i} in its REAL_QID`);
    assert.equal(message.bodyHex, expectedBody(line.i, part.bodySize).toString('hex'));
    assert.equal(message.keys, `${part.keysPrefix}${line.i}`);
    assert.equal(message.tags, part.tags ?? null);
    assert.equal(message.properties[MessageConst.REAL_TOPIC], topic);
  }
}

/** Two consumers' views of the same store: identical, message by message. */
function assertSameView(actual: readonly ConsumedMessage[], expected: readonly ConsumedMessage[], who: string): void {
  const want = byIdx(expected);
  assert.equal(actual.length, expected.length, `${who}: ${actual.length} messages, the other broker served ${expected.length}`);
  for (const [idx, message] of byIdx(actual)) assert.deepEqual(message, want.get(idx), `${who}: message ${idx}`);
}

/** Stored properties = what the pull consumer returned minus the MIN_OFFSET / MAX_OFFSET it adds. */
function storedPropertiesOf(consumed: ConsumedMessage): Record<string, string> {
  const stored = { ...consumed.properties };
  delete stored['MIN_OFFSET'];
  delete stored['MAX_OFFSET'];
  return stored;
}

/**
 * Reads `topic` through a MessageStore the way the broker's PULL does, queue by queue from the
 * min to the max offset, and checks every record against the producer's lines and (where it
 * has them) the Java consumer's view of the same messages. Returns the records by idx.
 */
async function readAllThroughStore(
  store: MessageStore,
  topic: string,
  produced: readonly ProducedMessage[],
  view: ReadonlyMap<number, ConsumedMessage>,
): Promise<Map<number, { record: Buffer; message: StoredMessage }>> {
  const found = new Map<number, { record: Buffer; message: StoredMessage }>();
  for (const queueId of QUEUES) {
    const max = store.getMaxOffsetInQueue(topic, queueId);
    let offset = store.getMinOffsetInQueue(topic, queueId);
    assert.equal(offset, 0, `queue ${queueId}: min offset`);
    while (offset < max) {
      const result = await store.getMessage('rmqts_reader', topic, queueId, offset, 32);
      assert.equal(result.status, 'FOUND', `queue ${queueId} offset ${offset}: ${result.status}`);
      assert.equal(result.maxOffset, max);
      let expectedOffset = offset;
      for (const record of result.messages) {
        const message = decodeStoredMessage(record, 0, { checkCRC: true });
        assert.equal(message.topic, topic);
        assert.equal(message.queueId, queueId);
        assert.equal(message.queueOffset, expectedOffset++, `queue ${queueId}: offsets are consecutive`);
        const idx = Number(message.properties['idx']);
        assert.ok(!found.has(idx), `message ${idx} read twice`);
        found.set(idx, { record, message });
      }
      offset = result.nextBeginOffset;
    }
  }
  assert.equal(found.size, produced.length, `read ${found.size} of ${produced.length} messages through the store`);
  for (const sent of produced) {
    const entry = found.get(sent.i);
    assert.ok(entry, `message ${sent.i} not read through the store`);
    const { message } = entry;
    const part = partOf(sent.i);
    const what = `message ${sent.i}`;
    assert.equal(message.queueId, sent.queueId, what);
    assert.equal(message.queueOffset, sent.queueOffset, what);
    const { storeHost, commitLogOffset } = decodeOffsetMessageId(sent.offsetMsgId);
    assert.equal(message.commitLogOffset, commitLogOffset, what);
    assert.deepEqual(message.storeHost, storeHost, what);
    const compressed = (message.sysFlag & MessageSysFlag.COMPRESSED) !== 0;
    assert.equal(compressed, part.bodySize > 4096, `${what}: stored compressed iff over 4 KiB`);
    assert.ok(expectedBody(sent.i, part.bodySize).equals(compressed ? uncompressBody(message.body) : message.body), `${what}: body`);
    assert.equal(message.properties['KEYS'], `${part.keysPrefix}${sent.i}`, what);
    assert.equal(message.properties['TAGS'], part.tags, what);
    assert.equal(message.properties['UNIQ_KEY'], sent.msgId, what);
    const consumed = view.get(sent.i);
    if (!consumed) continue;
    assert.deepEqual(message.properties, storedPropertiesOf(consumed), `${what}: properties`);
    assert.equal(message.storeTimestamp, consumed.storeTimestamp, what);
    assert.equal(message.bornTimestamp, consumed.bornTimestamp, what);
    assert.equal(message.storeSize, consumed.storeSize, what);
    assert.equal(message.bodyCRC, consumed.bodyCRC, what);
  }
  return found;
}

/** offsetMsgId → lookMessageByOffset, and every key and UNIQ_KEY → queryMessage (the IndexFiles). */
async function lookUpEveryMessage(store: MessageStore, topic: string, produced: readonly ProducedMessage[], records: ReadonlyMap<number, { record: Buffer }>): Promise<void> {
  for (const sent of produced) {
    const what = `message ${sent.i}`;
    const offset = decodeOffsetMessageId(sent.offsetMsgId).commitLogOffset;
    const looked = await store.lookMessageByOffset(offset);
    assert.ok(looked, `${what}: lookMessageByOffset(${offset}) found nothing`);
    assert.ok(looked.equals(records.get(sent.i)!.record), `${what}: lookMessageByOffset returned another record`);
    for (const key of [`${partOf(sent.i).keysPrefix}${sent.i}`, sent.msgId]) {
      const result = await store.queryMessage(topic, key, 32, 0, Number.MAX_SAFE_INTEGER);
      const offsets = result.messages.map((record) => decodeStoredMessage(record).commitLogOffset);
      assert.ok(offsets.includes(offset), `${what}: queryMessage(${key}) gave offsets ${offsets.join(',')}, not ${offset}`);
    }
  }
}

/**
 * The delayed messages as parked in SCHEDULE_TOPIC_XXXX queue level − 1 (spec §2.4, §3, §12):
 * the real topic and queue in REAL_TOPIC / REAL_QID, and the ConsumeQueue unit's tagsCode is the
 * deliver time — store time + the level's delay.
 */
async function assertParked(store: MessageStore, delayed: readonly ProducedMessage[], realTopic: string, level: number, delayMillis: number): Promise<void> {
  const queue = store.consumeQueues.get(SCHEDULE_TOPIC, level - 1);
  assert.ok(queue, `${SCHEDULE_TOPIC} queue ${level - 1} exists`);
  const units = await queue.getUnits(0, 100);
  assert.equal(units.count, delayed.length, `${SCHEDULE_TOPIC} queue ${level - 1}: units`);
  const part = partOf(delayed[0]!.i);
  for (let u = 0; u < units.count; u++) {
    const record = await store.lookMessageByOffset(units.commitLogOffset(u));
    assert.ok(record, `parked unit ${u}: no record at ${units.commitLogOffset(u)}`);
    const message = decodeStoredMessage(record, 0, { checkCRC: true });
    const sent = delayed.find((line) => String(line.i) === message.properties['idx']);
    assert.ok(sent, `parked unit ${u} is none of the delayed messages`);
    assert.equal(message.topic, SCHEDULE_TOPIC);
    assert.equal(message.queueId, level - 1);
    assert.equal(message.queueOffset, u);
    assert.equal(message.commitLogOffset, decodeOffsetMessageId(sent.offsetMsgId).commitLogOffset);
    assert.equal(message.properties[MessageConst.REAL_TOPIC], realTopic);
    assert.equal(message.properties[MessageConst.REAL_QUEUE_ID], String(sent.queueId));
    assert.equal(message.properties[MessageConst.DELAY_TIME_LEVEL], String(level));
    assert.equal(message.properties['UNIQ_KEY'], sent.msgId);
    assert.ok(message.body.equals(expectedBody(sent.i, part.bodySize)), `parked message ${sent.i}: body`);
    assert.equal(units.tagsCode(u), message.storeTimestamp + delayMillis, `parked message ${sent.i}: tagsCode = deliver time`);
  }
}

/**
 * What is wrong with a store directory our store left after a clean stop ([] when nothing): an
 * unclean-stop marker (abort, lock, the zero-tail marker), or what Apache 4.8 refuses or
 * misreads — it parses every file in commitlog/, consumequeue/<topic>/<queueId>/ and index/ as
 * a segment or IndexFile of the configured size.
 */
function layoutProblems(dir: string, sizes: Sizes = SIZES): string[] {
  const problems: string[] = [];
  for (const name of ['abort', 'lock', 'commitlog.zero-tail']) {
    if (existsSync(join(dir, name))) problems.push(`${name} left behind`);
  }
  const files = (sub: string): string[] => (existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)) : []);
  const checkSegments = (sub: string, size: number): void => {
    const names = files(sub);
    if (names.length === 0) problems.push(`${sub} has no files`);
    for (const name of names) {
      const length = statSync(join(dir, sub, name)).size;
      if (!/^\d{20}$/.test(name)) problems.push(`${sub}/${name} is not a segment name`);
      else if (length !== size) problems.push(`${sub}/${name} is ${length} bytes, not ${size}`);
    }
  };
  checkSegments('commitlog', sizes.mappedFileSizeCommitLog);
  for (const topic of files('consumequeue')) {
    for (const queueId of files(join('consumequeue', topic))) checkSegments(join('consumequeue', topic, queueId), sizes.mappedFileSizeConsumeQueue);
  }
  const indexFileSize = 40 + sizes.maxHashSlotNum * 4 + sizes.maxIndexNum * 20;
  for (const name of files('index')) {
    const length = statSync(join(dir, 'index', name)).size;
    if (!/^\d{17}$/.test(name)) problems.push(`index/${name} is not an IndexFile name`);
    else if (length !== indexFileSize) problems.push(`index/${name} is ${length} bytes, not ${indexFileSize}`);
  }
  return problems;
}

/** Half of each queue's messages, committed for GROUP. */
function offsetsToCommit(counts: ReadonlyMap<number, number>): Map<number, number> {
  return new Map(QUEUES.map((q) => [q, Math.floor((counts.get(q) ?? 0) / 2)]));
}

/** The new messages continue each queue right after `before`. */
function assertContinued(more: readonly ProducedMessage[], before: ReadonlyMap<number, number>, who: string): void {
  const next = new Map(before);
  for (const line of more) {
    assert.equal(line.queueOffset, next.get(line.queueId), `${who}: message ${line.i} in queue ${line.queueId}`);
    next.set(line.queueId, line.queueOffset + 1);
  }
}

function idxSet(lines: readonly ConsumedMessage[]): number[] {
  return lines.map((line) => Number(line.properties['idx'])).sort((a, b) => a - b);
}

function range(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => start + k);
}

test('Apache RocketMQ 4.8 writes a store: rocketmq-ts reads every message, then runs on it as the broker', { timeout: 150_000 }, async (t) => {
  const { root, defer } = await testRoot(t, 'rmqts-cross-apache-to-ours-');
  const dir = join(root, 'store');
  const topic = randomTopic('from_apache');
  const delayTopic = `${topic}_delayed`;

  // 1. Apache writes it.
  let produced: ProducedMessage[] = [];
  let delayed: ProducedMessage[] = [];
  let apacheView: ConsumedMessage[] = [];
  const apacheMax = new Map<number, number>();
  let committed = new Map<number, number>();
  const [first, ...rest] = PARTS;
  await produceApacheStore({
    dir,
    topic,
    ...first!,
    brokerConf: { ...SIZES },
    whileRunning: async (rmq, firstLines) => {
      produced = [...firstLines, ...(await produce(rmq.namesrvAddr, topic, rest))];
      delayed = await runJavaProducer({ namesrvAddr: rmq.namesrvAddr, topic: delayTopic, ...DELAYED, delayLevel: 18 });
      apacheView = await runJavaConsumer({ namesrvAddr: rmq.namesrvAddr, topic, expect: TOTAL });
      for (const queueId of QUEUES) apacheMax.set(queueId, await getMaxOffset(rmq.brokerAddr, topic, queueId));
      committed = offsetsToCommit(apacheMax);
      for (const [queueId, offset] of committed) await updateConsumerOffset(rmq.brokerAddr, GROUP, topic, queueId, offset);
    },
  });
  assertConsumedAsSent(apacheView, produced, topic, 'Apache');
  assert.deepEqual(apacheMax, countsByQueue(produced), "Apache's max offsets are its message counts");
  const files = (sub: string): string[] => readdirSync(join(dir, sub));
  t.diagnostic(
    `Apache left commitlog/ ${files('commitlog').length} segments, index/ ${files('index').length} files, ` +
      `consumequeue/${topic}/ ${QUEUES.map((q) => files(join('consumequeue', topic, String(q))).length).join('+')} files`,
  );
  assert.ok(files('commitlog').length >= 2 && files('index').length >= 2, 'the data spans several segments and IndexFiles');

  // 2. Our MessageStore opens the directory and reads every message.
  const store = await MessageStore.open({ storePathRootDir: dir, ...SIZES });
  try {
    for (const queueId of QUEUES) assert.equal(store.getMaxOffsetInQueue(topic, queueId), apacheMax.get(queueId), `queue ${queueId}: max offset`);
    const records = await readAllThroughStore(store, topic, produced, byIdx(apacheView));
    await lookUpEveryMessage(store, topic, produced, records);
    await assertParked(store, delayed, delayTopic, 18, 2 * 3600 * 1000);
  } finally {
    await store.close();
  }

  // 3. Apache's config files load through the store's managers.
  const paths = configFilePaths(dir);
  const topics = await TopicConfigManager.load(paths.topics);
  assert.equal(topics.loadedFrom, 'file');
  assert.deepEqual(topics.get(topic), {
    topicName: topic,
    readQueueNums: 4,
    writeQueueNums: 4,
    perm: 6,
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: 0,
    order: false,
  });
  assert.ok(topics.get('TBW102'), 'the default topic TBW102');
  const groups = await SubscriptionGroupManager.load(paths.subscriptionGroup);
  assert.equal(groups.loadedFrom, 'file');
  assert.equal(groups.get('rmqts_interop_consumer')?.retryMaxTimes, 16, 'the consumer group Apache auto-created');
  const offsets = await ConsumerOffsetManager.load(paths.consumerOffset);
  assert.equal(offsets.loadedFrom, 'file');
  assert.deepEqual(offsets.offsetsOf(topic, GROUP), committed);

  // 4. Our broker on the directory (a user migrating): the Java consumer reads what Apache served.
  const cluster = await startCluster(undefined, { ...SIZES }, { storeDir: dir });
  defer(() => cluster.stop());
  const ourView = await runJavaConsumer({ namesrvAddr: cluster.namesrvAddr, topic, expect: TOTAL });
  assertSameView(ourView, apacheView, 'our broker vs Apache');
  for (const [queueId, offset] of committed) {
    assert.equal(await queryConsumerOffset(cluster.brokerAddr, GROUP, topic, queueId), offset, `committed offset of queue ${queueId}`);
    assert.equal(await getMaxOffset(cluster.brokerAddr, topic, queueId), apacheMax.get(queueId));
  }
  const tagC = await runJavaConsumer({ namesrvAddr: cluster.namesrvAddr, topic, expect: PARTS[2]!.count, subExpression: 'TagC', group: 'rmqts_tag_filter' });
  assert.deepEqual(idxSet(tagC), range(PARTS[2]!.start, PARTS[2]!.count), "tag filter on Apache's ConsumeQueue tag codes");
  const sample = produced.filter((line) => line.i % 50 === 0);
  for (const sent of sample) {
    const found = decodeStoredMessages(await queryMessageByKey(cluster.brokerAddr, topic, `${partOf(sent.i).keysPrefix}${sent.i}`));
    assert.ok(found.some((m) => m.properties['UNIQ_KEY'] === sent.msgId), `QUERY_MESSAGE for message ${sent.i} through our broker`);
  }
  // … and keeps going: new messages continue Apache's queue offsets.
  const more = await produce(cluster.namesrvAddr, topic, [MORE]);
  assertContinued(more, apacheMax, 'our broker after Apache');
  for (const sent of more) {
    const found = decodeStoredMessages(await queryMessageByKey(cluster.brokerAddr, topic, sent.msgId, { uniqueKey: true }));
    assert.ok(found.some((m) => m.properties['idx'] === String(sent.i)), `QUERY_MESSAGE for new message ${sent.i} through our broker`);
  }
  const everything = await runJavaConsumer({ namesrvAddr: cluster.namesrvAddr, topic, expect: TOTAL + MORE.count });
  assertConsumedAsSent(everything, [...produced, ...more], topic, 'our broker');
  // Our schedule service read the deliver times of Apache's parked units: nothing is due for 2 h.
  for (const queueId of QUEUES) assert.equal(await getMaxOffset(cluster.brokerAddr, delayTopic, queueId), 0, `${delayTopic} queue ${queueId}`);
  await cluster.stop();
  assert.deepEqual(layoutProblems(dir), [], 'what our broker left in the directory');
});

test('rocketmq-ts writes a store: Apache RocketMQ 4.8 starts on it, serves every message and appends to it', { timeout: 150_000 }, async (t) => {
  const { root, defer } = await testRoot(t, 'rmqts-cross-ours-to-apache-');
  const dir = join(root, 'store');
  const topic = randomTopic('from_ours');
  const delayTopic = `${topic}_delayed`;
  const lateTopic = `${topic}_late`;

  // 1. Our broker writes it and stops cleanly. Of the delayed messages, it delivers those of
  //    level 1 (1 s) before it stops; those of level 3 (10 s) are still parked when it stops.
  const cluster = await startCluster(undefined, { ...SIZES }, { storeDir: dir });
  defer(() => cluster.stop());
  const produced = await produce(cluster.namesrvAddr, topic, PARTS);
  const delayed = await runJavaProducer({ namesrvAddr: cluster.namesrvAddr, topic: delayTopic, ...DELAYED, delayLevel: 1 });
  const counts = countsByQueue(produced);
  const ourView = await runJavaConsumer({ namesrvAddr: cluster.namesrvAddr, topic, expect: TOTAL });
  assertConsumedAsSent(ourView, produced, topic, 'our broker');
  const committed = offsetsToCommit(counts);
  for (const [queueId, offset] of committed) await updateConsumerOffset(cluster.brokerAddr, GROUP, topic, queueId, offset);
  const ourDelayedView = await runJavaConsumer({ namesrvAddr: cluster.namesrvAddr, topic: delayTopic, expect: DELAYED.count });
  assertDelivered(ourDelayedView, delayed, delayTopic, 'our schedule service');
  const late = await runJavaProducer({ namesrvAddr: cluster.namesrvAddr, topic: lateTopic, ...DELAYED_LATE, delayLevel: 3 });
  await cluster.stop();
  assert.deepEqual(layoutProblems(dir), [], 'what our broker left in the directory');
  const parkedBy = await MessageStore.open({ storePathRootDir: dir, ...SIZES });
  try {
    await assertParked(parkedBy, delayed, delayTopic, 1, 1000);
    await assertParked(parkedBy, late, lateTopic, 3, 10_000);
  } finally {
    await parkedBy.close();
  }
  const delayOffsets = await DelayOffsetManager.load(configFilePaths(dir).delayOffset);
  assert.equal(delayOffsets.get(1), DELAYED.count, 'delayOffset.json: level 1 delivered');
  assert.equal(delayOffsets.get(3) ?? 0, 0, 'delayOffset.json: level 3 not delivered yet');
  const files = (sub: string): string[] => readdirSync(join(dir, sub));
  t.diagnostic(
    `we left commitlog/ ${files('commitlog').length} segments, index/ ${files('index').length} files, ` +
      `consumequeue/${topic}/ ${QUEUES.map((q) => files(join('consumequeue', topic, String(q))).length).join('+')} files`,
  );
  assert.ok(files('commitlog').length >= 2 && files('index').length >= 2, 'the data spans several segments and IndexFiles');

  // 2. Apache's broker on it.
  const rmq = await startApacheRocketMQ({ storeDir: dir, brokerConf: { ...SIZES } });
  defer(() => rmq.stop());
  let more: ProducedMessage[];
  try {
    const apacheView = await runJavaConsumer({ namesrvAddr: rmq.namesrvAddr, topic, expect: TOTAL });
    assertSameView(apacheView, ourView, 'Apache vs our broker');
    for (const queueId of QUEUES) {
      assert.equal(await getMaxOffset(rmq.brokerAddr, topic, queueId), counts.get(queueId), `Apache's max offset of queue ${queueId}`);
      assert.equal(await queryConsumerOffset(rmq.brokerAddr, GROUP, topic, queueId), committed.get(queueId), `offset we committed, queue ${queueId}`);
    }
    // (Not --expect -1: one 4.8 pull scans one ConsumeQueue file only, so a round can find nothing yet.)
    const tagB = await runJavaConsumer({ namesrvAddr: rmq.namesrvAddr, topic, expect: PARTS[1]!.count, subExpression: 'TagB', group: 'rmqts_tag_filter' });
    assert.deepEqual(idxSet(tagB), range(PARTS[1]!.start, PARTS[1]!.count), 'Apache filters by our ConsumeQueue tag codes');
    // Apache finds every message by key and by UNIQ_KEY in the IndexFiles we wrote.
    for (const sent of produced) {
      for (const [key, uniqueKey] of [[`${partOf(sent.i).keysPrefix}${sent.i}`, false], [sent.msgId, true]] as const) {
        const found = decodeStoredMessages(await queryMessageByKey(rmq.brokerAddr, topic, key, { uniqueKey }));
        assert.ok(
          found.some((m) => m.properties['UNIQ_KEY'] === sent.msgId),
          `Apache's QUERY_MESSAGE ${key} (message ${sent.i}) found ${found.map((m) => m.properties['idx']).join(',') || 'nothing'}`,
        );
      }
    }
    // Apache's schedule service delivers what our broker left parked (level 3) …
    const lateDelivered = await runJavaConsumer({ namesrvAddr: rmq.namesrvAddr, topic: lateTopic, expect: DELAYED_LATE.count });
    assertDelivered(lateDelivered, late, lateTopic, "Apache's schedule service");
    // … and, by our delayOffset.json, not again what our broker delivered (level 1; its timer ran long since).
    let inDelayTopic = 0;
    for (const queueId of QUEUES) inDelayTopic += await getMaxOffset(rmq.brokerAddr, delayTopic, queueId);
    assert.equal(inDelayTopic, DELAYED.count, `${delayTopic} holds each delayed message once`);
    const apacheDelayedView = await runJavaConsumer({ namesrvAddr: rmq.namesrvAddr, topic: delayTopic, expect: DELAYED.count });
    assertSameView(apacheDelayedView, ourDelayedView, 'messages our schedule service delivered, through Apache');
    // Apache appends to our segments, ConsumeQueues and IndexFile.
    more = await produce(rmq.namesrvAddr, topic, [MORE]);
    assertContinued(more, counts, 'Apache after our broker');
  } catch (error) {
    const logs = rmq.logs.tail(20);
    await rmq.stop().catch(() => undefined);
    if (error instanceof Error) error.message += `\n${logs}`;
    throw error;
  }
  await rmq.stop();

  // 3. Our MessageStore reopens it, with what Apache appended.
  const all = [...produced, ...more];
  const store = await MessageStore.open({ storePathRootDir: dir, ...SIZES });
  try {
    const counted = countsByQueue(all);
    for (const queueId of QUEUES) assert.equal(store.getMaxOffsetInQueue(topic, queueId), counted.get(queueId), `queue ${queueId}: max offset`);
    const records = await readAllThroughStore(store, topic, all, byIdx(ourView));
    await lookUpEveryMessage(store, topic, all, records);
  } finally {
    await store.close();
  }
  const offsets = await ConsumerOffsetManager.load(configFilePaths(dir).consumerOffset);
  assert.deepEqual(offsets.offsetsOf(topic, GROUP), committed, 'consumerOffset.json after Apache rewrote it');
});

test('after a crash (SIGKILL, abort and lock left behind) each side recovers the store the other wrote', { timeout: 150_000 }, async (t) => {
  const { root, defer } = await testRoot(t, 'rmqts-cross-crash-');
  const parts = PARTS.slice(0, 2);
  const count = parts.reduce((sum, part) => sum + part.count, 0);

  // Apache killed → our MessageStore (abnormal recovery; Apache's preallocated next segment is there too).
  {
    const dir = join(root, 'apache-crashed');
    const topic = randomTopic('apache_crashed');
    const rmq = await startApacheRocketMQ({ storeDir: dir, brokerConf: { ...SIZES } });
    let produced: ProducedMessage[];
    try {
      produced = await produce(rmq.namesrvAddr, topic, parts);
    } finally {
      process.kill(rmq.brokerPid, 'SIGKILL');
      await rmq.stop().then(
        () => assert.fail('stop() after SIGKILL should report an unclean stop'),
        (error: unknown) => assert.match(String(error), /SIGKILL/),
      );
      rmSync(rmq.runDir, { recursive: true, force: true });
    }
    assert.ok(existsSync(join(dir, 'abort')), 'Apache left its abort file');
    const store = await MessageStore.open({ storePathRootDir: dir, ...SIZES });
    try {
      assert.equal(store.commitLog.recovery.mode, 'abnormal');
      const records = await readAllThroughStore(store, topic, produced, new Map());
      await lookUpEveryMessage(store, topic, produced, records);
    } finally {
      await store.close();
    }
  }

  // Our broker killed → Apache (abnormal recovery from our checkpoint; rebuilds queues and index).
  {
    const dir = join(root, 'ours-crashed');
    const topic = randomTopic('ours_crashed');
    const ours = await startRocketmqTsProcess({ storeDir: dir, brokerConfig: { ...SIZES } });
    defer(() => ours.kill());
    let produced: ProducedMessage[];
    try {
      produced = await produce(ours.namesrvAddr, topic, parts);
    } finally {
      await ours.kill();
    }
    assert.ok(existsSync(join(dir, 'abort')) && existsSync(join(dir, 'lock')), 'our broker left its abort and lock files');
    const rmq = await startApacheRocketMQ({ storeDir: dir, brokerConf: { ...SIZES } });
    defer(() => rmq.stop());
    try {
      const apacheView = await runJavaConsumer({ namesrvAddr: rmq.namesrvAddr, topic, expect: count });
      assertConsumedAsSent(apacheView, produced, topic, 'Apache after our crash');
      for (const sent of produced.filter((line) => line.i % 25 === 0)) {
        const found = decodeStoredMessages(await queryMessageByKey(rmq.brokerAddr, topic, sent.msgId, { uniqueKey: true }));
        assert.ok(found.some((m) => m.properties['idx'] === String(sent.i)), `Apache's QUERY_MESSAGE for message ${sent.i} after our crash`);
      }
    } catch (error) {
      const logs = rmq.logs.tail(20);
      await rmq.stop().catch(() => undefined);
      if (error instanceof Error) error.message += `\n${logs}`;
      throw error;
    }
    await rmq.stop();
  }
});

test('default sizes: what our MessageStore writes directly, Apache serves and appends to, and the store reads back', { timeout: 120_000 }, async (t) => {
  const { root, defer } = await testRoot(t, 'rmqts-cross-defaults-');
  const dir = join(root, 'store');
  const topic = randomTopic('store_written');

  // 1. Our MessageStore writes messages shaped like the Java producer's, and topics.json.
  const ids = new UniqueIdGenerator('127.0.0.1');
  const written: ProducedMessage[] = [];
  const store = await MessageStore.open({ storePathRootDir: dir, ...DEFAULT_SIZES });
  try {
    for (let i = WRITTEN.start; i < WRITTEN.start + WRITTEN.count; i++) {
      const msgId = ids.next();
      const queueId = i % QUEUES.length;
      const properties = { KEYS: `${WRITTEN.keysPrefix}${i}`, TAGS: WRITTEN.tags!, UNIQ_KEY: msgId, WAIT: 'true', idx: String(i) };
      const result = await store.putMessage({
        topic,
        queueId,
        flag: 0,
        body: expectedBody(i, WRITTEN.bodySize),
        propertiesText: encodeProperties(properties, { order: 'java-hash' }),
        sysFlag: 0,
        bornTimestamp: Date.now(),
        bornHost: { address: '127.0.0.1', port: 40_000 },
        storeHost: { address: '127.0.0.1', port: 10_911 },
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
      });
      assert.equal(result.status, 'PUT_OK');
      const record = result.records[0]!;
      written.push({ i, msgId, offsetMsgId: record.offsetMsgId, queueId, queueOffset: record.queueOffset, status: 'SEND_OK', brokerName: 'broker-a' });
    }
    const topics = await TopicConfigManager.load(configFilePaths(dir).topics);
    topics.set({ topicName: topic, readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
    await topics.persist();
  } finally {
    await store.close();
  }
  assert.deepEqual(layoutProblems(dir, DEFAULT_SIZES), [], 'what our store left in the directory');

  // 2. Apache (its default ConsumeQueue and IndexFile sizes) serves them, finds them by key, appends.
  const counts = countsByQueue(written);
  const rmq = await startApacheRocketMQ({ storeDir: dir });
  defer(() => rmq.stop());
  let appended: ProducedMessage[];
  let apacheView: ConsumedMessage[];
  try {
    apacheView = await runJavaConsumer({ namesrvAddr: rmq.namesrvAddr, topic, expect: WRITTEN.count });
    assertConsumedAsSent(apacheView, written, topic, 'Apache on what our store wrote');
    for (const sent of written) {
      const found = decodeStoredMessages(await queryMessageByKey(rmq.brokerAddr, topic, `${WRITTEN.keysPrefix}${sent.i}`));
      assert.ok(found.some((m) => m.properties['UNIQ_KEY'] === sent.msgId), `Apache's QUERY_MESSAGE for message ${sent.i}`);
    }
    appended = await produce(rmq.namesrvAddr, topic, [APPENDED]);
    assertContinued(appended, counts, 'Apache after our store');
  } catch (error) {
    const logs = rmq.logs.tail(20);
    await rmq.stop().catch(() => undefined);
    if (error instanceof Error) error.message += `\n${logs}`;
    throw error;
  }
  await rmq.stop();

  // 3. Our MessageStore reads all of it back.
  const all = [...written, ...appended];
  const reopened = await MessageStore.open({ storePathRootDir: dir, ...DEFAULT_SIZES });
  try {
    const records = await readAllThroughStore(reopened, topic, all, byIdx(apacheView));
    await lookUpEveryMessage(reopened, topic, all, records);
  } finally {
    await reopened.close();
  }
});
