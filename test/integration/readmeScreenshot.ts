/**
 * The README's screenshot (media/screenshot.png), taken in real VS Code (code-server, the
 * integration harness): examples/tiny_tasks.py profiled, the panel beside it and the call-site
 * CodeLens above pool.map. Run after `bash scripts/vscode-test/setup.sh`:
 *
 *   node --import tsx test/integration/readmeScreenshot.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, startVsCodeSession, waitFor } from './harness';
import { ensureVsix } from './vsix';

async function main(): Promise<void> {
  const vsix = ensureVsix();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-readme-'));
  fs.copyFileSync(path.join(REPO_ROOT, 'examples', 'tiny_tasks.py'), path.join(workspace, 'tiny_tasks.py'));
  const session = await startVsCodeSession({
    vsix,
    folder: workspace,
    settings: {
      'poolscope.pythonPath': 'python3',
      'workbench.colorTheme': 'Default Light Modern',
      // Room for the whole lens beside the panel.
      'editor.minimap.enabled': false,
      'editor.codeLensFontSize': 11,
    },
    viewport: { width: 1800, height: 1000 },
  });
  try {
    await session.workbench.openFile('tiny_tasks.py');
    // The command appears once the extension has activated on the Python file.
    await waitFor('the PoolScope command', async () => {
      await session.workbench.runCommand('PoolScope: Profile Parallel Run', { timeoutMs: 5_000 });
      return true;
    });
    const page = session.browser.page;
    await waitFor(
      'the run to finish',
      async () => {
        for (const f of page.frames()) {
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
    await waitFor('the lens above pool.map', async () =>
      (await page.locator('.codelens-decoration', { hasText: 'workers' }).count()) > 0 ? true : undefined,
    );
    // The terminal the run opened and the Explorer take room from the editor and the panel.
    await session.workbench.runCommand('View: Hide Panel');
    await session.workbench.runCommand('View: Toggle Primary Side Bar Visibility');
    await page.waitForTimeout(1000);
    const out = await session.workbench.screenshot(path.join(REPO_ROOT, 'media', 'screenshot.png'));
    console.log(`wrote ${out}`);
  } finally {
    await session.dispose();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
