// Bad input in real VS Code (issue 6), where the extension's path differs from the CLI's: a
// script that does not parse and an interpreter that does not exist are refused with a
// notification that says what to do, and nothing runs.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { startVsCodeSession, type VsCodeSession } from './harness';
import { ensureVsix, VSIX } from './vsix';

let markerDir: string;
const workspaces: string[] = [];

before(() => {
  ensureVsix();
  markerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-marker-'));
});

after(() => {
  for (const dir of [markerDir, ...workspaces]) fs.rmSync(dir, { recursive: true, force: true });
});

/** A workspace with one script that leaves a marker file if it ever runs. */
function workspaceWith(name: string, body: string): { folder: string; marker: string } {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-bad-input-'));
  workspaces.push(folder);
  const marker = path.join(markerDir, name);
  fs.writeFileSync(
    path.join(folder, name),
    `import pathlib\npathlib.Path(${JSON.stringify(marker)}).write_text("ran")\n${body}`,
  );
  return { folder, marker };
}

/** Runs Profile Parallel Run on the open file until a notification matching `match` shows. */
async function profileUntil(session: VsCodeSession, match: RegExp): Promise<string> {
  const deadline = Date.now() + 60_000;
  let said = '';
  while (!said && Date.now() < deadline) {
    // The extension host may still be starting: retry the command until the message comes.
    await session.workbench
      .runCommand('PoolScope: Profile Parallel Run', { timeoutMs: 5_000 })
      .catch(() => undefined);
    said = await session.workbench.waitForNotification(match, { timeoutMs: 5_000 }).catch(() => '');
  }
  return said;
}

/** The action buttons of the notification toast whose message matches. */
async function buttonsOf(session: VsCodeSession, match: RegExp): Promise<string[]> {
  const toast = session.workbench.page
    .locator('.notifications-toasts .notification-toast')
    .filter({ has: session.workbench.page.locator('.notification-list-item-message', { hasText: match }) })
    .first();
  return toast.locator('.notification-list-item-buttons-container .monaco-button').allInnerTexts();
}

test('a syntax error: the line and what Python said, and nothing runs', async () => {
  const { folder, marker } = workspaceWith('broken job.py', 'if True print("x")\n');
  const session = await startVsCodeSession({
    vsix: VSIX,
    folder,
    settings: { 'poolscope.pythonPath': 'python3' },
  });
  try {
    await session.workbench.openFile('broken job.py');
    const said = await profileUntil(session, /does not parse/);
    assert.match(said, /PoolScope: broken job\.py does not parse \(line 3: .+\); nothing was run\./);
    assert.deepEqual(await buttonsOf(session, /does not parse/), ['Go to Line']);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(fs.existsSync(marker), false, 'the script must not have run');
  } finally {
    await session.dispose();
  }
});

test('a missing interpreter: named, with a way to pick another, and nothing runs', async () => {
  const { folder, marker } = workspaceWith('job.py', 'print("ok")\n');
  const session = await startVsCodeSession({
    vsix: VSIX,
    folder,
    settings: { 'poolscope.pythonPath': '/no/such/python3' },
  });
  try {
    await session.workbench.openFile('job.py');
    const said = await profileUntil(session, /interpreter not found/);
    assert.match(said, /^PoolScope: Python interpreter not found: \/no\/such\/python3\.$/);
    assert.doesNotMatch(said, /--python/, 'no CLI advice in VS Code');
    assert.deepEqual(await buttonsOf(session, /interpreter not found/), [
      'Select Interpreter',
      'Open Settings',
    ]);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(fs.existsSync(marker), false, 'nothing ran');
  } finally {
    await session.dispose();
  }
});
