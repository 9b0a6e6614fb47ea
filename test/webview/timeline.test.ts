/**
 * The panel's timeline in headless Chromium: hover, click, zoom and pan by wheel and keyboard, the
 * keyboard task cursor, live deltas, theme changes and a run large enough to draw from time bins.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TaskColumns, ToWebview } from '../../src/shared/protocol';
import { LANE_H } from '../../webview/timelineDraw';
import { fmtBytes, fmtMs } from '../../webview/units';
import { makeBigRun, makeRun, sliceTasks, WORKERS } from './fixture';
import { Harness } from './harness';
import { assertClean, load, pointAt, rowOf } from './helpers';

let h: Harness;

before(async () => {
  h = await Harness.start();
});

after(async () => {
  await h?.close();
});

describe('PoolScope timeline', () => {
  it('shows the tooltip of the task under the pointer and opens its call site on click', async () => {
    const panel = await h.open();
    const run = makeRun();
    await load(panel, run);
    const r = rowOf(1, 30);
    const t = run.tasks;
    assert.equal(t.pid[r], WORKERS[1]);
    const at = await pointAt(panel, 2, (t.t1[r] + t.t2[r]) / 2);
    await panel.page.mouse.move(at.x, at.y);
    const tip = panel.page.locator('.ps-tooltip');
    await tip.waitFor({ state: 'visible' });
    const field = (k: string): Promise<string | null> =>
      tip.locator(`[data-field="${k}"] .ps-tip-v`).textContent();
    assert.equal(await tip.locator('.ps-tip-title').textContent(), '/home/dev/proj/resize.py:21');
    assert.equal(await tip.locator('.ps-tip-sub').textContent(), 'map');
    assert.equal(await field('process'), 'worker 2 · 4714 (pid 4714)');
    assert.equal(await field('items'), '4');
    assert.equal(await field('bytes in / out'), `${fmtBytes(t.bytesIn[r])} / ${fmtBytes(t.bytesOut[r])}`);
    assert.equal(await field('unpickle'), fmtMs(t.t1[r] - t.t0[r]));
    assert.equal(await field('compute'), fmtMs(t.t2[r] - t.t1[r]));
    assert.equal(await field('result pickle + send'), fmtMs(t.t3[r] - t.t2[r]));
    assert.equal(await field('arrived at'), fmtMs(t.t0[r]));

    // The task that raised says so.
    const bad = rowOf(1, 57);
    assert.equal(t.ok[bad], 0);
    const atBad = await pointAt(panel, 2, (t.t1[bad] + t.t2[bad]) / 2);
    await panel.page.mouse.move(atBad.x, atBad.y);
    assert.equal(await tip.locator('.ps-tip-error').textContent(), 'raised an exception');

    const atSite1 = await pointAt(panel, 1, (t.t0[rowOf(0, 150)] + t.t3[rowOf(0, 150)]) / 2);
    await panel.page.mouse.click(atSite1.x, atSite1.y);
    assert.deepEqual((await panel.posted()).at(-1), {
      type: 'source/open',
      file: '/home/dev/proj/resize.py',
      line: 34,
    });
    await panel.page.mouse.click(at.x, at.y);
    assert.deepEqual((await panel.posted()).at(-1), {
      type: 'source/open',
      file: '/home/dev/proj/resize.py',
      line: 21,
    });
    // The main process ran no task: no tooltip there, and a click posts nothing.
    const count = (await panel.posted()).length;
    const idle = await pointAt(panel, 0, 500);
    await panel.page.mouse.click(idle.x, idle.y);
    assert.equal(await tip.isVisible(), false);
    assert.equal((await panel.posted()).length, count);
    await assertClean(panel);
  });

  it('lets the keyboard pick a task, shows it, brings it into view, and opens it with Enter', async () => {
    const panel = await h.open();
    const run = makeRun();
    await load(panel, run);
    const t = run.tasks;
    const tip = panel.page.locator('.ps-tooltip');
    const field = (k: string): Promise<string | null> =>
      tip.locator(`[data-field="${k}"] .ps-tip-v`).textContent();
    // The tooltip follows the cursor on the next frame.
    const press = async (key: string): Promise<void> => {
      await panel.page.keyboard.press(key);
      await panel.settle();
    };
    await panel.page.locator('.ps-plot').focus();
    await press(']');
    await tip.waitFor({ state: 'visible' });
    assert.equal(await field('process'), 'worker 1 · 4713 (pid 4713)', 'first lane with tasks');
    assert.equal(await field('arrived at'), fmtMs(t.t0[rowOf(0, 0)]));
    assert.match(
      (await panel.page.locator('.ps-sr-only').textContent()) ?? '',
      /^worker 1 · 4713: task 1 of 320/,
    );
    await press(']');
    await press(']');
    assert.equal(await field('arrived at'), fmtMs(t.t0[rowOf(0, 2)]));
    await press('[');
    assert.equal(await field('arrived at'), fmtMs(t.t0[rowOf(0, 1)]));
    await press('ArrowDown');
    assert.equal(await field('process'), 'worker 2 · 4714 (pid 4714)');
    assert.equal(await field('arrived at'), fmtMs(t.t0[rowOf(1, 1)]), 'nearest in time in the next lane');
    await press('Enter');
    assert.deepEqual((await panel.posted()).at(-1), {
      type: 'source/open',
      file: run.sites[0].file,
      line: 21,
    });

    // Zoomed in far from the cursor, the next step pans its task into view.
    for (let i = 0; i < 8; i++) await press('+');
    const [a] = await panel.domain();
    assert.ok(a > t.t3[rowOf(1, 2)], 'the cursor is out of view');
    await press(']');
    const [d0, d1] = await panel.domain();
    assert.ok(d0 <= t.t0[rowOf(1, 2)] && t.t3[rowOf(1, 2)] <= d1, `task in view: ${d0}…${d1}`);
    assert.equal(await field('arrived at'), fmtMs(t.t0[rowOf(1, 2)]));
    await press('Escape');
    assert.equal(await tip.isVisible(), false);
    await assertClean(panel);
  });

  it('zooms with the wheel and with the keyboard, pans with arrows, resets with 0', async () => {
    const panel = await h.open();
    const run = makeRun();
    await load(panel, run);
    const full = await panel.domain();
    const same = (a: [number, number], b: [number, number]): boolean =>
      Math.abs(a[0] - b[0]) < 1e-6 && Math.abs(a[1] - b[1]) < 1e-6;
    assert.ok(same(full, [0, run.wallMs]), `whole run: ${full}`);

    const mid = await pointAt(panel, 1, 300);
    await panel.page.mouse.move(mid.x, mid.y);
    await panel.page.mouse.wheel(0, -500);
    await panel.settle();
    const wheeled = await panel.domain();
    assert.ok(wheeled[1] - wheeled[0] < (full[1] - full[0]) * 0.6, `wheel zoomed in: ${wheeled}`);
    assert.ok(wheeled[0] < 300 && wheeled[1] > 300, 'zoomed around the pointer');

    await panel.page.keyboard.press('0');
    await panel.page.locator('.ps-plot').focus();
    assert.equal(
      await panel.page.locator('.ps-plot').evaluate((e) => getComputedStyle(e).outlineStyle),
      'solid',
      'visible focus ring',
    );
    await panel.page.keyboard.press('0');
    await panel.settle();
    assert.ok(same(await panel.domain(), full), '0 resets');
    await panel.page.keyboard.press('+');
    await panel.settle();
    const zoomed = await panel.domain();
    assert.ok(
      Math.abs((zoomed[1] - zoomed[0]) * 1.5 - (full[1] - full[0])) < 1e-6,
      `+ zooms 1.5×: ${zoomed}`,
    );
    await panel.page.keyboard.press('ArrowRight');
    await panel.settle();
    const panned = await panel.domain();
    assert.ok(panned[0] > zoomed[0], 'ArrowRight pans later');
    assert.ok(Math.abs(panned[1] - panned[0] - (zoomed[1] - zoomed[0])) < 1e-6, 'panning keeps the span');
    await panel.page.keyboard.press('-');
    await panel.page.keyboard.press('-');
    await panel.settle();
    assert.ok(same(await panel.domain(), full), 'cannot zoom out past the whole run');
    await panel.page.keyboard.press('+');
    await panel.page.keyboard.press('0');
    await panel.settle();
    assert.ok(same(await panel.domain(), full), '0 resets');
    // A new run starts with the whole run in view.
    await panel.page.keyboard.press('+');
    await panel.settle();
    await load(panel, makeRun({ runId: 'run-2' }));
    assert.ok(same(await panel.domain(), full), 'reset on run/reset');
    await assertClean(panel);
  });

  it('appends finished tasks from live deltas, replaces the in-flight set, and cancels', async () => {
    const panel = await h.open();
    const run = makeRun({ runId: 'live-1' });
    await panel.post({ type: 'run/reset', run: { ...run.header, live: true } });
    assert.equal(await panel.page.locator('.ps-empty').textContent(), 'Waiting for the first task…');
    const inFlight = (t0: number): TaskColumns => ({
      pid: [WORKERS[0]],
      t0: [t0],
      t1: [t0 + 1],
      t2: [NaN],
      t3: [NaN],
      site: [0],
      ok: [-1],
      items: [4],
      bytesIn: [1000],
      bytesOut: [NaN],
    });
    const concat = (a: TaskColumns, b: TaskColumns): TaskColumns => {
      const out = { ...a };
      for (const k of Object.keys(a) as (keyof TaskColumns)[])
        out[k] = [...Array.from(a[k]), ...Array.from(b[k])];
      return out;
    };
    const delta = (
      tasks: TaskColumns,
      running: TaskColumns | undefined,
      wallMs: number,
      runId = 'live-1',
    ): ToWebview => ({
      type: 'run/delta',
      runId,
      lanes: run.lanes,
      sites: run.sites,
      tasks,
      running,
      samples: run.samples.filter((s) => s.t <= wallMs && s.t > wallMs - 2600),
      wallMs,
    });
    const tasks = (): Promise<string | null> =>
      panel.page.locator('.ps-stat[data-stat="tasks"] .ps-stat-v').textContent();

    await panel.post(delta(sliceTasks(run.tasks, 0, 100), inFlight(5000), 5002));
    assert.equal(await tasks(), '101');
    assert.equal(await panel.page.evaluate('window.__poolscope.taskCount()'), 101);
    assert.match((await panel.page.locator('.ps-status-text').textContent()) ?? '', /Running…/);
    assert.equal(
      await panel.page.locator('.ps-findings .ps-empty-note').textContent(),
      'Findings appear when the run has finished.',
    );
    // The in-flight task is drawn to "now" and says so on hover.
    const at = await pointAt(panel, 1, 5001.5);
    await panel.page.mouse.move(at.x, at.y);
    assert.equal(await panel.page.locator('.ps-tip-running').textContent(), 'still running');

    // A delta for another run is stale and ignored.
    await panel.post(delta(sliceTasks(run.tasks, 100, 400), undefined, 9000, 'old-run'));
    assert.equal(await tasks(), '101');

    // The task finished: it arrives with the finished ones, and no task is in flight.
    const done = { ...inFlight(5000), t2: [5003], t3: [5004], ok: [1], bytesOut: [200] };
    await panel.post(delta(concat(sliceTasks(run.tasks, 100, 150), done), undefined, 5010));
    assert.equal(await tasks(), '151', 'appended, and the in-flight set replaced');
    const [, end] = await panel.domain();
    assert.equal(end, 5010, 'the axis follows the run');
    await panel.post(delta(sliceTasks(run.tasks, 150, 150), concat(inFlight(5011), inFlight(5012)), 5013));
    assert.equal(await tasks(), '153');
    await panel.post(delta(sliceTasks(run.tasks, 150, 150), inFlight(5014), 5015));
    assert.equal(await tasks(), '152');

    const cancel = panel.page.locator('.ps-status button.ps-button');
    assert.equal(await cancel.textContent(), 'Cancel');
    await cancel.click();
    assert.deepEqual((await panel.posted()).at(-1), { type: 'run/cancel', runId: 'live-1' });
    await panel.settle();
    assert.match((await panel.page.locator('.ps-status-text').textContent()) ?? '', /Cancelling…/);
    await panel.post({
      type: 'run/status',
      runId: 'live-1',
      status: 'cancelled',
      message: 'stopped by the user',
    });
    assert.equal(
      await panel.page.locator('.ps-status-text').textContent(),
      'Cancelled — stopped by the user',
    );
    await panel.post({
      type: 'run/status',
      runId: 'live-1',
      status: 'failed',
      message: 'python3: not found',
    });
    assert.equal(await panel.page.locator('.ps-status-text').textContent(), 'Failed — python3: not found');
    // A report computed while the run went on says so; the final one replaces it.
    await panel.post({ type: 'run/report', runId: 'live-1', report: run.report, final: false });
    assert.equal(
      await panel.page.locator('.ps-preliminary').textContent(),
      ' · preliminary, the run is still going',
    );
    await panel.post({ type: 'run/report', runId: 'live-1', report: { ...run.report }, final: true });
    assert.equal(await panel.page.locator('.ps-preliminary').count(), 0);
    await assertClean(panel);
  });

  it('re-reads canvas colours when the theme changes', async () => {
    const panel = await h.open({ theme: 'light' });
    const run = makeRun();
    await load(panel, run);
    // Zoom in on one task so its compute segment is many pixels wide.
    const r = rowOf(0, 20);
    const t = run.tasks;
    await panel.page.evaluate(`window.__poolscope && null`);
    const at0 = await pointAt(panel, 1, (t.t1[r] + t.t2[r]) / 2);
    await panel.page.mouse.move(at0.x, at0.y);
    await panel.page.mouse.wheel(0, -2000);
    await panel.settle();
    const pixel = async (): Promise<number[]> => {
      const at = await pointAt(panel, 1, (t.t1[r] + t.t2[r]) / 2);
      const box = await panel.page.locator('.ps-canvas').boundingBox();
      assert.ok(box);
      return panel.page
        .locator('.ps-canvas')
        .evaluate(
          (c, p) => Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(p.x, p.y, 1, 1).data),
          { x: Math.round(at.x - box.x), y: Math.round(at.y - box.y) },
        );
    };
    assert.deepEqual(await pixel(), [0x1a, 0x85, 0xff, 255], 'light charts-blue');
    await panel.setTheme('dark');
    assert.deepEqual(await pixel(), [0x37, 0x94, 0xff, 255], 'dark charts-blue');
    await assertClean(panel);
  });

  it('draws a 50 000-task run from time bins zoomed out, and tasks again zoomed in', async () => {
    const panel = await h.open();
    const run = makeBigRun(50_000);
    await panel.post({ type: 'run/reset', run: run.header });
    await panel.post({
      type: 'run/delta',
      runId: run.header.runId,
      lanes: run.lanes,
      sites: run.sites,
      tasks: run.tasks,
      samples: [],
      wallMs: run.wallMs,
    });
    type Stats = { visible: number; bars: number; columns: number; binned: number };
    const stats = (): Promise<Stats> =>
      panel.page.evaluate('window.__poolscope.lastDrawStats()') as Promise<Stats>;
    assert.equal(await panel.page.evaluate('window.__poolscope.taskCount()'), 50_000);
    const zoomedOut = await stats();
    assert.equal(zoomedOut.binned, 4, 'every worker lane drawn from its bins');
    assert.equal(zoomedOut.visible, 0, 'no task walked one by one');
    assert.ok(zoomedOut.columns > 3000, `columns drawn: ${zoomedOut.columns}`);
    // A busy column is painted (not left as idle background).
    const box = await panel.page.locator('.ps-canvas').boundingBox();
    assert.ok(box);
    const mid = await panel.page
      .locator('.ps-canvas')
      .evaluate(
        (c, p) => Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(p.x, p.y, 1, 1).data),
        { x: Math.round(box.width / 2), y: LANE_H + LANE_H - 6 },
      );
    assert.deepEqual(
      mid,
      [0x1a, 0x85, 0xff, 255],
      'compute colour of the busiest site at the bottom of the column',
    );

    await panel.page.locator('.ps-plot').focus();
    for (let i = 0; i < 14; i++) await panel.page.keyboard.press('+');
    await panel.settle();
    const zoomedIn = await stats();
    assert.equal(zoomedIn.binned, 0);
    assert.ok(
      zoomedIn.bars > 0 && zoomedIn.visible < 2000,
      `bars ${zoomedIn.bars}, walked ${zoomedIn.visible}`,
    );
    const [d0, d1] = await panel.domain();
    const t = run.tasks;
    let r = 0;
    while (r < t.pid.length && !(t.pid[r] === 5002 && t.t0[r] > (d0 + d1) / 2)) r++;
    const at = await pointAt(panel, 2, (t.t1[r] + t.t2[r]) / 2);
    await panel.page.mouse.move(at.x, at.y);
    const tip = panel.page.locator('.ps-tooltip');
    await tip.waitFor({ state: 'visible' });
    assert.equal(
      await tip.locator('[data-field="bytes in / out"] .ps-tip-v').textContent(),
      `${fmtBytes(t.bytesIn[r])} / 50 B`,
    );
    assert.equal(await tip.locator('[data-field="arrived at"] .ps-tip-v').textContent(), fmtMs(t.t0[r]));
    await assertClean(panel);
  });
});
