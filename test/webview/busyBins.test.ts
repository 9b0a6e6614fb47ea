/**
 * The time bins the timeline draws from when zoomed out must say what the tasks say: the same
 * busy and compute time per pixel column (to float precision), the same dominant call site, the
 * same error marks, also after live appends and out-of-order rows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BusyBins, CHANNELS } from '../../webview/busyBins';
import { Columns } from '../../webview/columns';
import { LaneTasks } from '../../webview/laneTasks';

/** Exact per-column busy and compute fractions, straight from the tasks. */
function exact(
  lane: LaneTasks,
  d0: number,
  px: number,
  W: number,
): { busy: number[]; comp: number[]; unp: number[] } {
  const busy = new Array<number>(W).fill(0);
  const comp = new Array<number>(W).fill(0);
  const unp = new Array<number>(W).fill(0);
  for (let i = 0; i < lane.n; i++) {
    const s = lane.t0[i];
    const e = lane.endOf(i, 0);
    const cf = (lane.t2[i] - lane.t1[i]) / (e - s);
    const uf = (lane.t1[i] - s) / (e - s);
    for (let c = 0; c < W; c++) {
      const a = d0 + c * px;
      const ov = Math.min(e, a + px) - Math.max(s, a);
      if (ov > 0) {
        busy[c] += ov / px;
        comp[c] += (ov * cf) / px;
        unp[c] += (ov * uf) / px;
      }
    }
  }
  return { busy, comp, unp };
}

function makeLane(n: number, shuffle = false): LaneTasks {
  const lane = new LaneTasks(false);
  const rows = [];
  let t = 3;
  for (let i = 0; i < n; i++) {
    const un = 0.05 + (i % 3) * 0.01;
    const comp = i % 5 === 0 ? 2 : 0.4;
    rows.push({
      t0: t,
      t1: t + un,
      t2: t + un + comp,
      t3: t + un + comp + 0.05,
      site: i % 5 === 0 ? 1 : 0,
      ok: i === 777 ? 0 : 1,
      items: 1,
      bytesIn: 1,
      bytesOut: 1,
    });
    t += un + comp + 0.05 + (i % 7) * 0.02;
  }
  if (shuffle) rows.reverse();
  for (const r of rows) lane.put(r);
  lane.prepare();
  return lane;
}

function columns(bins: BusyBins, d0: number, px: number, W: number) {
  const cols = new Columns(W);
  bins.fillColumns(d0, px, cols);
  return { busy: cols.busy, comp: cols.comp, unp: cols.unp, channel: cols.bestSite, err: cols.err };
}

describe('BusyBins', () => {
  it('leaves small lanes to be drawn task by task', () => {
    const bins = new BusyBins();
    bins.update(makeLane(1000));
    assert.equal(bins.usable(1), false);
  });

  it('matches the tasks column by column where columns fall on bin edges', () => {
    const lane = makeLane(20_000);
    const bins = new BusyBins();
    bins.update(lane);
    const end = lane.maxEnd[lane.n - 1];
    for (const level of [0, 2, 5]) {
      const px = bins.w0 * 2 ** level;
      const W = 300;
      const d0 = Math.floor((end * 0.4) / px) * px;
      assert.ok(bins.usable(px));
      const got = columns(bins, d0, px, W);
      const want = exact(lane, d0, px, W);
      for (let c = 0; c < W; c++) {
        assert.ok(
          Math.abs(got.busy[c] - want.busy[c]) < 1e-4,
          `level ${level} col ${c}: ${got.busy[c]} vs ${want.busy[c]}`,
        );
        assert.ok(Math.abs(got.comp[c] - want.comp[c]) < 1e-4, `level ${level} col ${c} compute`);
        assert.ok(Math.abs(got.unp[c] - want.unp[c]) < 1e-4, `level ${level} col ${c} unpickle`);
      }
    }
    assert.equal(bins.usable(bins.w0 / 2), false, 'finer than a bin: draw the tasks');
  });

  it('spreads a bin evenly over the columns it straddles, keeping the total', () => {
    const lane = makeLane(20_000);
    const bins = new BusyBins();
    bins.update(lane);
    const end = lane.maxEnd[lane.n - 1];
    // Columns 1.37 bins wide, starting mid-bin, the window reaching past the last task.
    const px = bins.w0 * 1.37;
    const W = Math.ceil((end + 2 * bins.w0) / px);
    const got = columns(bins, 0, px, W);
    const want = exact(lane, 0, px, W);
    const total = (a: ArrayLike<number>): number => {
      let t = 0;
      for (let k = 0; k < a.length; k++) t += a[k];
      return t;
    };
    assert.ok(Math.abs(total(got.busy) - total(want.busy)) < 1e-3 * total(want.busy));
    for (let c = 0; c < W; c++) assert.ok(Math.abs(got.busy[c] - want.busy[c]) < 0.75, `col ${c}`);
  });

  it('names the call site with the most compute, and marks the column of a task that raised', () => {
    const lane = makeLane(20_000);
    const bins = new BusyBins();
    bins.update(lane);
    const end = lane.maxEnd[lane.n - 1];
    const W = 200;
    const got = columns(bins, 0, end / W, W);
    // Every fifth task computes 2 ms at site 1, the rest 0.4 ms at site 0: site 1 has more.
    const busyCols = [...got.channel].filter((_, c) => got.busy[c] > 0);
    assert.ok(busyCols.length > W * 0.9);
    assert.ok(
      busyCols.every((ch) => ch === 2),
      'channel of site 1',
    );
    assert.equal(CHANNELS, 5);
    const bad = lane.t0[777];
    assert.equal(got.err[Math.floor(bad / (end / W))], 1);
    assert.equal(
      got.err.reduce((a, b) => a + b, 0),
      1,
      'one column marked',
    );
  });

  it('appends live tasks without a rebuild and rebuilds when rows come out of order', () => {
    const all = makeLane(30_000);
    const lane = new LaneTasks(false);
    const bins = new BusyBins();
    const row = (i: number) => ({
      t0: all.t0[i],
      t1: all.t1[i],
      t2: all.t2[i],
      t3: all.t3[i],
      site: all.site[i],
      ok: all.ok[i],
      items: 1,
      bytesIn: 1,
      bytesOut: 1,
    });
    for (let i = 0; i < 20_000; i++) lane.put(row(i));
    lane.prepare();
    bins.update(lane);
    const w0 = bins.w0;
    for (let i = 20_000; i < 25_000; i++) lane.put(row(i));
    lane.prepare();
    bins.update(lane);
    assert.equal(bins.w0, w0, 'appended into the same bins');
    const sum = (b: Float32Array) => b.reduce((a, x) => a + x, 0);
    const W = 100;
    // The window reaches past the last bin, so no bin is cut off at the right edge.
    const px = (bins.w0 * bins.levels[0].busy.length) / W;
    const got = columns(bins, 0, px, W);
    const want = exact(lane, 0, px, W);
    assert.ok(
      Math.abs(sum(got.busy) - want.busy.reduce((a, x) => a + x, 0)) < 0.01,
      `${sum(got.busy)} vs ${want.busy.reduce((a, x) => a + x, 0)}`,
    );

    const shuffled = makeLane(10_000, true);
    const b2 = new BusyBins();
    b2.update(shuffled);
    const px2 = (b2.w0 * b2.levels[0].busy.length) / W;
    const g2 = columns(b2, 0, px2, W);
    const w2 = exact(shuffled, 0, px2, W);
    assert.ok(Math.abs(sum(g2.busy) - w2.busy.reduce((a, x) => a + x, 0)) < 0.01);
  });
});
