import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './harness';

export const VSIX = path.join(REPO_ROOT, 'out', 'poolscope.vsix');

/**
 * The packaged extension the integration tests install. Built once per test process unless
 * POOLSCOPE_REPACKAGE=0 and it exists (for quick local reruns).
 */
let built = false;
export function ensureVsix(): string {
  if (built || (process.env.POOLSCOPE_REPACKAGE === '0' && fs.existsSync(VSIX))) return VSIX;
  const res = spawnSync('npm', ['run', 'package'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(res.status, 0, `packaging failed:\n${res.stdout}\n${res.stderr}`);
  built = true;
  return VSIX;
}
