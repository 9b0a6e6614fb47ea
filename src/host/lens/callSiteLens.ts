import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Report } from '../../core/report';
import type { RunHistory, RunMeta, Sources } from '../history/history';
import { lensTitle, lensTooltip, queueLensTitle } from './lensText';
import { LineMap } from './lineMap';
import type { StaticChecks } from '../checks/staticChecks';

interface SavedRun {
  meta: RunMeta;
  report: Report;
  sources: Sources;
}

/**
 * A CodeLens above each pool call that the last run of a file recorded, with the measured speedup
 * and what the what-if model predicts a change would buy; clicking it opens that run at the call
 * site. Lenses follow edits: the file as it was profiled is kept with the run, and its lines are
 * mapped onto the editor's text (lineMap.ts). Once a line with code changes, the lenses say the
 * figures are stale. Pool calls the run never reached (found by the static checks' parse) say so.
 */
export class CallSiteLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly cache = new Map<string, SavedRun | null>();
  /** The history's list, read once per change of the history (not on every keystroke's lenses). */
  private runs: RunMeta[] | undefined;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly history: RunHistory,
    private readonly checks: StaticChecks,
    runsChanged: vscode.Event<unknown>,
  ) {
    this.disposables = [
      this.changed,
      checks.onDidUpdate(() => this.changed.fire()),
      runsChanged(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('poolscope.codeLens')) this.changed.fire();
      }),
    ];
  }

  /** The run history changed (a run was saved or deleted). */
  refresh(): void {
    this.cache.clear();
    this.runs = undefined;
    this.changed.fire();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const config = vscode.workspace.getConfiguration('poolscope', doc.uri);
    if (!config.get<boolean>('codeLens.enabled', true) || !config.get<boolean>('codeLens.callSites', true))
      return [];
    const file = doc.uri.fsPath;
    const run = this.lastRunOf(file);
    if (!run) return [];
    const when = new Date(run.meta.startedAt).toLocaleString();
    const snapshot = run.sources[file];
    const map = snapshot !== undefined ? new LineMap(snapshot, doc.getText()) : null;
    const stale = map ? map.codeChanged : changedSince(file, doc, run.meta.startedAt);
    const lenses: vscode.CodeLens[] = [];
    const reached: number[] = [];
    /** Where a recorded line is now, and the title to show there (marked stale if need be). */
    const place = (
      recordedLine: number,
      title: string,
    ): { line: number; range: vscode.Range; title: string } => {
      const moved = map ? map.newLine(recordedLine) : recordedLine;
      const line = Math.min(moved ?? map?.nearestLine(recordedLine) ?? recordedLine, doc.lineCount);
      return {
        line,
        range: new vscode.Range(line - 1, 0, line - 1, 0),
        title: stale || moved === null ? `$(history) Stale — re-run · was: ${title}` : title,
      };
    };
    for (const site of run.report.callSites) {
      if (site.file !== file || site.line <= 0) continue;
      const { line, range, title } = place(site.line, lensTitle(site));
      reached.push(line);
      lenses.push(
        new vscode.CodeLens(range, {
          title,
          tooltip: stale
            ? 'The file changed since this run: its figures may no longer hold. Re-run to update.'
            : lensTooltip(site, when),
          command: 'poolscope.showCallSite',
          arguments: [run.meta.id, site.id],
        }),
      );
    }
    for (const q of run.report.queues) {
      if (q.file !== file || !q.line || q.messages === 0) continue;
      const { range, title } = place(q.line, queueLensTitle(q));
      lenses.push(
        new vscode.CodeLens(range, {
          title,
          tooltip: `Messages through this ${q.api} in the run of ${when}. Click to open the run.`,
          command: 'poolscope.openRun',
          arguments: [run.meta.id],
        }),
      );
    }
    for (const call of this.checks.poolCalls(doc)) {
      if (reached.some((l) => l >= call.line && l <= call.endLine)) continue;
      lenses.push(
        new vscode.CodeLens(new vscode.Range(call.line - 1, 0, call.line - 1, 0), {
          title: `○ Not reached in the last run (${when})`,
          tooltip: `This ${call.api}() call made no task in the last profiled run of this file.`,
          command: 'poolscope.openRun',
          arguments: [run.meta.id],
        }),
      );
    }
    return lenses;
  }

  /** The newest saved run with a call site in `file` (or of `file` as its script), if any. */
  private lastRunOf(file: string): SavedRun | null {
    this.runs ??= this.history.list();
    for (const meta of this.runs) {
      const match = meta.files ? meta.files.includes(file) : path.resolve(meta.script) === file;
      if (!match) continue;
      if (!this.cache.has(meta.id)) {
        try {
          this.cache.set(meta.id, {
            meta,
            report: this.history.readReport(meta.id),
            sources: this.history.readSources(meta.id),
          });
        } catch {
          this.cache.set(meta.id, null); // an unreadable run: try an older one
        }
      }
      const run = this.cache.get(meta.id);
      if (run) return run;
    }
    return null;
  }
}

/** Without a kept copy: the file changed if it is dirty or was saved after the run started. */
function changedSince(file: string, doc: vscode.TextDocument, startedAt: string): boolean {
  if (doc.isDirty) return true;
  try {
    return fs.statSync(file).mtimeMs > Date.parse(startedAt);
  } catch {
    return true;
  }
}
