/**
 * What-if predictions: a call site's recorded tasks replayed through a model of how a pool hands
 * out work (poolSim.ts), for other worker counts and chunksizes, and the settings to recommend.
 * docs/what-if.md explains the model and what it leaves out. {@link siteWorkload} is the one place
 * that reads the trace.
 */
import type { TraceModel, NumberColumns } from '../model';
import {
  chunksizeFor,
  cpuShare,
  GroupDemand,
  otherLoad,
  simulate,
  type Batch,
  type Chunking,
  type Cost,
  type Workload,
} from './poolSim';
import type { RunWhatIf, SiteWhatIf, WhatIfPoint } from '../report';
import type { SiteAnalysis } from '../measure';
import {
  ratio,
  cadences,
  cpuTally,
  fillSpan,
  handOutOrder,
  itemTotal,
  modelledTasks,
  sampleMedian,
} from '../measure';
import { MIN_CHUNKS_PER_WORKER, SMALL_MESSAGE_BYTES } from '../report';

const scaleCost = (c: Cost, by: number): Cost => ({ fixedMs: c.fixedMs * by, perItemMs: c.perItemMs * by });

/**
 * Over the kept tasks whose run-queue wait was read: (compute − wait) / compute, the share of a
 * CPU their compute time was not spent queueing for; null where no wait was read (older traces).
 */
function waitTally(num: NumberColumns, kept: Int32Array): { share: number } | null {
  const { computeStartMs, computeEndMs, waitMs } = num;
  let wall = 0;
  let wait = 0;
  for (let k = 0; k < kept.length; k++) {
    const i = kept[k];
    if (Number.isNaN(waitMs[i])) continue;
    wall += computeEndMs[i] - computeStartMs[i];
    wait += waitMs[i];
  }
  return wall > 0 ? { share: Math.max(0, wall - wait) / wall } : null;
}

/**
 * Tasks that ran at least this share of their compute time on a CPU count as CPU-bound here. It is
 * lower than the report's CPU_BOUND_RATIO: under load, CPU-bound tasks get a fraction of a core
 * (a fixture recorded on a busy 2-core machine showed 0.47), while tasks that wait on I/O or sleep
 * show a few percent. Treating such work as waiting would predict that more workers than cores help.
 */
const WHATIF_CPU_BOUND_RATIO = 0.2;

/**
 * CPU-bound tasks that ran at least this share of their compute time on a CPU count as
 * uncontended: the rest is their own waiting (allocation, page faults), not other processes.
 */
const QUIET_SHARE = 0.9;

/** Only tasks with at least this much CPU work tell how much of a core the workers got. */
const SHARE_MIN_CPU_MS = 0.5;

/**
 * Per-byte costs used to split a measured message cost into its fixed and per-item parts, ns per
 * byte: CPython's pickle and unpickle of lists of numbers, strings and tuples ran at 1–5 ns/B on
 * this project's 2-core test machine, a pipe write at about 0.2 ns/B.
 */
const PICKLE_NS_PER_BYTE = 3;
const WRITE_NS_PER_BYTE = 0.2;
/** Bytes of a task or result message that do not grow with its items (job id, function, tuple). */
const TASK_ENVELOPE_BYTES = 100;
const RESULT_ENVELOPE_BYTES = 40;

/**
 * A message cost measured at `items` items a message: its per-item part is the bytes an item adds
 * times the per-byte cost (never more than the whole), the rest is fixed.
 */
export function splitCost(medianMs: number, items: number, bytesPerItem: number, nsPerByte: number): Cost {
  const k = Math.max(1, items);
  const perItemMs = Math.min(medianMs / k, (bytesPerItem * nsPerByte) / 1e6);
  return { fixedMs: Math.max(0, medianMs - perItemMs * k), perItemMs };
}

/** Items of one call site the what-if replay expands, at most (8 bytes each: 160 MB). */
const MAX_REPLAY_ITEMS = 20_000_000;

/**
 * The recorded call site as a workload; null when too little of it was recorded to model. Reads
 * the model's task columns directly: a million-task site makes no object per task.
 */
