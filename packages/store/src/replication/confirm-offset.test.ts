/**
 * The confirm offset (controller mode, Apache's CommitLog.getConfirmOffset bound on dispatch):
 * records past it are written and replicated but not in the consume queues, so a consumer
 * cannot read a record a failover may cut; they become readable when it advances, and a cut
 * (truncateTo) drops the held ones past it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { MessageStore, type MessageToStore, type StoredRecordInfo } from '@rocketmq-ts/store';
import { testMessage } from '../testing/test-message.ts';

const TOPIC = 'ConfirmT';

async function openStore(t: TestContext, maxHeldBackRecords?: number): Promise<{ store: MessageStore; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'rmq-confirm-'));
  const store = await MessageStore.open({ storePathRootDir: dir, mappedFileSizeCommitLog: 64 * 1024, mappedFileSizeConsumeQueue: 20 * 50, flushIntervalConsumeQueue: 50, maxHeldBackRecords });
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { store, dir };
}

const message = (body: string): MessageToStore => testMessage(TOPIC, 0, body, { KEYS: body });

async function put(store: MessageStore, body: string): Promise<StoredRecordInfo> {
  const result = await store.putMessage(message(body));
  assert.equal(result.status, 'PUT_OK');
  return result.records[0]!;
}

/** The bodies a consumer reads from queue 0, in order. */
async function readable(store: MessageStore): Promise<string[]> {
  const result = await store.getMessage('g', TOPIC, 0, 0, 32);
  return result.messages.map((record) => {
    const text = record.toString('latin1');
    const match = /m-\d+(-new)?/.exec(text);
    return match ? match[0] : '?';
  });
}

const end = (record: StoredRecordInfo): number => record.commitLogOffset + record.size;

describe('MessageStore.setConfirmOffset', () => {
  it('holds records past the confirm offset out of the consume queue and releases them in order as it advances', async (t) => {
    const { store } = await openStore(t);
    const first = await put(store, 'm-0');
    assert.equal(store.getMaxOffsetInQueue(TOPIC, 0), 1, 'no bound yet: dispatched at once');
    store.setConfirmOffset(end(first));
    const arrivals: number[] = [];
    store.onMessageArriving((_topic, _queueId, maxOffset) => arrivals.push(maxOffset));
    const records = [first];
    for (let i = 1; i < 5; i++) records.push(await put(store, `m-${i}`));
    assert.deepEqual(
      records.map((r) => r.queueOffset),
      [0, 1, 2, 3, 4],
      'queue offsets are assigned at write time',
    );
    assert.equal(store.getMaxOffsetInQueue(TOPIC, 0), 1);
    assert.deepEqual(await readable(store), ['m-0']);
    assert.equal(store.commitLog.maxOffset, end(records[4]!), 'the log has every record');
    assert.ok(await store.replicationSource().readRange(records[4]!.commitLogOffset, records[4]!.size), 'held records are replicated');
    assert.equal(store.runtimeInfo().dispatchBehindBytes, end(records[4]!) - records[1]!.commitLogOffset);
    assert.deepEqual(arrivals, []);

    // Inside a record: that record stays held.
    store.setConfirmOffset(end(records[2]!) + 1);
    assert.deepEqual(await readable(store), ['m-0', 'm-1', 'm-2']);
    assert.deepEqual(arrivals, [2, 3], 'long polls wake on release');

    // A new record behind held ones waits for them, even under the bound.
    store.setConfirmOffset(Number.POSITIVE_INFINITY);
    assert.deepEqual(await readable(store), ['m-0', 'm-1', 'm-2', 'm-3', 'm-4']);
    assert.equal(store.runtimeInfo().dispatchBehindBytes, 0);
    await put(store, 'm-5');
    assert.equal(store.getMaxOffsetInQueue(TOPIC, 0), 6);
  });

  it('truncateTo drops the held records after the cut and keeps those before it; queue offsets continue without a gap', async (t) => {
    const { store } = await openStore(t);
    const records = [await put(store, 'm-0')];
    store.setConfirmOffset(end(records[0]!));
    for (let i = 1; i < 5; i++) records.push(await put(store, `m-${i}`));
    // As a returning old master: its log agrees with the new master's up to the end of m-2.
    await store.truncateTo(end(records[2]!));
    store.setConfirmOffset(Number.POSITIVE_INFINITY);
    assert.equal(store.commitLog.maxOffset, end(records[2]!));
    assert.deepEqual(await readable(store), ['m-0', 'm-1', 'm-2']);
    const next = await put(store, 'm-3-new');
    assert.equal(next.queueOffset, 3);
    assert.deepEqual(await readable(store), ['m-0', 'm-1', 'm-2', 'm-3-new']);
  });

  it('a cut below every held record drops them all, and the confirm offset keeps holding later writes', async (t) => {
    const { store } = await openStore(t);
    const records = [await put(store, 'm-0'), await put(store, 'm-1')];
    store.setConfirmOffset(end(records[1]!));
    records.push(await put(store, 'm-2'));
    await store.truncateTo(end(records[1]!));
    assert.deepEqual(await readable(store), ['m-0', 'm-1']);
    const again = await put(store, 'm-2-new');
    assert.equal(again.queueOffset, 2);
    assert.deepEqual(await readable(store), ['m-0', 'm-1'], 'still past the confirm offset');
    store.setConfirmOffset(end(again));
    assert.deepEqual(await readable(store), ['m-0', 'm-1', 'm-2-new']);
  });

  it('refuses puts while maxHeldBackRecords records are held back (they are kept in memory), and takes them again once released', async (t) => {
    const { store } = await openStore(t, 3);
    store.setConfirmOffset(0);
    for (let i = 0; i < 3; i++) await put(store, `m-${i}`);
    const refused = await store.putMessage(message('m-3'));
    assert.equal(refused.status, 'SERVICE_NOT_AVAILABLE');
    assert.match(refused.remark ?? '', /3 records wait for the in-sync replicas/);
    store.setConfirmOffset(store.commitLog.maxOffset);
    await put(store, 'm-3');
    assert.deepEqual(await readable(store), ['m-0', 'm-1', 'm-2']);
  });
});
