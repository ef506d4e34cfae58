/**
 * The address a broker advertises when brokerIP1 is not set, chosen as RocketMQ's
 * RemotingUtil.getLocalAddress does: the first non-loopback IPv4 address that does not start
 * with 127.0 or 192.168, else the last IPv4 seen, else the first IPv6, else 127.0.0.1.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export function pickLocalAddress(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  const v4 = all.filter((i) => i.family === 'IPv4' && !i.internal).map((i) => i.address);
  const preferred = v4.find((address) => !address.startsWith('127.0') && !address.startsWith('192.168'));
  if (preferred) return preferred;
  if (v4.length > 0) return v4[v4.length - 1]!;
  const v6 = all.find((i) => i.family === 'IPv6' && !i.internal);
  return v6?.address ?? '127.0.0.1';
}
