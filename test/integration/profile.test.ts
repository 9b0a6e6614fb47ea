// PoolScope in real VS Code (code-server) driven from headless Chromium: the packaged .vsix is
// installed, a workspace with pool scripts is opened, and the user's gestures are replayed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Frame } from 'playwright-core';
import {
  REPO_ROOT,
  startVsCodeSession,
  type VsCodeSession,
  waitFor,
  pythonProcessesRunning,
} from './harness';
import { ensureVsix, VSIX } from './vsix';

const SHOTS = process.env.POOLSCOPE_SCREENSHOT_DIR ?? path.join(REPO_ROOT, 'out', 'vscode-test');

// ~10 s of CPU-bound tasks on two workers; the marker file (outside the workspace, so that the
// Explorer's rows do not move under the tests' clicks) proves the panel was live before the end.
const STEADY = `
import math
import pathlib
from multiprocessing import Pool

def work(n):
    return sum(math.sqrt(i) for i in range(n))

if __name__ == "__main__":
    with Pool(2) as pool:
        for i, r in enumerate(pool.imap(work, [600_000] * 500)):
            pass
    print("steady done")
    pathlib.Path(MARKER).write_text("1")
`;

// Runs for minutes unless cancelled.
const ENDLESS = `
import time
from multiprocessing import Pool

def nap(x):
    time.sleep(0.2)
    return x

if __name__ == "__main__":
    with Pool(2) as pool:
        pool.map(nap, range(3000), chunksize=1)
`;

// Does pool work, then fails: the panel must still show what was recorded.
const FAILING = `
from multiprocessing import Pool

def double(x):
    return 2 * x

if __name__ == "__main__":
    with Pool(2) as pool:
        print(sum(pool.map(double, range(50))))
    raise SystemExit(3)
`;

// A package module: what it saw (its spec, working directory and environment) goes to SEEN.
const MODULE = `
import json, os, pathlib
from multiprocessing import Pool

def double(x):
    return 2 * x

if __name__ == "__main__":
    with Pool(2) as pool:
        total = sum(pool.map(double, range(10), chunksize=1))
    seen = {"spec": __spec__.name, "cwd": os.getcwd(), "total": total}
    seen.update({k: os.environ.get(k) for k in ("PS_FROM_FILE", "PS_FROM_SETTINGS", "PS_BOTH")})
    pathlib.Path(SEEN).write_text(json.dumps(seen))
`;

let workspace: string;
let marker: string;
let session: VsCodeSession;

async function panelFrame(): Promise<Frame> {
  return session.workbench.findWebviewFrame(
    async (f) =>
      (await f.evaluate(() => typeof (window as { __poolscope?: unknown }).__poolscope)) === 'object',
    { timeoutMs: 60_000 },
  );
}

/** The PoolScope panel whose status line matches, once one does. */
function panelWithStatus(match: RegExp, what: string): Promise<Frame> {
  return waitFor(what, async () => {
    for (const f of session.browser.page.frames()) {
      const t = await f
        .locator('.ps-status')
        .innerText({ timeout: 500 })
        .catch(() => '');
      if (match.test(t)) return f;
    }
    return undefined;
  });
}

/** The folders of runs saved in the extension's storage under `root` (those with a run.json). */
function savedRunDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'run.json') out.push(dir);
    }
  };
  walk(root);
  return out;
}

const taskCount = (f: Frame): Promise<number> =>
  f.evaluate(() => (window as unknown as { __poolscope: { taskCount(): number } }).__poolscope.taskCount());
const statusText = (f: Frame): Promise<string> => f.locator('.ps-status').innerText();

