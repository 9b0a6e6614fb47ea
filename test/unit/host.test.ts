// Host logic that needs no VS Code: run history, argument lines, the webview message guard,
// the panel's view rows, the __main__ guard finder and the launcher (real processes).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { loadRun } from '../../src/core';
import type { Report } from '../../src/core/report/report';
import { argsLineFixtures } from './helpers/argsLineFixtures';
import { parseArgsLine } from '../../src/host/commands/argsLine';
import { readUsageFile, RunHistory } from '../../src/host/history/history';
import { mainGuardLines } from '../../src/host/checks/mainGuard';
import { lanesOf, savedRunMessages, sitesOf, TaskDeltas } from '../../src/host/panels/viewRows';
import { launch, shellExitCode } from '../../src/run/launcher';
import { isFromWebview } from '../../src/shared/protocol';
import { processGroup } from '../integration/harness/processTree';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'traces');

function fakeReport(script: string, startedAt: string, quadrant = 'clear-win', files: string[] = []): Report {
  return {
    run: { script, startedAt, exitCode: 0 },
    summary: { wallMs: 1234, workers: 2, tasks: 10 },
    verdict: { quadrant },
    callSites: files.map((file) => ({ file, line: 3 })),
  } as unknown as Report;
}

describe('RunHistory', () => {
  test('saves, lists newest first, prunes and deletes', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-history-'));
    const h = new RunHistory(root);
    const ids = ['a', 'b', 'c'].map((name, i) => {
      const id = h.newRunId(new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
      h.save(id, fakeReport(`${name}.py`, `2026-01-01T00:00:0${i}.000Z`), (file) =>
        fs.writeFileSync(file, 'T'),
      );
      return id;
    });
    assert.deepEqual(
      h.list().map((r) => r.script),
      ['c.py', 'b.py', 'a.py'],
    );
    assert.equal(fs.readFileSync(h.tracePath(ids[0]), 'utf8'), 'T');
    assert.equal(h.readReport(ids[1]).run.script, 'b.py');
    assert.equal((fs.statSync(h.dir(ids[0])).mode & 0o777).toString(8), '700');
    // A folder without its header (an interrupted save) is not listed and does not break listing.
    fs.mkdirSync(path.join(root, 'broken'));
    assert.equal(h.list().length, 3);
    assert.deepEqual(h.prune(2), [ids[0]]);
    assert.deepEqual(
      h.list().map((r) => r.id),
      [ids[2], ids[1]],
    );
    h.delete(ids[2]);
    assert.deepEqual(
      h.list().map((r) => r.id),
      [ids[1]],
    );
    fs.rmSync(root, { recursive: true });
  });

  test('keeps the call-site files as they were profiled, for the lenses', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-history-'));
    const script = path.join(root, 'main.py');
    const helper = path.join(root, 'helper.py');
    fs.writeFileSync(script, 'edited after the run\n');
    fs.writeFileSync(helper, 'def work(x):\n    return x\n');
    const h = new RunHistory(path.join(root, 'runs'));
    const meta = h.save(
      'r1',
      fakeReport(script, '2026-01-01T00:00:00.000Z', 'clear-win', [script, helper]),
      (f) => fs.writeFileSync(f, 'T'),
      { [script]: 'as it ran\n' },
    );
    assert.deepEqual(meta.files, [script, helper]);
    assert.deepEqual(h.readSources('r1'), {
      [script]: 'as it ran\n',
      [helper]: 'def work(x):\n    return x\n',
    });
    assert.deepEqual(h.readSources('no-such-run'), {});
    fs.rmSync(root, { recursive: true });
  });

  test('keeps the CPU/memory samples the panel showed, for the saved run', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-history-'));
    const h = new RunHistory(root);
    const samples = [{ pid: 7, t: 12.5, cpu: 88, memoryBytes: 1e7 }];
    h.save(
      'with',
      fakeReport('a.py', '2026-01-01T00:00:00.000Z'),
      (f) => fs.writeFileSync(f, 'T'),
      {},
      samples,
    );
    h.save('without', fakeReport('b.py', '2026-01-01T00:00:01.000Z'), (f) => fs.writeFileSync(f, 'T'));
    assert.deepEqual(readUsageFile(h.usagePath('with')), samples);
    assert.equal(fs.existsSync(h.usagePath('without')), false);
    assert.deepEqual(readUsageFile(h.usagePath('without')), []);
    fs.rmSync(root, { recursive: true });
  });

  test('refuses ids that would leave its folder', () => {
    const h = new RunHistory('/tmp/nowhere');
    assert.throws(() => h.dir('../etc'), /invalid run id/);
    assert.throws(() => h.dir('a/b'), /invalid run id/);
  });
});

