import { CHANNELS } from './busyBins';
import { ColumnPainter } from './columnPainter';
import { Columns } from './columns';
import type { LaneTasks } from './laneTasks';
import type { ProcessLane } from './store';
import type { Palette } from './theme';

/** Lane geometry in CSS pixels. */
export const LANE_H = 24;
export const BAR_TOP = 4;
export const BAR_H = 16;
const CAP_H = 3;
/**
 * Bars narrower than this are not drawn one by one: their time is summed into per-pixel columns
 * (busy fraction), which is what the eye can see at that zoom anyway, and bounds the number of
 * rectangles by the canvas width rather than the task count.
 */
export const LOD_PX = 4;

export interface Viewport {
  d0: number;
  d1: number;
  /** Plot width in CSS pixels. */
  width: number;
  /** Where running tasks end. */
  now: number;
  live: boolean;
  ticks: number[];
  /** Device pixels per CSS pixel. */
  dpr: number;
}

export interface DrawStats {
  /** Tasks walked one by one. */
  visible: number;
  bars: number;
  columns: number;
  /** Lanes drawn from their time bins. */
  binned: number;
}

// Bucket numbers: one fill colour each, so a frame sets fillStyle a handful of times.
const UNPICKLE = 0;
const RESULT = 1;
const ERROR = 2;
const UNKNOWN_SITE = 3;
const FIRST_SITE = 4;

/** Rectangles grouped by colour; touching rectangles of one colour and height merge. */
class Buckets {
  rects: number[][] = [];
  reset(n: number): void {
    while (this.rects.length < n) this.rects.push([]);
    for (const r of this.rects) r.length = 0;
  }
  push(b: number, x: number, y: number, w: number, h: number): void {
    const r = this.rects[b];
    const j = r.length - 4;
    if (j >= 0 && r[j + 1] === y && r[j + 3] === h && Math.abs(r[j] + r[j + 2] - x) < 0.01) {
      r[j + 2] = x + w - r[j];
      return;
    }
    r.push(x, y, w, h);
  }
  /** fillRect, not one path of many rects: Skia rasterises a long path far more slowly. */
  fill(ctx: CanvasRenderingContext2D, b: number, colour: string): void {
    const r = this.rects[b];
    if (!r.length) return;
    ctx.fillStyle = colour;
    for (let j = 0; j < r.length; j += 4) ctx.fillRect(r[j], r[j + 1], r[j + 2], r[j + 3]);
  }
}

/** Draws every lane's tasks; one instance per canvas (it keeps scratch buffers between frames). */
export class LaneRenderer {
  private buckets = new Buckets();
  private cols = new Columns(0);
  private running: number[] = [];
  private painter = new ColumnPainter();
  private hatch: { palette: Palette; pattern: CanvasPattern | null } | null = null;

  draw(ctx: CanvasRenderingContext2D, lanes: readonly ProcessLane[], v: Viewport, p: Palette): DrawStats {
    const W = Math.max(1, Math.ceil(v.width));
    if (this.cols.width !== W) this.cols = new Columns(W);
    const stats: DrawStats = { visible: 0, bars: 0, columns: 0, binned: 0 };
    const px = (v.d1 - v.d0) / W;
    this.buckets.reset(FIRST_SITE + p.sites.length);
    this.running.length = 0;

    ctx.fillStyle = this.idlePattern(ctx, p);
    for (let li = 0; li < lanes.length; li++) ctx.fillRect(0, li * LANE_H + BAR_TOP, v.width, BAR_H);
    ctx.strokeStyle = p.grid;
    ctx.globalAlpha = 0.5;
    ctx.beginPath();
    for (const t of v.ticks) {
      const x = Math.round(((t - v.d0) / (v.d1 - v.d0)) * v.width) + 0.5;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, lanes.length * LANE_H);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;

    for (let li = 0; li < lanes.length; li++) {
      const y = li * LANE_H + BAR_TOP;
      this.cols.reset();
      const { done, running, bins } = lanes[li];
      let thinDone: boolean;
      if (bins.usable(px) && done.endArrivingBy(v.d1) - done.firstReaching(v.d0) > 2 * W) {
        // Many more tasks than pixels in view: read the bins, not the tasks.
        bins.fillColumns(v.d0, px, this.cols);
        const bestSite = this.cols.bestSite;
        for (let col = 0; col < W; col++) {
          const c = bestSite[col];
          bestSite[col] = c <= 0 || c >= CHANNELS ? UNKNOWN_SITE : FIRST_SITE + c - 1;
        }
        stats.binned++;
        thinDone = true;
      } else {
        thinDone = this.tasks(done, y, v, p, stats);
      }
      const thinRunning = this.tasks(running, y, v, p, stats);
      if (thinDone || thinRunning) this.columns(ctx, y, v.dpr, p, stats);
    }

    const b = this.buckets;
    b.fill(ctx, UNPICKLE, p.unpickle);
    b.fill(ctx, RESULT, p.result);
    b.fill(ctx, UNKNOWN_SITE, p.muted);
    for (let s = 0; s < p.sites.length; s++) b.fill(ctx, FIRST_SITE + s, p.sites[s]);
    b.fill(ctx, ERROR, p.error);
    this.outlineRunning(ctx, p);
    if (v.live) this.nowLine(ctx, v, p, lanes.length);
    return stats;
  }

