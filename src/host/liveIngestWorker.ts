/**
 * The worker-thread side of LiveIngestThread: runs LiveIngest (polling, model rebuilds, panel
 * deltas, interim analyses) off the extension host's thread and posts back only what the host
 * needs. Bundled as dist/liveIngestWorker.js.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analyze } from '../core';
import type { ToWebview, UsageSample } from '../shared/protocol';
import { LiveIngest } from './liveIngest';
import { transferMessage, type FromIngest, type ToIngest } from './liveIngestThread';

const { runDir, runId } = workerData as { runDir: string; runId: string };
const ingest = new LiveIngest(runDir, runId);
let samples: UsageSample[] = [];

function post(msg: FromIngest, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(msg, transfer);
}

function tick(final: boolean): void {
  send(ingest.tick(final, samples));
  samples = [];
  // The delta is on its way; the interim analysis, when one is due, follows it.
  const report = final ? null : ingest.report();
  if (report) send([report]);
}

function send(messages: ToWebview[]): void {
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
}

parentPort?.on('message', (msg: ToIngest) => {
  try {
    switch (msg.type) {
      case 'samples':
        samples.push(...msg.samples);
        return;
      case 'finish': {
        ingest.stop();
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
// host free when it runs there); once each POLL_MS after the last one ended is enough.
ingest.start((final) => {
  try {
    tick(final);
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
}, 1);
