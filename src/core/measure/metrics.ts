/**
 * What every set of tasks is measured against (measureTasks.ts measures the sets): the run's
 * per-task delivery latencies, each pool's compute and start-up, and the tasks' first and last
 * moments.
 */
import type { Task, TraceModel, TaskTable } from '../model';
import { groupByKey, median, MedianAtLeast, NumberList, sortRangeBy } from './stats';
import { CPU_BOUND_RATIO, SMALL_MESSAGE_BYTES } from '../report';

export const computeMs = (t: Task): number | null =>
  t.computeStartMs !== null && t.computeEndMs !== null ? t.computeEndMs - t.computeStartMs : null;

/**
 * What a set of tasks would cost in a plain loop: the time each task's computing thread was on the
 * CPU or blocked outside multiprocessing (sleep, file and network I/O: a loop waits as long), not
 * the time it waited for a CPU (eight workers on two cores: each task's wall time is four times its
 * work) nor the time it spent inside multiprocessing calls of its own (Manager round trips, queue
 * waits, locks: a loop makes none). Per task that is its compute wall time less its run-queue wait
 * and its blocked time (RUN `wait`, `blocked`).
 *
 * Tasks whose wait was not read (tiny tasks are sampled) count the mean work of the worker's
 * one-in-16 samples (RUN flag: a fair sample by position; the other tasks read are not, since a
 * preempted tiny task looks long and gets the next one read, and preemption comes in bursts), at
 * most their own wall time. Not a rate of their wall time: a sampled task waits for a CPU more
 * often than the others (its clock reads are system calls, where a waiting process takes the CPU),
 * so the samples' work per wall time understates the others'. Without samples: at the rate of the
 * tasks read. Garbage collection inside a task (RUN `gc`) is not work either.
 *
 * Traces without waits (older ones; platforms without schedstat) fall back to the CPU clock: the
 * tasks' CPU time when they are CPU-bound (the median task on the CPU for at least CPU_BOUND_RATIO
 * of its compute wall time), else their compute wall time. Per task: its compute wall time, CPU
 * time, wait and blocked time (NaN where not recorded), tasks without a compute interval left out.
 */
export function sequentialWorkMs(computeWallMs: ArrayLike<number>, cpuMs: ArrayLike<number>): number {
  const work = new SequentialWork();
  for (let k = 0; k < computeWallMs.length; k++) work.add(computeWallMs[k], cpuMs[k]);
  return work.result(() => cpuRatios(computeWallMs, cpuMs));
}

/** Tasks whose helper threads' CPU is counted: a few µs of clock reads are noise beside 1 ms. */
const HELPER_MIN_TASK_CPU_MS = 1;

/**
 * {@link sequentialWorkMs} fed one task at a time, so that a pass that walks the tasks anyway need
 * not keep a million compute and CPU times for it.
 */
export class SequentialWork {
  private wall = 0;
  private cpu = 0;
  private readWall = 0;
  private unreadWall = 0;
  private read = 0;
  private unread = 0;
  private readonly typical = new MedianAtLeast(CPU_BOUND_RATIO);
  private blocked = 0;
  private gc = 0;
  // The tasks whose run-queue wait was read: how many, their wall time, their blocked and garbage
  // collection time, their work, their waits.
  private waited = 0;
  private waitedWall = 0;
  private waitedBlocked = 0;
  private waitedWork = 0;
  private waits = 0;
  // Of those, the one-in-16 samples: the mean work of the tasks not read.
  private samples = 0;
  private sampleWork = 0;
  // The tasks whose process CPU time was read (and long enough): their own CPU time, and the CPU
  // time their worker's other threads used meanwhile.
  private helperOwn = 0;
  private helperCpu = 0;

