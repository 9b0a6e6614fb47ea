import { analyze } from '../../../src/core';
import type { TraceModel } from '../../../src/core/modelTypes';

/** Everything in a model (and its report), the task columns included, as comparable JSON. */
export function modelSnapshot(model: TraceModel): string {
  const { tasks, ...rest } = model;
  const columns = Object.fromEntries(
    (['pool', 'call', 'parent', 'worker', 'job', 'index', 'parentPid', 'workerPid', 'ok', 'state'] as const)
      .map((k): [string, number[]] => [k, [...tasks[k]]])
      .concat(Object.entries(tasks.num).map(([k, c]): [string, number[]] => [k, [...c]])),
  );
  return JSON.stringify({ rest, columns, errors: [...tasks.errors], report: analyze(model) });
}
