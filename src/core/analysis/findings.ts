/**
 * Findings about one call site: what was measured, with numbers, and what to change. Each rule's
 * threshold lives in thresholds.ts with the lecture-note rule it encodes.
 */
import type { TraceModel } from '../model';
import { taskEndAt, taskStartAt, siteLocation, type SiteAnalysis, groupByKey, ratio } from '../measure';
import type { Finding } from '../report';
import {
  BLOCKED_SHARE_OF_COMPUTE,
  GC_SHARE_OF_COMPUTE,
  CHUNK_COMPUTE_PER_OVERHEAD,
  HELPER_CPU_SHARE,
  IO_SHARE_OF_WORK,
  HEAVY_COMPUTE_PER_OVERHEAD,
  HEAVY_COMPUTE_PER_STARTUP,
  IMBALANCE_BUSIEST_TO_MEAN,
  IMBALANCE_MIN_BUSY_SHARE,
  IMBALANCE_TAIL_SHARE,
  LARGE_PAYLOAD_BYTES,
  MIN_CHUNKS_PER_WORKER,
  SERIALIZATION_RULE_MIN_BYTES,
  SERIALIZATION_SHARE_OF_COMPUTE,
  STARTUP_SHARE_OF_WALL,
  fmtBytes,
  fmtCount,
  fmtMs,
  fmtPct,
  parenthesised,
  startupWaitNote,
  fmtX,
} from '../report';
import { passesOverheadRule, passesStartupRule } from './verdict';
import { chunksizeCap } from '../whatif';

const CHUNKSIZE_APIS = new Set([
  'map',
  'map_async',
  'imap',
  'imap_unordered',
  'starmap',
  'starmap_async',
  'executor.map',
]);

export function siteFindings(model: TraceModel, site: SiteAnalysis): Finding[] {
  return [
    tasksTooShort(site),
    largePayload(site),
    startupDominated(site),
    loadImbalance(model, site),
    threadOversubscription(model, site),
    ioBound(site),
    coordinationBound(site),
    gcInWorkers(model, site),
    taskErrors(site),
  ].filter((f): f is Finding => f !== null);
}

/** Worker processes whose other threads (BLAS/OpenMP helpers) competed with the other workers. */
function threadOversubscription(model: TraceModel, site: SiteAnalysis): Finding | null {
  const c = site.metrics.compute;
  const cpus = model.run?.cpuCount ?? null;
  if (c.helperCpuMs === undefined || c.cpuMs <= 0 || cpus === null || cpus <= 0) return null;
  const helperShare = c.helperCpuMs / c.cpuMs;
  if (helperShare < HELPER_CPU_SHARE) return null;
  // CPUs' worth each worker kept busy while computing: its own thread plus its helpers.
  const perWorker = (c.cpuMs + c.helperCpuMs) / Math.max(1e-9, c.totalMs);
  const workers = Math.max(1, site.metrics.workersUsed);
  const wanted = workers * (1 + helperShare);
  if (wanted <= cpus) return null;
  return {
    id: 'thread-oversubscription',
    severity: 'warning',
    ...siteLocation(site),
    message:
      `While its tasks computed, each worker's other threads used ${fmtPct(helperShare)} as much CPU as the ` +
      `task itself (${fmtMs(c.helperCpuMs)} beside ${fmtMs(c.cpuMs)}): ${workers} workers of about ` +
      `${fmtX(1 + helperShare).replace('×', '')} busy threads each want ${wanted.toFixed(1)} CPUs on ${cpus} ` +
      `(each worker got ${fmtPct(perWorker)} of a CPU over its compute time), so they take turns.`,
    advice:
      'Limit each worker to one thread: set OMP_NUM_THREADS=1, OPENBLAS_NUM_THREADS=1 and MKL_NUM_THREADS=1 in ' +
      'the environment before numpy (or torch, scipy) is imported, or call ' +
      'threadpoolctl.threadpool_limits(1) in the pool initializer; or use fewer workers and let the library ' +
      'run its own threads.',
  };
}

/** Tasks that mostly wait (sleep, I/O) rather than compute. */
function ioBound(site: SiteAnalysis): Finding | null {
  const c = site.metrics.compute;
  if (c.waitMs === undefined || c.sequentialMs <= 0 || c.cpuSampled?.read === 0) return null;
  const blockedOutside = Math.max(0, c.sequentialMs - c.cpuMs);
  const share = blockedOutside / c.sequentialMs;
  if (share < IO_SHARE_OF_WORK) return null;
  return {
    id: 'io-bound',
    severity: 'info',
    ...siteLocation(site),
    message:
      `The tasks spent ${fmtPct(share)} of their ${fmtMs(c.sequentialMs)} of work off the CPU (sleeping or ` +
      `waiting on files or the network) and only ${fmtMs(c.cpuMs)} computing.`,
    advice:
      'Waiting needs no separate process: a concurrent.futures.ThreadPoolExecutor (or asyncio) overlaps the ' +
      'waits in one process, without pickling the arguments and results or starting workers; it can use more ' +
      'threads than there are CPUs.',
  };
}

