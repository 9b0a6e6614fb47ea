// TaskJoin finds a task by (pool, job, index) through dense arrays; the keys that do not fit them
// (far or fractional indices, huge or negative jobs) must still find their own row and no other.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TaskJoin } from '../../src/core/model/taskJoin';

describe('TaskJoin keys', () => {
  test('chunk indices in order, out of order and far apart each get one row', () => {
    const join = new TaskJoin(4);
    const keys: [number, number, number][] = [];
    for (let i = 0; i < 5000; i++) keys.push([0, 7, i]);
    keys.push([0, 7, 1e9], [0, 7, 3e6], [0, 7, 2 ** 40], [1, 7, 0], [0, 8, 0], [0, -1, 0], [0, 2 ** 40, 3]);
    keys.push([0, 9, -1], [0, 9, 40_000], [0, 9, 20]);
    const rows = keys.map(([p, j, i]) => join.at(p, j, i));
    assert.deepEqual(
      rows,
      keys.map((_, k) => k),
      'a new row per new key, in order',
    );
    assert.equal(join.count, keys.length);
    keys.forEach(([p, j, i], k) => {
      assert.equal(join.at(p, j, i), k, `at ${p}/${j}/${i} again`);
      assert.equal(join.find(p, j, i), k, `find ${p}/${j}/${i}`);
    });
    // Once the dense part has grown past an index first kept aside, it is still found.
    for (let i = 5000; i < 40_000; i++) join.at(0, 9, i);
    assert.equal(join.find(0, 9, 40_000), keys.length - 2);
  });

  test('keys never added are not found, fractional and NaN ones included', () => {
    const join = new TaskJoin();
    join.at(0, 1, 0);
    join.at(0, 1, 1);
    for (const [p, j, i] of [
      [0, 1, 2],
      [0, 1, 0.5],
      [0, 1, NaN],
      [0, 1, 1e9],
      [0, 2, 0],
      [1, 1, 0],
      [0, 1, -1],
    ]) {
      assert.equal(join.find(p, j, i), -1, `${p}/${j}/${i}`);
    }
  });
});
