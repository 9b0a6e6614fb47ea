import type { ScaleLinear } from 'd3-scale';
import { add, clear, el } from './dom';
import { lowerBound, upperBound } from './search';
import type { PidSamples, TaskStore } from './store';
import type { Palette } from './theme';
import { fmtBytes } from './units';

const CHART_H = 72;

interface Chart {
  row: HTMLElement;
  canvas: HTMLCanvasElement;
  max: HTMLElement;
  value: (s: PidSamples, i: number) => number;
  format: (v: number) => string;
  floor: number;
  /** Round the axis maximum in this unit (1024² for memory, so the label reads 64 MB, not 61.0 MB). */
  unit: number;
}

/**
 * CPU % and memory of each process over time: small line charts under the timeline, on the
 * timeline's x scale, so they zoom and pan with it.
 */
export class UsageView {
  readonly root = el('section', 'ps-usage');
  private charts: Chart[];
  private legend: HTMLElement;
  private empty: HTMLElement;
  private legendKey = '';

  constructor() {
    const head = add(this.root, el('div', 'ps-section-head'));
    add(head, el('h2', null, 'CPU and memory'));
    this.legend = add(head, el('div', 'ps-legend ps-usage-legend'));
    this.empty = add(this.root, el('p', 'ps-empty-note', 'No CPU or memory samples yet.'));
    this.charts = [
      this.chart(
        'CPU',
        (s, i) => s.cpu[i],
        (v) => `${Math.round(v)} %`,
        100,
        1,
      ),
      this.chart('memory', (s, i) => s.mem[i], fmtBytes, 0, 1024 * 1024),
    ];
  }

  render(store: TaskStore, x: ScaleLinear<number, number>, width: number, p: Palette): void {
    const pids = [...store.samples.values()];
    this.empty.hidden = pids.length > 0;
    for (const c of this.charts) c.row.hidden = pids.length === 0;
    if (!pids.length || width <= 0) return;
    const colourOf = (pid: number): string => {
      const i = store.lanes.findIndex((l) => l.lane.pid === pid);
      return p.lanes[(i < 0 ? pids.findIndex((s) => s.pid === pid) : i) % p.lanes.length];
    };
    this.renderLegend(store, pids, colourOf);
    const [d0, d1] = x.domain();
    for (const c of this.charts) this.draw(c, pids, x, d0, d1, width, p, colourOf);
  }

  private chart(
    title: string,
    value: Chart['value'],
    format: Chart['format'],
    floor: number,
    unit: number,
  ): Chart {
    const row = add(this.root, el('div', 'ps-row ps-usage-row'));
    const label = add(row, el('div', 'ps-gutter-label ps-usage-label'));
    add(label, el('div', 'ps-usage-title', title));
    const max = add(label, el('div', 'ps-usage-max', ''));
    const box = add(row, el('div', 'ps-usage-plot'));
    const canvas = add(box, el('canvas', 'ps-usage-canvas'));
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${title} per process over time`);
    return { row, canvas, max, value, format, floor, unit };
  }

  private draw(
    c: Chart,
    pids: PidSamples[],
    x: ScaleLinear<number, number>,
    d0: number,
    d1: number,
    width: number,
    p: Palette,
    colourOf: (pid: number) => string,
  ): void {
    const ranges = pids.map((s) => [
      Math.max(0, lowerBound(s.t, d0) - 1),
      Math.min(s.t.length, upperBound(s.t, d1) + 1),
    ]);
    let top = c.floor;
    pids.forEach((s, j) => {
      for (let i = ranges[j][0]; i < ranges[j][1]; i++) top = Math.max(top, c.value(s, i) || 0);
    });
    top = niceTop(top / c.unit) * c.unit;
    c.max.textContent = `max ${c.format(top)}`;
    const dpr = window.devicePixelRatio || 1;
    const canvas = c.canvas;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(CHART_H * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(CHART_H * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${CHART_H}px`;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, CHART_H);
    ctx.strokeStyle = p.grid;
    ctx.globalAlpha = 0.6;
    ctx.beginPath();
    for (const f of [0.5, 1]) {
      const y = Math.round(CHART_H - 2 - f * (CHART_H - 6)) + 0.5;
      ctx.moveTo(0, y);
      ctx.lineTo(width, y);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.lineWidth = 1.5;
    ctx.lineJoin = 'round';
    const y = (v: number): number => CHART_H - 2 - (Math.max(0, v) / top) * (CHART_H - 6);
    pids.forEach((s, j) => {
      const [a, b] = ranges[j];
      if (b - a < 1) return;
      // More samples than pixels: every other pixel column keeps one, enough for a trend line.
      const stride = Math.max(1, Math.floor((b - a) / (width / 2)));
      ctx.strokeStyle = colourOf(s.pid);
      ctx.beginPath();
      for (let i = a; i < b; i += stride) {
        const px = x(s.t[i]);
        const py = y(c.value(s, i) || 0);
        if (i === a) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      }
      ctx.stroke();
    });
  }

  private renderLegend(store: TaskStore, pids: PidSamples[], colourOf: (pid: number) => string): void {
    const key = pids.map((s) => `${s.pid}:${store.laneLabel(s.pid)}:${colourOf(s.pid)}`).join('|');
    if (key === this.legendKey) return;
    this.legendKey = key;
    clear(this.legend);
    for (const s of pids) {
      const item = add(this.legend, el('span', 'ps-legend-item'));
      item.setAttribute('data-pid', String(s.pid));
      const sw = add(item, el('i', 'ps-swatch'));
      sw.style.backgroundColor = colourOf(s.pid);
      add(item, document.createTextNode(store.laneLabel(s.pid)));
    }
  }
}

function niceTop(v: number): number {
  if (!(v > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= v) return m * mag;
  return 10 * mag;
}