/** Workers that spent their tasks collecting garbage (a forked worker walks the parent's heap). */
function gcInWorkers(model: TraceModel, site: SiteAnalysis): Finding | null {
  const c = site.metrics.compute;
  if (c.gcMs === undefined || c.totalMs <= 0) return null;
  const share = c.gcMs / c.totalMs;
  if (share < GC_SHARE_OF_COMPUTE) return null;
  const forked = site.group.pools.some((p) => model.pools[p].startMethod === 'fork');
  return {
    id: 'gc-in-workers',
    severity: 'warning',
    ...siteLocation(site),
    message:
      `The workers spent ${fmtMs(c.gcMs)} collecting garbage inside their tasks, ${fmtPct(share)} of the ` +
      `${fmtMs(c.totalMs)} compute time` +
      (forked
        ? ": a forked worker's full collections walk every object it inherited from the parent, and copy " +
          'each memory page they touch.'
        : '.'),
    advice: forked
      ? 'Call gc.freeze() in the parent just before creating the pool (Python 3.7+): the objects it holds then ' +
        'are never collected in the workers (nor copied for it). Or build large data after the pool starts, ' +
        'or in the workers themselves.'
      : 'Create fewer short-lived container objects in the task (or call gc.disable() in a pool initializer ' +
        'if the tasks make no reference cycles).',
  };
}

/** Tasks that mostly wait on a Manager, a lock or a queue they use themselves. */
function coordinationBound(site: SiteAnalysis): Finding | null {
  const c = site.metrics.compute;
  if (c.blockedMs === undefined || c.totalMs <= 0) return null;
  const share = c.blockedMs / c.totalMs;
  if (share < BLOCKED_SHARE_OF_COMPUTE) return null;
  return {
    id: 'coordination-bound',
    severity: 'warning',
    ...siteLocation(site),
    message:
      `The tasks spent ${fmtPct(share)} of their ${fmtMs(c.totalMs)} compute time blocked inside multiprocessing ` +
      `calls they made (Manager proxies, locks, queues): ${fmtMs(c.blockedMs)}, against ` +
      `${fmtMs(c.sequentialMs)} of their own work.`,
    advice:
      'Each proxy call or lock hand-off is a round trip between processes, and the workers queue for it. Keep ' +
      'state local to each task and return it with the result (merge in the parent), or update shared state ' +
      'in batches; a plain loop needs no lock at all.',
  };
}

/** The chunksize the site's calls used (its median items per task where none was given). */
const currentChunksize = (site: SiteAnalysis): number =>
  site.chunksize ?? Math.max(1, site.metrics.itemsPerTask ?? 1);

export interface ChunksizeSuggestion {
  chunksize: number;
  /** Task messages it takes. */
  messages: number;
  /** The largest chunksize that keeps MIN_CHUNKS_PER_WORKER chunks per worker. */
  cap: number;
  /** The what-if prediction of the site's wall time with it, and at the recorded setting. */
  predictedMs: number | null;
  recordedPredictionMs: number | null;
}

/**
 * The chunksize tasks-too-short suggests: the what-if model's best (whatIf.ts), or where the site
 * could not be modelled, enough items that a chunk computes CHUNK_COMPUTE_PER_OVERHEAD × the
 * per-message overhead. Either way at most ceil(items / (MIN_CHUNKS_PER_WORKER × workers)). Null
 * when that is no bigger than the chunksize already used (batching cannot help).
 */
export function suggestChunksize(site: SiteAnalysis): ChunksizeSuggestion | null {
  const m = site.metrics;
  const cap = chunksizeCap(m.items, site.workers);
  const w = site.whatIf;
  if (w && w.bestChunksize !== null) {
    const chunksize = w.bestChunksize;
    const point = w.chunksizes.find((p) => p.chunksize === chunksize);
    if (chunksize <= currentChunksize(site)) return null;
    return {
      chunksize,
      messages: Math.ceil(m.items / chunksize),
      cap,
      predictedMs: point?.wallMs ?? null,
      recordedPredictionMs: w.recorded.wallMs,
    };
  }
  const overhead = m.perMessageOverheadMs;
  if (m.compute.medianMs === null || overhead === null || m.items === 0) return null;
  const perItem = m.compute.medianMs / Math.max(1, m.itemsPerTask ?? 1);
  const need = perItem > 0 ? Math.ceil((CHUNK_COMPUTE_PER_OVERHEAD * overhead) / perItem) : Infinity;
  const chunksize = Math.max(1, Math.min(need, cap));
  return chunksize > currentChunksize(site)
    ? {
        chunksize,
        messages: Math.ceil(m.items / chunksize),
        cap,
        predictedMs: null,
        recordedPredictionMs: null,
      }
    : null;
}

