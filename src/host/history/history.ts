import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Report } from '../../core/report';
import type { UsageSample } from '../../shared/protocol';

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
  /** Files with call sites in the report (absent in runs saved before 0.2). */
  files?: string[];
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
const SOURCES_FILE = 'sources.json';
const USAGE_FILE = 'usage.json';
/** Source files larger than this are not kept with a run (their lenses then cannot follow edits). */
const MAX_SOURCE_BYTES = 1024 * 1024;

/** The text of each call-site file as it was profiled, by absolute path. */
export type Sources = Record<string, string>;

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

  /** The CPU/memory samples taken while the run ran (a run saved without them has no file). */
  usagePath(id: string): string {
    return path.join(this.dir(id), USAGE_FILE);
  }

  /**
   * Saves a finished run; `writeTrace` packs the trace into the path it is given. `sources`: the
   * text of files as they were when the run started (the script); other call-site files are read
   * now. They let CodeLenses follow later edits (see callSiteLens.ts). `usage`: the CPU/memory
   * samples the panel showed, kept for the saved run's panel and HTML report.
   */
  save(
    id: string,
    report: Report,
    writeTrace: (file: string) => void,
    sources: Sources = {},
    usage: readonly UsageSample[] = [],
  ): RunMeta {
    const dir = this.dir(id);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeTrace(path.join(dir, TRACE_FILE));
    fs.writeFileSync(path.join(dir, REPORT_FILE), JSON.stringify(report));
    const files = [...new Set(report.callSites.map((s) => s.file).filter((f) => path.isAbsolute(f)))];
    const kept: Sources = {};
    for (const f of files) {
      const text = sources[f] ?? readSource(f);
      if (text !== undefined && Buffer.byteLength(text) <= MAX_SOURCE_BYTES) kept[f] = text;
    }
    fs.writeFileSync(path.join(dir, SOURCES_FILE), JSON.stringify(kept));
    if (usage.length > 0) fs.writeFileSync(path.join(dir, USAGE_FILE), JSON.stringify(usage));
    const meta: RunMeta = {
      id,
      script: report.run.script,
      startedAt: report.run.startedAt,
      wallMs: report.summary.wallMs,
      quadrant: report.verdict.quadrant,
      exitCode: report.run.exitCode ?? null,
      workers: report.summary.workers,
      tasks: report.summary.tasks,
      files,
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

  /** The sources kept with a run ({} for runs saved without them). */
  readSources(id: string): Sources {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir(id), SOURCES_FILE), 'utf8')) as Sources;
    } catch {
      return {};
    }
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

/** A file's text, or undefined when it cannot be read or is too large to keep. */
export function readSource(file: string): string | undefined {
  try {
    if (fs.statSync(file).size > MAX_SOURCE_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The usage samples saved with a run: [] where there is no file (older runs, runs without
 * samples); a file that is not a list of samples is an error saying so.
 */
export function readUsageFile(file: string): UsageSample[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const data: unknown = JSON.parse(text);
  const isSample = (s: unknown): s is UsageSample =>
    typeof s === 'object' &&
    s !== null &&
    ['pid', 't', 'cpu', 'memoryBytes'].every((k) => Number.isFinite((s as Record<string, unknown>)[k]));
  if (!Array.isArray(data) || !data.every(isSample))
    throw new Error(`${file} is not a list of CPU/memory samples`);
  return data;
}
