/**
 * Recall of timer messages: the handle (Apache's HandleV1 text, Java's URL base64 with
 * padding), the checks RecallMessageProcessor makes, and the timer service dropping recalled
 * messages on a real store with an injected clock: in the wheel, after rolls, recalled inside
 * the open slot, and across a restart between the recall and the due time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRecallHandle, encodeProperties, encodeRecallHandle, MessageConst, type MessageProperties, ResponseCode } from '@rocketmq-ts/protocol';
import { type MessageStore, type MessageToStore, TIMER_RECALL_QUEUE_ID, TIMER_TOPIC } from '@rocketmq-ts/store';
import { checkRecall, recallHandleFor, recallMarker, type RecallSettings } from './recall.ts';
import { applyTimer } from './timer.ts';
import { deliveredTimers, FakeClock, openTimerStack, runTimersUntil, timerTempDir } from '../../testing/timer-kit.ts';

const settings: RecallSettings = { brokerName: 'broker-a', timerWheelEnable: true, timerMaxDelaySec: 3600 * 24 * 40 };
const hosts = { bornHost: { address: '127.0.0.1', port: 1 }, storeHost: { address: '127.0.0.1', port: 2 } };

describe('recall handle', () => {
  it('is the Java HandleV1 text in URL base64 with padding, and reads back', () => {
    const handle = { topic: 'TopicA', brokerName: 'broker-a', deliverMs: 1_700_000_005_123, messageId: '7F0000010001?' };
    const text = encodeRecallHandle(handle);
    // What Base64.getUrlEncoder() gives for "v1 TopicA broker-a 1700000005123 7F0000010001?".
    assert.equal(text, 'djEgVG9waWNBIGJyb2tlci1hIDE3MDAwMDAwMDUxMjMgN0YwMDAwMDEwMDAxPw==');
    assert.deepEqual(decodeRecallHandle(text), handle);
    assert.deepEqual(decodeRecallHandle(text.replace(/=+$/, '')), handle);
  });

  it('is refused when garbled, for another topic or broker, due already or too far', () => {
    const now = 1_700_000_000_000;
    const good = encodeRecallHandle({ topic: 'T', brokerName: 'broker-a', deliverMs: now + 5000, messageId: 'ID' });
    assert.equal((checkRecall(settings, 'T', good, now) as { messageId: string }).messageId, 'ID');
    const refusals: [string, string, RegExp][] = [
      ['T', 'not base64!', /not base64url/],
      ['T', Buffer.from('v2 T broker-a 1 ID').toString('base64url'), /not a v1 handle/],
      ['Other', good, /topic not match/],
      ['T', encodeRecallHandle({ topic: 'T', brokerName: 'broker-b', deliverMs: now + 5000, messageId: 'ID' }), /handle is for broker broker-b/],
      ['T', encodeRecallHandle({ topic: 'T', brokerName: 'broker-a', deliverMs: now, messageId: 'ID' }), /due already/],
      ['T', encodeRecallHandle({ topic: 'T', brokerName: 'broker-a', deliverMs: now + 41 * 86_400_000, messageId: 'ID' }), /timerMaxDelaySec/],
    ];
    for (const [topic, text, remark] of refusals) {
      const refusal = checkRecall(settings, topic, text, now);
      assert.ok('code' in refusal, `${topic} ${text} refused`);
      assert.equal(refusal.code, ResponseCode.ILLEGAL_OPERATION);
      assert.match(refusal.remark, remark);
    }
  });

  it('comes with a parked timer message only, never for a retry topic', () => {
    assert.equal(recallHandleFor('b', { [MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX]: 'U' }), undefined);
    const parked = { [MessageConst.TIMER_OUT_MS]: '5', [MessageConst.REAL_TOPIC]: 'T', [MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX]: 'U' };
    assert.deepEqual(decodeRecallHandle(recallHandleFor('b', parked)!), { topic: 'T', brokerName: 'b', deliverMs: 5, messageId: 'U' });
    assert.equal(recallHandleFor('b', { ...parked, [MessageConst.REAL_TOPIC]: '%RETRY%g' }), undefined);
  });
});



/** Parks a timer message as the send handler does; returns its recall handle. */
async function sendTimer(store: MessageStore, clock: FakeClock, id: number, deliverMs: number): Promise<string> {
  const message: MessageToStore = {
    topic: 'T',
    queueId: 0,
    flag: 0,
    body: Buffer.from(`m${id}`),
    propertiesText: '',
    sysFlag: 0,
    bornTimestamp: clock.now(),
    ...hosts,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    waitStoreMsgOK: false,
  };
  const properties: MessageProperties = { KEYS: `k${id}`, [MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX]: `UNIQ${id}`, [MessageConst.TIMER_DELIVER_MS]: String(deliverMs) };
  assert.equal(applyTimer(settings, message, properties, clock.now()), undefined);
  assert.equal(message.topic, TIMER_TOPIC);
  message.propertiesText = encodeProperties(properties);
  message.properties = properties;
  assert.equal((await store.putMessage(message)).status, 'PUT_OK');
  return recallHandleFor(settings.brokerName, properties)!;
}

