/**
 * The stored message record: the CommitLog record, also the body of PULL, QUERY_MESSAGE,
 * VIEW_MESSAGE_BY_ID and CHECK_TRANSACTION_STATE. MessageDecoder.decode, CommitLog.doAppend.
 *
 *   totalSize int32 | magicCode int32 | bodyCRC int32 | queueId int32 | flag int32 |
 *   queueOffset int64 | physicalOffset int64 | sysFlag int32 | bornTimestamp int64 |
 *   bornHost (4|16 bytes + port int32) | storeTimestamp int64 | storeHost (4|16 + int32) |
 *   reconsumeTimes int32 | preparedTransactionOffset int64 | bodyLength int32 + body |
 *   topicLength int8 (int16 with magic V2) + topic | propertiesLength int16 + properties
 */
import { crc32 } from 'node:zlib';
import { MessageDecodeError } from '../errors.ts';
import { uncompressBody } from './compression.ts';
import { bytesToIp, type HostAddress, ipToBytes } from './host.ts';
import { decodeProperties, type MessageProperties } from './properties.ts';
import { MessageSysFlag } from './sys-flag.ts';

/** 0xDAA320A7: a 4.x record. */
export const MESSAGE_MAGIC_CODE = -626843481;
/** 0xDAA320AB: a 5.x record whose topic length is an int16 (read, never written). */
export const MESSAGE_MAGIC_CODE_V2 = -626843477;
/** 0xCBD43194: the blank record that fills the end of a CommitLog segment. */
export const BLANK_MAGIC_CODE = -875286124;

export const MAX_TOPIC_BYTES = 127;
export const MAX_PROPERTIES_BYTES = 32767;

export interface StoredMessage {
  storeSize: number;
  bodyCRC: number;
  queueId: number;
  flag: number;
  queueOffset: number;
  commitLogOffset: number;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: HostAddress;
  storeTimestamp: number;
  storeHost: HostAddress;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  /** As stored (compressed when sysFlag has COMPRESSED), unless decoded with `uncompress`. */
  body: Buffer;
  topic: string;
  properties: MessageProperties;
  /** The properties string exactly as stored. */
  propertiesText: string;
}

export interface StoredMessageInit {
  queueId: number;
  flag: number;
  queueOffset: number;
  commitLogOffset: number;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: HostAddress;
  storeTimestamp: number;
  storeHost: HostAddress;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  body: Uint8Array;
  topic: string;
  /** The properties string (see encodeProperties). */
  propertiesText: string;
  /** CRC32 & 0x7FFFFFFF of the body; computed when absent. */
  bodyCRC?: number;
}

/** 91 + body + topic + properties, +12 per IPv6 host (CommitLog.calMsgLength). */
export function storedMessageLength(sysFlag: number, bodyLength: number, topicLength: number, propertiesLength: number): number {
  const bornHostLength = sysFlag & MessageSysFlag.BORNHOST_V6 ? 20 : 8;
  const storeHostLength = sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6 ? 20 : 8;
  return 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + bornHostLength + 8 + storeHostLength + 4 + 8 + 4 + bodyLength + 1 + topicLength + 2 + propertiesLength;
}

export function bodyCrc(body: Uint8Array): number {
  return (crc32(body) & 0x7fffffff) >>> 0;
}

/** The sysFlag with the host bits set from the addresses (the v6 bits are derived, not given). */
export function withHostFlags(sysFlag: number, bornHost: HostAddress, storeHost: HostAddress): number {
  let flag = sysFlag & ~(MessageSysFlag.BORNHOST_V6 | MessageSysFlag.STOREHOSTADDRESS_V6);
  if (ipToBytes(bornHost.address).length === 16) flag |= MessageSysFlag.BORNHOST_V6;
  if (ipToBytes(storeHost.address).length === 16) flag |= MessageSysFlag.STOREHOSTADDRESS_V6;
  return flag;
}

