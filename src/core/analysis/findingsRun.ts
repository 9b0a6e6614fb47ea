/**
 * Findings about the run as a whole: crashed processes, oversubscription, Manager traffic, the
 * agent's own findings, start-up in runs without pools, and large messages on queues and pipes.
 */
import type { SiteGroup } from '../measure';
import type { ProcessInfo, Task, TraceModel } from '../model';
import {
  computeMs,
  SIGKILL,
  SIGTERM,
  signalName,
  median,
  medianKnown,
  NumberList,
  peakOverlap,
  ratio,
  sum,
  unionLength,
} from '../measure';
import type { Finding } from '../report';
import {
  HEAVY_COMPUTE_PER_STARTUP,
  LARGE_PAYLOAD_BYTES,
  MANAGER_CALLS_PER_SECOND,
  MANAGER_SHARE_OF_COMPUTE,
  MIN_RATE_WINDOW_MS,
  STARTUP_SHARE_OF_WALL,
  WAIT_SHARE_OF_COMPUTE,
  fmtBytes,
  fmtMs,
  fmtPct,
  parenthesised,
  startupWaitNote,
  fmtX,
} from '../report';

/** Roles whose SIGTERM with no task in flight is an orderly shutdown (Pool.terminate(), a manager's). */
const TERMINATED_BY_DESIGN = new Set([
  'pool-worker',
  'executor-worker',
  'manager',
  'forkserver',
  'resource-tracker',
  'uninstrumented',
  'unknown',
]);

const where = (file: string | null, line: number | null): Pick<Finding, 'file' | 'line'> =>
  file ? (line !== null ? { file, line } : { file }) : {};

function taskLabel(model: TraceModel, t: Task): string {
  const call = t.call >= 0 ? model.calls[t.call] : undefined;
  const key = t.index >= 0 ? `job ${t.job}, chunk ${t.index}` : `job ${t.job}`;
  const items = t.items !== null && t.items > 1 ? ` (${t.items} items)` : '';
  return `${key}${items}${call?.file ? ` of ${call.api}() at ${call.file}:${call.line}` : ''}`;
}

export function crashFindings(model: TraceModel): Finding[] {
  const inFlight = new Map<number, Task[]>();
  // The column, not row views: a million-task run has a handful of such tasks, if any.
  const crashedHolding = model.tasks.inFlightAtCrash;
  for (let i = 0; i < crashedHolding.length; i++) {
    if (crashedHolding[i] !== 1) continue;
    const t = model.tasks.at(i);
    const list = inFlight.get(t.worker);
    if (list) list.push(t);
    else inFlight.set(t.worker, [t]);
  }
  const out: Finding[] = [];
  for (const p of model.processes) {
    if (p.index === model.mainProcess) continue; // the program's own exit status is run.exitCode
    const lost = inFlight.get(p.index) ?? [];
    if (!crashed(p, lost.length > 0)) continue;
    const how =
      p.signal !== null ? `was killed by ${signalName(p.signal)}` : `exited with code ${p.exitCode}`;
    const pool = p.pool >= 0 ? model.pools[p.pool] : undefined;
    const what = `${p.role === 'unknown' ? 'Process' : p.role} pid ${p.pid}${pool?.file ? ` (pool at ${pool.file}:${pool.line})` : ''}`;
    const call = lost.length > 0 && lost[0].call >= 0 ? model.calls[lost[0].call] : undefined;
    const task =
      lost.length > 0
        ? ` while running task ${taskLabel(model, lost[0])}, received ${fmtMs((p.endMs ?? p.lastSeenMs ?? 0) - (lost[0].arrivalMs ?? 0))} earlier; it never returned a result` +
          (lost.length > 1 ? ` (${lost.length} tasks were in flight)` : '')
        : '';
    const rss = p.peakRssBytes !== null ? ` (its peak RSS was ${fmtBytes(p.peakRssBytes)})` : '';
    out.push({
      id: 'worker-crashed',
      severity: 'error',
      // Where it happened: the task's call, else its pool, else the line that started the process.
      ...(call
        ? where(call.file, call.line)
        : pool?.file
          ? where(pool.file, pool.line)
          : where(p.startFile, p.startLine)),
      message: `${what} ${how}${task}.`,
      advice:
        p.signal === SIGKILL
          ? `SIGKILL usually comes from the out-of-memory killer${rss} or an external kill: check dmesg, and send less ` +
            'data per task or use fewer workers. A Pool replaces a dead worker but loses its task (map() then waits ' +
            'forever); ProcessPoolExecutor raises BrokenProcessPool instead.'
          : p.signal !== null
            ? `Find what sent ${signalName(p.signal)} (a native extension crash shows as SIGSEGV/SIGABRT); ` +
              'run the task function alone on the same input to reproduce it.'
            : "Read the process's traceback on stderr; catch exceptions inside the target so a failure is reported " +
              'instead of ending the process, and check p.exitcode after join().',
    });
  }
  return out;
}