/** Stores the marker as the RECALL_MESSAGE handler does. */
async function recall(store: MessageStore, clock: FakeClock, handleText: string): Promise<void> {
  const handle = checkRecall(settings, 'T', handleText, clock.now());
  assert.ok(!('code' in handle), 'recall accepted');
  const marker = recallMarker(settings, handle, 'PG', hosts, clock.now());
  assert.equal(marker.topic, TIMER_TOPIC);
  assert.equal(marker.queueId, TIMER_RECALL_QUEUE_ID);
  marker.propertiesText = encodeProperties(marker.properties!);
  assert.equal((await store.putMessage(marker)).status, 'PUT_OK');
}




describe('timer service with recalls', () => {
  it('drops recalled messages, near and rolled, across a restart, and delivers the rest at their ms', async (t) => {
    const dir = await timerTempDir(t, 'timer-recall-');
    const clock = new FakeClock(1_700_000_000_123);
    const start = clock.ms;
    let all = await openTimerStack(dir, clock);
    const due = new Map<number, number>();
    const handles = new Map<number, string>();
    for (let i = 0; i < 120; i++) {
      // Half within the wheel's hour, half days away (they roll before they are due).
      const delay = i % 2 === 0 ? 2_000 + ((i * 7919) % 600_000) : 2 * 86_400_000 + ((i * 104_729) % 3_600_000);
      due.set(i, start + delay);
      handles.set(i, await sendTimer(all.store, clock, i, start + delay));
    }
    await runTimersUntil(all.service, clock, start + 1_000);
    const recalled = [...due.keys()].filter((i) => i % 3 === 0);
    for (const i of recalled) await recall(all.store, clock, handles.get(i)!);
    await runTimersUntil(all.service, clock, start + 1_500);
    // A restart between the recall and the due times: markers come back from the store.
    await all.close();
    all = await openTimerStack(dir, clock);
    const last = Math.max(...due.values());
    await runTimersUntil(all.service, clock, last + 2_000);
    const seen = await deliveredTimers(all.store, 'T');
    for (const [i, at] of due) {
      if (recalled.includes(i)) assert.equal(seen.get(`k${i}`), undefined, `k${i} was recalled`);
      else assert.equal(seen.get(`k${i}`)?.dequeueMs, at, `k${i} delivered at its ms`);
    }
    assert.equal(seen.size, due.size - recalled.length);
    assert.equal(all.service.stats.recalled, recalled.length);
    assert.equal(all.service.pendingCount(), 0);
    await all.close();
  });

  it('reads a slot\'s markers before delivering any of it, though the rolled message is newer in the chain and a backlog is due at once', async (t) => {
    const dir = await timerTempDir(t, 'timer-recall-');
    const clock = new FakeClock(1_700_000_000_000);
    const start = clock.ms;
    const all = await openTimerStack(dir, clock);
    // 90 min away: beyond the one-hour window, so it waits in the window's last slot and rolls.
    const due = start + 90 * 60_000;
    const target = await sendTimer(all.store, clock, 0, due);
    // More than one walk batch (1024) of the same slot, sent after it: rolled before it, so older in the new chain.
    for (let i = 1; i <= 1100; i++) await sendTimer(all.store, clock, i, due + 1 + (i % 900));
    await runTimersUntil(all.service, clock, start + 40 * 60_000);
    // The marker is within the window now: it goes straight into the slot, older than every rolled record.
    await recall(all.store, clock, target);
    await runTimersUntil(all.service, clock, start + 61 * 60_000);
    assert.equal(all.service.stats.rolled, 1101);
    // The broker is away until everything in the slot is due: the walk hands it out in batches.
    clock.ms = due + 10 * 60_000;
    await runTimersUntil(all.service, clock, clock.ms + 2_000);
    const seen = await deliveredTimers(all.store, 'T');
    assert.equal(seen.get('k0'), undefined, 'k0 was recalled');
    assert.equal(seen.size, 1100);
    assert.equal(all.service.stats.recalled, 1);
    await all.close();
  });

  it('drops a message recalled while its slot is open, and a marker for a delivered message changes nothing', async (t) => {
    const dir = await timerTempDir(t, 'timer-recall-');
    const clock = new FakeClock(1_700_000_000_000);
    const all = await openTimerStack(dir, clock);
    const at = clock.ms + 5_900;
    const early = await sendTimer(all.store, clock, 1, at - 400);
    const open = await sendTimer(all.store, clock, 2, at);
    await sendTimer(all.store, clock, 3, at + 50);
    // Into the slot of `at` (5 s … 6 s): open now, 1 is delivered, 2 and 3 wait in the heap.
    await runTimersUntil(all.service, clock, at - 300);
    assert.deepEqual([...(await deliveredTimers(all.store, 'T')).keys()], ['k1']);
    await recall(all.store, clock, open);
    const afterDelivery = checkRecall(settings, 'T', early, clock.now());
    assert.ok('code' in afterDelivery, 'a handle whose time has passed is refused');
    await runTimersUntil(all.service, clock, at + 2_000);
    assert.deepEqual([...(await deliveredTimers(all.store, 'T')).keys()].sort(), ['k1', 'k3']);
    assert.equal(all.service.stats.recalled, 1);
    await all.close();
  });
});
