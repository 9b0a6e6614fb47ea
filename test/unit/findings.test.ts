import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Finding, Report } from '../../src/core/report/report';
import { approx } from './helpers/approx';
import {
  ns,
  nsNum,
  poolRun,
  repeat,
  SimPool,
  SyntheticRun,
  type PoolOptions,
  type TaskSpec,
} from './helpers/synthetic';
import type { StreamWriter } from './helpers/traceWriter';

// Overhead 0.24 ms per message (0.2 delivery + 0.04 pickling); start-up 10 ms (see verdict.test.ts).
const POOL: PoolOptions = { workers: 4, startupMs: 10, deliveryMs: 0.2, pickleMs: 0.02, unpickleMs: 0.02 };

function report(tasks: TaskSpec[], pool = POOL, cpuCount = 8, chunksize: number | null = 1): Report {
  return poolRun(pool, { tasks, chunksize }, { cpuCount }).run.analyze().report;
}
const find = (r: Report, id: string): Finding[] => r.findings.filter((f) => f.id === id);

describe('finding: tasks-too-short', () => {
  test("fires below 5× the overhead, suggesting the what-if model's best chunksize", () => {
    const r = report(repeat(10_000, { computeMs: 0.011 }));
    const [f] = find(r, 'tasks-too-short');
    assert.ok(f);
    assert.equal(f.severity, 'warning');
    assert.deepEqual([f.file, f.line, f.callSiteId], ['app.py', 12, 'app.py:12']);
    const site = r.callSites[0];
    const best = site.whatIf?.bestChunksize;
    assert.ok(
      best !== null && best !== undefined && best > 1 && best <= 625,
      `best ${best}, cap ceil(10000 / 16)`,
    );
    assert.equal(site.suggestedChunksize, best);
    const point = site.whatIf?.chunksizes.find((p) => p.chunksize === best);
    assert.ok(
      point && point.wallMs < 0.5 * (site.whatIf?.recorded.wallMs ?? 0),
      'batching is predicted to pay',
    );
    const messages = Math.ceil(10_000 / best).toLocaleString('en-US');
    assert.match(
      f.advice,
      new RegExp(
        `^Pass chunksize=${best} to map\\(\\): 10,000 items go in ${messages} task messages \\(and as many results\\) ` +
          "instead of 10,000\\. Replaying this run's costs, the what-if model predicts [0-9.]+ m?s for this call site",
      ),
    );
    assert.match(f.message, /only 0\.05× the fixed cost of a message, 0\.24 ms/);
  });

  test('the chunksize is capped so that every worker still gets 4 chunks', () => {
    const r = report(repeat(1000, { computeMs: 0.011 }));
    const s = r.callSites[0].suggestedChunksize;
    assert.ok(s !== undefined && s > 1 && s <= 63, `${s} ≤ ceil(1000 / (4 × 4))`);
  });

  test('chunks count their items: compute per item is what is scaled', () => {
    // 100 chunks of 10 items, 0.11 ms per chunk → 0.011 ms per item, as above.
    const r = report(repeat(100, { computeMs: 0.11, items: 10 }), POOL, 8, 10);
    assert.equal(r.callSites[0].items, 1000);
    const s = r.callSites[0].suggestedChunksize;
    assert.ok(s !== undefined && s > 10 && s <= 63, `${s}`);
  });

  test('when batching cannot help, says so and suggests no chunksize', () => {
    const r = report(repeat(8, { computeMs: 0.011 }));
    const [f] = find(r, 'tasks-too-short');
    assert.match(f.advice, /^Batching cannot fix it here: 8 items over 4 workers/);
    assert.equal(r.callSites[0].suggestedChunksize, undefined);
  });

  test('does not fire at 5.2× the overhead', () => {
    assert.deepEqual(find(report(repeat(200, { computeMs: 1.25 })), 'tasks-too-short'), []);
  });

  test('apply_async / submit: advises batching into lists', () => {
    const { run } = poolRun(
      POOL,
      { api: 'apply_async', chunksize: null, tasks: repeat(500, { computeMs: 0.011 }) },
      { cpuCount: 8 },
    );
    assert.match(
      find(run.analyze().report, 'tasks-too-short')[0].advice,
      /^Batch the items into lists of 32 and make one apply_async\(\) call per batch/,
    );
  });
});

