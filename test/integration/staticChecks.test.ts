// Static checks in real VS Code (code-server): an unguarded pool script gets a PoolScope warning
// while it is open, and the quick fix (Ctrl+.) wraps it in the __main__ guard.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, startVsCodeSession, type VsCodeSession, waitFor } from './harness';
import { ensureVsix, VSIX } from './vsix';

const SHOTS = process.env.POOLSCOPE_SCREENSHOT_DIR ?? path.join(REPO_ROOT, 'out', 'vscode-test');

const UNGUARDED = `import multiprocessing as mp


def square(x):
    return x * x


with mp.Pool(2) as pool:
    print(pool.map(square, range(4)))
`;

let workspace: string;
let session: VsCodeSession;

before(async () => {
  ensureVsix();
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-lint-ws-'));
  fs.writeFileSync(path.join(workspace, 'unguarded.py'), UNGUARDED);
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

describe('Static checks in VS Code', () => {
  test('an unguarded pool is flagged and the quick fix adds the __main__ guard', async () => {
    const page = session.browser.page;
    await session.workbench.openFile('unguarded.py');
    // The warning squiggle under the `with` statement, from the PoolScope linter.
    const squiggle = page.locator('.monaco-editor .squiggly-warning');
    await waitFor('the warning squiggle', async () => ((await squiggle.count()) > 0 ? true : undefined));

    // The Problems panel lists it with its source and code.
    await session.workbench.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const problems = page.locator('.markers-panel');
    const text = await waitFor('the problem in the Problems panel', async () => {
      const t = await problems.innerText({ timeout: 1000 });
      return /created at import time/.test(t) ? t : undefined;
    });
    assert.match(text, /PoolScope/);
    assert.match(text, /missing-main-guard/);
    fs.mkdirSync(SHOTS, { recursive: true });
    await session.workbench.screenshot(path.join(SHOTS, 'static-checks-problem.png'));

    // Put the cursor on the `with` line (Go to Line), then Ctrl+. and pick the quick fix.
    await session.workbench.resetFocus();
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type('8');
    await page.keyboard.press('Enter');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Wrap in if __name__' }).first();
    await waitFor('the quick fix in the Ctrl+. menu', async () => {
      if ((await fix.count()) > 0 && (await fix.isVisible())) return true;
      await page.keyboard.press('Control+.');
      await fix.waitFor({ state: 'visible', timeout: 3000 });
      return true;
    });
    await fix.click();
    await page.keyboard.press('Control+S');

    const expected = UNGUARDED.replace(
      'with mp.Pool(2) as pool:\n    print(',
      'if __name__ == "__main__":\n    with mp.Pool(2) as pool:\n        print(',
    );
    await waitFor('the guarded text on disk', async () =>
      fs.readFileSync(path.join(workspace, 'unguarded.py'), 'utf8') === expected ? true : undefined,
    );
    // Re-linted after the edit: the warning is gone.
    await waitFor('the squiggle to disappear', async () =>
      (await squiggle.count()) === 0 ? true : undefined,
    );
    await session.workbench.screenshot(path.join(SHOTS, 'static-checks-fixed.png'));
  });
});
