// Traces recorded from the real Python agent (test/fixtures/traces/*.py, packed by record.ts).
// They check the whole path on data no test wrote: the agent's records, joined and judged.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { loadRun } from '../../src/core';
import type { Report } from '../../src/core/report/report';

const load = (name: string): ReturnType<typeof loadRun> =>
  loadRun(path.join(__dirname, '..', 'fixtures', 'traces', `${name}.pstrace`));
const ids = (r: Report): string[] => r.findings.map((f) => f.id);

describe('recorded traces', () => {
  test('300 tiny tasks at chunksize 1: IPC overhead wins, and a bigger chunksize is suggested', () => {
    const { model, report } = load('tiny_chunksize1');
    assert.deepEqual(model.warnings, []);
    assert.equal(report.verdict.quadrant, 'ipc-overhead-wins');
    assert.equal(report.verdict.compute, 'light');
    assert.ok(report.verdict.numbers.computeToOverhead! < 1, 'a square() is far cheaper than a message');
    const [site] = report.callSites;
    assert.deepEqual(
      [path.basename(site.file), site.line, site.api, site.chunksize, site.tasks, site.items, site.workers],
      ['tiny_chunksize1.py', 11, 'map', 1, 300, 300, 2],
    );
    assert.ok([...model.tasks].every((t) => t.state === 'done' && t.workerPid !== null));
    assert.ok(ids(report).includes('tasks-too-short'));
    assert.ok(site.suggestedChunksize !== undefined && site.suggestedChunksize > 1);
    assert.ok(site.suggestedChunksize <= Math.ceil(300 / (4 * 2)), 'capped at 4 chunks per worker');
    assert.ok(!ids(report).includes('load-imbalance'), 'imbalance of µs tasks is noise');
    assert.ok(!ids(report).includes('large-payload'));
  });

  test('six ~50 ms CPU tasks on small data: a clear win with nothing to report', () => {
    const { report } = load('heavy_tasks');
    assert.equal(report.verdict.quadrant, 'clear-win');
    assert.deepEqual(ids(report), []);
    assert.ok(report.summary.computeMsPerTask! >= 45);
    assert.ok(report.summary.bytesPerTask! < 1024);
    assert.equal(report.processes.filter((p) => p.role === 'pool-worker').length, 2);
    assert.ok(report.processes.every((p) => p.role === 'main' || p.startupMs! > 0));
  });

  test('4 MB per task with little compute: large data, with shared-memory advice', () => {
    const { report } = load('big_payload');
    assert.equal(report.verdict.data, 'large');
    assert.equal(report.verdict.quadrant, 'both-lose');
    assert.ok(report.callSites[0].ipc.bytesIn >= 4 * 4 * 1024 * 1024);
    const large = report.findings.find((f) => f.id === 'large-payload');
    assert.ok(large);
    assert.match(large.advice, /shared_memory/);
  });

  test('example 25.3 on a fresh Pool(4): light because of start-up, flagged startup-dominated', () => {
    const { report } = load('image_resize');
    assert.equal(report.verdict.compute, 'light');
    assert.equal(report.verdict.quadrant, 'ipc-overhead-wins');
    assert.ok(report.verdict.numbers.computePerWorkerToStartup! < 5);
    assert.ok(ids(report).includes('startup-dominated'));
    assert.equal(report.summary.tasks, 8);
  });

  test('Processes and Queues: messages paired across processes, the Processes judged as parallel work', () => {
    const { model, report } = load('process_queue');
    // Two Processes computing ~4 ms each, against ~4 ms to start each: not worth a process.
    assert.deepEqual(
      report.callSites.map((c) => [c.poolApi, c.workers, c.tasks]),
      [['Process', 2, 6]],
      'one Process call site; its tasks are the 6 messages the workers took (4 numbers, 2 sentinels)',
    );
    assert.equal(report.verdict.quadrant, 'ipc-overhead-wins');
    assert.equal(report.verdict.compute, 'light');
    assert.ok(report.findings.some((f) => f.id === 'startup-dominated'));
    const main = model.processes[model.mainProcess].pid;
    const [tasks, results] = report.queues;
    assert.deepEqual([tasks.api, tasks.line, tasks.messages, tasks.senders], ['Queue', 14, 6, [main]]);
    assert.equal(tasks.receivers.length, 2, 'both workers took tasks (or sentinels)');
    assert.deepEqual(
      [results.api, results.line, results.messages, results.receivers],
      ['Queue', 15, 4, [main]],
    );
    assert.ok(
      model.messages.every((m) => m.sender >= 0 && m.receiver >= 0),
      'every message was paired',
    );
    assert.equal(model.processes.filter((p) => p.role === 'process').length, 2);
  });

  test('a worker SIGKILLed mid-task: the task is in flight at the crash and the finding names both', () => {
    const { model, report } = load('worker_killed');
    const lost = [...model.tasks].filter((t) => t.inFlightAtCrash);
    assert.equal(lost.length, 1);
    assert.equal(lost[0].job, 3);
    assert.equal(lost[0].state, 'received');
    assert.equal([...model.tasks].filter((t) => t.state === 'done').length, 5);
    const crashed = report.findings.filter((f) => f.id === 'worker-crashed');
    assert.equal(crashed.length, 1, 'the worker the executor stopped afterwards is not a crash');
    assert.match(crashed[0].message, /was killed by SIGKILL while running task job 3 of submit\(\)/);
    assert.equal(crashed[0].line, 19);
  });

  test('no __main__ guard under spawn: the agent finding comes through with its line and the fix', () => {
    const { report } = load('missing_guard');
    const [f] = report.findings.filter((x) => x.id === 'missing-main-guard');
    assert.ok(f);
    assert.equal(f.severity, 'error');
    assert.deepEqual([path.basename(f.file ?? ''), f.line], ['missing_guard.py', 10]);
    assert.match(f.advice, /if __name__ == "__main__":/);
    assert.equal(report.verdict.quadrant, 'no-parallel-work', 'no task ever ran');
    assert.deepEqual(
      report.findings.filter((x) => x.id === 'worker-crashed'),
      [],
      'children dying on the re-import are the missing guard, not crashes of their own',
    );
  });
});
