/**
 * Compare two saved runs, and sweep the worker count or the chunksize: the commands, their quick
 * picks and progress, and the panels they open (webview/compare). Runs are read from the history;
 * every sweep run is saved there like any other run.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareReports, defaultWorkerCounts, packRunDir } from '../../core';
import { QUADRANT_TITLES, fmtMs } from '../../core/report';
import { Sweep, type SweepStep } from '../../run/sweep';
import type { CompareSide, FromCompareView } from '../../shared/compareProtocol';
import type { PrepareRun } from './prepareRun';
import { ComparePanel } from '../panels/comparePanel';
import { compareSideOf } from '../panels/compareRows';
import { openSavedRun, savedRunWorkerFile } from '../history/savedRunThread';
import { overridesText, RunHistory, RunMeta } from '../history/history';
import { isRunItem, RunsView } from '../history/runsView';

export interface CompareDeps {
  context: vscode.ExtensionContext;
  history: RunHistory;
  runsView: RunsView;
  openSource(file: string, line: number): void;
  prepareRun: PrepareRun;
  /** True while a profiling run is in progress (a sweep then waits for it). */
  profiling(): boolean;
  setRunning(running: boolean): void;
}

const DEFAULT_CHUNKSIZES = [1, 10, 100];

export class CompareSweepCommands {
  private sweep: Sweep | undefined;

  constructor(private readonly deps: CompareDeps) {}

  get running(): boolean {
    return this.sweep !== undefined;
  }

