/** getMessage with a commit-log stage (SQL92): only accepted records fill the batch; the scan stays bounded. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { decodeStoredMessage } from '@rocketmq-ts/protocol';
import { type MessageFilter, MessageStore, type MessageToStore } from '@rocketmq-ts/store';
import { testMessage } from '@rocketmq-ts/store/internal';

const message = (i: number): MessageToStore => testMessage('T', 0, `m${i}`, { n: String(i) });

const byN = (test: (n: number) => boolean): MessageFilter & { judged: number } => {
  const filter = {
    judged: 0,
    isMatchedByConsumeQueue: () => true,
    isMatchedByCommitLog(record: Buffer): boolean {
      filter.judged++;
      return test(Number(decodeStoredMessage(record).properties['n']));
    },
  };
  return filter;
};

it('a commit-log filter fills the batch with accepted records only, resumes after the last one, and scans at most 800 units', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmq-store-filter-'));
  const store = await MessageStore.open({ storePathRootDir: dir, mappedFileSizeCommitLog: 1024 * 1024, mappedFileSizeConsumeQueue: 20 * 4000 });
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 2000; i++) assert.equal((await store.putMessage(message(i))).status, 'PUT_OK');

  const tenth = await store.getMessage('g', 'T', 0, 0, 32, byN((n) => n % 10 === 0));
  assert.equal(tenth.status, 'FOUND');
  assert.deepEqual(tenth.messages.map((m) => Number(decodeStoredMessage(m).properties['n'])), Array.from({ length: 32 }, (_, i) => i * 10));
  assert.equal(tenth.nextBeginOffset, 311, 'resumes right after the last accepted record');
  assert.equal(tenth.bufferTotalSize, tenth.messages.reduce((sum, m) => sum + m.length, 0));

  const next = await store.getMessage('g', 'T', 0, tenth.nextBeginOffset, 32, byN((n) => n % 10 === 0));
  assert.equal(Number(decodeStoredMessage(next.messages[0]!).properties['n']), 320);

  const none = byN(() => false);
  const empty = await store.getMessage('g', 'T', 0, 0, 32, none);
  assert.equal(empty.status, 'NO_MATCHED_MESSAGE');
  assert.equal(empty.nextBeginOffset, 800, 'bounded: 16000 bytes of consume queue per pull, as Apache');
  assert.equal(none.judged, 800);

  const rare = await store.getMessage('g', 'T', 0, 0, 32, byN((n) => n === 1500));
  assert.equal(rare.status, 'NO_MATCHED_MESSAGE');
  const found = await store.getMessage('g', 'T', 0, rare.nextBeginOffset, 32, byN((n) => n === 1500));
  assert.equal(found.messages.length, 1);
  assert.equal(found.nextBeginOffset, 1600, 'a batch not full scans on to the bound');
});
