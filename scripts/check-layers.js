#!/usr/bin/env node
// The import rule of src/core (npm run lint runs it; docs/ARCHITECTURE.md explains the rooms):
// - each layer folder of src/core imports only the layers listed for it below, and only through
//   their index ('../model', never '../model/taskTable'); within a layer, files import each other;
// - src/core imports nothing outside src/core (no vscode, no host, no webview);
// - code outside src/core (host, CLI, run, webview) imports src/core only through 'core' or a
//   layer's index ('core/report'), never a file inside a layer.
// Tests and benchmarks may reach into any file: they test the parts.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CORE = path.join(ROOT, 'src', 'core');

/** Which layers each layer may import, lowest first. */
const LAYERS = {
  trace: [],
  files: ['trace'],
  report: [],
  model: ['trace'],
  live: ['model', 'trace', 'files'],
  measure: ['model', 'report'],
  whatif: ['measure', 'model', 'report'],
  analysis: ['whatif', 'measure', 'model', 'report'],
  compare: ['report'],
  export: ['measure', 'model', 'report'],
};

const SPEC = /(?:\bfrom|\bimport|\brequire)\s*\(?\s*['"]([^'"]+)['"]/g;

function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

function lineOf(text, index) {
  return text.slice(0, index).split('\n').length;
}

const problems = [];
const dirs = fs
  .readdirSync(CORE, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);
for (const d of dirs) {
  if (!(d in LAYERS))
    problems.push(`src/core/${d}/: a folder with no entry in scripts/check-layers.js LAYERS`);
  else if (!fs.existsSync(path.join(CORE, d, 'index.ts'))) problems.push(`src/core/${d}/: no index.ts`);
}
for (const f of fs.readdirSync(CORE)) {
  if (f.endsWith('.ts') && f !== 'index.ts') problems.push(`src/core/${f}: a file outside the layer folders`);
}

for (const file of [...walk(path.join(ROOT, 'src')), ...walk(path.join(ROOT, 'webview'))]) {
  const text = fs.readFileSync(file, 'utf8');
  const rel = path.relative(ROOT, file);
  const inCore = file.startsWith(CORE + path.sep);
  const parts = path.relative(CORE, file).split(path.sep);
  const layer = inCore && parts.length === 2 ? parts[0] : null;
  for (const m of text.matchAll(SPEC)) {
    const spec = m[1];
    const where = `${rel}:${lineOf(text, m.index)}`;
    if (!spec.startsWith('.')) {
      if (inCore && spec === 'vscode') problems.push(`${where}: src/core must not import vscode`);
      continue;
    }
    const target = path.resolve(path.dirname(file), spec);
    const targetInCore = target === CORE || target.startsWith(CORE + path.sep);
    if (inCore && !targetInCore) {
      problems.push(`${where}: src/core imports ${spec}, outside src/core`);
      continue;
    }
    if (!targetInCore) continue;
    const tparts = path.relative(CORE, target).split(path.sep);
    const tlayer = tparts[0] === '' ? null : tparts[0];
    const deep = tparts.length > 1 && tparts[1] !== 'index';
    if (!inCore) {
      if (deep)
        problems.push(
          `${where}: imports ${spec}; outside src/core, import '${path.relative(path.dirname(file), path.join(CORE, tlayer))}' (the layer's index)`,
        );
      continue;
    }
    if (layer === null) continue; // src/core/index.ts: the layers' front door
    if (tlayer === layer) continue;
    if (tlayer === null) {
      problems.push(`${where}: a layer imports src/core/index; import the layer it needs`);
    } else if (!LAYERS[layer]?.includes(tlayer)) {
      problems.push(
        `${where}: the ${layer} layer may not import ${tlayer} (allowed: ${LAYERS[layer]?.join(', ') || 'none'})`,
      );
    } else if (deep) {
      problems.push(`${where}: imports ${spec}; import '../${tlayer}' (the layer's index)`);
    }
  }
}

if (problems.length > 0) {
  console.error(
    `layer rule (scripts/check-layers.js): ${problems.length} problem(s)\n  ${problems.join('\n  ')}`,
  );
  process.exit(1);
}
console.log(`layer rule: ok (${Object.keys(LAYERS).length} layers in src/core)`);