/**
 * Pool workers the pool itself ended: SIGTERM with no task in flight, after their pool's
 * close/join/terminate was called (Pool.terminate() and a `with Pool()` block's exit send SIGTERM
 * to healthy workers). Their "signal 15" is the pool's doing, not a crash.
 */
export function stoppedByPool(model: TraceModel): Set<number> {
  const holding = new Set<number>();
  const { inFlightAtCrash, worker } = model.tasks;
  for (let i = 0; i < inFlightAtCrash.length; i++) if (inFlightAtCrash[i] === 1) holding.add(worker[i]);
  const out = new Set<number>();
  for (const p of model.processes) {
    const pool = p.pool >= 0 ? model.pools[p.pool] : undefined;
    if (p.signal === SIGTERM && pool && pool.endedMs !== null && !holding.has(p.index)) out.add(p.index);
  }
  return out;
}

function crashed(p: ProcessInfo, taskInFlight: boolean): boolean {
  if (p.signal !== null) return !(p.signal === SIGTERM && !taskInFlight && TERMINATED_BY_DESIGN.has(p.role));
  return p.exitCode !== null && p.exitCode !== 0;
}

export function oversubscribedFinding(model: TraceModel, sites: readonly SiteGroup[]): Finding | null {
  const cpus = model.run?.cpuCount ?? null;
  if (cpus === null || cpus <= 0) return null;
  if (computeChains(model) <= cpus) return null;
  const { computeStartMs, computeEndMs, cpuMs, waitMs } = model.tasks.num;
  const starts = new NumberList();
  const ends = new NumberList();
  // CPU over compute wall time of the tasks whose worker read its CPU clock (tiny tasks are sampled).
  let compute = 0;
  let cpu = 0;
  let computed = 0;
  let read = 0;
  // Run-queue wait over compute wall time of the tasks whose wait was read.
  let waited = 0;
  let waitedWall = 0;
  for (let i = 0; i < model.tasks.length; i++) {
    const start = computeStartMs[i];
    const end = computeEndMs[i];
    if (Number.isNaN(start) || Number.isNaN(end)) continue;
    starts.push(start);
    ends.push(end);
    computed++;
    if (!Number.isNaN(waitMs[i])) {
      waited += waitMs[i];
      waitedWall += end - start;
    }
    if (Number.isNaN(cpuMs[i])) continue;
    read++;
    compute += end - start;
    cpu += cpuMs[i];
  }
  // More workers than CPUs matter only where they competed: sleeping (I/O) workers do not.
  const waitShare = waitedWall > 0 ? waited / waitedWall : null;
  if (waitShare !== null && waitShare < WAIT_SHARE_OF_COMPUTE) return null;
  const { peak, at } = peakOverlap(starts.values(), ends.values());
  if (peak <= cpus) return null;
  const busy = computeStartMs.findIndex((start, i) => start <= at && at < computeEndMs[i]);
  const busyAtPeak = busy < 0 ? undefined : model.tasks.at(busy);
  const site = busyAtPeak ? sites.find((s) => s.pools.includes(busyAtPeak.pool)) : undefined;
  const biggest = [...model.pools].sort((a, b) => (b.workers ?? 0) - (a.workers ?? 0))[0];
  return {
    id: 'oversubscribed',
    severity: 'warning',
    ...(site?.file
      ? { file: site.file, line: site.line, callSiteId: site.id }
      : where(biggest?.file ?? null, biggest?.line ?? null)),
    message:
      `Up to ${peak} workers computed at once (at ${fmtMs(at)}) on ${cpus} CPUs` +
      (read === 0
        ? '.'
        : `; ${read < computed ? `the ${read} of ${computed} tasks whose CPU time was read` : 'the tasks'} got ` +
          `${fmtMs(cpu)} of CPU in ${fmtMs(compute)} of compute wall time (${fmtPct(ratio(cpu, compute))})` +
          (waitShare === null ? '.' : `, and waited for a CPU for ${fmtPct(waitShare)} of it.`)),
    advice:
      `Use at most ${cpus} workers (os.cpu_count(); Pool() and ProcessPoolExecutor() default to it), and share ` +
      'one pool instead of running several at the same time.',
  };
}

