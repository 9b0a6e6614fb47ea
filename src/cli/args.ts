/** Command-line parsing for `poolscope`, kept free of side effects so it can be unit-tested. */
import { parseCountList } from '../core/whatif';

export interface ProfileArgs {
  command: 'profile';
  json?: string;
  html?: string;
  trace?: string;
  chrome?: string;
  python?: string;
  workers?: number;
  quiet: boolean;
  /** The script as given; with `-m`, the module's name. */
  script: string;
  /** Set for `-m MODULE`: run the module as `python -m` would. */
  module?: string;
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

export interface CompareArgs {
  command: 'compare';
  /** Report JSON files (from --json), .pstrace files or run directories: A (before) and B (after). */
  a: string;
  b: string;
  json?: string;
}

export interface SweepArgs {
  command: 'sweep';
  /** Worker counts; undefined: 1, 2, 4, … up to the cores (none when only --chunksize is given). */
  workers?: number[];
  chunksizes?: number[];
  json?: string;
  /** Folder to keep each run's trace in (sweep-workers-2.pstrace, …). */
  traces?: string;
  python?: string;
  /** The script as given; with `-m`, the module's name. */
  script: string;
  /** Set for `-m MODULE`: run the module as `python -m` would. */
  module?: string;
  scriptArgs: string[];
}

export type CliArgs =
  | ProfileArgs
  | ReportArgs
  | CompareArgs
  | SweepArgs
  | { command: 'help'; topic?: 'profile' | 'report' | 'compare' | 'sweep' }
  | { command: 'version' };

/** A usage mistake: one line, and the command whose help says how (if known). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

const PROFILE_USAGE = `  poolscope profile [options] [--] script.py [args...]
  poolscope profile [options] -m module [args...]
      Run script.py (or the module, as python -m would, from the working directory) under
      PoolScope's agent, pass its output through, then print a summary (on stderr) and exit
      with the program's exit code.
        --json FILE     write the report as JSON ("-" for stdout)
        --html FILE     write a self-contained HTML report
        --trace FILE    keep the recorded trace (.pstrace)
        --chrome FILE   write a Chrome/Perfetto trace (JSON)
        --python PATH   the interpreter (default: $POOLSCOPE_PYTHON, then python3)
        --workers N     override the worker count of every Pool / ProcessPoolExecutor (and joblib's n_jobs)
        --quiet         no summary`;
const REPORT_USAGE = `  poolscope report TRACE [--json FILE] [--html FILE] [--chrome FILE] [--quiet]
      Analyse a saved trace (.pstrace file or run directory) again.`;
const COMPARE_USAGE = `  poolscope compare A B [--json FILE]
      Compare two runs (B is the "after"): a table of deltas for the whole run and each call
      site both have, the verdicts and the findings new, fixed and unchanged. A and B are report
      JSON files (profile --json), .pstrace files or run directories.`;
const SWEEP_USAGE = `  poolscope sweep [options] [--] script.py [args...]
  poolscope sweep [options] -m module [args...]
      Run script.py (or the module) once per worker count (and per chunksize) and print the speedup curve
      against the ideal line and the what-if prediction, with a recommendation.
        --workers LIST    worker counts, e.g. 1,2,4 (default: 1, 2, 4, … up to the cores)
        --chunksize LIST  chunksizes to try, at the recommended worker count, e.g. 1,10,100
        --json FILE       write the result as JSON ("-" for stdout)
        --traces DIR      keep each run's trace (.pstrace) in DIR
        --python PATH     the interpreter`;

/** Each command's part of the usage text (`poolscope COMMAND --help`). */
export const COMMAND_USAGE: Record<'profile' | 'report' | 'compare' | 'sweep', string> = {
  profile: PROFILE_USAGE,
  report: REPORT_USAGE,
  compare: COMPARE_USAGE,
  sweep: SWEEP_USAGE,
};

export const USAGE = `Usage:
${Object.values(COMMAND_USAGE).join('\n')}
  poolscope COMMAND --help | poolscope --help | --version`;

/** The usage text `poolscope [COMMAND] --help` prints. */
export function usageOf(topic?: keyof typeof COMMAND_USAGE): string {
  return topic ? `Usage:\n${COMMAND_USAGE[topic]}` : USAGE;
}

/** The known word closest to `word` by edit distance, if close enough to be a likely typo. */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

const suggestion = (word: string, known: readonly string[]): string => {
  const near = didYouMean(word, known);
  return near ? ` (did you mean ${near}?)` : '';
};

const VALUE_FLAGS = new Set([
  '--json',
  '--html',
  '--trace',
  '--chrome',
  '--python',
  '--workers',
  '--chunksize',
  '--traces',
]);

/** Which value options each command takes. */
const COMMAND_FLAGS: Record<string, string[]> = {
  profile: ['json', 'html', 'trace', 'chrome', 'python', 'workers'],
  report: ['json', 'html', 'chrome'],
  compare: ['json'],
  sweep: ['json', 'python', 'workers', 'chunksize', 'traces'],
};

export function parseArgs(argv: string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = rest[0];
    return topic !== undefined && topic in COMMAND_USAGE
      ? { command: 'help', topic: topic as keyof typeof COMMAND_USAGE }
      : { command: 'help' };
  }
  if (command === '--version' || command === '-V') return { command: 'version' };
  if (!(command in COMMAND_FLAGS)) {
    throw new UsageError(`unknown command "${command}"${suggestion(command, Object.keys(COMMAND_FLAGS))}`);
  }
  const topic = command as keyof typeof COMMAND_USAGE;
  // `poolscope profile --help`: that command's help (before the script: after it, it is the script's).
  const runsScript = command === 'profile' || command === 'sweep';
  const flags: Record<string, string> = {};
  let quiet = false;
  const reportInputs: string[] = [];
  let module: string | undefined;
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
    if (a === '--help' || a === '-h') return { command: 'help', topic };
    if (runsScript && (a === '-m' || /^-m[^-]/.test(a))) {
      // As python: `-m MODULE` (or `-mMODULE`) ends the options; what follows is the module's.
      module = a === '-m' ? rest[++i] : a.slice(2);
      if (module === undefined || module === '')
        throw new UsageError('-m needs a module name, e.g. -m package.module', command);
      if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(module))
        throw new UsageError(`-m ${module}: not a module name (expected e.g. package.module)`, command);
      i++;
      break;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (VALUE_FLAGS.has(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
      if (value === undefined || value === '') throw new UsageError(`${name} needs a value`, command);
      flags[name.slice(2)] = value;
      continue;
    }
    if (a.startsWith('-') && a !== '-') {
      const known = [
        ...COMMAND_FLAGS[command].map((f) => `--${f}`),
        '--quiet',
        '--help',
        ...(runsScript ? ['-m'] : []),
      ];
      throw new UsageError(`unknown option "${a}"${suggestion(name, known)}`, command);
    }
    if (runsScript) break;
    // `report` and `compare` run no script: their inputs may stand anywhere among the options.
    reportInputs.push(a);
  }
  // With -m, the module stands where the script would: its name first, then its arguments.
  const positional = runsScript
    ? [...(module !== undefined ? [module] : []), ...rest.slice(i)]
    : [...reportInputs, ...rest.slice(i)];
  const moduleField = module !== undefined ? { module } : {};
  for (const f of Object.keys(flags)) {
    if (COMMAND_FLAGS[command].includes(f)) continue;
    const owners = Object.keys(COMMAND_FLAGS).filter((c) => COMMAND_FLAGS[c].includes(f));
    throw new UsageError(
      `--${f} is not an option of ${command} (it is for ${owners.join(' and ')})`,
      command,
    );
  }
  if (command === 'compare') {
    if (positional.length !== 2)
      throw new UsageError('compare takes two runs: A (before) and B (after)', command);
    return { command, a: positional[0], b: positional[1], json: flags.json };
  }
  if (command === 'sweep') {
    if (positional.length === 0) throw new UsageError('sweep needs a script to run', command);
    const list = (name: string): number[] | undefined => {
      if (flags[name] === undefined) return undefined;
      try {
        return parseCountList(flags[name], `--${name}`);
      } catch (err) {
        throw new UsageError((err as Error).message, command);
      }
    };
    return {
      command,
      workers: list('workers'),
      chunksizes: list('chunksize'),
      json: flags.json,
      traces: flags.traces,
      python: flags.python,
      script: positional[0],
      ...moduleField,
      scriptArgs: positional.slice(1),
    };
  }
  if (command === 'report') {
    if (positional.length !== 1)
      throw new UsageError('report takes exactly one trace file or run directory', command);
    return { command, input: positional[0], json: flags.json, html: flags.html, chrome: flags.chrome, quiet };
  }
  if (positional.length === 0) throw new UsageError('profile needs a script to run', command);
  let workers: number | undefined;
  if (flags.workers !== undefined) {
    workers = Number(flags.workers);
    if (!Number.isInteger(workers) || workers < 1)
      throw new UsageError('--workers needs a whole number ≥ 1', command);
  }
  return {
    command: 'profile',
    json: flags.json,
    html: flags.html,
    trace: flags.trace,
    chrome: flags.chrome,
    python: flags.python,
    workers,
    quiet,
    script: positional[0],
    ...moduleField,
    scriptArgs: positional.slice(1),
  };
}
