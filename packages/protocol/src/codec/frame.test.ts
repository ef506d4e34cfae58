import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SerializeType, type SerializeTypeValue } from '../codes/flags.ts';
import { FrameDecodeError, FrameTooLargeError } from '../errors.ts';
import { createRequest, createResponse, type RemotingCommand } from './command.ts';
import { decodeFrame, decodeFrameWithLength, encodeFrame } from './frame.ts';
import { FrameDecoder } from './frame-decoder.ts';

const commandArbitrary = fc.record({
  code: fc.integer({ min: -32768, max: 32767 }),
  language: fc.constantFrom('JAVA' as const, 'GO' as const, 'OTHER' as const, 'CPP' as const),
  version: fc.integer({ min: 0, max: 32767 }),
  opaque: fc.integer({ min: -2147483648, max: 2147483647 }),
  flag: fc.integer({ min: 0, max: 3 }),
  remark: fc.option(fc.string({ minLength: 1, unit: 'binary' }), { nil: undefined }),
  extFields: fc.option(fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), { nil: undefined }),
  body: fc.option(
    fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
    { nil: undefined },
  ),
  serializeType: fc.constantFrom<SerializeTypeValue>(SerializeType.JSON, SerializeType.ROCKETMQ),
});

function normalized(command: RemotingCommand): RemotingCommand {
  // The binary header cannot tell an empty remark or map from an absent one.
  const emptyIsAbsent = command.serializeType === SerializeType.ROCKETMQ;
  return {
    ...command,
    remark: emptyIsAbsent && command.remark === '' ? undefined : command.remark,
    extFields: emptyIsAbsent && command.extFields && Object.keys(command.extFields).length === 0 ? undefined : command.extFields,
  };
}

describe('frame codec', () => {
  it('round-trips every command in both serialize types', () => {
    fc.assert(
      fc.property(commandArbitrary, (command) => {
        const decoded = decodeFrameWithLength(encodeFrame(command));
        const expected = normalized(command);
        assert.equal(decoded.code, expected.code);
        assert.equal(decoded.language, expected.language);
        assert.equal(decoded.version, expected.version);
        assert.equal(decoded.opaque, expected.opaque);
        assert.equal(decoded.flag, expected.flag);
        assert.equal(decoded.remark, expected.remark);
        assert.deepEqual(decoded.extFields, expected.extFields === undefined ? undefined : { ...expected.extFields });
        assert.deepEqual(decoded.body ? Buffer.from(decoded.body) : undefined, expected.body);
        assert.equal(decoded.serializeType, expected.serializeType);
      }),
      { numRuns: 500 },
    );
  });

  it('writes the length prefix and the serialize type in the high byte', () => {
    const frame = encodeFrame(createRequest(34, { serializeType: SerializeType.ROCKETMQ, body: Buffer.from('abc') }));
    assert.equal(frame.readInt32BE(0), frame.length - 4);
    assert.equal(frame[4], 1);
    const headerLength = frame.readUInt32BE(4) & 0xffffff;
    assert.equal(frame.subarray(8 + headerLength).toString(), 'abc');
  });

  it('accepts what ali-ons sends: numeric and boolean extFields, language ordinal', () => {
    const header = Buffer.from('{"code":11,"language":0,"version":121,"opaque":5,"flag":0,"extFields":{"queueId":0,"unitMode":false,"topic":"T","gone":null}}');
    const frame = Buffer.alloc(4 + header.length);
    frame.writeUInt32BE(header.length, 0);
    header.copy(frame, 4);
    const command = decodeFrame(frame);
    assert.equal(command.language, 'JAVA');
    assert.deepEqual(command.extFields, { queueId: '0', unitMode: 'false', topic: 'T' });
  });

  it('rejects malformed frames with FrameDecodeError', () => {
    const bad = [
      Buffer.from([0, 0, 0, 9, 1, 2]), // header length larger than the frame
      Buffer.from([7, 0, 0, 0]), // unknown serialize type
      Buffer.from([0, 0, 0, 3, 0x7b, 0x7d, 0x20]), // JSON without a code
      Buffer.from([0, 0, 0, 2, 0x5b, 0x5d]), // JSON array
      Buffer.from([1, 0, 0, 5, 0, 0, 0, 0, 0]), // ROCKETMQ header shorter than 21 bytes
    ];
    for (const frame of bad) assert.throws(() => decodeFrame(frame), FrameDecodeError);
  });
});

describe('FrameDecoder', () => {
  const frames = [
    encodeFrame(createRequest(10, { body: Buffer.alloc(100, 1) })),
    encodeFrame(createResponse(createRequest(11), 0, { remark: 'ok' })),
    encodeFrame(createRequest(12, { serializeType: SerializeType.ROCKETMQ, extFields: { a: 'b' } })),
  ];
  const stream = Buffer.concat(frames);

  it('decodes a stream fed one byte at a time', () => {
    const decoder = new FrameDecoder();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...decoder.push(stream.subarray(i, i + 1)));
    assert.equal(out.length, 3);
    assert.deepEqual(out.map((frame) => decodeFrame(frame).code), [10, 0, 12]);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('decodes coalesced frames and arbitrary splits', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 10 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const decoder = new FrameDecoder();
        const out: Buffer[] = [];
        let from = 0;
        for (const point of [...points, stream.length]) {
          out.push(...decoder.push(stream.subarray(from, point)));
          from = point;
        }
        assert.deepEqual(out.map((frame) => decodeFrame(frame).code), [10, 0, 12]);
      }),
    );
  });

  it('rejects a frame over the maximum before buffering it', () => {
    const decoder = new FrameDecoder(1024);
    const head = Buffer.alloc(8);
    head.writeInt32BE(1021, 0);
    assert.throws(() => decoder.push(head), FrameTooLargeError);
    const ok = new FrameDecoder(1024);
    head.writeInt32BE(1020, 0);
    assert.deepEqual(ok.push(head), []);
  });

  it('rejects a negative or too-small length', () => {
    assert.throws(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xff])), FrameDecodeError);
    assert.throws(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 2])), FrameDecodeError);
  });
});
