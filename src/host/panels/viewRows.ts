/**
 * Turns the core's model into what the panel draws (src/shared/protocol.ts): lanes, call-site
 * references and task columns. Finished tasks are sent once; tasks in flight are re-sent each tick
 * until they finish. No VS Code API here, so it is unit-tested with plain node.
 */
import { siteGroups } from '../../core/measure';
import type { TraceModel } from '../../core/model';
import type { Report } from '../../core/report';
import { RowUnion } from '../../core/live';
import { TaskIndex, StateCode } from '../../core/model';
import {
  type Lane,
  type SiteRef,
  type TaskColumnsOf,
  type ToWebview,
  type UsageSample,
} from '../../shared/protocol';

const ROLE_NAMES: Record<string, string> = {
  main: 'main',
  'pool-worker': 'worker',
  'executor-worker': 'executor',
  process: 'process',
  manager: 'manager',
  forkserver: 'forkserver',
  'resource-tracker': 'tracker',
  unknown: 'process',
};

export function lanesOf(model: TraceModel): Lane[] {
  return model.processes.map((p) => ({
    pid: p.pid,
    role: p.role,
    label: `${ROLE_NAMES[p.role] ?? p.role} ${p.pid}`,
  }));
}

export function sitesOf(model: TraceModel): { sites: SiteRef[]; siteOfTask: Int32Array } {
  const { groups, siteOfTask } = siteGroups(model);
  const sites = groups.map((g, index) => ({ index, file: g.file, line: g.line, api: g.api }));
  return { sites, siteOfTask };
}

const nanIsZero = (x: number): number => (Number.isNaN(x) ? 0 : x);

/**
 * Writes the panel's columns for chosen rows of the model's tasks straight into Float64Arrays of
 * the exact size: no per-row objects or closures, so a million tasks take tens of milliseconds.
 */
function taskColumns(
  model: TraceModel,
  rows: Int32Array,
  siteOfTask: Int32Array,
  nowMs: number,
): TaskColumnsOf<Float64Array> {
  const n = rows.length;
  const cols = emptyColumns(n);
  const { tasks, processes } = model;
  const c = tasks.num;
  for (let r = 0; r < n; r++) {
    const i = rows[r];
    const worker = tasks.worker[i];
    cols.pid[r] = worker >= 0 ? processes[worker].pid : -1;
    cols.t0[r] = startOf(model, i);
    cols.t1[r] = c.computeStartMs[i];
    // A task still computing is drawn up to "now"; one whose worker died ends where its worker did.
    let t2 = c.computeEndMs[i];
    if (Number.isNaN(t2))
      t2 = tasks.inFlightAtCrash[i] && worker >= 0 ? (processes[worker].endMs ?? nowMs) : nowMs;
    cols.t2[r] = t2;
    const sent = c.resultSentMs[i];
    cols.t3[r] = Number.isNaN(sent) ? c.resultArrivalMs[i] : sent;
    cols.site[r] = siteOfTask[i];
    cols.ok[r] = tasks.ok[i];
    cols.items[r] = nanIsZero(c.items[i]);
    cols.bytesIn[r] = nanIsZero(c.bytesIn[i]);
    cols.bytesOut[r] = nanIsZero(c.bytesOut[i]);
  }
  return cols;
}

function emptyColumns(n: number): TaskColumnsOf<Float64Array> {
  const col = (): Float64Array => new Float64Array(n);
  return {
    pid: col(),
    t0: col(),
    t1: col(),
    t2: col(),
    t3: col(),
    site: col(),
    ok: col(),
    items: col(),
    bytesIn: col(),
    bytesOut: col(),
  };
}

/** Where a task starts on its lane: its arrival, else its compute start, else its dispatch; NaN if none yet. */
function startOf(model: TraceModel, i: number): number {
  const c = model.tasks.num;
  if (!Number.isNaN(c.arrivalMs[i])) return c.arrivalMs[i];
  if (!Number.isNaN(c.computeStartMs[i])) return c.computeStartMs[i];
  return c.dispatchMs[i];
}

