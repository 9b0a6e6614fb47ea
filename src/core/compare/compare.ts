/**
 * Two analysed runs side by side: what changed for the whole run and for each call site both
 * runs have, and which findings are new, fixed or unchanged. Works on `Report`s only (what the
 * CLI writes with `--json`), so a saved report, a trace and a live run compare alike.
 *
 * Call sites are matched with `matchSites` (its comment gives the rule). Run B is the "after":
 * every delta is B − A, so a negative wall-time delta is a faster B.
 */
import type { CallSiteReport, Finding, Quadrant, Report } from '../report';

export type MetricUnit = 'ms' | 'ratio' | 'share' | 'bytes' | 'count';

/** Which way is better; 'neutral' where a change is not good or bad by itself (e.g. ms/task). */
export type MetricSense = 'lower' | 'higher' | 'neutral';

export type MetricKey =
  | 'wallMs'
  | 'speedup'
  | 'efficiency'
  | 'msPerTask'
  | 'bytesPerTask'
  | 'ipcShare'
  | 'startupMs'
  | 'peakMemoryPerWorker'
  | 'workers'
  | 'chunksize'
  | 'tasks';

export interface MetricDelta {
  key: MetricKey;
  label: string;
  unit: MetricUnit;
  sense: MetricSense;
  a: number | null;
  b: number | null;
  /** b − a; null when either side is unknown. */
  delta: number | null;
  /** b / a − 1 (−0.25: 25 % less); null when either is unknown or a is 0. */
  relative: number | null;
  /**
   * 'better' / 'worse' by `sense` when the change is at least 2 % (else 'same'); 'changed' for a
   * neutral metric that moved; null when either side is unknown.
   */
  change: 'better' | 'worse' | 'same' | 'changed' | null;
}

export interface VerdictChange {
  a: Quadrant | null;
  b: Quadrant | null;
  changed: boolean;
}

export interface SiteSide {
  id: string;
  file: string;
  line: number;
  api: string;
}

/**
 * How a pair of call sites was matched: 'same' (same file and line), 'moved' (same file and API,
 * another line: an edit shifted it), 'other-script' (the runs are of different scripts; matched
 * by API and order in the script), 'only-a' / 'only-b' (no partner).
 */
export type SiteMatch = 'same' | 'moved' | 'other-script' | 'only-a' | 'only-b';

export interface SiteComparison {
  match: SiteMatch;
  a: SiteSide | null;
  b: SiteSide | null;
  /** Empty for an unmatched site. */
  metrics: MetricDelta[];
  verdict: VerdictChange;
}

export type FindingStatus = 'new' | 'fixed' | 'unchanged';

export interface FindingChange {
  status: FindingStatus;
  /** B's finding for 'new' and 'unchanged', A's for 'fixed'. */
  finding: Finding;
}

export interface RunSideInfo {
  script: string;
  startedAt: string;
  wallMs: number;
  workers: number;
  overrides: Record<string, unknown>;
}

export interface RunComparison {
  a: RunSideInfo;
  b: RunSideInfo;
  /** Both runs profiled the same script (same path). */
  sameScript: boolean;
  /** One sentence on how call sites were matched, for the reader of the table. */
  matchNote: string;
  run: MetricDelta[];
  verdict: VerdictChange;
  sites: SiteComparison[];
  findings: FindingChange[];
}

/** A change smaller than this fraction counts as 'same' (run-to-run noise). */
const SAME_WITHIN = 0.02;

export function compareReports(a: Report, b: Report): RunComparison {
  const sameScript = a.run.script === b.run.script;
  const pairs = matchSites(a, b);
  const sites = pairs.map(([sa, sb]) => compareSite(a, sa, sb, sameScript));
  return {
    a: sideInfo(a),
    b: sideInfo(b),
    sameScript,
    matchNote: sameScript
      ? 'Call sites are matched by file and line; a site whose line moved is matched by file, API and order.'
      : 'The runs are of different scripts: call sites in each script are matched by API and order.',
    run: runMetrics(a, b),
    verdict: verdictChange(a.verdict.quadrant, b.verdict.quadrant),
    sites,
    findings: compareFindings(a, b, pairs),
  };
}

function sideInfo(r: Report): RunSideInfo {
  return {
    script: r.run.script,
    startedAt: r.run.startedAt,
    wallMs: r.run.wallMs,
    workers: r.summary.workers,
    overrides: r.run.overrides ?? {},
  };
}

