/**
 * What-if predictions: a call site's recorded tasks replayed through a model of how a pool hands
 * out work, for other worker counts and chunksizes. docs/what-if.md explains the model and what
 * it leaves out. The simulation ({@link simulate}) takes plain numbers, so it can be checked
 * against closed-form answers; {@link siteWorkload} is the one place that reads the trace.
 */
import type { TraceModel } from './modelTypes';
import type { RunWhatIf, SiteWhatIf, WhatIfPoint } from './report';
import type { SiteAnalysis } from './siteAnalysis';
import { ratio } from './stats';
import { MIN_CHUNKS_PER_WORKER, SMALL_MESSAGE_BYTES } from './thresholds';
import {
  cadences,
  cpuTally,
  fillSpan,
  handOutOrder,
  itemTotal,
  modelledTasks,
  sampleMedian,
} from './workloadColumns';

/** A message cost that grows with the items it carries: fixedMs + perItemMs × items. */
export interface Cost {
  fixedMs: number;
  perItemMs: number;
}

/** Everything the simulation needs about one call site's work. */
export interface Workload {
  /**
   * Compute demand of each item, ms, in the order the pool hands them out: CPU time for CPU-bound
   * work, else wall time.
   */
  itemMs: Float64Array;
  /** Calls (or overlapping async calls): items [from, to), and their fixed costs around the work. */
  batches: Batch[];
  /** Parent: pickling a task message and writing it to the pipe. */
  send: Cost;
  /** Worker: unpickling the task message. */
  receive: Cost;
  /** Worker: pickling the result and writing it. */
  reply: Cost;
  /** Parent: unpickling the result. */
  collect: Cost;
  /** A message's wait in the pipe for a receiver that is idle, ms. */
  latencyMs: number;
  /**
   * Compute is CPU-bound: it shares the cores with the other workers and with `otherLoad`. Work
   * that waits (I/O, sleep) takes its recorded wall time whatever else runs.
   */
  cpuBound: boolean;
  /**
   * Runnable processes besides the workers that competed for the cores in the recorded run, as
   * inferred from how much of their compute time the workers spent on a CPU ({@link otherLoad}).
   */
  otherLoad: number;
  /** How items are cut into task messages. */
  chunking: Chunking;
}

export interface Batch {
  from: number;
  to: number;
  /** Call start to the first task message being pickled (e.g. list(iterable), chunking). */
  setupMs: number;
  /** The last result unpickled to the call's return. */
  teardownMs: number;
  /** When each worker could take its first task, ms after the batch start, earliest first. */
  workerReadyMs: number[];
}

/**
 * 'fixed': the chunksize stays as given; 'auto': Pool.map without a chunksize, which picks
 * ceil(items / (4 × workers)); 'single': one item a message (apply_async, submit), no chunksize.
 */
export type Chunking = 'fixed' | 'auto' | 'single';

export interface Setting {
  workers: number;
  /** Items per task message; ignored for 'auto' (it follows the workers) and 'single' (1). */
  chunksize: number;
  cores: number;
}

/** Pool's chunksize when map is called without one (multiprocessing.pool.Pool._map_async). */
export function autoChunksize(items: number, workers: number): number {
  if (items === 0) return 0;
  return Math.ceil(items / (4 * Math.max(1, workers)));
}

export function chunksizeFor(w: Workload, s: Setting, items: number): number {
  if (w.chunking === 'single') return 1;
  if (w.chunking === 'auto') return autoChunksize(items, s.workers);
  return Math.max(1, Math.round(s.chunksize));
}

const scaleCost = (c: Cost, by: number): Cost => ({ fixedMs: c.fixedMs * by, perItemMs: c.perItemMs * by });

/**
 * Predicted wall time of the workload, ms. Per batch: the parent pickles and writes every task
 * message in order (one thread, as Pool's task handler does); each message is taken by the worker
 * that frees up first, which unpickles it, computes its items (waiting for a core when more items
 * compute than there are cores, for CPU-bound work) and sends the result back; the parent unpickles
 * results one at a time, in the order they arrive. Batches run one after another.
 */
export function simulate(w: Workload, s: Setting, demand = new GroupDemand(w.itemMs)): number {
  let total = 0;
  for (const b of w.batches) total += b.setupMs + simulateBatch(w, b, s, demand) + b.teardownMs;
  return total;
}

/**
 * The compute demand of consecutive groups of items (their itemMs summed in order), kept per
 * batch and group size. A million-item site is replayed at ~40 settings, and every worker count
 * at one chunksize groups its items alike: summing them once per grouping instead of once per
 * setting took the replay from ~250 ms to ~100 ms. Pass one to {@link simulate} for every setting
 * of one workload.
 */
export class GroupDemand {
  private readonly sums = new Map<string, Float64Array>();

  constructor(private readonly itemMs: Float64Array) {}

  /** Sums of itemMs over [from, from + step), [from + step, …) up to `to`. */
  of(from: number, to: number, step: number): Float64Array {
    const key = `${from}:${to}:${step}`;
    let sums = this.sums.get(key);
    if (!sums) {
      const { itemMs } = this;
      sums = new Float64Array(Math.ceil((to - from) / step));
      for (let g = 0, at = from; at < to; g++, at += step) {
        const end = Math.min(to, at + step);
        let demand = 0;
        for (let i = at; i < end; i++) demand += itemMs[i];
        sums[g] = demand;
      }
      this.sums.set(key, sums);
    }
    return sums;
  }
}