  async cancel(): Promise<void> {
    await this.sweep?.cancel();
  }

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('poolscope.compareWith', (arg: unknown) => this.compareWith(arg)),
      vscode.commands.registerCommand('poolscope.compareRuns', (arg: unknown, selected: unknown) =>
        this.compareRuns(arg, selected),
      ),
      vscode.commands.registerCommand('poolscope.sweepWorkers', (uri?: vscode.Uri) =>
        this.runSweep(uri, 'workers'),
      ),
      vscode.commands.registerCommand('poolscope.sweepChunksize', (uri?: vscode.Uri) =>
        this.runSweep(uri, 'chunksize'),
      ),
      { dispose: () => void this.sweep?.cancel() },
    ];
  }

  /** "Compare with…" on a run: pick the other one, from any script. */
  private async compareWith(arg: unknown): Promise<void> {
    const id = runIdOf(arg);
    const runs = this.deps.history.list();
    const base = runs.find((r) => r.id === id);
    if (!base) {
      void vscode.window.showErrorMessage('PoolScope: pick a run in the PoolScope Runs view to compare.');
      return;
    }
    const others = runs.filter((r) => r.id !== base.id);
    if (!others.length) {
      void vscode.window.showInformationMessage('PoolScope: there is no other run to compare with yet.');
      return;
    }
    // The same script's runs first: the usual before/after.
    others.sort((a, b) => Number(b.script === base.script) - Number(a.script === base.script));
    const pick = await vscode.window.showQuickPick(
      others.map((r) => ({ ...pickItem(r, base.script), run: r })),
      {
        title: `Compare ${path.basename(base.script)} (${new Date(base.startedAt).toLocaleTimeString()}) with…`,
        matchOnDescription: true,
        matchOnDetail: true,
      },
    );
    if (pick) await this.compare(base, pick.run);
  }

  /** Two runs selected in the Runs view (or picked now). */
  private async compareRuns(arg: unknown, selected: unknown): Promise<void> {
    const runs = this.deps.history.list();
    let ids = Array.isArray(selected) ? selected.map(runIdOf).filter((x): x is string => !!x) : [];
    if (ids.length === 0 && runIdOf(arg)) ids = [runIdOf(arg) as string];
    if (ids.length === 1) return this.compareWith(ids[0]);
    if (ids.length === 0) {
      const picks = await vscode.window.showQuickPick(
        runs.map((r) => ({ ...pickItem(r, ''), run: r })),
        { title: 'Pick two runs to compare', canPickMany: true },
      );
      if (!picks) return;
      ids = picks.map((p) => p.run.id);
    }
    if (ids.length !== 2) {
      void vscode.window.showErrorMessage(
        `PoolScope: select exactly two runs to compare (${ids.length} selected).`,
      );
      return;
    }
    const [a, b] = ids.map((x) => runs.find((r) => r.id === x));
    if (!a || !b) {
      void vscode.window.showErrorMessage('PoolScope: one of these runs is no longer in the history.');
      return;
    }
    await this.compare(a, b);
  }

  /** Opens the Compare panel; the earlier run is A ("before"), the later one B. */
  private async compare(x: RunMeta, y: RunMeta): Promise<void> {
    const [a, b] = x.startedAt <= y.startedAt ? [x, y] : [y, x];
    let sides: [CompareSide, CompareSide];
    try {
      sides = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'PoolScope: opening runs to compare…' },
        () => Promise.all([this.side(a, 'A'), this.side(b, 'B')]),
      );
    } catch (err) {
      void vscode.window.showErrorMessage(
        `PoolScope: cannot open a run to compare: ${(err as Error).message}`,
      );
      return;
    }
    const title =
      a.script === b.script
        ? `PoolScope Compare: ${path.basename(a.script)}`
        : `PoolScope Compare: ${path.basename(a.script)} ↔ ${path.basename(b.script)}`;
    const panel = new ComparePanel(this.deps.context.extensionUri, 'poolscope.compare', title, (m) =>
      this.onMessage(m),
    );
    panel.post({
      type: 'compare/show',
      a: sides[0],
      b: sides[1],
      comparison: compareReports(sides[0].report, sides[1].report),
    });
  }

  /** One side, read on a worker thread (savedRunThread): a big run takes seconds to load. */
  private async side(meta: RunMeta, tag: 'A' | 'B'): Promise<CompareSide> {
    const worker = savedRunWorkerFile(this.deps.context.extensionUri.fsPath);
    const { messages, report } = await openSavedRun(
      worker,
      this.deps.history.tracePath(meta.id),
      this.deps.history.usagePath(meta.id),
      meta.id,
    );
    const label = `${tag} · ${path.basename(meta.script)} · ${new Date(meta.startedAt).toLocaleString()}`;
    return compareSideOf(messages, report, meta.id, label);
  }

  private onMessage(msg: FromCompareView): void {
    switch (msg.type) {
      case 'webview/ready':
        return;
      case 'source/open':
        return this.deps.openSource(msg.file, msg.line);
      case 'run/open':
        return void vscode.commands.executeCommand('poolscope.openRun', msg.runId);
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  private async runSweep(target: vscode.Uri | undefined, kind: 'workers' | 'chunksize'): Promise<void> {
    const prepared = await this.deps.prepareRun(target, false, async () => {
      if (!this.sweep && !this.deps.profiling()) return false;
      void vscode.window.showWarningMessage(
        'PoolScope is already running a script; cancel it or wait for it to end, then sweep.',
      );
      return true;
    });
    if (!prepared) return;
    const { uri, config } = prepared;
    const workers =
      kind === 'workers'
        ? counts(config.get<unknown>('sweep.workers'), defaultWorkerCounts(os.availableParallelism()))
        : [];
    const chunksizes =
      kind === 'chunksize' ? counts(config.get<unknown>('sweep.chunksizes'), DEFAULT_CHUNKSIZES) : [];
    const name = path.basename(uri.fsPath);
    const panel = new ComparePanel(
      this.deps.context.extensionUri,
      'poolscope.sweep',
      `PoolScope Sweep: ${name}`,
      (m) => this.onMessage(m),
    );
    let onStep: ((step: SweepStep) => void) | undefined;
    const output = this.output();
    output.appendLine(
      `— Sweep of ${uri.fsPath}: ${kind} ${(kind === 'workers' ? workers : chunksizes).join(', ')}`,
    );
    const sweep = new Sweep({
      launch: {
        python: prepared.python,
        agentDir: path.join(this.deps.context.extensionUri.fsPath, 'dist', 'python'),
        script: uri.fsPath,
        module: prepared.module,
        args: prepared.args,
        env: prepared.env,
        cwd: prepared.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        ownProcessGroup: true,
      },
      workers,
      chunksizes,
      onRunStart: (step, running) => {
        output.appendLine(`— Run ${step.index} of ${step.total}: ${stepLabel(step)}`);
        running.child.stdout?.setEncoding('utf8').on('data', (d: string) => output.append(d));
        running.child.stderr?.setEncoding('utf8').on('data', (d: string) => output.append(d));
        panel.post({
          type: 'sweep/progress',
          script: uri.fsPath,
          progress: { index: step.index, total: step.total, label: stepLabel(step) },
        });
        onStep?.(step);
      },
      onRunDone: (_step, report, runDir) => {
        const id = this.deps.history.newRunId();
        this.deps.history.save(id, report, (file) => packRunDir(runDir, file));
        this.deps.runsView.refresh();
        return id;
      },
    });
    this.sweep = sweep;
    this.deps.setRunning(true);
    try {
      const outcome = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `PoolScope: sweeping ${kind === 'workers' ? 'the worker count' : 'the chunksize'} of ${name}`,
          cancellable: true,
        },
        (progress, token) => {
          token.onCancellationRequested(() => void sweep.cancel());
          onStep = (step) =>
            progress.report({
              message: `run ${step.index} of ${step.total}: ${stepLabel(step)}`,
              increment: 100 / step.total,
            });
          return sweep.run();
        },
      );
      panel.post({
        type: 'sweep/show',
        script: uri.fsPath,
        workers: outcome.workers,
        chunksize: outcome.chunksize,
        cancelled: outcome.cancelled,
      });
      const result = outcome.workers ?? outcome.chunksize;
      if (outcome.cancelled) {
        void vscode.window.showInformationMessage(
          `PoolScope: the sweep of ${name} was cancelled; the panel shows the runs that finished.`,
        );
      } else if (result) {
        void vscode.window.showInformationMessage(`PoolScope sweep of ${name}: ${result.recommendation}`);
      }
    } catch (err) {
      void vscode.window.showErrorMessage(`PoolScope: the sweep failed: ${(err as Error).message}`);
    } finally {
      this.sweep = undefined;
      this.deps.setRunning(false);
      this.deps.history.prune(config.get<number>('history.maxRuns') ?? 50);
      this.deps.runsView.refresh();
    }
  }

  private channel: vscode.OutputChannel | undefined;

  /** The programs' output during a sweep (they run without a terminal). */
  private output(): vscode.OutputChannel {
    this.channel ??= vscode.window.createOutputChannel('PoolScope Sweep');
    return this.channel;
  }
}