function runMetrics(a: Report, b: Report): MetricDelta[] {
  const sa = a.summary;
  const sb = b.summary;
  return [
    metric('wallMs', 'Wall time', 'ms', 'lower', sa.wallMs, sb.wallMs),
    metric('speedup', 'Speedup', 'ratio', 'higher', sa.estSpeedup, sb.estSpeedup),
    metric('efficiency', 'Efficiency', 'share', 'higher', sa.efficiency, sb.efficiency),
    metric('msPerTask', 'Compute per task', 'ms', 'neutral', sa.computeMsPerTask, sb.computeMsPerTask),
    metric('bytesPerTask', 'Bytes per task', 'bytes', 'neutral', sa.bytesPerTask, sb.bytesPerTask),
    metric('ipcShare', 'IPC share', 'share', 'lower', sa.ipcShare, sb.ipcShare),
    metric('startupMs', 'Start-up', 'ms', 'lower', sa.startupMs, sb.startupMs),
    metric(
      'peakMemoryPerWorker',
      'Peak memory per worker',
      'bytes',
      'lower',
      peakWorkerRss(a),
      peakWorkerRss(b),
    ),
    metric('workers', 'Workers', 'count', 'neutral', sa.workers, sb.workers),
    metric('tasks', 'Tasks', 'count', 'neutral', sa.tasks, sb.tasks),
  ];
}

const WORKER_ROLES = new Set(['pool-worker', 'executor-worker']);

/** The largest peak RSS of a pool worker (of any child process when no pool ran). */
export function peakWorkerRss(r: Report): number | null {
  const children = r.processes.filter((p) => p.role !== 'main' && p.peakRssBytes !== null);
  const workers = children.filter((p) => WORKER_ROLES.has(p.role));
  const from = workers.length ? workers : children;
  return from.length ? Math.max(...from.map((p) => p.peakRssBytes as number)) : null;
}

function compareSite(
  ra: Report,
  a: CallSiteReport | null,
  b: CallSiteReport | null,
  sameScript: boolean,
): SiteComparison {
  const side = (s: CallSiteReport | null): SiteSide | null =>
    s ? { id: s.id, file: s.file, line: s.line, api: s.api } : null;
  if (!a || !b) {
    return {
      match: a ? 'only-a' : 'only-b',
      a: side(a),
      b: side(b),
      metrics: [],
      verdict: verdictChange(a?.quadrant ?? null, b?.quadrant ?? null),
    };
  }
  const match: SiteMatch =
    a.file === b.file && a.line === b.line
      ? 'same'
      : !sameScript && isScript(ra, a)
        ? 'other-script'
        : 'moved';
  return {
    match,
    a: side(a),
    b: side(b),
    metrics: [
      metric('wallMs', 'Wall time', 'ms', 'lower', a.wallMs, b.wallMs),
      metric('speedup', 'Speedup', 'ratio', 'higher', a.estSpeedup, b.estSpeedup),
      metric('efficiency', 'Efficiency', 'share', 'higher', a.efficiency, b.efficiency),
      metric('msPerTask', 'Compute per task', 'ms', 'neutral', a.compute.medianMs, b.compute.medianMs),
      metric('bytesPerTask', 'Bytes per task', 'bytes', 'neutral', a.ipc.bytesPerTask, b.ipc.bytesPerTask),
      metric('ipcShare', 'IPC share', 'share', 'lower', a.ipc.share, b.ipc.share),
      metric('workers', 'Workers', 'count', 'neutral', a.workers, b.workers),
      metric('chunksize', 'Chunksize', 'count', 'neutral', a.chunksize, b.chunksize),
      metric('tasks', 'Tasks', 'count', 'neutral', a.tasks, b.tasks),
    ],
    verdict: verdictChange(a.quadrant, b.quadrant),
  };
}

function isScript(r: Report, s: CallSiteReport): boolean {
  return s.file !== '' && s.file === r.run.script;
}

/**
 * Pairs A's call sites with B's (each site at most once; unmatched ones are returned alone):
 *
 * 1. A site in the profiled script itself is keyed as "the script", so two runs of different
 *    scripts line up their main-script sites; a site in another file (an imported module) keeps
 *    its path. Sites only pair within the same key and the same API (`map`, `submit`, …).
 * 2. Same key, API and line: a pair.
 * 3. What is left of each (key, API) group, in line order: when both sides have as many, they
 *    pair in order (an edit above them shifted lines but kept their order); otherwise the closest
 *    lines pair first, so a deleted or added site stays alone instead of shifting every pair.
 *
 * The result lists B's order (then A's leftovers), so the table follows the newer run's file.
 */
