/**
 * The SEND_BATCH_MESSAGE body (MessageDecoder.encodeMessages / decodeMessages), per message:
 *
 *   totalSize int32 (= 22 + body + properties) | magicCode int32 (0) | bodyCRC int32 (0) |
 *   flag int32 | bodyLength int32 + body | propertiesLength int16 + properties
 */
import { MessageDecodeError } from '../errors.ts';
import { MAX_PROPERTIES_BYTES } from './stored-message.ts';

export interface BatchEntry {
  flag: number;
  body: Uint8Array;
  /** The message's own properties string (see encodeProperties). */
  propertiesText: string;
}

export interface DecodedBatchEntry {
  flag: number;
  body: Buffer;
  propertiesText: string;
}

export function encodeBatch(messages: readonly BatchEntry[]): Buffer {
  const encoded = messages.map((message) => {
    const properties = Buffer.from(message.propertiesText, 'utf8');
    if (properties.length > MAX_PROPERTIES_BYTES) {
      throw new MessageDecodeError(`properties of ${properties.length} bytes exceed ${MAX_PROPERTIES_BYTES}`);
    }
    return { message, properties, size: 22 + message.body.length + properties.length };
  });
  const out = Buffer.allocUnsafe(encoded.reduce((sum, entry) => sum + entry.size, 0));
  let at = 0;
  for (const { message, properties, size } of encoded) {
    at = out.writeInt32BE(size, at);
    at = out.writeInt32BE(0, at);
    at = out.writeInt32BE(0, at);
    at = out.writeInt32BE(message.flag, at);
    at = out.writeInt32BE(message.body.length, at);
    out.set(message.body, at);
    at += message.body.length;
    at = out.writeInt16BE(properties.length, at);
    at += properties.copy(out, at);
  }
  return out;
}

/** Splits a batch body; throws MessageDecodeError (naming the message index) when malformed. */
export function decodeBatch(body: Buffer): DecodedBatchEntry[] {
  const messages: DecodedBatchEntry[] = [];
  let at = 0;
  while (at < body.length) {
    const index = messages.length;
    const fail = (what: string): never => {
      throw new MessageDecodeError(`batch message ${index} at byte ${at}: ${what}`);
    };
    if (body.length - at < 22) fail(`${body.length - at} bytes left, a message needs at least 22`);
    const totalSize = body.readInt32BE(at);
    if (totalSize < 22 || at + totalSize > body.length) fail(`totalSize ${totalSize} does not fit the ${body.length - at} bytes left`);
    const flag = body.readInt32BE(at + 12);
    const bodyLength = body.readInt32BE(at + 16);
    if (bodyLength < 0 || 20 + bodyLength + 2 > totalSize) fail(`body length ${bodyLength} does not fit totalSize ${totalSize}`);
    const messageBody = body.subarray(at + 20, at + 20 + bodyLength);
    const propertiesLength = body.readInt16BE(at + 20 + bodyLength);
    if (propertiesLength < 0 || 22 + bodyLength + propertiesLength !== totalSize) {
      fail(`properties length ${propertiesLength} does not match totalSize ${totalSize}`);
    }
    const start = at + 22 + bodyLength;
    messages.push({ flag, body: messageBody, propertiesText: body.toString('utf8', start, start + propertiesLength) });
    at += totalSize;
  }
  return messages;
}
