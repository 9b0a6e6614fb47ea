// The live panel's reading loop on its worker thread (the bundled worker, as the extension loads it).
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { analyze, loadRecords, buildModel } from '../../src/core';
import type { Report } from '../../src/core/report/report';
import { patchBuffers, taskPatch } from '../../src/core/model/taskPatch';
import { LiveIngestThread, type ToAnalyse } from '../../src/host/run/liveIngestThread';
import type { ToWebview } from '../../src/shared/protocol';
import { poolRun, repeat } from './helpers/synthetic';

/** The reading thread's bundle, as esbuild.js builds dist/liveIngestWorker.js, in `dir`. */
function bundleWorker(dir: string): string {
  const worker = path.join(dir, 'liveIngestWorker.js');
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, '..', '..', 'src', 'host', 'run', 'liveIngestWorker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: worker,
    logLevel: 'warning',
  });
  return worker;
}

test('LiveIngestThread: every task reaches the panel once, and the final report is the saved one', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-live-thread-'));
  try {
    const worker = bundleWorker(tmp);
    const { run } = poolRun(
      { workers: 2 },
      { chunksize: 1, tasks: repeat(300, { computeMs: 1, bytesIn: 100 }) },
    );
    const dir = path.join(tmp, 'run');
    run.writeDir(dir);
    const messages: ToWebview[] = [];
    const errors: string[] = [];
    const thread = new LiveIngestThread(
      worker,
      dir,
      'r1',
      (t) => messages.push(...t.messages),
      (e) => errors.push(e),
    );
    const report = (await thread.finish()) as Report;
    assert.deepEqual(errors, []);
    const deltas = messages.filter((m) => m.type === 'run/delta');
    assert.ok(deltas.length >= 1);
    const sent = deltas.reduce((n, m) => n + m.tasks.pid.length, 0);
    assert.equal(sent, 300, 'each finished task is sent once');
    assert.deepEqual(
      report,
      analyze(buildModel(loadRecords(dir))),
      'the final report is the one a saved run gives',
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('LiveIngestThread: interim reports come from the analysis thread while the run goes on', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-live-analysis-'));
  try {
    const worker = bundleWorker(tmp);
    const { run } = poolRun(
      { workers: 2 },
      { chunksize: 1, tasks: repeat(200, { computeMs: 1, bytesIn: 100 }) },
    );
    const dir = path.join(tmp, 'run');
    run.writeDir(dir);
    const interim: Report[] = [];
    const errors: string[] = [];
    const thread = new LiveIngestThread(
      worker,
      dir,
      'r3',
      (t) => {
        for (const m of t.messages) if (m.type === 'run/report' && !m.final) interim.push(m.report);
      },
      (e) => errors.push(e),
    );
    for (let waited = 0; interim.length === 0 && waited < 20_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    const final = await thread.finish();
    assert.deepEqual(errors, []);
    assert.ok(interim.length >= 1, 'an interim report arrived before finish()');
    // Everything was written before the thread started: the interim report is the final one.
    assert.deepEqual(interim[0], final);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('the analysis thread reports on a model it gets as a clone and a patch of its tasks, as the reader would', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-live-analyser-'));
  const analyser = new Worker(bundleWorker(tmp), { workerData: { analyse: true } });
  try {
    // A crash: its finding reads row views (TaskTable.at), which the clone has to get back.
    const { run } = poolRun(
      { workers: 3 },
      {
        tasks: [...repeat(40, { computeMs: 2 }), { computeMs: 1, error: 'ValueError' }],
        crash: { worker: 1, nth: 3 },
      },
    );
    run.writeDir(path.join(tmp, 'run'));
    const model = buildModel(loadRecords(path.join(tmp, 'run')));
    const reply = await new Promise<{ report: Report; tookMs: number }>((resolve, reject) => {
      analyser.once('message', resolve);
      analyser.once('error', reject);
      const { tasks, ...rest } = model;
      const patch = taskPatch(tasks, null);
      analyser.postMessage({ model: rest, tasks: patch } satisfies ToAnalyse, patchBuffers(patch));
    });
    assert.deepEqual(reply.report, analyze(model));
    assert.ok(reply.tookMs >= 0);
  } finally {
    await analyser.terminate();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('LiveIngestThread: a reader that cannot start is reported, and finish() does not wait for it', async () => {
  const errors: string[] = [];
  const missing = path.join(os.tmpdir(), 'ps-no-such-worker.js');
  const thread = new LiveIngestThread(
    missing,
    os.tmpdir(),
    'r2',
    () => undefined,
    (e) => errors.push(e),
  );
  // The thread reports its failure asynchronously: wait for it (a loaded machine takes a while).
  for (let waited = 0; errors.length === 0 && waited < 10_000; waited += 50)
    await new Promise((r) => setTimeout(r, 50));
  await assert.rejects(thread.finish(), /trace reader stopped|Cannot find module/);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /Cannot find module/);
});
