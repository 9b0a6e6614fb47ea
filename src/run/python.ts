import { spawnSync } from 'node:child_process';

export const MIN_PYTHON: [number, number] = [3, 9];

export interface ScriptCheck {
  python: string;
  version: string;
  /** Set when the script does not parse: what Python said, with its position. */
  syntaxError?: { line: number; column: number; message: string };
  /** For `-m`: whether the module's top-level package or module is on the path. */
  moduleFound?: boolean;
}

/** What to check: a script file, or a module to run with `-m` from `cwd`. */
export type ProgramTarget = { script: string } | { module: string; cwd: string };

/**
 * One short Python call that both proves the interpreter works (and is new enough) and parses
 * the script, so a wrong interpreter or a syntax error is reported before anything runs.
 */
const PROBE = `
import ast, json, os, sys
out = {"version": "%d.%d.%d" % sys.version_info[:3]}
if sys.argv[1] == "-m":
    # Only the top-level name is looked up: finding it imports nothing of the program's.
    import importlib.util
    sys.path.insert(0, os.getcwd())
    out["moduleFound"] = importlib.util.find_spec(sys.argv[2].split(".")[0]) is not None
else:
    try:
        with open(sys.argv[1], "rb") as f:
            ast.parse(f.read(), sys.argv[1])
    except SyntaxError as e:
        out["syntaxError"] = {"line": e.lineno or 0, "column": e.offset or 0, "message": e.msg}
print(json.dumps(out))
`;

export class PreflightError extends Error {
  /** Set when the interpreter is what is wrong: the CLI then says how to choose another. */
  constructor(
    message: string,
    readonly interpreter = false,
  ) {
    super(message);
  }
}

export function checkPython(python: string, target: string | ProgramTarget): ScriptCheck {
  const t = typeof target === 'string' ? { script: target } : target;
  const probeArgs = 'module' in t ? ['-m', t.module] : [t.script];
  const res = spawnSync(python, ['-c', PROBE, ...probeArgs], {
    encoding: 'utf8',
    timeout: 30_000,
    cwd: 'module' in t ? t.cwd : undefined,
  });
  if (res.error) {
    const code = (res.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new PreflightError(`Python interpreter not found: ${python}.`, true);
    }
    throw new PreflightError(`cannot run ${python}: ${res.error.message}`, true);
  }
  const lastLine = res.stdout.trim().split('\n').pop() ?? '';
  let parsed: { version?: string; syntaxError?: ScriptCheck['syntaxError']; moduleFound?: boolean } = {};
  try {
    parsed = JSON.parse(lastLine);
  } catch {
    // A Python 2 interpreter, or something that is not Python at all, ends up here.
  }
  if (res.status !== 0 || !parsed.version) {
    const said = (res.stderr || res.stdout).trim().split('\n').slice(-1)[0] ?? '';
    throw new PreflightError(
      `${python} is not a usable Python ${MIN_PYTHON.join('.')}+ interpreter${said ? ` (${said})` : ''}.`,
      true,
    );
  }
  const [major, minor] = parsed.version.split('.').map(Number);
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new PreflightError(
      `${python} is Python ${parsed.version}; PoolScope needs Python ${MIN_PYTHON.join('.')} or newer.`,
      true,
    );
  }
  return {
    python,
    version: parsed.version,
    syntaxError: parsed.syntaxError,
    moduleFound: parsed.moduleFound,
  };
}

/** The interpreter to use when none is given: an explicit setting, then python3. */
export function defaultPython(env: NodeJS.ProcessEnv = process.env): string {
  return env.POOLSCOPE_PYTHON || 'python3';
}
