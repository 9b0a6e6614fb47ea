/**
 * The IPC decision matrix (lecture 26, slide 4): heavy or light compute × small or large data.
 *
 *   compute heavy ⇔ (a) median compute per task ≥ HEAVY_COMPUTE_PER_OVERHEAD × the fixed
 *                       per-message overhead, and
 *                   (b) compute per worker process ≥ HEAVY_COMPUTE_PER_STARTUP × worker start-up
 *                   (each judged only where measurable: a missing number does not count against);
 *   data large    ⇔ mean pickled bytes per task (in + out) ≥ LARGE_PAYLOAD_BYTES.
 *
 * The matrix predicts; the estimated speedup measures. Where they disagree (a "clear win" that ran
 * slower than a plain loop would, an "overhead wins" that ran faster) the verdict is "measure
 * first" and says both ({@link reconcile}): a verdict never contradicts the measurement.
 */
import type { Quadrant, Verdict, VerdictNumbers } from '../report';
import {
  CLEAR_WIN_MIN_SPEEDUP,
  HEAVY_COMPUTE_PER_OVERHEAD,
  HEAVY_COMPUTE_PER_STARTUP,
  LARGE_PAYLOAD_BYTES,
  fmtBytes,
  fmtMs,
  fmtPct,
  parenthesised,
  startupWaitNote,
  fmtX,
  QUADRANT_TITLES,
} from '../report';

const QUADRANTS: Record<'heavy' | 'light', Record<'small' | 'large', Quadrant>> = {
  heavy: { small: 'clear-win', large: 'measure-first' },
  light: { small: 'ipc-overhead-wins', large: 'both-lose' },
};

/** Worst first: ties in the run verdict go to the quadrant that needs attention. */
const SEVERITY_ORDER: Quadrant[] = [
  'both-lose',
  'ipc-overhead-wins',
  'measure-first',
  'clear-win',
  'no-parallel-work',
];

export const passesOverheadRule = (n: VerdictNumbers): boolean =>
  n.computeToOverhead === null || n.computeToOverhead >= HEAVY_COMPUTE_PER_OVERHEAD;

export const passesStartupRule = (n: VerdictNumbers): boolean =>
  n.computePerWorkerToStartup === null || n.computePerWorkerToStartup >= HEAVY_COMPUTE_PER_STARTUP;

export const isLargeData = (n: VerdictNumbers): boolean =>
  n.bytesPerTask !== null && n.bytesPerTask >= LARGE_PAYLOAD_BYTES;

export function classify(n: VerdictNumbers): Verdict {
  if (n.tasks === 0 || n.computeMsPerTask === null) {
    return {
      quadrant: 'no-parallel-work',
      compute: 'light',
      data: 'small',
      sentence: 'No pool or executor task was recorded, so there is no parallel work to judge.',
      numbers: n,
    };
  }
  const compute = passesOverheadRule(n) && passesStartupRule(n) ? 'heavy' : 'light';
  const data = isLargeData(n) ? 'large' : 'small';
  const quadrant = QUADRANTS[compute][data];
  return { quadrant, compute, data, sentence: sentence(quadrant, n), numbers: n };
}

function overheadClause(n: VerdictNumbers, passed: boolean): string {
  return (
    `median compute ${fmtMs(n.computeMsPerTask)} per task is ${passed ? '' : 'only '}` +
    `${fmtX(n.computeToOverhead)} the ${fmtMs(n.perMessageOverheadMs)} per-message overhead` +
    (passed ? '' : ` (heavy needs ${HEAVY_COMPUTE_PER_OVERHEAD}×)`)
  );
}

function startupClause(n: VerdictNumbers, passed: boolean): string {
  return (
    `each worker computed ${fmtMs(n.computePerWorkerMs)} in all, ${passed ? '' : 'only '}` +
    `${fmtX(n.computePerWorkerToStartup)} its ${fmtMs(n.startupMs)} start-up` +
    parenthesised(
      !passed && `heavy needs ${HEAVY_COMPUTE_PER_STARTUP}×`,
      startupWaitNote(n.startupMs, n.startupWaitMs),
    )
  );
}

function dataClause(n: VerdictNumbers): string {
  const large = isLargeData(n);
  return `a task moves ${fmtBytes(n.bytesPerTask)} ${large ? '≥' : '<'} ${fmtBytes(LARGE_PAYLOAD_BYTES)}`;
}

function sentence(q: Quadrant, n: VerdictNumbers): string {
  const heavyWhy = [
    n.computeToOverhead !== null ? overheadClause(n, true) : null,
    n.computePerWorkerToStartup !== null ? startupClause(n, true) : null,
  ].filter((s): s is string => s !== null);
  if (heavyWhy.length === 0) heavyWhy.push(`median compute is ${fmtMs(n.computeMsPerTask)} per task`);
  const lightWhy = [
    passesOverheadRule(n) ? null : overheadClause(n, false),
    passesStartupRule(n) ? null : startupClause(n, false),
  ].filter((s): s is string => s !== null);
  switch (q) {
    case 'clear-win':
      return `Clear win: ${heavyWhy.join(', and ')}; ${dataClause(n)}.`;
    case 'measure-first':
      return `Measure first: compute is heavy (${heavyWhy.join(', and ')}) but ${dataClause(n)}, so pickling it costs real time.`;
    case 'ipc-overhead-wins':
      return `IPC overhead wins: ${lightWhy.join(', and ')}; ${dataClause(n)}.`;
    case 'both-lose':
      return `Both IPC and compute lose: ${lightWhy.join(', and ')}; and ${dataClause(n)}.`;
    case 'no-parallel-work':
      return 'No pool or executor task was recorded, so there is no parallel work to judge.';
    default: {
      const never: never = q;
      return String(never);
    }
  }
}