describe('finding: large-payload', () => {
  test('fires at 1 MiB per task and not one byte below (when serialization is cheap)', () => {
    const at = report(repeat(40, { computeMs: 6, bytesIn: 1024 * 1024 - 50, bytesOut: 50 }));
    const [f] = find(at, 'large-payload');
    assert.ok(f);
    assert.match(f.message, /^Each task moves 1\.0 MB/);
    assert.match(f.advice, /multiprocessing\.shared_memory/);
    assert.match(f.advice, /numpy\.memmap/);
    const below = report(repeat(40, { computeMs: 6, bytesIn: 1024 * 1024 - 51, bytesOut: 50 }));
    assert.deepEqual(find(below, 'large-payload'), []);
  });

  test('fires when serialization is ≥ 20 % of compute for payloads ≥ 64 KiB', () => {
    const task = (ser: number): TaskSpec => ({
      computeMs: 10,
      bytesIn: 100_000,
      pickleInMs: ser,
      unpickleInMs: ser,
    });
    // per task: 2 × ser + 0.04 (result) against 10 ms of compute
    assert.equal(find(report(repeat(40, task(0.99))), 'large-payload').length, 1); // 20.2 %
    assert.equal(find(report(repeat(40, task(0.97))), 'large-payload').length, 0); // 19.8 %
  });

  test('does not fire for tiny payloads, however slow their fixed cost', () => {
    const r = report(repeat(40, { computeMs: 0.05, bytesIn: 1000, pickleInMs: 0.5, unpickleInMs: 0.5 }));
    assert.deepEqual(find(r, 'large-payload'), []);
  });

  test('fires for a queue carrying ≥ 1 MiB per message', () => {
    const run = new SyntheticRun();
    const q = run.chan();
    run.main.meta({ k: 'channel', t: nsNum(1), chan: q, peer: q, api: 'Queue', file: 'video.py', line: 8 });
    const w = run.child({ role: 'process', calledMs: 2, startupMs: 5 }).stream;
    for (let i = 0; i < 3; i++) {
      run.main.send({
        chan: q,
        bytes: 50_000_000,
        t0: ns(10 + i * 500),
        t1: ns(300 + i * 500),
        t2: ns(400 + i * 500),
        kind: 0,
      });
      w.recv({ chan: q, bytes: 50_000_000, t0: ns(400 + i * 500), t1: ns(450 + i * 500), kind: 0 });
    }
    run.finish(2000);
    const [f] = find(run.analyze().report, 'large-payload');
    assert.deepEqual([f.file, f.line], ['video.py', 8]);
    assert.match(
      f.message,
      /Queue at video\.py:8 carried 3 messages of 47\.7 MB on average; pickling and unpickling them took 1\.02 s/,
    );
  });
});

