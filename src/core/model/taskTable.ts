/**
 * The model's tasks, stored by column: one typed array per field, one row per task. A million
 * tasks as objects cost about 630 bytes each (V8 boxes every double field) and most of the load
 * time went to collecting them; as columns they cost about 190 bytes and no garbage.
 *
 * Readers that loop over many tasks read the columns (`table.num.computeStartMs[i]`, NaN where not
 * recorded); the rest take a row view with `table.at(i)`, which reads like the old `Task` object
 * (`null` where not recorded) and costs one small short-lived object.
 */
import type { Task, TaskState } from './modelTypes';
import type { FinishedColumns } from './taskJoin';

/** The numeric fields of a Task that records fill in (null in the Task when never recorded). */
export const TASK_NUMBERS = [
  'items',
  'bytesIn',
  'bytesOut',
  'pickleStartMs',
  'pickleInMs',
  'writeInMs',
  'dispatchMs',
  'arrivalMs',
  'unpickleInMs',
  'computeStartMs',
  'computeEndMs',
  'cpuMs',
  'waitMs',
  'procCpuMs',
  'blockedMs',
  'clockSample',
  'gcMs',
  'resultPickleStartMs',
  'pickleOutMs',
  'writeOutMs',
  'resultSentMs',
  'resultArrivalMs',
  'unpickleOutMs',
] as const;

export type TaskNumber = (typeof TASK_NUMBERS)[number];

export type NumberColumns = Record<TaskNumber, Float64Array>;

/**
 * One column per numeric field, each made by `make`. Written out key by key so that V8 gives the
 * object a fixed shape: one filled in a loop over TASK_NUMBERS becomes a dictionary, and reading
 * a column then costs a hash lookup per task.
 */
export function numberColumns(make: (field: TaskNumber) => Float64Array): NumberColumns {
  return {
    items: make('items'),
    bytesIn: make('bytesIn'),
    bytesOut: make('bytesOut'),
    pickleStartMs: make('pickleStartMs'),
    pickleInMs: make('pickleInMs'),
    writeInMs: make('writeInMs'),
    dispatchMs: make('dispatchMs'),
    arrivalMs: make('arrivalMs'),
    unpickleInMs: make('unpickleInMs'),
    computeStartMs: make('computeStartMs'),
    computeEndMs: make('computeEndMs'),
    cpuMs: make('cpuMs'),
    waitMs: make('waitMs'),
    procCpuMs: make('procCpuMs'),
    blockedMs: make('blockedMs'),
    clockSample: make('clockSample'),
    gcMs: make('gcMs'),
    resultPickleStartMs: make('resultPickleStartMs'),
    pickleOutMs: make('pickleOutMs'),
    writeOutMs: make('writeOutMs'),
    resultSentMs: make('resultSentMs'),
    resultArrivalMs: make('resultArrivalMs'),
    unpickleOutMs: make('unpickleOutMs'),
  };
}

/** `TaskTable.state` codes, in the order a task gets through them. */
export const TASK_STATES: readonly TaskState[] = ['queued', 'received', 'computed', 'done', 'failed'];
export const StateCode = { Queued: 0, Received: 1, Computed: 2, Done: 3, Failed: 4 } as const;

const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

export class TaskTable implements Iterable<Task> {
  readonly length: number;
  /** Index references, -1 where unknown (see Task). */
  readonly pool: Int32Array;
  readonly call: Int32Array;
  readonly parent: Int32Array;
  readonly worker: Int32Array;
  /** Pool job id or executor work_id; chunk index (-1 where none). */
  readonly job: Float64Array;
  readonly index: Float64Array;
  /** -1 where the process is not known. */
  readonly parentPid: Int32Array;
  readonly workerPid: Int32Array;
  /** -1 unknown, 0 the task raised, 1 success. */
  readonly ok: Int8Array;
  /** A {@link StateCode}: the index of its state in TASK_STATES. */
  readonly state: Uint8Array;
  /** 1 where its worker died holding it. */
  readonly inFlightAtCrash: Uint8Array;
  /** By field: one value per task, NaN where not recorded. */
  readonly num: Readonly<NumberColumns>;
  /** `Type: message` of the tasks that raised, by row. */
  readonly errors: ReadonlyMap<number, string>;

  constructor(columns: {
    pool: Int32Array;
    call: Int32Array;
    parent: Int32Array;
    worker: Int32Array;
    job: Float64Array;
    index: Float64Array;
    ok: Int8Array;
    num: NumberColumns;
    errors: ReadonlyMap<number, string>;
    /** The columns finishTasks fills, kept from an earlier table (else new, as for a new table). */
    finished?: FinishedColumns;
  }) {
    const n = columns.pool.length;
    this.length = n;
    this.pool = columns.pool;
    this.call = columns.call;
    this.parent = columns.parent;
    this.worker = columns.worker;
    this.job = columns.job;
    this.index = columns.index;
    this.ok = columns.ok;
    this.num = columns.num;
    this.errors = columns.errors;
    const { finished } = columns;
    this.parentPid = finished?.parentPid ?? new Int32Array(n).fill(-1);
    this.workerPid = finished?.workerPid ?? new Int32Array(n).fill(-1);
    this.state = finished?.state ?? new Uint8Array(n);
    this.inFlightAtCrash = finished?.inFlightAtCrash ?? new Uint8Array(n);
  }

