import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classify, reconcile, runVerdict, emptyNumbers } from '../../src/core/analysis/verdict';
import { CLEAR_WIN_MIN_SPEEDUP, LARGE_PAYLOAD_BYTES } from '../../src/core/report/thresholds';
import type { Report } from '../../src/core/report/report';
import { approx } from './helpers/approx';
import {
  nsNum,
  poolRun,
  repeat,
  SimPool,
  SyntheticRun,
  type PoolOptions,
  type TaskSpec,
} from './helpers/synthetic';

// Every pool here: delivery 0.2 ms + pickle 0.02 + unpickle 0.02 → a fixed per-message overhead of
// 0.24 ms, so compute is heavy by rule (a) from 5 × 0.24 = 1.2 ms per task; start-up 10 ms, so by
// rule (b) from 50 ms of compute per worker.
const POOL: PoolOptions = { workers: 4, startupMs: 10, deliveryMs: 0.2, pickleMs: 0.02, unpickleMs: 0.02 };
const CPUS = { cpuCount: 8 };

function site(tasks: TaskSpec[], pool = POOL): Report['callSites'][number] {
  const { report } = poolRun(pool, { tasks }, CPUS).run.analyze();
  assert.equal(report.callSites.length, 1);
  return report.callSites[0];
}

const ids = (r: Report): string[] => r.findings.map((f) => f.id);
/** The matrix's own cell, before the estimated speedup is checked against it (reconcile). */
const cell = (v: Report['verdict']): string => v.matrix ?? v.quadrant;

