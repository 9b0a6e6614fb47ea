import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildModel } from '../../src/core/live/streamModel';
import { readContainerBytes } from '../../src/core/files/container';
import { approx } from './helpers/approx';
import { ns, nsNum, poolRun, repeat, SimPool, SyntheticRun } from './helpers/synthetic';
import { encodeContainer, StreamWriter } from './helpers/traceWriter';

describe('model: processes', () => {
  test('start-up, exit status, CPU, RSS and the wall-clock origin', () => {
    const { run, pool, endMs } = poolRun(
      { workers: 2, startupMs: [40, 60], atMs: 1 },
      { tasks: repeat(4, { computeMs: 10 }) },
      { mainPid: 500 },
    );
    const m = run.model();
    assert.deepEqual(m.warnings, []);
    assert.equal(m.startedAt, '2026-01-02T03:04:05.678Z');
    approx(m.wallMs, endMs + 5, 'wall = main exit');
    const main = m.processes[m.mainProcess];
    assert.equal(main.pid, 500);
    assert.equal(main.role, 'main');
    assert.equal(main.exitCode, 0);
    approx(main.cpuMs, 60, 'cpuUser + cpuSystem');
    assert.equal(main.peakRssBytes, 30_000_000);
    const workers = m.processes.filter((p) => p.role === 'pool-worker');
    assert.equal(workers.length, 2);
    approx(workers[0].startupMs, 40, 'worker 1 start-up');
    approx(workers[1].startupMs, 60, 'worker 2 start-up');
    assert.equal(workers[0].startupWaitMs, null, 'no wait read: nothing left out');
    assert.equal(workers[0].parent, m.mainProcess);
    assert.equal(workers[0].pool, 0);
    // Pool.terminate(): SIGTERM as the parent saw it.
    assert.deepEqual([workers[0].signal, workers[0].exitCode], [15, null]);
    approx(workers[0].endMs, endMs + 1.5, 'reaped time');
    assert.equal(pool.workers.length, 2);
  });

  test("a start-up leaves out the new process's wait for a CPU (user-start `wait`)", () => {
    const { run } = poolRun(
      { workers: 2, startupMs: [120, 30], startupWaitMs: 80, atMs: 1 },
      {
        tasks: repeat(2, { computeMs: 10 }),
      },
    );
    const workers = run.model().processes.filter((p) => p.role === 'pool-worker');
    approx(workers[0].startupMs, 40, '120 ms to user code, 80 of them waiting');
    approx(workers[0].startupWaitMs, 80, 'the wait');
    // A wait longer than the span (clocks read apart) leaves a start-up of 0, not a negative one.
    assert.equal(workers[1].startupMs, 0);
  });

  test('a child killed before its agent started is known from its parent alone', () => {
    const run = new SyntheticRun();
    run.main.meta({
      k: 'start',
      t: nsNum(5),
      child: 999,
      t0: nsNum(5),
      t1: nsNum(6),
      name: 'Process-1',
      startMethod: 'spawn',
    });
    run.main.meta({ k: 'reaped', t: nsNum(20), child: 999, code: -9 });
    run.finish(30);
    const m = run.model();
    const p = m.processes.find((x) => x.pid === 999);
    assert.ok(p);
    assert.equal(p.stream, null);
    assert.equal(p.signal, 9);
    assert.equal(p.name, 'Process-1');
    approx(p.startCalledMs, 5, 'start called');
    assert.equal(p.startupMs, null);
  });

  test('a reused pid is two processes, each matched to its own start() and reaping', () => {
    const run = new SyntheticRun();
    const mk = (startMs: number): StreamWriter => {
      const s = new StreamWriter(777, ns(startMs));
      s.meta({
        k: 'process',
        t: nsNum(startMs),
        pid: 777,
        ppid: 100,
        parentPid: 100,
        role: 'process',
        agentStart: nsNum(startMs),
      });
      s.meta({ k: 'user-start', t: nsNum(startMs + 2) });
      run.streams.push(s);
      return s;
    };
    run.main.meta({ k: 'start', t: nsNum(10), child: 777, t0: nsNum(10), t1: nsNum(11) });
    mk(13).meta({ k: 'exit', t: nsNum(20), code: 0 });
    run.main.meta({ k: 'reaped', t: nsNum(21), child: 777, code: 0 });
    run.main.meta({ k: 'start', t: nsNum(30), child: 777, t0: nsNum(30), t1: nsNum(31) });
    mk(34);
    run.main.meta({ k: 'reaped', t: nsNum(50), child: 777, code: 3 });
    run.finish(60);
    const procs = run.model().processes.filter((p) => p.pid === 777);
    assert.equal(procs.length, 2);
    approx(procs[0].startupMs, 5, 'first start-up (10 → 15)');
    approx(procs[1].startupMs, 6, 'second start-up (30 → 36)');
    assert.deepEqual([procs[0].exitCode, procs[1].exitCode], [0, 3]);
  });
});

