/**
 * LiveIngest on a worker thread. Rebuilding the model of a big run takes hundreds of
 * milliseconds per tick; on the extension host's own thread that stalls every extension's
 * events. Here the host's thread only receives the panel's messages.
 */
import { Worker } from 'node:worker_threads';
import type { Report } from '../core/report';
import type { ToWebview, UsageSample } from '../shared/protocol';

/** Host → worker. */
export type ToIngest = { type: 'samples'; samples: UsageSample[] } | { type: 'finish' };

/** Worker → host. */
export type FromIngest =
  | { type: 'tick'; messages: ToWebview[]; originNs: number; runningPids: number[] }
  | { type: 'finished'; report: Report | undefined }
  | { type: 'error'; message: string };

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
  }

  /** Hands CPU/memory samples to the next tick's delta. */
  addSamples(samples: UsageSample[]): void {
    if (samples.length > 0) this.worker.postMessage({ type: 'samples', samples } satisfies ToIngest);
  }

  /** Reads what is left, sends the last tick, and resolves with the final report (then ends the worker). */
  finish(): Promise<Report | undefined> {
    return new Promise<Report | undefined>((resolve, reject) => {
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
