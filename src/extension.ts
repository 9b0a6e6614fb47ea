import * as vscode from 'vscode';
import { RunHistory } from './host/history';
import { registerCommands } from './host/commands';
import { CallSiteLens } from './host/callSiteLens';
import { MainGuardLens } from './host/mainGuardLens';
import { RunsView } from './host/runsView';
import { MainGuardFixProvider, StaticChecks } from './host/staticChecks';

/** Wiring only: the run history, the Runs view, the commands and the static checks. Everything else is lazy. */
export function activate(context: vscode.ExtensionContext): void {
  const storage = context.storageUri ?? context.globalStorageUri;
  const history = new RunHistory(vscode.Uri.joinPath(storage, 'runs').fsPath);
  const runsView = new RunsView(history);
  const staticChecks = StaticChecks.fromExtension(context.extensionUri);
  const callSiteLens = new CallSiteLens(history, staticChecks, runsView.onDidChangeTreeData);
  context.subscriptions.push(
    staticChecks,
    callSiteLens,
    vscode.languages.registerCodeLensProvider({ language: 'python', scheme: 'file' }, callSiteLens),
    vscode.languages.registerCodeActionsProvider('python', new MainGuardFixProvider(staticChecks), {
      providedCodeActionKinds: MainGuardFixProvider.kinds,
    }),
    // canSelectMany: two selected runs can be compared.
    vscode.window.createTreeView('poolscope.runs', { treeDataProvider: runsView, canSelectMany: true }),
    vscode.languages.registerCodeLensProvider({ language: 'python', scheme: 'file' }, new MainGuardLens()),
    ...registerCommands(context, history, runsView),
  );
}

export function deactivate(): void {
  // Runs in flight are ended by their disposables (see host/commands.ts).
}
