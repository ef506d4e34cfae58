/**
 * Controller mode (restoreConfirmOffset): the confirm offset is kept in the checkpoint, so after
 * a restart records past it stay out of the consume queues (and the index) until the broker's
 * role sets a new bound, as Apache's reput stops at its persisted confirmOffset. Their queue
 * offsets stay taken: a message put meanwhile comes after them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { decodeStoredMessage } from '@rocketmq-ts/protocol';
import { MessageStore, type MessageStoreOptions, type MessageToStore } from '@rocketmq-ts/store';
import { testMessage } from '@rocketmq-ts/store/internal';

const message = (body: string): MessageToStore => testMessage('T', 0, body, { KEYS: body });

async function bodies(store: MessageStore): Promise<string[]> {
  const result = await store.getMessage('g', 'T', 0, 0, 32);
  return result.messages.map((buffer) => decodeStoredMessage(buffer).body.toString());
}

it('a restart keeps records past the recorded confirm offset unreadable until the bound moves', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmq-confirm-restore-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const options: MessageStoreOptions = { storePathRootDir: dir, mappedFileSizeCommitLog: 64 * 1024, restoreConfirmOffset: true };

  const first = await MessageStore.open(options);
  const confirmed = await first.putMessage(message('m-0'));
  first.setConfirmOffset(confirmed.records[0]!.commitLogOffset + confirmed.records[0]!.size);
  await first.putMessage(message('m-1'));
  await first.putMessage(message('m-2'));
  assert.equal(first.getMaxOffsetInQueue('T', 0), 1, 'm-1 and m-2 are held back');
  await first.close();

  const second = await MessageStore.open(options);
  assert.equal(second.getMaxOffsetInQueue('T', 0), 1, 'still held after the restart');
  assert.deepEqual(await bodies(second), ['m-0']);
  assert.ok(second.runtimeInfo().dispatchBehindBytes > 0);
  // The store is written to meanwhile (e.g. re-elected with others in the set): after them.
  const later = await second.putMessage(message('m-3'));
  assert.equal(later.records[0]!.queueOffset, 3, 'the held records keep their queue offsets');
  second.setConfirmOffset(Number.POSITIVE_INFINITY);
  assert.deepEqual(await bodies(second), ['m-0', 'm-1', 'm-2', 'm-3']);
  const byKey = await second.queryMessage('T', 'm-2', 32, 0, Date.now() + 1000);
  assert.equal(byKey.messages.length, 1, 'released records are indexed');
  await second.close();

  // No bound recorded any more, and a store opened without the option reads everything.
  const third = await MessageStore.open({ ...options, restoreConfirmOffset: false });
  assert.equal(third.getMaxOffsetInQueue('T', 0), 4);
  await third.close();
});
