/**
 * The worker-thread side of LiveIngestThread: runs LiveIngest (polling, the model, the panel's
 * deltas) off the extension host's thread and posts back only what the host needs. Interim
 * analyses run on a thread of their own (this file again, started with `analyse`): an analysis of
 * a big run takes hundreds of milliseconds, and the next delta must not wait for it. Bundled as
 * dist/liveIngestWorker.js.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { analyze } from '../../core';
import type { Report } from '../../core/report';
import { patchBuffers, TaskMirror, taskPatch } from '../../core/model';
import type { ToWebview, UsageSample } from '../../shared/protocol';
import { LiveIngest } from './liveIngest';
import { transferMessage, type FromIngest, type ToAnalyse, type ToIngest } from './liveIngestThread';

/** Analysis thread → reading thread. */
interface Analysed {
  report: Report;
  tookMs: number;
}

const data = workerData as { runDir: string; runId: string } | { analyse: true };
if ('analyse' in data) analyseModels();
else readRun(data.runDir, data.runId);

/**
 * The analysis thread: a report for each model it is sent (a structured clone of all but its
 * tasks, which it keeps a copy of: each model brings the rows that changed).
 */
function analyseModels(): void {
  const tasks = new TaskMirror();
  parentPort?.on('message', ({ model, tasks: patch }: ToAnalyse) => {
    const started = performance.now();
    const report = analyze({ ...model, tasks: tasks.apply(patch) });
    parentPort?.postMessage({ report, tookMs: performance.now() - started } satisfies Analysed);
  });
}

/** The reading thread. */
function readRun(runDir: string, runId: string): void {
  const ingest = new LiveIngest(runDir, runId);
  let samples: UsageSample[] = [];
  let finishing = false;
  // Started on the first interim report; null once it failed (analyses then run here).
  let analyser: Worker | null | undefined;

  const post = (msg: FromIngest, transfer: ArrayBuffer[] = []): void =>
    parentPort?.postMessage(msg, transfer);

  const send = (messages: ToWebview[]): void => {
    const model = ingest.model;
    if (messages.length === 0 || !model) return;
    const transfer: ArrayBuffer[] = [];
    post(
      {
        type: 'tick',
        messages: messages.map((m) => transferMessage(m, transfer)),
        originNs: model.originNs,
        runningPids: model.processes.filter((p) => p.endMs === null).map((p) => p.pid),
      },
      transfer,
    );
  };

  const startAnalyser = (): Worker => {
    const worker = new Worker(__filename, { workerData: { analyse: true } });
    worker.on('message', ({ report, tookMs }: Analysed) => {
      ingest.reported(tookMs);
      if (!finishing) send([{ type: 'run/report', runId, report, final: false }]);
    });
    worker.on('error', () => {
      analyser = null;
      ingest.reported(0);
    });
    return worker;
  };

  const tick = (final: boolean): void => {
    send(ingest.tick(final, samples));
    samples = [];
    if (final) return;
    if (analyser === null) {
      const report = ingest.report();
      if (report) send([report]);
      return;
    }
    const due = ingest.reportDue();
    if (!due) return;
    // The first model goes whole: the rows changed before the analysis thread started count too.
    const { tasks, ...model } = due.model;
    const patch = taskPatch(tasks, analyser ? due.rows : null);
    const message: ToAnalyse = { model, tasks: patch };
    (analyser ??= startAnalyser()).postMessage(message, patchBuffers(patch));
  };

  parentPort?.on('message', (msg: ToIngest) => {
    try {
      switch (msg.type) {
        case 'samples':
          samples.push(...msg.samples);
          return;
        case 'finish': {
          finishing = true;
          ingest.stop();
          void analyser?.terminate();
          tick(true);
          post({ type: 'finished', report: ingest.model ? analyze(ingest.model) : undefined });
          return;
        }
      }
    } catch (err) {
      post({ type: 'error', message: (err as Error).message });
    }
  });

  // Off the host's thread, ticks need no long pauses between them (LiveIngest's back-off keeps the
  // host free when it runs there): one every POLL_MS, or back to back when one takes longer.
  ingest.start((final) => {
    try {
      tick(final);
    } catch (err) {
      post({ type: 'error', message: (err as Error).message });
    }
  }, 1);
}
