// The live panel's reading loop on its worker thread (the bundled worker, as the extension loads it).
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { analyze, loadRecords, buildModel } from '../../src/core';
import type { Report } from '../../src/core/report';
import { LiveIngestThread } from '../../src/host/liveIngestThread';
import type { ToWebview } from '../../src/shared/protocol';
import { poolRun, repeat } from './helpers/synthetic';

test('LiveIngestThread: every task reaches the panel once, and the final report is the saved one', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-live-thread-'));
  try {
    const worker = path.join(tmp, 'liveIngestWorker.js');
    esbuild.buildSync({
      entryPoints: [path.join(__dirname, '..', '..', 'src', 'host', 'liveIngestWorker.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: worker,
      logLevel: 'warning',
    });
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
