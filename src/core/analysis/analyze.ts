/**
 * TraceModel → Report: call sites with their metrics and verdicts, the run's summary and verdict,
 * findings, processes, queues and Manager calls.
 */
import {
  groupCallSites,
  siteWallMs,
  type SiteGroup,
  measureTasks,
  metricsContext,
  type MetricsContext,
  median,
  medianKnown,
  ratio,
  readingsUpTo,
  freeTimeAt,
  sum,
  unionLength,
  unionOf,
} from '../measure';
import { siteFindings, suggestChunksize } from './findings';
import {
  agentFindings,
  coordinationFinding,
  crashFindings,
  oversubscribedFinding,
  processStartupFinding,
  queuePayloadFindings,
  stoppedByPool,
  uninstrumentedFinding,
} from './findingsRun';
import type { TraceModel } from '../model';
import {
  CPU_BOUND_RATIO,
  type CallSiteReport,
  type Finding,
  type ManagerReport,
  type ProcessReport,
  type QueueReport,
  type Report,
  type RunInfo,
  type Summary,
  type VerdictNumbers,
} from '../report';
import { processSites, type ProcessSite } from './processSites';
import { sharedMemoryFills, sharedMemoryFinding, type SharedMemoryFill } from './sharedMemory';
import type { SiteAnalysis } from '../measure';
import { classify, reconcile, runVerdict } from './verdict';
import { runWhatIf, siteWhatIf } from '../whatif';

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

export function analyze(model: TraceModel): Report {
  const ctx = metricsContext(model);
  const cpuCount = model.run?.cpuCount ?? null;
  const groups = groupCallSites(model);
  const lives = poolLives(model, groups);
  const procSites = processSites(model);
  const parallel = parallelParts(model, groups, lives, procSites);
  const fills = sharedMemoryFills(model, parallel);
  const sites = groups.map((g) => {
    const own = ownPools(g, groups);
    const ownSpans = [...g.intervals, ...lives.filter((l) => own.includes(l.pool)).map((l) => l.span)];
    // Filling a shared block for this site's pool is part of what its parallel version took.
    const ownFills = fills.filter((f) => ownSpans.some(([a]) => Math.abs(a - f.span[1]) < 1e-6));
    const site = analyzeSite(
      ctx,
      g,
      [...ownSpans, ...ownFills.map((f) => f.span)],
      sum(own.map((p) => initializerWorkMs(model, p))),
    );
    site.whatIf = siteWhatIf(model, site);
    return site;
  });
  const findings: Finding[] = [];
  const callSites = sites.map((site) => {
    const own = siteFindings(model, site);
    findings.push(...own);
    return callSiteReport(site, cpuCount, own);
  });
  callSites.push(...procSites.map((p) => p.report));
  const filling = sharedMemoryFinding(model, fills);
  if (filling) findings.push(filling);
  // Children that die re-importing an unguarded main module are the guard finding's symptom,
  // not crashes of their own: report the cause once.
  const guardMissing = model.agentFindings.some((f) => f.id === 'missing-main-guard');
  if (!guardMissing) findings.push(...crashFindings(model));
  const over = oversubscribedFinding(model, groups);
  if (over) findings.push(over);
  const coordination = coordinationFinding(model, groups);
  if (coordination) findings.push(coordination);
  findings.push(...agentFindings(model));
  if (!findings.some((f) => f.id === 'startup-dominated')) {
    const startup = processStartupFinding(model);
    if (startup) findings.push(startup);
  }
  findings.push(...queuePayloadFindings(model));
  const unprofiled = uninstrumentedFinding(model);
  if (unprofiled) findings.push(unprofiled);
  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);

  const runSummary = summary(ctx, sites, procSites, parallel, fills);
  return {
    formatVersion: 1,
    run: runInfo(model),
    summary: runSummary,
    verdict: reconcile(
      runVerdict([
        ...sites.map((s) => ({ id: s.group.id, wallMs: s.wallMs, verdict: s.verdict })),
        ...procSites.map((p) => ({ id: p.report.id, wallMs: p.report.wallMs, verdict: p.verdict })),
      ]),
      runSummary.estSpeedup,
      runSummary.estUpperBound === true,
    ),
    findings,
    callSites,
    processes: processReports(model),
    queues: queues(model),
    managers: managers(model),
    warnings: model.warnings,
    whatIf: runWhatIf(model.wallMs, runSummary.estSequentialMs, callSites),
  };
}

