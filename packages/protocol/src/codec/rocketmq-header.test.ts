/**
 * The ROCKETMQ header's hot-path encoder (scratch buffer, JS writes of short ASCII strings)
 * and decoder (cached keys, JS reads of short ASCII values) against a plain reference that
 * encodes every string with Buffer.from, and the frame head against the whole frame.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LanguageCode } from '../codes/language-code.ts';
import { SerializeType } from '../codes/flags.ts';
import { createRequest, type RemotingCommand } from './command.ts';
import { encodeFrame, encodeFrameHead } from './frame.ts';
import { javaStringMapOrder } from './java-hash.ts';
import { decodeRocketMQHeader, encodeRocketMQHeader } from './rocketmq-header.ts';

/** RocketMQSerializable.rocketMQProtocolEncode, one Buffer per string. */
function referenceEncode(command: RemotingCommand): Buffer {
  const parts: Buffer[] = [];
  const fixed = Buffer.alloc(17);
  fixed.writeInt16BE(command.code, 0);
  fixed.writeInt8(LanguageCode[command.language], 2);
  fixed.writeInt16BE(command.version, 3);
  fixed.writeInt32BE(command.opaque, 5);
  fixed.writeInt32BE(command.flag, 9);
  const remark = Buffer.from(command.remark ?? '', 'utf8');
  fixed.writeInt32BE(remark.length, 13);
  parts.push(fixed, remark);
  const map: Buffer[] = [];
  for (const key of javaStringMapOrder(Object.keys(command.extFields ?? {}))) {
    const k = Buffer.from(key, 'utf8');
    const v = Buffer.from(command.extFields![key]!, 'utf8');
    const kl = Buffer.alloc(2);
    kl.writeInt16BE(k.length);
    const vl = Buffer.alloc(4);
    vl.writeInt32BE(v.length);
    map.push(kl, k, vl, v);
  }
  const mapBytes = Buffer.concat(map);
  const ml = Buffer.alloc(4);
  ml.writeInt32BE(mapBytes.length);
  parts.push(ml, mapBytes);
  return Buffer.concat(parts);
}

const text = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 20 }));

describe('ROCKETMQ header fast paths', () => {
  it('encode byte-for-byte like the reference and decode back, ASCII or not, short or long', () => {
    fc.assert(
      fc.property(fc.dictionary(text, text, { maxKeys: 16 }), fc.option(text, { nil: undefined }), fc.integer({ min: -2147483648, max: 2147483647 }), (extFields, remark, opaque) => {
        const command = createRequest(310, { extFields, remark, opaque, serializeType: SerializeType.ROCKETMQ });
        const encoded = encodeRocketMQHeader(command);
        assert.deepEqual(encoded, referenceEncode(command));
        const decoded = decodeRocketMQHeader(encoded);
        assert.deepEqual({ ...decoded.extFields }, { ...extFields });
        assert.equal(decoded.remark, remark === '' ? undefined : remark);
      }),
      { numRuns: 500 },
    );
  });

  it('tells apart keys whose byte hashes collide', () => {
    // "Aa" and "BB" share a hash; so do longer strings built from them.
    const command = createRequest(310, { extFields: { Aa: '1', BB: '2', AaBB: '3', BBAa: '4' }, serializeType: SerializeType.ROCKETMQ });
    for (let round = 0; round < 3; round++) {
      assert.deepEqual({ ...decodeRocketMQHeader(encodeRocketMQHeader(command)).extFields }, { Aa: '1', BB: '2', AaBB: '3', BBAa: '4' });
    }
  });

  it('writes a frame head that, followed by the body, is the whole frame', () => {
    const body = Buffer.alloc(10_000, 7);
    for (const serializeType of [SerializeType.ROCKETMQ, SerializeType.JSON]) {
      const command = createRequest(11, { extFields: { topic: 'T', queueId: '1' }, remark: 'r', body, serializeType });
      assert.deepEqual(Buffer.concat([encodeFrameHead(command), body]), encodeFrame(command));
    }
  });

  it('grows past its scratch buffer for a large header', () => {
    const command = createRequest(310, { extFields: { big: 'x'.repeat(100_000), small: 'é' }, serializeType: SerializeType.ROCKETMQ });
    assert.deepEqual(encodeRocketMQHeader(command), referenceEncode(command));
    assert.deepEqual(encodeFrame(command).subarray(8), referenceEncode(command));
  });
});
