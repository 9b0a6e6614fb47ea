/**
 * The loops over a call site's task columns that the what-if workload (whatIf.ts, siteWorkload) is
 * built from: which tasks it replays, in what order, their CPU share, their items by batch, and the
 * pace of the pool's loops.
 *
 * Each loop is a small function of its own. A million-task site is walked several times, and in a
 * fresh process (as the extension loads a run) V8 compiles a big function's loops late and drops
 * the code each time a branch it had not seen yet is taken: the same loops fused in siteWorkload
 * took ~3× as long. Every sum adds the same values in the same order as they did there.
 */
import type { NumberColumns, TaskTable } from '../model';
import { MedianAtLeast, medianInPlace, NumberList, sortRangeBy } from './stats';

/** The tasks the replay can use: a finite compute interval and at least one item. */
export function modelledTasks(num: NumberColumns, tasks: ArrayLike<number>): Int32Array {
  const { computeStartMs, computeEndMs, items } = num;
  const kept = new Int32Array(tasks.length);
  let n = 0;
  for (let k = 0; k < tasks.length; k++) {
    const i = tasks[k];
    if (Number.isFinite(computeStartMs[i]) && Number.isFinite(computeEndMs[i]) && items[i] > 0) kept[n++] = i;
  }
  return kept.subarray(0, n);
}

/**
 * The tasks in the order they were handed out, and by row the stamp that orders them (dispatch,
 * else pickling, else compute start; 0 for rows not in `kept`).
 */
export function handOutOrder(
  num: NumberColumns,
  kept: Int32Array,
  rows: number,
): { order: Int32Array; key: Float64Array } {
  const { dispatchMs, pickleStartMs, computeStartMs } = num;
  const key = new Float64Array(rows);
  for (let k = 0; k < kept.length; k++) {
    const i = kept[k];
    key[i] = firstOf(dispatchMs[i], pickleStartMs[i], computeStartMs[i]);
  }
  const order = kept.slice();
  sortRangeBy(order, 0, order.length, key);
  return { order, key };
}

/**
 * Whether the median task spent at least `boundRatio` of its compute time on a CPU, and the CPU
 * and compute wall time of the tasks with at least `minCpuMs` of CPU (each task's CPU capped at its
 * wall time).
 */
export function cpuTally(
  num: NumberColumns,
  kept: Int32Array,
  minCpuMs: number,
  boundRatio: number,
): { cpuBound: boolean; cpu: number; wall: number } {
  const { computeStartMs, computeEndMs, cpuMs } = num;
  const ratioAtLeast = new MedianAtLeast(boundRatio);
  let cpu = 0;
  let wall = 0;
  for (let k = 0; k < kept.length; k++) {
    const i = kept[k];
    const c = computeEndMs[i] - computeStartMs[i];
    const t = cpuMs[i];
    if (!Number.isFinite(t) || c <= 0) continue;
    ratioAtLeast.add(t / c);
    // A share measured over microseconds of work says more about the clocks and one preemption
    // than about the load.
    if (t < minCpuMs) continue;
    cpu += Math.min(c, t);
    wall += c;
  }
  const cpuBound = ratioAtLeast.result(() => cpuRatios(num, kept)) === true;
  return { cpuBound, cpu, wall };
}

/** CPU time / compute wall time of the tasks that have a CPU time and a compute interval. */
function cpuRatios(num: NumberColumns, kept: Int32Array): Float64Array {
  const ratios = new NumberList();
  for (const i of kept) {
    const c = num.computeEndMs[i] - num.computeStartMs[i];
    if (Number.isFinite(num.cpuMs[i]) && c > 0) ratios.push(num.cpuMs[i] / c);
  }
  return ratios.values();
}

export function itemTotal(num: NumberColumns, kept: Int32Array): number {
  let total = 0;
  for (let k = 0; k < kept.length; k++) total += num.items[kept[k]];
  return total;
}

