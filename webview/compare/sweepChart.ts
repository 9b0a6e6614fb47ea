/**
 * The sweep's curve as SVG: measured speedup per setting (line and dots), the ideal line (a
 * worker sweep: speedup = workers) and the first run's what-if prediction, with the recommended
 * setting marked. Drawn in a fixed viewBox that scales with the panel; colours come from CSS
 * classes on theme variables (media/compare.css). Every label is set with textContent.
 */
import { scaleLinear, scaleLog, type ScaleContinuousNumeric } from 'd3-scale';
import type { SweepResult } from '../../src/core/whatif';
import { fmtX } from '../units';

const W = 640;
const H = 300;
const M = { top: 30, right: 20, bottom: 42, left: 52 };
const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(
  parent: Element,
  tag: K,
  attrs: Record<string, string | number>,
  cls?: string,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (cls) e.setAttribute('class', cls);
  parent.appendChild(e);
  return e;
}

export function sweepChart(r: SweepResult): SVGSVGElement {
  const root = document.createElementNS(SVG, 'svg');
  root.setAttribute('viewBox', `0 0 ${W} ${H}`);
  root.setAttribute('class', 'ps-sweep-chart');
  root.setAttribute('role', 'img');
  const measured = r.points.filter((p) => p.speedup !== null);
  const predicted = (r.predicted ?? []).filter((p) => p.speedup !== null);
  const name = r.kind === 'workers' ? 'workers' : 'chunksize';
  root.setAttribute(
    'aria-label',
    `Speedup by ${name}: ${measured.map((p) => `${p.value}: ${fmtX(p.speedup)}`).join(', ')}` +
      (predicted.length ? '; with the first run’s prediction' : '; no prediction'),
  );
  const values = [...measured.map((p) => p.value), ...predicted.map((p) => p.value)];
  const lo = Math.min(...values, 1);
  const hi = Math.max(...values, lo + 1);
  const x: ScaleContinuousNumeric<number, number> =
    r.kind === 'chunksize' && hi / lo > 20
      ? scaleLog().domain([lo, hi])
      : scaleLinear().domain([r.kind === 'workers' ? 0 : lo, hi]);
  x.range([M.left, W - M.right]);
  const ideal = r.kind === 'workers' ? measured.map((p) => p.idealSpeedup ?? 0) : [];
  const ys = [
    ...measured.map((p) => p.speedup as number),
    ...predicted.map((p) => p.speedup as number),
    ...ideal,
    1,
  ];
  const y = scaleLinear()
    .domain([0, Math.max(...ys) * 1.1])
    .nice()
    .range([H - M.bottom, M.top]);

  const grid = svg(root, 'g', {}, 'ps-sweep-grid');
  for (const t of y.ticks(5)) {
    svg(grid, 'line', { x1: M.left, x2: W - M.right, y1: y(t), y2: y(t) });
    svg(grid, 'text', { x: M.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, 'ps-sweep-tick').textContent =
      `${t}×`;
  }
  const xTicks = [...new Set(values)];
  for (const v of xTicks) {
    svg(
      grid,
      'text',
      { x: x(v), y: H - M.bottom + 16, 'text-anchor': 'middle' },
      'ps-sweep-tick',
    ).textContent = String(v);
  }
  svg(
    root,
    'text',
    { x: (M.left + W - M.right) / 2, y: H - 6, 'text-anchor': 'middle' },
    'ps-sweep-axis-label',
  ).textContent = name;
  svg(root, 'text', { x: 12, y: M.top + 4, 'text-anchor': 'start' }, 'ps-sweep-axis-label').textContent =
    'speedup';

  if (r.recommended !== null) {
    const g = svg(root, 'g', {}, 'ps-sweep-recommended');
    svg(g, 'line', { x1: x(r.recommended), x2: x(r.recommended), y1: M.top, y2: H - M.bottom });
    // Near the right edge the label goes to the left of the line, so it is not cut off.
    const atRight = x(r.recommended) > W - M.right - 110;
    svg(g, 'text', {
      x: x(r.recommended) + (atRight ? -4 : 4),
      y: M.top + 10,
      'text-anchor': atRight ? 'end' : 'start',
    }).textContent = `recommended: ${r.recommended}`;
  }
  const line = (pts: [number, number][], cls: string): void => {
    if (pts.length < 1) return;
    svg(
      root,
      'polyline',
      { points: pts.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' '), fill: 'none' },
      cls,
    );
  };
  if (r.kind === 'workers' && measured.length) {
    const top = Math.max(...measured.map((p) => p.value));
    line(
      [
        [Math.min(...measured.map((p) => p.value)), Math.min(...measured.map((p) => p.value))],
        [top, top],
      ],
      'ps-sweep-ideal',
    );
  }
  line(
    predicted.map((p) => [p.value, p.speedup as number]),
    'ps-sweep-predicted',
  );
  line(
    measured.map((p) => [p.value, p.speedup as number]),
    'ps-sweep-measured',
  );
  for (const p of measured) {
    const dot = svg(
      root,
      'circle',
      { cx: x(p.value), cy: y(p.speedup as number), r: 4.5 },
      p.applied ? 'ps-sweep-dot' : 'ps-sweep-dot ps-sweep-dot-off',
    );
    dot.setAttribute('data-value', String(p.value));
    svg(dot, 'title', {}).textContent =
      `${name} ${p.value}: ${fmtX(p.speedup)}${p.applied ? '' : ' (override not applied)'}`;
  }
  return root;
}
