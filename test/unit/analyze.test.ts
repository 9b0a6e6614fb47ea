import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  analyze,
  appendRecords,
  buildModel,
  emptyRecords,
  loadRun,
  packRunDir,
  readRunDir,
  reportLanes,
  TraceTail,
} from '../../src/core';
import { LiveStream } from './helpers/traceWriter';
import { approx } from './helpers/approx';
import { nsNum, poolRun, repeat, SimPool, SyntheticRun, type PoolOptions } from './helpers/synthetic';

const POOL: PoolOptions = { workers: 4, startupMs: 10, deliveryMs: 0.2, pickleMs: 0.02, unpickleMs: 0.02 };

describe('report: summary and estimates', () => {
  test('sequential estimate, speedup, efficiency and utilisation follow their stated definitions', () => {
    const { run } = poolRun(
      POOL,
      { tasks: repeat(40, { computeMs: 10, bytesIn: 300, bytesOut: 100 }) },
      { cpuCount: 2 },
    );
    const { model, report } = run.analyze();
    const s = report.summary;
    const site = report.callSites[0];
    // The pool's life, from its creation to its last call's end (it is never closed here).
    const poolLife = site.wallMs + (model.calls[0].startMs - (model.pools[0].createdMs ?? NaN));
    assert.ok(poolLife > site.wallMs);
    assert.equal(s.workers, 4);
    assert.equal(s.tasks, 40);
    assert.equal(s.items, 40);
    approx(s.computeMsPerTask, 10, 'median compute');
    approx(s.bytesPerTask, 400, 'bytes per task');
    approx(s.ipcMsPerTask, 0.082, 'pickle + unpickle + write, both ways');
    approx(s.ipcShare, 0.082 / 10.082, 'ipc share');
    approx(s.startupMs, 10, 'start-up');
    approx(s.estSequentialMs, s.wallMs - poolLife + 400, "wall − pool's life + compute");
    approx(s.estSpeedup, s.estSequentialMs! / s.wallMs, 'speedup');
    approx(s.efficiency, s.estSpeedup! / 2, 'efficiency over min(4 workers, 2 CPUs)');
    approx(s.utilisation, 400 / (4 * site.wallMs), 'utilisation');
    approx(site.estSequentialMs, 400, 'site sequential = its compute');
    // The time before the pool is the program's own work, but not its multiprocessing calls there.
    const { run: withCalls } = poolRun(
      { ...POOL, atMs: 30, mainCallsBeforeMs: 12 },
      { tasks: repeat(40, { computeMs: 10, bytesIn: 300, bytesOut: 100 }) },
      { cpuCount: 2 },
    );
    const w = withCalls.analyze();
    const life = w.report.callSites[0].spanMs ?? NaN;
    approx(
      w.report.summary.estSequentialMs,
      w.report.summary.wallMs - life - 12 + 400,
      'less 12 ms of calls',
    );
    approx(site.spanMs, poolLife, 'site span: its calls and the life of the pool only it used');
    approx(site.estSpeedup, 400 / poolLife, 'site speedup');
    approx(site.efficiency, site.estSpeedup! / 2, 'site efficiency');
    approx(site.compute.cpuMs, 400, 'cpu');
    approx(site.ipc.bytesIn, 12_000, 'bytes in');
    approx(site.ipc.bytesOut, 4000, 'bytes out');
    assert.deepEqual(
      [site.api, site.poolApi, site.workers, site.chunksize, site.calls],
      ['map', 'Pool', 4, 1, 1],
    );
  });

  test("filling a shared memory block before the pool is the parallel version's cost, and a finding says so", () => {
    const tasks = repeat(40, { computeMs: 10 });
    const withBlock = (createdAtMs: number | null): ReturnType<SyntheticRun['analyze']> => {
      const run = new SyntheticRun({ cpuCount: 2 });
      if (createdAtMs !== null) {
        // Made in 1 ms (inside a multiprocessing call: `w` stands still at its start).
        run.main.meta({
          k: 'shm',
          t0: nsNum(createdAtMs),
          t: nsNum(createdAtMs + 1),
          size: 32 << 20,
          file: 'app.py',
          line: 7,
          // The main thread's CPU and time outside calls: all of it before the pool, none inside.
          c: Math.round(Math.min(createdAtMs, 105) * 1e6),
          w: nsNum(Math.min(createdAtMs, 105)),
        });
      }
      const pool = new SimPool(run, { ...POOL, atMs: 106, mainCallsBeforeMs: 1 });
      const { endMs } = pool.call({ tasks });
      pool.terminate(endMs + 1);
      run.finish(endMs + 5);
      return run.analyze();
    };
    const plain = withBlock(null).report;
    const filled = withBlock(5).report;
    // From the block's creation (returned at 6 ms) to the pool's creation (106 ms): 100 ms.
    approx(filled.summary.estSequentialMs, (plain.summary.estSequentialMs ?? NaN) - 100, 'less the fill');
    // The call site whose pool reads it: its span (what its parallel version took) holds the fill.
    const span = (r: typeof plain): number => r.callSites[0].spanMs ?? r.callSites[0].wallMs;
    approx(span(filled), span(plain) + 100, "the site's span");
    approx(filled.callSites[0].estSequentialMs, plain.callSites[0].estSequentialMs, "the site's work");
    const finding = filled.findings.find((f) => f.id === 'shared-memory-fill');
    assert.ok(finding, JSON.stringify(filled.findings));
    assert.deepEqual([finding.file, finding.line, finding.severity], ['app.py', 7, 'info']);
    assert.match(finding.message, /the 32\.0 MB shared memory block .* spent 100 ms/);
    assert.ok(!plain.findings.some((f) => f.id === 'shared-memory-fill'));
    // A block made while the pool runs fills nothing before it.
    const during = withBlock(150).report;
    approx(during.summary.estSequentialMs, plain.summary.estSequentialMs ?? NaN, 'unchanged');
    assert.ok(!during.findings.some((f) => f.id === 'shared-memory-fill'));
  });

  test("the parent's page faults after a fork are the fork's cost, each at the measured cost", () => {
    const build = (
      faultCostNs: number | null,
      faults: number | null,
    ): ReturnType<SyntheticRun['analyze']> => {
      const run = new SyntheticRun({ cpuCount: 2 });
      // The main thread's own CPU: 100 ms before the pool, 30 ms more over its life.
      const pool = new SimPool(run, { ...POOL, workers: 2, atMs: 100, mainCallsBeforeMs: 0 });
      if (faultCostNs !== null)
        run.main.meta({ k: 'fault-cost', t: nsNum(100.5), ns: faultCostNs, faults: 64 });
      const { endMs } = pool.call({ tasks: repeat(20, { computeMs: 10 }) });
      run.main.meta({
        k: 'pool-end',
        t0: nsNum(endMs + 0.5),
        t: nsNum(endMs + 1),
        pool: pool.chan,
        api: '__exit__',
        c: 130e6,
        w: nsNum(endMs + 0.5),
        ...(faults !== null ? { f: faults } : {}),
      });
      pool.terminate(endMs + 1);
      run.finish(endMs + 5);
      return run.analyze();
    };
    const plain = build(null, null).report.summary.estSequentialMs ?? NaN;
    // 1000 faults after the fork at 12 us: 12 of the 30 ms were the fork's cost.
    const faulted = build(12_000, 1000);
    assert.equal(faulted.model.faultCostMs, 0.012);
    assert.deepEqual(faulted.model.parentFaults.at(-1), [faulted.model.parentFaults.at(-1)![0], 1000]);
    approx(faulted.report.summary.estSequentialMs, plain - 12, 'less 12 ms of faults');
    // Faults read but no cost measured: nothing taken out; never more than the part's CPU.
    approx(build(null, 1000).report.summary.estSequentialMs, plain, 'no cost, no change');
    approx(build(12_000, 1e6).report.summary.estSequentialMs, plain - 30, 'at most the 30 ms');
  });

  test("a forked Process child's page faults are the fork's cost too", () => {
    const build = (faults: number | null): ReturnType<SyntheticRun['analyze']> => {
      const run = new SyntheticRun({ cpuCount: 2 });
      run.main.meta({ k: 'fault-cost', t: nsNum(0.5), ns: 10_000, faults: 64 });
      for (let i = 0; i < 4; i++) {
        const { stream, userStartMs } = run.child({ role: 'process', calledMs: 1 + i, startupMs: 5 });
        const end = userStartMs + 50;
        stream.meta({
          k: 'user-end',
          t: nsNum(end),
          wait: 0,
          blocked: 0,
          ...(faults !== null ? { faults } : {}),
        });
        stream.meta({ k: 'exit', t: nsNum(end + 1), code: 0 });
      }
      run.finish(400);
      return run.analyze();
    };
    const site = (r: ReturnType<SyntheticRun['analyze']>) => r.report.callSites[0];
    approx(site(build(null)).compute.totalMs, 200, 'four children of 50 ms');
    const faulted = build(1000);
    assert.deepEqual(
      faulted.model.processes.filter((p) => p.role === 'process').map((p) => p.faults),
      [1000, 1000, 1000, 1000],
    );
    // 1000 faults at 10 us: 10 ms of each child's 50.
    approx(site(faulted).compute.totalMs, 160, 'less 10 ms each');
  });

  test("a pool's initializer counts once: a loop builds what it builds once", () => {
    const build = (
      init: { cpuMs: number; wallMs: number; waitMs?: number }[] | null,
    ): ReturnType<SyntheticRun['analyze']> => {
      const run = new SyntheticRun({ cpuCount: 2 });
      const pool = new SimPool(run, { ...POOL, workers: 2 });
      if (init) {
        pool.workers.forEach((w, i) => {
          const at = w.readyMs;
          w.stream.meta({
            k: 'init',
            t0: nsNum(at),
            t: nsNum(at + init[i].wallMs),
            cpu: Math.round(init[i].cpuMs * 1e6),
            ...(init[i].waitMs !== undefined ? { wait: Math.round(init[i].waitMs! * 1e6) } : {}),
          });
        });
      }
      const { endMs } = pool.call({ tasks: repeat(20, { computeMs: 10 }) });
      pool.terminate(endMs + 1);
      run.finish(endMs + 5);
      return run.analyze();
    };
    const plain = build(null);
    assert.equal(plain.model.processes.filter((p) => p.init !== null).length, 0);
    // Two workers built a table: 150 and 170 ms of wall time, of which 10 and 30 ms waiting for a CPU.
    const tabled = build([
      { cpuMs: 140, wallMs: 150, waitMs: 10 },
      { cpuMs: 140, wallMs: 170, waitMs: 30 },
    ]);
    const workers = tabled.model.processes.filter((p) => p.init !== null);
    assert.deepEqual(
      workers.map((p) => [p.init!.wallMs, p.init!.cpuMs, p.init!.waitMs].map((x) => Math.round(x ?? NaN))),
      [
        [150, 140, 10],
        [170, 140, 30],
      ],
    );
    const [site, plainSite] = [tabled.report.callSites[0], plain.report.callSites[0]];
    approx(site.estSequentialMs, plainSite.estSequentialMs + 140, 'the site: once');
    approx(
      tabled.report.summary.estSequentialMs,
      (plain.report.summary.estSequentialMs ?? NaN) + 140,
      'the run: once',
    );
    // No wait read: the CPU time of a CPU-bound initializer, the wall time of one that waited.
    const noWait = build([
      { cpuMs: 100, wallMs: 120 },
      { cpuMs: 5, wallMs: 80 },
    ]).report;
    approx(noWait.callSites[0].estSequentialMs, plainSite.estSequentialMs + (100 + 80) / 2, 'median');
  });

  test('tasks whose CPU clock was not read: no CPU time, counted at the rate of those read', () => {
    // Tiny tasks read the worker's CPU clock one in 16: the others' RUN has cpu all ones.
    const tasks = [
      ...repeat(4, { computeMs: 10, cpuMs: 5 }),
      ...repeat(4, { computeMs: 10, cpuMs: null }),
      { computeMs: 20, cpuMs: null },
    ];
    const { model, report } = poolRun(POOL, { tasks }).run.analyze();
    const cpus = [...model.tasks].sort((a, b) => a.index! - b.index!).map((t) => t.cpuMs);
    assert.deepEqual(
      cpus.map((c) => (c === null ? null : Math.round(c))),
      [5, 5, 5, 5, null, null, null, null, null],
    );
    // 20 ms of CPU in the 40 ms of compute read; the other 60 ms at that rate.
    approx(report.callSites[0].compute.cpuMs, 20 + 30, 'cpu');
    approx(report.callSites[0].compute.totalMs, 100, 'compute');
    assert.deepEqual(report.callSites[0].compute.cpuSampled, { read: 4, tasks: 9 });
    const all = poolRun(POOL, { tasks: repeat(3, { computeMs: 10 }) }).run.analyze().report;
    assert.equal(all.callSites[0].compute.cpuSampled, undefined, 'every CPU time read: not sampled');
  });

  test('run header, processes, queues and managers', () => {
    const run = new SyntheticRun({ cpuCount: 6, startMethod: 'spawn' });
    const q = run.chan();
    run.main.meta({ k: 'channel', t: nsNum(1), chan: q, peer: q, api: 'Queue', file: 'app.py', line: 16 });
    const child = run.child({ role: 'process', calledMs: 2, startupMs: 60 }).stream;
    child.meta({ k: 'mgr', t: nsNum(70), method: 'list.append', t0: nsNum(70), t1: nsNum(70.5), ok: true });
    child.meta({ k: 'mgr', t: nsNum(71), method: 'list.append', t0: nsNum(71), t1: nsNum(71.3), ok: true });
    child.meta({ k: 'exit', t: nsNum(90), code: 0, cpuUser: 0.02, cpuSystem: 0.005, maxRss: 12_345_678 });
    run.finish(100);
    const { report } = run.analyze();
    assert.deepEqual(
      { ...report.run, wallMs: Math.round(report.run.wallMs) },
      {
        script: 'app.py',
        argv: ['app.py'],
        cwd: '/work',
        python: '3.11.7',
        startMethod: 'spawn',
        cpuCount: 6,
        wallMs: 100,
        startedAt: '2026-01-02T03:04:05.678Z',
        exitCode: 0,
        signal: null,
        overrides: {},
      },
    );
    const p = report.processes.find((x) => x.pid === child.pid);
    assert.ok(p);
    assert.equal(p.role, 'process');
    approx(p.startupMs, 60, 'start-up');
    approx(p.cpuMs, 25, 'cpu');
    assert.equal(p.peakRssBytes, 12_345_678);
    assert.deepEqual(report.queues, [
      {
        chan: q,
        api: 'Queue',
        file: 'app.py',
        line: 16,
        messages: 0,
        bytes: 0,
        pickleMs: 0,
        unpickleMs: 0,
        senders: [],
        receivers: [],
      },
    ]);
    assert.equal(report.managers.length, 1);
    assert.deepEqual(
      [report.managers[0].pid, report.managers[0].method, report.managers[0].calls],
      [child.pid, 'list.append', 2],
    );
    approx(report.managers[0].totalMs, 0.8, 'total');
    approx(report.managers[0].medianMs, 0.4, 'median');
    assert.equal(report.formatVersion, 1);
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(report)));
  });
});

