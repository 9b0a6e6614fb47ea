/**
 * The replay model behind the what-if predictions: how a pool hands out task messages, in plain
 * numbers. A workload's items, message costs and worker start-up go in; the wall time it would take
 * at a given worker count and chunksize comes out. docs/what-if.md explains the model and what it
 * leaves out. It reads no trace, so it can be checked against closed-form answers; whatIf.ts
 * measures a call site's workload from the trace and picks the settings to recommend.
 */
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
  /** When each worker could take its first task, ms after the set-up (the first task message), earliest first. */
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
