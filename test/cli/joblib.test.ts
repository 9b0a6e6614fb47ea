// `poolscope profile` of joblib programs and of a program whose children run unprofiled: the real
// bundle (dist/cli.js), the real agent, Debian's python3-joblib under /usr/bin/python3 (.ci/run
// installs it). Needs `npm run build` first (npm test does it).
import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test, before, after } from 'node:test';
import type { Report } from '../../src/core/report';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const PYTHON = '/usr/bin/python3';
let tmp: string;

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

function profile(script: string): { done: SpawnSyncReturns<string>; report: Report } {
  const json = path.join(tmp, `${path.basename(script)}.json`);
  const done = spawnSync(process.execPath, [CLI, 'profile', '--python', PYTHON, '--json', json, script], {
    cwd: tmp,
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.ok(fs.existsSync(json), `no report: ${done.stderr}`);
  return { done, report: JSON.parse(fs.readFileSync(json, 'utf8')) as Report };
}

function plain(script: string): SpawnSyncReturns<string> {
  return spawnSync(PYTHON, [script], { cwd: tmp, encoding: 'utf8', timeout: 180_000 });
}

const parallelScript = (backend: string): string => `import sys
from joblib import Parallel, delayed


def work(x):
    return sum(i * i for i in range(2000 + x))


if __name__ == "__main__":
    out = Parallel(n_jobs=2${backend})(delayed(work)(x) for x in range(150))
    print(sum(out))
    sys.exit(4)
`;

before(() => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const probe = spawnSync(PYTHON, ['-c', 'import joblib'], { encoding: 'utf8' });
  assert.equal(probe.status, 0, `joblib is missing for ${PYTHON}: apt-get install -y python3-joblib`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-joblib-'));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('poolscope profile of joblib.Parallel', () => {
  for (const [name, backend] of [
    ['loky (the default)', ''],
    ['multiprocessing', ', backend="multiprocessing"'],
  ]) {
    test(`${name}: tasks, items, workers and a verdict at the Parallel line; output and exit code kept`, () => {
      const script = write(`par_${backend ? 'mp' : 'loky'}.py`, parallelScript(backend));
      const reference = plain(script);
      assert.equal(reference.status, 4, reference.stderr);
      const { done, report } = profile(script);
      assert.equal(done.status, 4, done.stderr);
      assert.equal(done.stdout, reference.stdout);
      assert.equal(report.summary.workers, 2);
      assert.equal(report.summary.items, 150);
      assert.ok(report.summary.tasks > 0 && report.summary.tasks <= 150);
      assert.notEqual(report.verdict.quadrant, 'no-parallel-work');
      assert.equal(report.callSites.length, 1);
      const site = report.callSites[0];
      assert.deepEqual([site.file, site.line, site.api], [script, 10, 'Parallel']);
      assert.ok(site.ipc.bytesIn > 0 && site.ipc.bytesOut > 0, 'task and result bytes recorded');
      assert.ok(site.ipc.pickleMs > 0, 'pickling recorded');
      assert.ok(site.compute.totalMs > 0, 'compute recorded');
      assert.ok(!report.findings.some((f) => f.id === 'uninstrumented-children'));
      assert.match(done.stderr, new RegExp(`call site {2}${script.replace(/[.]/g, '\\.')}:10 {2}Parallel`));
    });
  }
});

describe('poolscope profile of a program whose children run unprofiled', () => {
  test('says which Python children ran without PoolScope and how many, not only "no parallel work"', () => {
    const script = write(
      'children.py',
      `import subprocess, sys
for _ in range(3):
    subprocess.run([sys.executable, "-c", "pass"], check=True)
print("done")
`,
    );
    const { done, report } = profile(script);
    assert.equal(done.status, 0, done.stderr);
    assert.equal(done.stdout, 'done\n');
    assert.equal(report.verdict.quadrant, 'no-parallel-work');
    const finding = report.findings.find((f) => f.id === 'uninstrumented-children');
    assert.ok(finding, JSON.stringify(report.findings));
    assert.equal(finding.file, script);
    assert.equal(finding.line, 3);
    assert.match(finding.message, /^3 child Python processes ran without PoolScope: 3× \S+ -c pass\./);
    assert.match(done.stderr, /uninstrumented-children/);
  });
});
