import * as vscode from 'vscode';
import { RunHistory } from './host/history/history';
import { CallSiteLens } from './host/lens/callSiteLens';
import { MainGuardLens } from './host/lens/mainGuardLens';
import { RunsView } from './host/history/runsView';
import { MainGuardFixProvider, StaticChecks } from './host/checks/staticChecks';

type Commands = typeof import('./host/commands/commands');

/**
 * Wiring only: the run history, the Runs view, the static checks and the commands. The commands
 * and all they use (the analysis core, the panel, the launcher, pidusage) are a bundle of their
 * own, dist/commands.js, loaded the first time one of them runs: activation happens whenever a
 * Python file opens, and should not cost the user the analysis code until they profile.
 */
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
  );
  registerLazily(context, () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { registerCommands } = require('./commands.js') as Commands;
    return registerCommands(context, history, runsView);
  });
}

/**
 * Registers a placeholder for each of the extension's commands; the first one called loads the
 * real ones (replacing the placeholders) and is passed on to them.
 */
function registerLazily(context: vscode.ExtensionContext, load: () => vscode.Disposable[]): void {
  const contributed = (
    context.extension.packageJSON as { contributes?: { commands?: { command: string }[] } }
  ).contributes?.commands;
  const placeholders: vscode.Disposable[] = [];
  let loading: Promise<void> | undefined;
  const loadOnce = (): Promise<void> =>
    (loading ??= Promise.resolve().then(() => {
      for (const p of placeholders) p.dispose();
      context.subscriptions.push(...load());
    }));
  for (const { command } of contributed ?? []) {
    const placeholder = vscode.commands.registerCommand(command, async (...args: unknown[]) => {
      await loadOnce();
      return vscode.commands.executeCommand(command, ...args);
    });
    placeholders.push(placeholder);
    context.subscriptions.push(placeholder);
  }
}

export function deactivate(): void {
  // Runs in flight are ended by their disposables (see host/commands/commands.ts).
}
