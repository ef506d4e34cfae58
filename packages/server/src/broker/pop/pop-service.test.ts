/**
 * POP on a real store with an injected clock: invisible time, ack, change of invisible time,
 * redelivery with attempt counts, dead-lettering after the last attempt, FIFO queues kept in
 * order, committed offsets, and the state read back from pop.log as a kill -9 leaves it
 * (the log is reopened without closing the first one).
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { encodeProperties, type StoredMessage } from '@rocketmq-ts/protocol';
import { ConsumerOffsetManager, MessageStore, type MessageToStore } from '@rocketmq-ts/store';
import { PopLog } from './pop-log.ts';
import { PopService } from './pop-service.ts';
import { decodeRecord, encodeRecord, type PopRecord } from './pop-state.ts';

const TOPIC = 'PopTopic';
const GROUP = 'PopGroup';

async function setup(t: TestContext, maxAttempts = 3, wrap: (store: MessageStore) => MessageStore = (s) => s) {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-pop-'));
  const store = await MessageStore.open({ storePathRootDir: dir, mappedFileSizeCommitLog: 16 * 1024 * 1024, messageIndexEnable: false });
  const offsets = await ConsumerOffsetManager.load(join(dir, 'config', 'consumerOffset.json'));
  const clock = { ms: 1_000_000 };
  const dead: StoredMessage[] = [];
  const logs: PopLog[] = [];
  const open = (): PopService => {
    const log = PopLog.open(join(dir, 'pop'));
    logs.push(log);
    return new PopService({ store: wrap(store), offsets, log, maxAttempts: () => maxAttempts, deadLetter: async (_g, m) => void dead.push(m), now: () => clock.ms });
  };
  t.after(async () => {
    for (const log of logs) log.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, store, offsets, clock, dead, open };
}

async function put(store: MessageStore, queueId: number, body: string, properties: Record<string, string> = {}): Promise<void> {
  const message: MessageToStore = {
    topic: TOPIC,
    queueId,
    flag: 0,
    body: Buffer.from(body),
    propertiesText: encodeProperties(properties),
    properties,
    sysFlag: 0,
    bornTimestamp: 1,
    bornHost: { address: '127.0.0.1', port: 1 },
    storeHost: { address: '127.0.0.1', port: 2 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    waitStoreMsgOK: false,
  };
  assert.equal((await store.putMessage(message)).status, 'PUT_OK');
}

async function dispatched(store: MessageStore, queueId: number, count: number): Promise<void> {
  while (store.getMaxOffsetInQueue(TOPIC, queueId) < count) await new Promise((r) => setTimeout(r, 5));
}

const bodies = (popped: { message: StoredMessage }[]): string[] => popped.map((p) => p.message.body.toString());
const request = { group: GROUP, topic: TOPIC, queueIds: [0], maxCount: 10, invisibleMs: 10_000, fifo: false };

it('records survive encoding; a torn or malformed line is skipped', () => {
  const records: PopRecord[] = [
    { kind: 'next', group: 'g', topic: 't', queueId: 3, next: 42 },
    { kind: 'put', group: 'g', topic: '%RETRY%g', queueId: 0, entry: { offset: 7, visibleAt: 1_700_000_000_000, attempt: 2, handle: 1_700_000_000_001 } },
    { kind: 'ack', group: 'g', topic: 't', queueId: 1, offset: 9 },
  ];
  for (const record of records) assert.deepEqual(decodeRecord(encodeRecord(record).trimEnd()), record);
  assert.equal(decodeRecord('P g t 0 7 17000'), undefined);
  assert.equal(decodeRecord('X g t 0 1'), undefined);
});

it('hides a popped message for its invisible time, then delivers it again with the next attempt', async (t) => {
  const { store, clock, offsets, open } = await setup(t);
  const pop = open();
  for (const body of ['a', 'b', 'c']) await put(store, 0, body);
  await dispatched(store, 0, 3);

  const first = await pop.pop(request);
  assert.deepEqual(bodies(first), ['a', 'b', 'c']);
  assert.deepEqual(first.map((p) => p.attempt), [1, 1, 1]);
  assert.deepEqual(await pop.pop(request), []);

  assert.equal(pop.ack(GROUP, TOPIC, first[0]!.receiptHandle), 'OK');
  assert.equal(pop.ack(GROUP, TOPIC, first[0]!.receiptHandle), 'OK', 'acking twice is harmless');
  assert.equal(offsets.queryOffset(GROUP, TOPIC, 0), 1, 'committed offset: the lowest unacked');

  clock.ms += 10_000;
  const again = await pop.pop(request);
  assert.deepEqual(bodies(again), ['b', 'c']);
  assert.deepEqual(again.map((p) => p.attempt), [2, 2]);
  assert.equal(pop.ack(GROUP, TOPIC, first[1]!.receiptHandle), 'INVALID_RECEIPT_HANDLE', 'the first delivery\'s handle is stale');
  for (const p of again) assert.equal(pop.ack(GROUP, TOPIC, p.receiptHandle), 'OK');
  assert.equal(offsets.queryOffset(GROUP, TOPIC, 0), 3);
  clock.ms += 60_000;
  assert.deepEqual(await pop.pop(request), [], 'nothing acked comes back');
});

it('changes the invisible time and answers a new receipt handle', async (t) => {
  const { store, clock, open } = await setup(t);
  const pop = open();
  await put(store, 0, 'x');
  await dispatched(store, 0, 1);
  const [first] = await pop.pop(request);
  const handle = pop.changeInvisibleTime(GROUP, TOPIC, first!.receiptHandle, 30_000);
  assert.ok(handle && handle !== first!.receiptHandle);
  assert.equal(pop.changeInvisibleTime(GROUP, TOPIC, first!.receiptHandle, 1000), undefined, 'the old handle no longer works');
  clock.ms += 10_000;
  assert.deepEqual(await pop.pop(request), [], 'still invisible after the original 10 s');
  clock.ms += 20_000;
  const [back] = await pop.pop(request);
  assert.equal(back?.attempt, 2);
});

it('dead-letters a message delivered maxAttempts times and never acked', async (t) => {
  const { store, clock, dead, open } = await setup(t, 2);
  const pop = open();
  await put(store, 0, 'poison');
  await dispatched(store, 0, 1);
  assert.equal((await pop.pop(request)).length, 1);
  clock.ms += 10_000;
  assert.equal((await pop.pop(request))[0]?.attempt, 2);
  clock.ms += 10_000;
  assert.deepEqual(await pop.pop(request), []);
  assert.deepEqual(bodies(dead.map((message) => ({ message }))), ['poison']);
  assert.equal(pop.inflightCount(GROUP, TOPIC, 0), 0);
});

it('keeps a FIFO queue in order: nothing new while a message is out, redelivery first', async (t) => {
  const { store, clock, open } = await setup(t);
  const pop = open();
  for (const body of ['1', '2', '3', '4']) await put(store, 0, body, { __SHARDINGKEY: 'g1' });
  await dispatched(store, 0, 4);
  const fifo = { ...request, fifo: true, maxCount: 2 };
  const first = await pop.pop(fifo);
  assert.deepEqual(bodies(first), ['1', '2']);
  assert.deepEqual(await pop.pop(fifo), [], 'blocked while 1 and 2 are out');
  assert.equal(pop.ack(GROUP, TOPIC, first[0]!.receiptHandle), 'OK');
  assert.deepEqual(await pop.pop(fifo), [], 'still blocked: 2 is out');
  clock.ms += 10_000;
  const retry = await pop.pop(fifo);
  assert.deepEqual(bodies(retry), ['2'], 'the unacked message comes back before anything newer');
  assert.equal(pop.ack(GROUP, TOPIC, retry[0]!.receiptHandle), 'OK');
  assert.deepEqual(bodies(await pop.pop(fifo)), ['3', '4']);
});

it('reads its state back after a kill -9: acked stays acked, unacked comes back', async (t) => {
  const { dir, store, clock, open } = await setup(t);
  const before = open();
  for (const body of ['p', 'q', 'r']) await put(store, 0, body);
  await dispatched(store, 0, 3);
  const popped = await before.pop(request);
  assert.equal(before.ack(GROUP, TOPIC, popped[1]!.receiptHandle), 'OK');
  // What a crash mid-write leaves: a torn last line.
  appendFileSync(join(dir, 'pop', 'pop.log'), 'P PopGroup PopTopic 0 2 17');

  const after = open();
  assert.deepEqual(await after.pop(request), [], 'still invisible after the restart');
  clock.ms += 10_000;
  const back = await after.pop(request);
  assert.deepEqual(bodies(back), ['p', 'r']);
  assert.deepEqual(back.map((p) => p.attempt), [2, 2]);
  await put(store, 0, 's');
  await dispatched(store, 0, 4);
  assert.deepEqual(bodies(await after.pop(request)), ['s'], 'the next offset survived too');
});

it('dead-letters at once when the client gives up, and counts the message as acked', async (t) => {
  const { store, clock, dead, open } = await setup(t);
  const pop = open();
  await put(store, 0, 'give-up');
  await dispatched(store, 0, 1);
  const [popped] = await pop.pop(request);
  assert.equal(await pop.deadLetter(GROUP, TOPIC, popped!.receiptHandle), 'OK');
  assert.deepEqual(bodies(dead.map((message) => ({ message }))), ['give-up']);
  clock.ms += 60_000;
  assert.deepEqual(await pop.pop(request), []);
});

it('never hands one message to two concurrent pops of the same queue', async (t) => {
  const { store, offsets, open } = await setup(t);
  const pop = open();
  for (let i = 0; i < 60; i++) await put(store, 0, `m${i}`);
  await put(store, 1, 'other');
  await dispatched(store, 0, 60);
  await dispatched(store, 1, 1);
  // As a v5 SimpleConsumer with many receives in flight: every pop starts before any finishes.
  const rounds = await Promise.all(Array.from({ length: 25 }, (_, i) => pop.pop({ ...request, queueIds: i % 5 === 0 ? [1, 0] : [0], maxCount: 3 })));
  const seen = rounds.flat().map((p) => `${p.queueId}:${p.queueOffset}`);
  assert.equal(new Set(seen).size, seen.length, `delivered twice: ${seen.filter((k, i) => seen.indexOf(k) !== i).join(', ')}`);
  assert.equal(seen.length, 61, 'all 60 + 1 messages handed out once');
  assert.equal(pop.inflightCount(GROUP, TOPIC, 0), 60);
  assert.equal(offsets.queryOffset(GROUP, TOPIC, 0), 0, 'nothing acked yet');
});

it('never redelivers an expired message twice to concurrent pops, nor one acked while a pop reads it', async (t) => {
  let onRead: (() => void) | undefined;
  const { store, clock, open } = await setup(t, 3, (real) => {
    const wrapped = Object.create(real) as MessageStore;
    wrapped.lookMessageByOffset = async (offset: number) => {
      const hook = onRead;
      onRead = undefined;
      hook?.();
      return real.lookMessageByOffset(offset);
    };
    return wrapped;
  });
  const pop = open();
  for (const body of ['a', 'b']) await put(store, 0, body);
  await dispatched(store, 0, 2);
  const first = await pop.pop(request);
  assert.deepEqual(bodies(first), ['a', 'b']);
  clock.ms += 10_000;

  // 'a' is acked (late, but with its current handle) while a pop is reading it for redelivery.
  onRead = () => assert.equal(pop.ack(GROUP, TOPIC, first[0]!.receiptHandle), 'OK');
  const rounds = await Promise.all(Array.from({ length: 8 }, () => pop.pop(request)));
  assert.deepEqual(rounds.flat().map((p) => p.message.body.toString()), ['b'], 'b once, a never: it was acked');
  clock.ms += 60_000;
  assert.deepEqual(bodies(await pop.pop(request)), ['b'], 'only b is still unacked');
});

it('a receiver whose pop found nothing wakes at once for an arrival that came while it popped', async (t) => {
  const { open } = await setup(t);
  const pop = await open();
  const seen = pop.arrivalCount(TOPIC);
  assert.deepEqual(await pop.pop(request), []);
  pop.notifyArrival(TOPIC); // came while the empty pop was reading, before the receiver waits
  const started = Date.now();
  await pop.waitForArrival(TOPIC, 5_000, seen);
  assert.ok(Date.now() - started < 1_000, 'did not wait out the poll timer');
  // Without an arrival since, it waits for the next one.
  const waiting = pop.waitForArrival(TOPIC, 5_000, pop.arrivalCount(TOPIC));
  setTimeout(() => pop.notifyArrival(TOPIC), 50);
  await waiting;
  assert.ok(Date.now() - started < 1_000);
});
