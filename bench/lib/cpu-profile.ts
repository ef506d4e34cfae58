/**
 * Where a broker's CPU goes, per thread and per module: per-thread utime + stime from
 * /proc/<pid>/task (the event loop is the thread whose id is the pid; V8's GC helpers and libuv's
 * pool are the others), and the self time of a `node --cpu-prof` profile (main thread only)
 * grouped by the module that ran it. Native frames (syscall bindings) count for the JS module
 * that called them, so an fs write under the commit log is "store append", not "fs".
 */
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100;

/** CPU seconds per thread name (comm) of a process; the event loop is reported as "main". */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '').trim();
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
    } catch {
      // The thread ended between readdir and read.
    }
  }
  return out;
}

export function subtractThreads(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, seconds] of after) out.set(name, Math.max(0, seconds - (before.get(name) ?? 0)));
  return out;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The module groups of the report, in the order printed. */
export const MODULE_GROUPS = [
  'frame + header codec',
  'message properties / ids',
  'transport (connections, dispatch)',
  'send handler',
  'pull handler / long poll',
  'store: commit-log append',
  'store: commit-log read',
  'store: consume queue',
  'store: index',
  'store: segment files (pwrite / pread)',
  'store: other',
  'broker: other',
  'socket I/O (node:net, streams)',
  'other Node.js internals',
  'GC',
  'native, unattributed',
] as const;
export type ModuleGroup = (typeof MODULE_GROUPS)[number];

function groupOf(url: string, functionName: string): ModuleGroup | null {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'native, unattributed';
  if (url === '' || url.startsWith('node:fs') || url.startsWith('node:internal/fs')) return null;
  const path = url.replace(/^file:\/\//, '');
  if (/protocol\/(src|dist)\/(codec|headers|json)\//.test(path)) return 'frame + header codec';
  if (/protocol\/(src|dist)\/message\//.test(path)) return 'message properties / ids';
  if (/protocol\/(src|dist)\/transport\//.test(path)) return 'transport (connections, dispatch)';
  if (/broker\/handlers\/send/.test(path)) return 'send handler';
  if (/broker\/(handlers\/pull|long-poll)/.test(path)) return 'pull handler / long poll';
  if (/store\/(src|dist)\/commit-log\//.test(path)) return /read/i.test(functionName) ? 'store: commit-log read' : 'store: commit-log append';
  if (/store\/(src|dist)\/consume-queue\//.test(path)) return 'store: consume queue';
  if (/store\/(src|dist)\/index-file\//.test(path)) return 'store: index';
  if (/store\/(src|dist)\/segment\//.test(path)) return 'store: segment files (pwrite / pread)';
  if (/store\/(src|dist)\//.test(path)) return 'store: other';
  if (/server\/(src|dist)\//.test(path)) return 'broker: other';
  if (/^node:(net|stream|internal\/(stream|net|streams))/.test(path) || path.includes('stream_base')) return 'socket I/O (node:net, streams)';
  return 'other Node.js internals';
}

export interface ProfileBreakdown {
  /** Sampled milliseconds per group, idle excluded. */
  busyMillis: Map<ModuleGroup, number>;
  idleMillis: number;
}

/** Microseconds of CLOCK_MONOTONIC, the clock of V8's profile timestamps (and of process.hrtime). */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Self time of every sample, grouped; a native or fs frame takes its nearest grouped caller's
 * group. With a window (monotonicMicros() of this or any process on the host), only the samples in it.
 */
export function profileBreakdown(path: string, window?: { from: number; to: number }): ProfileBreakdown {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const groupCache = new Map<number, ModuleGroup>();
  const resolve = (id: number): ModuleGroup => {
    const cached = groupCache.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const own = groupOf(node.callFrame.url, node.callFrame.functionName);
    const up = parent.get(id);
    const group = own ?? (up === undefined ? 'native, unattributed' : resolve(up));
    groupCache.set(id, group);
    return group;
  };
  const busyMillis = new Map<ModuleGroup, number>();
  let idleMillis = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.from || at > window.to)) continue;
    const millis = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]!)!;
    if (node.callFrame.functionName === '(idle)') {
      idleMillis += millis;
      continue;
    }
    const group = resolve(node.id);
    busyMillis.set(group, (busyMillis.get(group) ?? 0) + millis);
  }
  return { busyMillis, idleMillis };
}