  /**
   * A task's compute wall time, CPU time, run-queue wait, blocked time, its process's CPU time
   * (NaN where not recorded) and whether its clocks were the one-in-16 sample (1).
   */
  add(c: number, u: number, wait = NaN, blocked = NaN, pcpu = NaN, sample = 0, gc = NaN): void {
    this.wall += c;
    // Garbage collection in a worker walks (and, forked, copies) the heap it inherited: not the
    // task's work. Counted apart from the blocked time (gcMs, blockedMs).
    const g = gc > 0 ? Math.min(gc, c) : 0;
    this.gc += g;
    // Only tasks long enough that the clock reads around them do not show as other threads' CPU.
    if (pcpu >= 0 && u >= HELPER_MIN_TASK_CPU_MS) {
      this.helperOwn += u;
      this.helperCpu += Math.max(0, pcpu - u);
    }
    const b = blocked > 0 ? Math.min(blocked, c - g) : 0; // NaN > 0 is false
    this.blocked += b;
    if (!Number.isNaN(wait)) {
      this.waited++;
      this.waitedWall += c;
      this.waitedBlocked += b + g;
      const work = Math.max(0, c - wait - b - g);
      this.waitedWork += work;
      this.waits += wait;
      if (sample === 1) {
        this.samples++;
        this.sampleWork += work;
      }
    }
    if (Number.isNaN(u)) {
      this.unread++;
      this.unreadWall += c;
      return;
    }
    this.read++;
    this.cpu += u;
    this.readWall += c;
    if (c > 0) this.typical.add(u / c);
  }

  /** `ratios`: the tasks' CPU / compute ratios, asked for only where one was infinite (no wait read). */
  result(ratios: () => ArrayLike<number>): number {
    if (this.waited > 0) {
      const unread = this.read + this.unread - this.waited;
      const rest = this.wall - this.waitedWall - (this.blocked + this.gc - this.waitedBlocked);
      if (this.samples > 0)
        return this.waitedWork + Math.min(rest, (unread * this.sampleWork) / this.samples);
      const unblocked = this.waitedWall - this.waitedBlocked;
      return this.waitedWork + rest * (unblocked > 0 ? this.waitedWork / unblocked : 1);
    }
    const wall = this.wall - this.blocked - this.gc;
    return this.typical.result(ratios) ? Math.min(this.cpuMs(), wall) : wall;
  }

  /**
   * CPU time the workers' other threads (BLAS, OpenMP, the user's own) used while the tasks
   * computed: the tasks' CPU time at the ratio measured on the tasks read (each against its own
   * CPU time: a sleeping task's one long first task must not speak for forty short ones); null:
   * none read.
   */
  helperCpuMs(): number | null {
    if (this.helperOwn === 0) return null;
    return (this.helperCpu / this.helperOwn) * this.cpuMs();
  }

  /** Time the tasks' workers spent collecting garbage inside them. */
  gcMs(): number {
    return this.gc;
  }

  /** Time blocked inside the tasks' own multiprocessing calls. */
  blockedMs(): number {
    return this.blocked;
  }

  /** Run-queue wait outside those calls, tasks without one counted at the rate of those with one. */
  waitMs(): number | null {
    if (this.waited === 0) return null;
    return this.waitedWall > 0 ? this.waits * (this.wall / this.waitedWall) : this.waits;
  }

  /**
   * The tasks' CPU time. Tasks without one (tiny tasks read the clock one in 16) count their
   * compute wall time at the rate of those with one: the ones read are a sample of the same tasks,
   * preempted as often.
   */
  cpuMs(): number {
    return this.readWall > 0 ? this.cpu + this.unreadWall * (this.cpu / this.readWall) : this.cpu;
  }

  /** Present when some tasks have no CPU time: how many of them do. */
  cpuSampled(): { read: number; tasks: number } | undefined {
    return this.unread > 0 ? { read: this.read, tasks: this.read + this.unread } : undefined;
  }
}

/** CPU time / compute wall time of each task that has both. */
export function cpuRatios(computeWallMs: ArrayLike<number>, cpuMs: ArrayLike<number>): Float64Array {
  const ratios = new NumberList();
  for (let k = 0; k < computeWallMs.length; k++) {
    const c = computeWallMs[k];
    const u = cpuMs[k];
    if (!Number.isNaN(u) && c > 0) ratios.push(u / c);
  }
  return ratios.values();
}

/** The task's first known moment (pickling started, else the earliest later stamp). */
export const taskStartMs = (t: Task): number | null =>
  t.pickleStartMs ?? t.dispatchMs ?? t.arrivalMs ?? t.computeStartMs ?? t.resultSentMs ?? t.resultArrivalMs;

