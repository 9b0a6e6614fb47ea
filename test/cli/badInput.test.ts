// Bad input to the CLI (issue 6), beyond the basic refusals in cli.test.ts: a real old
// interpreter, a script waiting on stdin, traces that are cut short or from a newer PoolScope,
// huge task data, and names with spaces and non-ASCII characters. Each gets a clear message and
// nothing hangs (every run has a timeout). Needs `npm run build` first.
import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Report } from '../../src/core/report/report';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const LAUNCHER = path.join(ROOT, 'dist', 'python', 'poolscope_launch.py');
const PYTHON38 = '/root/.pyenv/versions/3.8.18/bin/python';
let tmp: string;

before(() => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-bad-input-'));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

function cli(args: string[], input = ''): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: tmp, encoding: 'utf8', input, timeout: 60_000 });
}

function plain(script: string, args: string[] = [], input = ''): SpawnSyncReturns<string> {
  return spawnSync('python3', [script, ...args], { cwd: tmp, encoding: 'utf8', input, timeout: 60_000 });
}

const POOL = `from multiprocessing import Pool

def square(x):
    return x * x

if __name__ == "__main__":
    with Pool(2) as pool:
        print(sum(pool.map(square, range(100), chunksize=10)))
`;

/** A saved trace of a small real run. */
function savedTrace(name: string): string {
  const script = write(`${name}.py`, POOL);
  const trace = path.join(tmp, `${name}.pstrace`);
  const res = cli(['profile', '--quiet', '--trace', trace, script]);
  assert.equal(res.status, 0, res.stderr);
  return trace;
}

describe('bad input to poolscope profile', () => {
  test('a real Python 3.8 is refused before anything runs', () => {
    assert.ok(fs.existsSync(PYTHON38), `${PYTHON38} (pyenv) is needed for this test`);
    const marker = path.join(tmp, 'ran38');
    const script = write('old.py', `open(${JSON.stringify(marker)}, "w").close()\n`);
    const res = cli(['profile', '--python', PYTHON38, script]);
    assert.equal(res.status, 2);
    assert.match(
      res.stderr,
      /is Python 3\.8\.18; PoolScope needs Python 3\.9 or newer\. Pass --python PATH to use another interpreter\./,
    );
    assert.ok(!fs.existsSync(marker), 'nothing ran');
  });

  test('a script waiting on stdin gets end of file, as under python', () => {
    const script = write('ask.py', 'name = input("name? ")\nprint("hello", name)\n');
    const ref = plain(script);
    const res = cli(['profile', '--quiet', script]);
    assert.equal(ref.status, 1);
    assert.equal(res.status, ref.status);
    assert.equal(res.stdout, ref.stdout);
    assert.equal(res.stderr, ref.stderr, 'the same EOFError traceback');
  });

  test('names with spaces and non-ASCII characters, in the path and the arguments', () => {
    const script = write(
      path.join('dir with spaces', 'ünïcödé 名前 (1).py'),
      `import sys\n${POOL}    print(sys.argv[1:])\n`,
    );
    const json = path.join(tmp, 'dir with spaces', 'rép ort.json');
    const html = path.join(tmp, 'dir with spaces', 'rép ort.html');
    const args = ['a b', 'ñ', '名前', '--flag=é'];
    const ref = plain(script, args);
    const res = cli(['profile', '--quiet', '--json', json, '--html', html, script, ...args]);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, ref.stdout);
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as Report;
    assert.equal(report.run.script, script);
    assert.deepEqual(report.run.argv.slice(1), args);
    assert.equal(report.callSites[0].file, script);
    assert.ok(fs.readFileSync(html, 'utf8').includes('ünïcödé 名前 (1).py'));
  });

  test('a huge task repr and exception message: the program is unchanged and the report stays small', () => {
    const script = write(
      'huge.py',
      `from multiprocessing import Pool

class Big:
    def __repr__(self):
        return "<Big " + "x" * 5_000_000 + ">"

def task(i):
    if i == 3:
        raise ValueError("y" * 5_000_000)
    return Big()

if __name__ == "__main__":
    with Pool(2) as pool:
        try:
            pool.map(task, [Big()] * 2 + [3])
        except ValueError as e:
            print("caught", len(str(e)))
`,
    );
    const json = path.join(tmp, 'huge.json');
    const ref = plain(script);
    const res = cli(['profile', '--json', json, script]);
    assert.equal(res.status, 0, res.stderr.slice(-2000));
    assert.equal(res.stdout, ref.stdout);
    assert.equal(res.stdout, 'caught 5000000\n');
    assert.ok(fs.statSync(json).size < 200_000, 'task text is truncated in the report');
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as Report;
    const errors = report.findings.find((f) => f.id === 'task-errors');
    assert.ok(errors && errors.message.length < 2000);
    assert.match(errors.message, /ValueError: y{20}/);
    assert.ok(res.stderr.length < 100_000, 'the summary is short too');
  });
});

