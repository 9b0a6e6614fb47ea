/**
 * The truth suite's quick subset (bench/truth.ts measures all of it): programs whose real speedup
 * is far from 1×, each timed plainly as a loop and with its pool, then profiled. PoolScope's
 * estimated speedup and its verdict must land on the side of 1 that was measured. Needs dist/
 * (npm run build).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { measure, ROOT } from '../../bench/truthLib';

// What each program really does on any machine with at least two CPUs, by design: waits that
// overlap win; a pool per call, a Manager round trip per update, and 2 µs tasks sent one by one lose.
const CASES: [string, 'win' | 'loss'][] = [
  ['sleepy_io', 'win'],
  ['pool_per_call', 'loss'],
  ['manager_counters', 'loss'],
  ['tiny_chunksize1', 'loss'],
];

before(() => {
  assert.ok(
    fs.existsSync(path.join(ROOT, 'dist', 'cli.js')),
    'dist/cli.js is missing: run npm run build first',
  );
});

describe('truth: the estimated speedup and the verdict are on the measured side of 1', () => {
  for (const [program, expected] of CASES) {
    test(`${program}: a ${expected}`, () => {
      const r = measure(program, 1);
      const detail = JSON.stringify(r);
      // The program did what it is there for (else this case proves nothing).
      assert.ok(expected === 'win' ? r.measuredSpeedup > 1.2 : r.measuredSpeedup < 0.8, detail);
      assert.ok(r.speedupSideOk, `estimated ${r.estSpeedup}, measured ${r.measuredSpeedup}: ${detail}`);
      assert.ok(r.verdictSideOk, `verdict ${r.quadrant}, measured ${r.measuredSpeedup}: ${detail}`);
      assert.equal(r.quadrant, expected === 'win' ? 'clear-win' : r.quadrant, detail);
      if (expected === 'loss') assert.notEqual(r.quadrant, 'clear-win', detail);
    });
  }
});
