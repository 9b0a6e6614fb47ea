/**
 * The worker-thread side of savedRunThread: loads a saved run (read, model, analysis: seconds for
 * a million tasks) off the extension host's thread, and posts back the panel's messages with
 * their task columns transferred, or writes an export. Bundled as dist/savedRunWorker.js.
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { loadRun, reportLanes, toChromeTrace } from '../../core';
import { renderHtmlReport } from '../../core/export';
import { transferMessage } from '../run/liveIngestThread';
import type { SavedRunJob, FromSavedRun } from './savedRunThread';
import { savedRunMessages } from '../panels/viewRows';
import { readUsageFile } from './history';

function post(msg: FromSavedRun, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(msg, transfer);
}

function run(job: SavedRunJob): void {
  const { model, report } = loadRun(job.trace);
  const usage = readUsageFile(job.usage);
  if (job.op === 'open') {
    const transfer: ArrayBuffer[] = [];
    const messages = savedRunMessages(model, report, job.runId, usage).map((m) =>
      transferMessage(m, transfer),
    );
    post({ type: 'opened', messages, report }, transfer);
  } else {
    const text =
      job.format === 'chrome'
        ? JSON.stringify(toChromeTrace(model))
        : renderHtmlReport(report, reportLanes(model), usage);
    fs.writeFileSync(job.target, text);
    post({ type: 'exported' });
  }
}

try {
  run(workerData as SavedRunJob);
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
