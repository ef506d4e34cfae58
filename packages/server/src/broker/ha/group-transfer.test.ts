/** SYNC_MASTER waits (GroupTransferService rules, wave2.md §a.3). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupTransfer } from './group-transfer.ts';

describe('GroupTransfer', () => {
  it('answers SLAVE_NOT_AVAILABLE with no slave or one too far behind', async () => {
    const transfer = new GroupTransfer({ timeoutMillis: 1000, fallBehindMax: 1000 });
    assert.equal(await transfer.await(10), 'SLAVE_NOT_AVAILABLE');
    transfer.setConnectionCount(1);
    transfer.acknowledge(100);
    assert.equal(await transfer.await(1100), 'SLAVE_NOT_AVAILABLE');
    assert.equal(await transfer.await(50), 'PUT_OK');
  });

  it('one acknowledgement releases every wait it covers; the rest time out as FLUSH_SLAVE_TIMEOUT', async () => {
    const transfer = new GroupTransfer({ timeoutMillis: 150, fallBehindMax: 1 << 20 });
    transfer.setConnectionCount(1);
    const waits = [300, 100, 200, 400].map((offset) => transfer.await(offset));
    assert.equal(transfer.waiting, 4);
    transfer.acknowledge(300);
    assert.equal(transfer.waiting, 1);
    const started = Date.now();
    const keepAlive = setTimeout(() => undefined, 2000); // the expiry timer is unref'd (a server keeps the loop alive)
    assert.deepEqual(await Promise.all(waits), ['PUT_OK', 'PUT_OK', 'PUT_OK', 'FLUSH_SLAVE_TIMEOUT']);
    assert.ok(Date.now() - started >= 100);
    clearTimeout(keepAlive);
    transfer.close();
  });
});
