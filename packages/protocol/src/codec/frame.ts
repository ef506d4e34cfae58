/**
 * The remoting frame (RemotingCommand.encode/decode, NettyDecoder):
 *
 *   totalLength int32 (= 4 + headerLength + bodyLength) |
 *   serializeType int8 + headerLength int24 | header | body
 */
import { SerializeType } from '../codes/flags.ts';
import { FrameDecodeError } from '../errors.ts';
import type { RemotingCommand } from './command.ts';
import { decodeJsonHeader, encodeJsonHeader, jsonHeaderText } from './json-header.ts';
import { decodeRocketMQHeader, encodeRocketMQFrame, encodeRocketMQHeader } from './rocketmq-header.ts';

/** Netty's default frameMaxLength; it counts the 4-byte length prefix too. */
export const DEFAULT_MAX_FRAME_LENGTH = 16 * 1024 * 1024;
const MAX_HEADER_LENGTH = 0xffffff;

export function encodeCommandHeader(command: RemotingCommand): Buffer {
  return command.serializeType === SerializeType.ROCKETMQ ? encodeRocketMQHeader(command) : encodeJsonHeader(command);
}

/** The whole frame, length prefix included, as one Buffer. */
export function encodeFrame(command: RemotingCommand): Buffer {
  if (command.serializeType !== SerializeType.ROCKETMQ) return encodeJsonFrame(command);
  const frame = encodeRocketMQFrame(command, true);
  if (!frame) throw new FrameDecodeError(`header of ${encodeCommandHeader(command).length} bytes does not fit the 24-bit header length`);
  return frame;
}

/**
 * The frame without its body: length prefix and header, the length counting the body. Large
 * bodies (pull responses) are written after it as they are, so they are not copied again.
 */
export function encodeFrameHead(command: RemotingCommand): Buffer {
  if (command.serializeType === SerializeType.ROCKETMQ) {
    const head = encodeRocketMQFrame(command, false);
    if (head) return head;
  }
  const header = encodeCommandHeader(command);
  if (header.length > MAX_HEADER_LENGTH) {
    throw new FrameDecodeError(`header of ${header.length} bytes does not fit the 24-bit header length`);
  }
  const bodyLength = command.body?.length ?? 0;
  const head = Buffer.allocUnsafe(8 + header.length);
  head.writeInt32BE(4 + header.length + bodyLength, 0);
  head.writeUInt32BE(((command.serializeType & 0xff) << 24 | header.length) >>> 0, 4);
  header.copy(head, 8);
  return head;
}

/** The JSON case without an intermediate header Buffer: the text is written into the frame. */
function encodeJsonFrame(command: RemotingCommand): Buffer {
  const text = jsonHeaderText(command);
  const headerLength = Buffer.byteLength(text, 'utf8');
  if (headerLength > MAX_HEADER_LENGTH) {
    throw new FrameDecodeError(`header of ${headerLength} bytes does not fit the 24-bit header length`);
  }
  const bodyLength = command.body?.length ?? 0;
  const frame = Buffer.allocUnsafe(8 + headerLength + bodyLength);
  frame.writeInt32BE(4 + headerLength + bodyLength, 0);
  frame.writeUInt32BE(headerLength, 4);
  frame.write(text, 8, 'utf8');
  if (command.body) command.body.copy(frame, 8 + headerLength);
  return frame;
}

/**
 * Decodes one frame without its 4-byte length prefix (what the stream decoder hands out).
 * The body is a view into `frame`, not a copy.
 */
export function decodeFrame(frame: Buffer): RemotingCommand {
  if (frame.length < 4) throw new FrameDecodeError(`frame of ${frame.length} bytes has no header length`);
  const mark = frame.readUInt32BE(0);
  const serializeType = mark >>> 24;
  const headerLength = mark & MAX_HEADER_LENGTH;
  if (headerLength > frame.length - 4) {
    throw new FrameDecodeError(`header length ${headerLength} exceeds the frame's ${frame.length - 4} remaining bytes`);
  }
  const headerBytes = frame.subarray(4, 4 + headerLength);
  let header: Omit<RemotingCommand, 'body'>;
  if (serializeType === SerializeType.JSON) header = decodeJsonHeader(headerBytes);
  else if (serializeType === SerializeType.ROCKETMQ) header = decodeRocketMQHeader(headerBytes);
  else throw new FrameDecodeError(`unknown serialize type ${serializeType} (expected 0 JSON or 1 ROCKETMQ)`);
  (header as RemotingCommand).body = frame.length > 4 + headerLength ? frame.subarray(4 + headerLength) : undefined;
  return header as RemotingCommand;
}

/** Decodes a complete frame including its length prefix, checking the prefix. */
export function decodeFrameWithLength(bytes: Buffer): RemotingCommand {
  if (bytes.length < 8) throw new FrameDecodeError(`frame of ${bytes.length} bytes is shorter than 8`);
  const total = bytes.readInt32BE(0);
  if (total !== bytes.length - 4) {
    throw new FrameDecodeError(`frame length prefix says ${total} bytes but ${bytes.length - 4} follow`);
  }
  return decodeFrame(bytes.subarray(4));
}