/**
 * One call site. `ownSpans`: its calls, the lives of the pools only it used and the filling of
 * shared blocks for them (its span); `initializerMs`: those pools' initializer work, once.
 */
function analyzeSite(
  ctx: MetricsContext,
  group: SiteGroup,
  ownSpans: [number, number][],
  initializerMs: number,
): SiteAnalysis {
  const { model } = ctx;
  const metrics = measureTasks(ctx, group.tasks);
  const wallMs = siteWallMs(group);
  const spanMs = unionLength(ownSpans);
  const configured = group.pools.map((p) => model.pools[p].workers ?? 0);
  const workers = Math.max(0, ...configured) || metrics.workersUsed;
  const firstCall = group.calls.length > 0 ? model.calls[group.calls[0]] : undefined;
  const numbers: VerdictNumbers = {
    tasks: metrics.tasks,
    computeMsPerTask: metrics.compute.workMedianMs ?? metrics.compute.medianMs,
    perMessageOverheadMs: metrics.perMessageOverheadMs,
    deliveryMs: metrics.deliveryMs,
    smallMessageSerializationMs: metrics.smallMessageSerializationMs,
    computeToOverhead: ratio(metrics.compute.medianMs, metrics.perMessageOverheadMs),
    computePerWorkerMs: metrics.computePerWorkerMs,
    startupMs: metrics.startupMs,
    ...(metrics.startupWaitMs !== null ? { startupWaitMs: metrics.startupWaitMs } : {}),
    computePerWorkerToStartup: metrics.computePerWorkerToStartup,
    bytesPerTask: metrics.ipc.bytesPerTask,
    wallMs,
  };
  const sequentialMs = metrics.compute.sequentialMs + initializerMs;
  return {
    group,
    wallMs,
    spanMs,
    metrics,
    sequentialMs,
    numbers,
    verdict: reconcile(classify(numbers), ratio(sequentialMs, spanMs), metrics.compute.upperBound === true),
    workers,
    // joblib sizes its batches itself (batch_size='auto'): the batch its tasks carried on average.
    chunksize:
      firstCall?.chunksize ??
      (group.api === 'Parallel' && metrics.itemsPerTask ? Math.round(metrics.itemsPerTask) : null),
    whatIf: null,
  };
}

function callSiteReport(site: SiteAnalysis, cpuCount: number | null, findings: Finding[]): CallSiteReport {
  const { group, metrics } = site;
  const speedup = ratio(site.sequentialMs, site.spanMs);
  const report: CallSiteReport = {
    id: group.id,
    file: group.file,
    line: group.line,
    api: group.api,
    poolApi: group.poolApi,
    workers: site.workers,
    chunksize: site.chunksize,
    calls: group.calls.length,
    tasks: metrics.tasks,
    items: metrics.items,
    wallMs: site.wallMs,
    ...(site.spanMs !== site.wallMs ? { spanMs: site.spanMs } : {}),
    compute: metrics.compute,
    ipc: metrics.ipc,
    estSequentialMs: site.sequentialMs,
    estSpeedup: speedup,
    efficiency: ratio(speedup, parallelism(site.workers, cpuCount)),
    quadrant: site.verdict.quadrant,
    verdict: site.verdict,
    errors: metrics.errors,
    whatIf: site.whatIf,
  };
  if (findings.some((f) => f.id === 'tasks-too-short')) {
    const s = suggestChunksize(site);
    if (s) report.suggestedChunksize = s.chunksize;
  }
  return report;
}

/** min(workers, cpuCount): the cores the pool could use at once. */
function parallelism(workers: number, cpuCount: number | null): number | null {
  if (workers <= 0) return null;
  return cpuCount !== null && cpuCount > 0 ? Math.min(workers, cpuCount) : workers;
}

/**
 * The run's headline numbers. Pool tasks come first; a run whose parallel work is only
 * `Process` children (no pool task) reports its largest Process call site's figures instead.
 */
