import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeTraceRecords, messageTraceOf } from './trace.ts';

const rec = (...fields: (string | number | boolean)[]) => fields.join('\u0001') + '\u0002';

it('decodes 4.8 trace records (Pub with clientHost, SubBefore with clientHost, SubAfter with group)', () => {
  const body =
    rec('Pub', 1000, 'DefaultRegion', 'pg', 'T', 'ID1', 'TagA', 'k1', '127.0.0.1:10911', 8, 3, 0, 'OFF1', true, '10.0.0.1') +
    rec('SubBefore', 1100, 'DefaultRegion', 'cg', 'req1', 'ID1', 0, 'k1', '10.0.0.2') +
    rec('SubAfter', 'req1', 'ID1', 5, true, 'k1', 0, 1105, 'cg');
  const trace = messageTraceOf('ID1', decodeTraceRecords(body));
  assert.equal(trace.sent.length, 1);
  assert.deepEqual(
    { ...trace.sent[0] },
    { type: 'Pub', timestamp: 1000, regionId: 'DefaultRegion', groupName: 'pg', topic: 'T', msgId: 'ID1', tags: 'TagA', keys: 'k1', storeHost: '127.0.0.1:10911', bodyLength: 8, costTime: 3, msgType: 'Normal_Msg', offsetMsgId: 'OFF1', success: true, clientHost: '10.0.0.1' },
  );
  assert.deepEqual(trace.consumed, [{ groupName: 'cg', clientHost: '10.0.0.2', timestamp: 1100, retryTimes: 0, costTime: 5, success: true }]);
});

it('decodes 4.9 layouts (no clientHost), older short ones, "null" fields, and keeps unknown types', () => {
  const body =
    rec('Pub', 1000, 'R', 'pg', 'T', 'ID2', 'null', 'null', '1.2.3.4:10911', 8, 3, 3, 'OFF2', false) +
    rec('Pub', 1000, 'R', 'pg', 'T', 'ID3', 'a', 'b', 'h', 1, 1, 1, true) +
    rec('SubBefore', 1100, 'R', 'cg', 'req2', 'ID2', 2, 'null') +
    rec('SubAfter', 'req2', 'ID2', 7, false, 'null', 1) +
    rec('EndTransaction', 1200, 'R', 'pg', 'T', 'ID2', 'null', 'null', 'h', 1, 'tx', 'COMMIT_MESSAGE', false);
  const records = decodeTraceRecords(body);
  assert.equal(records.length, 5);
  assert.deepEqual(records[4], { type: 'EndTransaction', fields: ['1200', 'R', 'pg', 'T', 'ID2', 'null', 'null', 'h', '1', 'tx', 'COMMIT_MESSAGE', 'false'] });
  const trace = messageTraceOf('ID2', records);
  const pub = trace.sent[0]!;
  assert.equal(pub.tags, null);
  assert.equal(pub.msgType, 'Delay_Msg');
  assert.equal(pub.offsetMsgId, 'OFF2');
  assert.equal(pub.success, false);
  assert.equal(pub.clientHost, null);
  assert.deepEqual(trace.consumed, [{ groupName: 'cg', clientHost: null, timestamp: 1100, retryTimes: 2, costTime: 7, success: false }]);
  const short = messageTraceOf('ID3', records).sent[0]!;
  assert.equal(short.offsetMsgId, null);
  assert.equal(short.success, true);
  assert.equal(short.msgType, 'Trans_Msg_Half');
});
