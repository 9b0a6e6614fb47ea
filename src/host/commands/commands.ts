import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EnvFileError, parseEnvFile } from '../../run/envFile';
import { platformSupport } from '../../run/platform';
import { PreflightError } from '../../run/python';
import { RunHistory } from '../history/history';
import { LiveRun } from '../run/liveRun';
import { PoolScopePanel } from '../panels/panel';
import { resolvePython } from '../run/pythonEnv';
import { isRunItem, RunsView } from '../history/runsView';
import { exportSavedRun, openSavedRun, savedRunWorkerFile } from '../history/savedRunThread';
import { parseArgsLine } from './argsLine';
import { CompareSweepCommands } from './compareCommands';

const RUNNING_CONTEXT = 'poolscope.running';

/** A run ready to start: what prepareRun asked and checked. */
export interface PreparedRun {
  uri: vscode.Uri;
  /** Set when the file runs as a module (`python -m`), from `cwd`. */
  module?: string;
  args: string[];
  /** The run's environment: VS Code's, then poolscope.envFile, then poolscope.env. */
  env: NodeJS.ProcessEnv;
  cwd: string;
  python: string;
  pythonVersion: string;
  config: vscode.WorkspaceConfiguration;
}

export function registerCommands(
  context: vscode.ExtensionContext,
  history: RunHistory,
  runsView: RunsView,
): vscode.Disposable[] {
  let current: LiveRun | undefined;
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 100);
  status.command = 'poolscope.cancelRun';
  const savedRunWorker = savedRunWorkerFile(context.extensionUri.fsPath);

  const openSource = (file: string, line: number): void => {
    const uri = path.isAbsolute(file)
      ? vscode.Uri.file(file)
      : vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file('/'), file);
    const pos = new vscode.Position(Math.max(0, line - 1), 0);
    void vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos), preview: false });
  };

  /**
   * Everything a run needs before it starts, asked and checked the same way for a profile and a
   * sweep: workspace trust, a Python file, its arguments, the interpreter, the working directory.
   * Undefined (after telling the user why) when the run cannot go ahead.
   */
  async function prepareRun(
    target: vscode.Uri | undefined,
    askArgs: boolean,
    busy: () => Promise<boolean>,
    asModule = false,
  ): Promise<PreparedRun | undefined> {
    const platform = platformSupport();
    if (!platform.supported) {
      void vscode.window.showErrorMessage(`PoolScope: ${platform.message}`);
      return undefined;
    }
    if (platform.warning) void vscode.window.showWarningMessage(`PoolScope: ${platform.warning}`);
    if (!vscode.workspace.isTrusted) {
      const pick = await vscode.window.showWarningMessage(
        'PoolScope runs nothing in an untrusted workspace: profiling executes the script. Trust this workspace to profile it.',
        'Manage Workspace Trust',
      );
      if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      void vscode.window.showErrorMessage('PoolScope: open or select a Python file to profile.');
      return undefined;
    }
    if (uri.scheme !== 'file' || !/\.pyw?$/i.test(uri.fsPath)) {
      void vscode.window.showErrorMessage(
        `PoolScope: ${path.basename(uri.fsPath)} is not a Python file. Right-click a .py file and choose Profile Parallel Run.`,
      );
      return undefined;
    }
    if (await busy()) return undefined;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open?.isDirty) await open.save();

    const config = vscode.workspace.getConfiguration('poolscope', uri);
    let args = config.get<string[]>('args') ?? [];
    const argsKey = `args:${uri.fsPath}`;
    if (askArgs) {
      const last = context.workspaceState.get<string>(argsKey) ?? args.join(' ');
      const line = await vscode.window.showInputBox({
        title: `Arguments for ${path.basename(uri.fsPath)}`,
        prompt: 'Passed to the script as sys.argv[1:]; quote arguments that contain spaces.',
        value: last,
      });
      if (line === undefined) return undefined;
      await context.workspaceState.update(argsKey, line);
    }
    const remembered = context.workspaceState.get<string>(argsKey);
    if (remembered !== undefined) {
      try {
        args = parseArgsLine(remembered);
      } catch (err) {
        void vscode.window.showErrorMessage(
          `PoolScope: ${(err as Error).message}. Use Profile Parallel Run with Arguments… to fix them.`,
        );
        return undefined;
      }
    }

    let check;
    try {
      check = await resolvePython(uri);
    } catch (err) {
      if (!(err instanceof PreflightError)) throw err;
      const pick = await vscode.window.showErrorMessage(
        `PoolScope: ${err.message}`,
        'Select Interpreter',
        'Open Settings',
      );
      if (pick === 'Select Interpreter') await vscode.commands.executeCommand('python.setInterpreter');
      if (pick === 'Open Settings')
        await vscode.commands.executeCommand('workbench.action.openSettings', 'poolscope.pythonPath');
      return undefined;
    }
    if (check.syntaxError) {
      const { line, message } = check.syntaxError;
      const pick = await vscode.window.showErrorMessage(
        `PoolScope: ${path.basename(uri.fsPath)} does not parse (line ${line}: ${message}); nothing was run.`,
        'Go to Line',
      );
      if (pick) openSource(uri.fsPath, line);
      return undefined;
    }
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
    const cwdSetting = (config.get<string>('cwd') ?? '').replace('${workspaceFolder}', folder).trim();
    // A module is found from the working directory (as python -m does): the workspace folder by default.
    const cwd = cwdSetting || (asModule ? folder : path.dirname(uri.fsPath));
    if (!fs.existsSync(cwd)) {
      void vscode.window.showErrorMessage(
        `PoolScope: the working directory ${cwd} does not exist (setting poolscope.cwd).`,
      );
      return undefined;
    }
    const env = runEnvironment(config, folder);
    if (env === undefined) return undefined;
    let module: string | undefined;
    if (asModule) {
      const moduleKey = `module:${uri.fsPath}`;
      module = await vscode.window.showInputBox({
        title: `Run ${path.basename(uri.fsPath)} as a module`,
        prompt: `Run as python -m MODULE from ${cwd} (setting poolscope.cwd).`,
        value: context.workspaceState.get<string>(moduleKey) ?? moduleNameOf(uri.fsPath, cwd),
        validateInput: (v) =>
          MODULE_NAME.test(v.trim()) ? undefined : 'A module name, such as package.module',
      });
      if (module === undefined) return undefined;
      module = module.trim();
      await context.workspaceState.update(moduleKey, module);
    }
    return { uri, module, args, env, cwd, python: check.python, pythonVersion: check.version, config };
  }

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
        exportSavedRun(savedRunWorker, history.tracePath(id), format, target.fsPath),
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
        openSavedRun(savedRunWorker, history.tracePath(id), id),
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
    { dispose: () => void current?.cancel() },
  ];
}

