/**
 * The live panel's reading loop, without VS Code: polls a run directory, joins what is new into
 * the model so far and hands over the panel's messages. LiveRun drives it in the extension host
 * (on a worker thread); bench/liveIngest.ts drives the same code against a replayed trace to
 * measure how far behind the run the panel falls.
 */
import { analyze, appendRecords, buildModel, emptyRecords, TraceTail } from '../../core';
import type { TraceModel } from '../../core/model';
import type { RecordChunk } from '../../core/trace';
import { StreamModel } from '../../core/live';
import type { ToWebview, UsageSample } from '../../shared/protocol';
import { TaskDeltas } from '../panels/viewRows';

/**
 * How often the run directory is read for the panel. The panel falls behind the run by up to this
 * plus a tick's duration, and issue 3 asks for ≤ 250 ms.
 */
export const POLL_MS = 100;
/**
 * A tick costs what its new records cost, but tens of milliseconds for a fast run, and every row's
 * worth once the whole-read join has taken over. On the host's own thread (`--in-thread` in the
 * bench) the next tick waits at least this many times the last one's duration, so a big run keeps
 * the extension host mostly free.
 */
export const TICK_BACKOFF = 4;
/**
 * Task rows the live join makes room for at once: growing copies every column (~130 ms at half a
 * million rows, on the reading thread), and this is 25 s of a run at 200 000 events/s. The room
 * takes memory only as rows fill it (see TaskJoin's constructor).
 */
const LIVE_ROWS = 1 << 20;
/**
 * The interim verdict is worth a full analysis about once a second, not every tick; and, as a
 * run grows, no more often than every REPORT_BACKOFF times its last duration.
 */
const REPORT_EVERY_MS = 1000;
const REPORT_BACKOFF = 10;

export class LiveIngest {
  private readonly tail: TraceTail;
  private readonly records = emptyRecords();
  /**
   * The tasks joined as their records arrive, so a tick costs what is new rather than a join of
   * every record so far; dropped for the whole-read join when it cannot tell (see StreamModel).
   */
  private stream: StreamModel | null = new StreamModel(LIVE_ROWS, false);
  private readonly deltas = new TaskDeltas();
  /**
   * The first interim report waits a second too: starting the analysis thread and analysing slows
   * the first ticks, which run cold (not yet compiled) while a fast run writes the most.
   */
  private nextReportAt: number;
  /**
   * The task rows changed since the last model reportDue handed out, a list per tick; null: any
   * may have (a whole-read model's rows are in another order, or every row was finished again).
   */
  private unreported: Uint32Array[] | null = null;
  /** The model changed since the last interim report. */
  private changed = false;
  private timer: NodeJS.Timeout | undefined;
  model: TraceModel | undefined;

  /** `reportEveryMs`: how often an interim report is due at most (tests ask for every tick). */
  constructor(
    runDir: string,
    private readonly runId: string,
    private readonly reportEveryMs = REPORT_EVERY_MS,
  ) {
    this.tail = new TraceTail(runDir);
    this.nextReportAt = performance.now() + reportEveryMs;
  }

  /**
   * Reads what is new, updates the model and returns the panel's `run/delta`; nothing when nothing
   * changed. The final tick's model is joined from every record at once, as a saved run's is.
   */
  tick(final: boolean, samples: UsageSample[] = []): ToWebview[] {
    const fresh = this.tail.poll();
    const hasNew =
      fresh.streams.length + fresh.metas.length + fresh.chunks.length > 0 || samples.length > 0 || final;
    if (!hasNew) return [];
    appendRecords(this.records, fresh);
    const interim = final ? null : this.interimModel(fresh.chunks);
    const model = interim ?? buildModel(this.records);
    this.model = model;
    this.changed = true;
    const nowMs = model.originNs ? (Number(process.hrtime.bigint()) - model.originNs) / 1e6 : 0;
    // An interim model keeps its rows from tick to tick: the delta need only look at those that
    // changed (and those in flight). A whole-read model's rows are in another order.
    const changed = interim && this.stream ? this.stream.changedRows : null;
    if (!changed) this.unreported = null;
    else this.unreported?.push(changed);
    return [this.deltas.message(model, this.runId, final ? model.wallMs : nowMs, samples, changed)];
  }

  /**
   * An interim `run/report` of the model as it stands, about once a second (and, as a run grows,
   * no more often than REPORT_BACKOFF times the last one's duration); null when none is due or
   * nothing changed. Asked for after the tick's delta has gone: the analysis must not hold it up.
   */
  report(): ToWebview | null {
    const model = this.reportDue()?.model;
    if (!model) return null;
    const started = performance.now();
    const report = analyze(model);
    this.reported(performance.now() - started);
    return { type: 'run/report', runId: this.runId, report, final: false };
  }

  /**
   * For analysing elsewhere (another thread): the model to report on when an interim report is
   * due, else null, with the task rows that changed since the last model handed out (null: any
   * may have; see TaskPatch). Each model is handed out once; call `reported` with how long it took.
   */
  reportDue(): { model: TraceModel; rows: Uint32Array | null } | null {
    if (!this.model || !this.changed || performance.now() < this.nextReportAt) return null;
    this.changed = false;
    this.nextReportAt = Infinity; // until `reported` says how long this one took
    const rows = this.unreported && concat(this.unreported);
    this.unreported = [];
    return { model: this.model, rows };
  }

  /** An interim analysis handed out by `reportDue` is done; it took `tookMs`. */
  reported(tookMs: number): void {
    this.nextReportAt =
      performance.now() + Math.max(this.reportEveryMs - tookMs, (REPORT_BACKOFF - 1) * tookMs);
  }

  /** Whether the tasks are still joined as their records arrive (see `stream`). */
  get joinedAsRead(): boolean {
    return this.stream !== null;
  }

  /**
   * The model with this poll's chunks joined in, or null once the incremental join cannot tell
   * (it will not be able to later either) or failed: the whole-read join takes over, which the
   * final model uses anyway, so nothing is lost but time.
   */
  private interimModel(chunks: readonly RecordChunk[]): TraceModel | null {
    const { stream } = this;
    if (!stream) return null;
    let model: TraceModel | null;
    try {
      for (const chunk of chunks) stream.add(this.records, chunk);
      model = stream.model(this.records, true);
    } catch {
      model = null;
    }
    if (!model) this.stream = null;
    return model;
  }

  /**
   * Calls `onTick` every POLL_MS until stop(), counted from each tick's start, or every `backoff`
   * times the last tick's duration when that is longer.
   */
  start(onTick: (final: boolean) => void, backoff = TICK_BACKOFF): void {
    const schedule = (delayMs: number): void => {
      this.timer = setTimeout(() => {
        const started = performance.now();
        try {
          onTick(false);
        } finally {
          const took = performance.now() - started;
          if (this.timer) schedule(Math.max(POLL_MS, backoff * took) - took);
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

function concat(lists: Uint32Array[]): Uint32Array {
  const out = new Uint32Array(lists.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of lists) {
    out.set(l, at);
    at += l.length;
  }
  return out;
}
