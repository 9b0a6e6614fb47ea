import { lowerBound, upperBound } from './search';

/** One task as it arrives; NaN where a time is not known (yet). */
export interface TaskRow {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
  site: number;
  ok: number;
  items: number;
  bytesIn: number;
  bytesOut: number;
}

const FLOAT_COLUMNS = ['t0', 't1', 't2', 't3', 'items', 'bytesIn', 'bytesOut', 'maxEnd'] as const;
type FloatColumn = (typeof FLOAT_COLUMNS)[number];

/**
 * A set of tasks of one process, sorted by arrival (t0), as flat typed columns: drawing a million
 * bars then walks contiguous memory instead of a million objects.
 *
 * Two per process: the finished tasks (appended, never changed) and the tasks in flight (replaced
 * by every delta). Only in the second does a task without an end extend to "now"; a finished
 * task that never ended (its worker died) stops at its last known time.
 */
export class LaneTasks {
  n = 0;
  t0 = new Float64Array(64);
  t1 = new Float64Array(64);
  t2 = new Float64Array(64);
  t3 = new Float64Array(64);
  items = new Float64Array(64);
  bytesIn = new Float64Array(64);
  bytesOut = new Float64Array(64);
  /**
   * Prefix maximum of each task's end (Infinity while it runs). Monotone, so the first task that
   * reaches into a window is one binary search away even if tasks overlap.
   */
  maxEnd = new Float64Array(64);
  site = new Int32Array(64);
  ok = new Int8Array(64);
  /** Bumped when rows are reordered, so indexes built on row numbers know to start over. */
  generation = 0;
  private sorted = true;
  /** maxEnd is valid below this index. */
  private validTo = 0;

  /** @param inFlight tasks still running: their bars reach to "now". */
  constructor(readonly inFlight: boolean) {}

  clear(): void {
    this.generation++;
    this.n = 0;
    this.sorted = true;
    this.validTo = 0;
  }

  /** Makes room for `extra` more rows at once (one copy instead of repeated doubling). */
  reserve(extra: number): void {
    if (this.n + extra > this.t0.length) this.grow(this.n + extra);
  }

  put(r: TaskRow): void {
    if (this.n === this.t0.length) this.grow(this.n * 2);
    const i = this.n++;
    if (i > 0 && r.t0 < this.t0[i - 1]) this.sorted = false;
    this.t0[i] = r.t0;
    this.t1[i] = r.t1;
    this.t2[i] = r.t2;
    this.t3[i] = r.t3;
    this.site[i] = r.site;
    this.ok[i] = r.ok;
    this.items[i] = r.items;
    this.bytesIn[i] = r.bytesIn;
    this.bytesOut[i] = r.bytesOut;
  }

  /** Sorts (only if rows came out of order) and extends the prefix maximum. */
  prepare(): void {
    if (!this.sorted) this.sort();
    const { maxEnd } = this;
    let m = this.validTo > 0 ? maxEnd[this.validTo - 1] : -Infinity;
    for (let i = this.validTo; i < this.n; i++) {
      const e = this.inFlight ? Infinity : this.endOf(i, 0);
      if (e > m) m = e;
      maxEnd[i] = m;
    }
    this.validTo = this.n;
  }

  /** Where the bar of task i ends: its last known time, or `now` while it runs. */
  endOf(i: number, now: number): number {
    const t3 = this.t3[i];
    if (t3 === t3) return t3;
    if (this.inFlight) return Math.max(now, this.t0[i]);
    const t2 = this.t2[i];
    if (t2 === t2) return t2;
    const t1 = this.t1[i];
    return t1 === t1 ? t1 : this.t0[i];
  }

  /** Index of the first task whose bar may reach `t` or later (valid after prepare()). */
  firstReaching(t: number): number {
    return lowerBound(this.maxEnd, t, this.n);
  }

  /** Index just past the last task that arrived at or before `t`. */
  endArrivingBy(t: number): number {
    return upperBound(this.t0, t, this.n);
  }

  /**
   * The task under time `t` (within `tol` ms, for bars thinner than the pointer), nearest first;
   * -1 if none.
   */
  hitTest(t: number, tol: number, now: number): number {
    let best = -1;
    let bestDist = Infinity;
    let steps = 0;
    for (let i = this.endArrivingBy(t + tol) - 1; i >= 0 && steps < 256; i--, steps++) {
      if (this.maxEnd[i] < t - tol) break;
      const s = this.t0[i];
      const e = this.endOf(i, now);
      const d = t < s ? s - t : t > e ? t - e : 0;
      if (d <= tol && d < bestDist) {
        best = i;
        bestDist = d;
        if (d === 0) break;
      }
    }
    return best;
  }

  private grow(min: number): void {
    const cap = Math.max(min, this.t0.length * 2);
    for (const c of FLOAT_COLUMNS) {
      const next = new Float64Array(cap);
      next.set(this[c]);
      this[c] = next;
    }
    const site = new Int32Array(cap);
    site.set(this.site);
    this.site = site;
    const ok = new Int8Array(cap);
    ok.set(this.ok);
    this.ok = ok;
  }

  private sort(): void {
    const n = this.n;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const t0 = this.t0;
    order.sort((a, b) => t0[a] - t0[b] || a - b);
    const permute = <A extends Float64Array | Int32Array | Int8Array>(src: A): A => {
      const out = src.slice() as A;
      for (let i = 0; i < n; i++) out[i] = src[order[i]];
      return out;
    };
    for (const c of FLOAT_COLUMNS) {
      if (c !== 'maxEnd') this[c as Exclude<FloatColumn, 'maxEnd'>] = permute(this[c]);
    }
    this.site = permute(this.site);
    this.ok = permute(this.ok);
    this.sorted = true;
    this.generation++;
    this.validTo = 0;
  }
}
