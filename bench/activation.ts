/**
 * Extension activation time: `require('dist/extension.js')` + `activate(context)`, in fresh node
 * processes, with a minimal stand-in for the `vscode` module (only for timing: every API call
 * returns a disposable no-op, `Uri` is real enough for paths; bench/activationChild.cjs). This is what PoolScope adds to the
 * extension host when a Python file opens; VS Code's own share is not in it.
 *
 *   node --import tsx bench/activation.ts [--runs N]     (target < 30 ms; needs `npm run build`)
 *
 * Prints one `BENCH {json}` line for bench/run.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const TARGET_MS = 30;
const ROOT = path.join(__dirname, '..');

function main(): void {
  const i = process.argv.indexOf('--runs');
  const runs = Math.max(5, i > 0 ? Number(process.argv[i + 1]) : 9);
  const extension = path.join(ROOT, 'dist', 'extension.js');
  if (!fs.existsSync(extension)) throw new Error('dist/extension.js is missing: run `npm run build` first');
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-bench-activate-'));
  const results: { requireMs: number; activateMs: number; totalMs: number }[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const res = spawnSync(
        process.execPath,
        [path.join(__dirname, 'activationChild.cjs'), extension, storage],
        { encoding: 'utf8' },
      );
      if (res.status !== 0) throw new Error(res.stderr);
      results.push(JSON.parse(res.stdout.trim().split('\n').pop() as string));
    }
  } finally {
    fs.rmSync(storage, { recursive: true, force: true });
  }
  const totals = results.map((r) => r.totalMs).sort((a, b) => a - b);
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const median = med(totals);
  const best = totals[0];
  console.log(`activation: require + activate() of dist/extension.js, ${runs} fresh processes`);
  console.log(
    `  require ${med(results.map((r) => r.requireMs)).toFixed(1)} ms + activate ${med(results.map((r) => r.activateMs)).toFixed(1)} ms = ` +
      `${median.toFixed(1)} ms median (best ${best.toFixed(1)}, spread ${best.toFixed(1)}–${totals[totals.length - 1].toFixed(1)})   target < ${TARGET_MS} ms`,
  );
  console.log(
    `BENCH ${JSON.stringify({ figure: 'extension activation', value: median, best, spread: [best, totals[totals.length - 1]], unit: 'ms', target: TARGET_MS, op: '<' })}`,
  );
}

main();
