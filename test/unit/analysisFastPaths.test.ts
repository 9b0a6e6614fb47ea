/**
 * The analysis's fast paths give exactly what the plain ways they replace give (the reports must
 * not change by a digit): sorting by insertion, the median test without a median, counts grouped
 * by hand, deliveries in one pass over the rows, simulations that share their demand sums.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deliveryTable } from '../../src/core/measure/metrics';
import type { TraceModel } from '../../src/core/model/modelTypes';
import { median, MedianAtLeast, sortRangeBy } from '../../src/core/measure/stats';
import { numberColumns, TaskTable } from '../../src/core/model/taskTable';
import { fmtCount } from '../../src/core/report/units';
import { GroupDemand, simulate, type Workload } from '../../src/core/whatif/poolSim';
import { poolRun, repeat } from './helpers/synthetic';

/** A seeded generator (the same cases every run). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

test('sortRangeBy orders as the comparator sort does: ties, -0, infinities, NaN, near and far from sorted', () => {
  const rnd = random(1);
  const kinds: ((i: number) => number)[] = [
    () => Math.round(rnd() * 20) - 10, // many ties
    () => (rnd() - 0.5) * 1e6, // far from sorted: past the insertion budget
    (i) => [0, -0, Infinity, -Infinity, 1e-310, -1e-310, 5][i % 7],
    (i) => i * 0.01 + (rnd() < 0.01 ? -3 : 0), // nearly sorted, a few far back
    (i) => i + rnd() * 5, // each a few places off
    () => (rnd() < 0.01 ? NaN : rnd()),
  ];
  for (let trial = 0; trial < 120; trial++) {
    const n = 1 + Math.floor(rnd() * 2000);
    const make = kinds[trial % kinds.length];
    const key = Float64Array.from({ length: n }, (_, i) => make(i));
    const order = Int32Array.from({ length: n }, (_, i) => i);
    if (trial % 2 === 1) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    const from = Math.floor((rnd() * n) / 3);
    const to = n - Math.floor((rnd() * n) / 3);
    const want = order.slice();
    want.subarray(from, to).sort((a, b) => key[a] - key[b]);
    const got = order.slice();
    sortRangeBy(got, from, to, key);
    assert.deepEqual(got, want, `trial ${trial}`);
  }
});

test('MedianAtLeast answers as median(values) >= threshold does, at and around the threshold', () => {
  const rnd = random(2);
  const pool = [0.5, 0.6, 0.7, 0.69999, 0.7000001, 0.2, 1e300, Infinity];
  for (let trial = 0; trial < 5000; trial++) {
    const values = Array.from(
      { length: Math.floor(rnd() * 12) },
      () => pool[Math.floor(rnd() * pool.length)],
    );
    const threshold = [0.7, 0.5, 0.2][trial % 3];
    const tally = new MedianAtLeast(threshold);
    for (const v of values) tally.add(v);
    const want = values.length === 0 ? null : (median(values) as number) >= threshold;
    assert.equal(
      tally.result(() => values),
      want,
      `${values} against ${threshold}`,
    );
  }
});

test("fmtCount writes counts as toLocaleString('en-US') does", () => {
  const rnd = random(3);
  const values = [
    0,
    -0,
    1,
    -1,
    999,
    1000,
    -1000,
    1234567,
    2 ** 53 - 1,
    -(2 ** 53 - 1),
    2 ** 53,
    1.5,
    NaN,
    Infinity,
  ];
  for (let i = 0; i < 2000; i++) values.push(Math.floor((rnd() - 0.3) * 10 ** Math.floor(rnd() * 16)));
  for (const v of values) assert.equal(fmtCount(v), v.toLocaleString('en-US'), String(v));
});

/** The model with its task rows in reverse order (every worker's arrivals then go back in time). */
function reversedRows(model: TraceModel): TraceModel {
  const t = model.tasks;
  const rev = <A extends Int32Array | Float64Array | Int8Array>(a: A): A => a.slice().reverse() as A;
  const n = t.length;
  const errors = new Map([...t.errors].map(([i, e]) => [n - 1 - i, e]));
  const tasks = new TaskTable({
    pool: rev(t.pool),
    call: rev(t.call),
    parent: rev(t.parent),
    worker: rev(t.worker),
    job: rev(t.job),
    index: rev(t.index),
    ok: rev(t.ok),
    num: numberColumns((field) => rev(t.num[field])),
    errors,
  });
  return { ...model, tasks };
}

test('deliveries found in one pass over the rows are those of the pass per worker', () => {
  // Idle workers (a gap between dispatches) so that many task messages count as deliveries.
  const { run } = poolRun(
    { workers: 3, deliveryMs: 0.3, pickleMs: 0.02, unpickleMs: 0.02 },
    { chunksize: 1, dispatchGapMs: 2, tasks: repeat(60, { computeMs: 0.2, bytesIn: 100, bytesOut: 50 }) },
  );
  const model = run.model();
  const inOrder = deliveryTable(model);
  const reversed = deliveryTable(reversedRows(model));
  const n = model.tasks.length;
  assert.ok(
    inOrder.task.some((x) => !Number.isNaN(x)),
    'some task messages were delivered to idle workers',
  );
  for (let i = 0; i < n; i++) {
    assert.ok(Object.is(inOrder.task[i], reversed.task[n - 1 - i]), `task ${i}`);
    assert.ok(Object.is(inOrder.result[i], reversed.result[n - 1 - i]), `result ${i}`);
  }
});

test('simulations sharing one GroupDemand predict what each predicts alone', () => {
  const rnd = random(4);
  const itemMs = Float64Array.from({ length: 50_000 }, () => rnd() * 0.1);
  const cost = { fixedMs: 0.01, perItemMs: 0.001 };
  const w: Workload = {
    itemMs,
    batches: [
      { from: 0, to: 30_000, setupMs: 1, teardownMs: 1, workerReadyMs: [0, 1] },
      { from: 30_000, to: 50_000, setupMs: 2, teardownMs: 0, workerReadyMs: [0] },
    ],
    send: cost,
    receive: cost,
    reply: cost,
    collect: cost,
    latencyMs: 0.05,
    cpuBound: true,
    otherLoad: 1,
    chunking: 'fixed',
  };
  const shared = new GroupDemand(itemMs);
  for (const workers of [1, 2, 3, 8]) {
    for (const chunksize of [1, 3, 7, 100, 5000]) {
      const s = { workers, chunksize, cores: 4 };
      assert.equal(simulate(w, s, shared), simulate(w, s), `${workers} workers, chunksize ${chunksize}`);
    }
  }
});