/**
 * An upper bound on how many tasks computed at once, found in one pass without sorting: the
 * workers, when each worker's compute intervals (in task order) follow one another without
 * overlap, as a worker computes one task at a time; else every task (no bound). Tasks with no
 * known worker count one each. A million-task run on fewer workers than CPUs is cleared here
 * instead of sorting two million stamps for {@link peakOverlap}.
 */
function computeChains(model: TraceModel): number {
  const { tasks } = model;
  const { computeStartMs, computeEndMs } = tasks.num;
  const lastEnd = new Float64Array(model.processes.length).fill(NaN);
  let chains = 0;
  for (let i = 0; i < tasks.length; i++) {
    const start = computeStartMs[i];
    const end = computeEndMs[i];
    if (Number.isNaN(start) || Number.isNaN(end)) continue;
    if (!(start <= end)) return tasks.length;
    const w = tasks.worker[i];
    if (w < 0) chains++;
    else if (Number.isNaN(lastEnd[w])) chains++;
    else if (!(lastEnd[w] <= start)) return tasks.length;
    if (w >= 0) lastEnd[w] = end;
  }
  return chains;
}

export function coordinationFinding(model: TraceModel, sites: readonly SiteGroup[]): Finding | null {
  const fromWorkers = model.managerCalls.filter((c) => c.process !== model.mainProcess && c.process >= 0);
  if (fromWorkers.length === 0) return null;
  const perProcess = new Map<number, number>();
  for (const c of fromWorkers) perProcess.set(c.process, (perProcess.get(c.process) ?? 0) + 1);
  let peakRate = 0;
  let peakPid = 0;
  for (const [i, calls] of perProcess) {
    const p = model.processes[i];
    const from = p.userStartMs ?? p.agentStartMs ?? 0;
    const to = p.endMs ?? p.lastSeenMs ?? from;
    const rate = (calls / Math.max(MIN_RATE_WINDOW_MS, to - from)) * 1000;
    if (rate > peakRate) [peakRate, peakPid] = [rate, p.pid];
  }
  const roundTrips = sum(fromWorkers.map((c) => c.durationMs));
  // Workers' compute: their pool tasks, plus the whole working life of plain Process children.
  let compute = 0;
  for (const t of model.tasks) compute += computeMs(t) ?? 0;
  for (const p of model.processes) {
    if (p.role === 'process' && perProcess.has(p.index) && p.userStartMs !== null && p.endMs !== null) {
      compute += p.endMs - p.userStartMs;
    }
  }
  const share = ratio(roundTrips, compute);
  const frequent = peakRate >= MANAGER_CALLS_PER_SECOND;
  const costly = share !== null && share >= MANAGER_SHARE_OF_COMPUTE;
  if (!frequent && !costly) return null;
  const methods = new Map<string, number>();
  for (const c of fromWorkers) methods.set(c.method, (methods.get(c.method) ?? 0) + 1);
  const top = [...methods]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([m, n]) => `${m} ×${n}`);
  const site = siteOfManagerCalls(model, fromWorkers, sites);
  return {
    id: 'frequent-coordination',
    severity: 'warning',
    ...(site?.file ? { file: site.file, line: site.line, callSiteId: site.id } : {}),
    message:
      `Workers made ${fromWorkers.length} Manager calls (${top.join(', ')}); pid ${peakPid} made ` +
      `${peakRate.toFixed(1)} per second; their round trips took ${fmtMs(roundTrips)}, ${fmtPct(share)} of the ` +
      `workers' ${fmtMs(compute)} of compute.`,
    advice:
      'Every Manager call is a pickled round trip to the manager process, and they add up with more workers. ' +
      'Keep state local to each worker and return it with the result (or update the shared object in batches); ' +
      'use a multiprocessing.Event or Value for a simple flag, and check it less often.',
  };
}

