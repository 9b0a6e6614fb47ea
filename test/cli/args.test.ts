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

test('help and version', () => {
  assert.deepEqual(parseArgs([]), { command: 'help' });
  assert.deepEqual(parseArgs(['--help']), { command: 'help' });
  assert.deepEqual(parseArgs(['--version']), { command: 'version' });
});
