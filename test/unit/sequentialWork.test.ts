import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sequentialWorkMs } from '../../src/core/metrics';
import type { Task } from '../../src/core/modelTypes';

function task(computeWallMs: number, cpuMs: number | null): Task {
  return {
    pool: 0,
    call: 0,
    job: 0,
    index: 0,
    parent: 0,
    parentPid: 1,
    worker: 1,
    workerPid: 2,
    items: 1,
    bytesIn: 100,
    bytesOut: 50,
    pickleStartMs: 0,
    pickleInMs: 0,
    writeInMs: 0,
    dispatchMs: 0,
    arrivalMs: 0,
    unpickleInMs: 0,
    computeStartMs: 10,
    computeEndMs: 10 + computeWallMs,
    cpuMs,
    resultPickleStartMs: null,
    pickleOutMs: null,
    writeOutMs: null,
    resultSentMs: null,
    resultArrivalMs: null,
    unpickleOutMs: null,
    ok: true,
    error: null,
    state: 'computed',
    inFlightAtCrash: false,
  };
}

test('CPU-bound tasks are estimated by CPU time, so preemption does not inflate them', () => {
  // Most tasks ran undisturbed; two were preempted for 40 ms while computing 2 µs.
  const tasks = [...Array.from({ length: 8 }, () => task(0.002, 0.002)), task(40, 0.002), task(40, 0.002)];
  assert.ok(Math.abs(sequentialWorkMs(tasks) - 0.02) < 1e-9);
});

test('waiting tasks keep their wall time: a loop would wait as long', () => {
  const tasks = Array.from({ length: 4 }, () => task(100, 0.5)); // time.sleep(0.1)
  assert.equal(sequentialWorkMs(tasks), 400);
});

test('a task without CPU time counts its wall time', () => {
  assert.equal(sequentialWorkMs([task(3, null), task(5, null)]), 8);
});
