// A small SVG line chart: { seriesName: [{ t, v }, ...] } → <svg> with axes labels and a legend.
const COLORS = ['#1f6feb', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5c940d'];
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export function lineChart(seriesMap) {
  const wrap = document.createElement('div');
  const entries = Object.entries(seriesMap || {}).filter(([, points]) => points.length > 0).slice(0, COLORS.length);
  const W = 600, H = 160, L = 44, B = 18;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img' });
  const all = entries.flatMap(([, p]) => p);
  if (all.length === 0) {
    const text = svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#5c6b7a', 'font-size': 13 });
    text.textContent = 'collecting samples…';
    root.append(text);
    wrap.append(root);
    return wrap;
  }
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t), t0 + 1);
  const vmax = Math.max(1, ...all.map((p) => p.v)) * 1.1;
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - 6);
  const y = (v) => H - B - (v / vmax) * (H - B - 6);
  for (const f of [0, 0.5, 1]) {
    root.append(svg('line', { x1: L, x2: W - 6, y1: y(vmax * f / 1.1), y2: y(vmax * f / 1.1), stroke: '#e3e8ee' }));
    const label = svg('text', { x: L - 4, y: y(vmax * f / 1.1) + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#5c6b7a' });
    label.textContent = (vmax * f / 1.1).toFixed(vmax < 10 ? 1 : 0);
    root.append(label);
  }
  const axis = svg('text', { x: W - 6, y: H - 4, 'text-anchor': 'end', 'font-size': 10, fill: '#5c6b7a' });
  axis.textContent = new Date(t1).toLocaleTimeString();
  root.append(axis);
  const legend = document.createElement('div');
  legend.className = 'legend';
  entries.forEach(([name, points], i) => {
    root.append(svg('polyline', { points: points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' '), fill: 'none', stroke: COLORS[i], 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke' }));
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = COLORS[i];
    item.append(swatch, `${name}: ${points[points.length - 1].v}`);
    legend.append(item);
  });
  wrap.append(root, legend);
  return wrap;
}
