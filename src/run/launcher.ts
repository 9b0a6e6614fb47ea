import { ChildProcess, spawn, StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface LaunchOptions {
  python: string;
  /** Folder holding poolscope_launch.py and the poolscope_agent package (dist/python). */
  agentDir: string;
  script: string;
  /** Run this module as `python -m MODULE` would (`script` is then only its name for messages). */
  module?: string;
  args: string[];
  cwd: string;
  runDir: string;
  /** Override the worker count of every Pool / ProcessPoolExecutor and joblib's n_jobs (the run header says so). */
  workers?: number;
  /** Override the chunksize of every chunked pool call (map, imap, starmap, executor.map). */
  chunksize?: number;
  env?: NodeJS.ProcessEnv;
  /** 'inherit' for the CLI (the program owns the terminal); 'pipe' for a pseudoterminal. */
  stdio?: StdioOptions;
  /**
   * Own process group, so that cancel() ends the whole tree. The CLI leaves this off: the
   * terminal's Ctrl-C then reaches the program exactly as without PoolScope.
   */
  ownProcessGroup?: boolean;
}

export interface RunExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningScript {
  child: ChildProcess;
  exited: Promise<RunExit>;
  /** Ends the whole process group: SIGTERM, then SIGKILL after graceMs. */
  cancel(graceMs?: number): Promise<void>;
}

export function agentDirFrom(distDir: string): string {
  return path.join(distDir, 'python');
}

export function launch(opts: LaunchOptions): RunningScript {
  const launcher = path.join(opts.agentDir, 'poolscope_launch.py');
  if (!fs.existsSync(launcher)) {
    throw new Error(`PoolScope's Python agent is missing (${launcher}); rebuild with npm run build.`);
  }
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), POOLSCOPE_RUN_DIR: opts.runDir };
  if (opts.workers !== undefined) env.POOLSCOPE_WORKERS = String(opts.workers);
  if (opts.chunksize !== undefined) env.POOLSCOPE_CHUNKSIZE = String(opts.chunksize);
  const program = opts.module !== undefined ? ['-m', opts.module] : [opts.script];
  const child = spawn(opts.python, [launcher, ...program, ...opts.args], {
    cwd: opts.cwd,
    env,
    stdio: opts.stdio ?? 'inherit',
    detached: opts.ownProcessGroup ?? false,
  });
  const exited = new Promise<RunExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const cancel = async (graceMs = 2000): Promise<void> => {
    if (!opts.ownProcessGroup || child.pid === undefined) {
      child.kill('SIGTERM');
    } else {
      killGroup(child.pid, 'SIGTERM');
    }
    const timer = setTimeout(() => {
      if (child.pid !== undefined) {
        if (opts.ownProcessGroup) killGroup(child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      }
    }, graceMs);
    await exited.catch(() => undefined);
    clearTimeout(timer);
    // Workers can outlive the main process for a moment; make sure none is left.
    if (opts.ownProcessGroup && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
  };
  return { child, exited, cancel };
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The exit code a shell would report for this exit: 128 + signal number when killed. */
export function shellExitCode(exit: RunExit): number {
  if (exit.code !== null) return exit.code;
  const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return 128 + (exit.signal ? (signals[exit.signal] ?? 1) : 1);
}
