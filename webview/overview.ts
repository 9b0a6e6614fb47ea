import { brushX, type BrushBehavior, type D3BrushEvent } from 'd3-brush';
import type { ScaleLinear } from 'd3-scale';
import { select, type Selection } from 'd3-selection';
import { add, el } from './dom';
import type { TaskStore } from './store';
import type { Palette } from './theme';

const HEIGHT = 28;

/**
 * The whole run at a glance: how busy the processes are in each pixel column, with a brush that
 * selects the window the timeline shows (and follows the timeline's zoom).
 */
export class Overview {
  readonly root = el('div', 'ps-overview');
  private canvas = add(this.root, el('canvas', 'ps-overview-canvas'));
  private svg: SVGSVGElement;
  private g: Selection<SVGGElement, unknown, null, undefined>;
  private brush: BrushBehavior<unknown>;
  private width = 0;
  private util = new Float32Array(0);
  private utilKey = '';
  private brushKey = '';
  private brushing = false;
  private scale: ScaleLinear<number, number> | null = null;

  constructor(private readonly onSelect: (a: number, b: number) => void) {
    this.canvas.setAttribute('aria-hidden', 'true');
    this.svg = add(this.root, document.createElementNS('http://www.w3.org/2000/svg', 'svg'));
    this.svg.classList.add('ps-overview-brush');
    this.svg.setAttribute('height', String(HEIGHT));
    this.svg.setAttribute('aria-hidden', 'true');
    this.g = select(this.svg).append('g');
    this.brush = brushX()
      .on('start', (ev: D3BrushEvent<unknown>) => {
        if (ev.sourceEvent) this.brushing = true;
      })
      .on('brush end', (ev: D3BrushEvent<unknown>) => this.onBrush(ev));
  }

  resize(): void {
    this.width = Math.floor(this.root.clientWidth);
    this.brush.extent([
      [0, 0],
      [Math.max(1, this.width), HEIGHT],
    ]);
    this.g.call(this.brush);
    this.utilKey = '';
    this.brushKey = '';
  }

  render(store: TaskStore, base: ScaleLinear<number, number>, view: [number, number], p: Palette): void {
    if (this.width <= 0) this.resize();
    const W = Math.max(1, this.width);
    this.scale = base.copy().range([0, W]);
    const [, end] = this.scale.domain();
    const key = `${store.version}|${W}|${end}`;
    if (key !== this.utilKey) {
      this.utilKey = key;
      this.aggregate(store, W, end);
    }
    this.paint(W, p);
    this.syncBrush(view, end);
  }

  /** Busy fraction per pixel column, over all lanes. */
  private aggregate(store: TaskStore, W: number, end: number): void {
    if (this.util.length !== W) this.util = new Float32Array(W);
    const u = this.util;
    u.fill(0);
    const k = W / end;
    let lanes = 0;
    for (const lane of store.lanes) {
      if (!lane.n) continue;
      lanes++;
      for (const tasks of [lane.done, lane.running]) {
        for (let i = 0; i < tasks.n; i++) {
          const xs = tasks.t0[i] * k;
          const xe = tasks.endOf(i, end) * k;
          const hi = Math.min(W - 1, Math.floor(xe));
          for (let c = Math.max(0, Math.floor(xs)); c <= hi; c++) {
            u[c] += Math.max(0, Math.min(xe, c + 1) - Math.max(xs, c));
          }
        }
      }
    }
    if (lanes > 1) for (let c = 0; c < W; c++) u[c] /= lanes;
  }

  private paint(W: number, p: Palette): void {
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(W * dpr)) {
      this.canvas.width = Math.round(W * dpr);
      this.canvas.height = Math.round(HEIGHT * dpr);
      this.canvas.style.width = `${W}px`;
      this.canvas.style.height = `${HEIGHT}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, HEIGHT);
    ctx.fillStyle = p.idle;
    ctx.fillRect(0, 0, W, HEIGHT);
    ctx.fillStyle = p.sites[0];
    ctx.beginPath();
    for (let c = 0; c < W; c++) {
      const h = Math.min(1, this.util[c]) * (HEIGHT - 2);
      if (h > 0) ctx.rect(c, HEIGHT - h, 1, h);
    }
    ctx.fill();
  }

  private syncBrush(view: [number, number], end: number): void {
    if (this.brushing || !this.scale) return;
    const whole = view[0] <= 0 && view[1] >= end;
    const sel: [number, number] | null = whole ? null : [this.scale(view[0]), this.scale(view[1])];
    const key = sel ? `${sel[0].toFixed(1)}|${sel[1].toFixed(1)}` : 'none';
    if (key === this.brushKey) return;
    this.brushKey = key;
    this.g.call(this.brush.move, sel);
  }

  private onBrush(ev: D3BrushEvent<unknown>): void {
    if (!ev.sourceEvent || !this.scale) return;
    if (ev.type === 'end') this.brushing = false;
    const s = ev.selection as [number, number] | null;
    if (!s) {
      const [a, b] = this.scale.domain();
      this.onSelect(a, b);
      return;
    }
    if (s[1] - s[0] < 2) return;
    this.onSelect(this.scale.invert(s[0]), this.scale.invert(s[1]));
  }
}
