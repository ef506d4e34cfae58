/**
 * The binary ROCKETMQ header (serializeType 1), RocketMQSerializable.java:
 *
 *   code int16 | language int8 | version int16 | opaque int32 | flag int32 |
 *   remarkLength int32 + remark UTF-8 |
 *   extFieldsLength int32 + (keyLength int16 + key UTF-8 + valueLength int32 + value UTF-8)*
 *
 * Lengths are byte lengths; an absent or empty remark or map is written as length 0.
 */
import { SerializeType } from '../codes/flags.ts';
import { LanguageCode, languageFromByte } from '../codes/language-code.ts';
import { FrameDecodeError } from '../errors.ts';
import { type ExtFields, type RemotingCommand, setExtField } from './command.ts';
import { javaStringMapOrder } from './java-hash.ts';

const FIXED_LENGTH = 21;

export function encodeRocketMQHeader(command: RemotingCommand): Buffer {
  const remark = command.remark ? Buffer.from(command.remark, 'utf8') : undefined;
  const entries: [Buffer, Buffer][] = [];
  let mapLength = 0;
  if (command.extFields) {
    for (const key of javaStringMapOrder(Object.keys(command.extFields))) {
      const k = Buffer.from(key, 'utf8');
      const v = Buffer.from(command.extFields[key]!, 'utf8');
      entries.push([k, v]);
      mapLength += 2 + k.length + 4 + v.length;
    }
  }
  const out = Buffer.allocUnsafe(FIXED_LENGTH + (remark?.length ?? 0) + mapLength);
  let at = out.writeInt16BE(command.code, 0);
  at = out.writeInt8(LanguageCode[command.language], at);
  at = out.writeInt16BE(command.version, at);
  at = out.writeInt32BE(command.opaque, at);
  at = out.writeInt32BE(command.flag, at);
  at = out.writeInt32BE(remark?.length ?? 0, at);
  if (remark) at += remark.copy(out, at);
  at = out.writeInt32BE(mapLength, at);
  for (const [k, v] of entries) {
    at = out.writeInt16BE(k.length, at);
    at += k.copy(out, at);
    at = out.writeInt32BE(v.length, at);
    at += v.copy(out, at);
  }
  return out;
}

export function decodeRocketMQHeader(bytes: Buffer): Omit<RemotingCommand, 'body'> {
  if (bytes.length < FIXED_LENGTH) {
    throw new FrameDecodeError(`ROCKETMQ header of ${bytes.length} bytes is shorter than its fixed ${FIXED_LENGTH} bytes`);
  }
  const code = bytes.readInt16BE(0);
  const language = languageFromByte(bytes.readInt8(2));
  const version = bytes.readInt16BE(3);
  const opaque = bytes.readInt32BE(5);
  const flag = bytes.readInt32BE(9);
  const remarkLength = bytes.readInt32BE(13);
  let at = 17;
  checkRange(bytes, at, remarkLength, 'remark');
  const remark = remarkLength > 0 ? bytes.toString('utf8', at, at + remarkLength) : undefined;
  at += remarkLength;
  checkRange(bytes, at, 4, 'extFields length');
  const mapLength = bytes.readInt32BE(at);
  at += 4;
  checkRange(bytes, at, mapLength, 'extFields');
  const end = at + mapLength;
  let extFields: ExtFields | undefined;
  if (mapLength > 0) {
    extFields = {};
    while (at < end) {
      checkRange(bytes, at, 2, 'extFields key length', end);
      const keyLength = bytes.readInt16BE(at);
      at += 2;
      checkRange(bytes, at, keyLength, 'extFields key', end);
      const key = bytes.toString('utf8', at, at + keyLength);
      at += keyLength;
      checkRange(bytes, at, 4, 'extFields value length', end);
      const valueLength = bytes.readInt32BE(at);
      at += 4;
      checkRange(bytes, at, valueLength, 'extFields value', end);
      setExtField(extFields, key, bytes.toString('utf8', at, at + valueLength));
      at += valueLength;
    }
  }
  return { code, language, version, opaque, flag, remark, extFields, serializeType: SerializeType.ROCKETMQ };
}

function checkRange(bytes: Buffer, at: number, length: number, what: string, end = bytes.length): void {
  if (length < 0 || at + length > end) {
    throw new FrameDecodeError(`ROCKETMQ header: ${what} (${length} bytes at ${at}) runs past the header end (${end})`);
  }
}
