import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toChromeTrace, type ChromeTraceEvent } from '../../src/core/export/chromeTrace';
import { ns, nsNum, poolRun, repeat } from './helpers/synthetic';

function trace(): {
  events: ChromeTraceEvent[];
  model: ReturnType<ReturnType<typeof poolRun>['run']['model']>;
} {
  const { run } = poolRun(
    { workers: 2, startupMs: 10 },
    { tasks: repeat(6, { computeMs: 5 }), crash: { worker: 1, nth: 1 } },
  );
  const q = run.chan();
  run.main.meta({ k: 'channel', t: nsNum(1), chan: q, peer: q, api: 'Queue', file: 'app.py', line: 3 });
  run.main.send({ chan: q, bytes: 10, t0: ns(2), t1: ns(2.1), t2: ns(2.2), kind: 0 });
  run.streams[1].recv({ chan: q, bytes: 10, t0: ns(12), t1: ns(12.1), kind: 0 });
  const model = run.model();
  const out = toChromeTrace(model);
  assert.equal(out.displayTimeUnit, 'ms');
  // Loads as JSON: the whole export survives a round trip.
  return { events: JSON.parse(JSON.stringify(out)).traceEvents as ChromeTraceEvent[], model };
}

describe('Chrome trace export', () => {
  test('one named process track per process, with its role', () => {
    const { events, model } = trace();
    const names = events.filter((e) => e.ph === 'M' && e.name === 'process_name');
    assert.equal(names.length, model.processes.length);
    const main = names.find((e) => e.pid === 100);
    assert.equal(main?.args?.name, 'main 100 (MainProcess)');
    assert.equal(names.filter((e) => String(e.args?.name).startsWith('pool-worker ')).length, 2);
  });

  test('per task: unpickle, compute and result pickling on the worker; pickling and unpickling on the parent', () => {
    const { events, model } = trace();
    const count = (name: string): number => events.filter((e) => e.ph === 'X' && e.name === name).length;
    assert.equal(count('compute'), 5, 'the task lost in the crash never computed');
    assert.equal(count('unpickle task'), 6);
    assert.equal(count('pickle result'), 5);
    assert.equal(count('pickle task'), 6);
    assert.equal(count('unpickle result'), 5);
    const t = model.tasks.at(0);
    const compute = events.find((e) => e.name === 'compute' && e.pid === t.workerPid);
    assert.ok(compute);
    assert.equal(compute.ts, Math.round((t.computeStartMs as number) * 1e6) / 1000, 'µs from the origin');
    assert.equal(compute.dur, 5000);
    assert.equal(compute.args?.job, t.job);
    assert.equal(compute.args?.callSite, 'app.py:12');
  });

  test('flows pair each message start with its arrival', () => {
    const { events } = trace();
    const starts = events.filter((e) => e.ph === 's');
    const ends = events.filter((e) => e.ph === 'f');
    assert.equal(starts.length, ends.length);
    assert.equal(starts.filter((e) => e.name === 'task').length, 6);
    assert.equal(starts.filter((e) => e.name === 'result').length, 5);
    assert.equal(starts.filter((e) => e.name === 'message').length, 1);
    for (const s of starts) {
      const f = ends.find((e) => e.id === s.id);
      assert.ok(f && (f.ts as number) >= (s.ts as number), `flow ${s.id} goes forward in time`);
    }
  });

  test('workers ended by a signal get an instant marker naming it', () => {
    const { events, model } = trace();
    const marks = events.filter((e) => e.ph === 'i');
    const killed = model.processes.find((p) => p.signal === 9);
    const terminated = model.processes.find((p) => p.signal === 15);
    assert.deepEqual(
      marks.map((e) => [e.name, e.pid]),
      [
        ['killed by SIGTERM', terminated?.pid],
        ['killed by SIGKILL', killed?.pid],
      ],
    );
  });

  test('complete events on one track never partially overlap (they nest or follow)', () => {
    const { events } = trace();
    const tracks = new Map<string, ChromeTraceEvent[]>();
    for (const e of events) {
      if (e.ph !== 'X') continue;
      assert.ok((e.dur as number) >= 0);
      const key = `${e.pid}/${e.tid}`;
      tracks.set(key, [...(tracks.get(key) ?? []), e]);
    }
    for (const [key, list] of tracks) {
      list.sort((a, b) => (a.ts as number) - (b.ts as number));
      for (let i = 1; i < list.length; i++) {
        const prevEnd = (list[i - 1].ts as number) + (list[i - 1].dur as number);
        const cur = list[i];
        const nested = (cur.ts as number) + (cur.dur as number) <= prevEnd;
        assert.ok((cur.ts as number) >= prevEnd - 1e-6 || nested, `overlap on ${key} at ${cur.ts}`);
      }
    }
  });
});
