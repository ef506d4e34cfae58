/** bench/results/latest.md: every figure of a run as Markdown tables, with ours/Apache ratios. */
import { type BenchResults, type LoadTool, median, sendCell } from './results.ts';
import type { FlushDiskType } from './target.ts';

const OURS = 'rocketmq-ts';
const NULL = 'null-broker';

function fmt(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function ratio(ours: number, theirs: number): string {
  return Number.isFinite(ours) && Number.isFinite(theirs) && theirs !== 0 ? `${(ours / theirs).toFixed(2)}×` : '–';
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

type Metric = 'tps' | 'avgRtMillis' | 'maxRtMillis' | 'p99RtMillis' | 'cpuMillisPer10k';

function sendTable(results: BenchResults, flush: FlushDiskType, tool: LoadTool, metric: Metric, digits: number, withNullShare: boolean): string {
  const labels = [...new Set(results.targets.filter((t) => t.flush === flush).map((t) => t.label))];
  const apaches = labels.filter((label) => label.startsWith('apache-'));
  const shown = withNullShare ? labels : labels.filter((label) => label !== NULL);
  const header = ['body', 'threads', ...shown, ...apaches.map((a) => `ours / ${a}`)];
  const rows: string[][] = [];
  const sizes = [...new Set(results.sends.map((s) => s.bodySize))].sort((a, b) => a - b);
  const threads = [...new Set(results.sends.map((s) => s.threads))].sort((a, b) => a - b);
  for (const bodySize of sizes) {
    for (const thread of threads) {
      const value = (target: string): number => sendCell(results.sends, { tool, target, flush, bodySize, threads: thread })?.[metric] ?? Number.NaN;
      const nullValue = value(NULL);
      const cells = shown.map((label) => {
        const v = value(label);
        return withNullShare && label !== NULL && Number.isFinite(nullValue) ? `${fmt(v, digits)} (${fmt((v / nullValue) * 100)} %)` : fmt(v, digits);
      });
      rows.push([bodySize >= 1024 ? `${bodySize / 1024} KiB` : `${bodySize} B`, String(thread), ...cells, ...apaches.map((a) => ratio(value(OURS), value(a)))]);
    }
  }
  return table(header, rows);
}

export function renderMarkdown(results: BenchResults): string {
  const out: string[] = [];
  const m = results.machine;
  out.push(`# rocketmq-ts vs Apache RocketMQ — ${results.mode} run of ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC`);
  out.push('');
  out.push(`Machine: ${m.cores} × ${m.cpus}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node.js ${m.node}, ${m.java}. Shared with other work: figures are noisy; all systems ran in the same run, interleaved.`);
  out.push('');
  for (const [key, value] of Object.entries(results.settings)) out.push(`- ${key}: ${value}`);
  out.push('');
  const flushes = [...new Set(results.targets.map((t) => t.flush))];
  for (const flush of flushes) {
    out.push(`## ${flush}`);
    out.push('');
    out.push(`### Send TPS, RocketMQ's benchmark Producer (in brackets: % of the null broker, the load generator's ceiling)`);
    out.push('');
    out.push(sendTable(results, flush, 'rocketmq-producer', 'tps', 0, true));
    out.push('');
    out.push(`### Average send RT (ms), RocketMQ's benchmark Producer — lower is better`);
    out.push('');
    out.push(sendTable(results, flush, 'rocketmq-producer', 'avgRtMillis', 3, false));
    out.push('');
    out.push(`### Max send RT (ms) since the Producer started — lower is better`);
    out.push('');
    out.push(sendTable(results, flush, 'rocketmq-producer', 'maxRtMillis', 0, false));
    out.push('');
    out.push(`### Send TPS, TypeScript client (@rocketmq-ts/client Producer, N concurrent awaited sends)`);
    out.push('');
    out.push(sendTable(results, flush, 'ts-producer', 'tps', 0, true));
    out.push('');
    out.push(`### p99 send RT (ms), TypeScript client — lower is better`);
    out.push('');
    out.push(sendTable(results, flush, 'ts-producer', 'p99RtMillis', 3, false));
    out.push('');
    out.push(`### Server CPU (broker + name server, utime + stime) per 10,000 messages sent (ms), RocketMQ Producer — lower is better`);
    out.push('');
    out.push(sendTable(results, flush, 'rocketmq-producer', 'cpuMillisPer10k', 0, false));
    out.push('');
    out.push('### Memory (VmRSS of broker + name server) and startup');
    out.push('');
    const targets = results.targets.filter((t) => t.flush === flush);
    const ours = targets.find((t) => t.label === OURS);
    out.push(
      table(
        ['system', 'startup to first accepted send (ms)', 'idle RSS (MiB)', 'peak RSS under load (MiB)', 'ours / this: idle', 'ours / this: peak'],
        targets.map((t) => [
          t.label,
          fmt(t.startupMillis),
          fmt(t.idleRssKiB / 1024),
          fmt(t.peakRssKiB / 1024),
          ours ? ratio(ours.idleRssKiB, t.idleRssKiB) : '–',
          ours ? ratio(ours.peakRssKiB, t.peakRssKiB) : '–',
        ]),
      ),
    );
    out.push('');
    out.push(`### Consume (RocketMQ's benchmark Consumer, 20 threads)`);
    out.push('');
    const consumes = results.consumes.filter((c) => c.flush === flush && c.kind !== 'scale-backlog');
    const oursOf = (kind: string): number => consumes.find((c) => c.target === OURS && c.kind === kind)?.tps ?? Number.NaN;
    const oursLatency = consumes.find((c) => c.target === OURS && c.kind === 'end-to-end')?.avgB2CMillis ?? Number.NaN;
    out.push(
      table(
        ['system', 'what', 'consume TPS', 'backlog at start', 'avg end-to-end (born → consumed) ms', 'max end-to-end ms', 'ours / this: TPS', 'ours / this: avg latency'],
        consumes.map((c) => [
          c.target,
          c.kind === 'backlog' ? 'from a backlog (first 10 s window)' : 'end to end, Producer -w 4 running',
          fmt(c.tps),
          c.backlog === null ? '–' : String(c.backlog),
          c.kind === 'end-to-end' ? fmt(c.avgB2CMillis, 2) : '–',
          c.kind === 'end-to-end' ? fmt(c.maxB2CMillis) : '–',
          ratio(oursOf(c.kind), c.tps),
          c.kind === 'end-to-end' ? ratio(oursLatency, c.avgB2CMillis) : '–',
        ]),
      ),
    );
    out.push('');
  }
  if (results.scale.length > 0) {
    out.push('## Scale: a growing backlog of 128 B messages (Producer -w 64, ASYNC_FLUSH)');
    out.push('');
    const labels = [...new Set(results.scale.map((p) => p.target))];
    out.push(
      table(
        ['system', 'messages stored', 'TPS, first 10 %', 'TPS, last 10 %', 'change', 'RSS min (MiB)', 'RSS max (MiB)', 'consume TPS from the start'],
        labels.map((label) => {
          const points = results.scale.filter((p) => p.target === label);
          const total = points[points.length - 1]?.messages ?? 0;
          const first = median(points.filter((p) => p.messages <= total * 0.1).map((p) => p.tps));
          const last = median(points.filter((p) => p.messages >= total * 0.9).map((p) => p.tps));
          const consume = results.consumes.find((c) => c.target === label && c.kind === 'scale-backlog');
          return [
            label,
            String(consume?.backlog ?? total),
            fmt(first),
            fmt(last),
            `${fmt(((last - first) / first) * 100, 1)} %`,
            fmt(Math.min(...points.map((p) => p.rssKiB)) / 1024),
            fmt(Math.max(...points.map((p) => p.rssKiB)) / 1024),
            fmt(consume?.tps ?? Number.NaN),
          ];
        }),
      ),
    );
    out.push('');
  }
  if (results.notes.length > 0) {
    out.push('## Notes');
    out.push('');
    for (const note of results.notes) out.push(`- ${note}`);
    out.push('');
  }
  out.push('Charts: send-tps-*.png, memory.png' + (results.scale.length > 0 ? ', scale.png' : '') + ' beside this file. Raw figures: latest.json.');
  out.push('');
  return out.join('\n');
}
