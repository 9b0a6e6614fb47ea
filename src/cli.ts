import * as fs from 'node:fs';
import { parseArgs, ProfileArgs, ReportArgs, UsageError, usageOf } from './cli/args';
import { compareCommand } from './cli/compareCmd';
import { say, writeOut } from './cli/io';
import { preflight } from './cli/preflight';
import { sweepCommand } from './cli/sweepCmd';
import { formatSummary } from './cli/summary';
import { RunUsage } from './cli/usage';
import { loadRun, packRunDir, reportLanes, toChromeTrace } from './core';
import { renderHtmlReport } from './core/export';
import { Report } from './core/report';
import { agentDirFrom, launch, RunExit, shellExitCode } from './run/launcher';
import { defaultPython } from './run/python';
import { createRunDir, removeRunDir } from './run/runDir';

const VERSION = '0.1.0';

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      // One line: what was wrong, and where the help is.
      say(`${err.message}; see \`poolscope ${err.command ? `${err.command} ` : ''}--help\``);
      return 2;
    }
    throw err;
  }
  switch (args.command) {
    case 'help':
      process.stdout.write(`${usageOf(args.topic)}\n`);
      return 0;
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case 'report':
      return report(args);
    case 'profile':
      return profile(args);
    case 'compare':
      return compareCommand(args);
    case 'sweep':
      return sweepCommand(args, __dirname);
    default: {
      const never: never = args;
      throw new Error(`unhandled command ${JSON.stringify(never)}`);
    }
  }
}

async function profile(args: ProfileArgs): Promise<number> {
  const python = args.python ?? defaultPython();
  const stop = preflight(args, python, 'profile');
  if (stop !== null) return stop;

  let runDir: string;
  try {
    runDir = createRunDir();
  } catch (err) {
    say((err as Error).message);
    return 2;
  }
  const running = launch({
    python,
    agentDir: agentDirFrom(__dirname),
    script: args.script,
    module: args.module,
    args: args.scriptArgs,
    cwd: process.cwd(),
    runDir,
    workers: args.workers,
  });
  // The program shares our terminal and process group, so Ctrl-C reaches it directly; we stay
  // alive to analyse what it recorded. SIGTERM sent to us alone is passed on.
  const onSigint = (): void => undefined;
  const onSigterm = (): void => void running.child.kill('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  // Only the HTML report draws CPU and memory: no sampling otherwise.
  const usage = args.html ? new RunUsage(runDir) : null;
  usage?.start();
  let exit: RunExit;
  try {
    exit = await running.exited;
  } catch (err) {
    say(`could not start ${python}: ${(err as Error).message}`);
    removeRunDir(runDir);
    return 2;
  } finally {
    usage?.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }

  try {
    if (args.trace) packRunDir(runDir, args.trace);
    await writeOutputs(runDir, args, usage);
    removeRunDir(runDir);
  } catch (err) {
    say(`could not analyse the recorded trace: ${(err as Error).message}`);
    say(`the raw trace is kept in ${runDir}`);
  }
  return exitLikeScript(exit);
}

async function report(args: ReportArgs): Promise<number> {
  if (!fs.existsSync(args.input)) {
    say(`no such trace: ${args.input}`);
    return 2;
  }
  try {
    await writeOutputs(args.input, args);
    return 0;
  } catch (err) {
    say(`cannot read ${args.input}: ${(err as Error).message}`);
    return 1;
  }
}

async function writeOutputs(
  source: string,
  args: { json?: string; html?: string; chrome?: string; quiet: boolean },
  usage: RunUsage | null = null,
): Promise<Report> {
  const { model, report } = loadRun(source);
  if (!args.quiet) process.stderr.write(formatSummary(report, { color: process.stderr.isTTY === true }));
  if (args.json) writeOut(args.json, `${JSON.stringify(report, null, 2)}\n`);
  if (args.html)
    writeOut(
      args.html,
      renderHtmlReport(report, reportLanes(model), usage?.samplesFrom(model.originNs) ?? []),
    );
  if (args.chrome) writeOut(args.chrome, JSON.stringify(toChromeTrace(model)));
  return report;
}

/** A signal death is re-raised on ourselves so that the caller sees what a plain run gives. */
function exitLikeScript(exit: RunExit): number {
  if (exit.signal) {
    process.removeAllListeners(exit.signal);
    process.kill(process.pid, exit.signal);
  }
  return shellExitCode(exit);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    say(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 70;
  },
);