function tasksTooShort(site: SiteAnalysis): Finding | null {
  const n = site.numbers;
  if (n.tasks === 0 || n.computeMsPerTask === null || passesOverheadRule(n)) return null;
  const m = site.metrics;
  const itemsEach = m.itemsPerTask === 1 ? '1 item' : `${m.itemsPerTask} items`;
  const message =
    `Median compute is ${fmtMs(n.computeMsPerTask)} per task (${itemsEach} each), only ${fmtX(n.computeToOverhead)} ` +
    `the fixed cost of a message, ${fmtMs(n.perMessageOverheadMs)} (delivery ${fmtMs(n.deliveryMs)} + ` +
    `pickling ${fmtMs(n.smallMessageSerializationMs)}); tasks should compute at least ` +
    `${HEAVY_COMPUTE_PER_OVERHEAD}× that. ${fmtCount(m.tasks)} tasks sent ${fmtCount(2 * m.tasks)} messages.`;
  const s = suggestChunksize(site);
  const perItem = (n.computeMsPerTask ?? 0) / Math.max(1, m.itemsPerTask ?? 1);
  if (!s) {
    const cap = chunksizeCap(m.items, site.workers);
    return {
      id: 'tasks-too-short',
      severity: 'warning',
      ...siteLocation(site),
      message,
      advice:
        `Batching cannot fix it here: ${fmtCount(m.items)} items over ${site.workers} workers allow at most ` +
        `${cap} ${cap === 1 ? 'item' : 'items'} per chunk while keeping ${MIN_CHUNKS_PER_WORKER} chunks per worker. ` +
        'Give each task more work (merge steps into the task function) or run this loop without a pool.',
    };
  }
  const how = CHUNKSIZE_APIS.has(site.group.api)
    ? `Pass chunksize=${s.chunksize} to ${site.group.api}()`
    : site.group.api === 'Parallel'
      ? `Pass batch_size=${s.chunksize} to joblib's Parallel()`
      : `Batch the items into lists of ${s.chunksize} and make one ${site.group.api}() call per batch`;
  const messages =
    `${fmtCount(m.items)} items go in ${fmtCount(s.messages)} task messages (and as many results) ` +
    `instead of ${fmtCount(m.tasks)}`;
  const advice =
    s.predictedMs !== null && s.recordedPredictionMs !== null
      ? `${how}: ${messages}. Replaying this run's costs, the what-if model predicts ` +
        `${fmtMs(s.predictedMs)} for this call site, against ${fmtMs(s.recordedPredictionMs)} with the ` +
        `current chunksize (measured: ${fmtMs(site.wallMs)}).`
      : `${how}: a chunk of ${fmtCount(s.chunksize)} items computes about ${fmtMs(perItem * s.chunksize)} ` +
        `(≥ ${CHUNK_COMPUTE_PER_OVERHEAD}× the overhead, or as many as still leaves ${MIN_CHUNKS_PER_WORKER} chunks ` +
        `per worker), so ${messages}.`;
  return { id: 'tasks-too-short', severity: 'warning', ...siteLocation(site), message, advice };
}

function largePayload(site: SiteAnalysis): Finding | null {
  const m = site.metrics;
  const bytes = m.ipc.bytesPerTask;
  if (bytes === null) return null;
  const serialization = m.ipc.pickleMs + m.ipc.unpickleMs;
  // Against what a loop would compute: waits for a CPU are not compute.
  const share = ratio(serialization, m.compute.sequentialMs);
  const big = bytes >= LARGE_PAYLOAD_BYTES;
  const slow =
    bytes >= SERIALIZATION_RULE_MIN_BYTES &&
    (share === null ? serialization > 0 : share >= SERIALIZATION_SHARE_OF_COMPUTE);
  if (!big && !slow) return null;
  return {
    id: 'large-payload',
    severity: 'warning',
    ...siteLocation(site),
    message:
      `Each task moves ${fmtBytes(bytes)} (in ${fmtBytes(m.ipc.bytesIn / m.tasks)}, out ${fmtBytes(m.ipc.bytesOut / m.tasks)}); ` +
      `pickling and unpickling took ${fmtMs(serialization)} in all, ${fmtPct(share)} of the ${fmtMs(m.compute.sequentialMs)} ` +
      `compute, and writing to the pipes ${fmtMs(m.ipc.transferMs)}.` +
      (big
        ? ''
        : ` That is under the ${fmtBytes(LARGE_PAYLOAD_BYTES)} per task that makes data "large" in the decision ` +
          `matrix, but serializing it already costs ${fmtPct(SERIALIZATION_SHARE_OF_COMPUTE)} or more of the compute.`),
    advice:
      'Send paths or indices instead of the data and let each worker load its own slice; for arrays, create ' +
      'a multiprocessing.shared_memory block (or a numpy.memmap file) once and send only its name, shape and ' +
      'dtype; return small results (write large outputs to files).',
  };
}

