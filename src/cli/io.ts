import * as fs from 'node:fs';
import * as path from 'node:path';

/** A message from poolscope itself: on stderr, prefixed, so the program's stdout stays its own. */
export function say(message: string): void {
  process.stderr.write(`poolscope: ${message}\n`);
}

/** Writes a file (its folder created), or stdout for "-". */
export function writeOut(file: string, text: string): void {
  if (file === '-') {
    process.stdout.write(text);
    return;
  }
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
}