describe('verdict: the compute axis', () => {
  test('the per-message overhead is the idle delivery latency plus small-message pickling', () => {
    const s = site(repeat(200, { computeMs: 1.3 }));
    approx(s.verdict.numbers.deliveryMs, 0.2, 'delivery');
    approx(s.verdict.numbers.smallMessageSerializationMs, 0.04, 'serialization');
    approx(s.verdict.numbers.perMessageOverheadMs, 0.24, 'overhead');
    approx(s.verdict.numbers.computeToOverhead, 1.3 / 0.24, 'ratio', 1e-6);
  });

  test('rule (a): 5.2× the overhead is heavy, 4.8× is light', () => {
    const heavy = site(repeat(200, { computeMs: 1.25 })); // 5.21×
    assert.equal(heavy.verdict.compute, 'heavy');
    assert.equal(heavy.quadrant, 'clear-win');
    const light = site(repeat(200, { computeMs: 1.15 })); // 4.79×; 57.5 ms per worker passes (b)
    assert.equal(light.verdict.compute, 'light');
    assert.equal(cell(light.verdict), 'ipc-overhead-wins');
    // Four workers on eight CPUs still ran it faster than a loop: the verdict says both.
    assert.ok(light.estSpeedup! > 1, `speedup ${light.estSpeedup}`);
    assert.equal(light.quadrant, 'measure-first');
    assert.match(
      light.verdict.sentence,
      /^Measure first: by the matrix "IPC overhead wins" \(median compute 1\.1 ms per task is only 4\.79× the 0\.24 ms/,
    );
  });

  test('rule (b): compute per worker 5.2× the start-up is heavy, 4.8× is light', () => {
    const heavy = site(repeat(40, { computeMs: 5.2 })); // 52 ms per worker
    approx(heavy.verdict.numbers.computePerWorkerMs, 52, 'per worker', 1e-6);
    approx(heavy.verdict.numbers.startupMs, 10, 'start-up');
    assert.equal(heavy.quadrant, 'clear-win');
    const light = site(repeat(40, { computeMs: 4.8 })); // 48 ms per worker
    assert.equal(cell(light.verdict), 'ipc-overhead-wins');
    assert.match(light.verdict.sentence, /each worker computed 48 ms in all, only 4\.80× its 10 ms start-up/);
  });

  test("rule (b) leaves out a start-up's wait for a CPU, as compute does, and says so", () => {
    // 100 ms from start() to the worker loop, 80 of them runnable but not running (a busy machine):
    // 52 ms of compute per worker is 2.6× the 20 ms that starting cost, not 0.52× the 100 ms.
    const s = site(repeat(40, { computeMs: 5.2 }), { ...POOL, startupMs: 100, startupWaitMs: 80 });
    approx(s.verdict.numbers.startupMs, 20, 'start-up less its wait');
    approx(s.verdict.numbers.startupWaitMs, 80, 'the wait');
    approx(s.verdict.numbers.computePerWorkerToStartup, 2.6, 'ratio', 1e-6);
    assert.match(
      s.verdict.sentence,
      /each worker computed 52 ms in all, only 2\.60× its 20 ms start-up \(heavy needs 5×; not counting 80 ms waiting for a CPU\)/,
    );
    const waitedLittle = site(repeat(40, { computeMs: 5.2 }), {
      ...POOL,
      startupMs: 10.5,
      startupWaitMs: 0.5,
    });
    assert.equal(waitedLittle.quadrant, 'clear-win');
    assert.doesNotMatch(waitedLittle.verdict.sentence, /waiting for a CPU/, 'a wait under 1 ms goes unsaid');
  });

  test('lecture 25, example 25.3: 8 tasks of 2.5 ms on a fresh Pool(4) is light because of start-up', () => {
    for (const startupMs of [6, 80]) {
      // fork (~6 ms) and spawn (~80 ms) start-up alike
      const { report } = poolRun(
        { ...POOL, startupMs },
        { tasks: repeat(8, { computeMs: 2.5 }) },
        { cpuCount: 4 },
      ).run.analyze();
      const s = report.callSites[0];
      assert.ok(s.verdict.numbers.computeToOverhead! >= 5, 'rule (a) alone would call it heavy');
      assert.equal(s.verdict.compute, 'light', `start-up ${startupMs} ms`);
      assert.equal(cell(report.verdict), 'ipc-overhead-wins');
      // With a fork's 6 ms start-up the pool still beat a loop; with a spawn's 80 ms it did not.
      assert.equal(report.verdict.quadrant, startupMs === 6 ? 'measure-first' : 'ipc-overhead-wins');
      assert.equal(report.summary.estSpeedup! >= 1, startupMs === 6, `speedup ${report.summary.estSpeedup}`);
      assert.ok(ids(report).includes('startup-dominated'));
      assert.ok(!ids(report).includes('tasks-too-short'));
    }
  });

  test('lecture 26, slide 7: 8 tasks of 1 ms with 5 ms of IPC lose to the overhead', () => {
    const { report } = poolRun(
      { workers: 4, startupMs: 10, deliveryMs: 5, pickleMs: 0.02, unpickleMs: 0.02 },
      { tasks: repeat(8, { computeMs: 1 }) },
      CPUS,
    ).run.analyze();
    assert.equal(report.verdict.quadrant, 'ipc-overhead-wins');
    assert.ok(ids(report).includes('tasks-too-short'));
  });
});

describe('verdict: the data axis', () => {
  const bytesOut = 50;
  test('1 MiB per task (in + out) is large; one byte less is small', () => {
    const large = site(repeat(40, { computeMs: 6, bytesIn: LARGE_PAYLOAD_BYTES - bytesOut, bytesOut }));
    assert.equal(large.verdict.data, 'large');
    assert.equal(large.quadrant, 'measure-first');
    const small = site(repeat(40, { computeMs: 6, bytesIn: LARGE_PAYLOAD_BYTES - bytesOut - 1, bytesOut }));
    assert.equal(small.verdict.data, 'small');
    assert.equal(small.quadrant, 'clear-win');
  });

  test('light compute with large data is both-lose', () => {
    // 2 MB pickled and unpickled at ~100 MB/s each way: the pool is slower than a loop.
    const s = site(
      repeat(200, { computeMs: 1, bytesIn: 2 * LARGE_PAYLOAD_BYTES, pickleInMs: 20, unpickleInMs: 20 }),
    );
    assert.ok(s.estSpeedup! < 1, `speedup ${s.estSpeedup}`);
    assert.equal(s.quadrant, 'both-lose');
    assert.match(s.verdict.sentence, /^Both IPC and compute lose: .*a task moves 2\.0 MB ≥ 1\.0 MB/);
  });

  test('large messages do not count toward the fixed per-message overhead', () => {
    const s = site(repeat(40, { computeMs: 6, bytesIn: 5_000_000, pickleInMs: 30, unpickleInMs: 30 }));
    approx(s.verdict.numbers.smallMessageSerializationMs, 0.04, 'only the small result messages');
  });
});

describe('verdict: no parallel work, and the run verdict', () => {
  test('a run without pool tasks or Process children is no-parallel-work', () => {
    const run = new SyntheticRun();
    run.finish(100);
    const { report } = run.analyze();
    assert.equal(report.verdict.quadrant, 'no-parallel-work');
    assert.equal(report.callSites.length, 0);
    assert.equal(report.summary.tasks, 0);
    approx(report.summary.estSequentialMs, 100, 'a run with no pool is its own sequential estimate');
  });

  test('Process children started on one line are a call site judged by the matrix', () => {
    const run = new SyntheticRun(CPUS);
    for (let i = 0; i < 2; i++) {
      const { stream, userStartMs } = run.child({ role: 'process', calledMs: 1, startupMs: 5 });
      // Each computes 80 ms of CPU and exits.
      stream.meta({
        k: 'exit',
        t: nsNum(userStartMs + 80),
        code: 0,
        cpuUser: 0.08,
        cpuSystem: 0,
        maxRss: 1 << 20,
      });
    }
    run.finish(100);
    const { report } = run.analyze();
    assert.equal(report.callSites.length, 1);
    const [site] = report.callSites;
    assert.deepEqual([site.poolApi, site.api, site.workers, site.tasks], ['Process', 'Process.start', 2, 2]);
    approx(site.compute.sequentialMs, 160, 'two processes of 80 ms CPU');
    assert.equal(site.quadrant, 'clear-win', '80 ms per process against a 5 ms start-up, no messages');
    assert.equal(report.verdict.quadrant, 'clear-win');
    approx(report.summary.estSequentialMs, 100 - 85 + 160, 'the Process wall replaced by their compute');
  });

  test('the run verdict follows the call sites holding the most wall time', () => {
    const build = (heavyTasks: number, lightTasks: number): Report => {
      const run = new SyntheticRun(CPUS);
      const pool = new SimPool(run, POOL);
      pool.call({ line: 20, tasks: repeat(heavyTasks, { computeMs: 20 }) });
      const { endMs } = pool.call({ line: 30, tasks: repeat(lightTasks, { computeMs: 0.01 }) });
      pool.terminate(endMs + 1);
      run.finish(endMs + 2);
      return run.analyze().report;
    };
    const mostlyHeavy = build(40, 100); // ≈ 200 ms heavy vs a few ms light
    assert.deepEqual(
      mostlyHeavy.callSites.map((s) => s.quadrant),
      ['clear-win', 'ipc-overhead-wins'],
    );
    assert.equal(mostlyHeavy.verdict.quadrant, 'clear-win');
    assert.match(
      mostlyHeavy.verdict.sentence,
      /call sites judged "Clear win"; the largest, app\.py:20: Clear win/,
    );
    const mostlyLight = build(4, 40_000); // 20 ms heavy vs ≈ 800 ms of tiny tasks
    assert.equal(mostlyLight.verdict.quadrant, 'ipc-overhead-wins');
  });

  test("a clear win by the matrix needs an estimated speedup beyond the estimate's error", () => {
    const win = classify({
      ...emptyNumbers(),
      tasks: 40,
      computeMsPerTask: 20,
      perMessageOverheadMs: 0.2,
      computeToOverhead: 100,
      bytesPerTask: 150,
    });
    assert.equal(win.quadrant, 'clear-win');
    assert.equal(reconcile(win, CLEAR_WIN_MIN_SPEEDUP).quadrant, 'clear-win');
    assert.equal(reconcile(win, 1.5).quadrant, 'clear-win');
    const small = reconcile(win, 1.08);
    assert.deepEqual([small.quadrant, small.matrix], ['measure-first', 'clear-win']);
    assert.match(small.sentence, /^Measure first: by the matrix a clear win \(median compute 20 ms per task/);
    assert.match(
      small.sentence,
      /an estimated only 1\.08× as fast as a plain loop, a gain within the estimate's error/,
    );
    const lost = reconcile(win, 0.8);
    assert.match(lost.sentence, /ran at an estimated 0\.80× the speed of a plain loop/);
  });

  test('runVerdict ties go to the worse quadrant', () => {
    const mk = (compute: number, bytes: number): ReturnType<typeof classify> =>
      classify({
        ...emptyNumbers(),
        tasks: 10,
        computeMsPerTask: compute,
        perMessageOverheadMs: 1,
        computeToOverhead: compute,
        bytesPerTask: bytes,
      });
    const v = runVerdict([
      { id: 'a:1', wallMs: 50, verdict: mk(10, 10) },
      { id: 'b:2', wallMs: 50, verdict: mk(1, 10) },
    ]);
    assert.equal(v.quadrant, 'ipc-overhead-wins');
    approx(v.numbers.wallMs, 50, 'the quadrant total');
  });
});
