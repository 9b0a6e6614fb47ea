/** `poolscope sweep`: the script once per worker count (and chunksize), then the curve. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packRunDir } from '../core';
import { defaultWorkerCounts, formatSweep } from '../core/whatif';
import { agentDirFrom } from '../run/launcher';
import { defaultPython } from '../run/python';
import { Sweep } from '../run/sweep';
import type { SweepArgs } from './args';
import { say, writeOut } from './io';
import { preflight } from './preflight';

export async function sweepCommand(args: SweepArgs, distDir: string): Promise<number> {
  const python = args.python ?? defaultPython();
  const stop = preflight(args, python, 'sweep');
  if (stop !== null) return stop;
  if (args.traces) fs.mkdirSync(args.traces, { recursive: true });
  const workers = args.workers ?? (args.chunksizes ? [] : defaultWorkerCounts(os.availableParallelism()));
  const chunksizes = args.chunksizes ?? [];
  const sweep = new Sweep({
    launch: {
      python,
      agentDir: agentDirFrom(distDir),
      script: args.script,
      module: args.module,
      args: args.scriptArgs,
      cwd: process.cwd(),
    },
    workers,
    chunksizes,
    onRunStart: (step) => {
      const setting = [
        step.workers !== null ? `workers=${step.workers}` : '',
        step.chunksize !== null ? `chunksize=${step.chunksize}` : '',
      ]
        .filter(Boolean)
        .join(' ');
      say(`sweep run ${step.index}/${step.total}: ${setting || "the script's own settings"}`);
    },
    onRunDone: (step, _report, runDir) => {
      if (!args.traces) return undefined;
      const value = step.kind === 'workers' ? step.workers : step.chunksize;
      const file = path.join(args.traces, `sweep-${step.kind}-${value}.pstrace`);
      packRunDir(runDir, file);
      return file;
    },
  });
  // Ctrl-C reaches the program through the shared terminal; the sweep stops after it.
  const onSignal = (): void => void sweep.cancel();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let outcome;
  try {
    outcome = await sweep.run();
  } catch (err) {
    say(`the sweep failed: ${(err as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const text = [outcome.workers, outcome.chunksize]
    .filter((r) => r !== null)
    .map((r) => formatSweep(r))
    .join('\n');
  if (args.json)
    writeOut(
      args.json,
      `${JSON.stringify({ workers: outcome.workers, chunksize: outcome.chunksize }, null, 2)}\n`,
    );
  const out = args.json === '-' ? process.stderr : process.stdout;
  out.write(text ? `\n${text}` : '');
  if (outcome.cancelled) {
    say('the sweep was interrupted; the table shows the runs that finished.');
    return 130;
  }
  const results = [outcome.workers, outcome.chunksize].filter((r) => r !== null);
  if (results.length === 0) return 1;
  // The curve is printed either way; a run of the script that failed still fails the command.
  const failed = results.flatMap((r) => r.points).filter((p) => p.exitCode !== 0);
  if (failed.length) {
    say(`${failed.length} of the sweep's runs exited with an error (see the warnings above).`);
    return 1;
  }
  return 0;
}
