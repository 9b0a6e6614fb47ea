/**
 * The Compare and Sweep panels in headless Chromium: the real bundle (webview/compare/main.ts),
 * the real CSP, a stubbed VS Code API. Compare is fed two recorded runs of one script (before and
 * after an edit, test/fixtures/traces/compare) exactly as the host builds them; Sweep a result
 * computed by the core from recorded reports, with and without a what-if prediction.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compareReports, loadRun, sweepResult, type SweepRun } from '../../src/core';
import type { Report } from '../../src/core/report/report';
import { compareSide } from '../../src/host/panels/compareRows';
import type { ToCompareView } from '../../src/shared/compareProtocol';
import { EVIL } from './fixture';
import { Harness, ROOT, type PanelPage } from './harness';
import { assertClean } from './helpers';

const TRACES = join(ROOT, 'test', 'fixtures', 'traces');
let h: Harness;

before(async () => {
  h = await Harness.start({ entry: 'webview/compare/main.ts', extraCss: ['compare.css'] });
});

after(async () => {
  await h?.close();
});

function compareMessage(labelA = 'A · line_shift.py · v1', labelB = 'B · line_shift.py · v2'): ToCompareView {
  const a = loadRun(join(TRACES, 'compare', 'line_shift_v1.pstrace'));
  const b = loadRun(join(TRACES, 'compare', 'line_shift_v2.pstrace'));
  const sa = compareSide(a.model, a.report, 'run-a', labelA);
  const sb = compareSide(b.model, b.report, 'run-b', labelB);
  return { type: 'compare/show', a: sa, b: sb, comparison: compareReports(sa.report, sb.report) };
}

/** The cells of the row `key` in the table `table` (a CSS selector). */
async function row(panel: PanelPage, table: string, key: string): Promise<string[]> {
  return panel.page.locator(`${table} tr[data-key="${key}"] > *`).allTextContents();
}

