/**
 * Measurements over a set of tasks (a call site's, or the whole run's): compute, IPC, errors, the
 * fixed per-message overhead and the start-up cost charged to it.
 *
 * Each figure has its own loop over the tasks, in a function of its own: a million-task set is
 * walked a few times over a few columns each, which costs less than one big loop does in a fresh
 * process, where V8 compiles a big function's loop late and throws the code away each time a
 * branch it had not seen yet is taken (measured: one fused loop over a million tasks took
 * ~400 ms there, split ~100 ms). Every sum adds the same values in the same order as before.
 */
import { cpuRatios, or0, SequentialWork, type MetricsContext } from './metrics';
import type { CallSiteCompute, CallSiteIpc } from '../report';
import type { TaskTable, TraceModel } from '../model';
import { median, medianInPlace, NumberList, quantileOfSorted, ratio, sortedCopy, sum } from './stats';
import { HELPER_CPU_SHARE, SMALL_MESSAGE_BYTES } from '../report';

/** Everything measured over one set of tasks. */
export interface TaskMetrics {
  tasks: number;
  items: number;
  /** Worker processes that ran them. */
  workersUsed: number;
  compute: CallSiteCompute;
  ipc: CallSiteIpc;
  errors: number;
  firstError: string | null;
  /** Median delivery latency to an idle receiver (see DeliveryTable). */
  deliveryMs: number | null;
  smallMessageSerializationMs: number | null;
  perMessageOverheadMs: number | null;
  /** Median items per task (chunk). */
  itemsPerTask: number | null;
  /** Over the pools involved: their compute / their workers used. */
  computePerWorkerMs: number | null;
  /** Start-up per worker process, weighted by workers used (pools with a measured start-up). */
  startupMs: number | null;
  /** The waits for a CPU left out of startupMs, weighted alike; null where none was read. */
  startupWaitMs: number | null;
  computePerWorkerToStartup: number | null;
  /**
   * The share of its pools' start-up these tasks bear: each pool's start-up × the share of that
   * pool's compute that these tasks did (a pool reused by later calls is not charged to them again
   * in full).
   */
  startupChargedMs: number | null;
}