export function encodeStoredMessage(message: StoredMessageInit): Buffer {
  const topic = Buffer.from(message.topic, 'utf8');
  const properties = Buffer.from(message.propertiesText, 'utf8');
  const sysFlag = withHostFlags(message.sysFlag, message.bornHost, message.storeHost);
  const out = Buffer.allocUnsafe(storedMessageLength(sysFlag, message.body.length, topic.length, properties.length));
  writeStoredMessage(out, 0, message, topic, properties);
  return out;
}

/**
 * Writes one record at `at` and returns its length. `topic`/`properties` are the UTF-8 bytes
 * (callers on a hot path encode them once). Throws MessageDecodeError when a field does not fit.
 */
export function writeStoredMessage(out: Buffer, at: number, message: StoredMessageInit, topic: Buffer, properties: Buffer): number {
  if (topic.length > MAX_TOPIC_BYTES) throw new MessageDecodeError(`topic of ${topic.length} bytes exceeds ${MAX_TOPIC_BYTES}`);
  if (properties.length > MAX_PROPERTIES_BYTES) {
    throw new MessageDecodeError(`properties of ${properties.length} bytes exceed ${MAX_PROPERTIES_BYTES}`);
  }
  const bornIp = ipToBytes(message.bornHost.address);
  const storeIp = ipToBytes(message.storeHost.address);
  const sysFlag = withHostFlags(message.sysFlag, message.bornHost, message.storeHost);
  const length = storedMessageLength(sysFlag, message.body.length, topic.length, properties.length);
  const start = at;
  at = out.writeInt32BE(length, at);
  at = out.writeInt32BE(MESSAGE_MAGIC_CODE, at);
  at = out.writeInt32BE(message.bodyCRC ?? bodyCrc(message.body), at);
  at = out.writeInt32BE(message.queueId, at);
  at = out.writeInt32BE(message.flag, at);
  at = writeInt64(out, message.queueOffset, at);
  at = writeInt64(out, message.commitLogOffset, at);
  at = out.writeInt32BE(sysFlag, at);
  at = writeInt64(out, message.bornTimestamp, at);
  at += bornIp.copy(out, at);
  at = out.writeInt32BE(message.bornHost.port, at);
  at = writeInt64(out, message.storeTimestamp, at);
  at += storeIp.copy(out, at);
  at = out.writeInt32BE(message.storeHost.port, at);
  at = out.writeInt32BE(message.reconsumeTimes, at);
  at = writeInt64(out, message.preparedTransactionOffset, at);
  at = out.writeInt32BE(message.body.length, at);
  out.set(message.body, at);
  at += message.body.length;
  at = out.writeInt8(topic.length, at);
  at += topic.copy(out, at);
  at = out.writeInt16BE(properties.length, at);
  at += properties.copy(out, at);
  return at - start;
}

export interface DecodeStoredOptions {
  /** Inflate a COMPRESSED body and clear the flag (default false: body as stored). */
  uncompress?: boolean;
  /** Check the body CRC (default false; the broker computed it). */
  checkCRC?: boolean;
}

