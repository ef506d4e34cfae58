/** HA port framing: fed byte by byte and coalesced, both directions (wave2.md §a.2). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSlaveHello, encodeOffsetReport, encodeSlaveHello, encodeTransferHeader, OffsetReportDecoder, TransferFrameDecoder } from './ha-frames.ts';

describe('HA frames', () => {
  it('encodes reports and headers big-endian as Java ByteBuffer does', () => {
    assert.equal(encodeOffsetReport(0x0102030405).toString('hex'), '0000000102030405');
    assert.equal(encodeTransferHeader(1073741824, 32768).toString('hex'), '000000004000000000008000');
  });

  it('uses the last complete 8-byte report, across chunk boundaries', () => {
    const decoder = new OffsetReportDecoder();
    const stream = Buffer.concat([encodeOffsetReport(10), encodeOffsetReport(20), encodeOffsetReport(30)]);
    assert.equal(decoder.push(stream.subarray(0, 5)), undefined);
    assert.equal(decoder.push(stream.subarray(5, 20)), 20);
    assert.equal(decoder.push(stream.subarray(20, 23)), undefined);
    assert.equal(decoder.push(stream.subarray(23)), 30);
  });

  it('splits transfer frames fed one byte at a time and coalesced', () => {
    const body = Buffer.from('commit-log bytes');
    const stream = Buffer.concat([encodeTransferHeader(100, body.length), body, encodeTransferHeader(116, 0), encodeTransferHeader(116, 3), Buffer.from('abc')]);
    const expected = [
      { phyOffset: 100, body: body.toString() },
      { phyOffset: 116, body: '' },
      { phyOffset: 116, body: 'abc' },
    ];
    const oneByOne = new TransferFrameDecoder();
    const frames = [];
    for (let i = 0; i < stream.length; i++) frames.push(...oneByOne.push(stream.subarray(i, i + 1)));
    assert.deepEqual(frames.map((f) => ({ phyOffset: f.phyOffset, body: f.body.toString() })), expected);
    const whole = new TransferFrameDecoder().push(stream);
    assert.deepEqual(whole.map((f) => ({ phyOffset: f.phyOffset, body: f.body.toString() })), expected);
  });

  it('controller mode: a version-2 hello gets 20-byte headers carrying the confirm offset', () => {
    assert.deepEqual(decodeSlaveHello(encodeSlaveHello(3)), { brokerId: 3, version: 2 });
    assert.deepEqual(decodeSlaveHello(encodeSlaveHello(3, 1)), { brokerId: 3, version: 1 }, 'an older broker of ours: 12-byte headers');
    assert.equal(encodeTransferHeader(64, 2, 48).toString('hex'), '0000000000000040000000020000000000000030');
    const stream = Buffer.concat([encodeTransferHeader(64, 2, 48), Buffer.from('ab'), encodeTransferHeader(66, 0, 66)]);
    const frames = [];
    const decoder = new TransferFrameDecoder(true);
    for (let i = 0; i < stream.length; i++) frames.push(...decoder.push(stream.subarray(i, i + 1)));
    assert.deepEqual(frames.map((f) => ({ phyOffset: f.phyOffset, body: f.body.toString(), confirmOffset: f.confirmOffset })), [
      { phyOffset: 64, body: 'ab', confirmOffset: 48 },
      { phyOffset: 66, body: '', confirmOffset: 66 },
    ]);
  });
});
