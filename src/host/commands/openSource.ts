import * as path from 'node:path';
import * as vscode from 'vscode';

export type OpenSource = (file: string, line: number) => void;

/** Opens `file` (absolute, or relative to the first workspace folder) at `line`, in an editor. */
export function openSource(file: string, line: number): void {
  const uri = path.isAbsolute(file)
    ? vscode.Uri.file(file)
    : vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file('/'), file);
  const pos = new vscode.Position(Math.max(0, line - 1), 0);
  void vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos), preview: false });
}