test('argument lines split like a shell for words and quotes', () => {
  for (const [line, expected] of argsLineFixtures) assert.deepEqual(parseArgsLine(line), expected, line);
  assert.throws(() => parseArgsLine('"open'), /unterminated " quote/);
});

test('the webview message guard accepts exactly the protocol', () => {
  assert.ok(isFromWebview({ type: 'webview/ready' }));
  assert.ok(isFromWebview({ type: 'source/open', file: 'a.py', line: 3 }));
  assert.ok(isFromWebview({ type: 'run/export', runId: 'r', format: 'html' }));
  for (const bad of [
    null,
    'webview/ready',
    { type: 'source/open', file: '', line: 3 },
    { type: 'source/open', file: 'a.py', line: 1.5 },
    { type: 'source/open', file: 'a.py', line: -1 },
    { type: 'run/export', runId: 'r', format: 'pdf' },
    { type: 'run/cancel' },
    { type: 'eval', code: 'x' },
  ]) {
    assert.equal(isFromWebview(bad), false, JSON.stringify(bad));
  }
});

test('view rows: one lane per process, finished tasks sent once', () => {
  const { model, report } = loadRun(path.join(FIXTURES, 'tiny_chunksize1.pstrace'));
  const lanes = lanesOf(model);
  assert.equal(lanes.length, model.processes.length);
  assert.ok(lanes.some((l) => l.label.startsWith('main ')));
  const { sites, siteOfTask } = sitesOf(model);
  assert.deepEqual(
    sites.map((s) => `${s.file}:${s.line}`),
    report.callSites.map((c) => `${c.file}:${c.line}`),
  );
  const deltas = new TaskDeltas();
  const first = deltas.next(model, siteOfTask, model.wallMs);
  assert.equal(first.tasks.pid.length, report.summary.tasks);
  assert.ok(first.tasks.site.every((s) => s === 0));
  assert.ok(first.tasks.t1.every((t, i) => t >= first.tasks.t0[i]));
  assert.equal(deltas.next(model, siteOfTask, model.wallMs).tasks.pid.length, 0, 'nothing is sent twice');
});

test('view rows: task columns go to the panel as Float64Arrays, not JSON numbers', () => {
  const { model, report } = loadRun(path.join(FIXTURES, 'tiny_chunksize1.pstrace'));
  const delta = savedRunMessages(model, report, 'r').find((m) => m.type === 'run/delta');
  assert.ok(delta && delta.type === 'run/delta');
  for (const [name, col] of Object.entries(delta.tasks)) {
    assert.ok(col instanceof Float64Array, `${name} is a Float64Array`);
    assert.equal(col.length, report.summary.tasks);
  }
  // As VS Code's webview messaging encodes it: each column's buffer goes by reference.
  const buffers: ArrayBufferLike[] = [];
  const wire = JSON.stringify(delta, (_k, v: unknown) =>
    ArrayBuffer.isView(v) ? buffers.push(v.buffer) : v,
  );
  assert.equal(
    new Set(buffers).size,
    20,
    'finished and running tasks: ten columns each, each its own buffer',
  );
  assert.ok(wire.length < 2000, `the JSON part stays small: ${wire.length} characters`);
});

test('the __main__ guard is found in both spellings', () => {
  const text =
    'x = 1\nif __name__ == "__main__":\n    main()\nif \'__main__\' == __name__ :\n  pass\n#if __name__ == "__main__":\n';
  assert.deepEqual(mainGuardLines(text), [1, 3]);
});

describe('launcher', () => {
  test('cancel ends the whole process group, grandchildren included', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-launch-'));
    const agent = path.join(dir, 'agent');
    fs.mkdirSync(agent);
    // A stand-in launcher: starts a grandchild that would outlive a plain kill of its parent.
    fs.writeFileSync(
      path.join(agent, 'poolscope_launch.py'),
      'import subprocess, sys, time\nsubprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])\nprint("ready", flush=True)\ntime.sleep(60)\n',
    );
    const run = launch({
      python: 'python3',
      agentDir: agent,
      script: 'x.py',
      args: [],
      cwd: dir,
      runDir: dir,
      stdio: 'pipe',
      ownProcessGroup: true,
    });
    await new Promise<void>((resolve) => run.child.stdout?.once('data', () => resolve()));
    const pgid = run.child.pid as number;
    await run.cancel(500);
    const exit = await run.exited;
    assert.equal(exit.signal, 'SIGTERM');
    assert.equal(shellExitCode(exit), 143);
    assert.deepEqual(processGroup(pgid), [], 'no process of the group is left');
    fs.rmSync(dir, { recursive: true });
  });

  test('a missing agent is a clear error', () => {
    assert.throws(
      () =>
        launch({ python: 'python3', agentDir: '/nope', script: 'x.py', args: [], cwd: '/', runDir: '/tmp' }),
      /Python agent is missing/,
    );
  });
});