describe('finding: startup-dominated', () => {
  test('fires when compute per worker is below 5× the start-up, not above', () => {
    const below = find(report(repeat(40, { computeMs: 4.8 })), 'startup-dominated');
    assert.equal(below.length, 1);
    assert.match(
      below[0].message,
      /^Starting a worker took 10 ms; each worker then computed 48 ms in all \(4\.80× its start-up/,
    );
    assert.match(below[0].advice, /reuse it/);
    assert.deepEqual(find(report(repeat(40, { computeMs: 5.2 })), 'startup-dominated'), []);
  });

  test('a pool reused by a later, small call does not charge that call its start-up again', () => {
    const run = new SyntheticRun({ cpuCount: 8 });
    const pool = new SimPool(run, POOL);
    pool.call({ line: 20, tasks: repeat(100, { computeMs: 10 }) });
    pool.call({ line: 30, tasks: repeat(4, { computeMs: 2 }) });
    pool.terminate(10_000);
    run.finish(10_001);
    const r = run.analyze().report;
    assert.deepEqual(find(r, 'startup-dominated'), []);
    assert.equal(r.callSites[1].verdict.compute, 'heavy', 'rule (b) is judged per pool');
  });

  test('a pool per small job (one per loop iteration) is flagged', () => {
    const run = new SyntheticRun({ cpuCount: 8 });
    let at = 1;
    for (let i = 0; i < 3; i++) {
      const pool = new SimPool(run, { ...POOL, atMs: at });
      const { endMs } = pool.call({ line: 40, tasks: repeat(8, { computeMs: 3 }) });
      pool.terminate(endMs + 1);
      at = endMs + 2;
    }
    run.finish(at + 1);
    const r = run.analyze().report;
    assert.equal(r.callSites.length, 1);
    assert.equal(r.callSites[0].calls, 3);
    assert.equal(find(r, 'startup-dominated').length, 1);
    approx(r.callSites[0].verdict.numbers.computePerWorkerMs, 6, 'per worker, over 12 worker processes');
  });

  test('Process children that work less than 5× their start-up are flagged', () => {
    const build = (workMs: number): Report => {
      const run = new SyntheticRun();
      for (let i = 0; i < 4; i++) {
        const { stream, userStartMs } = run.child({ role: 'process', calledMs: 1 + i, startupMs: 50 });
        stream.meta({ k: 'exit', t: nsNum(userStartMs + workMs), code: 0 });
      }
      run.finish(400);
      return run.analyze().report;
    };
    assert.equal(find(build(240), 'startup-dominated').length, 1); // 4.8×
    assert.deepEqual(find(build(260), 'startup-dominated'), []); // 5.2×, and 50 / 400 = 12.5 % of the wall
  });
});

describe('finding: load-imbalance', () => {
  test('fires when the busiest worker is ≥ 1.25× the mean, even with no tail', () => {
    // Worker 2 starts 40 ms late: worker 1 computes 8 tasks of 10 ms, worker 2 four.
    const r = report(repeat(12, { computeMs: 10 }), { ...POOL, workers: 2, startupMs: [10, 50] });
    const [f] = find(r, 'load-imbalance');
    assert.ok(f);
    assert.match(
      f.message,
      /^The busiest worker computed 80 ms against a mean of 60 ms over 2 workers \(1\.33×\)/,
    );
    assert.match(f.advice, /^Tasks already go out one at a time.*sort by expected cost/);
  });

  test('with chunks of several items, advises a smaller chunksize', () => {
    const tasks = repeat(12, { computeMs: 10, items: 5 });
    const r = report(tasks, { ...POOL, workers: 2, startupMs: [10, 50] }, 8, 5);
    assert.match(find(r, 'load-imbalance')[0].advice, /^Use a smaller chunksize/);
  });

  test('does not fire at 1.17× with no tail', () => {
    const r = report(repeat(12, { computeMs: 10 }), { ...POOL, workers: 2, startupMs: [10, 30] });
    assert.deepEqual(find(r, 'load-imbalance'), []);
  });

  test('fires when one worker alone is busy for ≥ 20 % of the call, not below', () => {
    const pool = { ...POOL, workers: 2 };
    // The call starts while the workers boot (until ≈ 11 ms): tail 5.9 ms of a 26.1 ms call (22.6 %),
    // while the busiest worker is only 1.23× the mean.
    const long = find(report([{ computeMs: 16 }, { computeMs: 10 }], pool), 'load-imbalance');
    assert.equal(long.length, 1);
    assert.match(
      long[0].message,
      /\(1\.23×\), and for 23 % of the calls' wall time \(5\.9 ms\) only one worker/,
    );
    // 3.9 ms of 24.1 ms (16.2 %), 1.17×.
    assert.deepEqual(find(report([{ computeMs: 14 }, { computeMs: 10 }], pool), 'load-imbalance'), []);
  });

  test('is not judged where compute is a negligible part of the wall time', () => {
    const r = report(repeat(12, { computeMs: 0.01 }), { ...POOL, workers: 2, startupMs: [10, 50] });
    assert.deepEqual(find(r, 'load-imbalance'), []);
  });
});

describe('finding: oversubscribed', () => {
  test('fires when more workers compute at once than there are CPUs', () => {
    const r = report(repeat(8, { computeMs: 20 }), POOL, 2);
    const [f] = find(r, 'oversubscribed');
    assert.ok(f);
    assert.match(f.message, /^Up to 4 workers computed at once .* on 2 CPUs/);
    assert.deepEqual([f.file, f.line], ['app.py', 12]);
    assert.deepEqual(find(report(repeat(8, { computeMs: 20 }), POOL, 4), 'oversubscribed'), []);
  });

  test('gives the CPU share of the tasks whose CPU clock was read', () => {
    const tasks = [...repeat(2, { computeMs: 20, cpuMs: 10 }), ...repeat(6, { computeMs: 20, cpuMs: null })];
    const [f] = find(report(tasks, POOL, 2), 'oversubscribed');
    assert.match(
      f.message,
      /the 2 of 8 tasks whose CPU time was read got 20(\.0)? ms of CPU in 40(\.0)? ms .*\(50 ?%\)/,
    );
    const none = find(report(repeat(8, { computeMs: 20, cpuMs: null }), POOL, 2), 'oversubscribed');
    assert.match(none[0].message, /on 2 CPUs\.$/);
  });
});

describe('finding: worker-crashed', () => {
  test('names the signal and the task in flight', () => {
    const { run } = poolRun(
      POOL,
      { tasks: repeat(8, { computeMs: 10 }), crash: { worker: 2, nth: 0 } },
      { cpuCount: 8 },
    );
    const r = run.analyze().report;
    const crashed = find(r, 'worker-crashed');
    assert.equal(crashed.length, 1, 'the other workers ended by Pool.terminate() are not crashes');
    assert.equal(crashed[0].severity, 'error');
    assert.match(
      crashed[0].message,
      /^pool-worker pid \d+ \(pool at app\.py:10\) was killed by SIGKILL while running task job 0, chunk 2 of map\(\) at app\.py:12/,
    );
    assert.match(crashed[0].advice, /out-of-memory killer/);
    assert.deepEqual([crashed[0].file, crashed[0].line], ['app.py', 12]);
    assert.equal(r.findings[0].id, 'worker-crashed', 'errors come first');
  });

  test('a Process child exiting with code 1 is reported; the main exit code is not', () => {
    const run = new SyntheticRun();
    const { stream } = run.child({ role: 'process', calledMs: 1, startupMs: 5 });
    stream.meta({ k: 'exit', t: nsNum(30), code: 1 });
    run.main.meta({ k: 'reaped', t: nsNum(31), child: stream.pid, code: 1 });
    run.finish(40, 3);
    const r = run.analyze().report;
    const crashed = find(r, 'worker-crashed');
    assert.equal(crashed.length, 1);
    assert.match(crashed[0].message, /^process pid \d+ exited with code 1\.$/);
    assert.equal(r.run.exitCode, 3);
  });

  test('a clean run has none', () => {
    assert.deepEqual(find(report(repeat(8, { computeMs: 10 })), 'worker-crashed'), []);
  });
});

describe('finding: frequent-coordination', () => {
  function managerRun(calls: number, eachMs: number, lifeMs = 1000): Report {
    const run = new SyntheticRun();
    const { stream, userStartMs } = run.child({ role: 'process', calledMs: 1, startupMs: 5 });
    for (let i = 0; i < calls; i++) {
      const t = userStartMs + 1 + i * (eachMs + 1);
      stream.meta({
        k: 'mgr',
        t: nsNum(t),
        method: 'dict.get',
        t0: nsNum(t),
        t1: nsNum(t + eachMs),
        ok: true,
      });
    }
    stream.meta({ k: 'exit', t: nsNum(userStartMs + lifeMs), code: 0 });
    run.finish(lifeMs + 50);
    return run.analyze().report;
  }

  test('fires at ≥ 10 calls per second per worker, not at 9', () => {
    const [f] = find(managerRun(10, 0.1), 'frequent-coordination');
    assert.ok(f);
    assert.match(
      f.message,
      /^Workers made 10 Manager calls \(dict\.get ×10\); pid \d+ made 10\.0 per second/,
    );
    assert.deepEqual(find(managerRun(9, 0.1), 'frequent-coordination'), []);
  });

  test('a short life does not inflate the rate (rates are taken over ≥ 1 s)', () => {
    assert.deepEqual(find(managerRun(5, 0.1, 100), 'frequent-coordination'), []);
  });

  test("fires when round trips are ≥ 5 % of the workers' compute, not below", () => {
    assert.equal(find(managerRun(3, 17), 'frequent-coordination').length, 1); // 51 ms of 1000
    assert.deepEqual(find(managerRun(3, 16), 'frequent-coordination'), []); // 48 ms
  });

  test('points at the call site whose tasks made the calls', () => {
    const run = new SyntheticRun({ cpuCount: 8 });
    const pool = new SimPool(run, POOL);
    pool.call({ line: 77, tasks: repeat(8, { computeMs: 50 }) });
    pool.terminate(1000);
    run.finish(1001);
    const model = run.model();
    // Each worker checks a shared flag 30 times during its first task.
    const calls: StreamWriter[] = pool.workers.map((w) => w.stream);
    for (const [wi, s] of calls.entries()) {
      const t = [...model.tasks].find((x) => x.workerPid === s.pid);
      assert.ok(t && t.computeStartMs !== null, `worker ${wi} ran a task`);
      for (let i = 0; i < 30; i++) {
        const at = t.computeStartMs + 1 + i;
        s.meta({
          k: 'mgr',
          t: nsNum(at),
          method: 'Event.is_set',
          t0: nsNum(at),
          t1: nsNum(at + 0.2),
          ok: true,
        });
      }
    }
    const [f] = find(run.analyze().report, 'frequent-coordination');
    assert.deepEqual([f.file, f.line, f.callSiteId], ['app.py', 77, 'app.py:77']);
  });
});

describe('finding: task-errors and missing-main-guard', () => {
  test('task-errors counts the failures and quotes the first', () => {
    const tasks = repeat(10, { computeMs: 5 });
    tasks[3].error = 'bad input 3';
    tasks[7].error = 'bad input 7';
    const r = report(tasks);
    const [f] = find(r, 'task-errors');
    assert.equal(f.severity, 'error');
    assert.equal(f.message, '2 of 10 tasks raised an exception; the first: ValueError: bad input 3.');
    assert.equal(r.callSites[0].errors, 2);
    assert.deepEqual(find(report(repeat(10, { computeMs: 5 })), 'task-errors'), []);
  });

  test('missing-main-guard passes through from the agent with its place and the fix', () => {
    const run = new SyntheticRun({ startMethod: 'spawn' });
    run.main.meta({
      k: 'finding',
      t: nsNum(5),
      id: 'missing-main-guard',
      file: 'app.py',
      line: 4,
      message: 'Pool() ran while a child imported the main module',
    });
    run.finish(10);
    const [f] = find(run.analyze().report, 'missing-main-guard');
    assert.deepEqual([f.severity, f.file, f.line], ['error', 'app.py', 4]);
    assert.equal(f.message, 'Pool() ran while a child imported the main module');
    assert.match(f.advice, /if __name__ == "__main__":/);
  });
});

describe('finding: uninstrumented-children', () => {
  const unprofiled = (run: SyntheticRun, pid: number, name: string, line: number): void => {
    run.main.meta({
      k: 'start',
      t: nsNum(2),
      child: pid,
      t0: nsNum(1),
      t1: nsNum(2),
      name,
      startMethod: 'subprocess',
      role: 'uninstrumented',
      file: 'app.py',
      line,
    });
  };

  test('names the commands of child Pythons that ran without the agent, and how many', () => {
    const run = new SyntheticRun();
    unprofiled(run, 90001, '/usr/bin/python3 worker.py', 7);
    unprofiled(run, 90002, '/usr/bin/python3 worker.py', 7);
    unprofiled(run, 90003, 'python3 -c pass', 9);
    run.finish(40, 0);
    const r = run.analyze().report;
    assert.equal(r.verdict.quadrant, 'no-parallel-work');
    const [f] = find(r, 'uninstrumented-children');
    assert.ok(f, JSON.stringify(r.findings));
    assert.equal(f.severity, 'warning');
    assert.deepEqual([f.file, f.line], ['app.py', 7]);
    assert.equal(
      f.message,
      '3 child Python processes ran without PoolScope: 2× /usr/bin/python3 worker.py; 1× python3 -c pass. ' +
        'What they computed and sent is not in this report.',
    );
    assert.equal(r.summary.workers, 0, 'they are no pool workers');
  });

  test('a run whose children all ran under the agent has none', () => {
    assert.deepEqual(find(report(repeat(8, { computeMs: 10 })), 'uninstrumented-children'), []);
  });
});
