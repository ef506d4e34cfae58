/**
 * What the harness knows about a system under test, whichever it is (rocketmq-ts, Apache
 * RocketMQ, the null broker): where clients connect, which processes are the servers (for
 * /proc readings), how long it took to accept its first send, and how to stop it.
 */
export interface BenchTarget {
  /** Short name used in tables and charts: "rocketmq-ts", "apache-5.3.3", "null-broker". */
  readonly label: string;
  /** "127.0.0.1:port" */
  readonly namesrvAddr: string;
  /** "127.0.0.1:port" */
  readonly brokerAddr: string;
  /** Every master when the system runs several (`npm start -- --brokers N`); else absent. */
  readonly brokerAddrs?: readonly string[];
  /** The server processes (broker and name server; one pid when they share a process). */
  readonly pids: readonly number[];
  /** From spawning the first server process to the first SEND_OK. */
  readonly startupMillis: number;
  /** Stops every server process and removes its run directory (the store directory too). */
  stop(): Promise<void>;
}

export type FlushDiskType = 'ASYNC_FLUSH' | 'SYNC_FLUSH';

/** The settings every target starts with, so the comparison is on equal footing. */
export interface TargetSettings {
  flushDiskType: FlushDiskType;
  /** Where the target may create its store and run directory (removed by stop()). */
  workDir: string;
  /** Topics a null broker registers with its name server (real brokers auto-create them). */
  topics: readonly string[];
  /**
   * Starts on the store an earlier start with the same workDir left, and stop() leaves it
   * (a restart on a kept store); by default a start begins empty and stop() removes the store.
   */
  keepStore?: boolean;
  /** Commit-log segment size (mappedFileSizeCommitLog); 1 GiB when absent. */
  commitLogSegmentBytes?: number;
  /** Starts the server processes pinned to these CPUs (`taskset -c`, e.g. "1" or "0,1"); every thread inherits it. */
  cpus?: string;
}

/** The command and arguments that run `command args` pinned to `cpus` when given. */
export function pinned(cpus: string | undefined, command: string, args: readonly string[]): [string, string[]] {
  return cpus === undefined ? [command, [...args]] : ['taskset', ['-c', cpus, command, ...args]];
}