/** The call site whose tasks were computing when most of the workers' Manager calls were made. */
function siteOfManagerCalls(
  model: TraceModel,
  calls: readonly { process: number; startMs: number }[],
  sites: readonly SiteGroup[],
): SiteGroup | undefined {
  const votes = new Map<SiteGroup, number>();
  const siteOf = new Map<number, SiteGroup>();
  for (const s of sites) for (const i of s.tasks) siteOf.set(i, s);
  const byWorker = new Map<number, number[]>();
  model.tasks.forEach((t, i) => {
    if (t.worker < 0 || t.computeStartMs === null || t.computeEndMs === null) return;
    const list = byWorker.get(t.worker);
    if (list) list.push(i);
    else byWorker.set(t.worker, [i]);
  });
  for (const c of calls) {
    const i = (byWorker.get(c.process) ?? []).find((x) => {
      const t = model.tasks.at(x);
      return (t.computeStartMs as number) <= c.startMs && c.startMs <= (t.computeEndMs as number);
    });
    const site = i === undefined ? undefined : siteOf.get(i);
    if (site) votes.set(site, (votes.get(site) ?? 0) + 1);
  }
  return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0];
}

export function agentFindings(model: TraceModel): Finding[] {
  return model.agentFindings.map((f): Finding => {
    if (f.id === 'missing-main-guard') {
      return {
        id: f.id,
        severity: 'error',
        ...where(f.file, f.line),
        message: f.message || 'Processes were started while the main module was being imported by a child.',
        advice:
          'Wrap the code that starts processes or pools in `if __name__ == "__main__":`. Under spawn and ' +
          'forkserver every child imports the main module, so unguarded top-level code starts children again ' +
          '(a Pool keeps respawning workers that die this way).',
      };
    }
    if (f.id === 'uncaught-exception') {
      const interrupted = f.message === 'KeyboardInterrupt';
      return {
        id: f.id,
        severity: interrupted ? 'warning' : 'error',
        ...where(f.file, f.line),
        message: interrupted
          ? 'The program was interrupted here (KeyboardInterrupt: Ctrl-C or a cancel), so the run is cut short.'
          : `The program ended with an uncaught exception: ${f.message || 'unknown'}.`,
        advice: interrupted
          ? 'What ran before the interruption is in this report; the figures of calls still running are partial.'
          : 'Its traceback is on stderr. What ran before it is in this report.',
      };
    }
    return { id: f.id, severity: 'warning', ...where(f.file, f.line), message: f.message, advice: '' };
  });
}

/**
 * startup-dominated for runs with no pool tasks (Process children): the median start-up against the
 * run's wall time and against how long the children then worked.
 */
export function processStartupFinding(model: TraceModel): Finding | null {
  const children = model.processes.filter((p) => p.role === 'process' && p.startupMs !== null);
  const startup = median(children.map((p) => p.startupMs as number));
  const wait = medianKnown(children.map((p) => p.startupWaitMs));
  if (startup === null) return null;
  // Its user code, where its end is known (its exit work after it is not work).
  const lives = children.filter((p) => (p.userEndMs ?? p.endMs) !== null && p.userStartMs !== null);
  const work = median(lives.map((p) => ((p.userEndMs ?? p.endMs) as number) - (p.userStartMs as number)));
  // The wall time during which a child was starting: 60 started one after another each add theirs.
  const starting = unionLength(
    children.map((p) => [p.startCalledMs as number, p.userStartMs as number] as const),
  );
  const share = ratio(starting, model.wallMs);
  const perStartup = ratio(work, startup);
  const fewWork = perStartup !== null && perStartup < HEAVY_COMPUTE_PER_STARTUP;
  if (!fewWork && !(share !== null && share >= STARTUP_SHARE_OF_WALL)) return null;
  return {
    id: 'startup-dominated',
    severity: 'warning',
    message:
      `Starting a process took ${fmtMs(startup)}${parenthesised(`median of ${children.length}`, startupWaitNote(startup, wait))}; each then worked ` +
      `${fmtMs(work)} (${fmtX(perStartup)} its start-up; worth it from ${HEAVY_COMPUTE_PER_STARTUP}×), and ` +
      `processes were starting for ${fmtPct(share)} of the run's ${fmtMs(model.wallMs)}.`,
    advice:
      'Start a few long-lived workers and feed them through a Queue (or use one Pool) instead of a process per ' +
      'small job; use the fork or forkserver start method where it is safe.',
  };
}

