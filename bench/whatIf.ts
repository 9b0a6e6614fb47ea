/**
 * What-if accuracy on this machine: records each workload with 2 workers, then runs it with the
 * other worker counts the prediction covers and prints predicted against measured wall time of
 * the call site. Not a pass/fail benchmark (test/cli/whatIf.test.ts holds the bounds): it prints
 * the table that docs/performance.md keeps.
 *
 *   npm run build && node --import tsx bench/whatIf.ts [--workers 1,2,3,4] [--repeat 3]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CallSiteReport, Report } from '../src/core/report/report';

const ROOT = path.resolve(__dirname, '..');
const SCRIPT = path.join(ROOT, 'test', 'fixtures', 'whatif', 'cpu_map.py');
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const WORKERS = arg('--workers', '1,2,3,4').split(',').map(Number);
const REPEAT = Number(arg('--repeat', '3'));

const WORKLOADS: [string, string[]][] = [
  ['300 × 2 ms, Pool.map chunksize', ['300', '2']],
  ['600 × 0.5 ms, chunksize 5', ['600', '0.5', '5']],
  ['2000 × 0.05 ms, chunksize 1', ['2000', '0.05', '1']],
];

function site(workers: number, args: string[]): CallSiteReport {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-bench-whatif-'));
  const out = path.join(dir, 'r.json');
  const res = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'dist', 'cli.js'),
      'profile',
      '--quiet',
      '--workers',
      String(workers),
      '--json',
      out,
      SCRIPT,
      ...args,
    ],
    { encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(res.stderr);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  fs.rmSync(dir, { recursive: true, force: true });
  const s = report.callSites.find((c) => c.api === 'map');
  if (!s?.whatIf) throw new Error('no prediction');
  return s;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`cores: ${os.cpus().length}; medians of ${REPEAT} runs each`);
console.log('| workload | workers | predicted (from 2) | measured | error |');
console.log('|---|---|---|---|---|');
for (const [label, args] of WORKLOADS) {
  const recorded = Array.from({ length: REPEAT }, () => site(2, args));
  for (const w of WORKERS) {
    const predicted = median(recorded.map((s) => s.whatIf!.workers.find((p) => p.workers === w)!.wallMs));
    const measured = median(
      w === 2 ? recorded.map((s) => s.wallMs) : Array.from({ length: REPEAT }, () => site(w, args).wallMs),
    );
    const err = (predicted / measured - 1) * 100;
    console.log(
      `| ${label} | ${w} | ${predicted.toFixed(0)} ms | ${measured.toFixed(0)} ms | ${err >= 0 ? '+' : ''}${err.toFixed(0)} % |`,
    );
  }
}
