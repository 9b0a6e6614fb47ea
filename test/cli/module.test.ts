// `poolscope profile -m` and `poolscope sweep -m`: a module run as `python -m` would run it, end to
// end (dist/cli.js, the real agent, real processes). Needs npm run build.
import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
let tmp: string;

const JOB = `
import sys
import multiprocessing as mp

def square(x):
    return x * x

if __name__ == "__main__":
    mp.set_start_method("spawn")
    with mp.Pool(2) as pool:
        print(sum(pool.map(square, range(100), chunksize=10)))
    print("args:", sys.argv[1:], "spec:", __spec__.name)
    sys.exit(5)
`;

function run(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: tmp, encoding: 'utf8', timeout: 120_000 });
}

before(() => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-module-'));
  fs.mkdirSync(path.join(tmp, 'pkg'));
  fs.writeFileSync(path.join(tmp, 'pkg', '__init__.py'), '');
  fs.writeFileSync(path.join(tmp, 'pkg', 'job.py'), JOB);
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('-m module', () => {
  test('profile -m runs the module as python -m does and reports it', () => {
    const json = path.join(tmp, 'r.json');
    const res = run(['profile', '--json', json, '-m', 'pkg.job', 'x', '--y']);
    const ref = spawnSync('python3', ['-m', 'pkg.job', 'x', '--y'], { cwd: tmp, encoding: 'utf8' });
    assert.equal(res.stdout, ref.stdout, 'stdout must be byte-identical to python -m');
    assert.match(res.stdout, /spec: pkg\.job/);
    assert.equal(res.status, 5, res.stderr);
    assert.match(res.stderr, /^ {2}module {5}pkg\.job {2}.*pkg\/job\.py {2}\(Python [\d.]+, spawn\)$/m);
    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    assert.equal(report.run.module, 'pkg.job');
    assert.equal(report.run.script, path.join(tmp, 'pkg', 'job.py'));
    assert.equal(report.callSites.length, 1);
    assert.equal(report.callSites[0].tasks, 10);
    assert.equal(report.callSites[0].file, path.join(tmp, 'pkg', 'job.py'));
  });

  test('a module that is not there: one line, nothing run, exit 2', () => {
    const res = run(['profile', '-m', 'nosuchpkg.job']);
    assert.equal(res.status, 2);
    assert.equal(res.stdout, '');
    assert.match(res.stderr, /^poolscope: No module named nosuchpkg \(looked in .*\); run from the folder/);
    assert.doesNotMatch(res.stderr, /PoolScope summary/);
  });

  test('sweep -m runs the module once per worker count', () => {
    const res = run(['sweep', '--workers', '1,2', '-m', 'pkg.job']);
    assert.match(res.stderr, /sweep run 1\/2: workers=1\n.*sweep run 2\/2: workers=2/s);
    assert.match(res.stdout, /^Worker sweep of job\.py/m);
    // The module ends with exit 5, which a sweep reports as a failed run.
    assert.match(res.stdout, /The run with workers 2 exited with 5/);
    assert.equal(res.status, 1, res.stderr);
  });
});
