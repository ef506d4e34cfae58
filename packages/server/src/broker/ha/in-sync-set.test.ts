import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InSyncSet } from './in-sync-set.ts';

describe('in-sync set (controller mode)', () => {
  it('acknowledges on every confirmed member with allAckInSyncStateSet, and proposes joins and leaves', () => {
    let now = 0;
    const set = new InSyncSet(1, { haMaxTimeSlaveNotCatchup: 15_000, allAckInSyncStateSet: true, minInSyncReplicas: 1, now: () => now });
    assert.deepEqual(set.floor(), { offset: Number.MAX_SAFE_INTEGER, enough: true }, 'alone: nothing to wait for');
    set.onAck(2, 100, 100);
    set.onAck(3, 50, 100);
    assert.deepEqual(set.wanted(100), [1, 2], 'only a caught-up slave joins');
    set.setConfirmed([1, 2, 3]);
    assert.equal(set.floor().offset, 50, 'the slowest confirmed member counts');
    set.onAck(3, 100, 100);
    assert.equal(set.floor().offset, 100);
    now = 16_000;
    set.onAck(2, 120, 200);
    assert.deepEqual(set.wanted(200), [1], 'members behind for haMaxTimeSlaveNotCatchup leave');
    set.onGone(3);
    assert.equal(set.floor().offset, 0, 'a confirmed member that disconnected holds acknowledgements until the controller confirms it left');
  });

  it('without allAck waits for minInSyncReplicas − 1 members and refuses when the set is too small', () => {
    const set = new InSyncSet(1, { haMaxTimeSlaveNotCatchup: 15_000, allAckInSyncStateSet: false, minInSyncReplicas: 2, now: () => 0 });
    assert.equal(set.floor().enough, false);
    set.setConfirmed([1, 2, 3]);
    set.onAck(2, 40, 100);
    set.onAck(3, 90, 100);
    assert.deepEqual(set.floor(), { offset: 90, enough: true });
  });
});
