// `poolscope compare` and `poolscope sweep` end to end: the real bundle (dist/cli.js, built by
// npm run build), the real agent, real Python runs. Kept small: this machine has two cores.
import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunComparison, SweepResult } from '../../src/core';
import type { Report } from '../../src/core/report/report';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
let tmp: string;

function cli(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: tmp, encoding: 'utf8', timeout: 180_000 });
}

// 20 000 items of ~0.05 ms (~1 s of work); the chunksize comes from argv so that two runs of one
// script differ in it. At chunksize 200 each worker computes ~0.5 s: a clear win even counting the
// pool's start and stop, which a loop would not pay.
const CHUNKY = `
import sys
from multiprocessing import Pool

def work(n):
    return sum(i * i for i in range(n))

if __name__ == "__main__":
    with Pool(2) as pool:
        print(sum(pool.map(work, [1500] * 20000, chunksize=int(sys.argv[1]))))
`;
const CHUNKY_OUT = '22477505000000';

before(() => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-cli-compare-'));
  fs.writeFileSync(path.join(tmp, 'chunky.py'), CHUNKY);
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('poolscope compare', () => {
  test('two runs’ report JSON: chunksize 200 cuts the IPC share and wins, shown with signs and units', () => {
    for (const [name, chunk] of [
      ['a', '1'],
      ['b', '200'],
    ]) {
      const res = cli([
        'profile',
        '--quiet',
        '--json',
        `${name}.json`,
        '--trace',
        `${name}.pstrace`,
        'chunky.py',
        chunk,
      ]);
      assert.equal(res.status, 0, res.stderr);
      assert.equal(res.stdout, `${CHUNKY_OUT}\n`);
    }
    const res = cli(['compare', 'a.json', 'b.json', '--json', 'cmp.json']);
    assert.equal(res.status, 0, res.stderr);
    const c = JSON.parse(fs.readFileSync(path.join(tmp, 'cmp.json'), 'utf8')) as RunComparison;
    const a = JSON.parse(fs.readFileSync(path.join(tmp, 'a.json'), 'utf8')) as Report;
    assert.equal(c.sameScript, true);
    assert.deepEqual(
      c.sites.map((s) => [s.match, s.a?.line, s.b?.line]),
      [['same', 10, 10]],
    );
    const ipc = c.run.find((m) => m.key === 'ipcShare')!;
    assert.equal(ipc.a, a.summary.ipcShare);
    assert.ok(ipc.delta! < 0, `IPC share ${ipc.a} → ${ipc.b}`);
    assert.deepEqual(c.verdict, { a: 'ipc-overhead-wins', b: 'clear-win', changed: true });
    const chunk = c.sites[0].metrics.find((m) => m.key === 'chunksize')!;
    assert.deepEqual([chunk.a, chunk.b, chunk.delta], [1, 200, 199]);
    assert.deepEqual(
      c.findings.filter((f) => f.finding.id === 'tasks-too-short').map((f) => f.status),
      ['fixed'],
      'chunksize 1 was flagged; 200 items a chunk is what it suggests at most',
    );
    assert.match(res.stdout, /^ {2}IPC share +\d+(\.\d)? % +\d+(\.\d)? % +−\d+(\.\d)? pp/m);
    assert.match(res.stdout, /^ {2}Chunksize +1 +200 +\+199$/m);
    assert.match(res.stdout, /^ {2}Verdict: IPC overhead wins → Clear win$/m);
    assert.match(res.stdout, /^ {2}fixed +tasks-too-short \(chunky\.py:10\)/m);
    // A trace compares like its report JSON.
    const fromTraces = cli(['compare', 'a.pstrace', 'b.pstrace']);
    assert.equal(fromTraces.status, 0, fromTraces.stderr);
    assert.equal(fromTraces.stdout, res.stdout);
  });

  test('what is not a run is refused with a clear message', () => {
    fs.writeFileSync(path.join(tmp, 'other.json'), '{"hello": 1}');
    let res = cli(['compare', 'other.json', 'missing.json']);
    assert.equal(res.status, 2);
    assert.match(
      res.stderr,
      /^poolscope: other\.json is not a PoolScope report: give the JSON that `poolscope profile --json` writes/m,
    );
    res = cli(['compare', 'chunky.py', 'chunky.py']);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /^poolscope: cannot read chunky\.py: /m);
    res = cli(['compare', 'nope.json', 'chunky.py']);
    assert.match(res.stderr, /^poolscope: no such run: nope\.json$/m);
  });
});

