/**
 * The PoolScope panel in headless Chromium: the real bundle, the real CSP, a stubbed VS Code API.
 * Each test opens a fresh page and ends by checking that the page logged no error and reported no
 * CSP violation. This file: what the panel shows; timeline.test.ts: how the timeline behaves.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fmtBytes, fmtMs, fmtPct, fmtX } from '../../webview/units';
import { EVIL, EVIL_NAME, makeRun } from './fixture';
import { emptyTaskColumns } from '../../src/shared/protocol';
import { Harness, ROOT } from './harness';
import { assertClean, load, loadRecorded, pointAt, rowOf } from './helpers';

let h: Harness;

before(async () => {
  h = await Harness.start();
});

after(async () => {
  await h?.close();
});

describe('PoolScope panel', () => {
  it('sends webview/ready first and shows empty states before any data', async () => {
    const panel = await h.open();
    const posted = await panel.posted();
    assert.equal(posted[0]?.type, 'webview/ready');
    assert.equal(await panel.page.locator('.ps-empty').textContent(), 'Waiting for the first task…');
    assert.ok(await panel.page.locator('.ps-empty').isVisible());
    assert.equal(await panel.page.locator('.ps-status-text').textContent(), 'Waiting for a run…');
    assert.equal(await panel.page.locator('.ps-findings .ps-empty-note').textContent(), 'No report yet.');
    await panel.post({ type: 'no/such-message' });
    await assertClean(panel);
  });

  it('draws one lane per process', async () => {
    const panel = await h.open();
    const run = makeRun();
    await load(panel, run);
    const labels = await panel.page.locator('.ps-lane-label').allTextContents();
    assert.deepEqual(labels, ['main · 4711', 'worker 1 · 4713', 'worker 2 · 4714']);
    assert.equal(await panel.page.evaluate('window.__poolscope.laneCount()'), 3);
    assert.equal(await panel.page.evaluate('window.__poolscope.taskCount()'), run.tasks.pid.length);
    assert.equal(await panel.page.locator('.ps-empty').isVisible(), false);
    const usagePids = await panel.page.locator('.ps-usage-legend .ps-legend-item').allTextContents();
    assert.deepEqual(usagePids, labels);
    await assertClean(panel);
  });

  it("highlights the run's quadrant and places each call site in its own", async () => {
    const panel = await h.open();
    await load(panel, makeRun());
    const on = panel.page.locator('.ps-cell-on');
    assert.equal(await on.count(), 1);
    assert.equal(await on.getAttribute('data-quadrant'), 'both-lose');
    assert.equal(await panel.page.locator('.ps-preliminary').count(), 0, 'a final report');
    assert.equal(await panel.page.locator('.ps-verdict-title').textContent(), 'Both IPC and compute lose');
    const chips = async (q: string): Promise<string[]> =>
      panel.page.locator(`.ps-cell[data-quadrant="${q}"] .ps-chip-where`).allTextContents();
    assert.deepEqual(await chips('clear-win'), ['resize.py:21']);
    assert.deepEqual(await chips('both-lose'), ['resize.py:34']);
    assert.deepEqual(await chips('measure-first'), []);
    assert.deepEqual(await chips('ipc-overhead-wins'), []);
    assert.match(
      (await panel.page.locator('.ps-verdict-sentence').textContent()) ?? '',
      /copying costs more/,
    );
    // A chip is a button: Enter on it opens the call site.
    await panel.page.locator('.ps-cell[data-quadrant="both-lose"] .ps-chip').focus();
    await panel.page.keyboard.press('Enter');
    assert.deepEqual((await panel.posted()).at(-1), {
      type: 'source/open',
      file: '/home/dev/proj/resize.py',
      line: 34,
    });
    await assertClean(panel);
  });

  it('lists findings with their numbers, advice and a keyboard-activatable link', async () => {
    const panel = await h.open();
    const run = makeRun();
    await load(panel, run);
    const items = panel.page.locator('.ps-finding');
    assert.equal(await items.count(), 3);
    assert.equal(await panel.page.locator('.ps-findings .ps-badge').textContent(), '3');
    const big = run.report.callSites[1];
    const payload = panel.page.locator('[data-finding="large-payload"]');
    assert.equal(
      await payload.locator('.ps-finding-msg').textContent(),
      `Each task of imap_unordered moves ${fmtBytes(big.ipc.bytesPerTask)} (64.0 KB in, 32.0 KB out); IPC is ${fmtPct(big.ipc.share)} of its time.`,
    );
    assert.equal(fmtBytes(big.ipc.bytesPerTask), '96.0 KB');
    assert.match((await payload.locator('.ps-finding-advice').textContent()) ?? '', /^→ Send a path/);
    const icon = payload.locator('.ps-sev-icon[aria-label="warning"]');
    assert.ok(await icon.isVisible());
    assert.match((await icon.getAttribute('class')) ?? '', /\bcodicon-warning\b/);
    assert.equal(await icon.evaluate((e) => getComputedStyle(e).fontFamily), 'codicon');
    const fontLoaded = await icon.evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts].some(
        (f) => f.family.replace(/"/g, '') === 'codicon' && f.status === 'loaded',
      );
    });
    assert.equal(fontLoaded, true, 'the codicon font loaded under the CSP');
    assert.equal(
      await panel.page.locator('[data-finding="task-errors"] .ps-finding-msg').textContent(),
      '1 task of map raised an exception.',
    );
    assert.equal(await panel.page.locator('[data-finding="startup-dominated"] .ps-link').count(), 0);
    const link = payload.locator('.ps-link');
    assert.equal(await link.textContent(), 'resize.py:34');
    await link.focus();
    await panel.page.keyboard.press('Enter');
    assert.deepEqual((await panel.posted()).at(-1), { type: 'source/open', file: big.file, line: 34 });
    await panel.page.locator('[data-finding="task-errors"] .ps-link').click();
    assert.deepEqual((await panel.posted()).at(-1), { type: 'source/open', file: big.file, line: 21 });
    await assertClean(panel);
  });

  it("shows the report's numbers in the summary strip and the final status", async () => {
    const panel = await h.open();
    const run = makeRun();
    await load(panel, run);
    const s = run.report.summary;
    const stat = (k: string): Promise<string | null> =>
      panel.page.locator(`.ps-stat[data-stat="${k}"] .ps-stat-v`).textContent();
    assert.equal(await stat('wall'), fmtMs(s.wallMs));
    assert.equal(await stat('workers'), '2');
    assert.equal(await stat('tasks'), '640');
    assert.equal(await stat('compute'), fmtMs(s.computeMsPerTask));
    assert.equal(await stat('bytes'), fmtBytes(s.bytesPerTask));
    assert.equal(await stat('ipc'), fmtPct(s.ipcShare));
    assert.equal(await stat('speedup'), fmtX(s.estSpeedup));
    assert.equal(await stat('efficiency'), fmtPct(s.efficiency));
    assert.equal(await panel.page.locator('.ps-status-text').textContent(), 'Finished · exit code 0');
    await panel.page.locator('.ps-status button.ps-button', { hasText: 'Export HTML report…' }).click();
    assert.deepEqual((await panel.posted()).at(-1), { type: 'run/export', runId: 'run-1', format: 'html' });
    await panel.page.locator('.ps-status button.ps-button', { hasText: 'Export Chrome trace…' }).focus();
    await panel.page.keyboard.press('Enter');
    assert.deepEqual((await panel.posted()).at(-1), { type: 'run/export', runId: 'run-1', format: 'chrome' });
    assert.equal(await panel.page.locator('.ps-title').textContent(), 'PoolScope — resize.py');
    await assertClean(panel);
  });

  it('shows markup in script names, findings and call-site paths as text, never running it', async () => {
    const panel = await h.open();
    const run = makeRun({ hostile: true });
    await load(panel, run);
    assert.equal(await panel.page.evaluate('window.__pwned'), undefined);
    assert.equal(await panel.page.locator('#app img, #app script, .ps-tooltip img').count(), 0);
    assert.equal(await panel.page.locator('.ps-title').textContent(), `PoolScope — ${EVIL}resize.py`);
    assert.ok(
      (
        (await panel.page.locator('[data-finding="large-payload"] .ps-finding-msg').textContent()) ?? ''
      ).startsWith(EVIL),
    );
    assert.equal(
      await panel.page.locator('.ps-cell[data-quadrant="clear-win"] .ps-chip-where').textContent(),
      `${EVIL_NAME}resize.py:21`,
    );
    assert.ok(((await panel.page.locator('.ps-lane-label').nth(1).textContent()) ?? '').endsWith(EVIL));
    const r = rowOf(0, 10);
    const at = await pointAt(panel, 1, (run.tasks.t1[r] + run.tasks.t2[r]) / 2);
    await panel.page.mouse.move(at.x, at.y);
    assert.equal(
      await panel.page.locator('.ps-tip-title').textContent(),
      `/home/dev/proj/${EVIL_NAME}resize.py:21`,
    );
    await panel.page.mouse.click(at.x, at.y);
    assert.deepEqual((await panel.posted()).at(-1), {
      type: 'source/open',
      file: run.sites[0].file,
      line: 21,
    });
    assert.equal(await panel.page.evaluate('window.__pwned'), undefined);
    await assertClean(panel);
  });

  it("renders recorded runs through the real core and the host's row builder", async () => {
    for (const name of ['image_resize', 'big_payload']) {
      const panel = await h.open();
      const { lanes, report, delta } = await loadRecorded(panel, name);
      const { tasks, running = emptyTaskColumns() } = delta;
      assert.equal(await panel.page.locator('.ps-lane-label').count(), lanes.length, name);
      assert.equal(
        await panel.page.locator('.ps-cell-on').getAttribute('data-quadrant'),
        report.verdict.quadrant,
      );
      for (const site of report.callSites) {
        const chip = panel.page.locator(`.ps-cell[data-quadrant="${site.quadrant}"] .ps-chip-where`);
        assert.equal(await chip.textContent(), `${name}.py:${site.line}`);
      }
      assert.deepEqual(
        await panel.page
          .locator('.ps-finding')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-finding'))),
        report.findings.map((f) => f.id),
      );
      const stat = (k: string): Promise<string | null> =>
        panel.page.locator(`.ps-stat[data-stat="${k}"] .ps-stat-v`).textContent();
      assert.equal(await stat('tasks'), String(report.summary.tasks));
      assert.equal(await stat('ipc'), fmtPct(report.summary.ipcShare));
      assert.equal(
        await panel.page.evaluate('window.__poolscope.taskCount()'),
        tasks.pid.length + running.pid.length,
      );
      // Hover the middle of the first task's compute: its numbers come back.
      const r = Array.from(tasks.t1).findIndex(
        (t1, i) => Number.isFinite(t1) && Number.isFinite(tasks.t2[i]),
      );
      const lane = lanes.findIndex((l) => l.pid === tasks.pid[r]);
      const at = await pointAt(panel, lane, (tasks.t1[r] + tasks.t2[r]) / 2);
      await panel.page.mouse.move(at.x, at.y);
      const tip = panel.page.locator('.ps-tooltip');
      await tip.waitFor({ state: 'visible' });
      assert.equal(
        await tip.locator('[data-field="compute"] .ps-tip-v').textContent(),
        fmtMs(tasks.t2[r] - tasks.t1[r]),
      );
      await assertClean(panel);
    }
  });

  it("keeps a verdict the measurement overruled in the matrix's own cell, marked", async () => {
    // queue_flood: by the matrix a clear win (heavy compute, small data); the estimated speedup
    // overruled it to "measure first", which is also the name of the Heavy × Large cell.
    const panel = await h.open();
    const { report } = await loadRecorded(panel, 'queue_flood');
    assert.equal(report.verdict.quadrant, 'measure-first');
    assert.equal(report.verdict.matrix, 'clear-win');
    assert.equal(await panel.page.locator('.ps-verdict-title').textContent(), 'Measure first');
    const on = panel.page.locator('.ps-cell-on');
    assert.equal(await on.getAttribute('data-quadrant'), 'clear-win');
    assert.equal(
      await on.locator('.ps-cell-overruled').textContent(),
      'overruled by the measured speedup: Measure first',
    );
    const cell = (q: string) => panel.page.locator(`.ps-cell[data-quadrant="${q}"]`);
    assert.equal(
      await cell('measure-first').locator('.ps-chip').count(),
      0,
      'no small-data site in Large data',
    );
    assert.equal(await cell('measure-first').locator('.ps-cell-overruled').count(), 0);
    const site = report.callSites[0];
    const chip = cell('clear-win').locator('.ps-chip-overruled');
    assert.equal(await chip.locator('.ps-chip-where').textContent(), `queue_flood.py:${site.line}`);
    assert.equal(await chip.locator('.ps-chip-verdict').textContent(), '→ Measure first');
    assert.match(
      (await chip.getAttribute('aria-label')) ?? '',
      /overruled by the measured speedup: Measure first$/,
    );
    await assertClean(panel);
  });

  it('runs no animation while a run is live: the browser would repaint 60 times a second', async () => {
    // The toolkit's progress ring (since removed) did: a fifth of a CPU in Chromium, most of one in VS Code
    // without a GPU, taken from the program being profiled (docs/performance.md, *The panel*).
    const panel = await h.open();
    const run = makeRun({ runId: 'live-anim' });
    await panel.post({ type: 'run/reset', run: { ...run.header, live: true } });
    const status = panel.page.locator('.ps-status');
    assert.match(await status.innerText(), /Running…/);
    assert.equal(await status.locator('[role="img"][aria-label="Profiling run in progress"]').count(), 1);
    // Every CSS animation and transition running or waiting to, shadow trees included (custom
    // elements animate inside theirs, which document.getAnimations() leaves out).
    const animations = (): Promise<string[]> =>
      panel.page.evaluate(() => {
        const found: string[] = [];
        const visit = (root: Document | ShadowRoot): void => {
          for (const node of root.querySelectorAll('*')) {
            for (const a of node.getAnimations())
              found.push(`${(a as CSSAnimation).animationName ?? 'animation'} on ${node.nodeName}`);
            if (node.shadowRoot) visit(node.shadowRoot);
          }
        };
        visit(document);
        return found;
      });
    assert.deepEqual(await animations(), []);
    await panel.post({ type: 'run/report', runId: 'live-anim', report: run.report, final: false });
    assert.deepEqual(await animations(), [], 'nor after an interim report');
    await assertClean(panel);
  });

  it('takes light and dark screenshots', async () => {
    const dir = join(ROOT, 'out', 'screenshots');
    mkdirSync(dir, { recursive: true });
    for (const theme of ['light', 'dark'] as const) {
      const panel = await h.open({ theme, viewport: { width: 1280, height: 900 } });
      const run = makeRun();
      await load(panel, run);
      const r = rowOf(1, 57);
      const at = await pointAt(panel, 2, (run.tasks.t1[r] + run.tasks.t2[r]) / 2);
      await panel.page.mouse.move(at.x, at.y);
      await panel.page.locator('.ps-tooltip').waitFor({ state: 'visible' });
      await panel.page.screenshot({ path: join(dir, `panel-${theme}.png`), fullPage: true });
      await assertClean(panel);
    }
  });
});
