import * as path from 'node:path';
import * as vscode from 'vscode';
import { packRunDir } from '../../core';
import type { Report } from '../../core/report';
import { launch, RunExit, RunningScript } from '../../run/launcher';
import { createRunDir, removeRunDir } from '../../run/runDir';
import { RunHeader, type UsageSample } from '../../shared/protocol';
import { readSource, RunHistory, type Sources } from '../history/history';
import { PoolScopePanel } from '../panels/panel';
import { onTraceClock, PidSampler, type PidSample } from '../../run/pidSampler';
import { ProgramTerminal } from './pseudoterminal';
import { LiveIngestThread, type IngestTick } from './liveIngestThread';

/** Samples saved with a run, at most (a sample every 0.5 s of 10 processes for an hour: 72 000). */
const MAX_SAVED_SAMPLES = 200_000;

export interface LiveRunOptions {
  extensionUri: vscode.Uri;
  history: RunHistory;
  script: vscode.Uri;
  /** Run the script as this module (`python -m`) from `cwd`. */
  module?: string;
  python: string;
  pythonVersion: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd: string;
  sampleIntervalMs: number;
  /** Called once the run is saved (or failed to be). */
  onSaved(runId: string | undefined): void;
  openSource(file: string, line: number): void;
}

export interface LiveRunResult {
  exit: RunExit;
  report: Report | undefined;
  cancelled: boolean;
}

/**
 * One profiling run in VS Code: the program in a terminal view, its trace read live into the
 * panel, CPU/memory sampled per process, and at the end the report saved to the run history.
 */
export class LiveRun {
  readonly runId: string;
  private readonly runDir: string;
  /** Reads the trace on a worker thread while the program runs (from run() on). */
  private ingest: LiveIngestThread | undefined;
  /** The model's origin as of the last tick; 0 until the main process's header is read. */
  private originNs = 0;
  private readonly sampler: PidSampler;
  /** The CPU/memory samples shown live, saved with the run. */
  private readonly usage: UsageSample[] = [];
  private running: RunningScript | undefined;
  private cancelled = false;
  private readonly sources: Sources = {};
  private ended = false;
  readonly panel: PoolScopePanel;
  private readonly terminal: ProgramTerminal;

  constructor(private readonly opts: LiveRunOptions) {
    this.runId = opts.history.newRunId();
    this.runDir = createRunDir();
    this.sampler = new PidSampler(opts.sampleIntervalMs, (s) => this.addSamples(s));
    const name = path.basename(opts.script.fsPath);
    this.panel = new PoolScopePanel(opts.extensionUri, `PoolScope: ${name}`, {
      onMessage: (msg) => {
        switch (msg.type) {
          case 'webview/ready':
            return;
          case 'source/open':
            return opts.openSource(msg.file, msg.line);
          case 'run/cancel':
            return void this.cancel();
          case 'run/export':
            return void vscode.commands.executeCommand(
              msg.format === 'chrome' ? 'poolscope.exportChrome' : 'poolscope.exportHtml',
              this.runId,
            );
          default: {
            const never: never = msg;
            return never;
          }
        }
      },
      onDispose: () => undefined,
    });
    this.terminal = new ProgramTerminal(
      (text) => this.sendInput(text),
      () => void this.cancel(),
    );
  }

