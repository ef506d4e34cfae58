/** What one benchmark run measured (bench/results/latest.json), and how rounds are combined. */
import type { FlushDiskType } from './target.ts';

export interface TargetFigures {
  label: string;
  flush: FlushDiskType;
  startupMillis: number;
  idleRssKiB: number;
  /** Highest summed VmRSS of the server processes seen while any load ran against them. */
  peakRssKiB: number;
}

export type LoadTool = 'rocketmq-producer' | 'ts-producer';

export interface SendFigure {
  tool: LoadTool;
  target: string;
  flush: FlushDiskType;
  bodySize: number;
  threads: number;
  round: number;
  tps: number;
  avgRtMillis: number;
  /** rocketmq-producer: max since its start; ts-producer: max of the measured window. */
  maxRtMillis: number;
  /** ts-producer only (RocketMQ's Producer does not report percentiles). */
  p99RtMillis: number | null;
  failed: number;
  /** Server CPU (utime + stime) per 10,000 messages sent, in milliseconds. */
  cpuMillisPer10k: number | null;
}

export interface ConsumeFigure {
  target: string;
  flush: FlushDiskType;
  kind: 'backlog' | 'end-to-end' | 'scale-backlog';
  tps: number;
  avgB2CMillis: number;
  maxB2CMillis: number;
  /** Messages waiting when the consumer started (backlog kinds). */
  backlog: number | null;
}

export interface ScalePoint {
  target: string;
  /** Messages stored so far (sum of the reported windows). */
  messages: number;
  tps: number;
  rssKiB: number;
  elapsedSeconds: number;
}

export interface MachineInfo {
  cpus: string;
  cores: number;
  memoryGiB: number;
  node: string;
  java: string;
  kernel: string;
}

export interface BenchResults {
  mode: 'short' | 'full';
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  settings: Record<string, string>;
  targets: TargetFigures[];
  sends: SendFigure[];
  consumes: ConsumeFigure[];
  scale: ScalePoint[];
  notes: string[];
}

export function median(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}

/** The median of each figure over the rounds of one (tool, target, flush, size, threads) cell. */
export function sendCell(
  sends: readonly SendFigure[],
  key: Pick<SendFigure, 'tool' | 'target' | 'flush' | 'bodySize' | 'threads'>,
): { tps: number; avgRtMillis: number; maxRtMillis: number; p99RtMillis: number; cpuMillisPer10k: number; rounds: number } | null {
  const rows = sends.filter(
    (row) => row.tool === key.tool && row.target === key.target && row.flush === key.flush && row.bodySize === key.bodySize && row.threads === key.threads,
  );
  if (rows.length === 0) return null;
  return {
    tps: median(rows.map((row) => row.tps)),
    avgRtMillis: median(rows.map((row) => row.avgRtMillis)),
    maxRtMillis: median(rows.map((row) => row.maxRtMillis)),
    p99RtMillis: median(rows.map((row) => row.p99RtMillis ?? Number.NaN)),
    cpuMillisPer10k: median(rows.map((row) => row.cpuMillisPer10k ?? Number.NaN)),
    rounds: rows.length,
  };
}
