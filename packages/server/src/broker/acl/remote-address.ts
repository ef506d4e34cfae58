/**
 * White remote address patterns (Apache 4.x RemoteAddressStrategyFactory): blank matches
 * nothing; `*`, `*.*.*.*`, `*:*:*:*:*:*:*:*` match everything; `a.b.c.d` one address;
 * `a.b.c.d,e.f.g.h` a list; `a.b.c.{1,2,3}` a set in the last segment; `a.b.*` / `a.b.c.*` a
 * wildcard tail; `a.b.c.1-100` (or `a.b.1-5.*`) a range in one segment. A malformed pattern is
 * an error when the file is loaded.
 */
import { isIP } from 'node:net';

export type AddressMatcher = (peerIp: string) => boolean;

export class AclConfigError extends Error {}

function segmentValue(text: string, pattern: string): number {
  if (!/^\d{1,3}$/.test(text) || Number(text) > 255) throw new AclConfigError(`white remote address "${pattern}": "${text}" is not 0-255`);
  return Number(text);
}

function rangeMatcher(pattern: string): AddressMatcher {
  const parts = pattern.split('.');
  if (parts.length < 2 || parts.length > 4) throw new AclConfigError(`white remote address "${pattern}" is not a valid pattern`);
  const index = parts.findIndex((part, i) => i > 0 && (part === '*' || part.includes('-')));
  if (index < 0) throw new AclConfigError(`white remote address "${pattern}" is not a valid pattern`);
  const head = parts.slice(0, index);
  for (const part of head) segmentValue(part, pattern);
  const spec = parts[index]!;
  let start = 0;
  let end = 255;
  if (spec !== '*') {
    const bounds = spec.split('-');
    if (bounds.length !== 2 || bounds[0] === '') throw new AclConfigError(`white remote address "${pattern}": bad range "${spec}"`);
    start = segmentValue(bounds[0]!, pattern);
    end = segmentValue(bounds[1]!, pattern);
    if (start > end) throw new AclConfigError(`white remote address "${pattern}": range start is above its end`);
  }
  for (const rest of parts.slice(index + 1)) {
    if (rest !== '*') throw new AclConfigError(`white remote address "${pattern}": only * may follow a range or wildcard segment`);
  }
  const prefix = head.length > 0 ? `${head.join('.')}.` : '';
  return (peer) => {
    if (isIP(peer) !== 4 || !peer.startsWith(prefix)) return false;
    const segment = peer.split('.')[index];
    if (segment === undefined) return false;
    const value = Number(segment);
    return value >= start && value <= end;
  };
}

function braceMatcher(pattern: string): AddressMatcher {
  const open = pattern.indexOf('{');
  if (!pattern.endsWith('}') || open < 0) throw new AclConfigError(`white remote address "${pattern}": {…} must be the last segment`);
  const prefix = pattern.slice(0, open);
  const separator = prefix.includes(':') ? ':' : '.';
  if (!prefix.endsWith(separator)) throw new AclConfigError(`white remote address "${pattern}": {…} must be a whole segment`);
  const addresses = new Set(
    pattern
      .slice(open + 1, -1)
      .split(',')
      .map((item) => `${prefix}${item.trim()}`),
  );
  for (const address of addresses) {
    if (isIP(address) === 0) throw new AclConfigError(`white remote address "${pattern}": ${address} is not an IP address`);
  }
  return (peer) => addresses.has(peer);
}

export function addressMatcher(pattern: string | undefined | null): AddressMatcher {
  const text = (pattern ?? '').trim();
  if (text === '') return () => false;
  if (text === '*' || text === '*.*.*.*' || text === '*:*:*:*:*:*:*:*') return () => true;
  if (text.includes('{')) return braceMatcher(text);
  if (text.includes(',')) {
    const addresses = new Set(text.split(',').map((item) => item.trim()).filter((item) => item !== ''));
    for (const address of addresses) {
      if (isIP(address) === 0) throw new AclConfigError(`white remote address "${text}": ${address} is not an IP address`);
    }
    return (peer) => addresses.has(peer);
  }
  if (text.includes('*') || text.includes('-')) return rangeMatcher(text);
  if (isIP(text) === 0) throw new AclConfigError(`white remote address "${text}" is not an IP address or pattern`);
  return (peer) => peer === text;
}
