/**
 * A throwaway extension for the harness self-test: command "Demo: Open Panel" (also in the
 * Explorer context menu of .py files) opens a webview that says where it was opened from.
 * Packaged with the repo's @vscode/vsce, so the self-test needs no file outside the repo.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { harnessPaths, REPO_ROOT } from './paths';

export const DEMO_COMMAND_TITLE = 'Demo: Open Panel';
export const DEMO_MENU_LABEL = 'Open Panel';
export const DEMO_HEADING = 'Hello from the PoolScope harness demo';

const PACKAGE_JSON = {
  name: 'ps-harness-demo',
  displayName: 'PoolScope Harness Demo',
  description: 'Throwaway extension that proves the code-server + Chromium harness works.',
  version: '0.0.1',
  publisher: 'poolscope-test',
  license: 'MIT',
  engines: { vscode: '^1.90.0' },
  main: './extension.js',
  activationEvents: [],
  contributes: {
    commands: [{ command: 'psDemo.openPanel', title: 'Open Panel', category: 'Demo' }],
    menus: {
      'explorer/context': [
        { command: 'psDemo.openPanel', when: 'resourceExtname == .py', group: 'navigation@99' },
      ],
    },
  },
};

const EXTENSION_JS = `const vscode = require('vscode');
const path = require('path');
let count = 0;
function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('psDemo.openPanel', (uri) => {
      count += 1;
      const source = uri instanceof vscode.Uri ? 'explorer:' + path.basename(uri.fsPath) : 'palette';
      const panel = vscode.window.createWebviewPanel('psDemo', 'Demo Panel ' + count, vscode.ViewColumn.One, {});
      panel.webview.html = \`<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<style>body { font-family: sans-serif; padding: 1em; } h1 { color: #2e7d32; }</style></head>
<body><h1 id="hello">${DEMO_HEADING}</h1>
<p id="source">opened #\${count} from \${source}</p></body></html>\`;
      vscode.window.showInformationMessage('Demo panel #' + count + ' opened from ' + source);
    }),
  );
}
function deactivate() {}
module.exports = { activate, deactivate };
`;

/** Write the demo extension's sources to `dir`/ext and package them; returns the .vsix path. */
export function buildDemoVsix(dir: string): string {
  const extDir = path.join(dir, 'ext');
  fs.mkdirSync(extDir, { recursive: true });
  fs.writeFileSync(path.join(extDir, 'package.json'), JSON.stringify(PACKAGE_JSON, null, 2));
  fs.writeFileSync(path.join(extDir, 'extension.js'), EXTENSION_JS);
  fs.writeFileSync(path.join(extDir, 'README.md'), '# PoolScope harness demo\n');
  fs.copyFileSync(path.join(REPO_ROOT, 'LICENSE'), path.join(extDir, 'LICENSE'));
  fs.writeFileSync(path.join(extDir, '.vscodeignore'), '*.vsix\n');
  const vsix = path.join(dir, 'ps-harness-demo.vsix');
  // @vscode/vsce 4.x declares node >= 22: run it with the harness's Node 24 when installed.
  const vscePkg = require.resolve('@vscode/vsce/package.json', { paths: [REPO_ROOT] });
  const vsceBin = path.join(path.dirname(vscePkg), 'vsce');
  const node = fs.existsSync(harnessPaths().node24) ? harnessPaths().node24 : process.execPath;
  execFileSync(node, [vsceBin, 'package', '--allow-missing-repository', '--out', vsix], {
    cwd: extDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return vsix;
}
