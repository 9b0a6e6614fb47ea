/** Small statistics helpers, on plain or typed arrays of finite numbers. */

/** A growable list of numbers backed by a Float64Array (no boxing, cheap to sort). */
export class NumberList {
  private data: Float64Array;
  length = 0;

  /** `capacity`: how many values are expected (it still grows past that). */
  constructor(capacity = 16) {
    this.data = new Float64Array(Math.max(1, capacity));
  }

  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** A sorted copy (ascending). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** The q-quantile of sorted values by linear interpolation between closest ranks (numpy's default). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The same q-quantile as {@link quantileOfSorted}, without sorting: its two closest ranks are
 * found by selection, O(n) instead of O(n log n) (medians of a million tasks are taken several
 * times per analysis).
 */
export function quantile(values: ArrayLike<number>, q: number): number | null {
  return values.length === 0 ? null : quantileInPlace(Float64Array.from(values), q);
}

/**
 * {@link quantile} of a scratch array, which it reorders: no copy (for values collected only to
 * take their median, a million of them at a time).
 */
export function quantileInPlace(a: Float64Array, q: number): number | null {
  const n = a.length;
  if (n === 0) return null;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const x = selectInPlace(a, lo);
  if (pos === lo) return x;
  // Everything after rank lo is ≥ x: the next rank is the smallest of them.
  let y = Infinity;
  for (let i = lo + 1; i < n; i++) if (a[i] < y) y = a[i];
  return x + (y - x) * (pos - lo);
}

/**
 * Reorders `a` so that a[k] is its k-th smallest value, smaller ones before it and larger ones
 * after (Hoare's selection, as in Wirth's "Algorithms + Data Structures"), and returns a[k].
 */
function selectInPlace(a: Float64Array, k: number): number {
  let l = 0;
  let r = a.length - 1;
  while (l < r) {
    // Pivot: the median of the first, middle and last values (sorted input stays linear).
    const [p, m, z] = [a[l], a[(l + r) >> 1], a[r]];
    const x = p < m ? (m < z ? m : p < z ? z : p) : p < z ? p : m < z ? z : m;
    let i = l;
    let j = r;
    do {
      while (a[i] < x) i++;
      while (x < a[j]) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) l = i;
    if (k < i) r = j;
  }
  return a[k];
}

/** The median (mean of the two middle values for an even count); null for no values. */
export function median(values: ArrayLike<number>): number | null {
  return quantile(values, 0.5);
}

/** {@link median} of a scratch array, which it reorders (see {@link quantileInPlace}). */
/** The median of the values that are known (not null); null if none is. */
export function medianKnown(values: readonly (number | null)[]): number | null {
  return median(values.filter((v): v is number => v !== null));
}

export function medianInPlace(values: Float64Array): number | null {
  return quantileInPlace(values, 0.5);
}

/**
 * Whether the median of the values added is at least `threshold`, without keeping them: the
 * answer `median(values) >= threshold` gives (null for no values), from a count of the values
 * below the threshold and the two values either side of it. The median of a million tasks' CPU
 * ratios was taken only to compare it with a threshold; selecting it cost a copy and ~70 ms.
 */
export class MedianAtLeast {
  private n = 0;
  private below = 0;
  /** The largest value below the threshold, and the smallest at or above it. */
  private maxBelow = -Infinity;
  private minAbove = Infinity;
  private finite = true;

  constructor(private readonly threshold: number) {}

  add(x: number): void {
    this.n++;
    if (!Number.isFinite(x)) this.finite = false;
    if (x < this.threshold) {
      this.below++;
      if (x > this.maxBelow) this.maxBelow = x;
    } else if (x < this.minAbove) this.minAbove = x;
  }

  /**
   * null without values. The median is ranks lo and hi (equal for an odd count) interpolated as
   * {@link quantileInPlace} does: when both are on one side of the threshold so is their mean;
   * when they straddle it they are maxBelow and minAbove. With an infinite value the mean of the
   * two could be NaN: then `values` (the same values, gathered again by the caller) decide.
   */
  result(values: () => ArrayLike<number>): boolean | null {
    const { n, below, threshold } = this;
    if (n === 0) return null;
    if (!this.finite) return (median(values()) as number) >= threshold;
    const pos = (n - 1) * 0.5;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    if (below <= lo) return true;
    if (below > hi) return false;
    // below === hi > lo: rank lo is the largest value below, rank hi the smallest above.
    const [x, y] = [this.maxBelow, this.minAbove];
    return x + (y - x) * (pos - lo) >= threshold;
  }
}

export function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}

/** a / b, or null when either is missing or b is not positive. */
export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || !(b > 0) ? null : a / b;
}

/** Total length covered by a set of [start, end] intervals, overlaps counted once. */
export function unionLength(intervals: readonly (readonly [number, number])[]): number {
  let total = 0;
  for (const [a, b] of unionOf(intervals)) total += b - a;
  return total;
}

/** The union of the intervals, as disjoint [start, end] segments in time order. */
export function unionOf(intervals: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...intervals].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last === undefined || a > last[1]) out.push([a, b]);
    else if (b > last[1]) last[1] = b;
  }
  return out;
}

