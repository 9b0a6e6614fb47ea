/**
 * A sweep: the same script run with one setting overridden per run (the worker count of every
 * pool, or the chunksize of every chunked call), read back as a curve. Pure: it takes the runs'
 * reports and says what they show; src/run/sweep.ts runs them.
 *
 * Speedups are all against the first run's estimated sequential time (its
 * `summary.estSequentialMs`: what the program would take with its pool calls as plain loops), so
 * the measured curve, the ideal line and the first run's what-if prediction share one baseline
 * and run-to-run noise in that estimate does not bend the curve.
 */
import type { Report } from '../report';
import { fmtMs, fmtX } from '../report';
import { lastWorthwhileStep, WORKER_GAIN_THRESHOLD } from './whatIf';

export type SweepKind = 'workers' | 'chunksize';

/** The gain below which one more step is not worth it (the 10 %, as for the what-if). */
export const SWEEP_GAIN = WORKER_GAIN_THRESHOLD;

export interface SweepRun {
  /** The override asked for (null: the script's own). */
  workers: number | null;
  chunksize: number | null;
  report: Report;
  /** The run's id in the history (the extension), if it was saved. */
  runId?: string;
}

export interface SweepPoint {
  /** The swept setting's value for this run. */
  value: number;
  workers: number | null;
  chunksize: number | null;
  wallMs: number;
  /** The baseline sequential time / this run's wall time. */
  speedup: number | null;
  /** For a worker sweep: the worker count (a perfect speedup); null for a chunksize sweep. */
  idealSpeedup: number | null;
  /** False when the run's header does not show the override, or no pool used it. */
  applied: boolean;
  exitCode: number | null;
  runId?: string;
}

export interface PredictedPoint {
  value: number;
  wallMs: number;
  speedup: number | null;
}

export interface SweepResult {
  kind: SweepKind;
  script: string;
  cpuCount: number;
  /** The first run's estimated sequential time: the baseline of every speedup. */
  baselineSequentialMs: number | null;
  points: SweepPoint[];
  /**
   * The first run's what-if prediction for the swept setting (or the first run's that made one:
   * a joblib script's 1-worker run has no pool), speedups against the baseline; null if none.
   */
  predicted: PredictedPoint[] | null;
  /** The recommended value: see `recommend`. Null with no run measured. */
  recommended: number | null;
  /** One sentence with the numbers behind `recommended`. */
  recommendation: string;
  /** Runs whose override did not take, or that failed. */
  warnings: string[];
}

/** 1, 2, 4, … below `cores`, then `cores` itself: the default worker counts of a sweep. */
export function defaultWorkerCounts(cores: number): number[] {
  const n = Math.max(1, Math.floor(cores));
  const out: number[] = [];
  for (let w = 1; w < n; w *= 2) out.push(w);
  out.push(n);
  return out;
}

/** Parses "1,2,4" (whole numbers ≥ 1, no repeats, kept in the given order); throws a clear message. */
export function parseCountList(text: string, what: string): number[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new Error(`${what} needs at least one number, e.g. 1,2,4`);
  const out: number[] = [];
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d+$/.test(p) || !Number.isSafeInteger(n) || n < 1) {
      throw new Error(`${what}: "${p}" is not a whole number ≥ 1 (give a list like 1,2,4)`);
    }
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

export function sweepResult(kind: SweepKind, runs: readonly SweepRun[]): SweepResult {
  const first = runs[0]?.report;
  const baseline = first?.summary.estSequentialMs ?? null;
  const warnings: string[] = [];
  const joblib = onlyJoblib(runs);
  const points: SweepPoint[] = runs.map((r) => {
    const value = (kind === 'workers' ? r.workers : r.chunksize) ?? valueOf(kind, r.report);
    const applied = overrideApplied(kind, r) || (kind === 'workers' && joblib && ranInProcess(r));
    const exitCode = r.report.run.exitCode;
    if (!applied) {
      warnings.push(
        kind === 'workers'
          ? `The run with ${value} workers did not use them: no Pool, ProcessPoolExecutor or joblib Parallel took the override (joblib runs n_jobs=1 in the calling process).`
          : `The run with chunksize ${value} did not use it: no map/imap/starmap call took the override.`,
      );
    }
    if (exitCode !== 0) {
      warnings.push(
        `The run with ${kind} ${value} exited with ${exitCode ?? 'a signal'}; its numbers may be partial.`,
      );
    }
    const wallMs = r.report.summary.wallMs;
    return {
      value,
      workers: r.workers,
      chunksize: r.chunksize,
      wallMs,
      speedup: speedupOver(baseline, wallMs),
      idealSpeedup: kind === 'workers' ? value : null,
      applied,
      exitCode,
      ...(r.runId ? { runId: r.runId } : {}),
    };
  });
  const sorted = [...points].sort((a, b) => a.value - b.value);
  const { recommended, recommendation } = recommend(kind, sorted);
  return {
    kind,
    script: first?.run.script ?? '',
    cpuCount: first?.run.cpuCount ?? 0,
    baselineSequentialMs: baseline,
    points: sorted,
    predicted: firstPrediction(kind, runs, baseline),
    recommended,
    recommendation,
    warnings,
  };
}

/** The sweep's baseline sequential time / a wall time: every speedup of a sweep. */
const speedupOver = (baseline: number | null, wallMs: number): number | null =>
  baseline !== null && wallMs > 0 ? baseline / wallMs : null;

/** What the run itself says it used, for a run without an override. */
function valueOf(kind: SweepKind, r: Report): number {
  if (kind === 'workers') return r.summary.workers;
  return mainSite(r)?.chunksize ?? 1;
}