  /** Starts the program; resolves when it has ended and the run is saved. */
  async run(): Promise<LiveRunResult> {
    // The script as it runs: lenses compare later edits with it.
    const scriptText = readSource(this.opts.script.fsPath);
    if (scriptText !== undefined) this.sources[this.opts.script.fsPath] = scriptText;
    const header: RunHeader = {
      runId: this.runId,
      script: vscode.workspace.asRelativePath(this.opts.script),
      scriptPath: this.opts.script.fsPath,
      python: this.opts.pythonVersion,
      startMethod: '',
      cpuCount: 0,
      startedAt: new Date().toISOString(),
      live: true,
    };
    this.panel.post({ type: 'run/reset', run: header });
    const term = vscode.window.createTerminal({
      name: `PoolScope: ${path.basename(this.opts.script.fsPath)}`,
      pty: this.terminal,
    });
    term.show(true);
    this.running = launch({
      python: this.opts.python,
      agentDir: path.join(this.opts.extensionUri.fsPath, 'dist', 'python'),
      script: this.opts.script.fsPath,
      module: this.opts.module,
      args: this.opts.args,
      env: this.opts.env,
      cwd: this.opts.cwd,
      runDir: this.runDir,
      stdio: 'pipe',
      ownProcessGroup: true,
    });
    const child = this.running.child;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => this.terminal.write(d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => this.terminal.write(d));
    child.stdin?.on('error', () => undefined); // the program may close stdin early
    if (child.pid !== undefined) this.sampler.watch(child.pid);
    this.sampler.start();
    this.ingest = new LiveIngestThread(
      path.join(this.opts.extensionUri.fsPath, 'dist', 'liveIngestWorker.js'),
      this.runDir,
      this.runId,
      (tick) => this.onTick(tick),
      (message) => this.terminal.write(`\nPoolScope: could not read the trace: ${message}\n`),
    );

    let exit: RunExit;
    try {
      exit = await this.running.exited;
    } catch (err) {
      this.stopTimers();
      this.ingest?.dispose();
      this.panel.post({
        type: 'run/status',
        runId: this.runId,
        status: 'failed',
        message: (err as Error).message,
      });
      removeRunDir(this.runDir);
      throw err;
    }
    this.stopTimers();
    this.ended = true;
    const report = await this.finish(exit);
    return { exit, report, cancelled: this.cancelled };
  }

  async cancel(): Promise<void> {
    if (!this.running || this.cancelled || this.ended) return;
    this.cancelled = true;
    this.terminal.write('\nPoolScope: cancelling — ending the whole process tree…\n');
    await this.running.cancel();
  }

  private sendInput(text: string | null): void {
    const stdin = this.running?.child.stdin;
    if (!stdin || stdin.destroyed) return;
    if (text === null) stdin.end();
    else stdin.write(text);
  }

  private addSamples(samples: PidSample[]): void {
    const origin = this.originNs;
    if (!origin) return; // nothing to align with until the main process has written its header
    const aligned = samples.map((s) => onTraceClock(s, origin));
    this.ingest?.addSamples(aligned);
    // Kept with the saved run; a process that exited unreaped reads 0 bytes resident: not a reading.
    for (const s of aligned)
      if (s.memoryBytes > 0 && this.usage.length < MAX_SAVED_SAMPLES) this.usage.push(s);
  }

  /** What the reading thread found new: the panel's messages, and processes to sample. */
  private onTick(tick: IngestTick): void {
    this.originNs = tick.originNs;
    for (const msg of tick.messages) this.panel.post(msg);
    for (const pid of tick.runningPids) this.sampler.watch(pid);
  }

  private async finish(exit: RunExit): Promise<Report | undefined> {
    let report: Report | undefined;
    try {
      report = await this.ingest?.finish();
      if (report) {
        this.panel.post({ type: 'run/report', runId: this.runId, report, final: true });
        this.opts.history.save(
          this.runId,
          report,
          (file) => packRunDir(this.runDir, file),
          this.sources,
          this.usage,
        );
      }
      this.opts.onSaved(report ? this.runId : undefined);
    } catch (err) {
      this.terminal.write(`\nPoolScope: could not analyse the trace: ${(err as Error).message}\n`);
      this.opts.onSaved(undefined);
    } finally {
      removeRunDir(this.runDir);
    }
    const status = this.cancelled ? 'cancelled' : report ? 'finished' : 'failed';
    this.panel.post({ type: 'run/status', runId: this.runId, status, exitCode: exit.code });
    const how = exit.signal ? `was ended by ${exit.signal}` : `exited with code ${exit.code}`;
    this.terminal.finish(`PoolScope: the program ${how}. Press any key to close this terminal.`);
    return report;
  }

  private stopTimers(): void {
    this.sampler.stop();
  }
}
