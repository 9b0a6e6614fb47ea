// Faults in the profiled program, end to end through the real CLI and agent (issue 6). For each:
// the program's stdout, stderr and exit status are those of a plain `python3 script.py` run, the
// trace keeps what happened up to the fault, the report marks the fault where it happened, and no
// process of the run is left afterwards. Needs `npm run build` first (npm test does it).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadRun } from '../../src/core';
import type { Finding, Report } from '../../src/core/report/report';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
let tmp: string;

interface Outcome {
  stdout: string;
  stderr: string;
  status: number | null;
  signal: NodeJS.Signals | null;
}

interface Profiled extends Outcome {
  report: Report;
  trace: string;
}

before(() => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-faults-'));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The 1-based line holding `# FAULT` in a script. */
function faultLine(script: string): number {
  const index = fs
    .readFileSync(script, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('# FAULT'));
  assert.ok(index >= 0, 'the script marks its fault line');
  return index + 1;
}

/** Processes whose environment holds the token: what is left of a run. */
function survivors(token: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/environ`).includes(`POOLSCOPE_FAULT_TOKEN=${token}`)) {
        found.push(Number(entry));
      }
    } catch {
      // It ended while we looked, or is not ours to read.
    }
  }
  return found;
}

async function assertNoneLeft(token: string): Promise<void> {
  // A worker the pool just SIGTERMed may take a moment to be reaped by init.
  const deadline = Date.now() + 3000;
  let left = survivors(token);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = survivors(token);
  }
  assert.deepEqual(left, [], 'no process of the run is left');
}

function runPlain(script: string, args: string[], token: string): Outcome {
  const res = spawnSync('python3', [script, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, POOLSCOPE_FAULT_TOKEN: token },
    timeout: 120_000,
  });
  return { stdout: res.stdout, stderr: res.stderr, status: res.status, signal: res.signal };
}

function runProfiled(script: string, args: string[], token: string): Profiled {
  const base = path.join(tmp, `${path.basename(script)}-${token}`);
  const res = spawnSync(
    process.execPath,
    [CLI, 'profile', '--quiet', '--json', `${base}.json`, '--trace', `${base}.pstrace`, script, ...args],
    { cwd: tmp, encoding: 'utf8', env: { ...process.env, POOLSCOPE_FAULT_TOKEN: token }, timeout: 120_000 },
  );
  assert.ok(fs.existsSync(`${base}.json`), `no report written; stderr:\n${res.stderr}`);
  const report = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')) as Report;
  return {
    stdout: res.stdout,
    stderr: res.stderr,
    status: res.status,
    signal: res.signal,
    report,
    trace: `${base}.pstrace`,
  };
}

/** Plain and profiled runs of one script; the program's own behaviour must be the same. */
async function both(script: string, args: string[] = ['fork']): Promise<Profiled> {
  const plainToken = randomUUID();
  const plain = runPlain(script, args, plainToken);
  await assertNoneLeft(plainToken);
  const token = randomUUID();
  const profiled = runProfiled(script, args, token);
  await assertNoneLeft(token);
  assert.equal(profiled.stdout, plain.stdout, 'stdout as in a plain run');
  assert.equal(normalise(profiled.stderr), normalise(plain.stderr), 'stderr as in a plain run');
  assert.equal(profiled.status, plain.status, 'exit status as in a plain run');
  assert.equal(profiled.signal, plain.signal);
  return profiled;
}

/** Tracebacks name pids and object addresses, which differ from run to run. */
function normalise(text: string): string {
  return text.replace(/0x[0-9a-f]+/g, '0x…').replace(/pid \d+/g, 'pid …');
}

function finding(report: Report, id: string): Finding {
  const found = report.findings.find((f) => f.id === id);
  assert.ok(found, `expected a ${id} finding, got ${JSON.stringify(report.findings.map((f) => f.id))}`);
  return found;
}

function assertAt(f: Finding, script: string, line: number): void {
  assert.equal(f.file, script);
  assert.equal(f.line, line);
}

const HEADER = `import os, signal, sys, time
import multiprocessing as mp
`;

describe('faults: the program behaves as without PoolScope, and the report says where it broke', () => {
  test('a pool worker SIGKILLed mid-task', async () => {
    const script = write(
      'sigkill.py',
      `${HEADER}
def task(i):
    time.sleep(0.01)
    return os.getpid()

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    with mp.Pool(2) as pool:
        pids = pool.map(task, range(8), chunksize=1)
        lost = pool.apply_async(die)  # FAULT
        lost.wait(1.0)
        print("lost task ready:", lost.ready())
        print("later:", len(pool.map(task, range(4), chunksize=1)))
`,
    );
    const run = await both(script);
    assert.equal(run.stdout, 'lost task ready: False\nlater: 4\n');
    const crash = finding(run.report, 'worker-crashed');
    assertAt(crash, script, faultLine(script));
    assert.match(
      crash.message,
      /killed by SIGKILL while running task job \d+(, chunk \d+)? of apply_async\(\)/,
    );
    // Everything before the kill is in the trace: the first map's tasks done, the fatal task
    // received by the victim (and never answered).
    const { model } = loadRun(run.trace);
    const victim = run.report.processes.find((p) => p.signal === 9);
    assert.ok(victim && victim.role === 'pool-worker');
    const tasks = [...model.tasks];
    const byApi = (api: string) => tasks.filter((t) => model.calls[t.call]?.api === api);
    const [firstMap] = [...new Set(byApi('map').map((t) => t.call))].sort((a, b) => a - b);
    const first = tasks.filter((t) => t.call === firstMap);
    assert.equal(first.length, 8);
    assert.ok(first.every((t) => t.state === 'done' && t.workerPid !== null));
    const [fatal] = byApi('apply_async');
    assert.equal(fatal.workerPid, victim.pid);
    assert.ok(fatal.inFlightAtCrash && fatal.state !== 'done');
  });

  test('a Process child ending in os._exit(7)', async () => {
    const script = write(
      'osexit.py',
      `${HEADER}
def child():
    print("child running", flush=True)
    os._exit(7)

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    p = mp.Process(target=child)
    p.start()  # FAULT
    p.join()
    print("exitcode", p.exitcode)
`,
    );
    for (const method of ['fork', 'spawn']) {
      const run = await both(script, [method]);
      assert.equal(run.stdout, 'child running\nexitcode 7\n');
      const crash = finding(run.report, 'worker-crashed');
      assertAt(crash, script, faultLine(script));
      assert.match(crash.message, /process pid \d+ exited with code 7/);
    }
  });

  test('a pool worker calling os._exit(3) in a task', async () => {
    const script = write(
      'poolexit.py',
      `${HEADER}
def task(i):
    return i

def bail():
    os._exit(3)

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    with mp.Pool(2) as pool:
        print(sum(pool.map(task, range(6), chunksize=1)))
        lost = pool.apply_async(bail)  # FAULT
        lost.wait(1.0)
        print("lost task ready:", lost.ready())
        print("later:", sum(pool.map(task, range(4), chunksize=1)))
`,
    );
    for (const method of ['fork', 'spawn']) {
      const run = await both(script, [method]);
      assert.equal(run.stdout, '15\nlost task ready: False\nlater: 6\n');
      const crash = finding(run.report, 'worker-crashed');
      assertAt(crash, script, faultLine(script));
      assert.match(
        crash.message,
        /pool-worker pid \d+ .*exited with code 3 while running task job \d+(, chunk \d+)? of apply_async\(\)/,
      );
    }
  });

  test('a task raising', async () => {
    const script = write(
      'raises.py',
      `${HEADER}
def task(i):
    if i == 5:
        raise ValueError("task %d failed" % i)
    return i

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    with mp.Pool(2) as pool:
        try:
            pool.map(task, range(10), chunksize=1)  # FAULT
        except ValueError as e:
            print("caught:", e)
`,
    );
    const run = await both(script);
    assert.equal(run.stdout, 'caught: task 5 failed\n');
    const errors = finding(run.report, 'task-errors');
    assertAt(errors, script, faultLine(script));
    assert.match(errors.message, /1 of 10 tasks raised an exception; the first: ValueError: task 5 failed/);
  });

  test('a result that cannot be pickled', async () => {
    const script = write(
      'unpicklable.py',
      `${HEADER}import threading

def task(i):
    return threading.Lock()

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    with mp.Pool(2) as pool:
        try:
            pool.apply(task, (1,))  # FAULT
        except Exception as e:
            print("caught:", type(e).__name__)
`,
    );
    const run = await both(script);
    assert.equal(run.stdout, 'caught: MaybeEncodingError\n');
    const errors = finding(run.report, 'task-errors');
    assertAt(errors, script, faultLine(script));
    assert.match(errors.message, /cannot pickle '_thread\.lock' object/);
  });

  test('maxtasksperchild: retired workers are not crashes and no task is lost', async () => {
    const script = write(
      'maxtasks.py',
      `${HEADER}
def task(i):
    return os.getpid()

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    with mp.Pool(2, maxtasksperchild=2) as pool:
        pids = pool.map(task, range(12), chunksize=1)
    print("tasks", len(pids), "workers >= 6:", len(set(pids)) >= 6)
`,
    );
    const run = await both(script);
    assert.equal(run.stdout, 'tasks 12 workers >= 6: True\n');
    assert.ok(!run.report.findings.some((f) => f.id === 'worker-crashed'), 'a retired worker is no crash');
    const [site] = run.report.callSites;
    assert.equal(site.tasks, 12);
    // Every task done, by workers that each ran at most two (a worker that retires as the pool
    // ends may be reaped by terminate()'s SIGTERM instead of exiting 0: no crash either way).
    const { model } = loadRun(run.trace);
    assert.equal(model.tasks.length, 12);
    assert.ok([...model.tasks].every((t) => t.state === 'done'));
    const perWorker = new Map<number | null, number>();
    for (const t of model.tasks) perWorker.set(t.workerPid, (perWorker.get(t.workerPid) ?? 0) + 1);
    assert.ok(
      perWorker.size >= 6 && [...perWorker.values()].every((n) => n <= 2),
      JSON.stringify([...perWorker]),
    );
  });

  test('a pool that is never closed', async () => {
    const script = write(
      'neverclosed.py',
      `${HEADER}
def task(i):
    return i * i

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    pool = mp.Pool(2)
    print(sum(pool.map(task, range(20))))
`,
    );
    for (const method of ['fork', 'spawn']) {
      const run = await both(script, [method]);
      assert.equal(run.stdout, '2470\n');
      assert.equal(run.report.run.exitCode, 0);
      assert.ok(
        !run.report.findings.some((f) => f.id === 'worker-crashed'),
        'terminate() at exit is no crash',
      );
      assert.equal(run.report.callSites[0].items, 20);
    }
  });

  test('the main script raising', async () => {
    const script = write(
      'mainraises.py',
      `${HEADER}
def task(i):
    return i * i

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    with mp.Pool(2) as pool:
        print(sum(pool.map(task, range(20))))
    raise RuntimeError("the main script failed")  # FAULT
`,
    );
    const run = await both(script);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /RuntimeError: the main script failed/);
    const failed = finding(run.report, 'uncaught-exception');
    assert.equal(failed.severity, 'error');
    assertAt(failed, script, faultLine(script));
    assert.match(failed.message, /RuntimeError: the main script failed/);
    assert.equal(run.report.callSites[0].items, 20, 'the work before the exception is all there');
  });

  test('a Manager server killed', async () => {
    const script = write(
      'manager.py',
      `${HEADER}
if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    manager = mp.Manager()  # FAULT
    shared = manager.dict()
    shared["a"] = 1
    os.kill(manager._process.pid, signal.SIGKILL)
    manager._process.join()
    try:
        shared["b"] = 2
    except (EOFError, ConnectionError) as e:
        print("manager gone:", type(e).__name__)
    print("manager exitcode", manager._process.exitcode)
`,
    );
    const run = await both(script);
    assert.equal(run.stdout, 'manager gone: BrokenPipeError\nmanager exitcode -9\n');
    const crash = finding(run.report, 'worker-crashed');
    assertAt(crash, script, faultLine(script));
    assert.match(crash.message, /manager pid \d+ was killed by SIGKILL/);
    // The calls made before the kill are in the trace.
    assert.ok(run.report.managers.some((m) => m.method.endsWith('__setitem__') && m.calls >= 1));
  });

  test('Ctrl-C: SIGINT to the process group during a run', async () => {
    const script = write(
      'interrupted.py',
      `${HEADER}
def task(i):
    time.sleep(0.05)
    return i

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    with mp.Pool(2) as pool:
        print("first", sum(pool.map(task, range(4))), flush=True)
        pool.map(task, range(100000))  # FAULT
`,
    );
    const interrupt = async (argv: string[], token: string): Promise<Outcome> => {
      // Its own process group, as a terminal gives a foreground job; Ctrl-C signals the group.
      const child = spawn(argv[0], argv.slice(1), {
        cwd: tmp,
        detached: true,
        env: { ...process.env, POOLSCOPE_FAULT_TOKEN: token },
      });
      let stdout = '';
      let stderr = '';
      let pressed = false;
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if (stdout.includes('first') && !pressed) {
          pressed = true; // one Ctrl-C: a second would interrupt the pool's own clean-up too
          setTimeout(() => process.kill(-child.pid!, 'SIGINT'), 200);
        }
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
      const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.once('close', (c, s) => resolve([c, s])),
      );
      clearTimeout(killer);
      await assertNoneLeft(token);
      return { stdout, stderr, status, signal };
    };
    const plain = await interrupt(['python3', script, 'fork'], randomUUID());
    const json = path.join(tmp, 'interrupted.json');
    const profiled = await interrupt(
      [process.execPath, CLI, 'profile', '--quiet', '--json', json, script, 'fork'],
      randomUUID(),
    );
    const said = `plain stderr:\n${plain.stderr.slice(-1500)}\nprofiled stderr:\n${profiled.stderr.slice(-1500)}`;
    let report: Report | undefined;
    try {
      assert.equal(plain.signal, 'SIGINT', `python ends by SIGINT after a KeyboardInterrupt\n${said}`);
      assert.equal(profiled.signal, plain.signal, said);
      assert.equal(profiled.status, plain.status, said);
      assert.equal(profiled.stdout, plain.stdout, said);
      assert.match(plain.stderr, /KeyboardInterrupt/);
      assert.match(profiled.stderr, /KeyboardInterrupt/);
      assert.doesNotMatch(profiled.stderr, /poolscope:/, said);
      report = JSON.parse(fs.readFileSync(json, 'utf8')) as Report;
      assert.equal(report.run.exitCode, -2, 'the main process ended by SIGINT (negative: a signal)');
      const stopped = finding(report, 'uncaught-exception');
      assert.equal(stopped.line, faultLine(script), `${stopped.file}:${stopped.line}\n${said}`);
      assertAt(stopped, script, faultLine(script));
      assert.match(stopped.message, /interrupted here \(KeyboardInterrupt/);
      assert.equal(stopped.severity, 'warning', 'a Ctrl-C is the user’s choice, not a bug');
      // The first map (the line above the fault) is all there.
      const first = report.callSites.find((c) => c.line === faultLine(script) - 1);
      assert.equal(
        first?.items,
        4,
        `the call before Ctrl-C is all there: ${JSON.stringify(report.callSites)}`,
      );
    } catch (err) {
      // A rare failure under load: keep everything that explains it.
      const findings = JSON.stringify(report?.findings.map((f) => [f.id, f.line, f.message]));
      throw new Error(
        `${(err as Error).message}\n${said}\nstdout plain ${JSON.stringify(plain.stdout)} profiled ${JSON.stringify(profiled.stdout)}\nstatus ${plain.status}/${plain.signal} vs ${profiled.status}/${profiled.signal}\nfindings ${findings}`,
        { cause: err },
      );
    }
  });
});
