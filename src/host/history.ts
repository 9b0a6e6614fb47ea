import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Report } from '../core/report';

/** What the Runs view lists; kept beside each run so listing never parses a trace. */
export interface RunMeta {
  id: string;
  script: string;
  startedAt: string;
  wallMs: number;
  quadrant: string;
  exitCode: number | null;
  workers: number;
  tasks: number;
  /** Settings PoolScope overrode in this run (a sweep's `workers`, `chunksize`); absent in older runs. */
  overrides?: Record<string, unknown>;
}

/** "workers=2, chunksize=10", or '' when nothing was overridden. */
export function overridesText(o: Record<string, unknown> | undefined): string {
  return Object.entries(o ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

export const TRACE_FILE = 'trace.pstrace';
const REPORT_FILE = 'report.json';
const META_FILE = 'run.json';

/**
 * Saved runs, one folder each under the extension's workspace storage: the packed trace, the
 * report and a small header. No VS Code API here, so it is tested with plain node.
 */
export class RunHistory {
  constructor(private readonly root: string) {}

  newRunId(now = new Date()): string {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '-');
    return `${stamp}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  }

  dir(id: string): string {
    if (!/^[\w.-]+$/.test(id)) throw new Error(`invalid run id: ${id}`);
    return path.join(this.root, id);
  }

  tracePath(id: string): string {
    return path.join(this.dir(id), TRACE_FILE);
  }

  /** Saves a finished run; `writeTrace` packs the trace into the path it is given. */
  save(id: string, report: Report, writeTrace: (file: string) => void): RunMeta {
    const dir = this.dir(id);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeTrace(path.join(dir, TRACE_FILE));
    fs.writeFileSync(path.join(dir, REPORT_FILE), JSON.stringify(report));
    const meta: RunMeta = {
      id,
      script: report.run.script,
      startedAt: report.run.startedAt,
      wallMs: report.summary.wallMs,
      quadrant: report.verdict.quadrant,
      exitCode: report.run.exitCode ?? null,
      workers: report.summary.workers,
      tasks: report.summary.tasks,
      overrides: report.run.overrides ?? {},
    };
    // The header is written last: a run without it was interrupted and is not listed.
    fs.writeFileSync(path.join(dir, META_FILE), JSON.stringify(meta));
    return meta;
  }

  /** Newest first. Folders without a readable header are skipped, not fatal. */
  list(): RunMeta[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.root);
    } catch {
      return [];
    }
    const runs: RunMeta[] = [];
    for (const name of names) {
      try {
        runs.push(JSON.parse(fs.readFileSync(path.join(this.root, name, META_FILE), 'utf8')) as RunMeta);
      } catch {
        continue;
      }
    }
    return runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  }

  readReport(id: string): Report {
    return JSON.parse(fs.readFileSync(path.join(this.dir(id), REPORT_FILE), 'utf8')) as Report;
  }

  delete(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }

  /** Keeps the newest `keep` runs; returns the ids removed. */
  prune(keep: number): string[] {
    const removed = this.list()
      .slice(Math.max(0, keep))
      .map((r) => r.id);
    for (const id of removed) this.delete(id);
    return removed;
  }
}