/** The task's last known moment (its result unpickled, else the latest earlier stamp). */
export function taskEndMs(t: Task): number | null {
  if (t.resultArrivalMs !== null) return t.resultArrivalMs + (t.unpickleOutMs ?? 0);
  if (t.resultSentMs !== null) return t.resultSentMs;
  if (t.computeEndMs !== null) return t.computeEndMs;
  if (t.arrivalMs !== null) return t.arrivalMs + (t.unpickleInMs ?? 0);
  return t.dispatchMs;
}

/** {@link taskStartMs} of row `i`, read from the columns; NaN where nothing is known. */
export function taskStartAt(tasks: TaskTable, i: number): number {
  const c = tasks.num;
  // A chain of tests, not a loop over an array of the five: it runs for every task of a site.
  if (!Number.isNaN(c.pickleStartMs[i])) return c.pickleStartMs[i];
  if (!Number.isNaN(c.dispatchMs[i])) return c.dispatchMs[i];
  if (!Number.isNaN(c.arrivalMs[i])) return c.arrivalMs[i];
  if (!Number.isNaN(c.computeStartMs[i])) return c.computeStartMs[i];
  if (!Number.isNaN(c.resultSentMs[i])) return c.resultSentMs[i];
  return c.resultArrivalMs[i];
}

/** x, or 0 where not recorded (NaN). Module-level: a closure made per call is an object per task. */
export const or0 = (x: number): number => (Number.isNaN(x) ? 0 : x);

/** {@link taskEndMs} of row `i`, read from the columns; NaN where nothing is known. */
export function taskEndAt(tasks: TaskTable, i: number): number {
  const c = tasks.num;
  if (!Number.isNaN(c.resultArrivalMs[i])) return c.resultArrivalMs[i] + or0(c.unpickleOutMs[i]);
  if (!Number.isNaN(c.resultSentMs[i])) return c.resultSentMs[i];
  if (!Number.isNaN(c.computeEndMs[i])) return c.computeEndMs[i];
  if (!Number.isNaN(c.arrivalMs[i])) return c.arrivalMs[i] + or0(c.unpickleInMs[i]);
  return c.dispatchMs[i];
}

/**
 * Per task: the delivery latency of its task message and of its result message, where the
 * message was small (< SMALL_MESSAGE_BYTES) and its receiver was idle waiting for it; NaN
 * elsewhere, or where a stamp is missing. Latency runs from the end of pickling (SEND t1: the
 * write is about to start) to the receiver's read returning (RECV t0):
 * - task: the worker had handed back its previous task (or, for its first, reached user code)
 *   before the write started; otherwise the message waited in the pipe behind a busy worker,
 *   which is queueing, not overhead;
 * - result: the parent had unpickled the pool's previous result before this one's write started.
 *
 * Why t1 and not t2 (the write returned): on a busy machine the writer is often descheduled
 * after writing, and the woken reader returns first — measured on real traces, t0 − t2 was
 * negative for over half of the idle deliveries (down to −15 ms on two CPUs), while t0 − t1 is
 * never negative. The write itself (lock wait and copy) is part of what a message costs.
 */
export interface DeliveryTable {
  task: Float64Array;
  result: Float64Array;
}

export function deliveryTable(model: TraceModel): DeliveryTable {
  const n = model.tasks.length;
  const task = new Float64Array(n).fill(NaN);
  const result = new Float64Array(n).fill(NaN);
  // Each pass in a function of its own: small loops compile early in a fresh process.
  taskDeliveries(model, task);
  resultDeliveries(model, result);
  return { task, result };
}

/** `small` for a message of `bytes` (false for NaN: a size not recorded). */
const small = (bytes: number): boolean => bytes < SMALL_MESSAGE_BYTES;

