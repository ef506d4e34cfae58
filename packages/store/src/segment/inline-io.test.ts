import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { datasync, InlinePolicy, positionalRead, positionalWrite } from './inline-io.ts';

test('small calls run inline until the disk is slow, then use the thread pool for 10 s', () => {
  let now = 1000;
  const policy = new InlinePolicy(() => now);
  assert.equal(policy.allows(4096), true);
  assert.equal(policy.allows(256 * 1024 + 1), false, 'large calls always go to the thread pool');
  policy.observe(now - 1); // 1 ms: the page cache answered
  policy.observe(now - 8); // one passing stall
  now += 1500;
  policy.observe(now - 8); // another, but not close to the first
  assert.equal(policy.allows(4096), true);
  now += 100;
  policy.observe(now - 8);
  policy.observe(now - 8); // three slow calls within a second: the disk answered
  assert.equal(policy.allows(4096), false);
  now += 9_999;
  assert.equal(policy.allows(4096), false);
  now += 2;
  assert.equal(policy.allows(4096), true);
  policy.observe(now - 80); // one very slow call is enough
  assert.equal(policy.allows(4096), false);
});

test('positionalWrite and positionalRead round-trip bytes at a position, small and large', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'inline-io-'));
  const handle = await open(join(dir, 'f'), 'w+');
  try {
    const small = Buffer.from('hello, inline');
    const large = Buffer.alloc(300 * 1024, 7);
    assert.equal(await positionalWrite(handle, small, 0, small.length, 100), small.length);
    let written = 0;
    while (written < large.length) written += await positionalWrite(handle, large, written, large.length - written, 1000 + written);
    const back = Buffer.alloc(small.length);
    assert.equal(await positionalRead(handle, back, 0, back.length, 100), small.length);
    assert.deepEqual(back, small);
    const bigBack = Buffer.alloc(large.length);
    let read = 0;
    while (read < bigBack.length) read += await positionalRead(handle, bigBack, read, bigBack.length - read, 1000 + read);
    assert.deepEqual(bigBack, large);
    assert.equal(await positionalRead(handle, back, 0, back.length, 10_000_000), 0, 'past the end reads nothing');
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('datasync runs for small and large dirty ranges alike', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'inline-io-'));
  const handle = await open(join(dir, 'f'), 'w+');
  try {
    await positionalWrite(handle, Buffer.from('durable'), 0, 7, 0);
    await datasync(handle, 7);
    await datasync(handle, 1024 * 1024);
    assert.equal((await handle.stat()).size, 7);
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
