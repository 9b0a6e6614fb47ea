/** The benches' synthetic Pool trace (4 workers, chunksize 1, ~10 µs tasks), cached in .cache/bench. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packRunDir } from '../src/core';
import { poolRun, repeat } from '../test/unit/helpers/synthetic';

/**
 * The .pstrace of a synthetic run of `tasks` tasks, written exactly as the agent would
 * (test/unit/helpers/synthetic.ts). Made once and kept in .cache/bench (a million tasks take
 * about a minute to make); remade when the generator changes.
 */
export function syntheticTrace(tasks: number): string {
  const generator = path.join(__dirname, '..', 'test', 'unit', 'helpers', 'synthetic.ts');
  const cache = path.join(__dirname, '..', '.cache', 'bench');
  const stamp = Math.floor(fs.statSync(generator).mtimeMs);
  const trace = path.join(cache, `pool-${tasks}-${stamp}.pstrace`);
  if (fs.existsSync(trace)) return trace;
  fs.mkdirSync(cache, { recursive: true });
  for (const old of fs.readdirSync(cache))
    if (old.startsWith(`pool-${tasks}-`)) fs.rmSync(path.join(cache, old));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-bench-load-'));
  const t = performance.now();
  const { run } = poolRun(
    { workers: 4 },
    { chunksize: 1, tasks: repeat(tasks, { computeMs: 0.01, bytesIn: 120, bytesOut: 60 }) },
  );
  run.writeDir(path.join(dir, 'run'));
  packRunDir(path.join(dir, 'run'), `${trace}.tmp`);
  fs.renameSync(`${trace}.tmp`, trace);
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(
    `generated ${tasks.toLocaleString('en')} tasks (${(fs.statSync(trace).size / 2 ** 20).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  return trace;
}