/** What {@link fillSpan} found about one span's tasks. */
export interface SpanFill {
  /** Entries of `itemMs` filled so far, and the next entry of `order` to take. */
  filled: number;
  at: number;
  /** The first task's pickling started; the last result was done (unpickled, else sent…). */
  firstPickle: number;
  lastDone: number;
  /** The workers that ran them (process indices). */
  workers: number[];
}

/**
 * Takes the tasks of `order` from `at` on that were handed out by `end` (a span of overlapping
 * calls starting at `start`), writing each item's compute demand (its task's compute time × `speed`
 * shared among its items) to `itemMs` from `filled` on.
 */
export function fillSpan(
  tasks: TaskTable,
  hand: { order: Int32Array; key: Float64Array },
  span: { start: number; end: number; at: number; filled: number; speed: number },
  itemMs: Float64Array,
  processes: number,
): SpanFill {
  const num = tasks.num;
  const { order, key } = hand;
  const { start, end, speed } = span;
  let { at, filled } = span;
  let firstPickle = Infinity;
  let lastDone = -Infinity;
  const seen = new Uint8Array(processes);
  const workers: number[] = [];
  while (at < order.length && key[order[at]] <= end) {
    const i = order[at++];
    const n = num.items[i];
    const compute = num.computeEndMs[i] - num.computeStartMs[i];
    // One item (chunksize 1, the usual million-task case) needs no fill() call.
    if (n === 1) itemMs[filled] = (compute * speed) / n;
    else itemMs.fill((compute * speed) / n, filled, filled + n);
    filled += n;
    firstPickle = Math.min(firstPickle, firstOf(num.pickleStartMs[i], num.dispatchMs[i], start));
    const done = num.resultArrivalMs[i] + (Number.isFinite(num.unpickleOutMs[i]) ? num.unpickleOutMs[i] : 0);
    lastDone = Math.max(lastDone, firstOf(done, num.resultSentMs[i], num.computeEndMs[i]));
    const w = tasks.worker[i];
    if (w >= 0 && seen[w] === 0) {
      seen[w] = 1;
      workers.push(w);
    }
  }
  return { filled, at, firstPickle, lastDone, workers };
}

/** The median of a column over the sample's rows, leaving out what was not recorded; 0 if none. */
export function sampleMedian(col: Float64Array, sample: Int32Array): number {
  const xs = new NumberList(sample.length);
  for (let k = 0; k < sample.length; k++) if (Number.isFinite(col[sample[k]])) xs.push(col[sample[k]]);
  // `xs` is this call's own: selecting its median in place spares a copy.
  return medianInPlace(xs.values()) ?? 0;
}

/**
 * The first of the values that was recorded (finite); NaN if none. Three arguments, not a rest
 * parameter: it runs twice per task of a million-task site, and a rest array is an object a call.
 */
function firstOf(a: number, b: number, c: number): number {
  if (Number.isFinite(a)) return a;
  if (Number.isFinite(b)) return b;
  return Number.isFinite(c) ? c : NaN;
}

/** The rows of `rows` whose `col` is finite, in order (a loop: `filter` calls a closure per row). */
function withFinite(rows: Int32Array, col: Float64Array): Int32Array {
  const out = new Int32Array(rows.length);
  let n = 0;
  for (let k = 0; k < rows.length; k++) if (Number.isFinite(col[rows[k]])) out[n++] = rows[k];
  return out.slice(0, n);
}

/** A loop's pace: the mean, ms per message, over `n` turns; null without one. */
const mean = (total: number, n: number): number | null => (n > 0 ? total / n : null);

/**
 * The pace of each loop while it had work waiting, ms per message (null without a sample):
 * - send: the parent's task handler, start of one task's pickling to the next's, where no result
 *   had just come in to trigger the next (see {@link triggered});
 * - worker: end of one compute to the start of the next on the same worker, where the next
 *   message was already in the pipe (reply, read, unpickle and the worker loop);
 * - collect: the parent's result handler, one result done to the next, where the next had
 *   been sent before the previous was done.
 * The mean, not the median: a loop's throughput pays for its slow turns (preemption) too.
 * `kept`: the sample, in hand-out order; `processes`: how many process indices there are.
 */
