/**
 * The panel's "What if" section in headless Chromium, fed recorded traces through the real core:
 * the charts, the recommendation, the figures table, focusing a call site, light and dark.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fmtMs } from '../../webview/units';
import { Harness, ROOT } from './harness';
import { assertClean, loadRecorded } from './helpers';

let h: Harness;

before(async () => {
  h = await Harness.start();
});

after(async () => {
  await h?.close();
});

describe('What if', () => {
  it('draws the speedup curve, the ideal line and the measured point', async () => {
    const panel = await h.open();
    const { report } = await loadRecorded(panel, 'heavy_tasks');
    const site = report.callSites[0];
    assert.ok(site.whatIf);
    const section = panel.page.locator('.ps-whatif');
    const svg = section.locator('svg').first();
    assert.match(
      (await svg.getAttribute('aria-label')) ?? '',
      /Predicted speedup from 1 to \d+ workers; recommended \d+/,
    );
    assert.equal(await svg.locator('path.ps-predicted').count(), 1);
    assert.equal(await svg.locator('path.ps-ideal').count(), 1);
    assert.equal(await svg.locator('circle.ps-predicted-dot').count(), site.whatIf.workers.length);
    assert.equal(await svg.locator('circle.ps-measured-dot').count(), 1);
    const summary = (await section.locator('.ps-whatif-summary').textContent()) ?? '';
    assert.match(summary, new RegExp(`^Recommended: ${site.whatIf.recommendedWorkers} workers?`));
    assert.ok(summary.includes(`measured ${fmtMs(site.wallMs)}`), summary);
    // The figures table: one row per worker count (this site sends one item a message: no chunksizes).
    await section.locator('.ps-whatif-data summary').click();
    const rows = section.locator('.ps-whatif-data tbody tr');
    assert.ok((await rows.count()) >= site.whatIf.workers.length);
    assert.equal(await rows.first().locator('td').nth(2).textContent(), fmtMs(site.whatIf.workers[0].wallMs));
    await assertClean(panel);
  });

  it('suggests a chunksize for tiny tasks, with the predicted wall time', async () => {
    const panel = await h.open();
    const { report } = await loadRecorded(panel, 'tiny_chunksize1');
    const w = report.callSites[0].whatIf;
    assert.ok(w && w.bestChunksize !== null && w.bestChunksize > 1);
    const section = panel.page.locator('.ps-whatif');
    assert.equal(await section.locator('figure').count(), 2, 'workers and chunksize charts');
    assert.equal(await section.locator('circle.ps-best-dot').count(), 1);
    const best = w.chunksizes.find((p) => p.chunksize === w.bestChunksize);
    assert.match(
      (await section.locator('.ps-whatif-summary').textContent()) ?? '',
      new RegExp(
        `Chunksize 1 → ${w.bestChunksize}: predicted ${fmtMs(best?.wallMs ?? null).replace('.', '\\.')}`,
      ),
    );
    await assertClean(panel);
  });

  it('a site/focus message brings the call site into view and focuses its picker', async () => {
    const panel = await h.open({ viewport: { width: 1000, height: 500 } });
    const { report, runId } = await loadRecorded(panel, 'heavy_tasks');
    await panel.post({ type: 'site/focus', runId, callSiteId: report.callSites[0].id });
    const picker = panel.page.locator('.ps-whatif-site');
    await panel.page.waitForFunction(() => document.activeElement?.classList.contains('ps-whatif-site'));
    assert.equal(await picker.inputValue(), report.callSites[0].id);
    assert.ok(await panel.page.locator('.ps-whatif h2').isVisible());
    // Keyboard: "Go to line" is a button next to the picker.
    await panel.page.keyboard.press('Tab');
    await panel.page.keyboard.press('Enter');
    assert.deepEqual((await panel.posted()).at(-1), {
      type: 'source/open',
      file: report.callSites[0].file,
      line: report.callSites[0].line,
    });
    await assertClean(panel);
  });

  it('says why when nothing could be modelled', async () => {
    const panel = await h.open();
    await loadRecorded(panel, 'process_queue');
    assert.match(
      (await panel.page.locator('.ps-whatif .ps-empty-note').textContent()) ?? '',
      /No call site could be modelled/,
    );
    await assertClean(panel);
  });

  it('takes light and dark screenshots', async () => {
    const dir = join(ROOT, 'out', 'screenshots');
    mkdirSync(dir, { recursive: true });
    for (const theme of ['light', 'dark'] as const) {
      const panel = await h.open({ theme, viewport: { width: 1100, height: 800 } });
      await loadRecorded(panel, 'tiny_chunksize1');
      await panel.page.locator('.ps-whatif').screenshot({ path: join(dir, `whatif-${theme}.png`) });
      await assertClean(panel);
    }
  });
});
