// Host benchmark: how long and how much memory it takes to load a big trace (read + model +
// analyse), the work the extension host does when a run ends or is opened from history.
//
//   node --import tsx bench/loadTrace.ts [--tasks N]     (default 1 000 000; target < 2 s)
//
// The trace is synthetic (test/unit/helpers/synthetic.ts writes exactly what the agent writes
// for a Pool of 4 workers), packed into a .pstrace, then loaded in a fresh node process so
// that the memory figure is the load's alone.
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import * as path from 'node:path';
import { syntheticTrace } from './syntheticTrace';

const TARGET_MS = 2000;
const TARGET_MB = 500;
const RUNS = 5;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function load(file: string): Promise<void> {
  // Imported here so that the import is not part of the figure.
  const core = await import('../src/core');
  const t0 = performance.now();
  // As loadRun() does: a .pstrace is read a piece at a time and modelled as it is read.
  const model = core.loadModel(file);
  const t2 = performance.now();
  const report = core.analyze(model);
  const t3 = performance.now();
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      model: t2 - t0,
      analyze: t3 - t2,
      total: t3 - t0,
      rssMb: rss,
      tasks: report.summary.tasks,
    }),
  );
}

function main(): void {
  const tasks = arg('--tasks', 1_000_000);
  // Made in a child process: a child's maxRSS starts at its parent's (Linux keeps the high-water
  // mark across fork and exec), and making a million tasks takes over 1 GB.
  const made = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--make', String(tasks)], {
    stdio: 'inherit',
  });
  if (made.status !== 0) throw new Error('making the synthetic trace failed');
  const trace = syntheticTrace(tasks);
  // Loaded from a bundle, as the extension and the CLI run the core (through tsx it is slower
  // and the loader alone adds ~40 MB).
  const bundle = path.join(path.dirname(trace), 'loadTrace.js');
  esbuild.buildSync({
    entryPoints: [__filename],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: bundle,
    external: ['esbuild'],
    logLevel: 'warning',
  });
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const res = spawnSync(process.execPath, [bundle, '--load', trace], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(res.stderr);
    runs.push(JSON.parse(res.stdout.trim().split('\n').pop() as string));
  }
  runs.sort((a, b) => a.total - b.total);
  const m = runs[Math.floor(RUNS / 2)];
  const rss = runs.map((r) => r.rssMb).sort((a, b) => a - b);
  const rssMedian = rss[Math.floor(RUNS / 2)];
  const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(`load ${tasks.toLocaleString('en')} tasks (median of ${RUNS} fresh processes):`);
  console.log(`  read + model ${fmt(m.model)} · analyse ${fmt(m.analyze)}`);
  console.log(
    `  total ${fmt(m.total)} (best ${fmt(runs[0].total)}, spread ${fmt(runs[0].total)}–${fmt(runs[RUNS - 1].total)})   target < ${fmt(TARGET_MS)}   ${m.total < TARGET_MS ? 'ok' : 'MISSED'}`,
  );
  console.log(
    `  peak RSS ${rssMedian.toFixed(0)} MB (spread ${rss[0].toFixed(0)}–${rss[RUNS - 1].toFixed(0)})   target < ${TARGET_MB} MB   ${rssMedian < TARGET_MB ? 'ok' : 'MISSED'}`,
  );
  const label = `host load, ${tasks.toLocaleString('en')} tasks`;
  const bench = (r: Record<string, unknown>): void => console.log(`BENCH ${JSON.stringify(r)}`);
  bench({
    figure: `${label}: time`,
    value: m.total,
    best: runs[0].total,
    spread: [runs[0].total, runs[RUNS - 1].total],
    unit: 'ms',
    target: TARGET_MS,
    op: '<',
    note: `read + model ${fmt(m.model)}, analyse ${fmt(m.analyze)}`,
  });
  bench({
    figure: `${label}: peak RSS`,
    value: rssMedian,
    best: rss[0],
    spread: [rss[0], rss[RUNS - 1]],
    unit: 'MB',
    target: TARGET_MB,
    op: '<',
  });
}

if (process.argv[2] === '--load') void load(process.argv[3]);
else if (process.argv[2] === '--make') syntheticTrace(Number(process.argv[3]));
else main();
