/** A saved run as one side of the Compare panel. No VS Code API here, so tests build it too. */
import type { TraceModel } from '../core/modelTypes';
import type { Report } from '../core/report';
import type { CompareSide } from '../shared/compareProtocol';
import { TaskDeltas } from './viewRows';

export function compareSide(model: TraceModel, report: Report, runId: string, label: string): CompareSide {
  const delta = new TaskDeltas().message(model, runId, model.wallMs);
  if (delta.type !== 'run/delta') throw new Error(`unexpected rows: ${delta.type}`);
  return {
    runId,
    label,
    lanes: delta.lanes,
    sites: delta.sites,
    tasks: delta.tasks,
    wallMs: report.summary.wallMs,
    report,
  };
}