/** Task messages: per worker, in arrival order, where the worker was ready before the write. */
function taskDeliveries(model: TraceModel, task: Float64Array): void {
  if (taskDeliveriesInRowOrder(model, task)) return;
  task.fill(NaN);
  const { tasks } = model;
  const c = tasks.num;
  const { arrivalMs, pickleStartMs, pickleInMs, bytesIn, resultSentMs, computeEndMs } = c;
  const byWorker = groupByKey(workerOfArrived(tasks), model.processes.length);
  const { order } = byWorker;
  for (let w = 0; w < model.processes.length; w++) {
    const from = byWorker.start[w];
    const to = byWorker.start[w + 1];
    sortRangeBy(order, from, to, arrivalMs);
    let readyAt = model.processes[w].userStartMs ?? NaN;
    for (let k = from; k < to; k++) {
      const i = order[k];
      // Where the message was written from (SEND t1); NaN where a stamp is missing.
      const sent = pickleStartMs[i] + pickleInMs[i];
      if (readyAt <= sent && small(bytesIn[i])) task[i] = arrivalMs[i] - sent;
      readyAt = Number.isNaN(resultSentMs[i]) ? computeEndMs[i] : resultSentMs[i];
    }
  }
}

/**
 * {@link taskDeliveries} in one pass over the rows, for the usual case where each worker's tasks
 * arrived in row order (one pipe per worker, read in order): then each worker's tasks in row order
 * are its tasks in arrival order, and the one pass does the same steps as a pass per worker, which
 * walked every column once per worker. False (with `task` partly written) where a worker's
 * arrivals go back in time.
 */
function taskDeliveriesInRowOrder(model: TraceModel, task: Float64Array): boolean {
  const { tasks } = model;
  const { arrivalMs, pickleStartMs, pickleInMs, bytesIn, resultSentMs, computeEndMs } = tasks.num;
  const readyAt = new Float64Array(model.processes.length);
  model.processes.forEach((p, w) => (readyAt[w] = p.userStartMs ?? NaN));
  const lastArrival = new Float64Array(model.processes.length).fill(-Infinity);
  for (let i = 0; i < tasks.length; i++) {
    const w = tasks.worker[i];
    const arrival = arrivalMs[i];
    if (w < 0 || Number.isNaN(arrival)) continue;
    if (arrival < lastArrival[w]) return false;
    lastArrival[w] = arrival;
    const sent = pickleStartMs[i] + pickleInMs[i];
    if (readyAt[w] <= sent && small(bytesIn[i])) task[i] = arrival - sent;
    readyAt[w] = Number.isNaN(resultSentMs[i]) ? computeEndMs[i] : resultSentMs[i];
  }
  return true;
}

/** Result messages: per pool, in arrival order, where the parent was free before the write. */
function resultDeliveries(model: TraceModel, result: Float64Array): void {
  const { tasks } = model;
  const { resultArrivalMs, resultPickleStartMs, pickleOutMs, bytesOut, unpickleOutMs } = tasks.num;
  const byPool = groupByKey(poolOfCollected(tasks), model.pools.length);
  const { order } = byPool;
  for (let p = 0; p < model.pools.length; p++) {
    const from = byPool.start[p];
    const to = byPool.start[p + 1];
    sortRangeBy(order, from, to, resultArrivalMs);
    let freeAt = -Infinity;
    for (let k = from; k < to; k++) {
      const i = order[k];
      const sent = resultPickleStartMs[i] + pickleOutMs[i];
      if (freeAt <= sent && small(bytesOut[i])) result[i] = resultArrivalMs[i] - sent;
      freeAt = resultArrivalMs[i] + (Number.isNaN(unpickleOutMs[i]) ? 0 : unpickleOutMs[i]);
    }
  }
}

// The keys that deliveries group tasks by, each loop in a function of its own (see groupByKey).

/** By task: its worker, where its task message arrived there; else -1. */
function workerOfArrived(tasks: TaskTable): Int32Array {
  const { arrivalMs } = tasks.num;
  const workerOf = new Int32Array(tasks.length);
  for (let i = 0; i < tasks.length; i++)
    workerOf[i] = tasks.worker[i] >= 0 && !Number.isNaN(arrivalMs[i]) ? tasks.worker[i] : -1;
  return workerOf;
}

/** By task: its pool, where its result arrived in the parent; else -1. */
function poolOfCollected(tasks: TaskTable): Int32Array {
  const { resultArrivalMs } = tasks.num;
  const poolOf = new Int32Array(tasks.length);
  for (let i = 0; i < tasks.length; i++) poolOf[i] = !Number.isNaN(resultArrivalMs[i]) ? tasks.pool[i] : -1;
  return poolOf;
}