function stepLabel(step: SweepStep): string {
  if (step.kind === 'workers') return `${step.workers} ${step.workers === 1 ? 'worker' : 'workers'}`;
  return `chunksize ${step.chunksize}${step.workers ? ` at ${step.workers} workers` : ''}`;
}

/** A list from a setting: whole numbers ≥ 1, no repeats; the default when empty or unusable. */
function counts(value: unknown, fallback: number[]): number[] {
  if (!Array.isArray(value)) return fallback;
  const out = [...new Set(value.filter((v): v is number => Number.isSafeInteger(v) && v >= 1))];
  return out.length ? out : fallback;
}

function runIdOf(arg: unknown): string | undefined {
  return isRunItem(arg) ? arg.meta.id : typeof arg === 'string' ? arg : undefined;
}

function pickItem(r: RunMeta, baseScript: string): vscode.QuickPickItem {
  const when = new Date(r.startedAt).toLocaleString();
  return {
    label: path.basename(r.script),
    description: [
      when,
      fmtMs(r.wallMs),
      `${r.workers} workers`,
      QUADRANT_TITLES[r.quadrant] ?? r.quadrant,
      overridesText(r.overrides),
    ]
      .filter(Boolean)
      .join(' · '),
    detail: baseScript && r.script !== baseScript ? `another script: ${r.script}` : r.script,
  };
}
