/**
 * Joins task records into tasks. While records stream in, a task is a row of typed columns (NaN =
 * not recorded) found by its key through dense arrays (Pool job ids, chunk indices and executor
 * work ids are small consecutive integers), so a million-task trace costs no hashing and no object
 * per record; the columns then become the model's {@link TaskTable}.
 */
import { numberColumns, TaskTable, type NumberColumns } from './taskTable';

/** Jobs up to this use a dense array; larger (or negative) ones a Map. */
const DENSE_JOBS = 1 << 24;

const NO_ROWS = new Int32Array(0);

/** Rows made ready at a time (see TaskJoin.clearRows). */
const CLEAR_ROWS = 4096;

/**
 * The tasks of one job: the one with index -1 (apply_async, executor work items), and the rest by
 * chunk index, in a typed array grown by doubling (a JS array of a million rows cost as much again
 * in growth and GC), with a Map for the odd index far past the rest.
 */
class JobSlot {
  single = -1;
  private byIndex = NO_ROWS;
  private far: Map<number, number> | null = null;

  get(index: number): number {
    if (index < 0) return this.single;
    // `?? -1`: a fractional index (from a META) reads as undefined.
    const i = index < this.byIndex.length ? (this.byIndex[index] ?? -1) : -1;
    return i >= 0 || !this.far ? i : (this.far.get(index) ?? -1);
  }

  /** Sets a key `get` found no row for. */
  set(index: number, row: number): void {
    if (index < 0) this.single = row;
    else if (index < this.byIndex.length) this.byIndex[index] = row;
    else if (index < Math.max(2 * this.byIndex.length, 1024)) {
      const bigger = new Int32Array(Math.max(2 * this.byIndex.length, index + 1, 16)).fill(-1);
      bigger.set(this.byIndex);
      this.byIndex = bigger;
      this.byIndex[index] = row;
    } else (this.far ??= new Map()).set(index, row);
  }
}

class PoolKeys {
  private readonly dense: (JobSlot | undefined)[] = [];
  private readonly sparse = new Map<number, JobSlot>();

  slot(job: number, create: boolean): JobSlot | undefined {
    const dense = job >= 0 && job < DENSE_JOBS && Number.isInteger(job);
    let s = dense ? this.dense[job] : this.sparse.get(job);
    if (!s && create) {
      s = new JobSlot();
      if (dense) this.dense[job] = s;
      else this.sparse.set(job, s);
    }
    return s;
  }
}

/**
 * Numbers (a join's rows, or a mark that a task was seen) by task key (pool, job, index), found
 * through the dense arrays above.
 */
export class TaskIndex {
  private readonly keys: PoolKeys[] = [];
  private lastPool = -1;
  private lastJob = NaN;
  private lastSlot: JobSlot | undefined;

  /** The number for (pool, job, index), or -1. */
  get(pool: number, job: number, index: number): number {
    const s = this.slot(pool, job, false);
    return s ? s.get(index) : -1;
  }

  /** Sets the number for a key `get` found none for (a number ≥ 0). */
  set(pool: number, job: number, index: number, value: number): void {
    (this.slot(pool, job, true) as JobSlot).set(index, value);
  }

  /** The job's slot, created if asked. */
  slot(pool: number, job: number, create: boolean): JobSlot | undefined {
    // Consecutive keys nearly always belong to the same job (one map call's chunks).
    if (pool === this.lastPool && job === this.lastJob && this.lastSlot) return this.lastSlot;
    const s = (this.keys[pool] ??= new PoolKeys()).slot(job, create);
    if (s) [this.lastPool, this.lastJob, this.lastSlot] = [pool, job, s];
    return s;
  }
}

export class TaskJoin {
  count = 0;
  private capacity = 0;
  /** Rows below this have their columns set to "not recorded" (see clearRows). */
  private ready = 0;
  pool = new Int32Array(0);
  job = new Float64Array(0);
  index = new Float64Array(0);
  parent = new Int32Array(0);
  worker = new Int32Array(0);
  call = new Int32Array(0);
  /** -1 unknown, 0 the task raised, 1 success. */
  ok = new Int8Array(0);
  /** By field: one value per task, NaN where not recorded. */
  readonly v: NumberColumns = numberColumns(() => new Float64Array(0));
  /** `Type: message` from `task-error` METAs, by row. */
  readonly errors = new Map<number, string>();
  private readonly keys = new TaskIndex();

