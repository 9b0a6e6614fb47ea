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
];

/** Copies the stdlib-only agent next to the bundles; the CLI finds it at dist/python. */
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
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
