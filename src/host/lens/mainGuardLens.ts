import * as vscode from 'vscode';
import { mainGuardLines } from '../checks/mainGuard';

/** "▶ Profile parallel run" above each `if __name__ == "__main__":` line of a Python file. */
export class MainGuardLens implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor() {
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('poolscope.codeLens.enabled')) this.changed.fire();
    });
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('poolscope', doc.uri).get<boolean>('codeLens.enabled', true))
      return [];
    return mainGuardLines(doc.getText()).map(
      (line) =>
        new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: '▶ Profile parallel run',
          tooltip: 'Run this script under PoolScope and open the inspector panel',
          command: 'poolscope.profileFile',
          arguments: [doc.uri],
        }),
    );
  }
}
