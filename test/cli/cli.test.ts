// End-to-end tests of the `poolscope` CLI: the real bundle (dist/cli.js), the real agent, real
// Python processes. They need `npm run build` first (npm test does it).
import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test, before, after } from 'node:test';
import { parseArgs } from '../../src/cli/args';
import { QUADRANT_TITLES } from '../../src/core/report/units';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
let tmp: string;

function write(name: string, text: string, mode = 0o644): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text, { mode });
  return file;
}

function run(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    input: opts.input ?? '',
    env: { ...process.env, ...opts.env },
    timeout: 120_000,
  });
}

function plain(script: string, args: string[] = [], input = ''): SpawnSyncReturns<string> {
  return spawnSync('python3', [script, ...args], { cwd: tmp, encoding: 'utf8', input, timeout: 120_000 });
}

const POOL_SCRIPT = `
import sys
from multiprocessing import Pool

def square(x):
    return x * x

if __name__ == "__main__":
    with Pool(2) as pool:
        print(sum(pool.map(square, range(200), chunksize=10)))
    print("args:", sys.argv[1:])
    sys.exit(3)
`;

before(() => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-cli-'));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('poolscope profile', () => {
  test('passes stdout and the exit code through, and reports the pool call', () => {
    const script = write('pool script.py', POOL_SCRIPT);
    const json = path.join(tmp, 'report.json');
    const html = path.join(tmp, 'report.html');
    const trace = path.join(tmp, 'run.pstrace');
    const res = run(['profile', '--json', json, '--html', html, '--trace', trace, script, 'a b', 'é']);
    const ref = plain(script, ['a b', 'é']);
    assert.equal(res.stdout, ref.stdout, 'stdout must be byte-identical to a plain run');
    assert.equal(res.status, 3);
    assert.match(res.stderr, /PoolScope summary/);
    const verdict = res.stderr.split('\n').find((line) => line.startsWith('  verdict '));
    assert.ok(verdict, res.stderr);
    const title = /^ {2}verdict {4}([^:—]+?)(:| —)/.exec(verdict)?.[1];
    assert.ok(title && Object.values(QUADRANT_TITLES).includes(title), verdict);
    assert.equal(verdict.split(title).length, 2, `the quadrant's title is said once: ${verdict}`);

    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    assert.ok(
      ['clear-win', 'measure-first', 'ipc-overhead-wins', 'both-lose'].includes(report.verdict.quadrant),
    );
    assert.equal(report.callSites.length, 1);
    const site = report.callSites[0];
    assert.equal(site.line, 10); // the template starts with a newline
    assert.equal(site.api, 'map');
    assert.equal(site.chunksize, 10);
    assert.equal(site.tasks, 20);
    assert.equal(site.items, 200);
    assert.equal(site.workers, 2);
    const workers = report.processes.filter((p: { role: string }) => p.role === 'pool-worker');
    assert.equal(workers.length, 2);
    assert.equal(report.run.exitCode, 3);

    const page = fs.readFileSync(html, 'utf8');
    assert.match(page, /Content-Security-Policy/);
    assert.ok(
      !/https?:\/\//.test(page.replace(/http:\/\/www\.w3\.org[^"']*/g, '')),
      'the report loads nothing remote',
    );
    assert.ok(fs.statSync(trace).size > 0);

    // The saved trace gives the same report again.
    const again = path.join(tmp, 'again.json');
    const rep = run(['report', trace, '--json', again, '--quiet']);
    assert.equal(rep.status, 0, rep.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(again, 'utf8')).verdict, report.verdict);
  });

  test('stdin reaches the program', () => {
    const script = write('echo.py', 'import sys\nprint(sys.stdin.read().upper())\n');
    const res = run(['profile', '--quiet', script], { input: 'hello\n' });
    assert.equal(res.stdout, 'HELLO\n\n');
    assert.equal(res.status, 0);
  });

  test('an exception in the program exits 1 with its traceback, like python', () => {
    const script = write('boom.py', 'raise ValueError("boom")\n');
    const res = run(['profile', '--quiet', script]);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /ValueError: boom/);
  });

  test('a missing file is refused with a clear message', () => {
    const res = run(['profile', path.join(tmp, 'nope.py')]);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /poolscope: no such file: .*nope\.py/);
  });

  test('a non-Python file is refused', () => {
    const file = write('notes.txt', 'hello\n');
    const res = run(['profile', file]);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /not a Python file/);
  });

  test('a syntax error names the line and nothing runs', () => {
    const file = write('bad.py', 'print("ok")\nif True print(1)\n');
    const res = run(['profile', file]);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /bad\.py:2:\d+: SyntaxError/);
    assert.equal(res.stdout, '');
  });

  test('a missing interpreter is named', () => {
    const file = write('ok.py', 'print(1)\n');
    const res = run(['profile', '--python', '/no/such/python3', file]);
    assert.equal(res.status, 2);
    assert.match(
      res.stderr,
      /Python interpreter not found: \/no\/such\/python3\. Pass --python PATH to use another interpreter\./,
    );
  });

  test('an interpreter older than 3.9 is refused', () => {
    const file = write('ok2.py', 'print(1)\n');
    const fake = write('python38', '#!/bin/sh\necho \'{"version": "3.8.10"}\'\n', 0o755);
    const res = run(['profile', '--python', fake, file]);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /Python 3\.8\.10; PoolScope needs Python 3\.9 or newer/);
  });

  test('usage errors exit 2 in one line that says where the help is', () => {
    let res = run(['profile', '--workers', 'zero', 'x.py']);
    assert.equal(res.status, 2);
    assert.equal(
      res.stderr,
      'poolscope: --workers needs a whole number ≥ 1; see `poolscope profile --help`\n',
    );
    res = run(['profile', '--jsn', 'r.json', 'x.py']);
    assert.equal(res.status, 2);
    assert.match(
      res.stderr,
      /^poolscope: unknown option "--jsn" \(did you mean --json\?\); see `poolscope profile --help`\n$/,
    );
    res = run(['profiel', 'x.py']);
    assert.equal(res.status, 2);
    assert.match(
      res.stderr,
      /^poolscope: unknown command "profiel" \(did you mean profile\?\); see `poolscope --help`\n$/,
    );
  });

  test('each command has its own --help, on stdout, exit 0', () => {
    for (const args of [
      ['profile', '--help'],
      ['help', 'profile'],
    ]) {
      const res = run(args);
      assert.equal(res.status, 0, res.stderr);
      assert.match(res.stdout, /^Usage:\n {2}poolscope profile \[options\]/);
      assert.ok(!res.stdout.includes('poolscope sweep'), res.stdout);
    }
    const res = run(['sweep', '-h']);
    assert.equal(res.status, 0);
    assert.match(res.stdout, /--chunksize LIST/);
    // After the script, --help is the script's own argument.
    assert.deepEqual(parseArgs(['profile', 'x.py', '--help']), {
      command: 'profile',
      json: undefined,
      html: undefined,
      trace: undefined,
      chrome: undefined,
      python: undefined,
      workers: undefined,
      quiet: false,
      script: 'x.py',
      scriptArgs: ['--help'],
    });
  });
});

describe('poolscope report', () => {
  test('a corrupt trace file gives a clear error', () => {
    const bad = write('corrupt.pstrace', 'this is not a trace');
    const res = run(['report', bad]);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /poolscope: cannot read .*corrupt\.pstrace/);
  });
});