/** Messages simulated one by one; beyond, consecutive messages are grouped (see simulateBatch). */
export const MAX_SIM_MESSAGES = 20_000;

function simulateBatch(w: Workload, b: Batch, s: Setting, demand: GroupDemand): number {
  const n = b.to - b.from;
  if (n <= 0) return 0;
  const workers = Math.max(1, Math.floor(s.workers));
  const size = Math.max(1, chunksizeFor(w, s, n));
  // When each worker is free next, as a min-heap: the root is the worker that takes the next message.
  const free = new Float64Array(workers);
  for (let k = 0; k < workers; k++) free[k] = readyAt(b.workerReadyMs, k);
  free.sort();
  // A worker's own message handling (unpickling, pickling, the pipe) is CPU work whatever its
  // tasks do: it always shares the cores; compute only when it is CPU-bound.
  const overheadSpeed = cpuShare(s.cores, w.otherLoad, workers);
  const speed = w.cpuBound ? overheadSpeed : 1;
  // Past MAX_SIM_MESSAGES messages, `group` consecutive messages move as one: each loop pays
  // their costs in one go. With thousands of steps per worker the fill and drain this coarsens
  // are a negligible share of the run, and a million-task site costs milliseconds, not seconds.
  const messages = Math.ceil(n / size);
  const group = Math.max(1, Math.ceil(messages / MAX_SIM_MESSAGES));
  const step = size * group;
  const demands = demand.of(b.from, b.to, step);
  // Every group but the last carries `step` items: its costs are worked out once, not per group.
  const full = groupCosts(w, step, size, overheadSpeed);
  const latency = w.latencyMs;
  let sent = 0;
  let collectedAt = 0;
  for (let from = b.from, g = 0; from < b.to; from += step, g++) {
    const items = Math.min(b.to, from + step) - from;
    const c = items === step ? full : groupCosts(w, items, size, overheadSpeed);
    sent += c.send;
    const received = Math.max(free[0], sent + latency) + c.receive;
    const replied = received + demands[g] / speed + c.reply;
    replaceRoot(free, replied);
    collectedAt = Math.max(collectedAt, replied + latency) + c.collect;
  }
  return collectedAt;
}

/**
 * What moving `items` items in messages of `size` costs each loop, ms: the parent's send and
 * collect, and the worker's receive and reply at its share of a core (`overheadSpeed`).
 */
function groupCosts(
  w: Workload,
  items: number,
  size: number,
  overheadSpeed: number,
): { send: number; receive: number; reply: number; collect: number } {
  const costOf = (c: Cost): number => c.fixedMs * Math.ceil(items / size) + c.perItemMs * items;
  return {
    send: costOf(w.send),
    receive: costOf(w.receive) / overheadSpeed,
    reply: costOf(w.reply) / overheadSpeed,
    collect: costOf(w.collect),
  };
}

/**
 * The share of a core each busy worker gets when `workers` of them and `other` runnable processes
 * share `cores` cores fairly (as Linux's scheduler does): min(1, cores / (other + workers)).
 */
export function cpuShare(cores: number, other: number, workers: number): number {
  return Math.min(1, Math.max(1, cores) / (Math.max(0, other) + Math.max(1, workers)));
}

/**
 * The other runnable processes that explain a recorded CPU share: the busy workers spent `share`
 * of their compute time on a CPU, so cores / (other + workers) = share.
 */
export function otherLoad(cores: number, workers: number, share: number): number {
  if (!(share > 0) || share >= 1) return 0;
  return Math.max(0, Math.max(1, cores) / share - Math.max(1, workers));
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

/** Worker k's ready time: as recorded, or (beyond the recorded workers) the latest recorded. */
function readyAt(ready: number[], k: number): number {
  if (ready.length === 0) return 0;
  return ready[Math.min(k, ready.length - 1)];
}

/** Replaces the smallest value of a min-heap and restores the heap. */
function replaceRoot(heap: Float64Array, value: number): void {
  let i = 0;
  const n = heap.length;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const c = l + 1 < n && heap[l + 1] < heap[l] ? l + 1 : l;
    if (heap[c] >= value) break;
    heap[i] = heap[c];
    i = c;
  }
  heap[i] = value;
}

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
  const { cpuBound, cpu, wall } = cpuTally(num, kept, SHARE_MIN_CPU_MS, WHATIF_CPU_BOUND_RATIO);
  const cores = Math.max(1, model.run?.cpuCount ?? site.workers);
  const share = cpuBound && wall > 0 && cpu / wall < QUIET_SHARE ? cpu / wall : 1;
  const load = share < 1 ? otherLoad(cores, site.workers, share) : 0;
  const overheadSpeed = cpuShare(cores, load, site.workers);
  const speed = cpuBound ? overheadSpeed : 1;

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
    const ready = got.workers
      .map((p) => Math.max(0, (model.processes[p].userStartMs ?? start) - start))
      .sort((x, y) => x - y);
    batches.push({
      from,
      to: filled,
      setupMs: Math.max(0, got.firstPickle - start),
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
