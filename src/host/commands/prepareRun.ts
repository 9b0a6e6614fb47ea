import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EnvFileError, parseEnvFile } from '../../run/envFile';
import { platformSupport } from '../../run/platform';
import { PreflightError } from '../../run/python';
import { resolvePython } from '../run/pythonEnv';
import { parseArgsLine } from './argsLine';
import type { OpenSource } from './openSource';

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

export type PrepareRun = (
  target: vscode.Uri | undefined,
  askArgs: boolean,
  busy: () => Promise<boolean>,
  asModule?: boolean,
) => Promise<PreparedRun | undefined>;

/** The one way every profile and sweep prepares its run (see the function's own comment). */
export function makePrepareRun(context: vscode.ExtensionContext, openSource: OpenSource): PrepareRun {
  /**
   * Everything a run needs before it starts, asked and checked the same way for a profile and a
   * sweep: workspace trust, a Python file, its arguments, the interpreter, the working directory.
   * Undefined (after telling the user why) when the run cannot go ahead.
   */
  return async function prepareRun(
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
  };
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
