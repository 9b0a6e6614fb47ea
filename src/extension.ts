import * as vscode from 'vscode';
import { RunHistory } from './host/history';
import { registerCommands } from './host/commands';
import { MainGuardLens } from './host/mainGuardLens';
import { RunsView } from './host/runsView';

/** Wiring only: the run history, the Runs view and the commands. Everything else is lazy. */
export function activate(context: vscode.ExtensionContext): void {
  const storage = context.storageUri ?? context.globalStorageUri;
  const history = new RunHistory(vscode.Uri.joinPath(storage, 'runs').fsPath);
  const runsView = new RunsView(history);
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('poolscope.runs', runsView),
    vscode.languages.registerCodeLensProvider({ language: 'python', scheme: 'file' }, new MainGuardLens()),
    ...registerCommands(context, history, runsView),
  );
}

export function deactivate(): void {
  // Runs in flight are ended by their disposables (see host/commands.ts).
}