before(async () => {
  ensureVsix();
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-ws-'));
  marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-marker-')), 'steady.done');
  fs.writeFileSync(path.join(workspace, 'steady.py'), STEADY.replace('MARKER', JSON.stringify(marker)));
  fs.writeFileSync(path.join(workspace, 'endless_naps.py'), ENDLESS);
  fs.writeFileSync(path.join(workspace, 'fails_late.py'), FAILING);
  fs.mkdirSync(path.join(workspace, 'pkg'));
  fs.writeFileSync(path.join(workspace, 'pkg', '__init__.py'), '');
  const seen = path.join(path.dirname(marker), 'module.json');
  fs.writeFileSync(path.join(workspace, 'pkg', 'job.py'), MODULE.replace('SEEN', JSON.stringify(seen)));
  fs.writeFileSync(
    path.join(workspace, 'run.env'),
    '# for the module test\nPS_FROM_FILE=file\nPS_BOTH=file\n',
  );
  session = await startVsCodeSession({
    vsix: VSIX,
    folder: workspace,
    settings: {
      'poolscope.pythonPath': 'python3',
      'poolscope.envFile': '${workspaceFolder}/run.env',
      'poolscope.env': { PS_FROM_SETTINGS: 'settings', PS_BOTH: 'settings' },
    },
  });
});

afterEach(async (t) => {
  // A failing test leaves a picture of the workbench behind: most failures are visible in it.
  if (t.name && session && (t as unknown as { passed?: boolean }).passed === false) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await session.workbench.screenshot(path.join(SHOTS, `failed-${t.name.replace(/\W+/g, '-')}.png`));
  }
});

after(async () => {
  await session?.dispose();
  fs.rmSync(workspace, { recursive: true, force: true });
  if (marker) fs.rmSync(path.dirname(marker), { recursive: true, force: true });
});

