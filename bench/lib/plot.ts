// A small SVG line chart for the benchmarks' figures: one panel per series over a shared x axis,
// written as plain SVG text (no dependency), so that the docs show how a cost grows.

export interface Series {
  readonly title: string;
  readonly unit: string;
  readonly points: readonly { x: number; y: number }[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Panels side by side, each with its own y axis from 0 to a little above its largest value. */
export function lineChart(o: { title: string; xLabel: string; series: readonly Series[] }): string {
  const W = 300, H = 220, M = { l: 52, r: 14, t: 46, b: 44 };
  const width = W * o.series.length;
  const xs = o.series.flatMap((s) => s.points.map((p) => p.x));
  const xMax = Math.max(...xs, 1);
  const panels = o.series.map((s, i) => {
    const yMax = Math.max(...s.points.map((p) => p.y), 1e-9) * 1.15;
    const px = (x: number): number => i * W + M.l + (x / xMax) * (W - M.l - M.r);
    const py = (y: number): number => H - M.b - (y / yMax) * (H - M.t - M.b);
    const ticks = [0, 0.5, 1].map((f) => f * yMax);
    const path = s.points.map((p, j) => `${j ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    return [
      `<text x="${i * W + W / 2}" y="${M.t - 12}" text-anchor="middle" font-size="13">${esc(s.title)} (${esc(s.unit)})</text>`,
      `<line x1="${px(0)}" y1="${py(0)}" x2="${px(xMax)}" y2="${py(0)}" stroke="#333"/>`,
      `<line x1="${px(0)}" y1="${py(0)}" x2="${px(0)}" y2="${py(yMax)}" stroke="#333"/>`,
      ...ticks.map((v) => `<text x="${px(0) - 6}" y="${py(v) + 4}" text-anchor="end" font-size="10">${fmt(v)}</text>`),
      ...s.points.map((p) => `<text x="${px(p.x)}" y="${H - M.b + 16}" text-anchor="middle" font-size="10">${p.x >= 1000 ? `${p.x / 1000}k` : p.x}</text>`),
      `<path d="${path}" fill="none" stroke="#1f6feb" stroke-width="2"/>`,
      ...s.points.map((p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="#1f6feb"><title>${p.x}: ${fmt(p.y)} ${esc(s.unit)}</title></circle>`),
      ...s.points.map((p) => `<text x="${px(p.x).toFixed(1)}" y="${(py(p.y) - 8).toFixed(1)}" text-anchor="middle" font-size="10">${fmt(p.y)}</text>`),
      `<text x="${i * W + W / 2}" y="${H - 8}" text-anchor="middle" font-size="11">${esc(o.xLabel)}</text>`,
    ].join('\n');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 10}" viewBox="0 0 ${width} ${H + 10}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="14" font-weight="bold">${esc(o.title)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
