import * as path from 'node:path';
import * as vscode from 'vscode';
import { QUADRANT_TITLES, fmtMs } from '../../core/report';
import { overridesText, RunHistory, RunMeta } from './history';

const QUADRANT_ICONS: Record<string, [string, string]> = {
  'clear-win': ['pass', 'testing.iconPassed'],
  'measure-first': ['warning', 'list.warningForeground'],
  'ipc-overhead-wins': ['error', 'list.errorForeground'],
  'both-lose': ['error', 'list.errorForeground'],
  'no-parallel-work': ['circle-outline', 'descriptionForeground'],
};

/** A Runs view item, by shape (it may come from another bundle than the caller's RunItem). */
export function isRunItem(arg: unknown): arg is RunItem {
  return arg instanceof vscode.TreeItem && (arg as Partial<RunItem>).contextValue === 'run' && 'meta' in arg;
}

export class RunItem extends vscode.TreeItem {
  constructor(readonly meta: RunMeta) {
    super(path.basename(meta.script), vscode.TreeItemCollapsibleState.None);
    const when = new Date(meta.startedAt);
    const overridden = overridesText(meta.overrides);
    this.description = `${when.toLocaleTimeString()} · ${fmtMs(meta.wallMs)} · ${QUADRANT_TITLES[meta.quadrant] ?? meta.quadrant}${overridden ? ` · ${overridden}` : ''}`;
    this.tooltip = new vscode.MarkdownString(
      [
        `**${meta.script}**`,
        `${when.toLocaleString()}`,
        `wall ${fmtMs(meta.wallMs)} · ${meta.workers} workers · ${meta.tasks} tasks · exit ${meta.exitCode ?? '–'}`,
        `verdict: ${QUADRANT_TITLES[meta.quadrant] ?? meta.quadrant}`,
        ...(overridden ? [`overridden by PoolScope: ${overridden}`] : []),
      ].join('\n\n'),
    );
    const [icon, colour] = QUADRANT_ICONS[meta.quadrant] ?? ['circle-outline', 'descriptionForeground'];
    this.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(colour));
    this.contextValue = 'run';
    this.command = { command: 'poolscope.openRun', title: 'Open Run', arguments: [this] };
  }
}

/** The "PoolScope Runs" view: saved runs, newest first. */
export class RunsView implements vscode.TreeDataProvider<RunItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly history: RunHistory) {}

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: RunItem): vscode.TreeItem {
    return item;
  }

  getChildren(): RunItem[] {
    return this.history.list().map((m) => new RunItem(m));
  }
}
