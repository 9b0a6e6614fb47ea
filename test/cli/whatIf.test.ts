// What-if predictions against real runs on this machine: record a run, predict it back and predict
// a run with one worker, then make that run and compare (issue 4: within 10 % and 15 %).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { CallSiteReport, Report } from '../../src/core/report/report';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'test', 'fixtures', 'whatif', 'cpu_map.py');

function profile(workers: number, args: string[]): CallSiteReport {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ps-whatif-')), 'report.json');
  const cli = path.join(ROOT, 'dist', 'cli.js');
  const res = spawnSync(
    process.execPath,
    [cli, 'profile', '--quiet', '--workers', String(workers), '--json', out, SCRIPT, ...args],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(res.status, 0, res.stderr);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  const site = report.callSites.find((s) => s.api === 'map');
  assert.ok(site?.whatIf, 'the map call site has predictions');
  return site;
}

const error = (predicted: number, measured: number): number => Math.abs(predicted / measured - 1);

/**
 * Timing on a shared 2-core machine is noisy: a comparison gets three tries, and the test fails
 * only if none of them is within the bound.
 */
function bestOf3(measure: () => { error: number; detail: string }, bound: number): void {
  const tries: string[] = [];
  for (let i = 0; i < 3; i++) {
    const m = measure();
    tries.push(m.detail);
    if (m.error <= bound) return;
  }
  assert.fail(`no try within ${bound * 100} %: ${tries.join('; ')}`);
}

for (const [label, args] of [
  ['300 items of 2 ms, chunksize picked by Pool.map', ['300', '2']],
  ['600 items of 0.5 ms at chunksize 5', ['600', '0.5', '5']],
] as const) {
  test(`${label}: the recorded setting is predicted within 10 %, 1 worker within 15 %`, () => {
    bestOf3(() => {
      const two = profile(2, [...args]);
      const e = error(two.whatIf!.recorded.wallMs, two.wallMs);
      return {
        error: e,
        detail: `predicted ${two.whatIf!.recorded.wallMs.toFixed(1)} ms, measured ${two.wallMs.toFixed(1)} ms`,
      };
    }, 0.1);
    bestOf3(() => {
      const two = profile(2, [...args]);
      const predicted = two.whatIf!.workers.find((p) => p.workers === 1)!.wallMs;
      const one = profile(1, [...args]);
      return {
        error: error(predicted, one.wallMs),
        detail: `1 worker predicted ${predicted.toFixed(1)} ms, measured ${one.wallMs.toFixed(1)} ms`,
      };
    }, 0.15);
  });
}
