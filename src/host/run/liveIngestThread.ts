/**
 * LiveIngest on a worker thread. A tick of a big run still takes tens of milliseconds, and an
 * interim analysis hundreds; on the extension host's own thread that stalls every extension's
 * events. Here the host's thread only receives the panel's messages.
 */
import { Worker } from 'node:worker_threads';
import type { TraceModel, TaskPatch } from '../../core/model';
import type { Report } from '../../core/report';
import type { TaskColumns, TaskColumnsOf, ToWebview, UsageSample } from '../../shared/protocol';

/** Host → worker. */
export type ToIngest = { type: 'samples'; samples: UsageSample[] } | { type: 'finish' };

/** Reading thread → analysis thread: a model, its tasks as the rows changed since the last one. */
export interface ToAnalyse {
  model: Omit<TraceModel, 'tasks'>;
  tasks: TaskPatch;
}

/** Worker → host. */
export type FromIngest =
  | { type: 'tick'; messages: ToWebview[]; originNs: number; runningPids: number[] }
  | { type: 'finished'; report: Report | undefined }
  | { type: 'error'; message: string };

/**
 * A message for the trip from the worker, with the buffers of its task columns added to
 * `transfer`: a structured clone of 100 000 tasks costs the receiving thread tens of milliseconds,
 * transferred buffers nothing. The columns are Float64Arrays already (see TaskColumnsOf), and
 * the host passes them on to the panel as they are.
 */
export function transferMessage(msg: ToWebview, transfer: ArrayBuffer[]): ToWebview {
  if (msg.type !== 'run/delta') return msg;
  const tasks = ownBuffers(msg.tasks, transfer);
  return msg.running ? { ...msg, tasks, running: ownBuffers(msg.running, transfer) } : { ...msg, tasks };
}

function ownBuffers(cols: TaskColumns, transfer: ArrayBuffer[]): TaskColumnsOf<Float64Array> {
  const out = {} as TaskColumnsOf<Float64Array>;
  for (const key of Object.keys(cols) as (keyof TaskColumns)[]) {
    const col = cols[key];
    // A column that is a whole buffer of its own can go as it is; anything else is copied once.
    const own =
      col instanceof Float64Array && col.byteOffset === 0 && col.byteLength === col.buffer.byteLength;
    out[key] = own ? col : Float64Array.from(col);
    transfer.push(out[key].buffer as ArrayBuffer);
  }
  return out;
}

export interface IngestTick {
  messages: ToWebview[];
  /** The model's origin (the main process's agent start, perf_counter ns); 0 until known. */
  originNs: number;
  /** Processes of the model that have not ended. */
  runningPids: number[];
}

export class LiveIngestThread {
  private readonly worker: Worker;
  private finished: ((report: Report | undefined) => void) | undefined;
  private failed: ((err: Error) => void) | undefined;
  private exited: Error | undefined;

  /**
   * Starts reading `runDir` at once. `workerFile` is the bundled worker (dist/liveIngestWorker.js).
   * `onTick` gets each tick's messages; `onError` a failure of the worker's reading.
   */
  constructor(
    workerFile: string,
    runDir: string,
    runId: string,
    onTick: (tick: IngestTick) => void,
    onError: (message: string) => void,
  ) {
    this.worker = new Worker(workerFile, { workerData: { runDir, runId } });
    this.worker.on('message', (msg: FromIngest) => {
      if (msg.type === 'tick') onTick(msg);
      else if (msg.type === 'finished') this.finished?.(msg.report);
      else if (msg.type === 'error') {
        if (this.failed) this.failed(new Error(msg.message));
        else onError(msg.message);
      }
    });
    this.worker.on('error', (err) => {
      if (this.failed) this.failed(err);
      else onError(err.message);
    });
    // A worker that is gone answers nothing: finish() must not wait for it.
    this.worker.on('exit', (code) => {
      this.exited = new Error(`the trace reader stopped (exit code ${code})`);
      this.failed?.(this.exited);
    });
  }

  /** Hands CPU/memory samples to the next tick's delta. */
  addSamples(samples: UsageSample[]): void {
    if (samples.length > 0) this.worker.postMessage({ type: 'samples', samples } satisfies ToIngest);
  }

  /** Reads what is left, sends the last tick, and resolves with the final report (then ends the worker). */
  finish(): Promise<Report | undefined> {
    return new Promise<Report | undefined>((resolve, reject) => {
      if (this.exited) return reject(this.exited);
      this.finished = resolve;
      this.failed = reject;
      this.worker.postMessage({ type: 'finish' } satisfies ToIngest);
    }).finally(() => void this.worker.terminate());
  }

  /** Ends the worker without a final tick (the run failed to start). */
  dispose(): void {
    void this.worker.terminate();
  }
}
