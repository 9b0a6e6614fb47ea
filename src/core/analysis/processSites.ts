/**
 * `Process(target=…)` children as parallel work (lecture 25's Examples 25.1 and 25.2): without a
 * pool there are no task messages, but each started process is a unit of work whose compute,
 * start-up and queue traffic the trace holds. Processes started from the same user line form one
 * call site, judged by the same decision matrix as pool call sites:
 * - a "task" is a message a process received (the producer/consumer pattern), or the process
 *   itself when it received none;
 * - compute is what a loop would do of the processes' work: their time in user code less the
 *   time their main thread waited for a CPU or blocked in multiprocessing calls (queues, locks,
 *   Managers: their `exit` META), else their CPU time, else their wall time in user code;
 * - the per-message overhead is the median pickle + unpickle time of their messages (the Manager
 *   round trip when they only talk to a Manager);
 * - bytes per task are the pickled bytes of the messages they sent and received.
 */
import type { Message, ProcessInfo, TraceModel } from '../model';
import type { CallSiteReport, Verdict, VerdictNumbers } from '../report';
import { median, medianKnown, quantileOfSorted, ratio, sum } from '../measure';
import { classify, reconcile } from './verdict';

export interface ProcessSite {
  report: CallSiteReport;
  /** [first start() call, last end or join() of one of them] of its processes, ms. */
  interval: [number, number];
  verdict: Verdict;
}

/**
 * What a loop would do of a child's work. A forked child's page faults (`faults`, each at the
 * main thread's measured `faultMs`) are the fork's cost: the parent's pages it writes fault once
 * each, and so does its fresh heap, where a loop reuses its own.
 */
const workOf = (p: ProcessInfo, faultMs: number): number | null => {
  const end = p.userEndMs ?? p.endMs;
  const wall = p.userStartMs !== null && end !== null ? Math.max(0, end - p.userStartMs) : null;
  const faulting = (p.faults ?? 0) * faultMs;
  if (wall !== null && p.waitMs !== null) return Math.max(0, wall - p.waitMs - (p.blockedMs ?? 0) - faulting);
  if (p.cpuMs !== null) return wall !== null ? Math.min(p.cpuMs, wall) : p.cpuMs;
  return wall;
};

export function processSites(model: TraceModel): ProcessSite[] {
  const groups = new Map<string, ProcessInfo[]>();
  for (const p of model.processes) {
    if (p.role !== 'process' || p.startCalledMs === null) continue;
    const key =
      p.startFile && p.startLine !== null ? `${p.startFile}:${p.startLine}` : `target ${p.target ?? '?'}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const cpuCount = model.run?.cpuCount ?? null;
  return [...groups.entries()].map(([id, procs]) => siteOf(model, id, procs, cpuCount));
}

function siteOf(model: TraceModel, id: string, procs: ProcessInfo[], cpuCount: number | null): ProcessSite {
  const members = new Set(procs.map((p) => p.index));
  const received = model.messages.filter((m) => members.has(m.receiver));
  const sent = model.messages.filter((m) => members.has(m.sender));
  const traffic = [...received, ...sent];
  const mgr = model.managerCalls.filter((c) => members.has(c.process));
  const works = procs.map((p) => workOf(p, model.faultCostMs ?? 0)).filter((w): w is number => w !== null);
  const totalWork = sum(works);
  // Sampled messages (a flood) stand for the ones recorded only as counts: weighted by those.
  const receivedCount = sum(received.map((m) => m.recvCount));
  const tasks = received.length > 0 ? receivedCount : procs.length;
  const serialization = traffic.map(serializationMs).filter((v): v is number => v !== null);
  const pickle = sum(traffic.map((m) => (m.pickleMs ?? 0) * m.sendCount));
  const unpickle = sum(traffic.map((m) => (m.unpickleMs ?? 0) * m.recvCount));
  const transfer =
    sum(traffic.map((m) => (m.writeMs ?? 0) * m.sendCount)) + sum(mgr.map((c) => c.durationMs));
  const ipc = pickle + unpickle + transfer;
  const bytesIn = sum(received.map((m) => m.recvCountBytes));
  const bytesOut = sum(sent.map((m) => m.sendCountBytes));
  const start = Math.min(...procs.map((p) => p.startCalledMs ?? Infinity));
  const end = Math.max(...procs.map((p) => Math.max(p.endMs ?? p.lastSeenMs ?? start, p.joinedMs ?? start)));
  const wallMs = Math.max(0, end - start);
  const startupMs = medianKnown(procs.map((p) => p.startupMs));
  const startupWait = medianKnown(procs.map((p) => p.startupWaitMs));
  const computePerTask = works.length > 0 ? totalWork / tasks : null;
  const overhead = median(serialization) ?? median(mgr.map((c) => c.durationMs));
  const computePerWorker = ratio(totalWork, procs.length);
  const numbers: VerdictNumbers = {
    tasks,
    computeMsPerTask: computePerTask,
    perMessageOverheadMs: overhead,
    deliveryMs: null,
    smallMessageSerializationMs: median(serialization),
    computeToOverhead: ratio(computePerTask, overhead),
    computePerWorkerMs: computePerWorker,
    startupMs,
    ...(startupWait !== null ? { startupWaitMs: startupWait } : {}),
    computePerWorkerToStartup: ratio(computePerWorker, startupMs),
    bytesPerTask: traffic.length > 0 ? (bytesIn + bytesOut) / tasks : 0,
    wallMs,
  };
  const verdict = reconcile(classify(numbers), ratio(totalWork, wallMs));
  const first = procs[0];
  const speedup = ratio(totalWork, wallMs);
  const parallel = cpuCount ? Math.min(procs.length, cpuCount) : procs.length;
  const sortedWorks = [...works].sort((a, b) => a - b);
  const report: CallSiteReport = {
    id,
    file: first.startFile ?? '',
    line: first.startLine ?? 0,
    api: 'Process.start',
    poolApi: 'Process',
    workers: procs.length,
    chunksize: null,
    calls: procs.length,
    tasks,
    items: tasks,
    wallMs,
    compute: {
      medianMs: computePerTask,
      p95Ms: quantileOfSorted(sortedWorks, 0.95),
      totalMs: totalWork,
      cpuMs: sum(procs.map((p) => p.cpuMs ?? 0)),
      sequentialMs: totalWork,
    },
    ipc: {
      perTaskMs: tasks > 0 ? ipc / tasks : null,
      pickleMs: pickle,
      unpickleMs: unpickle,
      transferMs: transfer,
      bytesPerTask: numbers.bytesPerTask,
      bytesIn,
      bytesOut,
      share: ratio(ipc, ipc + totalWork),
      ...sampledOf(received, sent),
    },
    estSequentialMs: totalWork,
    estSpeedup: speedup,
    efficiency: ratio(speedup, parallel),
    quadrant: verdict.quadrant,
    verdict,
    errors: procs.filter((p) => (p.exitCode !== null && p.exitCode !== 0) || p.signal !== null).length,
    whatIf: null,
  };
  return { report, interval: [start, end], verdict };
}

/** `{sampled: {recorded, total}}` when some of this traffic was recorded as counts only. */
function sampledOf(received: Message[], sent: Message[]): { sampled?: { recorded: number; total: number } } {
  const recorded = received.length + sent.length;
  const total = sum(received.map((m) => m.recvCount)) + sum(sent.map((m) => m.sendCount));
  return total > recorded ? { sampled: { recorded, total } } : {};
}

function serializationMs(m: Message): number | null {
  return m.pickleMs !== null && m.unpickleMs !== null ? m.pickleMs + m.unpickleMs : null;
}