  /** A table that crossed to another thread as a structured clone: its columns came, its class did not. */
  static revive(clone: TaskTable): TaskTable {
    return Object.setPrototypeOf(clone, TaskTable.prototype) as TaskTable;
  }

  static empty(): TaskTable {
    const num = numberColumns(() => new Float64Array(0));
    const [i32, f64] = [new Int32Array(0), new Float64Array(0)];
    return new TaskTable({
      pool: i32,
      call: i32,
      parent: i32,
      worker: i32,
      job: f64,
      index: f64,
      ok: new Int8Array(0),
      num,
      errors: new Map(),
    });
  }

  /** Row `i` as a Task (a view: it reads the columns, so it is as cheap as it is short-lived). */
  at(i: number): Task {
    return new TaskRow(this, i);
  }

  /** A numeric field of row `i`, null where not recorded. */
  get(field: TaskNumber, i: number): number | null {
    return orNull(this.num[field][i]);
  }

  *[Symbol.iterator](): Iterator<Task> {
    for (let i = 0; i < this.length; i++) yield new TaskRow(this, i);
  }

  forEach(fn: (task: Task, i: number) => void): void {
    for (let i = 0; i < this.length; i++) fn(new TaskRow(this, i), i);
  }
}

/** One row of a TaskTable, read as a {@link Task}. */
class TaskRow implements Task {
  constructor(
    private readonly t: TaskTable,
    private readonly i: number,
  ) {}

  get pool(): number {
    return this.t.pool[this.i];
  }
  get call(): number {
    return this.t.call[this.i];
  }
  get job(): number {
    return this.t.job[this.i];
  }
  get index(): number {
    return this.t.index[this.i];
  }
  get parent(): number {
    return this.t.parent[this.i];
  }
  get parentPid(): number | null {
    const pid = this.t.parentPid[this.i];
    return pid < 0 ? null : pid;
  }
  get worker(): number {
    return this.t.worker[this.i];
  }
  get workerPid(): number | null {
    const pid = this.t.workerPid[this.i];
    return pid < 0 ? null : pid;
  }
  get items(): number | null {
    return orNull(this.t.num.items[this.i]);
  }
  get bytesIn(): number | null {
    return orNull(this.t.num.bytesIn[this.i]);
  }
  get bytesOut(): number | null {
    return orNull(this.t.num.bytesOut[this.i]);
  }
  get pickleStartMs(): number | null {
    return orNull(this.t.num.pickleStartMs[this.i]);
  }
  get pickleInMs(): number | null {
    return orNull(this.t.num.pickleInMs[this.i]);
  }
  get writeInMs(): number | null {
    return orNull(this.t.num.writeInMs[this.i]);
  }
  get dispatchMs(): number | null {
    return orNull(this.t.num.dispatchMs[this.i]);
  }
  get arrivalMs(): number | null {
    return orNull(this.t.num.arrivalMs[this.i]);
  }
  get unpickleInMs(): number | null {
    return orNull(this.t.num.unpickleInMs[this.i]);
  }
  get computeStartMs(): number | null {
    return orNull(this.t.num.computeStartMs[this.i]);
  }
  get computeEndMs(): number | null {
    return orNull(this.t.num.computeEndMs[this.i]);
  }
  get cpuMs(): number | null {
    return orNull(this.t.num.cpuMs[this.i]);
  }
  get waitMs(): number | null {
    return orNull(this.t.num.waitMs[this.i]);
  }
  get procCpuMs(): number | null {
    return orNull(this.t.num.procCpuMs[this.i]);
  }
  get blockedMs(): number | null {
    return orNull(this.t.num.blockedMs[this.i]);
  }
  get gcMs(): number | null {
    return orNull(this.t.num.gcMs[this.i]);
  }
  get clockSample(): number | null {
    return orNull(this.t.num.clockSample[this.i]);
  }
  get resultPickleStartMs(): number | null {
    return orNull(this.t.num.resultPickleStartMs[this.i]);
  }
  get pickleOutMs(): number | null {
    return orNull(this.t.num.pickleOutMs[this.i]);
  }
  get writeOutMs(): number | null {
    return orNull(this.t.num.writeOutMs[this.i]);
  }
  get resultSentMs(): number | null {
    return orNull(this.t.num.resultSentMs[this.i]);
  }
  get resultArrivalMs(): number | null {
    return orNull(this.t.num.resultArrivalMs[this.i]);
  }
  get unpickleOutMs(): number | null {
    return orNull(this.t.num.unpickleOutMs[this.i]);
  }
  get ok(): boolean | null {
    const ok = this.t.ok[this.i];
    return ok < 0 ? null : ok === 1;
  }
  get error(): string | null {
    return this.t.errors.get(this.i) ?? null;
  }
  get state(): TaskState {
    return TASK_STATES[this.t.state[this.i]];
  }
  get inFlightAtCrash(): boolean {
    return this.t.inFlightAtCrash[this.i] === 1;
  }
}
