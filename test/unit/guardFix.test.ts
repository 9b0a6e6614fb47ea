// The missing-main-guard quick fix: the real linter picks the block, guardFix.ts rewrites it,
// and real Python proves the result parses and behaves (same output; under spawn it now works).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { applyGuardFix, GUARD_LINE, GuardFix, guardEdit, indentUnit } from '../../src/host/checks/guardFix';
import type { LintDiagnostic } from '../../src/host/checks/staticChecks';

const PYTHON = process.env.POOLSCOPE_TEST_PYTHON || 'python3';
const LINTER = path.join(__dirname, '..', '..', 'src', 'python', 'poolscope_lint.py');

function lint(text: string): LintDiagnostic[] {
  const res = spawnSync(PYTHON, ['-I', LINTER, '-', 'script.py'], { input: text, encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout).diagnostics;
}

function fixOf(text: string): GuardFix {
  const guard = lint(text).filter((d) => d.code === 'missing-main-guard');
  assert.equal(guard.length, 1, `one missing-main-guard expected, got ${JSON.stringify(guard)}`);
  const { fixStart, fixEnd, verbatimLines } = guard[0];
  assert.ok(fixStart && fixEnd, 'the diagnostic carries a fix block');
  return { fixStart, fixEnd, verbatimLines };
}

function parses(text: string): void {
  const res = spawnSync(PYTHON, ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], {
    input: text,
    encoding: 'utf8',
  });
  assert.equal(res.status, 0, `does not parse:\n${text}\n${res.stderr}`);
}

function runScript(text: string, ...args: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-guardfix-'));
  const file = path.join(dir, 'script.py');
  fs.writeFileSync(file, text);
  const res = spawnSync(PYTHON, [file, ...args], { encoding: 'utf8', timeout: 60_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(res.status, 0, `script failed:\n${text}\n${res.stderr}`);
  return res.stdout;
}

/** Imports the file the way a spawn child does (run_name "__mp_main__"): prints what ran. */
function importAsChild(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-guardfix-'));
  const file = path.join(dir, 'script.py');
  fs.writeFileSync(file, text);
  const res = spawnSync(
    PYTHON,
    ['-c', `import runpy; runpy.run_path(${JSON.stringify(file)}, run_name="__mp_main__")`],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(res.status, 0, res.stderr);
  return res.stdout;
}

// Unguarded: fine under fork, respawns workers forever under spawn. Holds every awkward line
// kind: a multi-line string, bracket and backslash continuations, comments and blank lines.
const POOL_SCRIPT = `import multiprocessing as mp
import sys


def square(x):
    return x * x


print("imported")
ctx = mp.get_context(sys.argv[1])
with ctx.Pool(2) as pool:
    result = pool.map(
        square,
            range(5),
    )
# a comment between statements

BANNER = """squares:
  indented inside the string
"""
total = 1 + \\
    sum(result)
print(BANNER + str(result), total)
`;

describe('guard fix', () => {
  test('the wrapped pool script parses, prints the same under fork and now also runs under spawn', () => {
    const fix = fixOf(POOL_SCRIPT);
    assert.equal(fix.fixStart, 11); // the `with`, not the earlier `ctx = ...` (no pool there)
    const fixed = applyGuardFix(POOL_SCRIPT, fix);
    parses(fixed);
    assert.ok(fixed.includes(`${GUARD_LINE}\n    with ctx.Pool(2) as pool:\n`));
    // The string literal is unchanged, so the program's output is too.
    assert.ok(fixed.includes('"""squares:\n  indented inside the string\n"""'));
    assert.ok(fixed.includes('            range(5),\n'), 'continuation lines keep their own indentation');
    assert.ok(fixed.includes('    # a comment between statements\n\n    BANNER'), 'blank lines stay empty');

    const before = runScript(POOL_SCRIPT, 'fork');
    assert.match(before, /\[0, 1, 4, 9, 16\] 31/);
    assert.equal(runScript(fixed, 'fork'), before);
    // Under spawn each worker re-imports the module and prints "imported" again, nothing more.
    // Two workers' lines can interleave in the pipe ("importedimported\n\n"): drop every
    // "imported" and the empty lines that leaves (the program's own output has none).
    const withoutImports = (out: string): string => out.replace(/imported/g, '').replace(/^\n/gm, '');
    assert.equal(withoutImports(runScript(fixed, 'spawn')), withoutImports(before));
    // A spawn child re-imports the module: only the top-level print may run there now.
    assert.equal(importAsChild(fixed.replace('sys.argv[1]', '"fork"')), 'imported\n');
    assert.equal(lint(fixed).length, 0, 'no warning left after the fix');
  });

  test('a Process script: the fix block ends at the next def and keeps CRLF line ends', () => {
    const src = [
      'from multiprocessing import Process',
      'def hello(name):',
      '    print("hello", name, flush=True)',
      'p = Process(target=hello, args=("world",))',
      'p.start(); p.join()',
      'print("joined")',
      'def later():',
      '    return 1',
      'print("end", later())',
      '',
    ].join('\r\n');
    const fix = fixOf(src);
    assert.deepEqual([fix.fixStart, fix.fixEnd], [4, 6]);
    const fixed = applyGuardFix(src, fix);
    assert.ok(!/[^\r]\n/.test(fixed), 'only CRLF line ends');
    assert.ok(fixed.includes(`${GUARD_LINE}\r\n    p = Process(`));
    parses(fixed);
    const out = runScript(fixed).replace(/\r/g, '');
    assert.equal(out, runScript(src).replace(/\r/g, ''));
    assert.equal(out, 'hello world\njoined\nend 1\n');
  });

  test('a tab-indented file gets a tab', () => {
    const src =
      'import multiprocessing as mp\ndef f(x):\n\treturn x\nwith mp.Pool(1) as p:\n\tprint(p.map(f, [3]))\n';
    assert.equal(indentUnit(src), '\t');
    const fixed = applyGuardFix(src, fixOf(src));
    assert.equal(
      fixed,
      'import multiprocessing as mp\ndef f(x):\n\treturn x\nif __name__ == "__main__":\n\twith mp.Pool(1) as p:\n\t\tprint(p.map(f, [3]))\n',
    );
    parses(fixed);
    assert.equal(runScript(fixed), '[3]\n');
  });

  test('guardEdit replaces whole lines and rejects a bad block', () => {
    const edit = guardEdit('a = 1\nb = 2\nc = 3\n', { fixStart: 2, fixEnd: 3 });
    assert.deepEqual(edit, { startLine: 1, endLine: 2, newText: `${GUARD_LINE}\n    b = 2\n    c = 3` });
    assert.equal(indentUnit('x = 1\n'), '    ');
    assert.throws(() => guardEdit('a = 1\n', { fixStart: 3, fixEnd: 2 }), RangeError);
  });
});
