import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunHistory } from '../history/history';
import type { RunsView } from '../history/runsView';
import { LiveRun } from '../run/liveRun';
import { CompareSweepCommands } from './compareCommands';
import { openSource } from './openSource';
import { makePrepareRun } from './prepareRun';
import { registerSavedRunCommands } from './savedRunCommands';

const RUNNING_CONTEXT = 'poolscope.running';

/**
 * Every command: profiling a file (here), sweeps and comparisons (compareCommands.ts), saved runs
 * (savedRunCommands.ts); each run is prepared by prepareRun.ts.
 */
export function registerCommands(
  context: vscode.ExtensionContext,
  history: RunHistory,
  runsView: RunsView,
): vscode.Disposable[] {
  let current: LiveRun | undefined;
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 100);
  status.command = 'poolscope.cancelRun';
  const prepareRun = makePrepareRun(context, openSource);

  const sweeps = new CompareSweepCommands({
    context,
    history,
    runsView,
    openSource,
    prepareRun,
    profiling: () => current !== undefined,
    setRunning: (running) => void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, running),
  });

  async function profile(target: vscode.Uri | undefined, askArgs: boolean, asModule = false): Promise<void> {
    const prepared = await prepareRun(
      target,
      askArgs,
      async () => {
        if (sweeps.running) {
          void vscode.window.showWarningMessage(
            'A PoolScope sweep is still in progress; cancel it or wait for it to end.',
          );
          return true;
        }
        if (!current) return false;
        const pick = await vscode.window.showWarningMessage(
          'A PoolScope run is still in progress.',
          'Cancel It',
          'Show It',
        );
        if (pick === 'Cancel It') await current.cancel();
        else if (pick === 'Show It') current.panel.reveal();
        return true;
      },
      asModule,
    );
    if (!prepared) return;
    const { uri, args, cwd, config, module, env } = prepared;
    const check = { python: prepared.python, version: prepared.pythonVersion };

    let run: LiveRun;
    try {
      run = new LiveRun({
        extensionUri: context.extensionUri,
        history,
        script: uri,
        module,
        python: check.python,
        pythonVersion: check.version,
        args,
        env,
        cwd,
        sampleIntervalMs: config.get<number>('sampleIntervalMs') ?? 250,
        onSaved: () => {
          history.prune(config.get<number>('history.maxRuns') ?? 50);
          runsView.refresh();
        },
        openSource,
      });
    } catch (err) {
      // No private run directory could be made (every place tried is named in the message).
      void vscode.window.showErrorMessage(`PoolScope: ${(err as Error).message}; nothing was run.`);
      return;
    }
    current = run;
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, true);
    status.text = `$(sync~spin) PoolScope: ${path.basename(uri.fsPath)}`;
    status.tooltip = 'Profiling — click to cancel the run';
    status.show();
    try {
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `PoolScope: profiling ${path.basename(uri.fsPath)}`,
          cancellable: true,
        },
        (_progress, token) => {
          token.onCancellationRequested(() => void run.cancel());
          return run.run();
        },
      );
      announce(result.report, result.exit.code, result.cancelled, uri, openSource);
    } catch (err) {
      void vscode.window.showErrorMessage(`PoolScope: the run failed to start: ${(err as Error).message}`);
    } finally {
      current = undefined;
      status.hide();
      void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, false);
    }
  }

  return [
    status,
    vscode.commands.registerCommand('poolscope.profileFile', (uri?: vscode.Uri) => profile(uri, false)),
    vscode.commands.registerCommand('poolscope.profileFileWithArgs', (uri?: vscode.Uri) =>
      profile(uri, true),
    ),
    vscode.commands.registerCommand('poolscope.profileModule', (uri?: vscode.Uri) =>
      profile(uri, false, true),
    ),
    vscode.commands.registerCommand('poolscope.cancelRun', () =>
      current ? current.cancel() : sweeps.cancel(),
    ),
    ...sweeps.register(),
    ...registerSavedRunCommands(context, history, runsView),
    { dispose: () => void current?.cancel() },
  ];
}

/** Tells the user how the run ended, with the one action that helps next. */
function announce(
  report: import('../../core/report').Report | undefined,
  exitCode: number | null,
  cancelled: boolean,
  uri: vscode.Uri,
  openSource: (file: string, line: number) => void,
): void {
  const name = path.basename(uri.fsPath);
  const guard = report?.findings.find((f) => f.id === 'missing-main-guard');
  if (guard) {
    void vscode.window
      .showErrorMessage(`PoolScope stopped ${name}: ${guard.message}`, 'Show Line')
      .then((pick) => pick && guard.file && openSource(guard.file, guard.line ?? 1));
    return;
  }
  if (cancelled) {
    void vscode.window.showInformationMessage(
      `PoolScope: the run of ${name} was cancelled; the panel shows what was recorded.`,
    );
    return;
  }
  if (exitCode !== 0) {
    void vscode.window.showWarningMessage(
      `PoolScope: ${name} exited with code ${exitCode ?? 'unknown'}; the panel shows what was recorded.`,
    );
  }
}
