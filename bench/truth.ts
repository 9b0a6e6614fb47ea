/**
 * The truth suite (issue 17): does PoolScope say what really happens? For each program of
 * bench/truth/ (each runnable as a plain loop and with its pool), it times both versions plainly,
 * profiles the pool version, and prints the sequential estimate against the measured loop and the
 * verdict against the measured speedup. Exit 1 when a program misses:
 * - the estimate off the loop by more than ESTIMATE_TOLERANCE (unless both the estimated and the
 *   measured speedup are below BOTH_LOST_BELOW);
 * - the estimated speedup or the verdict on the wrong side of 1 (measured speedups within the
 *   NEUTRAL_BAND around 1 accept either side; "measure first" claims no side).
 *
 * The loop's figure is its wall time less an idle interpreter's start (`python3 -c pass`): a
 * report's wall time begins when the agent starts, after the interpreter has. Each round runs the
 * loop, the profiled pool version, the loop again and the plain pool version: the machine's speed
 * drifts over minutes, so each figure is compared with the runs next to it (truthLib.ts, judge).
 *
 *   npm run bench:truth [-- NAME ...] [--rounds N] [--json FILE]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import {
  BOTH_LOST_BELOW,
  ESTIMATE_TOLERANCE,
  measure,
  NEUTRAL_BAND,
  programs,
  pythonStartMs,
  type TruthRow,
} from './truthLib';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const rounds = Number(option('--rounds') ?? '3');
const jsonOut = option('--json');
const wanted = args.filter((a) => !a.startsWith('-'));
const all = programs();
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`bench:truth: no such program: ${unknown.join(', ')} (have: ${all.join(', ')})`);
  process.exit(2);
}
const chosen = wanted.length > 0 ? wanted : all;

const pct = (x: number | null): string =>
  x === null ? '–' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)} %`;
const fx = (x: number | null): string => (x === null ? '–' : `${x.toFixed(2)}×`);
const ms = (x: number | null): string => (x === null ? '–' : `${Math.round(x)}`);
const mark = (ok: boolean): string => (ok ? 'ok' : 'MISS');

console.log(
  `truth suite: ${chosen.length} programs, ${rounds} rounds each, ${os.cpus().length} CPUs; ` +
    `python start ${pythonStartMs().toFixed(0)} ms now (measured again in every round)`,
);
console.log(
  '| program | loop ms | pool ms | measured | est. seq ms | error | est. speedup | verdict | estimate | speedup side | verdict side | findings |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
const rows: TruthRow[] = [];
for (const program of chosen) {
  const r = measure(program, rounds);
  rows.push(r);
  console.log(
    `| ${r.program} | ${ms(r.loopMs)} | ${ms(r.poolMs)} | ${fx(r.measuredSpeedup)} | ` +
      `${r.upperBound ? '≤ ' : ''}${ms(r.estSequentialMs)} | ${pct(r.error)} | ${r.upperBound ? '≤ ' : ''}${fx(r.estSpeedup)} | ` +
      `${r.quadrant} | ${mark(r.estimateOk)} | ${mark(r.speedupSideOk)} | ${mark(r.verdictSideOk)} | ` +
      `${r.findings.join(', ') || '–'} |`,
  );
}
const misses = rows.filter((r) => !r.estimateOk || !r.speedupSideOk || !r.verdictSideOk);
console.log(
  `\nestimates within ${ESTIMATE_TOLERANCE * 100} % (or both below ${BOTH_LOST_BELOW}×): ` +
    `${rows.filter((r) => r.estimateOk).length}/${rows.length}; estimated speedup on the measured side ` +
    `(±${NEUTRAL_BAND} around 1 accepts either): ${rows.filter((r) => r.speedupSideOk).length}/${rows.length}; ` +
    `verdicts on the measured side: ${rows.filter((r) => r.verdictSideOk).length}/${rows.length}`,
);
if (jsonOut)
  fs.writeFileSync(jsonOut, JSON.stringify({ cpus: os.cpus().length, rounds, rows }, null, 2) + '\n');
if (misses.length > 0) {
  console.log(`missed: ${misses.map((r) => r.program).join(', ')}`);
  process.exitCode = 1;
}
