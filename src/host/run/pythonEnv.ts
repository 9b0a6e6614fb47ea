import * as vscode from 'vscode';
import { checkPython, PreflightError, ScriptCheck } from '../../run/python';

/**
 * The interpreter for a file: the `poolscope.pythonPath` setting if set, else the Python
 * extension's active environment for that file, else `python3`. The chosen one is probed (and
 * the script parsed) before anything runs, so a wrong interpreter is a message, not a crash.
 */
export async function resolvePython(file: vscode.Uri): Promise<ScriptCheck> {
  const configured = vscode.workspace.getConfiguration('poolscope', file).get<string>('pythonPath')?.trim();
  const candidate = configured || (await fromPythonExtension(file)) || 'python3';
  return checkPython(candidate, file.fsPath);
}

async function fromPythonExtension(file: vscode.Uri): Promise<string | undefined> {
  if (!vscode.extensions.getExtension('ms-python.python')) return undefined;
  try {
    // Loaded lazily: the facade activates the Python extension, which costs time we only pay
    // when a run actually needs an interpreter.
    const { PythonExtension } = await import('@vscode/python-extension');
    const api = await PythonExtension.api();
    const active = api.environments.getActiveEnvironmentPath(file);
    const env = await api.environments.resolveEnvironment(active);
    return env?.executable.uri?.fsPath;
  } catch {
    // An older or broken Python extension must not stop a run: python3 is the fallback.
    return undefined;
  }
}

export { PreflightError };
