/**
 * LiveIngest on a worker thread. Rebuilding the model of a big run takes hundreds of
 * milliseconds per tick; on the extension host's own thread that stalls every extension's
 * events. Here the host's thread only receives the panel's messages.
 */
import { Worker } from 'node:worker_threads';
import type { Report } from '../core/report';
import type { TaskColumns, ToWebview, UsageSample } from '../shared/protocol';

/** Host → worker. */
export type ToIngest = { type: 'samples'; samples: UsageSample[] } | { type: 'finish' };

/** Worker → host. */
export type FromIngest =
  | { type: 'tick'; messages: (ToWebview | PackedDelta)[]; originNs: number; runningPids: number[] }
  | { type: 'finished'; report: Report | undefined }
  | { type: 'error'; message: string };

/**
 * Task columns as typed arrays, for the trip between threads: a structured clone of number
 * arrays of 100 000 tasks costs the receiving thread tens of milliseconds; transferred buffers
 * cost nothing, and making number arrays again (the panel's protocol) a few milliseconds.
 */
export type PackedColumns = Record<keyof TaskColumns, Float64Array>;

export function packColumns(cols: TaskColumns, transfer: ArrayBuffer[]): PackedColumns {
  const out = {} as PackedColumns;
  for (const key of Object.keys(cols) as (keyof TaskColumns)[]) {
    out[key] = Float64Array.from(cols[key]);
    transfer.push(out[key].buffer as ArrayBuffer);
  }
  return out;
}

function unpackColumns(cols: PackedColumns): TaskColumns {
  const out = {} as TaskColumns;
  for (const key of Object.keys(cols) as (keyof TaskColumns)[]) out[key] = Array.from(cols[key]);
  return out;
}

/** A `run/delta` on its way from the worker: its task columns packed. */
export type PackedDelta = Omit<Extract<ToWebview, { type: 'run/delta' }>, 'tasks' | 'running'> & {
  tasks: PackedColumns;
  running?: PackedColumns;
};

export function packMessage(msg: ToWebview, transfer: ArrayBuffer[]): ToWebview | PackedDelta {
  if (msg.type !== 'run/delta') return msg;
  const { tasks, running, ...rest } = msg;
  const packed: PackedDelta = { ...rest, tasks: packColumns(tasks, transfer) };
  if (running) packed.running = packColumns(running, transfer);
  return packed;
}

function unpackMessage(msg: ToWebview | PackedDelta): ToWebview {
  if (msg.type !== 'run/delta') return msg;
  const p = msg as PackedDelta;
  return {
    ...p,
    tasks: unpackColumns(p.tasks),
    ...(p.running ? { running: unpackColumns(p.running) } : {}),
  } as ToWebview;
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
      if (msg.type === 'tick') onTick({ ...msg, messages: msg.messages.map(unpackMessage) });
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
