// The live panel's model is joined as the records arrive (StreamModel), not from every record at
// each tick. At every tick it must be the model buildModel makes of the records read so far (in
// the order the polls read them, as the live panel joined them before), but for the order of its
// task rows: an interim model keeps them in the order they were met (the panel finds tasks by key).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { appendRecords, buildModel, emptyRecords, TraceTail } from '../../src/core';
import { LiveIngest } from '../../src/host/run/liveIngest';
import { TaskMirror, taskPatch } from '../../src/core/model/taskPatch';
import { TaskDeltas } from '../../src/host/panels/viewRows';
import type { TaskColumns } from '../../src/shared/protocol';
import { modelSnapshot } from './helpers/modelSnapshot';
import { errorAndCrashRun, poolRun, repeat, SimPool, SyntheticRun } from './helpers/synthetic';
import { LiveStream, type StreamWriter } from './helpers/traceWriter';

/** Fails with where two model snapshots first differ (they are long). */
function assertSame(actual: string, expected: string, label: string): void {
  if (actual === expected) return;
  let at = 0;
  while (actual[at] === expected[at]) at++;
  const around = (x: string): string => x.slice(Math.max(0, at - 150), at + 150);
  assert.fail(
    `${label}: models differ at ${at}\n  live:  …${around(actual)}…\n  whole: …${around(expected)}…`,
  );
}

/** The rows of a delta's tasks in flight, sorted, without their end (drawn up to "now"). */
function inFlight(cols: TaskColumns | undefined): string[] {
  if (!cols) return [];
  const rows: string[] = [];
  for (let r = 0; r < cols.pid.length; r++) {
    rows.push(JSON.stringify([cols.pid[r], cols.t0[r], cols.t1[r], cols.t3[r], cols.site[r], cols.items[r]]));
  }
  return rows.sort();
}

/**
 * Writes the streams into a run directory `step` records at a time and ticks a LiveIngest after
 * each step, comparing its model with buildModel of the same polls' records. `together`: every
 * stream advances at each step; else each is written to its end before the next starts. Returns
 * whether LiveIngest still joined as it read at the end.
 */
function replay(name: string, streams: readonly StreamWriter[], step: number, together = true): boolean {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ps-live-model-${name}-`));
  try {
    const live = streams.map((s) => new LiveStream(dir, s.pid, s.start, { segmentSize: () => 4096 }));
    const ingest = new LiveIngest(dir, name, 0);
    // The analysis thread's copy of the tasks, patched with the rows changed since the last model
    // it got, every other tick.
    const mirror = new TaskMirror();
    const tail = new TraceTail(dir);
    const records = emptyRecords();
    const written = streams.map(() => 0);
    let ticks = 0;
    let sent = 0;
    for (;;) {
      const open = written.findIndex((n, k) => n < streams[k].records.length);
      streams.forEach((s, k) => {
        if (!together && k !== open) return;
        const to = Math.min(s.records.length, written[k] + step);
        for (; written[k] < to; written[k]++) live[k].append(s.records[written[k]]);
      });
      const delta = ingest.tick(false).find((m) => m.type === 'run/delta');
      sent += delta?.tasks.pid.length ?? 0;
      appendRecords(records, tail.poll());
      ticks++;
      const whole = buildModel(records);
      assertSame(modelSnapshot(ingest.model!, true), modelSnapshot(whole, true), `${name}, tick ${ticks}`);
      // The delta looks only at the rows that changed and those in flight: it must still have
      // what a look at every row of the whole read gives.
      const expected = new TaskDeltas(false).message(whole, name, 0);
      assert.equal(sent, expected.tasks.pid.length, `${name}, tick ${ticks}: finished tasks sent so far`);
      if (delta) {
        assert.deepEqual(
          inFlight(delta.running),
          inFlight(expected.running),
          `${name}, tick ${ticks}: tasks in flight`,
        );
      }
      const due = ticks % 2 === 0 ? ingest.reportDue() : null;
      if (due) {
        const { tasks, ...model } = due.model;
        assertSame(
          modelSnapshot({ ...model, tasks: mirror.apply(taskPatch(tasks, due.rows)) }),
          modelSnapshot(due.model),
          `${name}, tick ${ticks}: the analysis thread's copy`,
        );
        ingest.reported(0);
      }
      if (open < 0) break;
    }
    assert.ok(ticks > 3, `${name}: ${ticks} ticks`);
    const joined = ingest.joinedAsRead;
    for (const m of ingest.tick(true)) if (m.type === 'run/delta') sent += m.tasks.pid.length;
    assertSame(modelSnapshot(ingest.model!), modelSnapshot(buildModel(records)), `${name}, final`);
    const finished = new TaskDeltas(false).message(ingest.model!, name, 0).tasks.pid.length;
    assert.equal(sent, finished, `${name}: each finished task reached the panel once`);
    return joined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('LiveIngest: the model at each tick is the whole read of what is written so far', () => {
  test('a Pool with an error, a crash and a second call', () => {
    const run = errorAndCrashRun();
    assert.equal(replay('pool', run.streams, 7), true, 'joined as read');
    assert.equal(replay('pool-small-steps', run.streams, 1), true, 'joined as read');
  });

  test('workers written before the parent: results set aside, then the whole-read join', () => {
    const run = new SyntheticRun();
    new SimPool(run, { workers: 2 }).call({ tasks: repeat(25, { computeMs: 1 }) });
    run.finish(200);
    // The results come before the `pool` META naming their pipe: the interim join cannot tell
    // where they go, and the whole-read join takes over (same model).
    assert.equal(
      replay('reversed', [...run.streams].reverse(), 5, false),
      false,
      'whole reads once it cannot tell',
    );
    assert.equal(replay('reversed-together', [...run.streams].reverse(), 5), true, 'joined as read');
  });

  test('a ProcessPoolExecutor', () => {
    const { run } = poolRun(
      { workers: 2, poolApi: 'ProcessPoolExecutor' },
      { api: 'submit', tasks: repeat(12, { computeMs: 1 }) },
    );
    assert.equal(replay('executor', run.streams, 3), true, 'joined as read');
  });
});