  /**
   * Room for `expected` rows. `ready`: their columns are set to "not recorded" now, in one pass
   * (the fastest way to read a saved trace, sized from its file); else a block at a time as rows
   * come, so that room set aside ahead (the live panel's) takes no memory until it is used.
   */
  constructor(expected = 1024, ready = true) {
    this.grow(Math.max(16, expected));
    if (ready) while (this.ready < this.capacity) this.clearRows();
  }

  /** The task (pool, job, index), or -1. */
  find(pool: number, job: number, index: number): number {
    return this.keys.get(pool, job, index);
  }

  /** The task (pool, job, index), created if new. */
  at(pool: number, job: number, index: number): number {
    const s = this.keys.slot(pool, job, true) as JobSlot;
    const found = s.get(index);
    if (found >= 0) return found;
    const i = this.add(pool, job, index);
    s.set(index, i);
    return i;
  }

  private add(pool: number, job: number, index: number): number {
    if (this.count === this.capacity) this.grow(this.capacity * 2);
    const i = this.count++;
    if (i >= this.ready) this.clearRows();
    this.pool[i] = pool;
    this.job[i] = job;
    this.index[i] = index;
    return i;
  }

  /**
   * Room for `capacity` rows. Only the rows made ready so far are copied: the rest of the new
   * arrays stays zero, untouched (so the system gives it no memory) until rows reach it.
   */
  private grow(capacity: number): void {
    const keep = <T extends Column>(a: T): T => resized(a.subarray(0, this.ready) as T, capacity);
    [this.pool, this.job, this.index, this.parent] = [
      keep(this.pool),
      keep(this.job),
      keep(this.index),
      keep(this.parent),
    ];
    [this.worker, this.call, this.ok] = [keep(this.worker), keep(this.call), keep(this.ok)];
    // The same object, new arrays: callers may hold on to `v`.
    Object.assign(
      this.v,
      numberColumns((f) => keep(this.v[f])),
    );
    this.capacity = capacity;
  }

  /** Sets the next rows' columns to "not recorded" (-1, NaN), a block at a time as rows are added. */
  private clearRows(): void {
    const [from, to] = [this.ready, Math.min(this.capacity, this.ready + CLEAR_ROWS)];
    for (const a of [this.pool, this.index, this.parent, this.worker, this.call, this.ok])
      a.fill(-1, from, to);
    for (const a of Object.values(this.v)) a.fill(NaN, from, to);
    this.ready = to;
  }

  /**
   * The rows in new arrays, without the key index: a snapshot that can be finished (rewritten,
   * reordered) while this join goes on.
   */
  copy(): TaskJoin {
    const n = this.count;
    const cut = <T extends Column>(a: T): T => a.slice(0, n) as T;
    const c = new TaskJoin(0);
    [c.pool, c.job, c.index, c.parent] = [cut(this.pool), cut(this.job), cut(this.index), cut(this.parent)];
    [c.worker, c.call, c.ok] = [cut(this.worker), cut(this.call), cut(this.ok)];
    Object.assign(
      c.v,
      numberColumns((f) => cut(this.v[f])),
    );
    for (const [row, error] of this.errors) c.errors.set(row, error);
    c.count = c.capacity = c.ready = n;
    return c;
  }

  /**
   * A join with this one's rows, sharing its recorded columns (job, index, ok and the values: not
   * copied) but with its own `pool`, `parent`, `worker` and `call` (≥ `allocated` long), the
   * columns a finish rewrites: the live panel's rows, finished in place tick after tick (LiveRows).
   */
  sharing(own: Pick<TaskJoin, 'pool' | 'parent' | 'worker' | 'call'>): TaskJoin {
    const c = new TaskJoin(0);
    [c.pool, c.parent, c.worker, c.call] = [own.pool, own.parent, own.worker, own.call];
    [c.job, c.index, c.ok] = [this.job, this.index, this.ok];
    Object.assign(c.v, this.v);
    [c.count, c.capacity, c.ready] = [this.count, this.capacity, this.ready];
    return c;
  }