/**
 * `v` checked against the estimated speedup (sequential estimate / wall time) of the same work:
 * a win the run did not get, or a loss it did not suffer, becomes "measure first", with the
 * matrix's reading and the measured speedup in its sentence; so does a win estimated below
 * CLEAR_WIN_MIN_SPEEDUP (within the estimate's error of none), and one where the speedup is
 * only an upper bound (`upperBound`: the workers' helper threads spun). Unchanged where they agree
 * or the speedup is unknown.
 */
export function reconcile(v: Verdict, estSpeedup: number | null, upperBound = false): Verdict {
  if (estSpeedup === null || !Number.isFinite(estSpeedup)) return v;
  const predictsWin = v.quadrant === 'clear-win';
  const predictsLoss = v.quadrant === 'ipc-overhead-wins' || v.quadrant === 'both-lose';
  if (predictsWin && upperBound && estSpeedup >= 1) {
    // Only a bound: the win cannot be confirmed.
    return overruled(
      v,
      `Measure first: by the matrix a clear win (${stripTitle(v.sentence)}), but the workers' own threads ` +
        `(BLAS, OpenMP) fought over the CPUs, so their CPU time includes spinning and this run bounds the ` +
        `speedup only from above: at most ${fmtX(estSpeedup)} a plain loop (see thread-oversubscription).`,
    );
  }
  if (predictsWin && estSpeedup < 1) {
    return overruled(
      v,
      `Measure first: by the matrix a clear win (${stripTitle(v.sentence)}), but it ran at an estimated ` +
        `${fmtX(estSpeedup)} the speed of a plain loop: the parallel version lost time elsewhere (see the findings).`,
    );
  }
  if (predictsWin && estSpeedup < CLEAR_WIN_MIN_SPEEDUP) {
    return overruled(
      v,
      `Measure first: by the matrix a clear win (${stripTitle(v.sentence)}), but it ran an estimated only ` +
        `${fmtX(estSpeedup)} as fast as a plain loop, a gain within the estimate's error: time the plain loop ` +
        'to know whether the parallel version wins at all (see the findings for where the time went).',
    );
  }
  if (predictsLoss && estSpeedup >= 1) {
    return overruled(
      v,
      `Measure first: by the matrix "${QUADRANT_TITLES[v.quadrant]}" (${stripTitle(v.sentence)}), yet it ran an ` +
        `estimated ${fmtX(estSpeedup)} as fast as a plain loop: the gain is real, and the overhead still takes a ` +
        'large share of it.',
    );
  }
  return v;
}

/** `v` turned into "measure first" by the measurement, keeping the matrix's own cell. */
function overruled(v: Verdict, sentence: string): Verdict {
  return { ...v, quadrant: 'measure-first', matrix: v.quadrant, sentence };
}

/** A verdict sentence without its "Title: " and final full stop. */
function stripTitle(sentence: string): string {
  const colon = sentence.indexOf(': ');
  return sentence.slice(colon + 2).replace(/\.$/, '');
}

/**
 * The run's verdict, weighted by time: the quadrant whose call sites hold the most wall time
 * (ties go to the worse quadrant). Its numbers are those of the largest call site in that
 * quadrant, except `wallMs`, the quadrant's total.
 */
export function runVerdict(sites: readonly { id: string; wallMs: number; verdict: Verdict }[]): Verdict {
  const judged = sites.filter((s) => s.verdict.quadrant !== 'no-parallel-work');
  if (judged.length === 0) return sites[0]?.verdict ?? classify(emptyNumbers());
  if (judged.length === 1) return judged[0].verdict;
  const wall = new Map<Quadrant, number>();
  for (const s of judged) wall.set(s.verdict.quadrant, (wall.get(s.verdict.quadrant) ?? 0) + s.wallMs);
  const total = [...wall.values()].reduce((a, b) => a + b, 0);
  const best = [...wall.entries()].sort(
    (a, b) => b[1] - a[1] || SEVERITY_ORDER.indexOf(a[0]) - SEVERITY_ORDER.indexOf(b[0]),
  )[0];
  const [quadrant, quadrantWall] = best;
  const lead = judged.filter((s) => s.verdict.quadrant === quadrant).sort((a, b) => b.wallMs - a.wallMs)[0];
  const share = total > 0 ? quadrantWall / total : 1;
  return {
    ...lead.verdict,
    numbers: { ...lead.verdict.numbers, wallMs: quadrantWall },
    sentence:
      `${fmtPct(share)} of the pool calls' wall time (${fmtMs(quadrantWall)} of ${fmtMs(total)}) is in call sites ` +
      `judged "${QUADRANT_TITLES[quadrant]}"; the largest, ${lead.id}: ${lead.verdict.sentence}`,
  };
}

export function emptyNumbers(): VerdictNumbers {
  return {
    tasks: 0,
    computeMsPerTask: null,
    perMessageOverheadMs: null,
    deliveryMs: null,
    smallMessageSerializationMs: null,
    computeToOverhead: null,
    computePerWorkerMs: null,
    startupMs: null,
    computePerWorkerToStartup: null,
    bytesPerTask: null,
    wallMs: 0,
  };
}