/** Per pool: what start-up cost it paid against how much compute it did. */
export interface PoolStats {
  /** Sequential work of all its tasks ({@link sequentialWorkMs}). */
  computeMs: number;
  /** Worker processes that ran at least one of its tasks. */
  workersUsed: number;
  /** Median start-up of its worker processes (less their waits for a CPU); null if none was measured. */
  startupMs: number | null;
  /** Median wait for a CPU of those workers before user code; null where not read. */
  startupWaitMs: number | null;
}

export function poolStats(model: TraceModel): PoolStats[] {
  const { tasks } = model;
  const { computeStartMs, computeEndMs, cpuMs, waitMs, blockedMs, procCpuMs, clockSample, gcMs } = tasks.num;
  const poolCount = model.pools.length;
  const processCount = model.processes.length;
  const work = model.pools.map(() => new SequentialWork());
  // used[pool × processes + worker]: the worker ran one of the pool's tasks (a byte, not a Set
  // entry per task).
  const used = new Uint8Array(poolCount * processCount);
  const usedCount = new Int32Array(poolCount);
  for (let i = 0; i < tasks.length; i++) {
    const pool = tasks.pool[i];
    const c = computeEndMs[i] - computeStartMs[i];
    if (!Number.isNaN(c))
      work[pool].add(c, cpuMs[i], waitMs[i], blockedMs[i], procCpuMs[i], clockSample[i], gcMs[i]);
    const worker = tasks.worker[i];
    if (worker >= 0 && used[pool * processCount + worker] === 0) {
      used[pool * processCount + worker] = 1;
      usedCount[pool]++;
    }
  }
  const compute = work.map((w, p) => w.result(() => poolRatios(model, p)));
  const startups = model.pools.map((): number[] => []);
  const waits = model.pools.map((): number[] => []);
  for (const p of model.processes) {
    const pools = new Set<number>();
    if (p.pool >= 0) pools.add(p.pool);
    for (let i = 0; i < poolCount; i++) if (used[i * processCount + p.index] === 1) pools.add(i);
    if (p.startupMs !== null) for (const i of pools) startups[i].push(p.startupMs);
    if (p.startupWaitMs !== null) for (const i of pools) waits[i].push(p.startupWaitMs);
  }
  return model.pools.map((_, i) => ({
    computeMs: compute[i],
    workersUsed: usedCount[i],
    startupMs: median(startups[i]),
    startupWaitMs: median(waits[i]),
  }));
}

/** {@link cpuRatios} of a pool's tasks with a compute interval, in task order. */
function poolRatios(model: TraceModel, pool: number): Float64Array {
  const { computeStartMs, computeEndMs, cpuMs } = model.tasks.num;
  const walls = new NumberList();
  const cpus = new NumberList();
  for (let i = 0; i < model.tasks.length; i++) {
    const c = computeEndMs[i] - computeStartMs[i];
    if (model.tasks.pool[i] !== pool || Number.isNaN(c)) continue;
    walls.push(c);
    cpus.push(cpuMs[i]);
  }
  return cpuRatios(walls.values(), cpus.values());
}

export interface MetricsContext {
  model: TraceModel;
  delivery: DeliveryTable;
  pools: PoolStats[];
  /**
   * Run-wide samples: the fallback when a task set has no delivery sample of its own. Collected on
   * first use (a million-task call site has samples of its own: no need to gather two million).
   */
  runDelivery: () => Float64Array;
}

export function metricsContext(model: TraceModel): MetricsContext {
  const delivery = deliveryTable(model);
  let runDelivery: Float64Array | null = null;
  const collect = (): Float64Array => {
    const samples = new NumberList();
    for (const table of [delivery.task, delivery.result]) {
      for (let i = 0; i < table.length; i++) if (!Number.isNaN(table[i])) samples.push(table[i]);
    }
    return samples.values();
  };
  return { model, delivery, pools: poolStats(model), runDelivery: () => (runDelivery ??= collect()) };
}