const MODULE_NAME = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

/**
 * The module name a file has when run from `cwd`: `pkg/sub/job.py` → `pkg.sub.job`, a package's
 * `__main__.py` → the package. The file's own name where it is not under `cwd`.
 */
export function moduleNameOf(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  const parts = (rel.startsWith('..') || path.isAbsolute(rel) ? path.basename(file) : rel)
    .replace(/\.pyw?$/i, '')
    .split(path.sep);
  if (parts.length > 1 && (parts[parts.length - 1] === '__main__' || parts[parts.length - 1] === '__init__'))
    parts.pop();
  return parts.join('.');
}

/**
 * VS Code's environment, then the variables of poolscope.envFile, then poolscope.env (each over the
 * one before). Undefined, after saying why, when the env file cannot be read: nothing runs.
 */
function runEnvironment(
  config: vscode.WorkspaceConfiguration,
  folder: string,
): NodeJS.ProcessEnv | undefined {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const file = (config.get<string>('envFile') ?? '').replace('${workspaceFolder}', folder).trim();
  if (file) {
    const full = path.resolve(folder, file);
    try {
      Object.assign(env, parseEnvFile(fs.readFileSync(full, 'utf8'), env, full));
    } catch (err) {
      const why =
        err instanceof EnvFileError ? err.message : `cannot read ${full} (${(err as Error).message})`;
      void vscode.window
        .showErrorMessage(`PoolScope: ${why}; nothing was run (setting poolscope.envFile).`, 'Open Settings')
        .then(
          (pick) =>
            pick && vscode.commands.executeCommand('workbench.action.openSettings', 'poolscope.envFile'),
        );
      return undefined;
    }
  }
  for (const [k, v] of Object.entries(config.get<Record<string, unknown>>('env') ?? {})) {
    if (v === null) delete env[k];
    else env[k] = String(v);
  }
  return env;
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