export function siteWorkload(model: TraceModel, site: SiteAnalysis): Workload | null {
  const { group } = site;
  const T = model.tasks;
  const num = T.num;
  const kept = modelledTasks(num, group.tasks);
  if (kept.length === 0 || kept.length < group.tasks.length * 0.9) return null;
  const calls = group.calls.map((c) => model.calls[c]);
  const api = group.api;
  const chunking: Chunking =
    api === 'apply_async' || api === 'apply' || api === 'submit'
      ? 'single'
      : calls.length > 0 && calls.every((c) => c.chunksizeAuto)
        ? 'auto'
        : 'fixed';

  // Batches: calls that overlap in time form one; the calls' tasks in the order they were handed out.
  const hand = handOutOrder(num, kept, T.length);
  const { order } = hand;
  const intervals = group.intervals.map(([s, e]) => [s, e] as [number, number]).sort((x, y) => x[0] - y[0]);
  const spans: [number, number][] = [];
  for (const iv of intervals) {
    const last = spans[spans.length - 1];
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else spans.push(iv);
  }

  // CPU-bound work is replayed at the CPU share the workers got: its demand is its compute time
  // at that share, and the competing load that explains the share stays in the predictions.
  // Where the workers' run-queue waits were read, the share is measured directly: the part of
  // the compute time not spent waiting for a CPU (waiting tasks and computing ones alike).
  const { cpuBound, cpu, wall } = cpuTally(num, kept, SHARE_MIN_CPU_MS, WHATIF_CPU_BOUND_RATIO);
  const waited = waitTally(num, kept);
  const cores = Math.max(1, model.run?.cpuCount ?? site.workers);
  const share =
    waited !== null
      ? waited.share < QUIET_SHARE
        ? waited.share
        : 1
      : cpuBound && wall > 0 && cpu / wall < QUIET_SHARE
        ? cpu / wall
        : 1;
  const load = share < 1 ? otherLoad(cores, site.workers, share) : 0;
  const overheadSpeed = cpuShare(cores, load, site.workers);
  // Measured waits give the share itself (tasks that sleep or wait on I/O ran at 1: their time is
  // not CPU demand to share); without them only CPU-bound work is taken to have shared the cores.
  const speed = waited !== null ? share : cpuBound ? overheadSpeed : 1;

  const totalItems = itemTotal(num, kept);
  // A site with more items (or a damaged trace claiming them) is not modelled, rather than
  // allocating gigabytes or failing with a RangeError.
  if (totalItems > MAX_REPLAY_ITEMS) return null;
  const itemMs = new Float64Array(totalItems);
  const batches: Batch[] = [];
  let filled = 0;
  let at = 0;
  for (const [start, end] of spans) {
    const from = filled;
    const got = fillSpan(T, hand, { start, end, at, filled, speed }, itemMs, model.processes.length);
    ({ filled, at } = got);
    if (filled === from) continue;
    // The replay starts at the first task message, after the set-up: workers that became
    // ready during it (an executor started inside the call, as joblib's is) are that much less late.
    const setupMs = Math.max(0, got.firstPickle - start);
    const ready = got.workers
      .map((p) => Math.max(0, (model.processes[p].userStartMs ?? start) - start - setupMs))
      .sort((x, y) => x - y);
    batches.push({
      from,
      to: filled,
      setupMs,
      teardownMs: Math.max(0, end - got.lastDone),
      workerReadyMs: ready,
    });
  }
  if (batches.length === 0) return null;

  // Message costs and paces from a window of consecutive tasks: as good a sample of a steady
  // pipeline as all of them, and a million-task site is not sorted three times over.
  const sample = window(order, COST_SAMPLE);
  const med = (col: Float64Array): number => sampleMedian(col, sample);
  const items = med(num.items);
  const bytesIn = med(num.bytesIn);
  const inPerItem = Math.max(0, (bytesIn - TASK_ENVELOPE_BYTES) / items);
  const outPerItem = Math.max(0, (med(num.bytesOut) - RESULT_ENVELOPE_BYTES) / items);
  const c = cadences(T, sample, model.processes.length);
  const pickleIn = med(num.pickleInMs);
  const writeIn = med(num.writeInMs);
  const unpickleIn = med(num.unpickleInMs);
  const replyParts = med(num.pickleOutMs) + med(num.writeOutMs);
  // A small message's cost is best seen as the pace of a busy loop (it includes the loop's own
  // work: locks, bookkeeping, the result handler's callbacks); a large one's as its own parts,
  // since a writer blocked on a full pipe is queueing, not cost.
  const large = bytesIn >= SMALL_MESSAGE_BYTES;
  const send = large || c.send === null ? pickleIn + writeIn : c.send;
  const worker = c.worker === null ? unpickleIn + replyParts : Math.max(c.worker, unpickleIn + replyParts);
  const collect = c.collect ?? med(num.unpickleOutMs);
  const delivery = site.metrics.deliveryMs ?? 0;
  return {
    itemMs,
    batches,
    send: splitCost(send, items, inPerItem, PICKLE_NS_PER_BYTE + WRITE_NS_PER_BYTE),
    // Worker-side costs as recorded at the workers' CPU share, as demand at a whole core.
    receive: scaleCost(splitCost(unpickleIn, items, inPerItem, PICKLE_NS_PER_BYTE), overheadSpeed),
    reply: scaleCost(
      splitCost(worker - unpickleIn, items, outPerItem, PICKLE_NS_PER_BYTE + WRITE_NS_PER_BYTE),
      overheadSpeed,
    ),
    collect: splitCost(collect, items, outPerItem, PICKLE_NS_PER_BYTE),
    // Delivery is measured from the write starting; the write itself is already in send/reply.
    latencyMs: Math.max(0, delivery - writeIn),
    cpuBound,
    otherLoad: load,
    chunking,
  };
}

