import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlushService, type FlushTarget, type FlushWaiter } from './flush-service.ts';

class FakeLog implements FlushTarget {
  writtenOffset = 0;
  lastWrittenTimestamp = 0;
  syncs: [number, number][] = [];
  delay = 5;
  fail = false;

  async syncRange(from: number, to: number): Promise<void> {
    this.syncs.push([from, to]);
    await sleep(this.delay);
    if (this.fail) throw new Error('EIO');
  }
}

function waiter(endOffset: number, deadline = Date.now() + 5000): FlushWaiter & { result: Promise<boolean> } {
  let flushed!: (ok: boolean) => void;
  const result = new Promise<boolean>((resolve) => (flushed = resolve));
  return { endOffset, deadline, flushed, result };
}

const options = { flushIntervalCommitLog: 10, flushCommitLogLeastPages: 4, flushCommitLogThoroughInterval: 10_000 };

describe('FlushService', () => {
  it('group commit: one datasync completes every waiter it covers', async () => {
    const log = new FakeLog();
    const service = new FlushService(log, { ...options, flushDiskType: 'SYNC_FLUSH' });
    const waiters = [];
    for (let i = 1; i <= 100; i++) {
      log.writtenOffset = i * 100;
      const w = waiter(i * 100);
      service.waitFor(w);
      waiters.push(w);
      if (i % 25 === 0) await sleep(1);
    }
    assert.deepEqual(await Promise.all(waiters.map((w) => w.result)), Array(100).fill(true));
    assert.ok(log.syncs.length <= 6, `${log.syncs.length} datasyncs`);
    for (let i = 1; i < log.syncs.length; i++) assert.equal(log.syncs[i]![0], log.syncs[i - 1]![1], 'rounds are contiguous');
    assert.equal(service.flushedOffset, 10_000);
    service.stop();
  });

  it('times out the waiters a slow datasync does not cover in time, oldest first', async () => {
    const log = new FakeLog();
    log.delay = 200;
    const service = new FlushService(log, { ...options, flushDiskType: 'SYNC_FLUSH' });
    log.writtenOffset = 10;
    const late = waiter(10, Date.now() + 50);
    service.waitFor(late);
    const started = Date.now();
    assert.equal(await late.result, false);
    assert.ok(Date.now() - started < 150);
    await service.flushAll();
    assert.equal(service.flushedOffset, 10);
    const done = waiter(5);
    service.waitFor(done);
    assert.equal(await done.result, true, 'already durable: completes at once');
    service.stop();
  });

  it('a failed datasync fails the waiters it should have covered and is retried later', async () => {
    const log = new FakeLog();
    log.fail = true;
    const service = new FlushService(log, { ...options, flushDiskType: 'SYNC_FLUSH' });
    log.writtenOffset = 10;
    const w = waiter(10);
    service.waitFor(w);
    assert.equal(await w.result, false);
    assert.equal(service.flushedOffset, 0);
    log.fail = false;
    await service.flushAll();
    assert.equal(service.flushedOffset, 10);
    service.stop();
  });

  it('async flush waits for flushCommitLogLeastPages dirty pages', async () => {
    const log = new FakeLog();
    const service = new FlushService(log, { ...options, flushDiskType: 'ASYNC_FLUSH' });
    service.start();
    log.writtenOffset = 4096;
    await sleep(40);
    assert.equal(log.syncs.length, 0);
    log.writtenOffset = 4 * 4096;
    for (let i = 0; i < 50 && service.flushedOffset < log.writtenOffset; i++) await sleep(10);
    assert.equal(service.flushedOffset, 4 * 4096);
    service.stop();
  });
});
