/** A saved run as one side of the Compare panel. No VS Code API here, so tests build it too. */
import type { TraceModel } from '../../core/model';
import type { Report } from '../../core/report';
import type { CompareSide } from '../../shared/compareProtocol';
import type { ToWebview } from '../../shared/protocol';
import { savedRunMessages } from './viewRows';

export function compareSide(model: TraceModel, report: Report, runId: string, label: string): CompareSide {
  return compareSideOf(savedRunMessages(model, report, runId), report, runId, label);
}

/** The side from the run panel's messages for the run (savedRunMessages, maybe made on a worker thread). */
export function compareSideOf(
  messages: ToWebview[],
  report: Report,
  runId: string,
  label: string,
): CompareSide {
  const delta = messages.find((m) => m.type === 'run/delta');
  if (delta?.type !== 'run/delta') throw new Error('the run has no rows to compare');
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