  /** Rows the columns have room for (`count` of them in use). */
  get allocated(): number {
    return this.capacity;
  }

  /**
   * Moves row `order[k]` to row k in every column, for a join that met rows in another order than
   * the model lists them. The key index is left behind, and so are `errors` (attach them after):
   * the returned array gives each old row's new place.
   */
  reorder(order: Int32Array): Int32Array {
    const n = this.count;
    const move = <T extends Float64Array | Int32Array | Int8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(this.capacity);
      for (let k = 0; k < n; k++) b[k] = a[order[k]];
      return b;
    };
    this.pool = move(this.pool);
    this.job = move(this.job);
    this.index = move(this.index);
    this.parent = move(this.parent);
    this.worker = move(this.worker);
    this.call = move(this.call);
    this.ok = move(this.ok);
    for (const f of Object.keys(this.v) as (keyof NumberColumns)[]) this.v[f] = move(this.v[f]);
    this.ready = n;
    const rowOf = new Int32Array(n);
    for (let k = 0; k < n; k++) rowOf[order[k]] = k;
    return rowOf;
  }

  /**
   * The rows so far as the model's table (the columns are shared, not copied, when full enough).
   * `finished`: the columns finishTasks fills, kept from the last table (LiveRows); the columns
   * are then always shared, since they are kept too.
   */
  toTable(finished?: FinishedColumns): TaskTable {
    const n = this.count;
    // Trim to the rows in use: a view when little is wasted, else a copy so the slack is freed.
    const share = finished !== undefined || n >= this.capacity * 0.75;
    const fit = <T extends Float64Array | Int32Array | Int8Array | Uint8Array>(a: T): T =>
      (share ? a.subarray(0, n) : a.slice(0, n)) as T;
    const num = numberColumns((f) => fit(this.v[f]));
    return new TaskTable({
      pool: fit(this.pool),
      call: fit(this.call),
      parent: fit(this.parent),
      worker: fit(this.worker),
      job: fit(this.job),
      index: fit(this.index),
      ok: fit(this.ok),
      num,
      errors: this.errors,
      finished: finished && {
        parentPid: fit(finished.parentPid),
        workerPid: fit(finished.workerPid),
        state: fit(finished.state),
        inFlightAtCrash: fit(finished.inFlightAtCrash),
      },
    });
  }
}

/**
 * Rows in the order of their first record, (pass, seq) per row, or null when they already are.
 * Every record touches one row, so no two rows share a seq (< `seqs`): rows are placed by seq,
 * pass by pass.
 */
export function firstRecordOrder(
  orderPass: Int8Array,
  orderSeq: Uint32Array,
  n: number,
  seqs: number,
): Int32Array | null {
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    const d = orderPass[i] - orderPass[i - 1];
    sorted = d > 0 || (d === 0 && orderSeq[i] > orderSeq[i - 1]);
  }
  if (sorted) return null;
  const rowAtSeq = new Int32Array(seqs).fill(-1);
  for (let i = 0; i < n; i++) rowAtSeq[orderSeq[i]] = i;
  const passes = [...new Set(orderPass.subarray(0, n))].sort((a, b) => a - b);
  const order = new Int32Array(n);
  let k = 0;
  for (const pass of passes) {
    for (let s = 0; s < rowAtSeq.length; s++) {
      const i = rowAtSeq[s];
      if (i >= 0 && orderPass[i] === pass) order[k++] = i;
    }
  }
  return order;
}

type Column = Float64Array | Int32Array | Uint32Array | Int8Array | Uint8Array;

/** The columns of a TaskTable that finishTasks fills in. */
export interface FinishedColumns {
  parentPid: Int32Array;
  workerPid: Int32Array;
  state: Uint8Array;
  inFlightAtCrash: Uint8Array;
}

/** A copy of `a` with room for `n` entries, those past `a`'s own set to `fill`. */
export function resized<T extends Column>(a: T, n: number, fill = 0): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}