function summary(
  ctx: MetricsContext,
  sites: SiteAnalysis[],
  procSites: ProcessSite[],
  parallel: readonly [number, number][],
  fills: readonly SharedMemoryFill[],
): Summary {
  const { model } = ctx;
  const groups = sites.map((s) => s.group);
  // One call site with every task (in task order, as groups keep them): its figures are the run's.
  const m =
    sites.length === 1 && groups[0].tasks.length === model.tasks.length
      ? sites[0].metrics
      : measureTasks(
          ctx,
          new Int32Array(model.tasks.length).map((_, i) => i),
        );
  const configured = poolsUsed(model).map((p) => model.pools[p].workers ?? 0);
  const workers = Math.max(0, ...configured) || m.workersUsed;
  const poolWall = unionLength(groups.flatMap((g) => g.intervals));
  const parallelWall = sum(parallel.map(([a, b]) => b - a));
  const wall = model.wallMs;
  const procWork = sum(procSites.map((p) => p.report.compute.sequentialMs));
  const filling = sum(fills.map((f) => f.ms));
  const estSequential =
    Math.max(0, wall - parallelWall - parentCallsOutside(model, parallel, wall) - filling) +
    parentWorkIn(model, parallel) +
    m.compute.sequentialMs +
    sum(model.pools.map((p) => initializerWorkMs(model, p.index))) +
    procWork;
  const speedup = ratio(estSequential, wall);
  const workerStartups = model.processes.filter((p) => p.pool >= 0 && p.startupMs !== null);
  const startedProcs = workerStartups.length > 0 ? workerStartups : model.processes;
  const startupWait = medianKnown(startedProcs.map((p) => p.startupWaitMs));
  const procOnly = m.tasks === 0 && procSites.length > 0;
  const main = procOnly ? [...procSites].sort((a, b) => b.report.wallMs - a.report.wallMs)[0].report : null;
  return {
    wallMs: wall,
    workers: main ? main.workers : workers,
    tasks: main ? main.tasks : m.tasks,
    items: main ? main.items : m.items,
    computeMsPerTask: main
      ? main.verdict.numbers.computeMsPerTask
      : (m.compute.workMedianMs ?? m.compute.medianMs),
    bytesPerTask: main ? main.ipc.bytesPerTask : m.ipc.bytesPerTask,
    ipcMsPerTask: main ? main.ipc.perTaskMs : m.ipc.perTaskMs,
    ipcShare: main ? main.ipc.share : m.ipc.share,
    startupMs: medianKnown(startedProcs.map((p) => p.startupMs)),
    ...(startupWait !== null ? { startupWaitMs: startupWait } : {}),
    estSequentialMs: wall > 0 ? estSequential : null,
    estSpeedup: speedup,
    ...(sites.some((s) => s.metrics.compute.upperBound) ? { estUpperBound: true } : {}),
    efficiency: ratio(speedup, parallelism(main ? main.workers : workers, model.run?.cpuCount ?? null)),
    utilisation: m.tasks > 0 ? ratio(m.compute.totalMs, workers * poolWall) : null,
  };
}

/**
 * The parts of the run that a loop would not have (sorted, disjoint): the pool calls, each pool's
 * life, each `Process` call site's and each Manager's.
 */
function parallelParts(
  model: TraceModel,
  groups: readonly SiteGroup[],
  lives: readonly { pool: number; span: [number, number] }[],
  procSites: readonly ProcessSite[],
): [number, number][] {
  return unionOf([
    ...groups.flatMap((g) => g.intervals),
    ...lives.map((l) => l.span),
    ...procSites.map((p) => p.interval),
    ...managerLives(model),
  ]);
}

/**
 * Each pool's life: from its creation to its last close/join/terminate/shutdown, or, for a pool
 * never closed, to the end of its last call. A loop would pay none of it: creating the pool,
 * starting its workers and stopping them are the parallel version's own cost.
 */
function poolLives(
  model: TraceModel,
  groups: readonly SiteGroup[],
): { pool: number; span: [number, number] }[] {
  const lastEnd = new Float64Array(model.pools.length).fill(-Infinity);
  for (const g of groups) {
    const end = Math.max(...g.intervals.map((iv) => iv[1]));
    for (const p of g.pools) lastEnd[p] = Math.max(lastEnd[p], end);
  }
  const lives: { pool: number; span: [number, number] }[] = [];
  for (const pool of model.pools) {
    const start = pool.createStartMs ?? pool.createdMs;
    const end = pool.endedMs ?? (Number.isFinite(lastEnd[pool.index]) ? lastEnd[pool.index] : pool.createdMs);
    if (start !== null && end !== null && end > start) lives.push({ pool: pool.index, span: [start, end] });
  }
  return lives;
}

