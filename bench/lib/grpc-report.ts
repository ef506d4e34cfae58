/**
 * The figures of `npm run bench:grpc` (bench/grpc.bench.ts) and their Markdown tables: one
 * system's figures per round, ours/Apache ratios per round, and the medians over rounds.
 */

/** One V5Bench run's figures (interop/java-v5 V5Bench.java). */
export interface V5Figures {
  sendTps: number;
  sendP99Ms: number;
  receiveTps: number;
  e2eP50Ms: number;
  e2eP99Ms: number;
  /** Failed sends/receives/acks, and what the receive and e2e phases missed, to show beside the figures. */
  notes: string[];
}

export interface Metric {
  key: keyof Omit<V5Figures, 'notes'>;
  label: string;
  /** Whether a higher figure is the better one (TPS) or a lower one (latency). */
  higherIsBetter: boolean;
  digits: number;
}

export const METRICS: readonly Metric[] = [
  { key: 'sendTps', label: 'send TPS', higherIsBetter: true, digits: 0 },
  { key: 'sendP99Ms', label: 'send p99 (ms)', higherIsBetter: false, digits: 2 },
  { key: 'receiveTps', label: 'receive+ack TPS', higherIsBetter: true, digits: 0 },
  { key: 'e2eP50Ms', label: 'end-to-end p50 (ms)', higherIsBetter: false, digits: 2 },
  { key: 'e2eP99Ms', label: 'end-to-end p99 (ms)', higherIsBetter: false, digits: 2 },
];

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/** ours / theirs; NaN when either is missing or theirs is 0. */
export function ratio(ours: number, theirs: number): number {
  return Number.isFinite(ours) && Number.isFinite(theirs) && theirs !== 0 ? ours / theirs : Number.NaN;
}

export function formatFigure(value: number, digits: number): string {
  if (!Number.isFinite(value)) return '–';
  return digits === 0 ? String(Math.round(value)) : value.toFixed(digits);
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '–';
}

export interface Round {
  ours: V5Figures;
  apache: V5Figures;
}

/** One round side by side: metric | ours | Apache | ours / Apache. */
export function roundTable(round: Round, oursLabel: string, apacheLabel: string): string {
  const lines = [`| metric | ${oursLabel} | ${apacheLabel} | ours / Apache |`, '|---|---|---|---|'];
  for (const m of METRICS) {
    const ours = round.ours[m.key];
    const apache = round.apache[m.key];
    lines.push(`| ${m.label} | ${formatFigure(ours, m.digits)} | ${formatFigure(apache, m.digits)} | ${formatRatio(ratio(ours, apache))} |`);
  }
  return lines.join('\n');
}

/**
 * The rounds summarised: each system's median figure, every round's ratio, and the median of
 * the per-round ratios (each round ran both systems back to back, so its ratio shares its noise).
 */
export function summaryTable(rounds: readonly Round[], oursLabel: string, apacheLabel: string): string {
  const roundHeads = rounds.map((_, i) => `round ${i + 1}`);
  const lines = [
    `| metric | ${oursLabel} (median) | ${apacheLabel} (median) | ${roundHeads.map((h) => `ours / Apache, ${h}`).join(' | ')} | ours / Apache (median of rounds) |`,
    `|---|---|---|${roundHeads.map(() => '---|').join('')}---|`,
  ];
  for (const m of METRICS) {
    const ratios = rounds.map((r) => ratio(r.ours[m.key], r.apache[m.key]));
    lines.push(
      `| ${m.label} | ${formatFigure(median(rounds.map((r) => r.ours[m.key])), m.digits)} | ${formatFigure(median(rounds.map((r) => r.apache[m.key])), m.digits)} | ` +
        `${ratios.map(formatRatio).join(' | ')} | ${formatRatio(median(ratios))} |`,
    );
  }
  return lines.join('\n');
}
