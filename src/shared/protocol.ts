/**
 * Host ⇄ webview messages of the PoolScope panel. The webview imports types only from here, so
 * both sides agree at compile time; the host still checks every message that arrives
 * (`isFromWebview`), because a webview is another process and its messages are untrusted input.
 *
 * Times are milliseconds from the run's start (the main process's agent start), so the panel never
 * sees the raw monotonic clock. Rows travel in batches, ready to draw: columns of numbers, not one
 * object per task.
 */
import type { Report } from '../core/report';

export interface RunHeader {
  runId: string;
  script: string;
  /** Absolute path, for links. */
  scriptPath: string;
  python: string;
  startMethod: string;
  cpuCount: number;
  startedAt: string;
  /** True while the program runs; false for a run opened from history. */
  live: boolean;
}

export interface Lane {
  pid: number;
  role: string;
  /** e.g. "main 4711", "worker 2 · 4713". */
  label: string;
}

/** A call site as far as it is known (live: before the report exists). */
export interface SiteRef {
  index: number;
  file: string;
  line: number;
  api: string;
}

/**
 * Tasks as parallel columns; row i of every column is one task (or chunk).
 * t0 arrival at the worker (unpickle starts), t1 compute starts, t2 compute ends (result pickle
 * starts), t3 the result was written back; NaN where not (yet) known.
 *
 * The host sends each column as a Float64Array: VS Code hands a typed array's buffer to the webview
 * as it is, where a number array would be JSON-encoded number by number on the extension host's
 * thread (seconds for a million tasks) and parsed again in the panel.
 */
export interface TaskColumnsOf<C> {
  pid: C;
  t0: C;
  t1: C;
  t2: C;
  t3: C;
  /** Index into the sites list, -1 if unknown. */
  site: C;
  /** 1 ok, 0 raised, -1 still running (or the worker died with it). */
  ok: C;
  items: C;
  bytesIn: C;
  bytesOut: C;
}

/** Columns as the panel reads them: by index (Float64Arrays from the host; arrays in tests). */
export type TaskColumns = TaskColumnsOf<ArrayLike<number>>;

/** Columns while they are being filled, row by row. */
export type TaskColumnsBuilder = TaskColumnsOf<number[]>;

export interface UsageSample {
  pid: number;
  t: number;
  /** Percent of one core. */
  cpu: number;
  memoryBytes: number;
}

export type RunStatus = 'running' | 'finished' | 'cancelled' | 'failed';

export type ToWebview =
  | { type: 'run/reset'; run: RunHeader }
  | {
      type: 'run/delta';
      runId: string;
      lanes: Lane[];
      sites: SiteRef[];
      /** Tasks that finished since the last delta: appended, never sent again. */
      tasks: TaskColumns;
      /** Tasks still in flight: this set replaces the previous delta's (omitted: none). */
      running?: TaskColumns;
      samples: UsageSample[];
      wallMs: number;
    }
  | { type: 'run/report'; runId: string; report: Report; final: boolean }
  | { type: 'run/status'; runId: string; status: RunStatus; message?: string; exitCode?: number | null }
  /** Show this call site's predictions (a CodeLens was clicked). */
  | { type: 'site/focus'; runId: string; callSiteId: string };

export type FromWebview =
  | { type: 'webview/ready' }
  | { type: 'source/open'; file: string; line: number }
  | { type: 'run/cancel'; runId: string }
  | { type: 'run/export'; runId: string; format: 'chrome' | 'html' };

export function emptyTaskColumns(): TaskColumnsBuilder {
  return { pid: [], t0: [], t1: [], t2: [], t3: [], site: [], ok: [], items: [], bytesIn: [], bytesOut: [] };
}

/** Guards what the host accepts from the webview: shape and types, nothing more. */
export function isFromWebview(msg: unknown): msg is FromWebview {
  if (typeof msg !== 'object' || msg === null) return false;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case 'webview/ready':
      return true;
    case 'source/open':
      return (
        typeof m.file === 'string' && m.file.length > 0 && Number.isInteger(m.line) && (m.line as number) >= 0
      );
    case 'run/cancel':
      return typeof m.runId === 'string';
    case 'run/export':
      return typeof m.runId === 'string' && (m.format === 'chrome' || m.format === 'html');
    default:
      return false;
  }
}
