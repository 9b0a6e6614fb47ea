/**
 * Runs a sweep: the script once per worker count (then, if asked, once per chunksize at the
 * recommended worker count), each a complete profiling run with the override in its environment.
 * Shared by `poolscope sweep` and the extension's Sweep commands; what happens to each finished
 * run (kept as a trace, saved to the history) is the caller's `onRunDone`.
 */
import { loadRun } from '../core';
import type { Report } from '../core/report';
import { sweepResult, type SweepResult, type SweepRun } from '../core/whatif';
import { launch, type LaunchOptions, type RunExit, type RunningScript } from './launcher';
import { createRunDir, removeRunDir } from './runDir';

export interface SweepStep {
  kind: 'workers' | 'chunksize';
  workers: number | null;
  chunksize: number | null;
  /** 1-based position among all runs of the sweep, and their number (as known when it starts). */
  index: number;
  total: number;
}

export interface SweepOptions {
  launch: Omit<LaunchOptions, 'runDir' | 'workers' | 'chunksize'>;
  /** Worker counts to run (empty: no worker sweep). */
  workers: number[];
  /** Chunksizes to run, at the worker sweep's recommended count (or the script's own). */
  chunksizes: number[];
  onRunStart?(step: SweepStep, running: RunningScript): void;
  /**
   * A run ended and was analysed; `runDir` is removed after this returns, so copy what is needed
   * (packRunDir). The returned string is kept as the run's id.
   */
  onRunDone?(step: SweepStep, report: Report, runDir: string, exit: RunExit): string | undefined;
}

export interface SweepOutcome {
  workers: SweepResult | null;
  chunksize: SweepResult | null;
  /** True when `cancel()` stopped it before the last run. */
  cancelled: boolean;
}

export class Sweep {
  private current: RunningScript | undefined;
  private stopped = false;

  constructor(private readonly opts: SweepOptions) {}

  /** Stops the sweep: the running script's whole process group is ended, no further run starts. */
  async cancel(): Promise<void> {
    this.stopped = true;
    await this.current?.cancel();
  }

  get cancelled(): boolean {
    return this.stopped;
  }

  async run(): Promise<SweepOutcome> {
    const { workers, chunksizes } = this.opts;
    const total = workers.length + chunksizes.length;
    const workerRuns: SweepRun[] = [];
    let index = 0;
    for (const w of workers) {
      if (this.stopped) break;
      const step: SweepStep = { kind: 'workers', workers: w, chunksize: null, index: ++index, total };
      const done = await this.runOne(step);
      if (done) workerRuns.push(done);
    }
    const workerResult = workerRuns.length ? sweepResult('workers', workerRuns) : null;
    const atWorkers = workerResult?.recommended ?? null;
    const chunkRuns: SweepRun[] = [];
    for (const c of chunksizes) {
      if (this.stopped) break;
      const step: SweepStep = { kind: 'chunksize', workers: atWorkers, chunksize: c, index: ++index, total };
      const done = await this.runOne(step);
      if (done) chunkRuns.push(done);
    }
    return {
      workers: workerResult,
      chunksize: chunkRuns.length ? sweepResult('chunksize', chunkRuns) : null,
      cancelled: this.stopped,
    };
  }

  /** One run; undefined when it was cancelled or left nothing to analyse. */
  private async runOne(step: SweepStep): Promise<SweepRun | undefined> {
    const runDir = createRunDir();
    try {
      // An override left in the environment by the caller would silently flatten the curve.
      const env = { ...(this.opts.launch.env ?? process.env) };
      delete env.POOLSCOPE_WORKERS;
      delete env.POOLSCOPE_CHUNKSIZE;
      const running = launch({
        ...this.opts.launch,
        env,
        runDir,
        workers: step.workers ?? undefined,
        chunksize: step.chunksize ?? undefined,
      });
      this.current = running;
      this.opts.onRunStart?.(step, running);
      const exit = await running.exited;
      this.current = undefined;
      if (this.stopped) return undefined;
      const { report } = loadRun(runDir);
      const runId = this.opts.onRunDone?.(step, report, runDir, exit);
      return { workers: step.workers, chunksize: step.chunksize, report, ...(runId ? { runId } : {}) };
    } finally {
      this.current = undefined;
      removeRunDir(runDir);
    }
  }
}