describe('model: tasks joined across processes', () => {
  test('every field of a Pool task comes from the right record', () => {
    const run = new SyntheticRun();
    const pool = new SimPool(run, {
      workers: 2,
      startupMs: 50,
      deliveryMs: 0.25,
      pickleMs: 0.03,
      unpickleMs: 0.04,
    });
    // Dispatch after the workers are up, spaced so that each finds an idle worker.
    pool.call({
      atMs: 100,
      chunksize: 5,
      dispatchGapMs: 20,
      tasks: [
        { computeMs: 7, cpuMs: 6.5, items: 5, bytesIn: 1234, bytesOut: 567 },
        { computeMs: 3, items: 5, bytesIn: 99, bytesOut: 11, error: 'boom' },
      ],
    });
    pool.terminate(200);
    run.finish(210);
    const m = run.model();
    assert.equal(m.tasks.length, 2);
    assert.equal(m.calls.length, 1);
    const [a, b] = m.tasks;
    const w1 = m.processes.find((p) => p.pid === pool.workers[0].stream.pid);
    assert.ok(w1);
    assert.equal(a.pool, 0);
    assert.equal(a.call, 0);
    assert.deepEqual([a.job, a.index, a.items, a.bytesIn, a.bytesOut], [0, 0, 5, 1234, 567]);
    assert.equal(a.workerPid, w1.pid);
    assert.equal(a.parentPid, 100);
    approx(a.pickleStartMs, 100.01, 'pickle start');
    approx(a.pickleInMs, 0.03, 'pickle in');
    approx(a.writeInMs, 0.001, 'write in');
    approx(a.dispatchMs, 100.041, 'dispatch');
    approx(a.arrivalMs, 100.29, 'arrival = end of pickling + delivery');
    approx(a.unpickleInMs, 0.04, 'unpickle in');
    approx(a.computeStartMs, 100.33, 'compute start');
    approx(a.computeEndMs, 107.33, 'compute end');
    approx(a.cpuMs, 6.5, 'cpu');
    approx(a.pickleOutMs, 0.03, 'pickle out');
    approx(a.resultSentMs, 107.361, 'result sent');
    approx(a.resultArrivalMs, 107.61, 'result arrival');
    approx(a.unpickleOutMs, 0.04, 'unpickle out');
    assert.equal(a.ok, true);
    assert.equal(a.state, 'done');
    assert.equal(a.error, null);
    assert.equal(b.ok, false);
    assert.equal(b.state, 'failed');
    assert.equal(b.error, 'ValueError: boom');
    assert.equal(b.index, 1);
  });

  test('executor tasks are keyed by work_id', () => {
    const run = new SyntheticRun();
    const ex = new SimPool(run, { workers: 2, poolApi: 'ProcessPoolExecutor' });
    ex.call({ api: 'submit', chunksize: null, tasks: repeat(3, { computeMs: 5 }) });
    ex.call({ api: 'submit', chunksize: null, tasks: repeat(2, { computeMs: 5 }) });
    ex.terminate(500);
    run.finish(510);
    const m = run.model();
    assert.equal(m.pools[0].api, 'ProcessPoolExecutor');
    assert.deepEqual(
      [...m.tasks].map((t) => [t.job, t.index, t.call, t.state]),
      [
        [0, -1, 0, 'done'],
        [1, -1, 0, 'done'],
        [2, -1, 0, 'done'],
        [3, -1, 1, 'done'],
        [4, -1, 1, 'done'],
      ],
    );
    assert.ok(m.processes.filter((p) => p.role === 'executor-worker').every((p) => p.exitCode === 0));
  });

  test('a worker SIGKILLed mid-task leaves that task received but in flight at the crash', () => {
    const { run } = poolRun(
      { workers: 2 },
      { tasks: repeat(6, { computeMs: 10 }), crash: { worker: 1, nth: 1 } },
    );
    const m = run.model();
    const lost = [...m.tasks].filter((t) => t.inFlightAtCrash);
    assert.equal(lost.length, 1);
    const t = lost[0];
    assert.equal(t.state, 'received');
    assert.notEqual(t.arrivalMs, null);
    assert.equal(t.computeStartMs, null, 'no RUN record');
    assert.equal(t.resultSentMs, null, 'no result');
    const worker = m.processes[t.worker];
    assert.equal(worker.signal, 9);
    assert.equal(
      [...m.tasks].filter((x) => x.state === 'done').length,
      5,
      'the other tasks went to the live worker',
    );
  });

  test('results link even when no `pool` META named the result pipe', () => {
    const { run } = poolRun({ workers: 2 }, { tasks: repeat(4, { computeMs: 2 }) });
    const streams = run.streams.map((s) => {
      if (s !== run.main) return s;
      const copy = new StreamWriter(s.pid, s.start);
      for (const r of s.records) {
        const text = new TextDecoder().decode(r.subarray(8));
        copy.records.push(text.includes('"k":"pool"') ? reencodePool(text) : r);
      }
      return copy;
    });
    const m = buildModel(readContainerBytes(encodeContainer(streams)));
    assert.equal(m.tasks.length, 4);
    assert.ok([...m.tasks].every((t) => t.state === 'done'));
    assert.deepEqual(m.warnings, []);
  });

  test('a task pipe no `pool` META names becomes a placeholder pool, with a warning', () => {
    const { run } = poolRun({ workers: 1 }, { tasks: repeat(2, { computeMs: 2 }) });
    const streams = run.streams.map((s) => {
      const copy = new StreamWriter(s.pid, s.start);
      copy.records.push(
        ...s.records.filter((r) => !new TextDecoder().decode(r.subarray(8)).includes('"k":"pool"')),
      );
      return copy;
    });
    const m = buildModel(readContainerBytes(encodeContainer(streams)));
    assert.equal(m.pools.length, 1);
    assert.equal(m.pools[0].file, null);
    assert.equal(m.tasks.length, 2);
    assert.ok(
      [...m.tasks].every((t) => t.state === 'done'),
      'results still join through the worker',
    );
    assert.equal(m.warnings.length, 1);
    assert.match(m.warnings[0], /no `pool` record for task channel/);
  });
});

