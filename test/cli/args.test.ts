import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, UsageError } from '../../src/cli/args';

test('options before the script belong to poolscope, everything after to the script', () => {
  assert.deepEqual(parseArgs(['profile', '--json', 'r.json', '--workers=4', 'job.py', '--json', 'x']), {
    command: 'profile',
    json: 'r.json',
    html: undefined,
    trace: undefined,
    chrome: undefined,
    python: undefined,
    workers: 4,
    quiet: false,
    script: 'job.py',
    scriptArgs: ['--json', 'x'],
  });
});

test('-- ends the options', () => {
  const args = parseArgs(['profile', '--quiet', '--', '--weird-name.py', 'a']);
  assert.equal(args.command, 'profile');
  if (args.command === 'profile') {
    assert.equal(args.script, '--weird-name.py');
    assert.deepEqual(args.scriptArgs, ['a']);
    assert.equal(args.quiet, true);
  }
});

test('bad usage is a UsageError with a reason', () => {
  assert.throws(() => parseArgs(['profile']), /needs a script/);
  assert.throws(() => parseArgs(['profile', '--json']), /--json needs a value/);
  assert.throws(() => parseArgs(['profile', '--frobnicate', 'x.py']), /unknown option "--frobnicate"/);
  assert.throws(() => parseArgs(['profile', '--workers', '0', 'x.py']), UsageError);
  assert.throws(() => parseArgs(['report']), /exactly one/);
  assert.throws(
    () => parseArgs(['report', 't.pstrace', '--python', 'p']),
    /--python needs a value|for profile/,
  );
  assert.throws(() => parseArgs(['launch']), /unknown command "launch"/);
});

test('did you mean: the closest option or command, when close', () => {
  assert.throws(
    () => parseArgs(['profile', '--chrom', 'x', 'a.py']),
    /unknown option "--chrom" \(did you mean --chrome\?\)/,
  );
  assert.throws(() => parseArgs(['sweep', '--chunksizes=1', 'a.py']), /did you mean --chunksize\?/);
  assert.throws(
    () => parseArgs(['profile', '--zzz', 'a.py']),
    /^Error: unknown option "--zzz"$|unknown option "--zzz"$/,
  );
  assert.throws(() => parseArgs(['reprot', 'x']), /unknown command "reprot" \(did you mean report\?\)/);
  assert.throws(
    () => parseArgs(['profile', '--workers', '0', 'x.py']),
    (err: unknown) => err instanceof UsageError && err.command === 'profile',
  );
});

test('help and version', () => {
  assert.deepEqual(parseArgs([]), { command: 'help' });
  assert.deepEqual(parseArgs(['--help']), { command: 'help' });
  assert.deepEqual(parseArgs(['--version']), { command: 'version' });
});

test('compare takes two runs anywhere among its options', () => {
  assert.deepEqual(parseArgs(['compare', 'a.json', '--json', 'out.json', 'b.pstrace']), {
    command: 'compare',
    a: 'a.json',
    b: 'b.pstrace',
    json: 'out.json',
  });
  assert.throws(() => parseArgs(['compare', 'a.json']), /two runs/);
  assert.throws(
    () => parseArgs(['compare', 'a', 'b', '--workers', '2']),
    /--workers is not an option of compare \(it is for profile and sweep\)/,
  );
});

test('sweep: count lists, then the script and its arguments', () => {
  assert.deepEqual(
    parseArgs(['sweep', '--workers', '1,2,4', '--chunksize=1,100', 's.py', '--workers', '9']),
    {
      command: 'sweep',
      workers: [1, 2, 4],
      chunksizes: [1, 100],
      json: undefined,
      traces: undefined,
      python: undefined,
      script: 's.py',
      scriptArgs: ['--workers', '9'],
    },
  );
  assert.equal((parseArgs(['sweep', 's.py']) as { workers?: number[] }).workers, undefined);
  assert.throws(
    () => parseArgs(['sweep', '--workers', '1,x', 's.py']),
    /--workers: "x" is not a whole number ≥ 1/,
  );
  assert.throws(() => parseArgs(['sweep']), /needs a script/);
  assert.throws(() => parseArgs(['sweep', '--html', 'r.html', 's.py']), /--html is not an option of sweep/);
});

test('-m MODULE ends the options, as with python -m', () => {
  const args = parseArgs(['profile', '--quiet', '-m', 'pkg.job', '--json', 'x']);
  assert.equal(args.command, 'profile');
  if (args.command !== 'profile') return;
  assert.equal(args.module, 'pkg.job');
  assert.equal(args.script, 'pkg.job');
  assert.deepEqual(args.scriptArgs, ['--json', 'x']);
  assert.equal(args.json, undefined, 'options after the module are its own');
  const joined = parseArgs(['sweep', '--workers', '1,2', '-mpkg.job', 'a']);
  assert.ok(joined.command === 'sweep' && joined.module === 'pkg.job');
  assert.deepEqual(joined.command === 'sweep' && joined.scriptArgs, ['a']);
  const script = parseArgs(['profile', 'job.py', '-m', 'x']);
  assert.ok(script.command === 'profile' && script.module === undefined);
  assert.deepEqual(script.command === 'profile' && script.scriptArgs, ['-m', 'x']);
});

test('-m without a module name, or with something else, is a one-line usage error', () => {
  assert.throws(() => parseArgs(['profile', '-m']), /^Error: -m needs a module name/);
  assert.throws(() => parseArgs(['sweep', '-m', 'my job.py']), /-m my job\.py: not a module name/);
  assert.throws(() => parseArgs(['report', '-m', 'x']), /unknown option "-m"/);
});
