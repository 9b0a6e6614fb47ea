// Speedup hints in the editor, in real VS Code (code-server): after a run, a CodeLens above the
// pool.map line gives the measured figures and the what-if hint; it follows edits, turns stale
// when code changes, opens the run at the call site, and a setting turns it off.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { REPO_ROOT, startVsCodeSession, type VsCodeSession, waitFor } from './harness';
import { ensureVsix, VSIX } from './vsix';

const SHOTS = process.env.POOLSCOPE_SCREENSHOT_DIR ?? path.join(REPO_ROOT, 'out', 'vscode-test');

// Line 9: 3000 tiny tasks one by one (IPC overhead wins); line 11 is never reached.
const SCRIPT = `import sys
from multiprocessing import Pool

def square(x):
    return x * x

if __name__ == "__main__":
    with Pool(2) as pool:
        print(sum(pool.map(square, range(3000), chunksize=1)))
        if len(sys.argv) > 1:
            print(list(pool.imap_unordered(square, range(10))))
`;

let workspace: string;
let session: VsCodeSession;

/** The editor's CodeLenses, top to bottom, with the number of the line each sits above. */
async function lenses(): Promise<{ text: string; line: number }[]> {
  const page = session.browser.page;
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-instance .monaco-editor');
    if (!editor) return [];
    const numbers = [...editor.querySelectorAll<HTMLElement>('.line-numbers')].map((n) => ({
      top: n.getBoundingClientRect().top,
      line: Number(n.textContent),
    }));
    return [...editor.querySelectorAll<HTMLElement>('.codelens-decoration')]
      .map((d) => {
        const top = d.getBoundingClientRect().top;
        // The lens sits in a view zone just above its line: the first line number below it.
        const below = numbers.filter((n) => n.top > top).sort((a, b) => a.top - b.top)[0];
        return { text: d.innerText.trim(), line: below ? below.line : -1, top };
      })
      .sort((a, b) => a.top - b.top)
      .map(({ text, line }) => ({ text, line }));
  });
}

async function lensAbove(line: number, match: RegExp, what: string): Promise<string> {
  try {
    return await waitFor(what, async () => {
      const found = (await lenses()).find((l) => l.line === line && match.test(l.text));
      return found?.text;
    });
  } catch (err) {
    await session.workbench.screenshot(path.join(SHOTS, `failed-lens-${line}.png`));
    throw new Error(`${(err as Error).message}; lenses now: ${JSON.stringify(await lenses())}`, {
      cause: err,
    });
  }
}

before(async () => {
  ensureVsix();
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-lens-ws-'));
  fs.writeFileSync(path.join(workspace, 'tiny.py'), SCRIPT);
  session = await startVsCodeSession({
    vsix: VSIX,
    folder: workspace,
    settings: { 'poolscope.pythonPath': 'python3' },
  });
});

after(async () => {
  await session?.dispose();
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
});

describe('Call-site CodeLens in VS Code', () => {
  test('after a run: measured figures above pool.map, "not reached" above the unreached call', async () => {
    await session.workbench.openFile('tiny.py');
    await waitFor('the PoolScope command', async () => {
      await session.workbench.runCommand('PoolScope: Profile Parallel Run', { timeoutMs: 5_000 });
      return true;
    });
    await waitFor(
      'the run to finish',
      async () => {
        for (const f of session.browser.page.frames()) {
          const status = await f
            .locator('.ps-status')
            .innerText({ timeout: 500 })
            .catch(() => '');
          if (/Finished/.test(status)) return true;
        }
        return undefined;
      },
      120_000,
    );
    const text = await lensAbove(9, /on 2 workers/, 'the lens above pool.map');
    assert.match(
      text,
      /^⚠ IPC overhead wins: [\d.]+ (µs|ms) compute vs [\d.]+ (µs|ms) overhead per message · [\d.]+× on 2 workers/,
    );
    assert.match(text, /— chunksize 1 → \d+ predicted [\d.]+ m?s \(now [\d.]+ m?s\)$/);
    await lensAbove(11, /^○ Not reached in the last run/, 'the lens above the unreached call');
    fs.mkdirSync(SHOTS, { recursive: true });
    await session.workbench.screenshot(path.join(SHOTS, 'codelens.png'));
  });

  test('clicking the lens opens the run at that call site', async () => {
    const page = session.browser.page;
    await page.locator('.codelens-decoration a', { hasText: 'on 2 workers' }).first().click();
    const frame: Frame = await waitFor('a panel showing the call site', async () => {
      for (const f of page.frames()) {
        const v = await f
          .locator('.ps-whatif-site')
          .inputValue({ timeout: 500 })
          .catch(() => '');
        if (v.endsWith('tiny.py:9')) return f;
      }
      return undefined;
    });
    assert.match(await frame.locator('.ps-whatif-summary').innerText(), /Model check/);
  });

  test('lenses follow edits, and say stale once code changes', async () => {
    const page = session.browser.page;
    await session.workbench.runCommand('View: Focus First Editor Group');
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('# a comment moves the lines down\n');
    const moved = await lensAbove(10, /on 2 workers/, 'the lens one line lower');
    assert.doesNotMatch(moved, /Stale/);
    // A code change: the figures may no longer hold.
    await page.keyboard.press('Control+G');
    await page.keyboard.type('6');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.type(' + 1');
    const stale = await lensAbove(10, /^\S* ?Stale — re-run · was: ⚠ IPC overhead wins/, 'the stale lens');
    assert.ok(stale);
    // Undo both edits: the file is as profiled again, and so are the lenses.
    for (let i = 0; i < 30; i++) await page.keyboard.press('Control+Z');
    await lensAbove(9, /^⚠ IPC overhead wins/, 'the fresh lens after reverting');
  });

  test('the setting turns the lenses off', async () => {
    const settings = path.join(workspace, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    fs.writeFileSync(settings, JSON.stringify({ 'poolscope.codeLens.callSites': false }));
    await waitFor('the call-site lenses to go', async () => {
      const all = await lenses();
      return all.some((l) => /on 2 workers|Not reached/.test(l.text)) ? undefined : true;
    });
    // The guard lens is another setting's.
    assert.ok((await lenses()).some((l) => /Profile parallel run/.test(l.text)));
    fs.rmSync(settings);
    await lensAbove(9, /on 2 workers/, 'the lens back once the setting is gone');
  });
});
