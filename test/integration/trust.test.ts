// Workspace trust in real VS Code: in an untrusted (restricted mode) workspace, Profile Parallel
// Run, Sweep Workers and Sweep Chunksize explain why they are disabled and run nothing.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { startVsCodeSession, type VsCodeSession } from './harness';
import { ensureVsix, VSIX } from './vsix';

let workspace: string;
let marker: string;
let session: VsCodeSession;

before(async () => {
  ensureVsix();
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-untrusted-'));
  marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-marker-')), 'ran');
  fs.writeFileSync(
    path.join(workspace, 'job.py'),
    `import pathlib\nif __name__ == "__main__":\n    pathlib.Path(${JSON.stringify(marker)}).write_text("ran")\n`,
  );
  session = await startVsCodeSession({
    vsix: VSIX,
    folder: workspace,
    workspaceTrust: true,
    settings: { 'poolscope.pythonPath': 'python3' },
  });
});

after(async () => {
  await session?.dispose();
  fs.rmSync(workspace, { recursive: true, force: true });
  fs.rmSync(path.dirname(marker), { recursive: true, force: true });
});

const COMMANDS: [command: string, says: RegExp][] = [
  [
    'PoolScope: Profile Parallel Run',
    /PoolScope runs nothing in an untrusted workspace: profiling executes the script/,
  ],
  ['PoolScope: Sweep Workers', /PoolScope runs nothing in an untrusted workspace/],
  ['PoolScope: Sweep Chunksize', /PoolScope runs nothing in an untrusted workspace/],
];

for (const [command, says] of COMMANDS) {
  test(`${command} in an untrusted workspace runs nothing and says why`, async () => {
    // The previous test's warning stays until dismissed: start from none.
    await session.workbench.runCommand('Notifications: Clear All Notifications').catch(() => undefined);
    await session.workbench.openFile('job.py');
    const deadline = Date.now() + 60_000;
    let said = '';
    while (!said && Date.now() < deadline) {
      // The extension host may still be starting: retry the command until the message comes.
      await session.workbench.runCommand(command, { timeoutMs: 5_000 }).catch(() => undefined);
      said = await session.workbench
        .waitForNotification(/untrusted workspace/, { timeoutMs: 3_000 })
        .catch(() => '');
    }
    assert.match(said, says);
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(fs.existsSync(marker), false, 'the script must not have run');
    await session.workbench.resetFocus();
  });
}
