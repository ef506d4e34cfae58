/**
 * Linux network namespaces for partition tests (test code only; needs root and iproute2).
 *
 * One /24 on a bridge that lives in its own namespace. The test process (root namespace) is on
 * it as `hostIp`; every named namespace gets its own address and a `prefix` to run a command
 * inside it (`ip netns exec <ns>`, which execs: the child's pid is the command's). A partition
 * between two members is an `unreachable` route to the other's address on both sides: packets
 * are dropped at the sender and connects fail at once, while each side keeps reaching everyone
 * else (the test process, say). Healing deletes the routes.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args, { timeout: 10_000 });
  return stdout;
}

export interface NetnsMember {
  readonly name: string;
  /** The namespace's name as `ip netns` knows it. */
  readonly netns: string;
  readonly ip: string;
  /** Prepend to a command line to run it in this namespace. */
  readonly prefix: readonly string[];
}

export interface NetnsLab {
  /** The root namespace's address on the lab's bridge. */
  readonly hostIp: string;
  member(name: string): NetnsMember;
  /** Cuts `a` off from each of `others` (both directions). */
  partition(a: string, others: readonly string[]): Promise<void>;
  /** Removes every partition. */
  heal(): Promise<void>;
  /** Deletes the namespaces and links (end the processes inside first). */
  destroy(): Promise<void>;
}

/** Why a netns test cannot run here, or undefined when it can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
  try {
    await ip('-V');
  } catch {
    return 'iproute2 is not installed (apt-get install -y iproute2)';
  }
  const probe = `rqprobe${randomBytes(3).toString('hex')}`;
  try {
    await ip('netns', 'add', probe);
  } catch (error) {
    return `ip netns add failed (${(error as Error).message.trim().split('\n').pop()}): the sandbox forbids network namespaces`;
  }
  await ip('netns', 'del', probe).catch(() => undefined);
  return undefined;
}

/** A free 10.213.N.0/24 (not on any local interface). */
async function freeSubnet(): Promise<string> {
  const used = await ip('-4', '-o', 'addr', 'show');
  for (let attempt = 0; attempt < 50; attempt++) {
    const n = 1 + Math.floor(Math.random() * 253);
    if (!used.includes(` 10.213.${n}.`)) return `10.213.${n}`;
  }
  throw new Error('no free 10.213.N.0/24 subnet for the netns lab');
}

export async function createNetnsLab(names: readonly string[]): Promise<NetnsLab> {
  // Interface names are at most 15 characters: short ids.
  const id = randomBytes(2).toString('hex');
  const subnet = await freeSubnet();
  const bridgeNs = `rq${id}br`;
  const hostLink = `rq${id}h`;
  const created: string[] = [];
  const members = new Map<string, NetnsMember>();
  const partitions: { netns: string; ip: string }[] = [];
  const destroy = async (): Promise<void> => {
    for (const netns of created.reverse()) await ip('netns', 'del', netns).catch(() => undefined);
    created.length = 0;
    await ip('link', 'del', hostLink).catch(() => undefined);
  };
  try {
    await ip('netns', 'add', bridgeNs);
    created.push(bridgeNs);
    await ip('-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', bridgeNs, 'link', 'set', 'br0', 'up');
    const attach = async (link: string, peer: string): Promise<void> => {
      await ip('link', 'add', link, 'type', 'veth', 'peer', 'name', peer);
      await ip('link', 'set', peer, 'netns', bridgeNs);
      await ip('-n', bridgeNs, 'link', 'set', peer, 'master', 'br0');
      await ip('-n', bridgeNs, 'link', 'set', peer, 'up');
    };
    await attach(hostLink, `rq${id}hp`);
    await ip('addr', 'add', `${subnet}.1/24`, 'dev', hostLink);
    await ip('link', 'set', hostLink, 'up');
    for (const [i, name] of names.entries()) {
      const netns = `rq${id}${name}`;
      const link = `rq${id}m${i}`;
      await ip('netns', 'add', netns);
      created.push(netns);
      await attach(link, `rq${id}m${i}p`);
      await ip('link', 'set', link, 'netns', netns);
      const address = `${subnet}.${10 + i}`;
      await ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', link);
      await ip('-n', netns, 'link', 'set', link, 'up');
      await ip('-n', netns, 'link', 'set', 'lo', 'up');
      members.set(name, { name, netns, ip: address, prefix: ['ip', 'netns', 'exec', netns] });
    }
  } catch (error) {
    await destroy();
    throw error;
  }
  const member = (name: string): NetnsMember => {
    const found = members.get(name);
    if (!found) throw new Error(`no namespace ${name} in this lab (${[...members.keys()].join(', ')})`);
    return found;
  };
  return {
    hostIp: `${subnet}.1`,
    member,
    partition: async (a, others) => {
      const from = member(a);
      for (const name of others) {
        const to = member(name);
        for (const [side, target] of [
          [from, to],
          [to, from],
        ] as const) {
          await ip('-n', side.netns, 'route', 'add', 'unreachable', `${target.ip}/32`);
          partitions.push({ netns: side.netns, ip: target.ip });
        }
      }
    },
    heal: async () => {
      for (const { netns, ip: target } of partitions.splice(0)) await ip('-n', netns, 'route', 'del', 'unreachable', `${target}/32`);
    },
    destroy,
  };
}
