import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sequentialWorkMs } from '../../src/core/measure/metrics';

/** Per task: [compute wall ms, CPU ms or null] → the two columns sequentialWorkMs takes. */
function columns(tasks: [number, number | null][]): [Float64Array, Float64Array] {
  return [Float64Array.from(tasks, ([wall]) => wall), Float64Array.from(tasks, ([, cpu]) => cpu ?? NaN)];
}

test('CPU-bound tasks are estimated by CPU time, so preemption does not inflate them', () => {
  // Most tasks ran undisturbed; two were preempted for 40 ms while computing 2 µs.
  const tasks: [number, number][] = [...Array.from({ length: 8 }, (): [number, number] => [0.002, 0.002])];
  tasks.push([40, 0.002], [40, 0.002]);
  assert.ok(Math.abs(sequentialWorkMs(...columns(tasks)) - 0.02) < 1e-9);
});

test('waiting tasks keep their wall time: a loop would wait as long', () => {
  const tasks = Array.from({ length: 4 }, (): [number, number] => [100, 0.5]); // time.sleep(0.1)
  assert.equal(sequentialWorkMs(...columns(tasks)), 400);
});

test('a task without CPU time counts its wall time', () => {
  assert.equal(
    sequentialWorkMs(
      ...columns([
        [3, null],
        [5, null],
      ]),
    ),
    8,
  );
});

test('tasks whose CPU clock was not read count at the rate of the CPU-bound tasks that were', () => {
  // Tiny tasks read the worker's CPU clock one in 16: preempted alike, read or not.
  const tasks: [number, number | null][] = [];
  for (let k = 0; k < 32; k++) {
    const wall = k % 4 === 0 ? 40 : 0.002; // every fourth one preempted for 40 ms
    tasks.push([wall, k % 16 === 0 || k % 16 === 1 ? 0.002 : null]);
  }
  // Read: tasks 0, 1, 16, 17 (two preempted): 0.008 ms of CPU in 80.004 ms of wall.
  const wall = tasks.reduce((a, [w]) => a + w, 0);
  const expected = 0.008 + (wall - 80.004) * (0.008 / 80.004);
  assert.ok(Math.abs(sequentialWorkMs(...columns(tasks)) - expected) < 1e-9);
  assert.ok(expected < wall / 1000, 'far below the preempted wall time');
});
