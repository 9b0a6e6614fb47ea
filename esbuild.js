// Builds everything that ships: the CLI bundle and the Python agent (copied as plain files).
// Later targets (extension host, webview) are added to `targets` below.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const targets = [
  {
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode', './commands.js'],
  },
  {
    // The commands and what they use, loaded on first use (see src/extension.ts).
    entryPoints: ['src/host/commands/commands.ts'],
    outfile: 'dist/commands.js',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
  },
  {
    // The live run's trace reading, on a worker thread (src/host/run/liveIngestThread.ts).
    entryPoints: ['src/host/run/liveIngestWorker.ts'],
    outfile: 'dist/liveIngestWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
  },
  {
    // Opening and exporting a saved run, on a worker thread (src/host/history/savedRunThread.ts).
    entryPoints: ['src/host/history/savedRunWorker.ts'],
    outfile: 'dist/savedRunWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
  },
  {
    // The panel: browser code, one IIFE loaded with the page's CSP nonce (test/webview builds
    // the same options to test it in Chromium).
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
  },
  {
    // The Compare and Sweep panels (webview/compare): same options, their own page.
    entryPoints: ['webview/compare/main.ts'],
    outfile: 'dist/compare.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
  },
];

/** Copies the stdlib-only agent next to the bundles; the CLI finds it at dist/python. */
function copyAssets() {
  // Codicons are served to the webview from dist/ (localResourceRoots), never from a CDN.
  const icons = path.join(__dirname, 'node_modules', '@vscode', 'codicons', 'dist');
  for (const f of ['codicon.css', 'codicon.ttf'])
    fs.copyFileSync(path.join(icons, f), path.join(__dirname, 'dist', f));
}

function copyAgent() {
  const from = path.join(__dirname, 'src', 'python');
  const to = path.join(__dirname, 'dist', 'python');
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, {
    recursive: true,
    filter: (src) => !src.includes('__pycache__') && !src.endsWith('.pyc'),
  });
}

async function main() {
  const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
  if (watch) {
    for (const t of targets) await (await esbuild.context({ ...common, ...t })).watch();
    copyAgent();
    return;
  }
  await Promise.all(targets.map((t) => esbuild.build({ ...common, ...t })));
  fs.chmodSync(path.join(__dirname, 'dist', 'cli.js'), 0o755);
  copyAgent();
  copyAssets();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
