/**
 * End-to-end proof of the harness: install a demo .vsix into a real code-server, open a
 * folder in headless Chromium, run the demo command from the palette and from the Explorer
 * context menu, read the webview's text, take a screenshot, and check teardown leaves no
 * process behind.
 *
 *   bash scripts/vscode-test/setup.sh
 *   node --import tsx --test test/integration/harness/selftest.test.ts
 *
 * Env: POOLSCOPE_DEMO_VSIX=path (use that .vsix instead of building the built-in demo),
 * POOLSCOPE_SCREENSHOT_DIR (default out/vscode-test), POOLSCOPE_VSCODE_KEEP=1 (keep temp dirs).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEMO_COMMAND_TITLE, DEMO_HEADING, DEMO_MENU_LABEL, buildDemoVsix } from './demoExtension';
import { REPO_ROOT, isAlive, processTree, startVsCodeSession, frameText, type VsCodeSession } from './index';

const log = (line: string) => console.log(`[harness] ${line}`);
const screenshotDir = process.env.POOLSCOPE_SCREENSHOT_DIR || path.join(REPO_ROOT, 'out', 'vscode-test');

describe('VS Code harness self-test (code-server + Chromium)', { timeout: 240_000 }, () => {
  let tmp: string;
  let session: VsCodeSession | undefined;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-selftest-'));
    let vsix = process.env.POOLSCOPE_DEMO_VSIX;
    if (!vsix) {
      const t = Date.now();
      vsix = buildDemoVsix(tmp);
      log(`packaged demo extension in ${Date.now() - t} ms`);
    }
    const folder = path.join(tmp, 'workspace');
    fs.mkdirSync(path.join(folder, 'pkg'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'hello.py'), 'print("hello")\n');
    fs.writeFileSync(path.join(folder, 'pkg', 'nested.py'), 'print("nested")\n');
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not python\n');
    session = await startVsCodeSession({ vsix, folder, log });
  });

  after(async () => {
    if (session) {
      const { codeServer, browser } = session;
      await session.dispose();
      // Teardown must leave nothing running (checked here so a leak fails the run).
      assert.deepEqual(processTree(codeServer.pid), [], 'code-server process tree still alive');
      assert.equal(isAlive(browser.pid), false, 'Chromium still alive');
      assert.equal(fs.existsSync(codeServer.rootDir), process.env.POOLSCOPE_VSCODE_KEEP === '1');
    }
    if (tmp && process.env.POOLSCOPE_VSCODE_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('opens a file in an editor', async () => {
    assert.ok(session);
    await session.workbench.openFile('pkg/nested.py');
    const tab = session.workbench.page.locator('.tabs-container .tab.active');
    assert.equal(await tab.getAttribute('data-resource-name'), 'nested.py');
  });

  it('runs the command from the command palette and shows the webview', async () => {
    assert.ok(session);
    const t = Date.now();
    await session.workbench.runCommand(DEMO_COMMAND_TITLE);
    const frame = await session.workbench.findWebviewFrameWithText('opened #1 from palette');
    const text = await frameText(frame);
    assert.match(text, new RegExp(DEMO_HEADING));
    assert.match(await session.workbench.waitForNotification('Demo panel #1'), /opened from palette/);
    log(`palette -> webview in ${Date.now() - t} ms`);
  });

  it('offers the command in the Explorer context menu of .py files only', async () => {
    assert.ok(session);
    const wb = session.workbench;
    const t = Date.now();
    const txtItems = await wb.openExplorerContextMenu('notes.txt');
    assert.ok(txtItems.length > 3, `expected a real context menu, got ${JSON.stringify(txtItems)}`);
    assert.ok(!txtItems.includes(DEMO_MENU_LABEL), `"${DEMO_MENU_LABEL}" shown for a .txt file`);
    await wb.resetFocus();

    const pyItems = await wb.openExplorerContextMenu('pkg/nested.py');
    assert.ok(pyItems.includes(DEMO_MENU_LABEL), `menu items: ${JSON.stringify(pyItems)}`);
    await wb.screenshot(path.join(screenshotDir, 'harness-context-menu.png'));
    await wb.clickContextMenuItem(DEMO_MENU_LABEL);
    await wb.findWebviewFrameWithText('from explorer:nested.py');

    await wb.runExplorerContextMenuItem('hello.py', DEMO_MENU_LABEL);
    const frame = await wb.findWebviewFrameWithText('from explorer:hello.py');
    assert.match(await frameText(frame), new RegExp(DEMO_HEADING));
    log(`explorer context menu -> webview (x2) in ${Date.now() - t} ms`);
  });

  it('runs a palette command while a webview has keyboard focus', async () => {
    assert.ok(session);
    const wb = session.workbench;
    const frame = await wb.findWebviewFrameWithText('from explorer:hello.py');
    await frame.locator('#hello').click(); // keys now go to the webview's iframe
    await wb.runCommand(DEMO_COMMAND_TITLE);
    await wb.findWebviewFrameWithText('opened #4 from palette');
  });

  it('takes a screenshot of the workbench', async () => {
    assert.ok(session);
    const file = await session.workbench.screenshot(path.join(screenshotDir, 'harness-selftest.png'));
    const png = fs.readFileSync(file);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.ok(png.length > 10_000, `screenshot suspiciously small: ${png.length} bytes`);
    log(`screenshot: ${file}`);
  });
});
