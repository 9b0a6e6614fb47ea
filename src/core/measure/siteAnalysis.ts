/** What the analysis knows about one call site: its tasks' metrics and its verdict. */
import type { SiteGroup } from './callSites';
import type { TaskMetrics } from './measureTasks';
import type { Finding, SiteWhatIf, Verdict, VerdictNumbers } from '../report';

export interface SiteAnalysis {
  group: SiteGroup;
  wallMs: number;
  /**
   * wallMs with the lives of the pools only this site used and the filling of shared blocks just
   * before them (CallSiteReport.spanMs).
   */
  spanMs: number;
  metrics: TaskMetrics;
  /**
   * What a loop would take for it: the tasks' sequential work plus, once, the initializer work of
   * the pools only this site used (a loop builds what an initializer builds once; see
   * initializerWorkMs).
   */
  sequentialMs: number;
  numbers: VerdictNumbers;
  verdict: Verdict;
  /** Configured workers of its pool(s) (workers used if no pool says). */
  workers: number;
  /** The chunksize its calls asked for (the first call's), if any. */
  chunksize: number | null;
  /** Predictions for other settings (whatIf.ts); null when its tasks could not be modelled. */
  whatIf: SiteWhatIf | null;
}

/** The `file`/`line`/`callSiteId` of a finding about this site (omitted where unknown). */
export function siteLocation(site: SiteAnalysis): Pick<Finding, 'file' | 'line' | 'callSiteId'> {
  const { file, line, id } = site.group;
  return file ? { file, line, callSiteId: id } : { callSiteId: id };
}
