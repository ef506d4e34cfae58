import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { StoreLockedError } from '../errors.ts';
import { abortFileExists, createAbortFile, removeAbortFile } from './abort-file.ts';
import { CHECKPOINT_FILE_SIZE, StoreCheckpoint } from './checkpoint.ts';
import { StoreLock } from './store-lock.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rmq-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('store lock, abort marker, checkpoint', () => {
  it('a second opener in the same process fails; release lets the next one in', async (t) => {
    const dir = await tempDir(t);
    const lock = await StoreLock.acquire(dir);
    assert.equal(await readFile(join(dir, 'lock'), 'utf8'), `${process.pid}\n`);
    await assert.rejects(StoreLock.acquire(dir), (error: unknown) => error instanceof StoreLockedError && /this process/.test(error.message));
    await lock.release();
    const again = await StoreLock.acquire(dir);
    await again.release();
  });

  it('a second opener in another process fails; a stale lock (dead pid, Java text) is taken over', async (t) => {
    const dir = await tempDir(t);
    const lock = await StoreLock.acquire(dir);
    const script = `import('${new URL('./store-lock.ts', import.meta.url).href}').then((m) => m.StoreLock.acquire(process.argv[1])).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', '-e', script, dir], { encoding: 'utf8' });
    assert.equal(child.status, 3);
    assert.match(child.stderr, new RegExp(`already open by process ${process.pid}.*delete .*lock`));
    await lock.release();
    await writeFile(join(dir, 'lock'), 'lock');
    const fromJava = await StoreLock.acquire(dir);
    await fromJava.release();
    await writeFile(join(dir, 'lock'), '999999999\n');
    const stale = await StoreLock.acquire(dir);
    await stale.release();
    await writeFile(join(dir, 'lock'), '1\n'); // init: always alive
    await assert.rejects(StoreLock.acquire(dir), (error: unknown) => error instanceof StoreLockedError && error.pid === 1);
  });

  it('abort marker lifecycle', async (t) => {
    const dir = await tempDir(t);
    assert.equal(await abortFileExists(dir), false);
    await createAbortFile(dir);
    assert.equal(await abortFileExists(dir), true);
    await removeAbortFile(dir);
    assert.equal(await abortFileExists(dir), false);
  });

  it('checkpoint: a zeroed 4 KiB page, three int64 timestamps', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'checkpoint');
    const checkpoint = await StoreCheckpoint.open(file);
    assert.equal(checkpoint.minTimestamp(), 0);
    checkpoint.physicMsgTimestamp = 1_700_000_005_000;
    checkpoint.logicsMsgTimestamp = 1_700_000_004_000;
    checkpoint.indexMsgTimestamp = 1_700_000_000_000;
    await checkpoint.flush();
    await checkpoint.close();
    const bytes = await readFile(file);
    assert.equal(bytes.length, CHECKPOINT_FILE_SIZE);
    assert.equal(bytes.readBigInt64BE(0), 1_700_000_005_000n);
    assert.equal(bytes.readBigInt64BE(8), 1_700_000_004_000n);
    assert.equal(bytes.readBigInt64BE(16), 1_700_000_000_000n);
    const reread = await StoreCheckpoint.open(file);
    assert.equal(reread.minTimestamp(), 1_700_000_001_000);
    assert.equal(reread.minTimestamp(true), 1_700_000_000_000);
    await reread.close();
  });
});