/** The pools that only `group` used (no other site made calls on them). */
function ownPools(group: SiteGroup, groups: readonly SiteGroup[]): number[] {
  return group.pools.filter((p) => !groups.some((g) => g !== group && g.pools.includes(p)));
}

/**
 * A pool's initializer work, once: a loop builds what the initializer builds (a table, a model)
 * once, where the pool builds it in every worker, so one run of it is the program's work and the
 * others are the parallel version's cost. The median over the workers that ran it of its wall time
 * less its wait for a CPU (where no wait was read: its CPU time if CPU-bound, else its wall time).
 */
function initializerWorkMs(model: TraceModel, pool: number): number {
  const runs = model.processes.filter((p) => p.pool === pool && p.init !== null).map((p) => p.init!);
  const work = runs.map((i) =>
    i.waitMs !== null
      ? Math.max(0, i.wallMs - i.waitMs)
      : i.cpuMs >= CPU_BOUND_RATIO * i.wallMs
        ? i.cpuMs
        : i.wallMs,
  );
  return median(work) ?? 0;
}

/** Managers' lives, start() to their end: like a pool, a loop would need none. */
function managerLives(model: TraceModel): [number, number][] {
  return model.processes
    .filter((p) => p.role === 'manager' && p.startCalledMs !== null)
    .map((p): [number, number] => {
      const start = p.startCalledMs as number;
      return [start, Math.max(p.endMs ?? p.lastSeenMs ?? start, p.joinedMs ?? start)];
    });
}

/**
 * How long the main thread spent inside multiprocessing calls outside the parallel parts of the
 * run (`parts`, sorted and disjoint): making locks, queues, pipes and shared values between the
 * processes it starts, say. A loop would make none, so this leaves the sequential estimate
 * (model.parentFree). Between readings the thread is taken to be outside such calls, as it is
 * at the run's start; older traces (no readings) count nothing.
 */
function parentCallsOutside(model: TraceModel, parts: readonly [number, number][], wallMs: number): number {
  const samples = model.parentFree;
  if (samples.length === 0) return 0;
  const freeAt = (t: number): number => freeTimeAt(samples, t);
  let inside = 0;
  let from = 0;
  for (const [a, b] of [...parts, [wallMs, wallMs] as [number, number]]) {
    if (a > from) inside += Math.min(a - from, Math.max(0, a - from - (freeAt(a) - freeAt(from))));
    from = Math.max(from, b);
  }
  return inside;
}

/**
 * The main process's own work inside the parallel parts of the run (producing the items,
 * consuming the results): its main thread's CPU outside multiprocessing calls over each part
 * (model.parentCpu), less the page faults it took there once the process had forked
 * (model.parentFaults, each at model.faultCostMs: the copy-on-write faults a fork brings, which
 * a loop does not take). A part whose edges have no reading before them counts nothing.
 */
function parentWorkIn(model: TraceModel, parts: readonly [number, number][]): number {
  const samples = model.parentCpu;
  if (samples.length === 0) return 0;
  // The reading at or before `t` (edges are mostly readings' own stamps), NaN if none.
  const at = (readings: readonly [number, number][], t: number, before = NaN): number => {
    const n = readingsUpTo(readings, t);
    return n > 0 ? readings[n - 1][1] : before;
  };
  const faultMs = model.faultCostMs ?? 0;
  let work = 0;
  for (const [a, b] of parts) {
    // Faults are counted from the first fork, 0 before it.
    const faults = at(model.parentFaults, b, 0) - at(model.parentFaults, a, 0);
    const done = at(samples, b) - at(samples, a) - (faults > 0 ? faults * faultMs : 0);
    if (done > 0) work += done; // false for NaN
  }
  return work;
}

/** The pools that ran tasks (marked by index: a Set of a million entries took ~60 ms). */
function poolsUsed(model: TraceModel): number[] {
  const seen = new Uint8Array(model.pools.length);
  for (let i = 0; i < model.tasks.length; i++) seen[model.tasks.pool[i]] = 1;
  return model.pools.map((_, p) => p).filter((p) => seen[p] === 1);
}

