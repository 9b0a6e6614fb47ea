/**
 * What the static HTML report shows beyond the Report itself, formatted here with the same units
 * (and, for the what-if, the same sentence) as the panel and the CLI summary, so the page's own
 * script only places text: the verdict's numbers, the what-if, and CPU/memory per process.
 */
import type { Report, VerdictNumbers, WhatIfPoint } from '../report';
import {
  fmtBytes,
  fmtMs,
  fmtX,
  HEAVY_COMPUTE_PER_OVERHEAD,
  HEAVY_COMPUTE_PER_STARTUP,
  LARGE_PAYLOAD_BYTES,
  matrixCell,
  QUADRANT_TITLES,
  whatIfSummary,
} from '../report';

/** One CPU/memory reading of a process (pidusage), `t` in ms from the run's origin. */
export interface UsageSample {
  pid: number;
  t: number;
  /** Percent of one core. */
  cpu: number;
  memoryBytes: number;
}

export interface UsageSeries {
  pid: number;
  label: string;
  t: number[];
  cpu: number[];
  mem: number[];
}

export interface WhatIfTable {
  title: string;
  summary: string;
  /** workers, chunksize, predicted wall time, speedup: as the panel's "Predicted figures". */
  rows: string[][];
}

export interface HtmlReportView {
  /** The numbers behind the verdict: what was measured, and the rule it was held to. */
  reasons: [string, string, string][];
  /** Set where the measured speedup overruled the matrix's cell. */
  matrixNote: string | null;
  /** The matrix cell the run's verdict marks (matrixCell: an overruled verdict keeps its cell). */
  runCell: string;
  /** Each call site's cell, with what the measurement said where it overruled the cell. */
  siteCells: { where: string; cell: string; overruledBy: string | null }[];
  whatIf: WhatIfTable[];
  usage: UsageSeries[];
}

export function htmlReportView(report: Report, usage: readonly UsageSample[] = []): HtmlReportView {
  const v = report.verdict;
  return {
    reasons: v.quadrant === 'no-parallel-work' ? [] : reasons(v.numbers),
    matrixNote: v.matrix
      ? `The matrix alone put it in "${QUADRANT_TITLES[v.matrix] ?? v.matrix}"; the measured speedup overruled that.`
      : null,
    runCell: matrixCell(v),
    siteCells: report.callSites.map((c) => ({
      where: `${c.file}:${c.line}`,
      cell: matrixCell(c.verdict),
      overruledBy: c.verdict.matrix ? (QUADRANT_TITLES[c.verdict.quadrant] ?? c.verdict.quadrant) : null,
    })),
    whatIf: whatIfTables(report),
    usage: usageSeries(report, usage),
  };
}

function reasons(n: VerdictNumbers): [string, string, string][] {
  return [
    ['tasks', String(n.tasks), ''],
    ['wall time judged', fmtMs(n.wallMs), ''],
    ['compute per task (median)', fmtMs(n.computeMsPerTask), ''],
    [
      'fixed cost per message',
      fmtMs(n.perMessageOverheadMs),
      `delivery ${fmtMs(n.deliveryMs)} + pickling small messages ${fmtMs(n.smallMessageSerializationMs)}`,
    ],
    ['compute / message cost', fmtX(n.computeToOverhead), `heavy at ≥ ${HEAVY_COMPUTE_PER_OVERHEAD}×`],
    ['compute per worker', fmtMs(n.computePerWorkerMs), ''],
    [
      'start-up per worker',
      fmtMs(n.startupMs),
      n.startupWaitMs ? `not counting ${fmtMs(n.startupWaitMs)} waiting for a CPU` : '',
    ],
    [
      'compute per worker / start-up',
      fmtX(n.computePerWorkerToStartup),
      `heavy at ≥ ${HEAVY_COMPUTE_PER_STARTUP}×`,
    ],
    ['bytes per task', fmtBytes(n.bytesPerTask), `large at ≥ ${fmtBytes(LARGE_PAYLOAD_BYTES)}`],
  ];
}

const row = (p: WhatIfPoint): string[] => [
  String(p.workers),
  p.chunksize === null ? '–' : String(p.chunksize),
  fmtMs(p.wallMs),
  fmtX(p.speedup),
];

function whatIfTables(report: Report): WhatIfTable[] {
  const out: WhatIfTable[] = [];
  if (report.whatIf && report.callSites.filter((s) => s.whatIf).length > 1) {
    out.push({
      title: 'Whole run',
      summary: `Recommended: ${report.whatIf.recommendedWorkers} workers for every modelled call site together.`,
      rows: report.whatIf.workers.map(row),
    });
  }
  for (const site of report.callSites) {
    const w = site.whatIf;
    if (!w) continue;
    const other = w.chunksizes.filter(
      (q) => q.chunksize !== w.recorded.chunksize || q.workers !== w.recorded.workers,
    );
    out.push({
      title: `${site.file || site.id}:${site.line} · ${site.api}`,
      summary: whatIfSummary(site, report.run.cpuCount),
      rows: [...w.workers, ...other].map(row),
    });
  }
  return out;
}

function usageSeries(report: Report, usage: readonly UsageSample[]): UsageSeries[] {
  const byPid = new Map<number, UsageSeries>();
  const roles = new Map(report.processes.map((p) => [p.pid, p.role]));
  for (const s of [...usage].sort((a, b) => a.t - b.t)) {
    let series = byPid.get(s.pid);
    if (!series) {
      const role = roles.get(s.pid);
      series = { pid: s.pid, label: `${role ?? 'process'} ${s.pid}`, t: [], cpu: [], mem: [] };
      byPid.set(s.pid, series);
    }
    series.t.push(round(s.t, 1));
    series.cpu.push(round(s.cpu, 1));
    series.mem.push(Math.round(s.memoryBytes));
  }
  return [...byPid.values()].sort((a, b) => a.pid - b.pid);
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;
