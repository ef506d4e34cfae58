/**
 * /proc readings of the server processes: VmRSS (resident memory) and utime + stime (CPU time
 * used since the process started). Linux only, as the benchmark is.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux build we run). */
const CLOCK_TICKS = 100;

/** VmRSS in KiB, or null when the process is gone. */
export function rssKiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** utime + stime in seconds, or null when the process is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Sum over processes (a gone process counts 0). */
export function totalRssKiB(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (rssKiB(pid) ?? 0), 0);
}

export function totalCpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
}

/** Samples the summed RSS every `everyMillis` until stopped; keeps the peak. */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: readonly number[],
    everyMillis = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMillis);
  }

  private sample(): void {
    this.peak = Math.max(this.peak, totalRssKiB(this.pids));
  }

  /** Stops sampling; the peak RSS in KiB. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}
