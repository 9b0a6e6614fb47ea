/**
 * The live panel's reading loop, without VS Code: polls a run directory, folds what is new into
 * the records so far, rebuilds the model and hands over the panel's messages. LiveRun drives it
 * in the extension host; bench/liveIngest.ts drives the same code against a replayed trace to
 * measure how long it blocks the event loop.
 */
import { analyze, appendRecords, buildModel, emptyRecords, TraceTail } from '../core';
import type { TraceModel } from '../core/modelTypes';
import type { ToWebview, UsageSample } from '../shared/protocol';
import { TaskDeltas } from './viewRows';

/** How often the run directory is read for the panel: the issue asks for ≤ 250 ms behind. */
export const POLL_MS = 200;
/**
 * Each tick rebuilds the model from every record so far, which grows with the run. The next
 * tick waits at least this many times the last one's duration, so a big run keeps the extension
 * host mostly free instead of rebuilding back to back.
 */
export const TICK_BACKOFF = 4;
/**
 * The interim verdict is worth a full analysis about once a second, not every tick; and, as a
 * run grows, no more often than every REPORT_BACKOFF times its last duration.
 */
const REPORT_EVERY_MS = 1000;
const REPORT_BACKOFF = 10;

export class LiveIngest {
  private readonly tail: TraceTail;
  private readonly records = emptyRecords();
  private readonly deltas = new TaskDeltas();
  private nextReportAt = 0;
  private timer: NodeJS.Timeout | undefined;
  model: TraceModel | undefined;

  constructor(
    runDir: string,
    private readonly runId: string,
  ) {
    this.tail = new TraceTail(runDir);
  }

  /**
   * Reads what is new, rebuilds the model and returns what the panel needs: a `run/delta` (and
   * about once a second an interim `run/report`); nothing when nothing changed.
   */
  tick(final: boolean, samples: UsageSample[] = []): ToWebview[] {
    const fresh = this.tail.poll();
    const hasNew =
      fresh.streams.length + fresh.metas.length + fresh.chunks.length > 0 || samples.length > 0 || final;
    if (!hasNew) return [];
    appendRecords(this.records, fresh);
    const model = buildModel(this.records);
    this.model = model;
    const nowMs = model.originNs ? (Number(process.hrtime.bigint()) - model.originNs) / 1e6 : 0;
    const out: ToWebview[] = [this.deltas.message(model, this.runId, final ? model.wallMs : nowMs, samples)];
    const now = performance.now();
    if (!final && now >= this.nextReportAt) {
      out.push({ type: 'run/report', runId: this.runId, report: analyze(model), final: false });
      const took = performance.now() - now;
      this.nextReportAt = now + Math.max(REPORT_EVERY_MS, REPORT_BACKOFF * took);
    }
    return out;
  }

  /**
   * Calls `onTick` every POLL_MS until stop(), and no sooner than `backoff` times the last
   * tick's duration after it.
   */
  start(onTick: (final: boolean) => void, backoff = TICK_BACKOFF): void {
    const schedule = (delayMs: number): void => {
      this.timer = setTimeout(() => {
        const started = performance.now();
        try {
          onTick(false);
        } finally {
          if (this.timer) schedule(Math.max(POLL_MS, backoff * (performance.now() - started)));
        }
      }, delayMs);
    };
    schedule(POLL_MS);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