export function measureTasks(ctx: MetricsContext, taskIndices: ArrayLike<number>): TaskMetrics {
  const { model } = ctx;
  const n = taskIndices.length;
  const compute = computeOf(model, taskIndices);
  const sums = sumsOf(model.tasks, taskIndices);
  const { errors, firstError } = errorsOf(model.tasks, taskIndices);
  const sequentialMs = compute.sequential.result(() =>
    cpuRatios(compute.walls.values(), cpusOf(model.tasks, taskIndices)),
  );
  const cpuSampled = compute.sequential.cpuSampled();
  // Sorted for the quantiles; summed in that order too, as the report always has.
  const computeSorted = sortedCopy(compute.walls.values());
  const computeTotal = sum(computeSorted);
  const ipcTotal = sums.pickle + sums.unpickle + sums.transfer;
  // The lists are this call's own scratch: their medians may reorder them.
  const deliveries = deliveriesOf(ctx, taskIndices);
  const rawDelivery = deliveries.length > 0 ? medianInPlace(deliveries) : median(ctx.runDelivery());
  const deliveryMs = rawDelivery === null ? null : Math.max(0, rawDelivery);
  const smallSer = medianInPlace(smallSerializationOf(model.tasks, taskIndices));
  const overhead = deliveryMs === null && smallSer === null ? null : (deliveryMs ?? 0) + (smallSer ?? 0);
  const { pools, computeByPool } = compute;

  // Start-up is paid per pool: charge each pool involved its workers' start-up, once.
  let poolCompute = 0;
  let poolWorkers = 0;
  let startupCost = 0;
  let startupWorkers = 0;
  let startupCharged: number | null = null;
  let waitCost = 0;
  let waitWorkers = 0;
  for (const p of pools) {
    const s = ctx.pools[p];
    poolCompute += s.computeMs;
    poolWorkers += s.workersUsed;
    if (s.startupMs !== null) {
      startupCost += s.workersUsed * s.startupMs;
      startupWorkers += s.workersUsed;
      const share = s.computeMs > 0 ? computeByPool[p] / s.computeMs : 1;
      startupCharged = (startupCharged ?? 0) + s.startupMs * share;
    }
    if (s.startupWaitMs !== null) {
      waitCost += s.workersUsed * s.startupWaitMs;
      waitWorkers += s.workersUsed;
    }
  }
  const computePerWorkerMs = ratio(poolCompute, poolWorkers);
  const startupMs = ratio(startupCost, startupWorkers);
  const knownCompute = sum(
    pools.filter((p) => ctx.pools[p].startupMs !== null).map((p) => ctx.pools[p].computeMs),
  );

  const medianMs = quantileOfSorted(computeSorted, 0.5);
  // The median task's work: its wall time at the rate the tasks' wall time was work.
  const workRate = computeTotal > 0 ? sequentialMs / computeTotal : 1;
  const waitMs = compute.sequential.waitMs();
  const helperCpuMs = compute.sequential.helperCpuMs();
  return {
    tasks: n,
    items: sums.items,
    workersUsed: compute.workersUsed,
    compute: {
      medianMs,
      p95Ms: quantileOfSorted(computeSorted, 0.95),
      totalMs: computeTotal,
      cpuMs: compute.sequential.cpuMs(),
      ...(cpuSampled ? { cpuSampled } : {}),
      ...(waitMs !== null ? { waitMs } : {}),
      blockedMs: compute.sequential.blockedMs(),
      ...(compute.sequential.gcMs() > 0 ? { gcMs: compute.sequential.gcMs() } : {}),
      ...(helperCpuMs !== null ? { helperCpuMs } : {}),
      sequentialMs,
      workMedianMs: medianMs === null ? null : medianMs * workRate,
      ...(helperCpuMs !== null &&
      compute.sequential.cpuMs() > 0 &&
      helperCpuMs >= HELPER_CPU_SHARE * compute.sequential.cpuMs()
        ? { upperBound: true }
        : {}),
    },
    ipc: {
      perTaskMs: n > 0 ? ipcTotal / n : null,
      pickleMs: sums.pickle,
      unpickleMs: sums.unpickle,
      transferMs: sums.transfer,
      bytesPerTask: n > 0 ? (sums.bytesIn + sums.bytesOut) / n : null,
      bytesIn: sums.bytesIn,
      bytesOut: sums.bytesOut,
      share: ratio(ipcTotal, ipcTotal + computeTotal),
    },
    errors,
    firstError,
    deliveryMs,
    smallMessageSerializationMs: smallSer,
    perMessageOverheadMs: overhead,
    itemsPerTask: itemsMedian(sums.itemCounts),
    computePerWorkerMs,
    startupMs,
    startupWaitMs: ratio(waitCost, waitWorkers),
    computePerWorkerToStartup: startupCost > 0 ? knownCompute / startupCost : null,
    startupChargedMs: startupCharged,
  };
}

/**
 * Compute wall time of the tasks that have a compute interval (in task order), their sequential
 * work, compute by pool, the pools in the order first seen (which the start-up sums follow) and the workers used.
 */
function computeOf(
  model: TraceModel,
  taskIndices: ArrayLike<number>,
): {
  walls: NumberList;
  sequential: SequentialWork;
  computeByPool: Float64Array;
  pools: number[];
  workersUsed: number;
} {
  const { tasks } = model;
  const { computeStartMs, computeEndMs, cpuMs, waitMs, blockedMs, procCpuMs, clockSample, gcMs } = tasks.num;
  const { pool: poolOf, worker: workerOf } = tasks;
  const n = taskIndices.length;
  const walls = new NumberList(n);
  const sequential = new SequentialWork();
  const computeByPool = new Float64Array(model.pools.length);
  const poolSeen = new Uint8Array(model.pools.length);
  const pools: number[] = [];
  const workerSeen = new Uint8Array(model.processes.length);
  let workersUsed = 0;
  for (let k = 0; k < n; k++) {
    const i = taskIndices[k];
    const pool = poolOf[i];
    const compute = computeEndMs[i] - computeStartMs[i];
    if (!Number.isNaN(compute)) {
      walls.push(compute);
      sequential.add(compute, cpuMs[i], waitMs[i], blockedMs[i], procCpuMs[i], clockSample[i], gcMs[i]);
      computeByPool[pool] += compute;
    }
    if (poolSeen[pool] === 0) {
      poolSeen[pool] = 1;
      pools.push(pool);
    }
    const worker = workerOf[i];
    if (worker >= 0 && workerSeen[worker] === 0) {
      workerSeen[worker] = 1;
      workersUsed++;
    }
  }
  return { walls, sequential, computeByPool, pools, workersUsed };
}

