import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnvFileError, parseEnvFile } from '../../src/run/envFile';

test('an env file: names, comments, export, quotes, escapes and ${NAME}', () => {
  const text = [
    '# settings for the run',
    '',
    'OMP_NUM_THREADS=1',
    'export DATA_DIR = /data/in   # where the input is',
    "RAW='keep ${HOME} and \\n as they are'",
    'QUOTED="two\\nlines, a \\"quote\\" and ${DATA_DIR}/x"',
    'PATH_PLUS=${PATH}:/opt/bin',
    'MISSING=${NOT_SET}-',
    'EMPTY=',
  ].join('\n');
  assert.deepEqual(parseEnvFile(text, { PATH: '/usr/bin', HOME: '/root' }), {
    OMP_NUM_THREADS: '1',
    DATA_DIR: '/data/in',
    RAW: 'keep ${HOME} and \\n as they are',
    QUOTED: 'two\nlines, a "quote" and /data/in/x',
    PATH_PLUS: '/usr/bin:/opt/bin',
    MISSING: '-',
    EMPTY: '',
  });
});

test('a line that is not NAME=value, or an open quote, names the file and line', () => {
  assert.throws(
    () => parseEnvFile('A=1\nnot a setting\n', {}, 'dev.env'),
    (e: unknown) => {
      assert.ok(e instanceof EnvFileError);
      assert.equal(e.message, 'dev.env:2: expected NAME=value, found "not a setting"');
      return true;
    },
  );
  assert.throws(() => parseEnvFile('A="open\n'), /\.env:1: unterminated " quote/);
  assert.throws(() => parseEnvFile("A='open\n"), /\.env:1: unterminated ' quote/);
});
