/** The store facade end to end: put, dispatch, reads by queue, lookups, restart, retention. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeStoredMessage, tagsCode } from '@rocketmq-ts/protocol';
import { type MessageFilter, MessageStore, type MessageStoreOptions } from '@rocketmq-ts/store';
import { testMessage } from '@rocketmq-ts/store/internal';

/** A temp dir removed after the test, after every cleanup registered later (LIFO). */
async function tempDir(t: TestContext): Promise<{ dir: string; defer: (fn: () => Promise<unknown>) => void }> {
  const dir = await mkdtemp(join(tmpdir(), 'rmq-store-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  t.after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });
  return { dir, defer: (fn) => void cleanups.push(fn) };
}

const writerScript = fileURLToPath(new URL('./fixtures/store-writer.ts', import.meta.url));
const small: Partial<MessageStoreOptions> = { mappedFileSizeCommitLog: 64 * 1024, mappedFileSizeConsumeQueue: 20 * 50, flushIntervalConsumeQueue: 50 };
const tagFilter = (tag: string): MessageFilter => ({ isMatchedByConsumeQueue: (code) => code === tagsCode(tag) });

describe('MessageStore', () => {
  it('stores, dispatches and serves messages by queue with tag filtering', async (t) => {
    const { dir, defer } = await tempDir(t);
    const store = await MessageStore.open({ storePathRootDir: dir, ...small });
    defer(() => store.close());
    const arrivals: string[] = [];
    store.onMessageArriving((topic, queueId, maxOffset) => arrivals.push(`${topic}/${queueId}@${maxOffset}`));
    for (let i = 0; i < 300; i++) {
      const result = await store.putMessage(testMessage('T', i % 2, `m${i}`, { TAGS: i % 3 === 0 ? 'TagA' : 'TagB', KEYS: `k${i}` }));
      assert.equal(result.status, 'PUT_OK');
      assert.equal(result.records[0]!.queueOffset, Math.floor(i / 2));
    }
    assert.equal(store.getMaxOffsetInQueue('T', 0), 150);
    assert.equal(arrivals.at(-1), 'T/1@150');

    const all = await store.getMessage('g', 'T', 0, 0, 32);
    assert.equal(all.status, 'FOUND');
    assert.equal(all.messages.length, 32);
    assert.equal(all.nextBeginOffset, 32);
    assert.equal(decodeStoredMessage(all.messages[5]!).body.toString(), 'm10');

    const onlyA = await store.getMessage('g', 'T', 0, 0, 32, tagFilter('TagA'));
    assert.ok(onlyA.messages.every((m) => decodeStoredMessage(m).properties['TAGS'] === 'TagA'));

    assert.equal((await store.getMessage('g', 'T', 0, 150, 32)).status, 'OFFSET_OVERFLOW_ONE');
    assert.equal((await store.getMessage('g', 'T', 0, 151, 32)).status, 'OFFSET_OVERFLOW_BADLY');
    assert.equal((await store.getMessage('g', 'Nope', 0, 0, 32)).status, 'NO_MATCHED_LOGIC_QUEUE');
    const none = await store.getMessage('g', 'T', 0, 149, 32, tagFilter('TagC'));
    assert.equal(none.status, 'NO_MATCHED_MESSAGE');
    assert.equal(none.nextBeginOffset, 150);

    const byKey = await store.queryMessage('T', 'k7', 32, 0, Date.now() + 1000);
    assert.equal(byKey.messages.length, 1);
    assert.equal(decodeStoredMessage(byKey.messages[0]!).body.toString(), 'm7');
    const firstOffset = decodeStoredMessage(all.messages[0]!).commitLogOffset;
    assert.equal(decodeStoredMessage((await store.lookMessageByOffset(firstOffset))!).body.toString(), 'm0');
    assert.ok((await store.getEarliestMessageTime('T', 0)) > 0);
    assert.equal(await store.getOffsetInQueueByTime('T', 0, 0), 0);
    assert.equal(await store.getOffsetInQueueByTime('T', 0, Date.now() + 60_000), 149);
    assert.equal(await store.checkInMemByConsumeOffset('T', 0, 0), true);
  });

  it('survives a clean restart and a crash with queue offsets continuing', async (t) => {
    const { dir, defer } = await tempDir(t);
    const store = await MessageStore.open({ storePathRootDir: dir, ...small });
    for (let i = 0; i < 50; i++) await store.putMessage(testMessage('T', 0, `a${i}`));
    await store.close();
    const reopened = await MessageStore.open({ storePathRootDir: dir, ...small });
    assert.equal(reopened.getMaxOffsetInQueue('T', 0), 50);
    assert.equal((await reopened.putMessage(testMessage('T', 0, 'after-restart'))).records[0]!.queueOffset, 50);
    await reopened.close();

    // A crash: a child process appends 30 more, makes them durable, and is SIGKILLed; then the
    // consume queues are lost too. Recovery must rebuild them from the commit log.
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', writerScript, dir, '30', String(small.mappedFileSizeCommitLog), String(small.mappedFileSizeConsumeQueue)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    await rm(join(dir, 'consumequeue'), { recursive: true, force: true });

    const recovered = await MessageStore.open({ storePathRootDir: dir, ...small });
    defer(() => recovered.close());
    assert.equal(recovered.getMaxOffsetInQueue('T', 0), 81, 'consume queue rebuilt from the commit log');
    const last = await recovered.getMessage('g', 'T', 0, 80, 1);
    assert.equal(decodeStoredMessage(last.messages[0]!).body.toString(), 'c29');
    assert.equal((await recovered.queryMessage('T', 'ck7', 32, 0, Date.now() + 1000)).messages.length, 1, 'index rebuilt');
    assert.equal((await recovered.putMessage(testMessage('T', 0, 'next'))).records[0]!.queueOffset, 81);
  });

  it('deletes expired files at deleteWhen and refuses appends on a full disk', async (t) => {
    const { dir, defer } = await tempDir(t);
    let usedRatio = 0.5;
    let now = Date.now();
    const store = await MessageStore.open({
      storePathRootDir: dir,
      ...small,
      deleteWhen: String(new Date(now + 2 * 3_600_000).getHours()),
      fileReservedTime: 1,
      now: () => now,
      diskStats: async () => ({ usedRatio, total: 100, free: 100 * (1 - usedRatio) }),
    });
    defer(() => store.close());
    for (let i = 0; i < 200; i++) await store.putMessage(testMessage('T', 0, 'x'.repeat(900)));
    await store.commitLog.flush();
    const segments = store.commitLog.segmentFiles().length;
    assert.ok(segments >= 3);
    assert.deepEqual(await store.retention.runOnce(true), [], 'nothing has expired yet');
    now += 2 * 3_600_000;
    const deleted = await store.retention.runOnce();
    assert.equal(deleted.length, segments - 1, 'everything but the active segment');
    assert.ok(store.getMinOffsetInQueue('T', 0) > 0, 'the queue min offset advanced');
    const result = await store.getMessage('g', 'T', 0, 0, 4);
    assert.equal(result.status, 'OFFSET_TOO_SMALL');

    usedRatio = 0.95;
    await store.retention.runOnce();
    const refused = await store.putMessage(testMessage('T', 0, 'refused'));
    assert.equal(refused.status, 'SERVICE_NOT_AVAILABLE');
    assert.match(refused.remark!, /95.0 % full/);
    usedRatio = 0.5;
    await store.retention.runOnce();
    assert.equal((await store.putMessage(testMessage('T', 0, 'accepted'))).status, 'PUT_OK');
  });

  it('after a crash recovery reads from the checkpoint, not from the start of the store (issue 22)', async (t) => {
    const { dir, defer } = await tempDir(t);
    // 400 messages, a checkpoint, 40 more, SIGKILL.
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', writerScript, dir, '400', String(small.mappedFileSizeCommitLog), String(small.mappedFileSizeConsumeQueue), '40'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));

    const logged: { fields: Record<string, unknown>; message?: string }[] = [];
    const keep = (fields: object, message?: string): void => void logged.push({ fields: fields as Record<string, unknown>, message });
    const recovered = await MessageStore.open({ storePathRootDir: dir, ...small, logger: { debug: () => undefined, info: keep, warn: keep, error: keep } });
    defer(() => recovered.close());
    const report = recovered.commitLog.recovery;
    assert.equal(report.mode, 'abnormal');
    const perRecord = report.end / 440;
    assert.ok(report.scanFrom > 390 * perRecord && report.scanFrom < report.end, `scan from ${report.scanFrom} of ${report.end}: only what follows the checkpoint`);
    assert.equal(recovered.getMaxOffsetInQueue('T', 0), 440);
    const last = await recovered.getMessage('g', 'T', 0, 439, 1);
    assert.equal(decodeStoredMessage(last.messages[0]!).body.toString(), 'c439');
    // The index is rebuilt in the background; a query waits for it.
    assert.equal((await recovered.queryMessage('T', 'ck7', 32, 0, Date.now() + 1000)).messages.length, 1);
    assert.equal((await recovered.queryMessage('T', 'ck435', 32, 0, Date.now() + 1000)).messages.length, 1);
    // The index file was rolled back to the checkpoint, not deleted: only what followed it is indexed again.
    assert.ok(logged.some((line) => line.message === 'rolled the newest index file back to its last checkpoint'));
    const rebuilt = logged.find((line) => line.message === 'rebuilt the message index after recovery');
    assert.ok(rebuilt && Number(rebuilt.fields['records']) <= 40, `records indexed again: ${String(rebuilt?.fields['records'])} (of 440)`);
    assert.equal((await recovered.putMessage(testMessage('T', 0, 'next'))).records[0]!.queueOffset, 440);
  });

  it('keeps unexpired and unconsumed files on a nearly full disk unless cleanFileForciblyEnable (issue 22)', async (t) => {
    const { dir, defer } = await tempDir(t);
    let usedRatio = 0.5;
    let now = Date.now();
    const notNow = String((new Date(now).getHours() + 12) % 24);
    const open = (forcibly: boolean): Promise<MessageStore> =>
      MessageStore.open({
        storePathRootDir: dir,
        ...small,
        deleteWhen: notNow,
        fileReservedTime: 1,
        cleanFileForciblyEnable: forcibly,
        now: () => now,
        diskStats: async () => ({ usedRatio, total: 100, free: 100 * (1 - usedRatio) }),
      });
    let store = await open(false);
    for (let i = 0; i < 200; i++) assert.equal((await store.putMessage(testMessage('T', 0, 'x'.repeat(900)))).status, 'PUT_OK');
    await store.commitLog.flush();
    const segments = store.commitLog.segmentFiles();
    assert.ok(segments.length >= 3);

    // 87 %: over the force ratio, but every file is within fileReservedTime.
    usedRatio = 0.87;
    assert.deepEqual(await store.retention.runOnce(), [], 'recent files survive disk pressure');
    // 92 %: writes are refused with Apache's words, nothing is deleted.
    usedRatio = 0.92;
    assert.deepEqual(await store.retention.runOnce(), []);
    const refused = await store.putMessage(testMessage('T', 0, 'refused'));
    assert.equal(refused.status, 'SERVICE_NOT_AVAILABLE');
    assert.match(refused.remark!, /^service not available now, maybe disk full: .* 92\.0 % full/);
    assert.equal(store.getMinOffsetInQueue('T', 0), 0, 'every acknowledged message is still there');

    // Expired, but a group still needs the second file: only the first goes.
    now += 2 * 3_600_000;
    store.retention.setUnconsumedOffsetProbe(async () => segments[1]!.startOffset + 10);
    const deleted = await store.retention.runOnce();
    assert.deepEqual(deleted, [segments[0]!.file]);
    store.retention.setUnconsumedOffsetProbe(async () => Number.POSITIVE_INFINITY);
    assert.equal((await store.retention.runOnce()).length, segments.length - 2, 'consumed and expired: all but the active file');

    // Space returns: writes resume.
    usedRatio = 0.5;
    await store.retention.runOnce();
    assert.equal((await store.putMessage(testMessage('T', 0, 'accepted'))).status, 'PUT_OK');
    await store.close();

    // Apache's forced clean, opted into: unexpired files go above 85 %.
    now = Date.now();
    store = await open(true);
    defer(() => store.close());
    for (let i = 0; i < 200; i++) await store.putMessage(testMessage('T', 0, 'y'.repeat(900)));
    await store.commitLog.flush();
    usedRatio = 0.87;
    assert.ok((await store.retention.runOnce()).length > 0, 'forced clean deletes recent files');
  });

  it('reads a queue interleaved with others in few reads, across segment ends, with filters', async (t) => {
    const { dir, defer } = await tempDir(t);
    // 64 KiB segments: a pull's span of records regularly crosses a segment end.
    const store = await MessageStore.open({ storePathRootDir: dir, ...small });
    defer(() => store.close());
    const queues = 5;
    for (let i = 0; i < 2000; i++) {
      const result = await store.putMessage(testMessage('T', i % queues, `m${i}-${'x'.repeat(i % 97)}`, { TAGS: i % 7 === 0 ? 'TagA' : 'TagB' }));
      assert.equal(result.status, 'PUT_OK');
    }
    for (let queueId = 0; queueId < queues; queueId++) {
      let offset = 0;
      const bodies: string[] = [];
      while (offset < store.getMaxOffsetInQueue('T', queueId)) {
        const got = await store.getMessage('g', 'T', queueId, offset, 32);
        assert.equal(got.status, 'FOUND');
        assert.ok(got.messages.length <= 32);
        for (const record of got.messages) bodies.push(decodeStoredMessage(record).body.toString());
        offset = got.nextBeginOffset;
      }
      assert.deepEqual(
        bodies,
        Array.from({ length: 400 }, (_, n) => n * queues + queueId).map((i) => `m${i}-${'x'.repeat(i % 97)}`),
      );
      const tagged = await store.getMessage('g', 'T', queueId, 0, 32, tagFilter('TagA'));
      const expected = Array.from({ length: 400 }, (_, n) => n * queues + queueId).filter((i) => i % 7 === 0);
      assert.deepEqual(
        tagged.messages.map((record) => decodeStoredMessage(record).body.toString()),
        expected.slice(0, 32).map((i) => `m${i}-${'x'.repeat(i % 97)}`),
      );
    }
  });
});