function startupDominated(site: SiteAnalysis): Finding | null {
  const n = site.numbers;
  if (n.startupMs === null || n.tasks === 0) return null;
  const share = ratio(site.metrics.startupChargedMs, site.wallMs);
  const fewCompute = !passesStartupRule(n);
  const bigShare = share !== null && share >= STARTUP_SHARE_OF_WALL;
  if (!fewCompute && !bigShare) return null;
  return {
    id: 'startup-dominated',
    severity: 'warning',
    ...siteLocation(site),
    message:
      `Starting a worker took ${fmtMs(n.startupMs)}${parenthesised(startupWaitNote(n.startupMs, n.startupWaitMs))}; each worker then computed ${fmtMs(n.computePerWorkerMs)} in all ` +
      `(${fmtX(n.computePerWorkerToStartup)} its start-up; worth it from ${HEAVY_COMPUTE_PER_STARTUP}×), and ` +
      `the start-up it bears is ${fmtPct(share)} of this call site's ${fmtMs(site.wallMs)} wall time.`,
    advice:
      'Create one pool and reuse it for all the work (not one per call or per loop iteration); use the fork or ' +
      'forkserver start method where it is safe; use fewer workers for small inputs, or give them bigger batches ' +
      '— or run this work without a pool.',
  };
}

function loadImbalance(model: TraceModel, site: SiteAnalysis): Finding | null {
  const busy = workerBusy(model, site.group.tasks);
  if (busy.size < 2) return null;
  const loads = [...busy.values()];
  const busiest = Math.max(...loads);
  const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
  if (site.wallMs <= 0 || busiest < IMBALANCE_MIN_BUSY_SHARE * site.wallMs) return null;

  // The tail: from the second-last worker's last compute end to the last one's, per call spread
  // over ≥ 2 workers; sites of one-task calls (apply_async, submit) count as one stretch.
  let { tail, wall } = tailOf(model, computedByCall(model, site.group.tasks));
  if (wall === 0) ({ tail, wall } = tailOf(model, [{ call: -1, list: site.group.tasks }]));
  const imbalance = busiest / mean;
  const tailShare = ratio(tail, wall);
  const uneven = imbalance >= IMBALANCE_BUSIEST_TO_MEAN;
  const longTail = tailShare !== null && tailShare >= IMBALANCE_TAIL_SHARE;
  if (!uneven && !longTail) return null;
  const oneItem = (site.metrics.itemsPerTask ?? 1) <= 1;
  return {
    id: 'load-imbalance',
    severity: 'warning',
    ...siteLocation(site),
    message:
      `The busiest worker computed ${fmtMs(busiest)} against a mean of ${fmtMs(mean)} over ${busy.size} workers ` +
      `(${fmtX(imbalance)})` +
      (tailShare !== null
        ? `, and for ${fmtPct(tailShare)} of the calls' wall time (${fmtMs(tail)}) only one worker was still busy.`
        : '.'),
    advice:
      (oneItem
        ? 'Tasks already go out one at a time, so the imbalance comes from their cost or their number: '
        : 'Use a smaller chunksize so that work is handed out as workers free up (imap_unordered for tasks of ' +
          'uneven cost), and ') +
      'submit the most expensive items first (sort by expected cost), split the largest ones, and give each ' +
      'worker several tasks.',
  };
}

/**
 * Compute time by worker (process index) over the tasks that have a compute interval and a worker,
 * in the order the workers are first seen. By index in typed arrays: a Map entry update per task
 * cost ~100 ms over a million tasks.
 */