/**
 * The largest number of intervals [starts[i], ends[i]) open at one instant (an interval ending at t
 * is closed before one starting at t), and the first instant it is reached.
 */
export function peakOverlap(
  starts: ArrayLike<number>,
  ends: ArrayLike<number>,
): { peak: number; at: number } {
  const s = sortedCopy(starts);
  const e = sortedCopy(ends);
  let open = 0;
  let peak = 0;
  let at = 0;
  let j = 0;
  for (let i = 0; i < s.length; i++) {
    while (j < e.length && e[j] <= s[i]) {
      open--;
      j++;
    }
    open++;
    if (open > peak) {
      peak = open;
      at = s[i];
    }
  }
  return { peak, at };
}

/**
 * Groups indices 0…n−1 by a small non-negative key (a counting sort, stable): the indices of
 * key k are `order[start[k] … start[k+1])`. Indices whose key is negative are left out.
 */
export function groupByKey(
  keys: ArrayLike<number>,
  keyCount: number,
): { order: Int32Array; start: Int32Array } {
  const start = countByKey(keys, keyCount);
  for (let k = 0; k < keyCount; k++) start[k + 1] += start[k];
  const order = new Int32Array(start[keyCount]);
  placeByKey(keys, start.slice(0, keyCount), order);
  return { order, start };
}

// groupByKey's two passes over the keys are functions of their own: V8 compiles a long loop while
// it runs (on-stack replacement) and drops that code at the first statement after it that never
// ran before, so a second long loop in the same function would run uncompiled for a while.

/** start[k + 1] = how many keys are k. */
function countByKey(keys: ArrayLike<number>, keyCount: number): Int32Array {
  const start = new Int32Array(keyCount + 1);
  for (let i = 0; i < keys.length; i++) if (keys[i] >= 0) start[keys[i] + 1]++;
  return start;
}

function placeByKey(keys: ArrayLike<number>, next: Int32Array, order: Int32Array): void {
  for (let i = 0; i < keys.length; i++) if (keys[i] >= 0) order[next[keys[i]]++] = i;
}

/**
 * Sorts `order[from…to)` by `key[index]`, stably (ties keep their order), as
 * `sort((a, b) => key[a] - key[b])` does. Task stamps come nearly in order (results arrive a few
 * places from where their tasks were sent), so an insertion sort finishes in about one pass, where
 * the comparator sort called a closure ~20 times per task. Past a budget of moves (input far
 * from sorted) the comparator sort finishes the job: the insertion sort kept ties in their
 * order, so the result is the same.
 */
export function sortRangeBy(order: Int32Array, from: number, to: number, key: ArrayLike<number>): void {
  const state = orderState(order, from, to, key);
  if (state === 'sorted') return;
  // With a NaN key the comparator is inconsistent and its order is the engine's: keep it.
  if (state === 'nan' || !insertionSort(order, from, to, key)) comparatorSort(order, from, to, key);
}

/** Whether `order[from…to)` is already sorted by key, has a NaN key, or neither. */
function orderState(
  order: Int32Array,
  from: number,
  to: number,
  key: ArrayLike<number>,
): 'sorted' | 'nan' | 'unsorted' {
  let sorted = true;
  for (let i = from; i < to; i++) {
    if (Number.isNaN(key[order[i]])) return 'nan';
    if (i > from && key[order[i - 1]] > key[order[i]]) sorted = false;
  }
  return sorted ? 'sorted' : 'unsorted';
}

/**
 * A stable insertion sort of `order[from…to)` by key (no NaN keys), given up (false) past
 * INSERTION_MOVES_PER_ELEMENT moves per element; what it did keeps ties in their order.
 */
function insertionSort(order: Int32Array, from: number, to: number, key: ArrayLike<number>): boolean {
  let budget = INSERTION_MOVES_PER_ELEMENT * (to - from);
  for (let i = from + 1; i < to; i++) {
    const x = order[i];
    const kx = key[x];
    let j = i - 1;
    while (j >= from && kx < key[order[j]]) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = x;
    budget -= i - 1 - j;
    if (budget < 0) return false;
  }
  return true;
}

/** Element moves per element the insertion sort may spend before a comparator sort takes over. */
const INSERTION_MOVES_PER_ELEMENT = 8;

function comparatorSort(order: Int32Array, from: number, to: number, key: ArrayLike<number>): void {
  order.subarray(from, to).sort((a, b) => key[a] - key[b]);
}

/** How many of `readings` ([ms, value] in time order) were taken at or before `t`. */
export function readingsUpTo(readings: readonly [number, number][], t: number): number {
  let lo = 0;
  let hi = readings.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (readings[mid][0] <= t + 1e-6) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A clock that stands still at times (the main thread's time outside multiprocessing calls), at
 * `t`, from its `readings` ([ms, value] in time order): the reading at or before `t` plus the time
 * since; before the first, `t` itself (it runs from 0 at 0).
 */
export function freeTimeAt(samples: readonly [number, number][], t: number): number {
  const n = readingsUpTo(samples, t);
  const [at, free] = n > 0 ? samples[n - 1] : [0, 0];
  return free + Math.max(0, t - at);
}
