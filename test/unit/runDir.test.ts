// Run directories (src/run/runDir.ts), shared by the CLI and the extension: private, and a
// clear message when no place to make one is writable.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { createRunDir, removeRunDir, runDirParents } from '../../src/run/runDir';

test('a run directory is private (0700) even under a permissive umask, and on tmpfs first', () => {
  const old = process.umask(0);
  try {
    const dir = createRunDir();
    try {
      assert.equal((fs.statSync(dir).mode & 0o777).toString(8), '700');
      assert.equal(fs.statSync(dir).uid, process.getuid!());
      assert.equal(path.dirname(dir), runDirParents()[0]);
    } finally {
      removeRunDir(dir);
    }
  } finally {
    process.umask(old);
  }
  assert.equal(runDirParents({})[0], '/dev/shm');
});

test('no writable place: one message naming every place tried', () => {
  // /proc/self refuses new entries even to root; the other does not exist.
  const missing = path.join(os.tmpdir(), 'poolscope-no-such-parent', 'x');
  assert.throws(
    () => createRunDir(['/proc/self', missing]),
    (err: Error) =>
      /^cannot create a private run directory \(\/proc\/self: .+; .*poolscope-no-such-parent\/x: .+\)$/.test(
        err.message,
      ),
  );
});
