import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { GuardFix, guardEdit } from './guardFix';

/** One entry of poolscope_lint.py's `diagnostics` (lines 1-based, columns 0-based). */
export interface LintDiagnostic extends Partial<GuardFix> {
  code: 'missing-main-guard' | 'unpicklable-callable';
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** A pool or executor task-method call found by the linter (lines 1-based). */
export interface PoolCall {
  line: number;
  endLine: number;
  api: string;
}

interface LintOutput {
  diagnostics: LintDiagnostic[];
  poolCalls?: PoolCall[];
  syntaxError: { line: number; column: number; message: string } | null;
}

const DEBOUNCE_MS = 500;
const TIMEOUT_MS = 10_000;
const SOURCE = 'PoolScope';

/**
 * Problems-panel warnings from src/python/poolscope_lint.py, refreshed on open, on save and
 * 500 ms after the last edit. The editor text goes through stdin, so unsaved edits count.
 *
 * The linter only parses the source (ast.parse, tokenize); it never imports or runs user code,
 * so it also runs in untrusted workspaces. What it does not trust there is the interpreter path:
 * a workspace could point `poolscope.pythonPath` at any executable, so in restricted mode only
 * the user-level setting counts.
 *
 * Interpreter: the `poolscope.pythonPath` setting, else `python3`. Deliberately not
 * resolvePython() (the Python extension's environment plus a blocking probe): that is worth it
 * once per run, not on every keystroke, and the linter needs nothing but a Python ≥ 3.9 stdlib.
 * A missing interpreter simply leaves the file without diagnostics.
 */
export class StaticChecks implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('poolscope');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The latest lint per document, with the version it was computed for (for the quick fix). */
  private readonly results = new Map<
    string,
    { version: number; diagnostics: LintDiagnostic[]; poolCalls: PoolCall[] }
  >();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly updated = new vscode.EventEmitter<vscode.Uri>();
  /** A document's lint results changed. */
  readonly onDidUpdate = this.updated.event;

  constructor(private readonly linter: string) {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.lintSoon(d, 0)),
      vscode.workspace.onDidSaveTextDocument((d) => this.lintSoon(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.lintSoon(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          e.affectsConfiguration('poolscope.staticChecks.enabled') ||
          e.affectsConfiguration('poolscope.pythonPath')
        )
          this.lintAll();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.lintAll()),
    );
    this.lintAll();
  }

  static fromExtension(extensionUri: vscode.Uri): StaticChecks {
    return new StaticChecks(path.join(extensionUri.fsPath, 'dist', 'python', 'poolscope_lint.py'));
  }

  /** The lint entry a diagnostic came from, if the document has not changed since. */
  entryFor(doc: vscode.TextDocument, diag: vscode.Diagnostic): LintDiagnostic | undefined {
    const result = this.results.get(doc.uri.toString());
    if (!result || result.version !== doc.version) return undefined;
    return result.diagnostics.find(
      (d) =>
        d.code === diag.code &&
        d.line - 1 === diag.range.start.line &&
        d.column === diag.range.start.character,
    );
  }

  /** The pool calls of the document's latest lint (empty before the first, or when disabled). */
  poolCalls(doc: vscode.TextDocument): PoolCall[] {
    return this.results.get(doc.uri.toString())?.poolCalls ?? [];
  }

  dispose(): void {
    this.updated.dispose();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const d of this.disposables) d.dispose();
  }

  private lintAll(): void {
    for (const doc of vscode.workspace.textDocuments) this.lintSoon(doc, 0);
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.results.delete(key);
    this.collection.delete(uri);
  }

  private lintSoon(doc: vscode.TextDocument, delayMs: number): void {
    if (doc.languageId !== 'python') return;
    if (!vscode.workspace.getConfiguration('poolscope', doc.uri).get<boolean>('staticChecks.enabled', true)) {
      this.forget(doc.uri);
      return;
    }
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.lint(doc);
      }, delayMs),
    );
  }

  private async lint(doc: vscode.TextDocument): Promise<void> {
    const version = doc.version;
    const output = await runLinter(pythonFor(doc.uri), this.linter, doc.getText(), doc.fileName);
    // A newer edit or a close arrived while the linter ran: its own lint will report.
    if (doc.isClosed || doc.version !== version || !output) return;
    this.results.set(doc.uri.toString(), {
      version,
      diagnostics: output.diagnostics,
      poolCalls: output.poolCalls ?? [],
    });
    this.collection.set(doc.uri, output.diagnostics.map(toDiagnostic));
    this.updated.fire(doc.uri);
  }
}

function pythonFor(uri: vscode.Uri): string {
  const config = vscode.workspace.getConfiguration('poolscope', uri);
  const value = vscode.workspace.isTrusted
    ? config.get<string>('pythonPath')
    : config.inspect<string>('pythonPath')?.globalValue;
  return value?.trim() || 'python3';
}

function toDiagnostic(d: LintDiagnostic): vscode.Diagnostic {
  const range = new vscode.Range(d.line - 1, d.column, d.endLine - 1, d.endColumn);
  const diag = new vscode.Diagnostic(range, d.message, vscode.DiagnosticSeverity.Warning);
  diag.source = SOURCE;
  diag.code = d.code;
  return diag;
}

/** Runs the linter with the text on stdin; undefined when it cannot run or says nothing useful. */
export function runLinter(
  python: string,
  linter: string,
  text: string,
  fileName: string,
): Promise<LintOutput | undefined> {
  return new Promise((resolve) => {
    // -I: isolated mode, so nothing from the workspace (cwd, PYTHONPATH, user site) is imported.
    const child = spawn(python, ['-I', linter, '-', fileName], { stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    const timer = setTimeout(() => child.kill(), TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return resolve(undefined);
      try {
        resolve(JSON.parse(stdout) as LintOutput);
      } catch {
        resolve(undefined);
      }
    });
    // EPIPE when the interpreter is missing or exits early: the 'error'/'close' path answers.
    child.stdin.on('error', () => undefined);
    child.stdin.end(text, 'utf8');
  });
}

/** The "Wrap in if __name__ == "__main__":" quick fix for `missing-main-guard`. */
export class MainGuardFixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly checks: StaticChecks) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext) {
    const actions: vscode.CodeAction[] = [];
    for (const diag of context.diagnostics) {
      if (diag.source !== SOURCE || diag.code !== 'missing-main-guard') continue;
      const entry = this.checks.entryFor(doc, diag);
      if (!entry?.fixStart || !entry.fixEnd) continue;
      const edit = guardEdit(doc.getText(), {
        fixStart: entry.fixStart,
        fixEnd: entry.fixEnd,
        verbatimLines: entry.verbatimLines,
      });
      const action = new vscode.CodeAction(
        'Wrap in if __name__ == "__main__":',
        vscode.CodeActionKind.QuickFix,
      );
      action.diagnostics = [diag];
      action.isPreferred = true;
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(
        doc.uri,
        new vscode.Range(edit.startLine, 0, edit.endLine, doc.lineAt(edit.endLine).text.length),
        edit.newText,
      );
      actions.push(action);
    }
    return actions;
  }
}
