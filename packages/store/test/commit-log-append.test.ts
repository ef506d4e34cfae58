import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  BLANK_MAGIC_CODE,
  bodyCrc,
  decodeStoredMessage,
  encodeProperties,
  MessageSysFlag,
  ResponseCode,
  storedMessageLength,
  tagsCode,
} from '@rocketmq-ts/protocol';
import {
  CommitLog,
  type DispatchRequest,
  MessageIllegalError,
  MessageTooLargeError,
  type PutMessageResult,
  SCHEDULE_TOPIC,
} from '@rocketmq-ts/store';
import { body, KiB, message, openLog, tempDir } from './fixtures/commit-log.ts';

const SEGMENT = 64 * KiB;

/** Reads every segment file and walks it like a Java reader would: records, then a BLANK marker. */
async function walkFiles(dir: string): Promise<{ offsets: number[]; blanks: { at: number; remaining: number }[]; end: number }> {
  const names = (await readdir(join(dir, 'commitlog'))).sort();
  const offsets: number[] = [];
  const blanks: { at: number; remaining: number }[] = [];
  let end = 0;
  for (const name of names) {
    const file = await readFile(join(dir, 'commitlog', name));
    assert.equal(file.length, SEGMENT, `${name} is preallocated to the segment size`);
    const start = Number(name);
    let at = 0;
    for (;;) {
      const size = file.readInt32BE(at);
      const magic = file.readInt32BE(at + 4);
      if (magic === BLANK_MAGIC_CODE) {
        assert.equal(size, SEGMENT - at, 'BLANK marker holds the remaining bytes of the file');
        blanks.push({ at: start + at, remaining: size });
        break;
      }
      if (size === 0) {
        end = start + at;
        break;
      }
      const record = decodeStoredMessage(file, at, { checkCRC: true });
      assert.equal(record.commitLogOffset, start + at);
      offsets.push(start + at);
      at += size;
      assert.ok(at + 8 <= SEGMENT, 'a record always leaves room for the BLANK marker');
    }
  }
  return { offsets, blanks, end };
}

