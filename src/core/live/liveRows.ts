/**
 * The live panel's task rows, kept finished from tick to tick so that a tick finishes only the
 * rows its records touched (StreamTaskJoin.interim), not a copy of every row.
 *
 * A row's finished values follow from its own records and from the model around it: which pool
 * each task channel is, which process each stream is, the processes' pids and deaths, the calls.
 * While what the rows finished so far were finished with stays as it was, a row no record touched
 * is still right; otherwise every row is finished again. Two changes are common and touch few
 * rows, which are finished again with the touched ones: new calls (each `submit` or
 * `apply_async` makes one) can only tell the call or parent of a row that had none, and a worker's
 * death only changes the rows it held (a pool's workers all "die" when it is terminated).
 */
import { resized, type FinishedColumns, type TaskJoin, StateCode, type TaskTable } from '../model';

/** What finished rows depend on beyond their own records. */
export interface RowContext {
  /** By task channel slot: its pool. */
  poolOfSlot: readonly number[];
  /** By stream: its process. */
  byStream: readonly number[];
  /** By process: its pid, and whether it died (a signal or a non-zero exit). */
  pids: readonly number[];
  crashed: readonly boolean[];
  calls: number;
}

export class LiveRows {
  /** The columns a finish rewrites, and those finishTasks fills: this object's own, kept. */
  private own = {
    pool: new Int32Array(0),
    parent: new Int32Array(0),
    worker: new Int32Array(0),
    call: new Int32Array(0),
  };
  private finished: FinishedColumns = {
    parentPid: new Int32Array(0),
    workerPid: new Int32Array(0),
    state: new Uint8Array(0),
    inFlightAtCrash: new Uint8Array(0),
  };
  private context: RowContext | null = null;
  /** Rows finished with no call or no parent: a later call may name them. */
  private unresolved = new Uint32Array(0);
  private readonly union = new RowUnion();

  /**
   * Copies from `live` the recorded values of the rows to finish and returns the join to finish
   * them in (its own index columns, `live`'s recorded ones), with which rows: `touched` (those
   * whose records came since the last call) and any that `context` may have changed, or null for
   * every row.
   */
  prepare(
    live: TaskJoin,
    touched: Uint32Array,
    context: RowContext,
  ): { join: TaskJoin; rows: Uint32Array | null } {
    this.fit(live.allocated);
    const last = this.context;
    this.context = context;
    const join = live.sharing(this.own);
    let rows: Uint32Array | null = null;
    if (last && sameAsBefore(last, context)) {
      const { count } = live;
      rows = context.calls === last.calls ? touched : this.union.of(touched, this.unresolved, count);
      const died = diedSince(last, context);
      if (died.size > 0) rows = this.union.of(rows, this.heldBy(died, count), count);
    }
    const { pool, parent, worker, call } = this.own;
    if (rows) {
      for (const i of rows) {
        pool[i] = live.pool[i];
        parent[i] = live.parent[i];
        worker[i] = live.worker[i];
        call[i] = live.call[i];
      }
    } else {
      const n = live.count;
      pool.set(live.pool.subarray(0, n));
      parent.set(live.parent.subarray(0, n));
      worker.set(live.worker.subarray(0, n));
      call.set(live.call.subarray(0, n));
    }
    return { join, rows };
  }

  /**
   * The table of `join` (from prepare) once `rows` of it are finished (finishColumns), before
   * finishTasks fills them in: it fills this object's kept columns.
   */
  table(join: TaskJoin): TaskTable {
    return join.toTable(this.finished);
  }

  /** After finishTasks: notes which of the rows finished have no call or no parent yet. */
  settled(tasks: TaskTable, rows: Uint32Array | null): void {
    const { call, parent } = tasks;
    const open = (i: number): boolean => call[i] < 0 || parent[i] < 0;
    if (!rows) {
      const found: number[] = [];
      for (let i = 0; i < tasks.length; i++) if (open(i)) found.push(i);
      this.unresolved = Uint32Array.from(found);
      return;
    }
    this.unresolved = this.union.of(this.unresolved, rows, tasks.length).filter(open);
  }

  /**
   * The rows of the first `n` a worker in `died` (by process) held when last finished: whether
   * the worker died holding them follows from its death.
   */
  private heldBy(died: Set<number>, n: number): Uint32Array {
    const { worker } = this.own;
    const { state } = this.finished;
    const held: number[] = [];
    for (let i = 0; i < n; i++) if (state[i] === StateCode.Received && died.has(worker[i])) held.push(i);
    return Uint32Array.from(held);
  }

  /** Grows the kept columns to `capacity` rows. */
  private fit(capacity: number): void {
    if (this.own.pool.length >= capacity) return;
    const { own, finished } = this;
    // No fill: a row is copied and finished before anything reads it.
    this.own = {
      pool: resized(own.pool, capacity),
      parent: resized(own.parent, capacity),
      worker: resized(own.worker, capacity),
      call: resized(own.call, capacity),
    };
    this.finished = {
      parentPid: resized(finished.parentPid, capacity),
      workerPid: resized(finished.workerPid, capacity),
      state: resized(finished.state, capacity),
      inFlightAtCrash: resized(finished.inFlightAtCrash, capacity),
    };
  }
}

/** Lists of rows joined into one, each row once: a mark per row says which join last took it. */
export class RowUnion {
  private taken = new Uint32Array(0);
  private joins = 0;

  /** The rows of `a`, then those of `b` not in `a`, each once (all rows < `rows`). */
  of(a: Uint32Array, b: Uint32Array, rows: number): Uint32Array {
    if (this.taken.length < rows) this.taken = resized(this.taken, Math.max(rows, 2 * this.taken.length));
    const join = ++this.joins;
    const out = new Uint32Array(a.length + b.length);
    let n = 0;
    for (const list of [a, b]) {
      for (const i of list) {
        if (this.taken[i] === join) continue;
        this.taken[i] = join;
        out[n++] = i;
      }
    }
    return out.subarray(0, n);
  }
}

/**
 * Whether everything `before` held still holds in `now` (which may have more), but for calls
 * added and processes that died since (see diedSince).
 */
function sameAsBefore(before: RowContext, now: RowContext): boolean {
  const prefix = <T>(a: readonly T[], b: readonly T[]): boolean =>
    b.length >= a.length && a.every((x, k) => b[k] === x);
  return (
    now.calls >= before.calls &&
    prefix(before.poolOfSlot, now.poolOfSlot) &&
    prefix(before.byStream, now.byStream) &&
    prefix(before.pids, now.pids) &&
    before.crashed.every((x, k) => !x || now.crashed[k])
  );
}

/**
 * The processes known before that have died since. (A row's worker is a process known when the
 * row was finished; rows of processes new since were touched.)
 */
function diedSince(before: RowContext, now: RowContext): Set<number> {
  const died = new Set<number>();
  before.crashed.forEach((x, k) => {
    if (!x && now.crashed[k]) died.add(k);
  });
  return died;
}
