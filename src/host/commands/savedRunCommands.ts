import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunHistory } from '../history/history';
import { isRunItem, type RunsView } from '../history/runsView';
import { exportSavedRun, openSavedRun, savedRunWorkerFile } from '../history/savedRunThread';
import { PoolScopePanel } from '../panels/panel';
import { openSource } from './openSource';

/**
 * The commands on saved runs (the Runs view, the panel's export buttons, the call-site lenses):
 * open, show a call site, delete, reveal the trace, export, refresh. Each run is read on a worker
 * thread, with its progress in the status bar.
 */
export function registerSavedRunCommands(
  context: vscode.ExtensionContext,
  history: RunHistory,
  runsView: RunsView,
): vscode.Disposable[] {
  const savedRunWorker = savedRunWorkerFile(context.extensionUri.fsPath);

  // Not `instanceof RunItem`: the Runs view's items come from the activation bundle, these
  // commands from their own (dist/commands.js, loaded on first use), each with its own RunItem.
  const runIdOf = (arg: unknown): string | undefined =>
    isRunItem(arg) ? arg.meta.id : typeof arg === 'string' ? arg : undefined;

  async function exportRun(arg: unknown, format: 'chrome' | 'html'): Promise<void> {
    const id = runIdOf(arg);
    if (!id) return;
    const ext = format === 'chrome' ? 'json' : 'html';
    const target = await vscode.window.showSaveDialog({
      title: format === 'chrome' ? 'Export as Chrome/Perfetto trace' : 'Export as HTML report',
      defaultUri: vscode.Uri.file(path.join(path.dirname(history.tracePath(id)), `poolscope-${id}.${ext}`)),
      filters: format === 'chrome' ? { 'Trace JSON': ['json'] } : { HTML: ['html'] },
    });
    if (!target) return;
    try {
      await withReading(`PoolScope: exporting run…`, () =>
        exportSavedRun(savedRunWorker, history.tracePath(id), history.usagePath(id), format, target.fsPath),
      );
    } catch (err) {
      void vscode.window.showErrorMessage(`PoolScope: cannot export this run: ${(err as Error).message}`);
      return;
    }
    void vscode.window.showInformationMessage(`PoolScope: exported to ${target.fsPath}`);
  }

  /** Runs `work` (a saved run read on a worker thread) with its progress in the status bar. */
  function withReading<T>(title: string, work: () => Promise<T>): Thenable<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, work);
  }

  async function openSaved(arg: unknown): Promise<PoolScopePanel | undefined> {
    const id = runIdOf(arg);
    if (!id) return undefined;
    let loaded;
    try {
      loaded = await withReading('PoolScope: opening run…', () =>
        openSavedRun(savedRunWorker, history.tracePath(id), history.usagePath(id), id),
      );
    } catch (err) {
      void vscode.window.showErrorMessage(`PoolScope: cannot open this run: ${(err as Error).message}`);
      return undefined;
    }
    const { messages, report } = loaded;
    const panel: PoolScopePanel = new PoolScopePanel(
      context.extensionUri,
      `PoolScope: ${path.basename(report.run.script)}`,
      {
        onMessage: (msg) => {
          if (msg.type === 'source/open') openSource(msg.file, msg.line);
          if (msg.type === 'run/export') void exportRun(id, msg.format);
        },
        onDispose: () => undefined,
      },
    );
    for (const msg of messages) panel.post(msg);
    return panel;
  }

  return [
    vscode.commands.registerCommand('poolscope.openRun', (arg: unknown) => void openSaved(arg)),
    vscode.commands.registerCommand('poolscope.showCallSite', (runId: unknown, callSiteId: unknown) => {
      if (typeof runId !== 'string' || typeof callSiteId !== 'string') return;
      void openSaved(runId).then((panel) => panel?.post({ type: 'site/focus', runId, callSiteId }));
    }),
    vscode.commands.registerCommand('poolscope.deleteRun', async (arg: unknown) => {
      const id = runIdOf(arg);
      if (!id) return;
      const pick = await vscode.window.showWarningMessage(
        'Delete this PoolScope run?',
        { modal: true },
        'Delete',
      );
      if (pick !== 'Delete') return;
      history.delete(id);
      runsView.refresh();
    }),
    vscode.commands.registerCommand('poolscope.revealTrace', (arg: unknown) => {
      const id = runIdOf(arg);
      if (id) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(history.tracePath(id)));
    }),
    vscode.commands.registerCommand('poolscope.exportChrome', (arg: unknown) => exportRun(arg, 'chrome')),
    vscode.commands.registerCommand('poolscope.exportHtml', (arg: unknown) => exportRun(arg, 'html')),
    vscode.commands.registerCommand('poolscope.refreshRuns', () => runsView.refresh()),
  ];
}
