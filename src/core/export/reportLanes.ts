/** The static HTML report's timeline lanes (htmlReport.ts's ReportLane) from a model. */
import { groupCallSites } from '../measure';
import type { ReportLane } from './htmlReport';
import type { TraceModel } from '../model';

/**
 * One lane per process that ran tasks, spans in task order: arrival at the worker, compute start,
 * compute end, result sent (a missing stamp takes its neighbour's), the call site's index in
 * `analyze(model).callSites` (-1 if none) and ok (1/0; a task with no result counts as 1).
 */
export function reportLanes(model: TraceModel): ReportLane[] {
  const siteOfTask = new Int32Array(model.tasks.length).fill(-1);
  groupCallSites(model).forEach((g, s) => {
    for (const i of g.tasks) siteOfTask[i] = s;
  });
  const lanes = new Map<number, ReportLane>();
  model.tasks.forEach((t, i) => {
    if (t.worker < 0 || t.computeStartMs === null || t.computeEndMs === null) return;
    let lane = lanes.get(t.worker);
    if (!lane) {
      const p = model.processes[t.worker];
      lane = {
        pid: p.pid,
        label: `${p.role === 'executor-worker' ? 'executor' : 'worker'} ${p.pid}`,
        spans: [],
      };
      lanes.set(t.worker, lane);
    }
    const arrival = t.arrivalMs ?? t.computeStartMs;
    const sent = t.resultSentMs ?? t.computeEndMs;
    lane.spans.push(arrival, t.computeStartMs, t.computeEndMs, sent, siteOfTask[i], t.ok === false ? 0 : 1);
  });
  return [...lanes.entries()].sort((a, b) => a[0] - b[0]).map(([, lane]) => lane);
}