describe('CommitLog append', () => {
  it('writes Apache-layout records and BLANK markers across many small segments', async (t) => {
    const dir = await tempDir(t);
    const log = await openLog(t, dir);
    const results: PutMessageResult[] = [];
    for (let i = 0; i < 300; i++) {
      results.push(await log.append(message({ body: body(100 + ((i * 37) % 900), i), queueId: i % 3 })));
    }
    await log.close();
    const { offsets, blanks, end } = await walkFiles(dir);
    assert.deepEqual(
      offsets,
      results.map((r) => r.record.commitLogOffset),
    );
    assert.ok(blanks.length >= 3, `crossed ${blanks.length} segment boundaries`);
    for (const blank of blanks) assert.equal((blank.at + blank.remaining) % SEGMENT, 0);
    const last = results.at(-1)!.record;
    assert.equal(end, last.commitLogOffset + last.size);
    assert.equal(log.maxOffset, end);
    // Each record after a BLANK starts its segment.
    for (const blank of blanks) assert.ok(offsets.includes(blank.at + blank.remaining));
  });

  it('assigns offsets, queue offsets and non-decreasing store timestamps; decodes back byte for byte', async (t) => {
    const dir = await tempDir(t);
    let clock = 1_000;
    const log = await openLog(t, dir, { now: () => (clock -= 3) }); // a clock going backwards
    const props = encodeProperties({ TAGS: 'TagB', KEYS: 'a b', UNIQ_KEY: 'ID1' });
    const r1 = await log.append(message({ topic: 'T1', queueId: 1, propertiesText: props, body: Buffer.from('one') }));
    const r2 = await log.append(message({ topic: 'T1', queueId: 1, body: Buffer.from('two') }));
    const r3 = await log.append(message({ topic: 'T1', queueId: 2, body: Buffer.from('three') }));
    const r4 = await log.append(message({ topic: 'T2', queueId: 1, body: Buffer.from('four') }));
    assert.deepEqual(
      [r1, r2, r3, r4].map((r) => [r.status, r.record.queueOffset]),
      [
        ['PUT_OK', 0],
        ['PUT_OK', 1],
        ['PUT_OK', 0],
        ['PUT_OK', 0],
      ],
    );
    assert.equal(r1.record.commitLogOffset, 0);
    assert.equal(r2.record.commitLogOffset, r1.record.size);
    assert.equal(r1.record.size, storedMessageLength(0, 3, 2, Buffer.byteLength(props)));
    const first = r1.record.storeTimestamp;
    assert.ok(first < 1000);
    assert.ok([r1, r2, r3, r4].every((r) => r.record.storeTimestamp === first), 'store time never goes back');
    assert.equal(r1.record.offsetMsgId, 'C0A8011400002A9F0000000000000000');
    assert.equal(log.queueOffsetOf('T1', 1), 2);

    const stored = await log.readRecord(r1.record.commitLogOffset);
    assert.ok(stored);
    assert.equal(stored.topic, 'T1');
    assert.equal(stored.queueId, 1);
    assert.equal(stored.queueOffset, 0);
    assert.equal(stored.storeTimestamp, first);
    assert.equal(stored.bodyCRC, bodyCrc(Buffer.from('one')));
    assert.equal(stored.propertiesText, props);
    assert.deepEqual(stored.bornHost, { address: '10.0.0.7', port: 53211 });
    assert.deepEqual(stored.storeHost, { address: '192.168.1.20', port: 10911 });
    const raw = await log.read(r2.record.commitLogOffset, r2.record.size);
    assert.equal(decodeStoredMessage(raw!, 0, { checkCRC: true }).body.toString(), 'two');
    assert.equal(await log.read(r4.record.commitLogOffset, r4.record.size + 1), undefined, 'no reads past the written end');
    assert.equal(await log.readRecord(log.maxOffset), undefined);
  });

  it('gives prepared and rollback records queue offset 0 without consuming one', async (t) => {
    const log = await openLog(t, await tempDir(t));
    const a = await log.append(message());
    const prepared = await log.append(message({ sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE }));
    const rollback = await log.append(message({ sysFlag: MessageSysFlag.TRANSACTION_ROLLBACK_TYPE, preparedTransactionOffset: 5 }));
    const commit = await log.append(message({ sysFlag: MessageSysFlag.TRANSACTION_COMMIT_TYPE, preparedTransactionOffset: 5 }));
    assert.deepEqual(
      [a, prepared, rollback, commit].map((r) => r.record.queueOffset),
      [0, 0, 0, 1],
    );
    assert.equal(log.queueOffsetOf('TopicTest', 0), 2);
    log.setQueueOffset('TopicTest', 0, 100);
    assert.equal((await log.append(message())).record.queueOffset, 100);
  });

  it('keeps a batch in one segment, contiguous, with consecutive queue offsets', async (t) => {
    const dir = await tempDir(t);
    const log = await openLog(t, dir);
    await log.append(message({ body: body(60 * KiB, 1) })); // leaves ~4 KiB in segment 0
    const batch = Array.from({ length: 10 }, (_, i) => message({ body: body(1000, i), queueId: 4 }));
    const result = await log.appendBatch(batch);
    assert.equal(result.status, 'PUT_OK');
    const offsets = result.records.map((r) => r.commitLogOffset);
    assert.equal(offsets[0], SEGMENT, 'the whole batch moved to the next segment');
    for (let i = 1; i < offsets.length; i++) assert.equal(offsets[i], offsets[i - 1]! + result.records[i - 1]!.size);
    assert.deepEqual(
      result.records.map((r) => r.queueOffset),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    await log.close();
    const walked = await walkFiles(dir);
    assert.equal(walked.blanks.length, 1);
    assert.equal(walked.offsets.length, 11);
  });

  it('keeps a consistent log under many concurrent appends and batches', async (t) => {
    const dir = await tempDir(t);
    const log = await openLog(t, dir);
    const seen: DispatchRequest[] = [];
    log.onDispatch((request) => seen.push(request));
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) {
      const queueId = i % 4;
      if (i % 50 === 0) work.push(log.appendBatch([message({ queueId, body: body(300, i) }), message({ queueId, body: body(200, -i) })]));
      else work.push(log.append(message({ queueId, body: body(50 + ((i * 131) % 2000), i) })));
    }
    await Promise.all(work);
    assert.ok(log.stats.writes < 2000, `${log.stats.writes} writes for 2040 records: appends were batched`);
    // Dispatch saw every record once, in log order, with gap-free queue offsets per queue.
    assert.equal(seen.length, 2040);
    const next = [0, 0, 0, 0];
    let previous = -1;
    for (const request of seen) {
      assert.ok(request.commitLogOffset > previous);
      previous = request.commitLogOffset;
      assert.equal(request.queueOffset, next[request.queueId]!++);
    }
    // A scan of the log finds the same records.
    const scanned: number[] = [];
    const outcome = await log.scan(0, (request) => void scanned.push(request.commitLogOffset), { checkCRC: true });
    assert.deepEqual(
      scanned,
      seen.map((r) => r.commitLogOffset),
    );
    assert.equal(outcome.end, log.maxOffset);
    assert.equal(outcome.stop, 'end');
  });

  it('dispatches tagsCode, keys, uniqKey, and the deliver time for delayed records', async (t) => {
    const log = await openLog(t, await tempDir(t), { now: () => 1_000_000, deliverTimeOf: (level, at) => at + level * 10 });
    const seen: DispatchRequest[] = [];
    log.onDispatch((request) => seen.push(request));
    await log.append(message());
    await log.append(message({ topic: SCHEDULE_TOPIC, queueId: 2, propertiesText: encodeProperties({ TAGS: 'X', DELAY: '3' }) }));
    await log.append(message({ propertiesText: '' }));
    assert.equal(seen[0]!.tagsCode, tagsCode('TagA'));
    assert.equal(seen[0]!.keys, 'k1 k2');
    assert.equal(seen[0]!.uniqKey, 'AC11000100002A9F0000000000000001');
    assert.equal(seen[1]!.tagsCode, 1_000_030);
    assert.equal(seen[2]!.tagsCode, 0);
    assert.equal(seen[2]!.keys, undefined);
    // scan() rebuilds the same dispatch info from the bytes.
    const scanned: DispatchRequest[] = [];
    await log.scan(0, (request) => void scanned.push(request));
    assert.deepEqual(scanned, seen);
  });

  it('refuses oversized messages, topics and properties with MESSAGE_ILLEGAL', async (t) => {
    const log = await openLog(t, await tempDir(t), { maxMessageSize: 4 * KiB });
    const tooBig = log.append(message({ body: Buffer.alloc(4 * KiB) }));
    await assert.rejects(tooBig, (error: unknown) => {
      assert.ok(error instanceof MessageTooLargeError);
      assert.equal(error.code, ResponseCode.MESSAGE_ILLEGAL);
      assert.match(error.message, /4\d{3} bytes .* limit of 4096 bytes.*maxMessageSize/);
      return true;
    });
    await assert.rejects(log.append(message({ topic: 'x'.repeat(128) })), (error: unknown) => error instanceof MessageIllegalError && /127/.test(error.message));
    await assert.rejects(log.append(message({ propertiesText: 'a\u0001' + 'b'.repeat(32767) + '\u0002' })), (error: unknown) => {
      return error instanceof MessageIllegalError && error.code === 13 && /32767/.test(error.message);
    });
    const big = await openLog(t, await tempDir(t), { maxMessageSize: 1024 * KiB });
    await assert.rejects(big.appendBatch([message({ body: Buffer.alloc(40 * KiB) }), message({ body: Buffer.alloc(40 * KiB) })]), /mappedFileSizeCommitLog/);
    assert.equal(log.maxOffset, 0, 'nothing was written');
    assert.equal((await log.append(message())).status, 'PUT_OK');
  });

  it('reopens after a clean close without dropping anything and appends after the end', async (t) => {
    const dir = await tempDir(t);
    const first = await openLog(t, dir);
    for (let i = 0; i < 200; i++) await first.append(message({ body: body(700, i) }));
    const end = first.maxOffset;
    await first.close();
    const second = await openLog(t, dir);
    assert.equal(second.recovery.mode, 'normal');
    assert.equal(second.recovery.end, end);
    assert.equal(second.recovery.droppedBytes, 0);
    assert.deepEqual(second.recovery.droppedSegments, []);
    assert.equal(second.maxOffset, end);
    const next = await second.append(message());
    assert.equal(next.record.commitLogOffset, end);
    assert.ok(second.minOffset === 0);
    await second.close();
    for (const name of await readdir(join(dir, 'commitlog'))) assert.equal((await stat(join(dir, 'commitlog', name))).size, SEGMENT);
  });

  it('refuses appends after close and rejects a wrong-size segment on open', async (t) => {
    const dir = await tempDir(t);
    const log = await openLog(t, dir);
    await log.append(message());
    await log.close();
    await assert.rejects(log.append(message()), (error: unknown) => (error as { code?: number }).code === ResponseCode.SERVICE_NOT_AVAILABLE);
    await assert.rejects(CommitLog.open({ storePathCommitLog: join(dir, 'commitlog'), mappedFileSizeCommitLog: 128 * KiB }), (error: unknown) => {
      const text = (error as Error).message;
      return text.includes('00000000000000000000') && text.includes('mappedFileSizeCommitLog') && text.includes('65536');
    });
  });
});