describe('Compare panel', () => {
  it('draws both runs’ lanes, one above the other, on one time scale', async () => {
    const panel = await h.open();
    const msg = compareMessage();
    await panel.post(msg);
    assert.ok(msg.type === 'compare/show');
    const sides = panel.page.locator('.ps-compare-lane');
    assert.deepEqual(await sides.evaluateAll((els) => els.map((e) => e.getAttribute('data-side'))), [
      'A',
      'B',
    ]);
    const boxes = await Promise.all([0, 1].map((i) => sides.nth(i).boundingBox()));
    assert.ok(boxes[0]!.y + boxes[0]!.height <= boxes[1]!.y, 'A above B');
    const counts = (await panel.page.evaluate('window.__poolscope.laneCounts()')) as number[];
    assert.deepEqual(counts, [msg.a.lanes.length, msg.b.lanes.length]);
    const labels = await sides.nth(1).locator('.ps-lane-label').allTextContents();
    assert.deepEqual(
      labels,
      msg.b.lanes.map((l) => l.label),
    );
    const domains = (await panel.page.evaluate('window.__poolscope.timelineDomains()')) as [number, number][];
    const longer = Math.max(msg.a.wallMs, msg.b.wallMs);
    for (const [d0, d1] of domains) {
      assert.equal(d0, 0);
      assert.ok(Math.abs(d1 - longer) < 1e-6, `both span the longer run: ${d1} vs ${longer}`);
    }
    await assertClean(panel);
  });

  it('zooms and pans both timelines together', async () => {
    const panel = await h.open();
    await panel.post(compareMessage());
    const domains = async (): Promise<[number, number][]> =>
      (await panel.page.evaluate('window.__poolscope.timelineDomains()')) as [number, number][];
    const [whole] = await domains();
    await panel.page.locator('.ps-compare-lane[data-side="B"] .ps-plot').focus();
    for (const key of ['+', '+', 'ArrowRight']) await panel.page.keyboard.press(key);
    await panel.settle();
    const [a, b] = await domains();
    assert.ok(b[1] - b[0] < (whole[1] - whole[0]) / 2, `B zoomed in: ${b}`);
    assert.ok(Math.abs(a[0] - b[0]) < 1e-6 && Math.abs(a[1] - b[1]) < 1e-6, `A follows B: ${a} vs ${b}`);
    await panel.page.locator('.ps-compare-lane[data-side="A"] .ps-plot').focus();
    await panel.page.keyboard.press('0');
    await panel.settle();
    const back = await domains();
    for (const d of back) assert.ok(Math.abs(d[0] - whole[0]) < 1e-6 && Math.abs(d[1] - whole[1]) < 1e-6);
    await assertClean(panel);
  });

  it('shows the deltas with signs and units, per run and per matched call site', async () => {
    const panel = await h.open();
    const msg = compareMessage();
    await panel.post(msg);
    assert.ok(msg.type === 'compare/show');
    const c = msg.comparison;
    const wall = await row(panel, '.ps-delta-run', 'wallMs');
    assert.equal(wall[0], 'Wall time');
    assert.match(wall[3], /^[+−]\d+(\.\d+)? ms$/);
    assert.equal(wall[3].startsWith('+'), c.run[0].delta! > 0);
    assert.match(wall[4], /^[+−]\d+(\.\d)? %$/);
    const ipc = await row(panel, '.ps-delta-run', 'ipcShare');
    assert.match(ipc[1], /^\d+(\.\d)? %$/);
    assert.match(ipc[3], /^[+−±]\d+(\.\d)? pp$/);
    const tasks = await row(panel, '.ps-delta-run', 'tasks');
    assert.deepEqual(tasks.slice(1, 4), ['306', '606', '+300']);
    const verdict = await row(panel, '.ps-delta-run', 'verdict');
    assert.equal(verdict[3], c.verdict.changed ? 'changed' : 'unchanged');
    // Each site block: the matched pair (moved lines) or the new site.
    const sites = panel.page.locator('.ps-delta-site');
    assert.deepEqual(await sites.evaluateAll((els) => els.map((e) => e.getAttribute('data-match'))), [
      'moved',
      'moved',
      'only-b',
    ]);
    assert.equal(await sites.nth(0).locator('h3').textContent(), 'map @ line_shift.py:16 → line_shift.py:22');
    const bytes = await sites.nth(0).locator('tr[data-key="bytesPerTask"] > *').allTextContents();
    assert.match(bytes[1], /^1\.\d MB$/);
    assert.match(bytes[3], /^−1\.\d MB$/);
    const dataChange = await sites
      .nth(0)
      .locator('tr[data-key="wallMs"] .ps-delta-cell')
      .getAttribute('data-change');
    assert.ok(['better', 'worse', 'same'].includes(dataChange!));
    assert.equal(
      await sites.nth(2).locator('.ps-empty-note').textContent(),
      'Only run B has this call site.',
    );
    // Findings: new first, then fixed, then unchanged.
    const statuses = await panel.page
      .locator('.ps-finding-changes li')
      .evaluateAll((els) =>
        els.map((e) => `${e.getAttribute('data-status')} ${e.querySelector('.ps-finding-id')?.textContent}`),
      );
    assert.ok(statuses.includes('fixed large-payload'));
    assert.ok(statuses.includes('new tasks-too-short'));
    assert.ok(statuses.includes('unchanged tasks-too-short'));
    assert.deepEqual(
      statuses,
      statuses.slice().sort((x, y) => rank(x) - rank(y)),
    );
    await assertClean(panel);
  });

  it('opens a call site from the table, by keyboard too', async () => {
    const panel = await h.open();
    await panel.post(compareMessage());
    await panel.page.locator('.ps-delta-site').nth(1).locator('h3 button').focus();
    await panel.page.keyboard.press('Enter');
    const last = (await panel.posted()).at(-1);
    assert.equal(last?.type, 'source/open');
    assert.ok(last?.type === 'source/open' && last.file.endsWith('line_shift.py') && last.line === 23);
    await assertClean(panel);
  });

  it('shows markup in names as text', async () => {
    const panel = await h.open();
    await panel.post(compareMessage(`A · ${EVIL}`, 'B'));
    assert.equal(await panel.page.locator('.ps-compare-lane-title').first().textContent(), `A · ${EVIL}`);
    assert.equal(await panel.page.evaluate('window.__pwned'), undefined);
    assert.equal(await panel.page.locator('.ps-app img').count(), 0);
    await assertClean(panel);
  });

  it('takes light and dark screenshots', async () => {
    const dir = join(ROOT, 'out', 'screenshots');
    mkdirSync(dir, { recursive: true });
    for (const theme of ['light', 'dark'] as const) {
      const panel = await h.open({ theme, viewport: { width: 1100, height: 900 } });
      await panel.post(compareMessage());
      await panel.page.screenshot({ path: join(dir, `compare-${theme}.png`), fullPage: true });
      await assertClean(panel);
    }
  });
});

const rank = (s: string): number => ['new', 'fixed', 'unchanged'].indexOf(s.split(' ')[0]);

