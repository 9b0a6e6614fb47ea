/** Command-line parsing for `poolscope`, kept free of side effects so it can be unit-tested. */

export interface ProfileArgs {
  command: 'profile';
  json?: string;
  html?: string;
  trace?: string;
  chrome?: string;
  python?: string;
  workers?: number;
  quiet: boolean;
  script: string;
  scriptArgs: string[];
}

export interface ReportArgs {
  command: 'report';
  input: string;
  json?: string;
  html?: string;
  chrome?: string;
  quiet: boolean;
}

export type CliArgs = ProfileArgs | ReportArgs | { command: 'help' } | { command: 'version' };

export class UsageError extends Error {}

export const USAGE = `Usage:
  poolscope profile [options] [--] script.py [args...]
      Run script.py under PoolScope's agent, pass its output through, then print a summary
      (on stderr) and exit with the script's exit code.
        --json FILE     write the report as JSON ("-" for stdout)
        --html FILE     write a self-contained HTML report
        --trace FILE    keep the recorded trace (.pstrace)
        --chrome FILE   write a Chrome/Perfetto trace (JSON)
        --python PATH   the interpreter (default: $POOLSCOPE_PYTHON, then python3)
        --workers N     override the worker count of every Pool / ProcessPoolExecutor
        --quiet         no summary
  poolscope report TRACE [--json FILE] [--html FILE] [--chrome FILE] [--quiet]
      Analyse a saved trace (.pstrace file or run directory) again.
  poolscope --help | --version`;

const VALUE_FLAGS = new Set(['--json', '--html', '--trace', '--chrome', '--python', '--workers']);

export function parseArgs(argv: string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return { command: 'help' };
  }
  if (command === '--version' || command === '-V') return { command: 'version' };
  if (command !== 'profile' && command !== 'report') {
    throw new UsageError(`unknown command "${command}"`);
  }
  const flags: Record<string, string> = {};
  let quiet = false;
  const reportInputs: string[] = [];
  let i = 0;
  // Options come before the script; everything after the script belongs to the script,
  // as with `python script.py args`.
  for (; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--') {
      i++;
      break;
    }
    if (a === '--quiet' || a === '-q') {
      quiet = true;
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (VALUE_FLAGS.has(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
      if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
      flags[name.slice(2)] = value;
      continue;
    }
    if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option "${a}"`);
    if (command === 'profile') break;
    // `report` has no script: its one positional may stand anywhere among the options.
    reportInputs.push(a);
  }
  const positional = command === 'report' ? [...reportInputs, ...rest.slice(i)] : rest.slice(i);
  if (command === 'report') {
    if (positional.length !== 1) throw new UsageError('report takes exactly one trace file or run directory');
    for (const f of ['trace', 'python', 'workers']) {
      if (flags[f] !== undefined) throw new UsageError(`--${f} is for profile, not report`);
    }
    return { command, input: positional[0], json: flags.json, html: flags.html, chrome: flags.chrome, quiet };
  }
  if (positional.length === 0) throw new UsageError('profile needs a script to run');
  let workers: number | undefined;
  if (flags.workers !== undefined) {
    workers = Number(flags.workers);
    if (!Number.isInteger(workers) || workers < 1) throw new UsageError('--workers needs a whole number ≥ 1');
  }
  return {
    command,
    json: flags.json,
    html: flags.html,
    trace: flags.trace,
    chrome: flags.chrome,
    python: flags.python,
    workers,
    quiet,
    script: positional[0],
    scriptArgs: positional.slice(1),
  };
}
