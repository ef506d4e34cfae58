/**
 * Message ids (remoting-protocol.md §9).
 *
 * offsetMsgId (MessageDecoder.createMessageId): uppercase hex of storeHost IP (4|16) + port
 * int32 + commitLogOffset int64 — 32 hex chars for IPv4, 56 for IPv6.
 *
 * UNIQ_KEY (MessageClientIDSetter, 4.8): uppercase hex of client IP (4|16) + pid int16 +
 * a per-process int32 + ms since the start of the month int32 + counter int16.
 */
import { MessageDecodeError } from '../errors.ts';
import { bytesToIp, type HostAddress, ipToBytes } from './host.ts';
import { readInt64, writeInt64 } from './stored-message.ts';

const hostHex = new WeakMap<HostAddress, string>();
const TWO_32 = 0x1_0000_0000;

export function createOffsetMessageId(storeHost: HostAddress, commitLogOffset: number): string {
  // The store host part is the same for every message of a broker: its hex is kept per host.
  if (Number.isSafeInteger(commitLogOffset) && commitLogOffset >= 0) {
    let prefix = hostHex.get(storeHost);
    if (prefix === undefined) {
      prefix = offsetMessageIdBytes(storeHost, 0).toString('hex', 0, ipToBytes(storeHost.address).length + 4).toUpperCase();
      hostHex.set(storeHost, prefix);
    }
    const high = Math.floor(commitLogOffset / TWO_32);
    const low = commitLogOffset - high * TWO_32;
    return prefix + hex8(high) + hex8(low);
  }
  return offsetMessageIdBytes(storeHost, commitLogOffset).toString('hex').toUpperCase();
}

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}

function offsetMessageIdBytes(storeHost: HostAddress, commitLogOffset: number): Buffer {
  const ip = ipToBytes(storeHost.address);
  const bytes = Buffer.allocUnsafe(ip.length + 12);
  ip.copy(bytes, 0);
  bytes.writeInt32BE(storeHost.port, ip.length);
  writeInt64(bytes, commitLogOffset, ip.length + 4);
  return bytes;
}

export interface OffsetMessageId {
  storeHost: HostAddress;
  commitLogOffset: number;
}

export function decodeOffsetMessageId(id: string): OffsetMessageId {
  if ((id.length !== 32 && id.length !== 56) || !/^[0-9A-Fa-f]+$/.test(id)) {
    throw new MessageDecodeError(`"${id}" is not an offset message id (32 or 56 hex digits)`);
  }
  const bytes = Buffer.from(id, 'hex');
  const ipLength = id.length === 32 ? 4 : 16;
  return {
    storeHost: { address: bytesToIp(bytes.subarray(0, ipLength)), port: bytes.readInt32BE(ipLength) },
    commitLogOffset: readInt64(bytes, ipLength + 4),
  };
}

/** Start of the current month in local time, as MessageClientIDSetter computes it. */
function startOfMonth(now: number): number {
  const date = new Date(now);
  return new Date(date.getFullYear(), date.getMonth(), 1).getTime();
}

/** Generates UNIQ_KEY ids with the Java 4.8 client's layout. */
export class UniqueIdGenerator {
  private readonly prefix: Buffer;
  private counter: number;
  private monthStart = 0;
  private nextMonthStart = 0;

  constructor(clientIp: string, pid = process.pid, processToken = Math.floor(Math.random() * 0x7fffffff)) {
    const ip = ipToBytes(clientIp);
    this.prefix = Buffer.allocUnsafe(ip.length + 6);
    ip.copy(this.prefix, 0);
    this.prefix.writeUInt16BE(pid & 0xffff, ip.length);
    this.prefix.writeInt32BE(processToken | 0, ip.length + 2);
    this.counter = Math.floor(Math.random() * 0x10000);
  }

  next(now = Date.now()): string {
    if (now >= this.nextMonthStart) {
      this.monthStart = startOfMonth(now);
      const date = new Date(this.monthStart);
      this.nextMonthStart = new Date(date.getFullYear(), date.getMonth() + 1, 1).getTime();
    }
    const bytes = Buffer.allocUnsafe(this.prefix.length + 6);
    this.prefix.copy(bytes, 0);
    bytes.writeInt32BE((now - this.monthStart) | 0, this.prefix.length);
    bytes.writeUInt16BE(this.counter, this.prefix.length + 4);
    this.counter = (this.counter + 1) & 0xffff;
    return bytes.toString('hex').toUpperCase();
  }
}

export interface UniqueIdParts {
  ip: string;
  pid: number;
  /** Milliseconds since the start of the month the id was made in. */
  sinceMonthStart: number;
  counter: number;
}

/** Reads a Java-layout UNIQ_KEY (32 hex for IPv4 clients, 56 for IPv6). Other ids are opaque. */
export function parseUniqueId(id: string): UniqueIdParts {
  if ((id.length !== 32 && id.length !== 56) || !/^[0-9A-Fa-f]+$/.test(id)) {
    throw new MessageDecodeError(`"${id}" is not a UNIQ_KEY message id (32 or 56 hex digits)`);
  }
  const bytes = Buffer.from(id, 'hex');
  const ipLength = id.length === 32 ? 4 : 16;
  return {
    ip: bytesToIp(bytes.subarray(0, ipLength)),
    pid: bytes.readUInt16BE(ipLength),
    sinceMonthStart: bytes.readInt32BE(ipLength + 6),
    counter: bytes.readUInt16BE(ipLength + 10),
  };
}

/**
 * The store time window a UNIQ_KEY was made in, as Java's getNearlyTimeFromID: the month
 * start nearest before `now` such that the result is not in the future.
 */
export function nearlyTimeFromUniqueId(id: string, now = Date.now()): number {
  const { sinceMonthStart } = parseUniqueId(id);
  const thisMonth = startOfMonth(now);
  if (thisMonth + sinceMonthStart <= now) return thisMonth + sinceMonthStart;
  const date = new Date(thisMonth);
  return new Date(date.getFullYear(), date.getMonth() - 1, 1).getTime() + sinceMonthStart;
}