/** Tasks (in hand-out order) that message costs and loop paces are measured on, at most. */
const COST_SAMPLE = 50_000;

/** The middle `max` entries of `order` (all of them when there are fewer). */
function window(order: Int32Array, max: number): Int32Array {
  if (order.length <= max) return order;
  const from = Math.floor((order.length - max) / 2);
  return order.subarray(from, from + max);
}

/** Gain below which one more worker is not worth it (issue: "below 10 %"). */
export const WORKER_GAIN_THRESHOLD = 0.1;

/**
 * Of wall times for rising worker counts, the index past which the next step shortens the wall
 * time by less than `gain` (wall[k] / wall[k + 1] − 1 < gain); the last index if every step does
 * better. Shared by the what-if recommendation and the measured sweep's.
 */
export function lastWorthwhileStep(wallMs: readonly number[], gain = WORKER_GAIN_THRESHOLD): number {
  for (let k = 0; k + 1 < wallMs.length; k++) if (wallMs[k] / wallMs[k + 1] - 1 < gain) return k;
  return wallMs.length - 1;
}

/** The worker count past which one more worker shortens the wall time by less than 10 %. */
export function recommendedWorkers(curve: readonly WhatIfPoint[]): number {
  const sorted = [...curve].sort((a, b) => a.workers - b.workers);
  return sorted.length > 0 ? sorted[lastWorthwhileStep(sorted.map((p) => p.wallMs))].workers : 1;
}

/** Worker counts to predict: 1 … 2 × cores (and the recorded count, if beyond). */
export function workerCounts(cores: number, recorded: number): number[] {
  const top = Math.max(2 * Math.max(1, cores), recorded);
  return Array.from({ length: top }, (_, i) => i + 1);
}

/**
 * Chunksizes to try: powers of two up to one chunk per worker, the recorded one, and the one that
 * leaves MIN_CHUNKS_PER_WORKER chunks per worker (what Pool.map picks by itself).
 */
export function chunksizeCandidates(items: number, workers: number, recorded: number): number[] {
  const top = Math.max(1, Math.ceil(items / Math.max(1, workers)));
  const out = new Set<number>([recorded, chunksizeCap(items, workers)]);
  for (let c = 1; c <= top; c *= 2) out.add(c);
  out.add(top);
  return [...out].filter((c) => c >= 1).sort((a, b) => a - b);
}