describe('bad input to poolscope report', () => {
  test('a truncated trace: a report of what is there, and a warning that names the cut', () => {
    const trace = savedTrace('cut');
    const bytes = fs.readFileSync(trace);
    const cut = path.join(tmp, 'cut-short.pstrace');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const json = path.join(tmp, 'cut.json');
    const res = cli(['report', cut, '--json', json]);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /warning: cut-short\.pstrace\/ev-\d+-\d+: truncated \(\d+ of \d+ bytes\)/);
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as Report;
    assert.ok(report.warnings.some((w) => /truncated/.test(w)));
  });

  test('every cut of a trace gives a report or a clear message, never a crash', () => {
    const bytes = fs.readFileSync(savedTrace('every-cut'));
    const cut = path.join(tmp, 'every-cut-short.pstrace');
    for (let n = 0; n < bytes.length; n += Math.max(1, Math.floor(bytes.length / 40))) {
      fs.writeFileSync(cut, bytes.subarray(0, n));
      const res = cli(['report', cut, '--quiet']);
      assert.ok(res.status === 0 || res.status === 1, `cut at ${n}: exit ${res.status}\n${res.stderr}`);
      assert.doesNotMatch(res.stderr, /internal error|at .*\.js:\d+/, `cut at ${n}`);
      if (res.status === 1) assert.match(res.stderr, /^poolscope: cannot read .*every-cut-short\.pstrace: /);
    }
  });

  test('a .pstrace from a newer PoolScope says to update', () => {
    const bytes = Buffer.from(fs.readFileSync(savedTrace('newer')));
    bytes.writeUInt32LE(2, 8); // container version
    const file = path.join(tmp, 'newer-container.pstrace');
    fs.writeFileSync(file, bytes);
    const res = cli(['report', file]);
    assert.equal(res.status, 1);
    assert.match(
      res.stderr,
      /trace container version 2 is newer than this PoolScope understands \(1\); update PoolScope/,
    );
  });

  test('a run directory whose segments are a newer format says to update', () => {
    const script = write('newer-dir.py', POOL);
    const runDir = fs.mkdtempSync(path.join(tmp, 'run-'));
    const ran = spawnSync('python3', [LAUNCHER, script], {
      cwd: tmp,
      env: { ...process.env, POOLSCOPE_RUN_DIR: runDir },
      timeout: 60_000,
    });
    assert.equal(ran.status, 0);
    for (const name of fs.readdirSync(runDir)) {
      const fd = fs.openSync(path.join(runDir, name), 'r+');
      const version = Buffer.alloc(2);
      version.writeUInt16LE(7);
      fs.writeSync(fd, version, 0, 2, 4); // the segment header's format version
      fs.closeSync(fd);
    }
    const res = cli(['report', runDir]);
    assert.equal(res.status, 1);
    assert.match(
      res.stderr,
      /trace format version 7 is newer than this PoolScope understands \(1\); update PoolScope/,
    );
  });

  test('a file that is not a trace, an empty file and a missing file', () => {
    const empty = write('empty.pstrace', '');
    let res = cli(['report', empty]);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /^poolscope: cannot read .*empty\.pstrace: /);
    res = cli(['report', write('random.pstrace', 'PSTRACE\0' + 'z'.repeat(100))]);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /^poolscope: cannot read .*random\.pstrace: /);
    res = cli(['report', path.join(tmp, 'absent.pstrace')]);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /^poolscope: no such trace: /);
  });
});

describe('an unsupported platform', () => {
  for (const [platform, command] of [
    ['win32', 'profile'],
    ['win32', 'sweep'],
    ['freebsd', 'profile'],
  ] as const) {
    test(`${command} on ${platform} (simulated): one line, nothing run, exit 2`, () => {
      const marker = path.join(tmp, `ran-${platform}-${command}`);
      const script = write(`platform_${command}.py`, `open(${JSON.stringify(marker)}, "w").close()\n`);
      const simulate =
        `Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform)} });` +
        `process.argv.splice(1, 0, ${JSON.stringify(CLI)}); require(${JSON.stringify(CLI)});`;
      const res = spawnSync(process.execPath, ['-e', simulate, command, script], {
        cwd: tmp,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(res.status, 2, res.stderr);
      assert.equal(res.stdout, '');
      const lines = res.stderr.trim().split('\n');
      assert.equal(lines.length, 1, res.stderr);
      assert.match(
        lines[0],
        new RegExp(`^poolscope: PoolScope runs on Linux, not on ${platform}: .*WSL.*nothing was run\\.$`),
      );
      assert.equal(fs.existsSync(marker), false, 'the script must not run');
    });
  }
});