export function matchSites(a: Report, b: Report): [CallSiteReport | null, CallSiteReport | null][] {
  const groupKey = (r: Report, s: CallSiteReport): string =>
    `${isScript(r, s) ? '\u0000script' : s.file}\u0001${s.api}`;
  const partnerOfB = new Map<CallSiteReport, CallSiteReport>();
  const usedA = new Set<CallSiteReport>();
  const groupsA = groupBy(a.callSites, (s) => groupKey(a, s));
  const groupsB = groupBy(b.callSites, (s) => groupKey(b, s));
  for (const [key, sitesB] of groupsB) {
    const sitesA = groupsA.get(key) ?? [];
    for (const sb of sitesB) {
      const sa = sitesA.find((s) => !usedA.has(s) && s.line === sb.line && s.file === sb.file);
      if (sa) {
        usedA.add(sa);
        partnerOfB.set(sb, sa);
      }
    }
    const leftA = sitesA.filter((s) => !usedA.has(s)).sort((x, y) => x.line - y.line);
    const leftB = sitesB.filter((s) => !partnerOfB.has(s)).sort((x, y) => x.line - y.line);
    if (leftA.length === leftB.length) {
      leftB.forEach((sb, i) => {
        usedA.add(leftA[i]);
        partnerOfB.set(sb, leftA[i]);
      });
      continue;
    }
    const candidates: [number, CallSiteReport, CallSiteReport][] = [];
    for (const sa of leftA) for (const sb of leftB) candidates.push([Math.abs(sa.line - sb.line), sa, sb]);
    candidates.sort((x, y) => x[0] - y[0] || x[1].line - y[1].line);
    for (const [, sa, sb] of candidates) {
      if (usedA.has(sa) || partnerOfB.has(sb)) continue;
      usedA.add(sa);
      partnerOfB.set(sb, sa);
    }
  }
  const pairs: [CallSiteReport | null, CallSiteReport | null][] = b.callSites.map((sb) => [
    partnerOfB.get(sb) ?? null,
    sb,
  ]);
  for (const sa of a.callSites) if (!usedA.has(sa)) pairs.push([sa, null]);
  return pairs;
}

/**
 * A finding is "the same" in both runs when it has the same id and is about the same call site
 * (matched as above) — or, for a finding about no call site, about the same line of the same
 * file, or about the whole run. Repeated findings pair one to one.
 */
function compareFindings(
  a: Report,
  b: Report,
  pairs: [CallSiteReport | null, CallSiteReport | null][],
): FindingChange[] {
  const pairOfA = new Map<string, number>();
  const pairOfB = new Map<string, number>();
  pairs.forEach(([sa, sb], i) => {
    if (sa) pairOfA.set(sa.id, i);
    if (sb) pairOfB.set(sb.id, i);
  });
  const keyOf = (r: Report, f: Finding, pairOf: Map<string, number>): string => {
    const pair = f.callSiteId !== undefined ? pairOf.get(f.callSiteId) : undefined;
    if (pair !== undefined) return `${f.id}\u0001site ${pair}`;
    if (f.file) return `${f.id}\u0001${f.file === r.run.script ? '\u0000script' : f.file}:${f.line ?? 0}`;
    return `${f.id}\u0001run`;
  };
  const left = groupBy(a.findings, (f) => keyOf(a, f, pairOfA));
  const out: FindingChange[] = [];
  for (const f of b.findings) {
    const same = left.get(keyOf(b, f, pairOfB));
    out.push({ status: same?.shift() ? 'unchanged' : 'new', finding: f });
  }
  for (const rest of left.values()) for (const f of rest) out.push({ status: 'fixed', finding: f });
  const order: Record<FindingStatus, number> = { new: 0, fixed: 1, unchanged: 2 };
  return out.sort((x, y) => order[x.status] - order[y.status]);
}

function verdictChange(a: Quadrant | null, b: Quadrant | null): VerdictChange {
  return { a, b, changed: a !== b };
}

export function metric(
  key: MetricKey,
  label: string,
  unit: MetricUnit,
  sense: MetricSense,
  a: number | null | undefined,
  b: number | null | undefined,
): MetricDelta {
  const av = num(a);
  const bv = num(b);
  const delta = av !== null && bv !== null ? bv - av : null;
  const relative = delta !== null && av !== 0 ? delta / Math.abs(av as number) : null;
  let change: MetricDelta['change'] = null;
  if (delta !== null) {
    const size = relative ?? (delta === 0 ? 0 : Infinity);
    if (Math.abs(size) < SAME_WITHIN) change = 'same';
    else if (sense === 'neutral') change = 'changed';
    else change = delta < 0 === (sense === 'lower') ? 'better' : 'worse';
  }
  return { key, label, unit, sense, a: av, b: bv, delta, relative, change };
}

function num(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}
