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
/** A run saved without CPU/memory samples has no usage file. */
const NO_USAGE = path.join(os.tmpdir(), 'ps-no-such-usage.json');
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
    const { messages, report } = await openSavedRun(worker, trace, NO_USAGE, 'r1');
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
  await assert.rejects(openSavedRun(worker, bad, NO_USAGE, 'r1'), /PSTRACE|trace/i);
  await assert.rejects(
    openSavedRun(worker, path.join(tmp, 'missing.pstrace'), NO_USAGE, 'r1'),
    /ENOENT|no such file/i,
  );
});

test('export writes the HTML report and the Chrome trace', async () => {
  const trace = path.join(FIXTURES, 'heavy_tasks.pstrace');
  const html = path.join(tmp, 'r.html');
  const json = path.join(tmp, 'r.json');
  await exportSavedRun(worker, trace, NO_USAGE, 'html', html);
  await exportSavedRun(worker, trace, NO_USAGE, 'chrome', json);
  assert.match(fs.readFileSync(html, 'utf8'), /^<!doctype html>/i);
  const events = JSON.parse(fs.readFileSync(json, 'utf8')) as { traceEvents?: unknown[] } | unknown[];
  assert.ok((Array.isArray(events) ? events : (events.traceEvents ?? [])).length > 0);
});

test('the CPU/memory samples saved with a run reach its panel and its HTML report', async () => {
  const trace = path.join(FIXTURES, 'heavy_tasks.pstrace');
  const usage = path.join(tmp, 'usage.json');
  const samples = [
    { pid: 101, t: 5, cpu: 97.5, memoryBytes: 12_000_000 },
    { pid: 101, t: 255, cpu: 99, memoryBytes: 12_500_000 },
  ];
  fs.writeFileSync(usage, JSON.stringify(samples));
  const { messages } = await openSavedRun(worker, trace, usage, 'r1');
  const delta = messages.find((m) => m.type === 'run/delta');
  assert.ok(delta?.type === 'run/delta');
  assert.deepEqual(delta.samples, samples);

  const html = path.join(tmp, 'with-usage.html');
  const without = path.join(tmp, 'without-usage.html');
  await exportSavedRun(worker, trace, usage, 'html', html);
  await exportSavedRun(worker, trace, NO_USAGE, 'html', without);
  const series = (file: string): unknown => /"usage":(\[[^\]]*\])/.exec(fs.readFileSync(file, 'utf8'))?.[1];
  assert.equal(series(without), '[]');
  assert.match(String(series(html)), /"pid":101/);

  fs.writeFileSync(usage, '{"not": "samples"}');
  await assert.rejects(
    exportSavedRun(worker, trace, usage, 'html', html),
    /is not a list of CPU\/memory samples/,
  );
});