describe('loadRun and reportLanes', () => {
  test('loads a run directory and its packed .pstrace to the same report', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-load-'));
    try {
      const run = new SyntheticRun({ cpuCount: 4 });
      const pool = new SimPool(run, POOL);
      const { endMs } = pool.call({ tasks: repeat(20, { computeMs: 3 }) });
      pool.terminate(endMs + 1);
      run.finish(endMs + 2);
      const dir = path.join(tmp, 'run');
      run.writeDir(dir);
      const file = path.join(tmp, 'run.pstrace');
      packRunDir(dir, file);
      const a = loadRun(dir);
      const b = loadRun(file);
      assert.deepEqual(b.report, a.report);
      assert.equal(a.report.summary.tasks, 20);

      const lanes = reportLanes(a.model);
      assert.equal(lanes.length, 4);
      assert.equal(
        lanes.reduce((n, l) => n + l.spans.length / 6, 0),
        20,
      );
      const t = a.model.tasks.at(0);
      const lane = lanes.find((l) => l.pid === t.workerPid);
      assert.ok(lane);
      const at = lane.spans.indexOf(t.computeStartMs as number);
      assert.deepEqual(lane.spans.slice(at - 1, at + 5), [
        t.arrivalMs,
        t.computeStartMs,
        t.computeEndMs,
        t.resultSentMs,
        0,
        1,
      ]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('live polling', () => {
  test('records accumulated over many polls give the same report as one read at the end', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-live-'));
    try {
      const run = new SyntheticRun({ cpuCount: 4 });
      const pool = new SimPool(run, POOL);
      const { endMs } = pool.call({ tasks: repeat(300, { computeMs: 0.5 }) });
      pool.terminate(endMs + 1);
      run.finish(endMs + 2);
      // Replay every stream's records into live segment files, polling between writes.
      const dir = path.join(tmp, 'run');
      fs.mkdirSync(dir, { mode: 0o700 });
      const live = run.streams.map((s) => ({
        s,
        w: new LiveStream(dir, s.pid, s.start, { segmentSize: () => 4096 }),
        next: 0,
      }));
      const tail = new TraceTail(dir);
      const acc = emptyRecords();
      let polls = 0;
      for (let round = 0; live.some((l) => l.next < l.s.records.length); round++) {
        for (const l of live) {
          for (let k = 0; k < 7 && l.next < l.s.records.length; k++) l.w.append(l.s.records[l.next++]);
        }
        appendRecords(acc, tail.poll());
        polls++;
      }
      appendRecords(acc, tail.poll());
      assert.ok(polls > 10);
      assert.ok(
        live.every((l) => l.w.segment > 0),
        'every stream rolled over to further segments',
      );
      const incremental = analyze(buildModel(acc));
      const once = analyze(buildModel(readRunDir(dir)));
      assert.deepEqual(incremental, once);
      assert.equal(incremental.summary.tasks, 300);
      assert.deepEqual(incremental.warnings, []);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
