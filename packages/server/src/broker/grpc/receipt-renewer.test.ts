/**
 * autoRenew on a real POP service and store with a fake clock: a delivery whose client is alive
 * stays invisible far past its first 60 s and is acked with the handle the client received;
 * a client that goes away gives its deliveries back after 1 s; past maxRenewMs a delivery is
 * given back with the group's retry delay.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { ConsumerOffsetManager, MessageStore } from '@rocketmq-ts/store';
import { PopLog } from '../pop/pop-log.ts';
import { PopService } from '../pop/pop-service.ts';
import { ReceiptRenewer, type ReceiptRenewerOptions } from './receipt-renewer.ts';

const TOPIC = 'RenewTopic';
const GROUP = 'RenewGroup';
const request = { group: GROUP, topic: TOPIC, queueIds: [0], maxCount: 10, invisibleMs: 60_000, fifo: false };

async function setup(t: TestContext, options: Partial<ReceiptRenewerOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-renew-'));
  const store = await MessageStore.open({ storePathRootDir: dir, mappedFileSizeCommitLog: 16 * 1024 * 1024, messageIndexEnable: false });
  const offsets = await ConsumerOffsetManager.load(join(dir, 'config', 'consumerOffset.json'));
  const clock = { ms: 1_000_000 };
  const log = PopLog.open(join(dir, 'pop'));
  const pop = new PopService({ store, offsets, log, maxAttempts: () => 17, deadLetter: async () => {}, now: () => clock.ms });
  const alive = { value: true };
  const renewer = new ReceiptRenewer({ pop, clientAlive: () => alive.value, retryDelayMs: (_g, attempt) => 1000 * attempt, now: () => clock.ms, ...options });
  t.after(async () => {
    log.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const put = await store.putMessage({
    topic: TOPIC,
    queueId: 0,
    flag: 0,
    body: Buffer.from('slow'),
    propertiesText: '',
    properties: {},
    sysFlag: 0,
    bornTimestamp: 1,
    bornHost: { address: '127.0.0.1', port: 1 },
    storeHost: { address: '127.0.0.1', port: 2 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    waitStoreMsgOK: false,
  });
  assert.equal(put.status, 'PUT_OK');
  while (store.getMaxOffsetInQueue(TOPIC, 0) < 1) await new Promise((r) => setTimeout(r, 5));
  const [delivery] = await pop.pop(request);
  assert.ok(delivery);
  renewer.add('client-1', GROUP, TOPIC, delivery.receiptHandle, delivery.invisibleMs, delivery.attempt);
  /** Moves the clock in 5 s steps, scanning at each as the timer does. */
  const advance = (ms: number): void => {
    for (let left = ms; left > 0; left -= 5000) {
      clock.ms += Math.min(5000, left);
      renewer.scan();
    }
  };
  return { pop, renewer, clock, alive, delivery, advance };
}

it('keeps an autoRenew delivery invisible past 60 s while its client is alive; the ack uses the handle received', async (t) => {
  const { pop, renewer, delivery, advance } = await setup(t);
  advance(45_000);
  assert.equal(renewer.size, 1);
  advance(10_000); // 10 s before it would become visible: renewed
  assert.equal(pop.ack(GROUP, TOPIC, delivery.receiptHandle), 'INVALID_RECEIPT_HANDLE', 'renewing made a new delivery handle');
  advance(20 * 60_000); // 20 min: renewed for 1, 3, 5 and 10 min
  assert.deepEqual(await pop.pop(request), [], 'not delivered again while the listener runs');
  assert.equal(pop.inflightCount(GROUP, TOPIC, 0), 1);
  const current = renewer.take(GROUP, TOPIC, delivery.receiptHandle);
  assert.notEqual(current, delivery.receiptHandle);
  assert.equal(pop.ack(GROUP, TOPIC, current), 'OK');
  assert.equal(renewer.size, 0);
  assert.equal(renewer.take(GROUP, TOPIC, delivery.receiptHandle), delivery.receiptHandle, 'untracked: the client\'s own handle');
  advance(2 * 3600_000);
  assert.deepEqual(await pop.pop(request), []);
});

it('gives the deliveries of a client that went away back after 1 s', async (t) => {
  const { pop, renewer, clock, alive, advance } = await setup(t);
  advance(30_000);
  alive.value = false;
  advance(5000);
  assert.equal(renewer.size, 0);
  clock.ms += 1000;
  const again = await pop.pop(request);
  assert.equal(again.length, 1);
  assert.equal(again[0]!.attempt, 2);
});

it('NotifyClientTermination gives the client\'s deliveries back at once', async (t) => {
  const { pop, renewer, clock } = await setup(t);
  renewer.clientGone('client-1');
  assert.equal(renewer.size, 0);
  clock.ms += 1000;
  assert.equal((await pop.pop(request)).length, 1);
});

it('stops renewing after maxRenewMs and gives the delivery back with the group\'s retry delay', async (t) => {
  const { pop, renewer, clock, advance } = await setup(t, { maxRenewMs: 5 * 60_000 });
  // Renewed at 50 s, 100 s and 270 s (visible at 570 s); the scan at 560 s is past the 5 min.
  advance(555_000);
  assert.equal(renewer.size, 1);
  advance(5000);
  assert.equal(renewer.size, 0, 'no longer tracked');
  clock.ms += 999;
  assert.deepEqual(await pop.pop(request), [], 'the retry delay (1 s for attempt 1) has not passed');
  clock.ms += 1;
  assert.equal((await pop.pop(request)).length, 1);
});

it('stops tracking a delivery acked through another path', async (t) => {
  const { pop, renewer, delivery, advance } = await setup(t);
  assert.equal(pop.ack(GROUP, TOPIC, delivery.receiptHandle), 'OK');
  advance(60_000);
  assert.equal(renewer.size, 0);
});
