// The lecture notes' examples (examples/), profiled for real: the verdict must be what a careful
// engineer reading the measured numbers would conclude — not what the examples' comments promise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { NEUTRAL_BAND } from '../../bench/truthLib';
import type { Report } from '../../src/core/report/report';

const ROOT = path.resolve(__dirname, '..', '..');

function profile(example: string): Report {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ps-seed-')), 'report.json');
  const res = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'dist', 'cli.js'),
      'profile',
      '--quiet',
      '--json',
      out,
      path.join(ROOT, 'examples', example),
    ],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
}

const ids = (r: Report): string[] => r.findings.map((f) => f.id);

test('Example 25.3 (a fresh Pool(4) for 8 tasks of ~1 ms) is light compute, dominated by start-up', () => {
  const r = profile('image_resize.py');
  assert.equal(r.verdict.compute, 'light');
  assert.equal(r.verdict.data, 'small');
  assert.ok(ids(r).includes('startup-dominated'), ids(r).join(', '));
});

// Four processes of ~70 ms on this 2-CPU machine, each started in ~20 ms: a loop of the same four
// computations takes ~280 ms, the processes ~240 ms. A gain of ~1.15×, not the lecture's "clear
// win": the matrix may call the start-up too large for the compute, and the verdict must then say
// "measure first", never that it lost. The estimate must not put it clearly below 1 either (on a
// loaded machine it came out at 0.99×: the neutral band of bench/truthLib.ts).
test('Example 25.1 (four Processes of ~100 ms, results in a Manager list) gains, and the verdict does not deny it', () => {
  const r = profile('manager_workers.py');
  assert.ok(['clear-win', 'measure-first'].includes(r.verdict.quadrant), r.verdict.sentence);
  assert.deepEqual(
    r.callSites.map((c) => [c.poolApi, c.workers]),
    [['Process', 4]],
  );
  // The four processes: 0.24–0.26 s against 0.31 s as a loop (timed plainly). The whole run also
  // starts and stops the Manager, which a loop would not, and estimates 0.89–1.01×: the call
  // site's figure is the one that says whether the processes gained.
  const site = r.callSites[0];
  assert.ok((site.estSpeedup ?? 0) > 1 - NEUTRAL_BAND, `call site speedup ${site.estSpeedup}`);
});

test('20 000 tiny tasks at chunksize 1: IPC overhead wins, with a bigger chunksize suggested', () => {
  const r = profile('tiny_tasks.py');
  assert.equal(r.verdict.quadrant, 'ipc-overhead-wins');
  const f = r.findings.find((x) => x.id === 'tasks-too-short');
  assert.ok(f && /chunksize=\d+/.test(f.advice), f?.advice);
  assert.ok((r.summary.estSpeedup ?? 1) < 1, `speedup ${r.summary.estSpeedup}`);
});

test('heavy tasks with small data: clear win', () => {
  const r = profile('heavy_tasks.py');
  assert.equal(r.verdict.quadrant, 'clear-win');
});

test('20 MB arrays per task: large data, with the large-payload advice', () => {
  const r = profile('big_payload.py');
  assert.equal(r.verdict.data, 'large');
  assert.ok(ids(r).includes('large-payload'), ids(r).join(', '));
});
