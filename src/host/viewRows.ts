/**
 * Turns the core's model into what the panel draws (src/shared/protocol.ts): lanes, call-site
 * references and task columns. Finished tasks are sent once; tasks in flight are re-sent each tick
 * until they finish. No VS Code API here, so it is unit-tested with plain node.
 */
import { groupCallSites } from '../core/callSites';
import type { TraceModel } from '../core/modelTypes';
import type { Report } from '../core/report';
import { StateCode, type TaskTable } from '../core/taskTable';
import {
  emptyTaskColumns,
  packedTaskColumns,
  type Lane,
  type SiteRef,
  type TaskColumnsBuilder,
  type TaskColumnsOf,
  type ToWebview,
  type UsageSample,
} from '../shared/protocol';

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
  const siteOfTask = new Int32Array(model.tasks.length).fill(-1);
  const sites = groupCallSites(model).map((g, index) => {
    for (const t of g.tasks) siteOfTask[t] = index;
    return { index, file: g.file, line: g.line, api: g.api };
  });
  return { sites, siteOfTask };
}

/** Appends row `i` of the model's tasks to the panel's columns (nothing if it has no start yet). */
function pushTask(cols: TaskColumnsBuilder, model: TraceModel, i: number, site: number, nowMs: number): void {
  const { tasks } = model;
  const c = tasks.num;
  const first = (...xs: number[]): number => xs.find((x) => !Number.isNaN(x)) ?? NaN;
  const start = first(c.arrivalMs[i], c.computeStartMs[i], c.dispatchMs[i]);
  if (Number.isNaN(start)) return;
  const worker = tasks.worker[i];
  cols.pid.push(worker >= 0 ? model.processes[worker].pid : -1);
  cols.t0.push(start);
  cols.t1.push(c.computeStartMs[i]);
  // A task still computing is drawn up to "now"; one whose worker died ends where its worker did.
  const crashEnd = worker >= 0 ? (model.processes[worker].endMs ?? nowMs) : nowMs;
  cols.t2.push(first(c.computeEndMs[i], tasks.inFlightAtCrash[i] ? crashEnd : nowMs));
  cols.t3.push(first(c.resultSentMs[i], c.resultArrivalMs[i]));
  cols.site.push(site);
  cols.ok.push(tasks.ok[i]);
  cols.items.push(Number.isNaN(c.items[i]) ? 0 : c.items[i]);
  cols.bytesIn.push(Number.isNaN(c.bytesIn[i]) ? 0 : c.bytesIn[i]);
  cols.bytesOut.push(Number.isNaN(c.bytesOut[i]) ? 0 : c.bytesOut[i]);
}

/**
 * A task's identity across model rebuilds (row numbers are not stable while records stream in):
 * (pool, job, index) packed into one number where they fit (pool < 2^10, 0 ≤ job < 2^26,
 * -1 ≤ index < 2^17 − 1: exact below 2^53), else a string.
 */
function taskKey(tasks: TaskTable, i: number): number | string {
  const [pool, job, index] = [tasks.pool[i], tasks.job[i], tasks.index[i]];
  if (pool < 1024 && job >= 0 && job < 2 ** 26 && index < 2 ** 17 - 1 && Number.isInteger(job))
    return (pool * 2 ** 26 + job) * 2 ** 17 + (index + 1);
  return `${pool}/${job}/${index}`;
}

/** Remembers which finished tasks the panel already has. */
export class TaskDeltas {
  private readonly sent = new Set<number | string>();

  next(
    model: TraceModel,
    siteOfTask: Int32Array,
    nowMs: number,
  ): { tasks: TaskColumnsOf<Float64Array>; running: TaskColumnsOf<Float64Array> } {
    const tasks = emptyTaskColumns();
    const running = emptyTaskColumns();
    const t = model.tasks;
    const { arrivalMs, computeStartMs } = t.num;
    for (let i = 0; i < t.length; i++) {
      const state = t.state[i];
      if (state === StateCode.Done || state === StateCode.Failed || t.inFlightAtCrash[i] === 1) {
        const key = taskKey(t, i);
        if (this.sent.has(key)) continue;
        this.sent.add(key);
        pushTask(tasks, model, i, siteOfTask[i], nowMs);
      } else if (!Number.isNaN(arrivalMs[i]) || !Number.isNaN(computeStartMs[i])) {
        pushTask(running, model, i, siteOfTask[i], nowMs);
      }
    }
    return { tasks: packedTaskColumns(tasks), running: packedTaskColumns(running) };
  }

  /**
   * The panel's `run/delta` for the model as it stands: every lane and call site, the tasks
   * finished since the last call, and those still in flight (drawn up to `nowMs`).
   */
  message(
    model: TraceModel,
    runId: string,
    nowMs: number,
    samples: UsageSample[] = [],
  ): Extract<ToWebview, { type: 'run/delta' }> {
    const { sites, siteOfTask } = sitesOf(model);
    const { tasks, running } = this.next(model, siteOfTask, nowMs);
    const wallMs = Math.max(model.wallMs, nowMs);
    return { type: 'run/delta', runId, lanes: lanesOf(model), sites, tasks, running, samples, wallMs };
  }
}

/**
 * Everything the panel needs to show a finished, saved run, in the order the host sends it:
 * header, all tasks at once, the final report, the final status.
 */
export function savedRunMessages(model: TraceModel, report: Report, runId: string): ToWebview[] {
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
    new TaskDeltas().message(model, runId, model.wallMs),
    { type: 'run/report', runId, report, final: true },
    { type: 'run/status', runId, status: 'finished', exitCode: report.run.exitCode },
  ];
}
