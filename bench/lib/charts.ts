/**
 * PNG charts of a run: Apache ECharts renders each chart to SVG on the server (its SSR mode, no
 * DOM or canvas), resvg-js turns the SVG into PNG with the system fonts. Both install as plain
 * npm packages — resvg ships a prebuilt binary per platform in its own optional package, so
 * nothing is compiled on install (unlike node-canvas / chartjs-node-canvas, which need Cairo).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import { type BenchResults, sendCell } from './results.ts';

const WIDTH = 1000;
const HEIGHT = 520;

function png(option: echarts.EChartsOption): Buffer {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  chart.setOption({ animation: false, textStyle: { fontFamily: 'DejaVu Sans' }, ...option });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

function labelsOf(results: BenchResults): string[] {
  return [...new Set(results.targets.map((t) => t.label))];
}

export async function renderCharts(results: BenchResults, dir: string): Promise<string[]> {
  const written: string[] = [];
  const write = (name: string, option: echarts.EChartsOption): void => {
    writeFileSync(join(dir, name), png(option));
    written.push(name);
  };
  const labels = labelsOf(results);
  for (const flush of [...new Set(results.targets.map((t) => t.flush))]) {
    const cells: { bodySize: number; threads: number }[] = [];
    for (const bodySize of [...new Set(results.sends.map((s) => s.bodySize))].sort((a, b) => a - b)) {
      for (const threads of [...new Set(results.sends.map((s) => s.threads))].sort((a, b) => a - b)) cells.push({ bodySize, threads });
    }
    write(`send-tps-${flush.toLowerCase().replace('_flush', '')}.png`, {
      title: { text: `Send TPS — RocketMQ benchmark Producer, ${flush} (${results.mode} run)`, left: 'center' },
      legend: { top: 40 },
      grid: { top: 85, left: 70, right: 20, bottom: 50 },
      xAxis: { type: 'category', data: cells.map((c) => `${c.bodySize >= 1024 ? `${c.bodySize / 1024} KiB` : `${c.bodySize} B`} × ${c.threads}`), name: 'body × threads', nameLocation: 'middle', nameGap: 30 },
      yAxis: { type: 'value', name: 'messages/s' },
      series: labels.map((label) => ({
        type: 'bar',
        name: label,
        data: cells.map((c) => Math.round(sendCell(results.sends, { tool: 'rocketmq-producer', target: label, flush, ...c })?.tps ?? 0)),
      })),
    });
  }
  const memoryTargets = results.targets.filter((t) => t.flush === 'ASYNC_FLUSH' && t.label !== 'null-broker');
  write('memory.png', {
    title: { text: 'Broker + name server VmRSS (MiB), ASYNC_FLUSH', left: 'center' },
    legend: { top: 40 },
    grid: { top: 85, left: 70, right: 20, bottom: 40 },
    xAxis: { type: 'category', data: memoryTargets.map((t) => t.label) },
    yAxis: { type: 'value', name: 'MiB' },
    series: [
      { type: 'bar', name: 'idle', data: memoryTargets.map((t) => Math.round(t.idleRssKiB / 1024)), label: { show: true, position: 'top' } },
      { type: 'bar', name: 'peak under load', data: memoryTargets.map((t) => Math.round(t.peakRssKiB / 1024)), label: { show: true, position: 'top' } },
    ],
  });
  if (results.scale.length > 0) {
    const scaleLabels = [...new Set(results.scale.map((p) => p.target))];
    write('scale.png', {
      title: { text: 'Send TPS and RSS as the backlog grows (128 B, Producer -w 64)', left: 'center' },
      legend: { top: 40 },
      grid: { top: 85, left: 70, right: 70, bottom: 50 },
      xAxis: { type: 'value', name: 'million messages stored', nameLocation: 'middle', nameGap: 30 },
      yAxis: [
        { type: 'value', name: 'TPS' },
        { type: 'value', name: 'RSS MiB', position: 'right' },
      ],
      series: scaleLabels.flatMap((label) => {
        const points = results.scale.filter((p) => p.target === label);
        return [
          { type: 'line', name: `${label} TPS`, showSymbol: false, data: points.map((p) => [p.messages / 1e6, p.tps]) },
          { type: 'line', name: `${label} RSS`, showSymbol: false, yAxisIndex: 1, lineStyle: { type: 'dashed' }, data: points.map((p) => [p.messages / 1e6, Math.round(p.rssKiB / 1024)]) },
        ];
      }),
    } as echarts.EChartsOption);
  }
  return written;
}
