/**
 * Socket addresses as RocketMQ writes them into records and message ids:
 * IPv4 as 4 bytes, IPv6 as 16 bytes, then the port as an int32.
 * Node's IPv4-mapped IPv6 peers ("::ffff:1.2.3.4") are written as IPv4, as Java does and as
 * ali-ons requires (it always reads 4 bytes).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { MessageDecodeError } from '../errors.ts';

export interface HostAddress {
  readonly address: string;
  readonly port: number;
}

const cache = new Map<string, Buffer>();

/** The 4 or 16 address bytes of an IP literal. */
export function ipToBytes(address: string): Buffer {
  let bytes = cache.get(address);
  if (bytes) return bytes;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1]! : address;
  if (isIPv4(ip)) bytes = Buffer.from(ip.split('.').map(Number));
  else if (isIPv6(ip)) bytes = ipv6ToBytes(ip);
  else throw new MessageDecodeError(`"${address}" is not an IP address`);
  if (cache.size < 1024) cache.set(address, bytes);
  return bytes;
}

function ipv6ToBytes(address: string): Buffer {
  const zoneless = address.split('%')[0]!;
  let text = zoneless;
  const bytes = Buffer.alloc(16);
  // An embedded dotted IPv4 tail ("::1.2.3.4") becomes two hextets.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted[1]!.length) + `${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const parts = tail === undefined ? headParts : [...headParts, ...Array<string>(8 - headParts.length - tailParts.length).fill('0'), ...tailParts];
  parts.forEach((part, i) => bytes.writeUInt16BE(parseInt(part, 16), i * 2));
  return bytes;
}

/** Text form of 4 or 16 address bytes; IPv6 in Java's uncompressed form ("0:0:0:0:0:0:0:1"). */
export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length === 16) {
    const parts: string[] = [];
    for (let i = 0; i < 16; i += 2) parts.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    return parts.join(':');
  }
  throw new MessageDecodeError(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
}

export function isIPv6Address(address: string): boolean {
  return ipToBytes(address).length === 16;
}

/** "ip:port", with IPv6 in brackets. */
export function formatHost(host: HostAddress): string {
  return host.address.includes(':') ? `[${host.address}]:${host.port}` : `${host.address}:${host.port}`;
}

const parsedHosts = new Map<string, HostAddress>();

/** Parses "ip:port" or "[v6]:port" (the result is shared: a connection's peer is parsed once). */
export function parseHost(text: string): HostAddress {
  let host = parsedHosts.get(text);
  if (!host) {
    host = Object.freeze(parseHostText(text));
    if (parsedHosts.size >= 4096) parsedHosts.clear();
    parsedHosts.set(text, host);
  }
  return host;
}

function parseHostText(text: string): HostAddress {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  const match = bracketed ?? /^(.*):(\d+)$/.exec(text);
  if (!match) throw new MessageDecodeError(`"${text}" is not ip:port`);
  return { address: match[1]!, port: Number(match[2]) };
}
