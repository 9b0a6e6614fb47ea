/**
 * Opening and exporting a saved run on a worker thread: the real bundled worker, on recorded
 * traces. What it sends must be exactly what the host's thread would have built.
 */
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { loadRun } from '../../src/core';
import { exportSavedRun, openSavedRun } from '../../src/host/history/savedRunThread';
import { savedRunMessages } from '../../src/host/panels/viewRows';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'traces');
let tmp = '';
let worker = '';

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-saved-thread-'));
  worker = path.join(tmp, 'savedRunWorker.js');
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, '..', '..', 'src', 'host', 'history', 'savedRunWorker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: worker,
    logLevel: 'warning',
  });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

for (const name of ['tiny_chunksize1', 'worker_killed', 'process_queue']) {
  test(`${name}: the worker sends what the host's thread would build, columns as Float64Arrays`, async () => {
    const trace = path.join(FIXTURES, `${name}.pstrace`);
    const { messages, report } = await openSavedRun(worker, trace, 'r1');
    const here = loadRun(trace);
    assert.deepEqual(report, here.report);
    assert.deepEqual(messages, savedRunMessages(here.model, here.report, 'r1'));
    const delta = messages.find((m) => m.type === 'run/delta');
    assert.ok(delta?.type === 'run/delta' && delta.tasks.t0 instanceof Float64Array);
  });
}

test('a damaged trace is a clear error, not a hang', async () => {
  const bad = path.join(tmp, 'bad.pstrace');
  fs.writeFileSync(bad, 'not a trace at all');
  await assert.rejects(openSavedRun(worker, bad, 'r1'), /PSTRACE|trace/i);
  await assert.rejects(openSavedRun(worker, path.join(tmp, 'missing.pstrace'), 'r1'), /ENOENT|no such file/i);
});

test('export writes the HTML report and the Chrome trace', async () => {
  const trace = path.join(FIXTURES, 'heavy_tasks.pstrace');
  const html = path.join(tmp, 'r.html');
  const json = path.join(tmp, 'r.json');
  await exportSavedRun(worker, trace, 'html', html);
  await exportSavedRun(worker, trace, 'chrome', json);
  assert.match(fs.readFileSync(html, 'utf8'), /^<!doctype html>/i);
  const events = JSON.parse(fs.readFileSync(json, 'utf8')) as { traceEvents?: unknown[] } | unknown[];
  assert.ok((Array.isArray(events) ? events : (events.traceEvents ?? [])).length > 0);
});
