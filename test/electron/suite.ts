// Runs inside the VS Code extension host (see runTest.ts): profiles an example end to end.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension('poolscope.poolscope');
  assert.ok(ext, 'the extension is installed');
  await ext.activate();
  const commands = await vscode.commands.getCommands(true);
  for (const id of ['poolscope.profileFile', 'poolscope.cancelRun', 'poolscope.openRun']) {
    assert.ok(commands.includes(id), `${id} is registered`);
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(folder, 'examples/ is open');
  const script = vscode.Uri.file(path.join(folder, 'heavy_tasks.py'));
  await vscode.window.showTextDocument(script);
  await vscode.commands.executeCommand('poolscope.profileFile', script);
}