export function cadences(
  T: TaskTable,
  kept: Int32Array,
  processes: number,
): { send: number | null; worker: number | null; collect: number | null } {
  return { send: sendPace(T, kept), worker: workerPace(T, kept, processes), collect: collectPace(T, kept) };
}

function sendPace(T: TaskTable, kept: Int32Array): number | null {
  const { pickleStartMs } = T.num;
  const byPickle = withFinite(kept, pickleStartMs);
  sortRangeBy(byPickle, 0, byPickle.length, pickleStartMs);
  const arrivals = sortedArrivals(T, kept);
  let total = 0;
  let n = 0;
  let a = 0;
  for (let k = 1; k < byPickle.length; k++) {
    const p = byPickle[k - 1];
    const q = byPickle[k];
    const from = pickleStartMs[p];
    const to = pickleStartMs[q];
    while (a < arrivals.length && arrivals[a] <= to) a++;
    if (T.pool[p] !== T.pool[q] || triggered(from, to, a > 0 ? arrivals[a - 1] : -Infinity)) continue;
    total += to - from;
    n++;
  }
  return mean(total, n);
}

/**
 * Whether the sender waited for a result between two sends rather than working: a result arrived
 * in the last quarter of the gap. joblib dispatches a batch as one completes and a
 * ProcessPoolExecutor refills its call queue as results come back; those gaps are the workers'
 * pace, not the sender's cost (counted as cost, a joblib call of 24 batches was modelled 1.3 s
 * too slow). In a loop that sends all its tasks at once a result lands there at random, and
 * leaving out a quarter of its gaps leaves the pace as it was.
 */
function triggered(from: number, to: number, lastArrival: number): boolean {
  return lastArrival > from + 0.75 * (to - from);
}

/** The kept tasks' result arrival times, ascending. */
function sortedArrivals(T: TaskTable, kept: Int32Array): Float64Array {
  const { resultArrivalMs } = T.num;
  const rows = withFinite(kept, resultArrivalMs);
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = resultArrivalMs[rows[k]];
  return out.sort();
}

function workerPace(T: TaskTable, kept: Int32Array, processes: number): number | null {
  const { dispatchMs, computeStartMs, computeEndMs } = T.num;
  // In hand-out order, each worker's tasks come in the order it computed them (one pipe, FIFO).
  // By worker: the end of its previous compute (NaN before its first; kept tasks have one).
  const lastEnd = new Float64Array(processes).fill(NaN);
  let total = 0;
  let n = 0;
  for (let k = 0; k < kept.length; k++) {
    const i = kept[k];
    const w = T.worker[i];
    if (w < 0) continue;
    const end = lastEnd[w];
    if (!Number.isNaN(end) && dispatchMs[i] <= end) {
      total += computeStartMs[i] - end;
      n++;
    }
    lastEnd[w] = computeEndMs[i];
  }
  return mean(total, n);
}

function collectPace(T: TaskTable, kept: Int32Array): number | null {
  const { resultArrivalMs, unpickleOutMs, resultSentMs } = T.num;
  const withResult = withFinite(kept, resultArrivalMs);
  // By position in `withResult` (not by row: the sample is 50 000 of maybe millions of rows).
  const done = new Float64Array(withResult.length);
  for (let k = 0; k < withResult.length; k++) {
    const i = withResult[k];
    done[k] = resultArrivalMs[i] + (Number.isFinite(unpickleOutMs[i]) ? unpickleOutMs[i] : 0);
  }
  const byDone = new Int32Array(withResult.length);
  for (let k = 0; k < byDone.length; k++) byDone[k] = k;
  sortRangeBy(byDone, 0, byDone.length, done);
  let total = 0;
  let n = 0;
  for (let k = 1; k < byDone.length; k++) {
    const p = byDone[k - 1];
    const q = byDone[k];
    if (T.pool[withResult[p]] === T.pool[withResult[q]] && resultSentMs[withResult[q]] <= done[p]) {
      total += done[q] - done[p];
      n++;
    }
  }
  return mean(total, n);
}