/** CPU times of the tasks with a compute interval, in order (the list computeOf does not keep). */
function cpusOf(tasks: TaskTable, taskIndices: ArrayLike<number>): Float64Array {
  const { computeStartMs, computeEndMs, cpuMs } = tasks.num;
  const cpus = new NumberList();
  for (let k = 0; k < taskIndices.length; k++) {
    const i = taskIndices[k];
    if (!Number.isNaN(computeEndMs[i] - computeStartMs[i])) cpus.push(cpuMs[i]);
  }
  return cpus.values();
}

/**
 * The median items per task. Where every task has the same count (chunksize 1: a million ones)
 * that count is the median, as selection would find at a cost (a finite count: the interpolation
 * adds 0).
 */
function itemsMedian(counts: Float64Array): number | null {
  let same = counts.length > 0 && Number.isFinite(counts[0]);
  for (let k = 1; k < counts.length && same; k++) same = counts[k] === counts[0];
  return same ? counts[0] : medianInPlace(counts);
}

/** Totals over the tasks, skipping what was not recorded (NaN) as if it were 0; items per task. */
function sumsOf(
  tasks: TaskTable,
  taskIndices: ArrayLike<number>,
): {
  items: number;
  itemCounts: Float64Array;
  pickle: number;
  unpickle: number;
  transfer: number;
  bytesIn: number;
  bytesOut: number;
} {
  const c = tasks.num;
  const { items: itemsCol, pickleInMs, pickleOutMs, unpickleInMs, unpickleOutMs } = c;
  const { writeInMs, writeOutMs, bytesIn: bytesInCol, bytesOut: bytesOutCol } = c;
  const n = taskIndices.length;
  const itemCounts = new Float64Array(n);
  let items = 0;
  let pickle = 0;
  let unpickle = 0;
  let transfer = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  for (let k = 0; k < n; k++) {
    const i = taskIndices[k];
    const count = Number.isNaN(itemsCol[i]) ? 1 : itemsCol[i];
    itemCounts[k] = count;
    items += count;
    pickle += or0(pickleInMs[i]) + or0(pickleOutMs[i]);
    unpickle += or0(unpickleInMs[i]) + or0(unpickleOutMs[i]);
    transfer += or0(writeInMs[i]) + or0(writeOutMs[i]);
    bytesIn += or0(bytesInCol[i]);
    bytesOut += or0(bytesOutCol[i]);
  }
  return { items, itemCounts, pickle, unpickle, transfer, bytesIn, bytesOut };
}

/** Tasks that failed (ok = 0, or with an error text) and the first error text among them. */
function errorsOf(
  tasks: TaskTable,
  taskIndices: ArrayLike<number>,
): { errors: number; firstError: string | null } {
  const { ok } = tasks;
  const texts = tasks.errors;
  let errors = 0;
  let firstError: string | null = null;
  for (let k = 0; k < taskIndices.length; k++) {
    const i = taskIndices[k];
    const error = texts.size > 0 ? (texts.get(i) ?? null) : null;
    if (ok[i] === 0 || error !== null) {
      errors++;
      firstError ??= error;
    }
  }
  return { errors, firstError };
}

/** The tasks' delivery samples (see DeliveryTable): each task's, then its result's. */
function deliveriesOf(ctx: MetricsContext, taskIndices: ArrayLike<number>): Float64Array {
  const { task, result } = ctx.delivery;
  const out = new NumberList(2 * taskIndices.length);
  for (let k = 0; k < taskIndices.length; k++) {
    const i = taskIndices[k];
    if (!Number.isNaN(task[i])) out.push(task[i]);
    if (!Number.isNaN(result[i])) out.push(result[i]);
  }
  return out.values();
}

/**
 * Serialization (pickle + unpickle) of the tasks' small messages (NaN compares false: a missing
 * stamp or size leaves a message out).
 */
function smallSerializationOf(tasks: TaskTable, taskIndices: ArrayLike<number>): Float64Array {
  const { pickleInMs, unpickleInMs, pickleOutMs, unpickleOutMs, bytesIn, bytesOut } = tasks.num;
  const out = new NumberList(2 * taskIndices.length);
  for (let k = 0; k < taskIndices.length; k++) {
    const i = taskIndices[k];
    const serIn = pickleInMs[i] + unpickleInMs[i];
    if (bytesIn[i] < SMALL_MESSAGE_BYTES && !Number.isNaN(serIn)) out.push(serIn);
    const serOut = pickleOutMs[i] + unpickleOutMs[i];
    if (bytesOut[i] < SMALL_MESSAGE_BYTES && !Number.isNaN(serOut)) out.push(serOut);
  }
  return out.values();
}