/**
 * How the program really started its workers: the start methods of its pool, executor and
 * Process children ("spawn", or "fork + spawn" for a mix); null where it started none, and the
 * platform's default stands.
 */
function startMethodsUsed(model: TraceModel): string | null {
  const used = new Set<string>();
  for (const p of model.processes) {
    const worker = p.role === 'pool-worker' || p.role === 'executor-worker' || p.role === 'process';
    if (worker && p.startMethod) used.add(p.startMethod);
  }
  return used.size > 0 ? [...used].sort().join(' + ') : null;
}

function runInfo(model: TraceModel): RunInfo {
  const r = model.run;
  const main = model.mainProcess >= 0 ? model.processes[model.mainProcess] : undefined;
  return {
    script: r?.script ?? '',
    ...(r?.module ? { module: r.module } : {}),
    argv: r?.argv ?? [],
    cwd: r?.cwd ?? '',
    python: r?.python ?? '',
    startMethod: startMethodsUsed(model) ?? r?.startMethod ?? '',
    cpuCount: r?.cpuCount ?? 0,
    wallMs: model.wallMs,
    startedAt: model.startedAt ?? '',
    exitCode: main?.exitCode ?? null,
    signal: main?.signal ?? null,
    overrides: r?.overrides ?? {},
  };
}

function processReports(model: TraceModel): ProcessReport[] {
  const stopped = stoppedByPool(model);
  return model.processes.map((p) => ({
    ...processReport(p),
    ...(stopped.has(p.index) ? { stoppedByPool: true } : {}),
  }));
}

function processReport(p: TraceModel['processes'][number]): ProcessReport {
  return {
    pid: p.pid,
    ppid: p.ppid,
    role: p.role,
    name: p.name,
    startMethod: p.startMethod,
    startupMs: p.startupMs,
    ...(p.startupWaitMs !== null ? { startupWaitMs: p.startupWaitMs } : {}),
    cpuMs: p.cpuMs,
    peakRssBytes: p.peakRssBytes,
    exitCode: p.exitCode,
    signal: p.signal,
  };
}

function queues(model: TraceModel): QueueReport[] {
  const out: QueueReport[] = model.channels.map((ch) => ({
    chan: ch.chan,
    api: ch.api ?? 'unknown',
    ...(ch.file ? { file: ch.file, line: ch.line ?? 0 } : {}),
    // Totals from the agent's counts: every message, sampled or not.
    messages: ch.messages,
    bytes: ch.bytes,
    pickleMs: 0,
    unpickleMs: 0,
    senders: [],
    receivers: [],
  }));
  for (const m of model.messages) {
    const q = out[m.channel];
    // A sampled record's time stands for the messages it counts (1 when nothing was sampled).
    q.pickleMs += (m.pickleMs ?? 0) * m.sendCount;
    q.unpickleMs += (m.unpickleMs ?? 0) * m.recvCount;
    const sender = m.sender >= 0 ? model.processes[m.sender].pid : undefined;
    const receiver = m.receiver >= 0 ? model.processes[m.receiver].pid : undefined;
    if (sender !== undefined && !q.senders.includes(sender)) q.senders.push(sender);
    if (receiver !== undefined && !q.receivers.includes(receiver)) q.receivers.push(receiver);
  }
  model.channels.forEach((ch, i) => {
    if (!ch.sampled) return;
    const rule = model.messageSampling;
    out[i].sampled = {
      recorded: ch.recorded,
      total: ch.messages,
      full: rule?.full ?? null,
      every: rule?.every ?? null,
      atLeast: ch.atLeast,
    };
  });
  return out;
}

function managers(model: TraceModel): ManagerReport[] {
  const groups = new Map<string, { pid: number; method: string; durations: number[] }>();
  for (const c of model.managerCalls) {
    const pid = c.process >= 0 ? model.processes[c.process].pid : 0;
    const key = `${pid}\u0000${c.method}`;
    const g = groups.get(key) ?? { pid, method: c.method, durations: [] };
    g.durations.push(c.durationMs);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({
    pid: g.pid,
    method: g.method,
    calls: g.durations.length,
    totalMs: sum(g.durations),
    medianMs: median(g.durations) ?? 0,
  }));
}
