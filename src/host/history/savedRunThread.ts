/**
 * Opening or exporting a saved run on a worker thread (dist/savedRunWorker.js). Loading a run of a
 * million tasks takes seconds; on the extension host's thread that would freeze every extension
 * for as long. No VS Code API here, so it is tested with plain node.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Report } from '../../core/report';
import type { ToWebview } from '../../shared/protocol';

/** Host → worker (its workerData). */
export type SavedRunJob =
  | { op: 'open'; trace: string; usage: string; runId: string }
  | { op: 'export'; trace: string; usage: string; format: 'chrome' | 'html'; target: string };

/** Worker → host. */
export type FromSavedRun =
  | { type: 'opened'; messages: ToWebview[]; report: Report }
  | { type: 'exported' }
  | { type: 'error'; message: string };

/** The bundled worker, from the extension's folder. */
export function savedRunWorkerFile(extensionPath: string): string {
  return path.join(extensionPath, 'dist', 'savedRunWorker.js');
}

function runJob(workerFile: string, job: SavedRunJob): Promise<FromSavedRun> {
  return new Promise<FromSavedRun>((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: job });
    let answered = false;
    worker.once('message', (msg: FromSavedRun) => {
      answered = true;
      if (msg.type === 'error') reject(new Error(msg.message));
      else resolve(msg);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      answered = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the trace reader stopped (exit code ${code})`));
    });
  });
}

/**
 * The panel's messages for a saved run (header, all its tasks and CPU/memory samples, report,
 * status) and its report. `usage`: the run's samples file (history.usagePath; may not exist).
 */
export async function openSavedRun(
  workerFile: string,
  trace: string,
  usage: string,
  runId: string,
): Promise<{ messages: ToWebview[]; report: Report }> {
  const msg = await runJob(workerFile, { op: 'open', trace, usage, runId });
  if (msg.type !== 'opened') throw new Error(`unexpected answer: ${msg.type}`);
  return msg;
}

/** Writes a saved run as a Chrome/Perfetto trace or an HTML report (with its samples) to `target`. */
export async function exportSavedRun(
  workerFile: string,
  trace: string,
  usage: string,
  format: 'chrome' | 'html',
  target: string,
): Promise<void> {
  await runJob(workerFile, { op: 'export', trace, usage, format, target });
}
