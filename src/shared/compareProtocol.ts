/**
 * Host ⇄ webview messages of the Compare and Sweep panels (webview/compare/main.ts, built to
 * dist/compare.js). Like the run panel's protocol: string discriminants, types only on the
 * webview side, and a guard on everything the host receives.
 */
import type { RunComparison } from '../core/compare';
import type { Report } from '../core/report';
import type { SweepResult } from '../core/whatif';
import type { Lane, SiteRef, TaskColumns } from './protocol';

/** One run of a comparison, ready to draw: its lanes and finished tasks, and its report. */
export interface CompareSide {
  runId: string;
  /** e.g. "A · resize.py · 10:11:12". */
  label: string;
  lanes: Lane[];
  sites: SiteRef[];
  tasks: TaskColumns;
  wallMs: number;
  report: Report;
}

export interface SweepProgress {
  /** 1-based run number and how many the sweep plans. */
  index: number;
  total: number;
  /** What this run overrides, in words ("2 workers", "chunksize 10 at 2 workers"). */
  label: string;
}

export type ToCompareView =
  | { type: 'compare/show'; a: CompareSide; b: CompareSide; comparison: RunComparison }
  | { type: 'sweep/progress'; script: string; progress: SweepProgress }
  | {
      type: 'sweep/show';
      script: string;
      workers: SweepResult | null;
      chunksize: SweepResult | null;
      cancelled: boolean;
    };

export type FromCompareView =
  | { type: 'webview/ready' }
  | { type: 'source/open'; file: string; line: number }
  | { type: 'run/open'; runId: string };

export function isFromCompareView(msg: unknown): msg is FromCompareView {
  if (typeof msg !== 'object' || msg === null) return false;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case 'webview/ready':
      return true;
    case 'source/open':
      return (
        typeof m.file === 'string' && m.file.length > 0 && Number.isInteger(m.line) && (m.line as number) >= 0
      );
    case 'run/open':
      return typeof m.runId === 'string' && /^[\w.-]+$/.test(m.runId);
    default:
      return false;
  }
}
