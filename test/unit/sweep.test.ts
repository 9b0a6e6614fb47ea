// What a sweep's runs say: speedups on one baseline, the recommendation, the prediction line,
// overrides that did not take. The reports are a recorded run's, with the wall time and the
// override of each sweep run set by hand so each rule is tested at its edge.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { defaultWorkerCounts, loadRun, parseCountList, sweepResult, type SweepRun } from '../../src/core';
import type { Report, RunWhatIf } from '../../src/core/report/report';
import { formatSweep } from '../../src/core/whatif/sweepFormat';

const recorded = loadRun(path.join(__dirname, '..', 'fixtures', 'traces', 'heavy_tasks.pstrace')).report;

/** The recorded report as if run with `workers` (or `chunksize`) overridden, taking `wallMs`. */
function run(kind: 'workers' | 'chunksize', value: number, wallMs: number, applied = true): SweepRun {
  const report: Report = structuredClone(recorded);
  report.summary.wallMs = wallMs;
  report.run.overrides = applied ? { [kind]: value } : {};
  report.callSites = report.callSites.map((s) => ({ ...s, [kind]: value }));
  return {
    workers: kind === 'workers' ? value : null,
    chunksize: kind === 'chunksize' ? value : null,
    report,
  };
}

describe('sweepResult', () => {
  test('default worker counts: powers of two below the cores, then the cores', () => {
    assert.deepEqual(defaultWorkerCounts(1), [1]);
    assert.deepEqual(defaultWorkerCounts(2), [1, 2]);
    assert.deepEqual(defaultWorkerCounts(6), [1, 2, 4, 6]);
    assert.deepEqual(defaultWorkerCounts(8), [1, 2, 4, 8]);
  });

  test('count lists: whole numbers ≥ 1, repeats dropped, a clear message otherwise', () => {
    assert.deepEqual(parseCountList('1, 2,4,2', '--workers'), [1, 2, 4]);
    assert.throws(() => parseCountList('1,two', '--workers'), /--workers: "two" is not a whole number ≥ 1/);
    assert.throws(() => parseCountList('0', '--chunksize'), /"0" is not a whole number/);
    assert.throws(() => parseCountList(' , ', '--workers'), /at least one number/);
  });

  test('speedups share the first run’s sequential estimate; the recommendation stops where the gain drops under 10 %', () => {
    const base = recorded.summary.estSequentialMs!;
    const r = sweepResult('workers', [
      run('workers', 1, 400),
      run('workers', 2, 210),
      run('workers', 4, 200),
    ]);
    assert.deepEqual(
      r.points.map((p) => [p.value, p.speedup, p.idealSpeedup]),
      [
        [1, base / 400, 1],
        [2, base / 210, 2],
        [4, base / 200, 4],
      ],
    );
    assert.equal(r.recommended, 2, '210 → 200 ms is a 5 % gain');
    assert.match(
      r.recommendation,
      /^2 workers: going to 4 changed the wall time 210 ms → 200 ms \(\+5\.0 % speed\)/,
    );
    assert.deepEqual(r.warnings, []);
  });

  test('every step still gaining recommends the largest count tried', () => {
    const r = sweepResult('workers', [run('workers', 1, 400), run('workers', 2, 220)]);
    assert.equal(r.recommended, 2);
    assert.match(r.recommendation, /every step still gained/);
  });

  test('a run whose override did not take is flagged and left out of the recommendation', () => {
    const r = sweepResult('workers', [
      run('workers', 1, 400),
      run('workers', 2, 100, false),
      run('workers', 4, 390),
    ]);
    assert.equal(r.points[1].applied, false);
    assert.equal(r.recommended, 1, '1 → 4 gains 2.6 %; the 2-worker run does not count');
    assert.match(r.warnings.join('\n'), /with 2 workers did not use them/);
    assert.match(formatSweep(r), /^ {2}2 \(!\) /m);
  });

  test('chunksize: the smallest within 10 % of the fastest', () => {
    const r = sweepResult('chunksize', [
      run('chunksize', 1, 900),
      run('chunksize', 10, 215),
      run('chunksize', 100, 200),
    ]);
    assert.equal(r.recommended, 10);
    assert.match(
      r.recommendation,
      /^chunksize 10: 215 ms, within 10 % of the fastest \(chunksize 100, 200 ms\)/,
    );
    assert.equal(r.points[0].idealSpeedup, null, 'no ideal line for chunksizes');
  });

  test('the prediction comes from the first run’s what-if, or is said to be missing', () => {
    const runs = [run('workers', 1, 400), run('workers', 2, 210)];
    const none = sweepResult('workers', runs);
    // The recorded trace predates the what-if model (null) or carries it (then it is used as is).
    const expected = recorded.whatIf?.workers.map((p) => ({
      value: p.workers,
      wallMs: p.wallMs,
      speedup: p.speedup,
    }));
    assert.deepEqual(none.predicted, expected?.length ? expected : null);
    const whatIf: RunWhatIf = {
      workers: [
        { workers: 1, chunksize: null, wallMs: 390, speedup: 0.9 },
        { workers: 2, chunksize: null, wallMs: 200, speedup: 1.8 },
      ],
      recommendedWorkers: 2,
    };
    runs[0].report.whatIf = whatIf;
    const withPrediction = sweepResult('workers', runs);
    assert.deepEqual(withPrediction.predicted, [
      { value: 1, wallMs: 390, speedup: 0.9 },
      { value: 2, wallMs: 200, speedup: 1.8 },
    ]);
    assert.match(formatSweep(withPrediction), /^ {2}2 +210 ms +\S+× +2\.00× +1\.80× \(200 ms\)$/m);
    runs[0].report.whatIf = null;
    assert.match(formatSweep(sweepResult('workers', runs)), /predicted: no prediction/);
  });

  test('joblib: the 1-worker run, which joblib runs without a pool, counts, and the prediction comes from the next', () => {
    const joblib = loadRun(path.join(__dirname, '..', 'fixtures', 'traces', 'joblib_loky.pstrace')).report;
    const at = (workers: number, wallMs: number, sites: boolean): SweepRun => {
      const report: Report = structuredClone(joblib);
      report.summary.wallMs = wallMs;
      report.run.overrides = { workers };
      report.callSites = sites ? report.callSites.map((s) => ({ ...s, workers })) : [];
      if (!sites) report.whatIf = null;
      return { workers, chunksize: null, report };
    };
    const r = sweepResult('workers', [at(1, 400, false), at(2, 1600, true)]);
    assert.deepEqual(
      r.points.map((p) => p.applied),
      [true, true],
    );
    assert.deepEqual(r.warnings, []);
    assert.equal(r.recommended, 1, 'the in-process run was 4× faster');
    assert.ok(joblib.whatIf, 'the fixture has a what-if model');
    const base = joblib.summary.estSequentialMs!;
    assert.deepEqual(
      r.predicted,
      joblib.whatIf.workers.map((p) => ({ value: p.workers, wallMs: p.wallMs, speedup: base / p.wallMs })),
    );
    // The same shape from a stdlib pool is an override that did not take.
    const noPool = run('workers', 1, 400);
    noPool.report.callSites = [];
    assert.equal(sweepResult('workers', [noPool, run('workers', 2, 1600)]).points[0].applied, false);
  });

  test('a chunksize sweep takes its prediction from the first run’s busiest call site', () => {
    const runs = [run('chunksize', 1, 900), run('chunksize', 100, 200)];
    for (const s of runs[0].report.callSites) s.whatIf = null;
    assert.equal(sweepResult('chunksize', runs).predicted, null, 'no what-if: no prediction');
    const site = runs[0].report.callSites[0];
    const point = (chunksize: number, wallMs: number) => ({
      workers: 2,
      chunksize,
      wallMs,
      speedup: 300 / wallMs,
    });
    site.whatIf = {
      recorded: point(1, 880),
      workers: [],
      chunksizes: [point(1, 880), point(10, 260), point(100, 210)],
      bestChunksize: 100,
      recommendedWorkers: 2,
    };
    assert.deepEqual(
      sweepResult('chunksize', runs).predicted?.map((p) => [p.value, p.wallMs]),
      [
        [1, 880],
        [10, 260],
        [100, 210],
      ],
    );
  });
});