/** Reads one record at `at`. Throws MessageDecodeError on a truncated or malformed record. */
export function decodeStoredMessage(buffer: Buffer, at = 0, options: DecodeStoredOptions = {}): StoredMessage {
  const reader = new RecordReader(buffer, at);
  const storeSize = reader.int32('totalSize');
  if (storeSize < 4 || at + storeSize > buffer.length) {
    throw new MessageDecodeError(`record at ${at} declares ${storeSize} bytes but ${buffer.length - at} remain`);
  }
  reader.end = at + storeSize;
  const magic = reader.int32('magicCode');
  if (magic !== MESSAGE_MAGIC_CODE && magic !== MESSAGE_MAGIC_CODE_V2) {
    throw new MessageDecodeError(`record at ${at} has magic code 0x${(magic >>> 0).toString(16)}, not a message`);
  }
  const bodyCRC = reader.int32('bodyCRC');
  const queueId = reader.int32('queueId');
  const flag = reader.int32('flag');
  const queueOffset = reader.int64('queueOffset');
  const commitLogOffset = reader.int64('physicalOffset');
  let sysFlag = reader.int32('sysFlag');
  const bornTimestamp = reader.int64('bornTimestamp');
  const bornHost = reader.host(sysFlag & MessageSysFlag.BORNHOST_V6 ? 16 : 4, 'bornHost');
  const storeTimestamp = reader.int64('storeTimestamp');
  const storeHost = reader.host(sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6 ? 16 : 4, 'storeHost');
  const reconsumeTimes = reader.int32('reconsumeTimes');
  const preparedTransactionOffset = reader.int64('preparedTransactionOffset');
  let body = reader.bytes(reader.int32('bodyLength'), 'body');
  const topicLength = magic === MESSAGE_MAGIC_CODE_V2 ? reader.int16('topicLength') : reader.uint8('topicLength');
  const topic = reader.bytes(topicLength, 'topic').toString('utf8');
  const propertiesText = reader.bytes(reader.int16('propertiesLength'), 'properties').toString('utf8');
  if (reader.at !== reader.end) {
    throw new MessageDecodeError(`record at ${at} declares ${storeSize} bytes but its fields take ${reader.at - at}`);
  }
  if (options.checkCRC && bodyCrc(body) !== bodyCRC) {
    throw new MessageDecodeError(`record at ${at}: body CRC ${bodyCrc(body)} does not match the stored ${bodyCRC}`);
  }
  if (options.uncompress && sysFlag & MessageSysFlag.COMPRESSED) {
    body = uncompressBody(body);
    sysFlag &= ~MessageSysFlag.COMPRESSED;
  }
  return {
    storeSize,
    bodyCRC,
    queueId,
    flag,
    queueOffset,
    commitLogOffset,
    sysFlag,
    bornTimestamp,
    bornHost,
    storeTimestamp,
    storeHost,
    reconsumeTimes,
    preparedTransactionOffset,
    body,
    topic,
    properties: decodeProperties(propertiesText),
    propertiesText,
  };
}

/** Reads concatenated records (a PULL or QUERY body) to the end of the buffer. */
export function decodeStoredMessages(buffer: Buffer, options: DecodeStoredOptions = {}): StoredMessage[] {
  const messages: StoredMessage[] = [];
  let at = 0;
  while (at < buffer.length) {
    const message = decodeStoredMessage(buffer, at, options);
    messages.push(message);
    at += message.storeSize;
  }
  return messages;
}

/** Writes a JS integer as a big-endian int64 without allocating a BigInt. */
export function writeInt64(out: Buffer, value: number, at: number): number {
  const high = Math.floor(value / 0x1_0000_0000);
  out.writeInt32BE(high, at);
  out.writeUInt32BE(value - high * 0x1_0000_0000, at + 4);
  return at + 8;
}

/** Reads a big-endian int64 as a JS number (exact within ±2^53). */
export function readInt64(buffer: Buffer, at: number): number {
  return buffer.readInt32BE(at) * 0x1_0000_0000 + buffer.readUInt32BE(at + 4);
}

class RecordReader {
  end: number;

  constructor(
    private readonly buffer: Buffer,
    public at: number,
  ) {
    this.end = buffer.length;
  }

  private need(count: number, field: string): void {
    if (count < 0 || this.at + count > this.end) {
      throw new MessageDecodeError(`record field ${field} (${count} bytes at ${this.at}) runs past the record end (${this.end})`);
    }
  }

  uint8(field: string): number {
    this.need(1, field);
    return this.buffer.readUInt8(this.at++);
  }

  int16(field: string): number {
    this.need(2, field);
    const value = this.buffer.readInt16BE(this.at);
    this.at += 2;
    return value;
  }

  int32(field: string): number {
    this.need(4, field);
    const value = this.buffer.readInt32BE(this.at);
    this.at += 4;
    return value;
  }

  int64(field: string): number {
    this.need(8, field);
    const value = readInt64(this.buffer, this.at);
    this.at += 8;
    return value;
  }

  bytes(count: number, field: string): Buffer {
    this.need(count, field);
    const value = this.buffer.subarray(this.at, this.at + count);
    this.at += count;
    return value;
  }

  host(ipLength: number, field: string): HostAddress {
    const ip = this.bytes(ipLength, field);
    return { address: bytesToIp(ip), port: this.int32(`${field} port`) };
  }
}