describe('Profile Parallel Run in VS Code', () => {
  test('from the command palette: live data during the run, the verdict after it', async () => {
    await session.workbench.openFile('steady.py');
    // The extension host may still be starting: retry until the command is contributed.
    await waitFor('the PoolScope command in the palette', async () => {
      await session.workbench.runCommand('PoolScope: Profile Parallel Run', { timeoutMs: 5_000 });
      return true;
    });
    const frame = await panelFrame();
    // Live: tasks are on the timeline while the script has not finished yet.
    await waitFor('the first tasks on the timeline', async () =>
      (await taskCount(frame)) > 0 ? true : undefined,
    );
    assert.equal(fs.existsSync(marker), false, 'the panel showed data only after the end');
    assert.match(await statusText(frame), /Running/);
    await waitFor('the run to finish', async () =>
      (await statusText(frame)).includes('Finished') ? true : undefined,
    );
    assert.ok(fs.existsSync(marker));
    assert.match(await statusText(frame), /exit code 0/);
    assert.equal(await taskCount(frame), 500);
    // The run is saved with the CPU/memory samples the panel showed (for its HTML report).
    const saved = await waitFor('the run saved with its samples', async () => {
      const dir = savedRunDirs(session.codeServer.userDataDir).find((d) =>
        fs.readFileSync(path.join(d, 'run.json'), 'utf8').includes('steady.py'),
      );
      return dir && fs.existsSync(path.join(dir, 'usage.json')) ? dir : undefined;
    });
    const samples = JSON.parse(fs.readFileSync(path.join(saved, 'usage.json'), 'utf8')) as { pid: number }[];
    assert.ok(new Set(samples.map((x) => x.pid)).size >= 3, 'the main process and both workers sampled');
    const matrix = await frame.locator('.ps-verdict').innerText();
    assert.match(matrix, /Clear win|Measure first|IPC overhead wins|Both IPC and compute lose/);
    const verdict = await frame.locator('.ps-verdict-sentence').innerText();
    assert.match(verdict, /per task/);
    fs.mkdirSync(SHOTS, { recursive: true });
    await session.workbench.screenshot(path.join(SHOTS, 'profile-palette.png'));
    // The call site in the matrix opens its line in the editor.
    await frame.locator('.ps-chip', { hasText: 'steady.py:11' }).click();
    await waitFor('the editor at line 11', async () => {
      const pos = await session.browser.page.locator('.part.statusbar').innerText();
      return /Ln 11\b/.test(pos) ? true : undefined;
    });
  });

  test('a script that exits non-zero: the panel still shows what was recorded', async () => {
    await session.workbench.runExplorerContextMenuItem('fails_late.py', 'Profile Parallel Run');
    const frame = await panelWithStatus(/exit code 3/, 'the panel of the failing run');
    assert.ok((await taskCount(frame)) > 0, 'the tasks recorded before the exit are shown');
    await session.workbench.waitForNotification(/fails_late\.py exited with code 3/);
  });

  test('from the Explorer context menu', async () => {
    fs.rmSync(marker, { force: true });
    await session.workbench.runExplorerContextMenuItem('steady.py', 'Profile Parallel Run');
    await waitFor('the second run to finish', async () => (fs.existsSync(marker) ? true : undefined));
    // The palette run's panel and this one: two panels of steady.py that finished with exit code 0.
    await waitFor('a second finished panel of steady.py', async () => {
      let finished = 0;
      for (const f of session.browser.page.frames()) {
        const status = await f
          .locator('.ps-status')
          .innerText({ timeout: 500 })
          .catch(() => '');
        const title = await f
          .locator('.ps-title')
          .innerText({ timeout: 500 })
          .catch(() => '');
        if (/exit code 0/.test(status) && title.includes('steady.py')) finished++;
      }
      return finished >= 2 ? true : undefined;
    });
  });

  test('as a module (python -m) from the workspace folder, with poolscope.envFile and poolscope.env', async () => {
    const seen = path.join(path.dirname(marker), 'module.json');
    await session.workbench.openFile('pkg/job.py');
    const page = session.browser.page;
    // Not runCommand: the command keeps the quick input open for the module's name.
    const palette = await session.workbench.openCommandPalette();
    await palette.fill('>PoolScope: Profile Parallel Run as Module');
    await page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'as Module' })
      .first()
      .waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page
      .locator('.quick-input-widget', { hasText: 'Run job.py as a module' })
      .waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await page.locator('.quick-input-widget input').first().inputValue(), 'pkg.job');
    await page.keyboard.press('Enter');
    await waitFor('the module run to finish', async () => (fs.existsSync(seen) ? true : undefined));
    assert.deepEqual(JSON.parse(fs.readFileSync(seen, 'utf8')), {
      spec: 'pkg.job',
      cwd: fs.realpathSync(workspace),
      total: 90,
      PS_FROM_FILE: 'file',
      PS_FROM_SETTINGS: 'settings',
      PS_BOTH: 'settings',
    });
    await waitFor('the finished panel of pkg/job.py with its 10 tasks', async () => {
      for (const f of session.browser.page.frames()) {
        const title = await f
          .locator('.ps-title')
          .innerText({ timeout: 500 })
          .catch(() => '');
        const status = await f
          .locator('.ps-status')
          .innerText({ timeout: 500 })
          .catch(() => '');
        if (title.includes('job.py') && /exit code 0/.test(status) && (await taskCount(f)) === 10)
          return true;
      }
      return undefined;
    });
  });

  test('cancel ends the whole process tree', async () => {
    await session.workbench.openFile('endless_naps.py');
    await session.workbench.runCommand('PoolScope: Profile Parallel Run');
    await waitFor('the endless run to start its workers', async () =>
      pythonProcessesRunning('endless_naps.py').length >= 3 ? true : undefined,
    );
    // Cancel from the panel, as a user watching it would.
    const frame = await panelWithStatus(/Running/, 'the running panel');
    await frame.locator('.ps-status button.ps-button', { hasText: 'Cancel' }).click();
    await waitFor(
      'every process of the run to end',
      async () => (pythonProcessesRunning('endless_naps.py').length === 0 ? true : undefined),
      15_000,
    );
    await panelWithStatus(/Cancelled/, 'the panel to say cancelled');
  });
});
