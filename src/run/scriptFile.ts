import * as fs from 'node:fs';
import { PreflightError } from './python';

/**
 * Refuses what cannot be a Python program before anything starts: a missing path, a folder,
 * or a file that is neither *.py / *.pyw nor has a python shebang.
 */
export function checkScriptFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new PreflightError(`no such file: ${file}`);
  }
  if (stat.isDirectory()) throw new PreflightError(`${file} is a folder; give the Python script to run.`);
  if (/\.pyw?$/i.test(file)) return;
  const head = readHead(file);
  if (/^#!.*python/.test(head)) return;
  throw new PreflightError(`${file} is not a Python file (expected a .py file or a python shebang).`);
}

function readHead(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(128);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