/**
 * Whether every call site of the sweep's runs is a joblib `Parallel` call (and there is one).
 * joblib runs `n_jobs=1` in the calling process, so a 1-worker run of such a script has no pool:
 * it is the work as a plain loop, the truest 1-worker figure there is.
 */
function onlyJoblib(runs: readonly SweepRun[]): boolean {
  const sites = runs.flatMap((r) => r.report.callSites);
  return sites.length > 0 && sites.every((s) => s.api === 'Parallel');
}

/** A 1-worker run of a joblib script that ran without a pool, as joblib does with n_jobs=1. */
function ranInProcess(r: SweepRun): boolean {
  return r.workers === 1 && (r.report.run.overrides ?? {}).workers === 1 && r.report.callSites.length === 0;
}

/**
 * The first run's what-if prediction; where the first run had no pool to model (a joblib script
 * run with 1 worker), the next run's that made one, its speedups against the sweep's baseline.
 */
function firstPrediction(
  kind: SweepKind,
  runs: readonly SweepRun[],
  baseline: number | null,
): PredictedPoint[] | null {
  const first = runs[0]?.report;
  if (!first) return null;
  if (first.callSites.length > 0) return predicted(kind, first);
  for (const r of runs.slice(1)) {
    const p = predicted(kind, r.report);
    if (p !== null) return p.map((q) => ({ ...q, speedup: speedupOver(baseline, q.wallMs) }));
  }
  return null;
}

function overrideApplied(kind: SweepKind, r: SweepRun): boolean {
  const asked = kind === 'workers' ? r.workers : r.chunksize;
  if (asked === null) return true;
  const o = r.report.run.overrides ?? {};
  if (o[kind] !== asked) return false;
  if (kind === 'workers') return r.report.callSites.some((s) => s.workers === asked);
  return r.report.callSites.some((s) => s.chunksize === asked);
}

/** The call site with the most wall time: the one a chunksize prediction is about. */
function mainSite(r: Report): Report['callSites'][number] | undefined {
  return [...r.callSites].sort((a, b) => b.wallMs - a.wallMs)[0];
}

function predicted(kind: SweepKind, r: Report): PredictedPoint[] | null {
  if (kind === 'workers') {
    const w = r.whatIf?.workers;
    return w && w.length ? w.map((p) => ({ value: p.workers, wallMs: p.wallMs, speedup: p.speedup })) : null;
  }
  const c = mainSite(r)?.whatIf?.chunksizes;
  return c && c.length
    ? c
        .filter((p) => p.chunksize !== null)
        .map((p) => ({ value: p.chunksize as number, wallMs: p.wallMs, speedup: p.speedup }))
    : null;
}

/**
 * Workers: the count past which the next one tried gains less than SWEEP_GAIN in wall time (the
 * largest tried when every step still gains). Chunksize: the smallest chunksize within
 * SWEEP_GAIN of the fastest run (smaller chunks balance the load better and show progress
 * sooner, so a bigger one must earn its place).
 */
export function recommend(
  kind: SweepKind,
  sorted: readonly SweepPoint[],
): { recommended: number | null; recommendation: string } {
  const ok = sorted.filter((p) => p.applied && p.wallMs > 0);
  if (ok.length === 0) return { recommended: null, recommendation: 'No run of the sweep could be measured.' };
  if (kind === 'workers') {
    const i = lastWorthwhileStep(
      ok.map((p) => p.wallMs),
      SWEEP_GAIN,
    );
    if (i + 1 < ok.length) {
      const gain = ok[i].wallMs / ok[i + 1].wallMs - 1;
      return {
        recommended: ok[i].value,
        recommendation:
          `${ok[i].value} ${plural(ok[i].value, 'worker')}: going to ${ok[i + 1].value} changed the wall time ` +
          `${fmtMs(ok[i].wallMs)} → ${fmtMs(ok[i + 1].wallMs)} (${signedPct(gain)} speed), below the ${pct(SWEEP_GAIN)} worth another step.`,
      };
    }
    const last = ok[ok.length - 1];
    return {
      recommended: last.value,
      recommendation:
        ok.length === 1
          ? `Only ${last.value} ${plural(last.value, 'worker')} measured (${fmtMs(last.wallMs)}); sweep more counts to compare.`
          : `${last.value} ${plural(last.value, 'worker')}: every step still gained at least ${pct(SWEEP_GAIN)} ` +
            `(${fmtMs(ok[0].wallMs)} → ${fmtMs(last.wallMs)}, speedup ${fmtX(last.speedup)}); more may help if the machine has the cores.`,
    };
  }
  const best = ok.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const pick = ok.find((p) => p.wallMs <= best.wallMs * (1 + SWEEP_GAIN)) ?? best;
  return {
    recommended: pick.value,
    recommendation:
      pick === best
        ? `chunksize ${pick.value}: the fastest run (${fmtMs(pick.wallMs)}).`
        : `chunksize ${pick.value}: ${fmtMs(pick.wallMs)}, within ${pct(SWEEP_GAIN)} of the fastest (chunksize ${best.value}, ` +
          `${fmtMs(best.wallMs)}) with smaller chunks, which balance the load better.`,
  };
}

const plural = (n: number, word: string): string => (n === 1 ? word : `${word}s`);
const pct = (f: number): string => `${Math.round(f * 100)} %`;
const signedPct = (f: number): string => `${f >= 0 ? '+' : '\u2212'}${Math.abs(f * 100).toFixed(1)} %`;
