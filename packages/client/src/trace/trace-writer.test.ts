import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTraceRecords, messageTraceOf } from '../admin/trace.ts';
import type { Message } from '../message.ts';
import { encodeTraceContext, TraceDispatcher } from './trace-writer.ts';

const pub = {
  type: 'Pub' as const,
  timestamp: 1700000000000,
  regionId: 'DefaultRegion',
  groupName: 'pg',
  topic: 'T',
  msgId: 'MSG1',
  tags: 'TagA',
  keys: 'k1 k2',
  storeHost: '127.0.0.1:10911',
  bodyLength: 5,
  costTime: 3,
  msgType: 0,
  offsetMsgId: 'OFF1',
  success: true,
  clientHost: '10.0.0.1',
};

test('records encode in the 4.9 layout and our reader decodes them', () => {
  const p = encodeTraceContext(pub);
  assert.equal(p.data.split('\u0001').length, 14, 'Pub has 14 fields without clientHost');
  assert.ok(p.data.endsWith('\u0002'));
  assert.deepEqual(p.keys, ['MSG1', 'k1', 'k2']);
  const before = encodeTraceContext({ type: 'SubBefore', timestamp: 1700000000100, regionId: 'DefaultRegion', groupName: 'cg', requestId: 'R1', msgId: 'MSG1', retryTimes: 1, keys: undefined, clientHost: '10.0.0.2' });
  assert.equal(before.data, 'SubBefore\u00011700000000100\u0001DefaultRegion\u0001cg\u0001R1\u0001MSG1\u00011\u0001null\u0002');
  const after = encodeTraceContext({ type: 'SubAfter', requestId: 'R1', regionId: 'DefaultRegion', msgId: 'MSG1', costTime: 7, success: false, keys: undefined, contextCode: 2, timestamp: 1700000000107, groupName: 'cg' });
  const trace = messageTraceOf('MSG1', decodeTraceRecords(p.data + before.data + after.data));
  assert.equal(trace.sent[0]?.offsetMsgId, 'OFF1');
  assert.equal(trace.sent[0]?.success, true);
  assert.equal(trace.sent[0]?.clientHost, null);
  assert.deepEqual(trace.consumed, [{ groupName: 'cg', clientHost: null, timestamp: 1700000000100, retryTimes: 1, costTime: 7, success: false }]);
});

test('the 4.8 layout adds clientHost to Pub and SubBefore', () => {
  assert.equal(encodeTraceContext(pub, '4.8').data.split('\u0001').length, 15);
  const before = encodeTraceContext({ type: 'SubBefore', timestamp: 1, regionId: 'r', groupName: 'cg', requestId: 'R1', msgId: 'M', retryTimes: 0, keys: 'k', clientHost: '10.0.0.2' }, '4.8');
  const [record] = decodeTraceRecords(before.data);
  assert.equal(record && 'clientHost' in record ? record.clientHost : undefined, '10.0.0.2');
  assert.equal(trace48Pub().clientHost, '10.0.0.1');
});

function trace48Pub() {
  const t = messageTraceOf('MSG1', decodeTraceRecords(encodeTraceContext(pub, '4.8').data));
  return t.sent[0]!;
}

test('the dispatcher batches records into trace messages keyed by msgId and keys', async () => {
  const sent: Message[] = [];
  let stopped = false;
  const dispatcher = new TraceDispatcher({ customizedTraceTopic: 'MyTrace' }, async () => ({ send: async (m) => void sent.push(m), shutdown: async () => void (stopped = true) }), undefined);
  for (let i = 0; i < 150; i++) dispatcher.append({ ...pub, msgId: `M${i}`, keys: undefined });
  await dispatcher.shutdown();
  assert.ok(stopped);
  assert.equal(sent.length, 2, 'batches of 100 records');
  assert.ok(sent.every((m) => m.topic === 'MyTrace'));
  const ids = sent.flatMap((m) => decodeTraceRecords(String(m.body)).map((r) => ('msgId' in r ? r.msgId : '')));
  assert.equal(ids.length, 150);
  assert.deepEqual(sent.flatMap((m) => m.keys as string[]), ids);
  assert.equal(dispatcher.append(pub), false, 'closed');
});