/** Two wall times this close count as equal when picking the best chunksize. */
const CHUNKSIZE_TIE = 0.02;

/**
 * The largest chunksize we recommend: one that still leaves MIN_CHUNKS_PER_WORKER chunks per
 * worker. The model knows only the recorded costs; with fewer, larger chunks one slow chunk (or a
 * worker that is preempted) leaves the others idle at the end.
 */
export function chunksizeCap(items: number, workers: number): number {
  return Math.max(1, Math.ceil(items / (MIN_CHUNKS_PER_WORKER * Math.max(1, workers))));
}

/** The smallest chunksize within CHUNKSIZE_TIE of the fastest, among those up to the cap. */
export function bestChunksize(points: readonly WhatIfPoint[], cap: number): number | null {
  const options = points.filter((p) => p.chunksize !== null && p.chunksize <= cap);
  if (options.length === 0) return null;
  const least = Math.min(...options.map((p) => p.wallMs));
  return options.find((p) => p.wallMs <= least * (1 + CHUNKSIZE_TIE))?.chunksize ?? null;
}

export function siteWhatIf(model: TraceModel, site: SiteAnalysis): SiteWhatIf | null {
  const w = siteWorkload(model, site);
  if (!w) return null;
  const cores = Math.max(1, model.run?.cpuCount ?? site.workers);
  const recordedWorkers = Math.max(1, site.workers);
  const recordedChunk = Math.max(1, site.chunksize ?? 1);
  const seq = site.metrics.compute.sequentialMs;
  const demand = new GroupDemand(w.itemMs);
  const point = (workers: number, chunksize: number): WhatIfPoint => {
    const wallMs = simulate(w, { workers, chunksize, cores }, demand);
    const items = w.batches[0].to - w.batches[0].from;
    return {
      workers,
      chunksize: w.chunking === 'single' ? null : chunksizeFor(w, { workers, chunksize, cores }, items),
      wallMs,
      speedup: ratio(seq, wallMs),
    };
  };
  const workers = workerCounts(cores, recordedWorkers).map((n) => point(n, recordedChunk));
  let chunksizes: WhatIfPoint[] = [];
  let best: number | null = null;
  if (w.chunking !== 'single') {
    const fixed: Workload = { ...w, chunking: 'fixed' };
    const items = Math.max(...w.batches.map((b) => b.to - b.from));
    chunksizes = chunksizeCandidates(items, recordedWorkers, recordedChunk).map((c) => {
      const wallMs = simulate(fixed, { workers: recordedWorkers, chunksize: c, cores }, demand);
      return { workers: recordedWorkers, chunksize: c, wallMs, speedup: ratio(seq, wallMs) };
    });
    best = bestChunksize(chunksizes, chunksizeCap(items, recordedWorkers));
  }
  return {
    recorded: point(recordedWorkers, recordedChunk),
    workers,
    chunksizes,
    bestChunksize: best,
    recommendedWorkers: recommendedWorkers(workers),
  };
}

/**
 * The run at other worker counts: its measured wall time, with each modelled call site's measured
 * wall time replaced by its prediction at that count.
 */
export function runWhatIf(
  wallMs: number,
  estSequentialMs: number | null,
  sites: readonly { wallMs: number; whatIf: SiteWhatIf | null }[],
): RunWhatIf | null {
  const modelled = sites.filter((s): s is { wallMs: number; whatIf: SiteWhatIf } => s.whatIf !== null);
  if (modelled.length === 0) return null;
  const counts = modelled[0].whatIf.workers.map((p) => p.workers);
  const rest = wallMs - modelled.reduce((a, s) => a + s.wallMs, 0);
  const workers = counts.map((n): WhatIfPoint => {
    let wall = Math.max(0, rest);
    for (const s of modelled) {
      const p =
        s.whatIf.workers.find((q) => q.workers === n) ?? s.whatIf.workers[s.whatIf.workers.length - 1];
      wall += p.wallMs;
    }
    return { workers: n, chunksize: null, wallMs: wall, speedup: ratio(estSequentialMs, wall) };
  });
  return { workers, recommendedWorkers: recommendedWorkers(workers) };
}