function workerBusy(model: TraceModel, taskIndices: ArrayLike<number>): Map<number, number> {
  const { tasks } = model;
  const { computeStartMs, computeEndMs } = tasks.num;
  const total = new Float64Array(model.processes.length);
  const seen = new Uint8Array(model.processes.length);
  const order: number[] = [];
  for (let k = 0; k < taskIndices.length; k++) {
    const i = taskIndices[k];
    const c = computeEndMs[i] - computeStartMs[i];
    const worker = tasks.worker[i];
    if (Number.isNaN(c) || worker < 0) continue;
    if (seen[worker] === 0) {
      seen[worker] = 1;
      order.push(worker);
    }
    total[worker] += c;
  }
  return new Map(order.map((w) => [w, total[w]]));
}

/**
 * Those same tasks by call (in the order the calls are first seen; each call's tasks in the order
 * given), by a counting sort instead of a list per call grown task by task.
 */
function computedByCall(
  model: TraceModel,
  taskIndices: ArrayLike<number>,
): { call: number; list: ArrayLike<number> }[] {
  const { tasks } = model;
  const { computeStartMs, computeEndMs } = tasks.num;
  // Key: call + 1 (tasks of no call are call -1), or -1 to leave the task out.
  const keys = new Int32Array(taskIndices.length);
  const firstAt = new Int32Array(model.calls.length + 1).fill(-1);
  const calls: number[] = [];
  for (let k = 0; k < taskIndices.length; k++) {
    const i = taskIndices[k];
    const c = computeEndMs[i] - computeStartMs[i];
    if (Number.isNaN(c) || tasks.worker[i] < 0) {
      keys[k] = -1;
      continue;
    }
    const key = tasks.call[i] + 1;
    keys[k] = key;
    if (firstAt[key] < 0) {
      firstAt[key] = k;
      calls.push(key - 1);
    }
  }
  const { order, start } = groupByKey(keys, model.calls.length + 1);
  toTaskIndices(order, taskIndices);
  return calls.map((call) => ({ call, list: order.subarray(start[call + 1], start[call + 2]) }));
}

/** Positions in `taskIndices` replaced by the tasks there (a loop of its own: see groupByKey). */
function toTaskIndices(positions: Int32Array, taskIndices: ArrayLike<number>): void {
  for (let k = 0; k < positions.length; k++) positions[k] = taskIndices[positions[k]];
}

/** Sum of tails and of walls over groups of tasks, each group's tail counted if ≥ 2 workers ran it. */
function tailOf(
  model: TraceModel,
  groups: { call: number; list: ArrayLike<number> }[],
): { tail: number; wall: number } {
  let tail = 0;
  let wall = 0;
  const { tasks } = model;
  const { computeEndMs } = tasks.num;
  // By worker: its last compute end in the group, and whether it ran any of the group's tasks.
  const lastEnd = new Float64Array(model.processes.length);
  const ran = new Uint8Array(model.processes.length);
  for (const { call, list } of groups) {
    lastEnd.fill(-Infinity);
    ran.fill(0);
    const workers: number[] = [];
    let start = Infinity;
    let end = -Infinity;
    for (let k = 0; k < list.length; k++) {
      const i = list[k];
      const worker = tasks.worker[i];
      const computeEnd = computeEndMs[i];
      if (!Number.isNaN(computeEnd) && worker >= 0) {
        if (ran[worker] === 0) {
          ran[worker] = 1;
          workers.push(worker);
        }
        lastEnd[worker] = Math.max(lastEnd[worker], computeEnd);
      }
      const taskStart = taskStartAt(tasks, i);
      const taskEnd = taskEndAt(tasks, i);
      if (!Number.isNaN(taskStart)) start = Math.min(start, taskStart);
      if (!Number.isNaN(taskEnd)) end = Math.max(end, taskEnd);
    }
    if (workers.length < 2) continue;
    const ends = workers.map((w) => lastEnd[w]).sort((a, b) => b - a);
    tail += ends[0] - ends[1];
    const c = call >= 0 ? model.calls[call] : undefined;
    wall += Math.max(end, c?.endMs ?? -Infinity) - Math.min(start, c?.startMs ?? Infinity);
  }
  return { tail, wall };
}

function taskErrors(site: SiteAnalysis): Finding | null {
  const m = site.metrics;
  if (m.errors === 0) return null;
  return {
    id: 'task-errors',
    severity: 'error',
    ...siteLocation(site),
    message:
      `${fmtCount(m.errors)} of ${fmtCount(m.tasks)} tasks raised an exception` +
      (m.firstError ? `; the first: ${m.firstError}` : '') +
      '.',
    advice:
      'Fix or handle the exception inside the task function. Pool.map and executor.map re-raise the first ' +
      'failure in the parent and the other results are lost; with apply_async/submit, call .get()/.result() ' +
      '(or check .exception()) on every result so that no failure goes unnoticed.',
  };
}
