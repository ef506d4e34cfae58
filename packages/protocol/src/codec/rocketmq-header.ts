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

/**
 * Header bytes are assembled here and copied out once: no Buffer per key and value. Grows to
 * the largest header seen below MAX_SCRATCH; larger ones get a buffer of their own.
 */
let scratch = Buffer.allocUnsafeSlow(4096);
const MAX_SCRATCH = 1024 * 1024;

/** Strings up to this length are written and read by a JS loop when ASCII (no native call). */
const SHORT_STRING = 64;

/** Writes `text` as UTF-8 at `at` (room for 3 bytes per UTF-16 unit is guaranteed); returns the byte count. */
function writeUtf8(out: Buffer, text: string, at: number): number {
  const length = text.length;
  if (length <= SHORT_STRING) {
    let i = 0;
    for (; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      out[at + i] = c;
    }
    if (i === length) return length;
  }
  return out.write(text, at, 'utf8');
}

/** The header in `out` from 0; returns its length. `out` must hold `upperBound(command)` bytes. */
function writeHeader(command: RemotingCommand, out: Buffer): number {
  let at = out.writeInt16BE(command.code, 0);
  at = out.writeInt8(LanguageCode[command.language], at);
  at = out.writeInt16BE(command.version, at);
  at = out.writeInt32BE(command.opaque, at);
  at = out.writeInt32BE(command.flag, at);
  const remarkLength = command.remark ? writeUtf8(out, command.remark, at + 4) : 0;
  out.writeInt32BE(remarkLength, at);
  at += 4 + remarkLength;
  const mapAt = at;
  at += 4;
  const extFields = command.extFields;
  if (extFields) {
    for (const key of javaStringMapOrder(Object.keys(extFields))) {
      const keyLength = writeUtf8(out, key, at + 2);
      out.writeInt16BE(keyLength, at);
      at += 2 + keyLength;
      const valueLength = writeUtf8(out, extFields[key]!, at + 4);
      out.writeInt32BE(valueLength, at);
      at += 4 + valueLength;
    }
  }
  out.writeInt32BE(at - mapAt - 4, mapAt);
  return at;
}

/** Bytes the header can take at most (3 UTF-8 bytes per UTF-16 unit). */
function upperBound(command: RemotingCommand): number {
  let bound = FIXED_LENGTH + (command.remark?.length ?? 0) * 3;
  const extFields = command.extFields;
  if (extFields) {
    for (const key in extFields) bound += 6 + (key.length + extFields[key]!.length) * 3;
  }
  return bound;
}

export function encodeRocketMQHeader(command: RemotingCommand): Buffer {
  const bound = upperBound(command);
  if (bound > MAX_SCRATCH) {
    const own = Buffer.allocUnsafe(bound);
    return own.subarray(0, writeHeader(command, own));
  }
  if (bound > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.max(bound, scratch.length * 2));
  const length = writeHeader(command, scratch);
  const out = Buffer.allocUnsafe(length);
  scratch.copy(out, 0, 0, length);
  return out;
}

/**
 * The whole frame of a ROCKETMQ-serialized command (length prefix, header, body) in one
 * Buffer, the header written once into the scratch and copied straight into the frame.
 * Returns undefined when the header is too large for the 24-bit length (the caller reports it).
 */
export function encodeRocketMQFrame(command: RemotingCommand, withBody: boolean): Buffer | undefined {
  const bound = upperBound(command);
  let header: Buffer;
  if (bound > MAX_SCRATCH) header = Buffer.allocUnsafe(bound);
  else {
    if (bound > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.max(bound, scratch.length * 2));
    header = scratch;
  }
  const headerLength = writeHeader(command, header);
  if (headerLength > 0xffffff) return undefined;
  const bodyLength = command.body?.length ?? 0;
  const frame = Buffer.allocUnsafe(8 + headerLength + (withBody ? bodyLength : 0));
  frame.writeInt32BE(4 + headerLength + bodyLength, 0);
  frame.writeUInt32BE(((SerializeType.ROCKETMQ << 24) | headerLength) >>> 0, 4);
  header.copy(frame, 8, 0, headerLength);
  if (withBody && command.body) command.body.copy(frame, 8 + headerLength);
  return frame;
}

/**
 * Short ASCII strings seen before, direct-mapped by a hash of their bytes: the same keys and
 * most of the same values (group, topic, flags, counts) arrive in every request, so they are
 * matched instead of decoded. A miss replaces the slot (timestamps and ids pass through).
 */
const CACHE_SLOTS = 2048;
const cachedStrings: string[] = new Array<string>(CACHE_SLOTS).fill('');
const CACHEABLE_LENGTH = 32;

/** A key or value of `length` bytes at `at`. */
function decodeString(bytes: Buffer, at: number, length: number): string {
  if (length === 0) return '';
  if (length > CACHEABLE_LENGTH) return bytes.toString('utf8', at, at + length);
  const end = at + length;
  let hash = length;
  for (let i = at; i < end; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return bytes.toString('utf8', at, end);
    hash = (Math.imul(hash, 31) + b) | 0;
  }
  const slot = (hash ^ (hash >>> 11)) & (CACHE_SLOTS - 1);
  const known = cachedStrings[slot]!;
  if (known.length === length) {
    let i = 0;
    while (i < length && known.charCodeAt(i) === bytes[at + i]) i++;
    if (i === length) return known;
  }
  const text = bytes.toString('latin1', at, end);
  cachedStrings[slot] = text;
  return text;
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
      const key = decodeString(bytes, at, keyLength);
      at += keyLength;
      checkRange(bytes, at, 4, 'extFields value length', end);
      const valueLength = bytes.readInt32BE(at);
      at += 4;
      checkRange(bytes, at, valueLength, 'extFields value', end);
      setExtField(extFields, key, decodeString(bytes, at, valueLength));
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
