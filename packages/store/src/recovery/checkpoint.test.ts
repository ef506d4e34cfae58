import assert from 'node:assert/strict';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StoreCheckpoint } from './checkpoint.ts';

describe('StoreCheckpoint recoverOffset', () => {
  it('keeps recoverOffset across reopen, and drops it when Apache has rewritten the timestamps since', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'rmq-checkpoint-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'checkpoint');
    const checkpoint = await StoreCheckpoint.open(file);
    assert.equal(checkpoint.recoverOffset, -1, 'a fresh checkpoint knows no offset');
    checkpoint.physicMsgTimestamp = 1_700_000_000_000;
    checkpoint.logicsMsgTimestamp = 1_700_000_000_100;
    checkpoint.recoverOffset = 123_456;
    await checkpoint.flush();
    await checkpoint.close();

    const reopened = await StoreCheckpoint.open(file);
    assert.equal(reopened.recoverOffset, 123_456);
    await reopened.close();

    // Apache writes only its own fields (here physicMsgTimestamp at byte 0).
    const handle = await open(file, 'r+');
    const later = Buffer.alloc(8);
    later.writeBigInt64BE(1_700_000_050_000n);
    await handle.write(later, 0, 8, 0);
    await handle.close();
    const afterApache = await StoreCheckpoint.open(file);
    assert.equal(afterApache.physicMsgTimestamp, 1_700_000_050_000);
    assert.equal(afterApache.recoverOffset, -1, 'stale: recovery falls back to the timestamps');
    await afterApache.close();
  });
});