  /** Bars for wide tasks; sub-pixel ones summed into the column buffers. True if any was. */
  private tasks(lane: LaneTasks, y: number, v: Viewport, p: Palette, stats: DrawStats): boolean {
    if (!lane.n) return false;
    const { d0, d1, now } = v;
    const W = this.cols.width;
    const k = v.width / (d1 - d0);
    const { t0, t1, t2, ok, site } = lane;
    const nSites = p.sites.length;
    const { busy, comp, unp, best, bestSite, err } = this.cols;
    let anyColumn = false;
    const end = lane.endArrivingBy(d1);
    for (let i = lane.firstReaching(d0); i < end; i++) {
      const s = t0[i];
      const e = lane.endOf(i, now);
      if (e < d0) continue;
      stats.visible++;
      const xs = (s - d0) * k;
      const xe = (e - d0) * k;
      const a = t1[i];
      const c = t2[i];
      const sb = site[i] < 0 ? UNKNOWN_SITE : FIRST_SITE + (site[i] % nSites);
      if (xe - xs >= LOD_PX) {
        stats.bars++;
        const a1 = a === a ? a : e;
        const a2 = c === c ? c : e;
        this.span(UNPICKLE, (s - d0) * k, (a1 - d0) * k, y, BAR_H, v.width);
        if (a === a) this.span(sb, (a1 - d0) * k, (a2 - d0) * k, y, BAR_H, v.width);
        if (c === c) this.span(RESULT, (a2 - d0) * k, xe, y, BAR_H, v.width);
        if (ok[i] === 0) this.span(ERROR, xs, xe, y - 1, CAP_H, v.width);
        if (lane.inFlight || ok[i] === -1)
          this.running.push(Math.max(xs, -1), y, Math.min(xe, v.width + 1) - Math.max(xs, -1));
        continue;
      }
      // Sub-pixel task: add its coverage to the one to three columns it touches.
      anyColumn = true;
      const cf = a === a && c === c && e > s ? (c - a) / (e - s) : 0;
      const uf = e > s ? ((a === a ? a : e) - s) / (e - s) : 1;
      const lo = Math.max(0, Math.floor(xs));
      const hi = Math.min(W - 1, Math.floor(xe));
      for (let col = lo; col <= hi; col++) {
        const ov = Math.max(Math.min(xe, col + 1) - Math.max(xs, col), 0.05);
        busy[col] += ov;
        unp[col] += ov * uf;
        const oc = ov * cf;
        comp[col] += oc;
        if (oc >= best[col]) {
          best[col] = oc;
          bestSite[col] = sb;
        }
        if (ok[i] === 0) err[col] = 1;
      }
    }
    return anyColumn;
  }

  /**
   * One column per busy pixel: its height is the busy fraction; compute (in the colour of the
   * call site with the most compute there) at the bottom, then unpickling, then the result's
   * pickling and sending; a red cap if a task in it raised.
   */
  private columns(ctx: CanvasRenderingContext2D, y: number, dpr: number, p: Palette, stats: DrawStats): void {
    const { busy, bestSite, err } = this.cols;
    const colour = (col: number): string => {
      const b = bestSite[col];
      return b >= FIRST_SITE ? p.sites[b - FIRST_SITE] : p.muted;
    };
    this.painter.paint(ctx, y, BAR_H, dpr, this.cols, colour, p.unpickle, p.result);
    for (let col = 0; col < busy.length; col++) {
      if (busy[col] > 0) stats.columns++;
      if (err[col]) this.buckets.push(ERROR, col, y - 1, 1, CAP_H);
    }
  }

  private span(bucket: number, xs: number, xe: number, y: number, h: number, width: number): void {
    if (xe < 0 || xs > width) return;
    const a = Math.max(xs, -1);
    const w = Math.min(xe, width + 1) - a;
    if (w > 0) this.buckets.push(bucket, a, y, w, h);
  }

  private outlineRunning(ctx: CanvasRenderingContext2D, p: Palette): void {
    const r = this.running;
    if (!r.length) return;
    ctx.save();
    ctx.strokeStyle = p.fg;
    ctx.setLineDash([3, 2]);
    ctx.lineWidth = 1;
    for (let j = 0; j < r.length; j += 3) ctx.strokeRect(r[j] + 0.5, r[j + 1] + 0.5, r[j + 2] - 1, BAR_H - 1);
    ctx.restore();
  }

  private nowLine(ctx: CanvasRenderingContext2D, v: Viewport, p: Palette, lanes: number): void {
    const x = Math.round(((v.now - v.d0) / (v.d1 - v.d0)) * v.width) + 0.5;
    if (x < 0 || x > v.width) return;
    ctx.save();
    ctx.strokeStyle = p.focus;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, lanes * LANE_H);
    ctx.stroke();
    ctx.restore();
  }

  /** Idle time shows as the lane's hatched background between bars. */
  private idlePattern(ctx: CanvasRenderingContext2D, p: Palette): CanvasPattern | string {
    if (this.hatch?.palette !== p) {
      const tile = document.createElement('canvas');
      tile.width = 6;
      tile.height = 6;
      const g = tile.getContext('2d');
      if (g) {
        g.fillStyle = p.idle;
        g.fillRect(0, 0, 6, 6);
        g.strokeStyle = p.grid;
        g.globalAlpha = 0.4;
        g.beginPath();
        g.moveTo(0, 6);
        g.lineTo(6, 0);
        g.stroke();
      }
      this.hatch = { palette: p, pattern: ctx.createPattern(tile, 'repeat') };
    }
    return this.hatch.pattern ?? p.idle;
  }
}