describe('poolscope sweep', () => {
  test('workers 1,2 then chunksize 1,100: each run overridden, the table and a recommendation', () => {
    const res = cli([
      'sweep',
      '--workers',
      '1,2',
      '--chunksize',
      '1,100',
      '--json',
      'sweep.json',
      '--traces',
      'runs',
      'chunky.py',
      '7',
    ]);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(
      res.stdout.split('\n').filter((l) => l === CHUNKY_OUT).length,
      4,
      'the program ran four times, its output intact',
    );
    assert.match(
      res.stderr,
      /sweep run 1\/4: workers=1\n.*sweep run 2\/4: workers=2\n.*sweep run 3\/4: workers=\d chunksize=1\n.*sweep run 4\/4: workers=\d chunksize=100/,
    );
    const out = JSON.parse(fs.readFileSync(path.join(tmp, 'sweep.json'), 'utf8')) as {
      workers: SweepResult;
      chunksize: SweepResult;
    };
    assert.deepEqual(
      out.workers.points.map((p) => [p.value, p.applied, p.idealSpeedup]),
      [
        [1, true, 1],
        [2, true, 2],
      ],
    );
    assert.ok(out.workers.points.every((p) => p.wallMs > 0 && p.speedup! > 0));
    assert.ok([1, 2].includes(out.workers.recommended!));
    const at = out.workers.recommended;
    assert.deepEqual(
      out.chunksize.points.map((p) => [p.value, p.workers, p.applied]),
      [
        [1, at, true],
        [100, at, true],
      ],
    );
    // Each run is a complete run whose header says what was overridden.
    const traces = fs.readdirSync(path.join(tmp, 'runs')).sort();
    assert.deepEqual(traces, [
      'sweep-chunksize-1.pstrace',
      'sweep-chunksize-100.pstrace',
      'sweep-workers-1.pstrace',
      'sweep-workers-2.pstrace',
    ]);
    const report = cli([
      'report',
      '--json',
      '-',
      '--quiet',
      path.join('runs', 'sweep-chunksize-100.pstrace'),
    ]);
    const r = JSON.parse(report.stdout) as Report;
    assert.deepEqual(r.run.overrides, { workers: at, chunksize: 100 });
    assert.equal(r.callSites[0].chunksize, 100);
    assert.match(res.stdout, /^Worker sweep of chunky\.py \(\d+ cores\)$/m);
    assert.match(res.stdout, /^ {2}workers +wall +speedup +ideal +predicted$/m);
    assert.match(res.stdout, /^ {2}2 +\S+ m?s +\d+\.\d\d× +2\.00× +(–|\d)/m);
    assert.match(res.stdout, /^Recommendation: \d workers?: /m);
    assert.match(res.stdout, /^Chunksize sweep of chunky\.py at \d workers? /m);
    assert.match(res.stdout, /^Recommendation: chunksize (1|100): /m);
  });

  test('a script without a pool: every run is flagged, nothing is recommended from it', () => {
    fs.writeFileSync(path.join(tmp, 'nopool.py'), 'print("hi")\n');
    const res = cli(['sweep', '--workers', '1,2', '--json', '-', 'nopool.py']);
    assert.equal(res.status, 0, res.stderr);
    const json = res.stdout.slice(res.stdout.indexOf('{'));
    const out = JSON.parse(json) as { workers: SweepResult };
    assert.deepEqual(
      out.workers.points.map((p) => p.applied),
      [false, false],
    );
    assert.equal(out.workers.recommended, null);
    assert.match(
      res.stderr,
      /did not use them: no Pool, ProcessPoolExecutor or joblib Parallel took the override/,
    );
  });

  test('a run of the script that fails fails the sweep, after the table', () => {
    fs.writeFileSync(
      path.join(tmp, 'fails.py'),
      'from multiprocessing import Pool\nif __name__ == "__main__":\n    with Pool(2) as p:\n        p.map(abs, range(10))\n    raise SystemExit(3)\n',
    );
    const res = cli(['sweep', '--workers', '1,2', 'fails.py']);
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stdout, /^Worker sweep of fails\.py/m);
    assert.match(res.stdout, /warning: The run with workers 1 exited with 3; its numbers may be partial\./);
    assert.match(res.stderr, /2 of the sweep's runs exited with an error/);
  });
});
