/**
 * Hostile text from a real run (issue 6, docs/security.md): a script whose file name is markup,
 * a task whose exception message closes a <script> element and adds an <img onerror>, and a
 * process named the same way. The run is real (the agent records it), the report is the real
 * core's; the panel (real bundle, real CSP) and the static HTML report must show the text
 * literally and run none of it. The HTML report is also opened with its CSP removed: its escaping
 * alone must hold, so the CSP is a second wall, not the only one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRun, reportLanes } from '../../src/core';
import { renderHtmlReport } from '../../src/core/export/htmlReport';
import type { Report, TraceModel } from '../../src/core';
import { lanesOf, sitesOf, TaskDeltas } from '../../src/host/panels/viewRows';
import type { ToWebview } from '../../src/shared/protocol';
import { Harness, ROOT } from './harness';
import { assertClean } from './helpers';

const LAUNCHER = path.join(ROOT, 'src', 'python', 'poolscope_launch.py');
/** Fits in a file name: no slash. */
const NAME_MARKUP = '<img src=x onerror="window.__pwned=1">';
const MESSAGE_MARKUP = '</script><script>window.__pwned=2</script><img src=x onerror="window.__pwned=3">';

const SCRIPT = `import multiprocessing as mp

def task(i):
    if i == 3:
        raise ValueError(${JSON.stringify(MESSAGE_MARKUP)})
    return i

def child():
    pass

if __name__ == "__main__":
    p = mp.Process(target=child, name=${JSON.stringify(MESSAGE_MARKUP)})
    p.start()
    p.join()
    with mp.Pool(2) as pool:
        try:
            pool.map(task, range(8), chunksize=1)
        except ValueError as e:
            print("caught", len(str(e)))
`;

let h: Harness;
let tmp: string;
let script: string;
let model: TraceModel;
let report: Report;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-hostile-'));
  script = path.join(tmp, `${NAME_MARKUP}job.py`);
  fs.writeFileSync(script, SCRIPT);
  const runDir = fs.mkdtempSync(path.join(tmp, 'run-'));
  const ran = spawnSync('python3', [LAUNCHER, script], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, POOLSCOPE_RUN_DIR: runDir },
    timeout: 60_000,
  });
  assert.equal(ran.status, 0, ran.stderr);
  assert.equal(ran.stdout, `caught ${MESSAGE_MARKUP.length}\n`);
  ({ model, report } = loadRun(runDir));
  h = await Harness.start();
});

after(async () => {
  await h?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('hostile names and messages from a real run', () => {
  it('reach the report as plain data', () => {
    assert.equal(report.run.script, script);
    const errors = report.findings.find((f) => f.id === 'task-errors');
    assert.ok(errors?.message.includes(`ValueError: ${MESSAGE_MARKUP}`), errors?.message);
    assert.ok(report.processes.some((p) => p.name === MESSAGE_MARKUP));
  });

  it('the panel shows them as text and runs nothing', async () => {
    const panel = await h.open();
    const lanes = lanesOf(model);
    const { sites, siteOfTask } = sitesOf(model);
    const { tasks, running } = new TaskDeltas().next(model, siteOfTask, report.run.wallMs);
    const runId = 'hostile';
    const msgs: ToWebview[] = [
      {
        type: 'run/reset',
        run: {
          runId,
          script: path.basename(script),
          scriptPath: script,
          python: report.run.python,
          startMethod: report.run.startMethod,
          cpuCount: report.run.cpuCount,
          startedAt: report.run.startedAt,
          live: false,
        },
      },
      { type: 'run/delta', runId, lanes, sites, tasks, running, samples: [], wallMs: report.run.wallMs },
      { type: 'run/report', runId, report, final: true },
      { type: 'run/status', runId, status: 'finished', exitCode: report.run.exitCode },
    ];
    for (const m of msgs) await panel.post(m);
    await panel.settle();
    assert.equal(await panel.page.evaluate('window.__pwned'), undefined);
    assert.equal(await panel.page.locator('#app img, #app script').count(), 0);
    assert.equal(await panel.page.locator('.ps-title').textContent(), `PoolScope — ${script}`);
    const message = await panel.page.locator('[data-finding="task-errors"] .ps-finding-msg').textContent();
    assert.ok(message?.includes(`ValueError: ${MESSAGE_MARKUP}`), message ?? '');
    const chip = await panel.page.locator('.ps-chip-where').first().textContent();
    assert.match(chip ?? '', new RegExp(`^${escapeRe(path.basename(script))}:\\d+$`));
    // An injected inline handler would also show here, as a CSP violation or a console error.
    await assertClean(panel);
  });

  const html = (): string => renderHtmlReport(report, reportLanes(model));

  it('the static HTML report keeps them inside its data, escaped', () => {
    const page = html();
    // Only the page's own two script elements close; nothing from the data closes one early.
    assert.equal(page.split('</script>').length - 1, 2);
    assert.ok(!page.includes(NAME_MARKUP) && !page.includes('<img'));
    // The page's own script builds its DOM with textContent only.
    assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/.test(page));
  });

  for (const withCsp of [true, false]) {
    it(`the static HTML report shows them as text and runs nothing (${withCsp ? 'with' : 'without'} its CSP)`, async () => {
      let page = html();
      if (!withCsp) {
        page = page.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
        assert.ok(!page.includes('Content-Security-Policy'));
      }
      const file = path.join(tmp, `report-${withCsp}.html`);
      fs.writeFileSync(file, page);
      const browser = await h.browser.newPage();
      const errors: string[] = [];
      browser.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      browser.on('pageerror', (e) => errors.push(e.message));
      await browser.goto(`file://${file}`);
      await browser.waitForSelector('h1');
      assert.equal(await browser.evaluate('window.__pwned'), undefined);
      assert.equal(await browser.locator('img').count(), 0);
      assert.equal(await browser.locator('script').count(), 2);
      assert.equal(await browser.locator('h1').textContent(), `PoolScope — ${script}`);
      assert.ok((await browser.locator('body').textContent())?.includes(`ValueError: ${MESSAGE_MARKUP}`));
      assert.deepEqual(errors, []);
      await browser.close();
    });
  }
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
