/**
 * Call sites: the user's source lines that made pool calls (`pool.map(…)` at app.py:42). Every
 * call at the same file:line is one site; tasks no call claims are grouped under their pool's
 * creation line.
 */
import type { TraceModel } from './modelTypes';
import { taskEndAt, taskStartAt } from './metrics';
import { groupByKey, unionLength } from './stats';

export interface SiteGroup {
  /** `file:line`, or `pool-<n>` when nothing places it. */
  id: string;
  file: string;
  line: number;
  /** The pool method (the most frequent one if several share the line). */
  api: string;
  poolApi: string;
  calls: number[];
  /** Task rows, ascending. */
  tasks: Int32Array;
  pools: number[];
  /** [start, end] of each call (or of the unclaimed tasks), ms. */
  intervals: [number, number][];
}

export function groupCallSites(model: TraceModel): SiteGroup[] {
  const groups = new Map<string, SiteGroup>();
  // Each group's position in `groups`, which the task lists are grouped by.
  const indexOf = new Map<string, number>();
  const apis = new Map<string, Map<string, number>>();
  const group = (key: string, file: string | null, line: number | null, pool: number): SiteGroup => {
    let g = groups.get(key);
    if (!g) {
      g = {
        id: file && line !== null ? `${file}:${line}` : key,
        file: file ?? '',
        line: line ?? 0,
        api: '',
        poolApi: pool >= 0 ? model.pools[pool].api : 'Pool',
        calls: [],
        tasks: new Int32Array(0),
        pools: [],
        intervals: [],
      };
      indexOf.set(key, groups.size);
      groups.set(key, g);
      apis.set(key, new Map());
    }
    if (pool >= 0 && !g.pools.includes(pool)) g.pools.push(pool);
    return g;
  };
  const callKey = (c: number): string => {
    const call = model.calls[c];
    return call.file && call.line !== null ? `${call.file}:${call.line}` : `pool-${call.pool}:${call.api}`;
  };

  const groupOfCall: SiteGroup[] = [];
  const groupIndexOfCall = new Int32Array(model.calls.length);
  for (const call of model.calls) {
    const key = callKey(call.index);
    const g = group(key, call.file, call.line, call.pool);
    g.calls.push(call.index);
    groupOfCall[call.index] = g;
    groupIndexOfCall[call.index] = indexOf.get(key) as number;
    const counts = apis.get(key) as Map<string, number>;
    counts.set(call.api, (counts.get(call.api) ?? 0) + 1);
  }
  const callEnd = model.calls.map((c) => c.endMs ?? c.startMs);
  const loose = new Map<string, [number, number]>();
  const { tasks } = model;
  // By task row: its group's index. The lists come from one counting sort at the end: pushing a
  // million rows onto an array cost 40–80 ms of growing and copying it.
  const groupOfTask = new Int32Array(tasks.length);
  for (let i = 0; i < tasks.length; i++) {
    const end = taskEndAt(tasks, i);
    const call = tasks.call[i];
    const poolIndex = tasks.pool[i];
    if (call >= 0) {
      const g = groupOfCall[call];
      groupOfTask[i] = groupIndexOfCall[call];
      if (!g.pools.includes(poolIndex)) g.pools.push(poolIndex);
      if (end > callEnd[call]) callEnd[call] = end; // false for NaN
      continue;
    }
    const start = taskStartAt(tasks, i);
    const pool = model.pools[poolIndex];
    const key = `pool-${poolIndex}`;
    const g = group(key, pool.file, pool.line, poolIndex);
    groupOfTask[i] = indexOf.get(key) as number;
    if (g.api === '') g.api = pool.api === 'ProcessPoolExecutor' ? 'submit' : 'apply_async';
    const span = loose.get(key) ?? [Infinity, -Infinity];
    if (!Number.isNaN(start)) span[0] = Math.min(span[0], start);
    if (!Number.isNaN(end)) span[1] = Math.max(span[1], end);
    loose.set(key, span);
  }

  const { order, start } = groupByKey(groupOfTask, groups.size);
  for (const [key, g] of groups) {
    const k = indexOf.get(key) as number;
    g.tasks = order.subarray(start[k], start[k + 1]);
    const counts = [...(apis.get(key) as Map<string, number>)].sort((a, b) => b[1] - a[1]);
    if (counts.length > 0) g.api = counts[0][0];
    for (const c of g.calls) g.intervals.push([model.calls[c].startMs, callEnd[c]]);
    const span = loose.get(key);
    if (span && span[1] > span[0]) g.intervals.push(span);
  }
  return [...groups.values()];
}

/** Wall time of a site: the union of its calls' intervals. */
export function siteWallMs(group: SiteGroup): number {
  return unionLength(group.intervals);
}
