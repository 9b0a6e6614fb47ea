import type { Columns } from './columns';
import type { LaneTasks } from './laneTasks';
import { SITE_COLOURS } from './theme';

/** Below this many tasks a lane is drawn task by task at every zoom. */
const MIN_TASKS = 4096;
/** Per-bin compute is kept per colour: channel 0 for unknown sites, then one per site colour. */
export const CHANNELS = SITE_COLOURS + 1;

interface Level {
  /** ms of task time in each bin. */
  busy: Float32Array;
  /** ms of compute per bin and channel (bin * CHANNELS + channel). */
  comp: Float32Array;
  /** ms spent unpickling tasks. */
  unp: Float32Array;
  err: Uint8Array;
}

/**
 * A pyramid of time bins over one lane's finished tasks: busy time, compute time per colour and
 * whether a task raised, per bin, at bin widths w0, 2·w0, 4·w0… Zoomed out, a frame reads about
 * one bin per pixel column instead of walking every task in view, so drawing costs the same for a
 * thousand tasks or a million. Level 0 holds about four tasks per bin, so wherever bins are too
 * coarse to use, few enough tasks are in view to draw one by one.
 */
export class BusyBins {
  /** Width of a level-0 bin in ms (a power of two). */
  w0 = 0;
  levels: Level[] = [];
  private added = 0;
  private builtFor = 0;
  private generation = -1;

  /** Brings the bins up to date with the lane: appends new tasks, or rebuilds when outgrown. */
  update(lane: LaneTasks): void {
    const n = lane.n;
    if (n < MIN_TASKS) {
      this.levels = [];
      this.added = 0;
      return;
    }
    const end = lane.maxEnd[n - 1];
    const bins = this.levels.length ? this.levels[0].busy.length : 0;
    if (
      !bins ||
      lane.generation !== this.generation ||
      n >= 2 * this.builtFor ||
      !(end < bins * this.w0) ||
      this.added > n
    ) {
      this.rebuild(lane, end);
      return;
    }
    if (this.added < n) this.addRange(lane, this.added, n);
  }

  /** True if bins are fine enough for pixels `px` ms wide. */
  usable(px: number): boolean {
    return this.levels.length > 0 && px >= this.w0;
  }

  /**
   * Adds each pixel column's busy, compute and unpickle fractions, error flag and dominant compute
   * channel (into `bestSite`: 0 unknown site, 1… site colours) over [d0, d0 + W·px].
   */
  fillColumns(d0: number, px: number, cols: Columns): void {
    const { busy, comp, unp, best, bestSite: bestChannel, err } = cols;
    let L = Math.min(this.levels.length - 1, Math.floor(Math.log2(px / this.w0)));
    while (L > 0 && this.w0 * 2 ** L > px) L--;
    const lv = this.levels[L];
    const w = this.w0 * 2 ** L;
    const last = lv.busy.length - 1;
    const ch = new Float64Array(CHANNELS);
    for (let col = 0; col < busy.length; col++) {
      const a = d0 + col * px;
      const b = a + px;
      if (b <= 0) continue;
      const j0 = Math.max(0, Math.floor(a / w));
      const j1 = Math.min(last, Math.floor(b / w));
      if (j0 > last) break;
      let sum = 0;
      let u = 0;
      ch.fill(0);
      for (let j = j0; j <= j1; j++) {
        const ov = (Math.min(b, (j + 1) * w) - Math.max(a, j * w)) / w;
        if (ov <= 0 || lv.busy[j] === 0) continue;
        sum += lv.busy[j] * ov;
        u += lv.unp[j] * ov;
        for (let c = 0; c < CHANNELS; c++) ch[c] += lv.comp[j * CHANNELS + c] * ov;
        if (lv.err[j]) err[col] = 1;
      }
      if (sum <= 0) continue;
      busy[col] += sum / px;
      unp[col] += u / px;
      let total = 0;
      for (let c = 0; c < CHANNELS; c++) {
        total += ch[c];
        if (ch[c] / px >= best[col]) {
          best[col] = ch[c] / px;
          bestChannel[col] = c;
        }
      }
      comp[col] += total / px;
    }
  }

  private rebuild(lane: LaneTasks, end: number): void {
    const n = lane.n;
    const bins = 2 ** Math.min(18, Math.max(10, Math.ceil(Math.log2(n / 4))));
    // Headroom so a live run can grow a while before the next rebuild.
    this.w0 = 2 ** Math.ceil(Math.log2((Math.max(end, 1e-3) * 1.5) / bins));
    this.levels = [];
    for (let size = bins; size >= 1; size >>= 1) {
      this.levels.push({
        busy: new Float32Array(size),
        comp: new Float32Array(size * CHANNELS),
        unp: new Float32Array(size),
        err: new Uint8Array(size),
      });
    }
    this.added = 0;
    this.builtFor = n;
    this.generation = lane.generation;
    this.addRange(lane, 0, n);
  }

  private addRange(lane: LaneTasks, from: number, to: number): void {
    const lv = this.levels[0];
    const w = this.w0;
    const last = lv.busy.length - 1;
    let lo = Infinity;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const s = lane.t0[i];
      const e = lane.endOf(i, 0);
      const d = e - s;
      if (!(d > 0)) continue;
      const t1 = lane.t1[i];
      const t2 = lane.t2[i];
      const cf = t1 === t1 && t2 === t2 ? (t2 - t1) / d : 0;
      const uf = t1 === t1 ? (t1 - s) / d : 1;
      const site = lane.site[i];
      const channel = site < 0 ? 0 : 1 + (site % SITE_COLOURS);
      const j0 = Math.max(0, Math.floor(s / w));
      const j1 = Math.min(last, Math.floor(e / w));
      for (let j = j0; j <= j1; j++) {
        const ov = Math.min(e, (j + 1) * w) - Math.max(s, j * w);
        if (ov <= 0) continue;
        lv.busy[j] += ov;
        lv.comp[j * CHANNELS + channel] += ov * cf;
        lv.unp[j] += ov * uf;
        if (lane.ok[i] === 0) lv.err[j] = 1;
      }
      if (j0 < lo) lo = j0;
      if (j1 > hi) hi = j1;
    }
    this.added = to;
    for (let L = 1; L < this.levels.length && hi >= lo; L++) {
      lo >>= 1;
      hi >>= 1;
      const up = this.levels[L];
      const dn = this.levels[L - 1];
      for (let j = lo; j <= hi; j++) {
        up.busy[j] = dn.busy[2 * j] + dn.busy[2 * j + 1];
        up.unp[j] = dn.unp[2 * j] + dn.unp[2 * j + 1];
        up.err[j] = dn.err[2 * j] | dn.err[2 * j + 1];
        for (let c = 0; c < CHANNELS; c++) {
          up.comp[j * CHANNELS + c] = dn.comp[2 * j * CHANNELS + c] + dn.comp[(2 * j + 1) * CHANNELS + c];
        }
      }
    }
  }
}
