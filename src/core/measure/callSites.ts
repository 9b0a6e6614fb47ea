/**
 * Call sites: the user's source lines that made pool calls (`pool.map(…)` at app.py:42). Every
 * call at the same file:line is one site; tasks no call claims are grouped under their pool's
 * creation line.
 */
import type { TraceModel } from '../model';
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
  const { groups, siteOfTask } = siteGroups(model);
  const { tasks, calls } = model;
  const callEnd = calls.map((c) => c.endMs ?? c.startMs);
  // Per group: the span of its tasks no call claims, [start, end].
  const looseStart = new Float64Array(groups.length).fill(Infinity);
  const looseEnd = new Float64Array(groups.length).fill(-Infinity);
  for (let i = 0; i < tasks.length; i++) {
    const end = taskEndAt(tasks, i);
    const call = tasks.call[i];
    if (call >= 0) {
      if (end > callEnd[call]) callEnd[call] = end; // false for NaN
      continue;
    }
    const g = siteOfTask[i];
    const start = taskStartAt(tasks, i);
    if (!Number.isNaN(start)) looseStart[g] = Math.min(looseStart[g], start);
    if (!Number.isNaN(end)) looseEnd[g] = Math.max(looseEnd[g], end);
  }
  // The task lists come from one counting sort: pushing a million rows onto arrays cost 40–80 ms
  // of growing and copying them.
  const { order, start } = groupByKey(siteOfTask, groups.length);
  groups.forEach((g, k) => {
    g.tasks = order.subarray(start[k], start[k + 1]);
    for (const c of g.calls) g.intervals.push([calls[c].startMs, callEnd[c]]);
    if (looseEnd[k] > looseStart[k]) g.intervals.push([looseStart[k], looseEnd[k]]);
  });
  return groups;
}

/**
 * The sites, in groupCallSites' order, and each task's place among them, without their task
 * lists and spans: what the live panel needs at every tick, at a small part of the cost.
 */
export function siteGroups(model: TraceModel): { groups: SiteGroup[]; siteOfTask: Int32Array } {
  const groups: SiteGroup[] = [];
  const indexOf = new Map<string, number>();
  // Per group: how many of its calls use each pool method.
  const apis: Map<string, number>[] = [];
  const group = (key: string, file: string | null, line: number | null, pool: number): number => {
    let k = indexOf.get(key);
    if (k === undefined) {
      k = groups.length;
      groups.push({
        id: file && line !== null ? `${file}:${line}` : key,
        file: file ?? '',
        line: line ?? 0,
        api: '',
        poolApi: pool >= 0 ? model.pools[pool].api : 'Pool',
        calls: [],
        tasks: new Int32Array(0),
        pools: [],
        intervals: [],
      });
      indexOf.set(key, k);
      apis.push(new Map());
    }
    const g = groups[k];
    if (pool >= 0 && !g.pools.includes(pool)) g.pools.push(pool);
    return k;
  };

  const groupOfCall = new Int32Array(model.calls.length);
  for (const call of model.calls) {
    const key =
      call.file && call.line !== null ? `${call.file}:${call.line}` : `pool-${call.pool}:${call.api}`;
    const k = group(key, call.file, call.line, call.pool);
    groups[k].calls.push(call.index);
    groupOfCall[call.index] = k;
    apis[k].set(call.api, (apis[k].get(call.api) ?? 0) + 1);
  }
  const { tasks } = model;
  const siteOfTask = new Int32Array(tasks.length);
  // Per pool: the group of its tasks no call claims (-1: none met yet).
  const looseOfPool = new Int32Array(model.pools.length).fill(-1);
  for (let i = 0; i < tasks.length; i++) {
    const call = tasks.call[i];
    const pool = tasks.pool[i];
    if (call >= 0) {
      const k = groupOfCall[call];
      siteOfTask[i] = k;
      if (!groups[k].pools.includes(pool)) groups[k].pools.push(pool);
      continue;
    }
    let k = looseOfPool[pool];
    if (k < 0) {
      const { file, line, api } = model.pools[pool];
      k = looseOfPool[pool] = group(`pool-${pool}`, file, line, pool);
      if (groups[k].api === '') groups[k].api = api === 'ProcessPoolExecutor' ? 'submit' : 'apply_async';
    }
    siteOfTask[i] = k;
  }
  groups.forEach((g, k) => {
    const counts = [...apis[k]].sort((a, b) => b[1] - a[1]);
    if (counts.length > 0) g.api = counts[0][0];
  });
  return { groups, siteOfTask };
}

/** Wall time of a site: the union of its calls' intervals. */
export function siteWallMs(group: SiteGroup): number {
  return unionLength(group.intervals);
}
