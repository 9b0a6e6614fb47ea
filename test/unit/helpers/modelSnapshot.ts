import { analyze } from '../../../src/core';
import type { TraceModel } from '../../../src/core/model/modelTypes';

/**
 * Everything in a model (and its report), the task columns included, as comparable JSON.
 * `byKey`: rows sorted by (pool, job, index) first, for models whose row order may differ.
 */
export function modelSnapshot(model: TraceModel, byKey = false): string {
  const { tasks, ...rest } = model;
  const rows = Array.from({ length: tasks.length }, (_, i) => i);
  if (byKey)
    rows.sort(
      (a, b) =>
        tasks.pool[a] - tasks.pool[b] || tasks.job[a] - tasks.job[b] || tasks.index[a] - tasks.index[b],
    );
  const newRow = new Map(rows.map((r, k) => [r, k]));
  const pick = (col: ArrayLike<number>): number[] => rows.map((r) => col[r]);
  const columns = Object.fromEntries(
    (['pool', 'call', 'parent', 'worker', 'job', 'index', 'parentPid', 'workerPid', 'ok', 'state'] as const)
      .map((k): [string, number[]] => [k, pick(tasks[k])])
      .concat(Object.entries(tasks.num).map(([k, c]): [string, number[]] => [k, pick(c)])),
  );
  const errors = [...tasks.errors]
    .map(([row, e]) => [newRow.get(row), e])
    .sort((a, b) => Number(a[0]) - Number(b[0]));
  return JSON.stringify({ rest, columns, errors, report: analyze(model) });
}