/** Remembers which finished tasks the panel already has. */
export class TaskDeltas {
  /**
   * The finished tasks sent, marked by (pool, job, index): row numbers are not stable while
   * records stream in. A dense index per job (a Set of packed keys cost ~120 ms a tick at 200 000
   * tasks).
   */
  private readonly sent = new TaskIndex();

  /** The rows in flight at the last call (see `next`'s `changed`). */
  private running = new Uint32Array(0);
  private readonly union = new RowUnion();

  /** `remember` false: one delta of everything (a saved run), nothing kept for a next one. */
  constructor(private readonly remember = true) {}

  /**
   * The tasks finished since the last call and those in flight. `changed`: the model keeps its
   * rows from the last call's, and only these rows changed since (the live panel's interim
   * models): only they and the rows in flight then are looked at. Else every row is.
   */
  next(
    model: TraceModel,
    siteOfTask: Int32Array,
    nowMs: number,
    changed: Uint32Array | null = null,
  ): { tasks: TaskColumnsOf<Float64Array>; running: TaskColumnsOf<Float64Array> } {
    const t = model.tasks;
    const { arrivalMs, computeStartMs } = t.num;
    // `changed` and the rows in flight at the last call, each once, ascending as a scan meets them.
    const rows = changed && this.remember ? this.union.of(changed, this.running, t.length).sort() : null;
    const count = rows ? rows.length : t.length;
    const done = new Int32Array(count);
    const running = new Int32Array(count);
    let nDone = 0;
    let nRunning = 0;
    for (let k = 0; k < count; k++) {
      const i = rows ? rows[k] : k;
      const state = t.state[i];
      if (state === StateCode.Done || state === StateCode.Failed || t.inFlightAtCrash[i] === 1) {
        if (this.remember) {
          if (this.sent.get(t.pool[i], t.job[i], t.index[i]) >= 0) continue;
          this.sent.set(t.pool[i], t.job[i], t.index[i], 1);
        }
        if (!Number.isNaN(startOf(model, i))) done[nDone++] = i;
      } else if (!Number.isNaN(arrivalMs[i]) || !Number.isNaN(computeStartMs[i])) {
        running[nRunning++] = i;
      }
    }
    if (this.remember) this.running = Uint32Array.from(running.subarray(0, nRunning));
    return {
      tasks: taskColumns(model, done.subarray(0, nDone), siteOfTask, nowMs),
      running: taskColumns(model, running.subarray(0, nRunning), siteOfTask, nowMs),
    };
  }

  /**
   * The panel's `run/delta` for the model as it stands: every lane and call site, the tasks
   * finished since the last call, and those still in flight (drawn up to `nowMs`). `changed`: see
   * `next`.
   */
  message(
    model: TraceModel,
    runId: string,
    nowMs: number,
    samples: UsageSample[] = [],
    changed: Uint32Array | null = null,
  ): Extract<ToWebview, { type: 'run/delta' }> {
    const { sites, siteOfTask } = sitesOf(model);
    const { tasks, running } = this.next(model, siteOfTask, nowMs, changed);
    const wallMs = Math.max(model.wallMs, nowMs);
    return { type: 'run/delta', runId, lanes: lanesOf(model), sites, tasks, running, samples, wallMs };
  }
}

/**
 * Everything the panel needs to show a finished, saved run, in the order the host sends it:
 * header, all tasks at once, the final report, the final status.
 */
export function savedRunMessages(
  model: TraceModel,
  report: Report,
  runId: string,
  usage: readonly UsageSample[] = [],
): ToWebview[] {
  return [
    {
      type: 'run/reset',
      run: {
        runId,
        script: report.run.script,
        scriptPath: report.run.script,
        python: report.run.python,
        startMethod: report.run.startMethod,
        cpuCount: report.run.cpuCount,
        startedAt: report.run.startedAt,
        live: false,
      },
    },
    new TaskDeltas(false).message(model, runId, model.wallMs, [...usage]),
    { type: 'run/report', runId, report, final: true },
    { type: 'run/status', runId, status: 'finished', exitCode: report.run.exitCode },
  ];
}
