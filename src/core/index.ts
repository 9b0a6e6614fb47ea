/**
 * The PoolScope analysis core: read a trace (a live run directory or a `.pstrace` file), build the
 * model, analyse it, export it. Pure TypeScript on node built-ins; the reading functions need
 * `node:fs`, the rest runs anywhere (webview included).
 */
import * as fs from 'node:fs';
import { analyze } from './analysis';
import { readContainer, readRunDir } from './files';
import { buildModel, loadContainerModel } from './live';
import type { TraceModel } from './model';
import type { TraceRecords } from './trace';
import type { Report } from './report';

export { analyze } from './analysis';
export { buildModel } from './live';
export { toChromeTrace, type ChromeTrace, type ChromeTraceEvent } from './export';
export { packRunDir, readContainer, readContainerBytes, type PackResult } from './files';
export { CONTAINER_VERSION, FORMAT_VERSION } from './trace';
export type * from './model';
export { appendRecords, countRecords, emptyRecords } from './trace';
export type { MetaRecord, RecordChunk, StreamInfo, TraceRecords } from './trace';
export type * from './report';
export { reportLanes } from './export';
export * as thresholds from './report';
export { readRunDir, TraceTail, type TraceTailOptions } from './files';

/** Reads a run directory (as it is now) or a `.pstrace` file. */
export function loadRecords(dirOrFile: string): TraceRecords {
  return fs.statSync(dirOrFile).isDirectory() ? readRunDir(dirOrFile) : readContainer(dirOrFile);
}

/**
 * Reads and models a run directory or a `.pstrace` file. A file is modelled as it is read, a piece
 * at a time (loadRecords + buildModel would hold all of it while its tasks are joined).
 */
export function loadModel(dirOrFile: string): TraceModel {
  return fs.statSync(dirOrFile).isDirectory()
    ? buildModel(readRunDir(dirOrFile))
    : loadContainerModel(dirOrFile);
}

/** Reads, models and analyses a run directory or a `.pstrace` file. */
export function loadRun(dirOrFile: string): { model: TraceModel; report: Report } {
  const model = loadModel(dirOrFile);
  return { model, report: analyze(model) };
}
export {
  compareReports,
  matchSites,
  peakWorkerRss,
  type FindingChange,
  type MetricDelta,
  type RunComparison,
  type SiteComparison,
} from './compare';
export {
  defaultWorkerCounts,
  parseCountList,
  sweepResult,
  type PredictedPoint,
  type SweepKind,
  type SweepPoint,
  type SweepResult,
  type SweepRun,
} from './whatif';
