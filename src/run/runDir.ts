import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where run directories live: tmpfs first, because the agent maps its event files and an
 * ext4 file costs ~50x more to open per process (docs/trace-format.md).
 */
export function runDirParents(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = ['/dev/shm', env.XDG_RUNTIME_DIR, os.tmpdir()];
  return candidates.filter((d): d is string => !!d);
}

/**
 * Creates a private (0700) run directory. mkdtemp already creates it 0700; the chmod guards
 * against an unusual umask. Throws a message naming every place tried when none is writable.
 */
export function createRunDir(parents: string[] = runDirParents()): string {
  const errors: string[] = [];
  for (const parent of parents) {
    try {
      const dir = fs.mkdtempSync(path.join(parent, 'poolscope-'));
      fs.chmodSync(dir, 0o700);
      return dir;
    } catch (err) {
      errors.push(`${parent}: ${(err as Error).message}`);
    }
  }
  throw new Error(`cannot create a private run directory (${errors.join('; ')})`);
}

export function removeRunDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
