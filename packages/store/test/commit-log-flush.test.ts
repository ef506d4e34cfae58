import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ResponseCode } from '@rocketmq-ts/protocol';
import { CommitLog, DiskFullError, StoreCheckpoint } from '@rocketmq-ts/store';
import { body, KiB, message, openLog, tempDir } from './fixtures/commit-log.ts';

describe('CommitLog flush', () => {
  it('SYNC_FLUSH: group commit makes many concurrent appends durable with few datasyncs', async (t) => {
    let datasyncs = 0;
    let dirtyTotal = 0;
    const log = await openLog(t, await tempDir(t), {
      flushDiskType: 'SYNC_FLUSH',
      io: {
        async datasync(handle, _file, dirtyBytes) {
          datasyncs++;
          dirtyTotal += dirtyBytes;
          await sleep(10);
          await handle.datasync();
        },
      },
    });
    const results = await Promise.all(Array.from({ length: 400 }, (_, i) => log.append(message({ body: body(200, i) }))));
    assert.ok(results.every((r) => r.status === 'PUT_OK'));
    assert.ok(datasyncs <= 20, `${datasyncs} datasyncs for 400 appends`);
    assert.equal(log.flushedOffset, log.maxOffset);
    assert.equal(dirtyTotal, log.maxOffset, 'each datasync is told how many bytes it makes durable');
    assert.ok(log.stats.syncs >= 1 && log.stats.syncs <= datasyncs, "a round datasyncs each segment it touches");
  });

  it('SYNC_FLUSH writes zeros ahead of the data (allocated blocks for the datasyncs sends wait for); ASYNC_FLUSH does not', async (t) => {
    const MiB = 1024 * KiB;
    for (const flushDiskType of ['SYNC_FLUSH', 'ASYNC_FLUSH'] as const) {
      const dir = await tempDir(t);
      const zeroWrites: { position: number; length: number }[] = [];
      const options = { flushDiskType, mappedFileSizeCommitLog: 4 * MiB } as const;
      const log = await openLog(t, dir, {
        ...options,
        io: {
          async write(handle, buffer, offset, length, position) {
            if (!buffer.subarray(offset, offset + length).some((byte) => byte !== 0)) zeroWrites.push({ position, length });
            return (await handle.write(buffer, offset, length, position)).bytesWritten;
          },
        },
      });
      const appended = [];
      for (let wave = 0; wave < 4; wave++) {
        appended.push(...(await Promise.all(Array.from({ length: 500 }, (_, i) => log.append(message({ body: body(1000 + ((wave * 500 + i) % 2000), wave * 500 + i) }))))));
      }
      assert.ok(log.maxOffset > 4 * MiB, 'the appends filled the first segment');
      await log.flush();
      const [first, second] = log.segmentFiles();
      assert.ok(first && second);
      if (flushDiskType === 'ASYNC_FLUSH') {
        assert.deepEqual(zeroWrites, [], 'no zeros written under ASYNC_FLUSH');
      } else {
        assert.ok(zeroWrites.length >= 4, `zero writes: ${JSON.stringify(zeroWrites)}`);
        assert.ok(zeroWrites.every((write) => write.length <= MiB && write.position + write.length <= 4 * MiB));
        // The first segment is written to its end; the second holds its data and up to 2 MiB of zeros after it.
        assert.ok((await stat(first.file)).blocks * 512 >= 4 * MiB, 'the first segment is fully allocated');
        const dataInSecond = log.maxOffset - second.startOffset;
        const allocated = (await stat(second.file)).blocks * 512;
        assert.ok(allocated >= dataInSecond + MiB && allocated <= dataInSecond + 2 * MiB + 64 * KiB, `${allocated} bytes allocated for ${dataInSecond} of data`);
      }
      for (const [i, result] of appended.entries()) {
        const stored = await log.readRecord(result.record.commitLogOffset);
        assert.ok(stored?.body.equals(body(1000 + (i % 2000), i)), `record ${i} reads back`);
      }
      await log.close();
      const reopened = await CommitLog.open({ storePathCommitLog: join(dir, 'commitlog'), ...options });
      t.after(() => reopened.close());
      assert.equal(reopened.maxOffset, log.maxOffset, `${flushDiskType}: recovery ends where the data ends`);
      assert.equal(reopened.recovery.droppedBytes, 0);
    }
  });

  it('a background flush (ASYNC_FLUSH) never datasyncs on the event loop; a flush sends wait for (SYNC_FLUSH) may', async (t) => {
    // Issue 22, item 7: an inline fdatasync on a busy disk held the event loop (and every
    // client's round trip) for 132 ms; under ASYNC_FLUSH nobody waits for it.
    for (const flushDiskType of ['ASYNC_FLUSH', 'SYNC_FLUSH'] as const) {
      const seen: (boolean | undefined)[] = [];
      const log = await openLog(t, await tempDir(t), {
        flushDiskType,
        io: {
          async datasync(handle, _file, _dirtyBytes, background) {
            seen.push(background);
            await handle.datasync();
          },
        },
      });
      await log.append(message());
      await log.flush();
      assert.ok(seen.length >= 1, `${flushDiskType}: the flush datasynced`);
      assert.ok(seen.every((background) => background === (flushDiskType === 'ASYNC_FLUSH')), `${flushDiskType}: background flags ${JSON.stringify(seen)}`);
    }
  });

  it('SYNC_FLUSH: an append not durable within syncFlushTimeout reports FLUSH_DISK_TIMEOUT and stays stored', async (t) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const log = await openLog(t, await tempDir(t), {
      flushDiskType: 'SYNC_FLUSH',
      syncFlushTimeout: 100,
      io: {
        async datasync(handle) {
          await gate;
          await handle.datasync();
        },
      },
    });
    const started = Date.now();
    const [slow, noWait] = await Promise.all([log.append(message()), log.append(message({ waitStoreMsgOK: false }))]);
    const waited = Date.now() - started;
    assert.equal(noWait.status, 'PUT_OK', 'WAIT=false does not wait for the disk');
    assert.equal(slow.status, 'FLUSH_DISK_TIMEOUT');
    assert.ok(waited >= 90 && waited < 2000, `resolved after ${waited} ms`);
    assert.equal(ResponseCode.FLUSH_DISK_TIMEOUT, 10);
    const stored = await log.readRecord(slow.record.commitLogOffset);
    assert.equal(stored?.body.toString(), 'hello');
    assert.equal(log.flushedOffset, 0);
    release();
    await log.flush();
    assert.equal(log.flushedOffset, log.maxOffset);
  });

  it('ASYNC_FLUSH: appends resolve once written; the background flusher catches up and moves the checkpoint', async (t) => {
    const dir = await tempDir(t);
    const checkpoint = await StoreCheckpoint.open(join(dir, 'checkpoint'));
    t.after(() => checkpoint.close());
    let datasyncs = 0;
    const log = await openLog(t, dir, {
      flushIntervalCommitLog: 20,
      checkpoint,
      now: () => 1_700_000_000_000,
      io: {
        datasync(handle) {
          datasyncs++;
          return handle.datasync();
        },
      },
    });
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(message({ body: body(500, i) }))));
    assert.equal(log.maxOffset > 16 * KiB, true);
    // The flusher may run mid-way through the appends; what it leaves is under flushCommitLogLeastPages
    // (4 pages), which waits for the thorough interval (never, with this clock).
    const leastBytes = 4 * 4 * KiB;
    for (let i = 0; i < 100 && log.maxOffset - log.flushedOffset >= leastBytes; i++) await sleep(10);
    assert.ok(log.maxOffset - log.flushedOffset < leastBytes, `flushed ${log.flushedOffset} of ${log.maxOffset}`);
    assert.ok(datasyncs >= 1);
    assert.equal(checkpoint.physicMsgTimestamp, 1_700_000_000_000);
    // Less than flushCommitLogLeastPages (4 pages) dirty: no flush before the thorough interval.
    await log.append(message());
    await sleep(80);
    assert.ok(log.flushedOffset < log.maxOffset);
  });

  it('a full disk refuses the write, rolls offsets back, and the next append reuses them', async (t) => {
    const dir = await tempDir(t);
    let failNext = false;
    const log = await openLog(t, dir, {
      io: {
        async write(handle, buffer, offset, length, position) {
          if (failNext) {
            failNext = false;
            // Half of the bytes land, then the disk is full.
            await handle.write(buffer, offset, length >> 1, position);
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          }
          return (await handle.write(buffer, offset, length, position)).bytesWritten;
        },
      },
    });
    const ok = await log.append(message({ body: Buffer.from('first') }));
    failNext = true;
    const failed = await Promise.allSettled([log.append(message({ body: body(3000, 1) })), log.append(message({ body: body(3000, 2) }))]);
    for (const result of failed) {
      assert.equal(result.status, 'rejected');
      const error = (result as PromiseRejectedResult).reason as DiskFullError;
      assert.ok(error instanceof DiskFullError);
      assert.equal(error.code, ResponseCode.SERVICE_NOT_AVAILABLE);
      assert.match(error.message, /disk full.*00000000000000000000/);
    }
    assert.equal(log.maxOffset, ok.record.size);
    const again = await log.append(message({ body: Buffer.from('again') }));
    assert.equal(again.record.commitLogOffset, ok.record.size);
    assert.equal(again.record.queueOffset, 1);
    await log.close();
    const reopened = await CommitLog.open({ storePathCommitLog: join(dir, 'commitlog'), mappedFileSizeCommitLog: 64 * KiB });
    t.after(() => reopened.close());
    assert.equal(reopened.maxOffset, again.record.commitLogOffset + again.record.size);
    assert.equal(reopened.recovery.droppedBytes, 0, 'the half-written bytes were zeroed');
  });
});