/** A worker sweep of 1 and 2 from a recorded report, wall times and whatIf set by hand. */
function sweepMessage(withPrediction: boolean): ToCompareView {
  const recorded = loadRun(join(TRACES, 'heavy_tasks.pstrace')).report;
  const run = (workers: number, wallMs: number, runId: string): SweepRun => {
    const report: Report = structuredClone(recorded);
    report.summary.wallMs = wallMs;
    report.run.overrides = { workers };
    report.callSites = report.callSites.map((s) => ({ ...s, workers }));
    return { workers, chunksize: null, report, runId };
  };
  const runs = [run(1, 760, 'sweep-1'), run(2, 420, 'sweep-2')];
  runs[0].report.whatIf = withPrediction
    ? {
        // The shape a what-if model gives on two cores: no gain past 2 workers.
        workers: [1, 2, 3, 4].map((w) => {
          const wallMs = 740 / Math.min(w, 2) + 10 * w;
          return { workers: w, chunksize: null, wallMs, speedup: recorded.summary.estSequentialMs! / wallMs };
        }),
        recommendedWorkers: 2,
      }
    : null;
  return {
    type: 'sweep/show',
    script: '/home/dev/proj/resize.py',
    workers: sweepResult('workers', runs),
    chunksize: null,
    cancelled: false,
  };
}

describe('Sweep panel', () => {
  it('shows progress while the runs go', async () => {
    const panel = await h.open();
    await panel.post({
      type: 'sweep/progress',
      script: '/p/resize.py',
      progress: { index: 2, total: 3, label: '2 workers' },
    });
    assert.equal(
      await panel.page.locator('.ps-sweep-progress .ps-status-text').textContent(),
      'Run 2 of 3: 2 workers…',
    );
    await assertClean(panel);
  });

  it('draws measured points, the ideal line and the prediction, with the recommendation', async () => {
    const panel = await h.open();
    const msg = sweepMessage(true);
    await panel.post(msg);
    const chart = panel.page.locator('.ps-sweep-chart');
    assert.equal(await chart.locator('.ps-sweep-dot').count(), 2, 'two measured points');
    const measured = (await chart.locator('.ps-sweep-measured').getAttribute('points'))!.split(' ');
    assert.equal(measured.length, 2);
    const [p1, p2] = measured.map((p) => p.split(',').map(Number));
    assert.ok(p2[0] > p1[0] && p2[1] < p1[1], 'more workers to the right, a higher speedup higher up');
    assert.equal(await chart.locator('.ps-sweep-ideal').count(), 1);
    assert.equal((await chart.locator('.ps-sweep-predicted').getAttribute('points'))!.split(' ').length, 4);
    assert.match(
      (await chart.getAttribute('aria-label'))!,
      /^Speedup by workers: 1: \d\.\d\d×, 2: \d\.\d\d×; with the first run’s prediction$/,
    );
    assert.match(
      (await panel.page.locator('.ps-sweep-recommendation').textContent())!,
      /^Recommendation: 2 workers: every step still gained/,
    );
    assert.equal(await chart.locator('.ps-sweep-recommended text').textContent(), 'recommended: 2');
    assert.deepEqual(await panel.page.locator('.ps-sweep-legend li').allTextContents(), [
      'measured',
      'ideal (speedup = workers)',
      'predicted from the first run',
    ]);
    const rows = await panel.page
      .locator('.ps-sweep-table tbody tr')
      .evaluateAll((els) => els.map((e) => [...e.children].map((c) => c.textContent)));
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r[3], r[5]]),
      [
        ['1', '760 ms', '1.00×', 'Open'],
        ['2', '420 ms', '2.00×', 'Open'],
      ],
    );
    assert.match(rows[1][4]!, /^1\.\d\d×$/);
    await panel.page.locator('.ps-sweep-table tbody tr').nth(1).locator('button').focus();
    await panel.page.keyboard.press('Enter');
    assert.deepEqual((await panel.posted()).at(-1), { type: 'run/open', runId: 'sweep-2' });
    await assertClean(panel);
  });

  it('says "no prediction" when the first run has none', async () => {
    const panel = await h.open();
    await panel.post(sweepMessage(false));
    assert.equal(await panel.page.locator('.ps-sweep-predicted').count(), 0);
    assert.equal(
      await panel.page.locator('.ps-sweep-no-prediction').textContent(),
      'no prediction: the first run has no what-if model',
    );
    assert.equal(await panel.page.locator('.ps-sweep-dot').count(), 2);
    await assertClean(panel);
  });

  it('takes light and dark screenshots', async () => {
    const dir = join(ROOT, 'out', 'screenshots');
    mkdirSync(dir, { recursive: true });
    for (const theme of ['light', 'dark'] as const) {
      const panel = await h.open({ theme, viewport: { width: 900, height: 800 } });
      await panel.post(sweepMessage(true));
      await panel.page.screenshot({ path: join(dir, `sweep-${theme}.png`), fullPage: true });
      await assertClean(panel);
    }
  });
});
