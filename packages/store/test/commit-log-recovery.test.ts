import assert from 'node:assert/strict';
import { open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { decodeStoredMessage, MessageSysFlag } from '@rocketmq-ts/protocol';
import { type CommitLogOptions, type PutMessageResult, StoreCheckpoint } from '@rocketmq-ts/store';
import { body, KiB, message, openLog, recordingLogger, tempDir } from './fixtures/commit-log.ts';

const SEGMENT = 64 * KiB;

/** Writes `count` records of ~1 KiB, closes the log, returns where they are. */
async function writeRecords(t: TestContext, dir: string, count: number, options: Partial<CommitLogOptions> = {}): Promise<PutMessageResult[]> {
  const log = await openLog(t, dir, options);
  const results: PutMessageResult[] = [];
  for (let i = 0; i < count; i++) results.push(await log.append(message({ body: body(1000, i) })));
  await log.close();
  return results;
}

function segmentFile(dir: string, offset: number): string {
  return join(dir, 'commitlog', String(offset - (offset % SEGMENT)).padStart(20, '0'));
}

/** Overwrites bytes at a commit-log offset. */
async function patch(dir: string, offset: number, bytes: Buffer): Promise<void> {
  const handle = await open(segmentFile(dir, offset), 'r+');
  await handle.write(bytes, 0, bytes.length, offset % SEGMENT);
  await handle.close();
}

async function bytesAt(dir: string, offset: number, length: number): Promise<Buffer> {
  const file = await readFile(segmentFile(dir, offset));
  return file.subarray(offset % SEGMENT, (offset % SEGMENT) + length);
}

describe('CommitLog recovery', () => {
  it('drops a tail record whose bytes were flipped, says so, and zeroes what it dropped', async (t) => {
    const dir = await tempDir(t);
    const records = await writeRecords(t, dir, 100);
    const tail = records.at(-1)!.record;
    await patch(dir, tail.commitLogOffset + 200, Buffer.from([0xde, 0xad]));
    const logger = recordingLogger();
    const log = await openLog(t, dir, { logger });
    assert.equal(log.recovery.end, tail.commitLogOffset);
    assert.equal(log.recovery.droppedFrom, tail.commitLogOffset);
    assert.equal(log.recovery.droppedBytes, tail.size);
    assert.equal(log.recovery.reason, 'body CRC mismatch');
    assert.equal(log.maxOffset, tail.commitLogOffset);
    const warning = logger.entries.find((entry) => entry.level === 'warn');
    assert.match(warning?.message ?? '', new RegExp(`dropped ${tail.size} bytes from offset ${tail.commitLogOffset} \\(body CRC mismatch\\)`));
    assert.ok((await bytesAt(dir, tail.commitLogOffset, tail.size)).every((byte) => byte === 0));
    assert.equal((await log.append(message())).record.commitLogOffset, tail.commitLogOffset);
  });

  it('drops a record cut in the middle (torn write) and keeps every whole one', async (t) => {
    const dir = await tempDir(t);
    const records = await writeRecords(t, dir, 30);
    const tail = records.at(-1)!.record;
    const half = tail.size >> 1;
    await patch(dir, tail.commitLogOffset + half, Buffer.alloc(tail.size - half)); // only the first half reached the disk
    const log = await openLog(t, dir, { abnormalRecovery: true });
    assert.equal(log.recovery.mode, 'abnormal');
    assert.equal(log.recovery.end, tail.commitLogOffset);
    assert.ok(log.recovery.droppedBytes > 0 && log.recovery.droppedBytes <= half, `dropped ${log.recovery.droppedBytes}`);
    let count = 0;
    const outcome = await log.scan(0, () => void count++, { checkCRC: true });
    assert.equal(count, 29);
    assert.equal(outcome.end, log.maxOffset);
  });

  it('a partial record header after the last record is dropped too', async (t) => {
    const dir = await tempDir(t);
    const records = await writeRecords(t, dir, 5);
    const end = records.at(-1)!.record.commitLogOffset + records.at(-1)!.record.size;
    await patch(dir, end, Buffer.from([0, 0, 4, 0, 0xda, 0xa3])); // 6 bytes of a header
    const log = await openLog(t, dir);
    assert.equal(log.recovery.end, end);
    assert.equal(log.recovery.droppedBytes, 6);
  });

  it('damage in a middle segment: keeps the log up to it, deletes everything after, and reports it', async (t) => {
    const dir = await tempDir(t);
    const records = await writeRecords(t, dir, 300); // ~5 segments
    const names = (await readdir(join(dir, 'commitlog'))).sort();
    assert.ok(names.length >= 5);
    const victim = records.find((r) => r.record.commitLogOffset > 2 * SEGMENT + 10 * KiB)!.record;
    await patch(dir, victim.commitLogOffset + 4, Buffer.from([0, 0, 0, 1])); // magic code
    const logger = recordingLogger();
    const log = await openLog(t, dir, { abnormalRecovery: true, logger });
    const report = log.recovery;
    assert.equal(report.end, victim.commitLogOffset);
    assert.equal(report.reason, 'not a record (bad magic code)');
    assert.deepEqual(report.droppedSegments, names.slice(3));
    const lastEnd = records.at(-1)!.record.commitLogOffset + records.at(-1)!.record.size;
    const blanks = names.length - 3; // BLANK markers (8 bytes each) written at the end of segments 2, 3, …
    const keptInSegment2 = victim.commitLogOffset - 2 * SEGMENT;
    assert.ok(report.droppedBytes >= lastEnd - victim.commitLogOffset - blanks * 8 - (SEGMENT - keptInSegment2));
    assert.deepEqual((await readdir(join(dir, 'commitlog'))).sort(), names.slice(0, 3));
    assert.ok(logger.entries.some((entry) => entry.level === 'warn' && entry.message?.includes(`deleted segments ${names.slice(3).join(', ')}`)));
    assert.equal(log.maxOffset, victim.commitLogOffset);
    const next = await log.append(message({ body: body(1000, 9999) }));
    assert.equal(next.record.commitLogOffset, victim.commitLogOffset);
  });

  it('normal recovery checks only the last three segments (as Java does)', async (t) => {
    const dir = await tempDir(t);
    const records = await writeRecords(t, dir, 300);
    const early = records.find((r) => r.record.commitLogOffset > 10 * KiB)!.record;
    await patch(dir, early.commitLogOffset + 4, Buffer.from([0, 0, 0, 1]));
    const log = await openLog(t, dir);
    assert.equal(log.recovery.scanFrom, ((await readdir(join(dir, 'commitlog'))).length - 3) * SEGMENT);
    assert.equal(log.recovery.droppedBytes, 0);
    const normal = log.maxOffset;
    await log.close();
    const abnormal = await openLog(t, dir, { abnormalRecovery: true });
    assert.equal(abnormal.recovery.scanFrom, 0, 'no checkpoint: abnormal recovery starts at the first segment');
    assert.equal(abnormal.recovery.end, early.commitLogOffset);
    assert.ok(normal > early.commitLogOffset);
  });

  it('abnormal recovery starts at the newest segment whose first record is older than the checkpoint', async (t) => {
    const dir = await tempDir(t);
    let clock = 1_000_000;
    const records = await writeRecords(t, dir, 300, { now: () => (clock += 100) });
    const checkpoint = await StoreCheckpoint.open(join(dir, 'checkpoint'));
    t.after(() => checkpoint.close());
    // The first record of segment 3 was stored at T; checkpoint min = min(physic, logics) − 3 s.
    const firstOfSegment3 = records.find((r) => r.record.commitLogOffset === 3 * SEGMENT)!.record;
    checkpoint.physicMsgTimestamp = firstOfSegment3.storeTimestamp + 3000;
    checkpoint.logicsMsgTimestamp = firstOfSegment3.storeTimestamp + 5000;
    await checkpoint.flush();
    const reread = await StoreCheckpoint.open(join(dir, 'checkpoint'));
    t.after(() => reread.close());
    assert.equal(reread.minTimestamp(), firstOfSegment3.storeTimestamp);
    const log = await openLog(t, dir, { abnormalRecovery: true, checkpoint: reread });
    assert.equal(log.recovery.scanFrom, 3 * SEGMENT);
    assert.equal(log.recovery.droppedBytes, 0);
    reread.physicMsgTimestamp = firstOfSegment3.storeTimestamp + 2999;
    assert.equal(reread.minTimestamp(), firstOfSegment3.storeTimestamp - 1);
  });

  it('rejects a valid-looking record at the wrong position (PHYSICALOFFSET check)', async (t) => {
    const dir = await tempDir(t);
    const records = await writeRecords(t, dir, 3);
    const [first, , third] = records.map((r) => r.record);
    // Copy record 1 over record 3: the bytes are a valid record, but not of this position.
    await patch(dir, third!.commitLogOffset, await bytesAt(dir, first!.commitLogOffset, first!.size));
    const log = await openLog(t, dir);
    assert.equal(log.recovery.end, third!.commitLogOffset);
    assert.match(log.recovery.reason, /PHYSICALOFFSET/);
  });

  it('never resurrects records dropped by recovery', async (t) => {
    const dir = await tempDir(t);
    const records = await writeRecords(t, dir, 20);
    const victim = records[10]!.record;
    await patch(dir, victim.commitLogOffset + 100, Buffer.from([1, 2, 3]));
    const log = await openLog(t, dir);
    assert.equal(log.recovery.end, victim.commitLogOffset);
    // Same size as the damaged record: were the old bytes still there, records 11… would be valid again.
    const again = await log.append(message({ body: body(1000, 10) }));
    assert.equal(again.record.size, victim.size);
    await log.close();
    const reopened = await openLog(t, dir, { abnormalRecovery: true });
    assert.equal(reopened.maxOffset, again.record.commitLogOffset + again.record.size);
    assert.equal(reopened.recovery.droppedBytes, 0);
  });

  it('recovers IPv6 hosts and reads a record at the end of a segment followed by a BLANK', async (t) => {
    const dir = await tempDir(t);
    const log = await openLog(t, dir);
    const v6 = await log.append(message({ bornHost: { address: '::1', port: 1 }, storeHost: { address: 'fe80::2', port: 10911 } }));
    assert.equal(v6.record.sysFlag & (MessageSysFlag.BORNHOST_V6 | MessageSysFlag.STOREHOSTADDRESS_V6), 0x30);
    let last = v6;
    while (last.record.commitLogOffset < SEGMENT) last = await log.append(message({ body: body(3000, last.record.queueOffset) }));
    await log.close();
    const reopened = await openLog(t, dir, { abnormalRecovery: true });
    assert.equal(reopened.maxOffset, last.record.commitLogOffset + last.record.size);
    const stored = await reopened.readRecord(v6.record.commitLogOffset);
    assert.deepEqual(stored?.storeHost, { address: 'fe80:0:0:0:0:0:0:2', port: 10911 });
    const raw = await bytesAt(dir, v6.record.commitLogOffset, v6.record.size);
    assert.equal(decodeStoredMessage(raw, 0, { checkCRC: true }).bornHost.address, '0:0:0:0:0:0:0:1');
  });

  it('finishes a tail zeroing interrupted by a crash (short last segment + marker)', async (t) => {
    const dir = await tempDir(t);
    const records = await writeRecords(t, dir, 10);
    const end = records.at(-1)!.record.commitLogOffset + records.at(-1)!.record.size;
    const handle = await open(segmentFile(dir, 0), 'r+');
    await handle.truncate(end); // the crash hit between the shrink and the re-extension
    await handle.close();
    await writeFile(join(dir, 'commitlog.zero-tail'), `00000000000000000000 ${end}\n`);
    const log = await openLog(t, dir);
    assert.equal(log.maxOffset, end);
    assert.equal(log.recovery.droppedBytes, 0);
  });
});