/** large-payload on plain queues and pipes: messages of ≥ LARGE_PAYLOAD_BYTES on average. */
export function queuePayloadFindings(model: TraceModel): Finding[] {
  const out: Finding[] = [];
  for (const ch of model.channels) {
    if (ch.messages === 0) continue;
    const msgs = model.messages.filter((m) => m.channel === ch.index);
    // Totals from the counts; sampled records' times weighted by the messages they stand for.
    const bytes = ch.bytes / ch.messages;
    if (bytes < LARGE_PAYLOAD_BYTES) continue;
    const ser = sum(msgs.map((m) => (m.pickleMs ?? 0) * m.sendCount + (m.unpickleMs ?? 0) * m.recvCount));
    const sampled = ch.sampled ? ` (times from ${ch.recorded} sampled messages${sampledRate(model)})` : '';
    out.push({
      id: 'large-payload',
      severity: 'warning',
      ...where(ch.file, ch.line),
      message:
        `${ch.api ?? 'Channel'} ${ch.file ? `at ${ch.file}:${ch.line}` : ch.chan} carried ${ch.atLeast ? 'at least ' : ''}${ch.messages} messages ` +
        `of ${fmtBytes(bytes)} on average; pickling and unpickling them took ${fmtMs(ser)}${sampled}.`,
      advice:
        'Put paths, indices or a shared_memory block name on the queue instead of the data, and let the receiver ' +
        'load or attach to it (multiprocessing.shared_memory, numpy.memmap).',
    });
  }
  return out;
}

/** `, 1 in 17 past the first 1000` from the run's sampling rule, or nothing. */
function sampledRate(model: TraceModel): string {
  const rule = model.messageSampling;
  return rule ? `, 1 in ${rule.every} past the first ${rule.full}` : '';
}

/**
 * Child Python processes that ran without the agent (a `start` META with role `uninstrumented`:
 * subprocess.run([sys.executable, ...]), or pool workers the agent could not get into): which
 * commands, how many. Their work is in no task, so a run of only those says "no parallel work".
 */
export function uninstrumentedFinding(model: TraceModel): Finding | null {
  const children = model.processes.filter((p) => p.role === 'uninstrumented');
  if (children.length === 0) return null;
  const byCommand = new Map<string, number>();
  for (const p of children) byCommand.set(p.name ?? '?', (byCommand.get(p.name ?? '?') ?? 0) + 1);
  const shown = [...byCommand].sort((a, b) => b[1] - a[1]).slice(0, 3);
  const list = shown.map(([command, n]) => `${n}× ${command}`).join('; ');
  const more = byCommand.size > shown.length ? `; and ${byCommand.size - shown.length} other commands` : '';
  const n = children.length;
  return {
    id: 'uninstrumented-children',
    severity: 'warning',
    ...where(children[0].startFile, children[0].startLine),
    message:
      `${n} child Python ${n === 1 ? 'process' : 'processes'} ran without PoolScope: ${list}${more}. ` +
      'What they computed and sent is not in this report.',
    advice:
      'PoolScope follows multiprocessing (Pool, ProcessPoolExecutor, Process, Managers) and joblib (loky and ' +
      'multiprocessing backends). A Python started by subprocess is a program of its own: profile it on its ' +
      'own (poolscope profile <its script>), or hand its work to one of those pools.',
  };
}
