/**
 * Turns the core's model into what the panel draws (src/shared/protocol.ts): lanes, call-site
 * references and task columns. Finished tasks are sent once; tasks in flight are re-sent each tick
 * until they finish. No VS Code API here, so it is unit-tested with plain node.
 */
import { groupCallSites } from '../core/callSites';
import type { Task, TraceModel } from '../core/modelTypes';
import { emptyTaskColumns, Lane, SiteRef, TaskColumns, ToWebview, UsageSample } from '../shared/protocol';

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

function finished(t: Task): boolean {
  return t.state === 'done' || t.state === 'failed' || t.inFlightAtCrash;
}

function pushTask(cols: TaskColumns, model: TraceModel, t: Task, site: number, nowMs: number): void {
  const start = t.arrivalMs ?? t.computeStartMs ?? t.dispatchMs;
  if (start === null) return;
  cols.pid.push(t.worker >= 0 ? model.processes[t.worker].pid : -1);
  cols.t0.push(start);
  cols.t1.push(t.computeStartMs ?? NaN);
  // A task still computing is drawn up to "now"; one whose worker died ends where its worker did.
  const crashEnd = t.worker >= 0 ? (model.processes[t.worker].endMs ?? nowMs) : nowMs;
  cols.t2.push(t.computeEndMs ?? (t.inFlightAtCrash ? crashEnd : nowMs));
  cols.t3.push(t.resultSentMs ?? t.resultArrivalMs ?? NaN);
  cols.site.push(site);
  cols.ok.push(t.ok === null ? -1 : t.ok ? 1 : 0);
  cols.items.push(t.items ?? 0);
  cols.bytesIn.push(t.bytesIn ?? 0);
  cols.bytesOut.push(t.bytesOut ?? 0);
}

function taskKey(t: Task): string {
  return `${t.pool}/${t.job}/${t.index}`;
}

/** Remembers which finished tasks the panel already has. */
export class TaskDeltas {
  private readonly sent = new Set<string>();

  next(
    model: TraceModel,
    siteOfTask: Int32Array,
    nowMs: number,
  ): { tasks: TaskColumns; running: TaskColumns } {
    const tasks = emptyTaskColumns();
    const running = emptyTaskColumns();
    model.tasks.forEach((t, i) => {
      if (finished(t)) {
        const key = taskKey(t);
        if (this.sent.has(key)) return;
        this.sent.add(key);
        pushTask(tasks, model, t, siteOfTask[i], nowMs);
      } else if (t.arrivalMs !== null || t.computeStartMs !== null) {
        pushTask(running, model, t, siteOfTask[i], nowMs);
      }
    });
    return { tasks, running };
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