function reencodePool(text: string): Uint8Array {
  const obj = JSON.parse(text.replace(/\0+$/, '')) as Record<string, unknown>;
  delete obj.resultChan;
  return new StreamWriter(0, 0n).meta(obj).records[0];
}

describe('model: queue and pipe messages', () => {
  test('a Queue with two producers is paired in write order, with sender and receiver pids', () => {
    const run = new SyntheticRun();
    const q = run.chan();
    run.main.meta({ k: 'channel', t: nsNum(1), chan: q, peer: q, api: 'Queue', file: 'app.py', line: 16 });
    const a = run.child({ role: 'process', calledMs: 2, startupMs: 5 }).stream;
    const b = run.child({ role: 'process', calledMs: 3, startupMs: 5 }).stream;
    const c = run.child({ role: 'process', calledMs: 4, startupMs: 5 }).stream;
    const put = (s: StreamWriter, at: number, bytes: number): void => {
      s.send({ chan: q, bytes, t0: ns(at), t1: ns(at + 0.01), t2: ns(at + 0.02), kind: 0 });
    };
    put(a, 20, 10);
    put(b, 21, 20);
    put(a, 22, 30);
    for (const [i, at] of [25, 26, 27].entries()) {
      c.recv({ chan: q, bytes: [10, 20, 30][i], t0: ns(at), t1: ns(at + 0.05), kind: 0 });
    }
    run.finish(40);
    const m = run.model();
    assert.equal(m.channels.length, 1);
    assert.equal(m.channels[0].api, 'Queue');
    const pid = (i: number): number => m.processes[i].pid;
    assert.deepEqual(
      m.messages.map((x) => [pid(x.sender), pid(x.receiver), x.bytes]),
      [
        [a.pid, c.pid, 10],
        [b.pid, c.pid, 20],
        [a.pid, c.pid, 30],
      ],
    );
    approx(m.messages[1].unpickleMs, 0.05, 'unpickle');
    approx(m.messages[1].arrivalMs, 26, 'arrival');
  });

  test('a duplex Pipe: a message sent on one end is received on the other', () => {
    const run = new SyntheticRun();
    const [end1, end2] = [run.chan(), run.chan()];
    run.main.meta({
      k: 'channel',
      t: nsNum(1),
      chan: end1,
      peer: end2,
      api: 'Pipe',
      file: 'app.py',
      line: 5,
    });
    const child = run.child({ role: 'process', calledMs: 2, startupMs: 5 }).stream;
    run.main.send({ chan: end1, bytes: 111, t0: ns(10), t1: ns(10.1), t2: ns(10.2), kind: 0 });
    child.recv({ chan: end2, bytes: 111, t0: ns(10.5), t1: ns(10.6), kind: 0 });
    child.send({ chan: end2, bytes: 222, t0: ns(11), t1: ns(11.1), t2: ns(11.2), kind: 0 });
    run.main.recv({ chan: end1, bytes: 222, t0: ns(11.5), t1: ns(11.6), kind: 0 });
    run.finish(20);
    const m = run.model();
    assert.equal(m.channels.length, 1, 'both ends are one channel');
    const pid = (i: number): number => m.processes[i].pid;
    assert.deepEqual(
      m.messages.map((x) => [x.sendChan, pid(x.sender), pid(x.receiver), x.bytes]),
      [
        [end1, 100, child.pid, 111],
        [end2, child.pid, 100, 222],
      ],
    );
  });

  test('a message still in the pipe has no receiver', () => {
    const run = new SyntheticRun();
    const q = run.chan();
    run.main.send({ chan: q, bytes: 5, t0: ns(1), t1: ns(2), t2: ns(3), kind: 0 });
    run.finish(4);
    const m = run.model();
    assert.equal(m.messages.length, 1);
    assert.equal(m.messages[0].receiver, -1);
    assert.equal(m.channels[0].api, null);
  });
});

describe('model: Manager calls, agent findings and errors', () => {
  test('are carried into the model', () => {
    const run = new SyntheticRun();
    const w = run.child({ role: 'process', calledMs: 1, startupMs: 5 }).stream;
    w.meta({ k: 'mgr', t: nsNum(10), method: 'list.append', t0: nsNum(10), t1: nsNum(10.4), ok: true });
    run.main.meta({
      k: 'finding',
      t: nsNum(2),
      id: 'missing-main-guard',
      file: 'app.py',
      line: 3,
      message: 'no guard',
    });
    run.main.meta({ k: 'agent-error', t: nsNum(3), message: 'hook failed' });
    run.finish(20);
    const m = run.model();
    assert.equal(m.managerCalls.length, 1);
    approx(m.managerCalls[0].durationMs, 0.4, 'round trip');
    assert.equal(m.managerCalls[0].method, 'list.append');
    assert.deepEqual(
      m.agentFindings.map((f) => [f.id, f.file, f.line]),
      [['missing-main-guard', 'app.py', 3]],
    );
    assert.deepEqual(m.warnings, ['agent error in pid 100: hook failed']);
  });
});
