/**
 * A task table handed to another thread by its changes: the live panel's analysis thread keeps a
 * copy of the reading thread's task rows (TaskMirror) and gets, with each model to analyse, only
 * the rows that changed since the last one (a TaskPatch, its arrays transferred, not cloned). A
 * structured clone of the whole table cost the reading thread ~0.5 s at a million tasks.
 */
import { resized } from './taskJoin';
import { numberColumns, TASK_NUMBERS, TaskTable, type TaskNumber } from './taskTable';

type Column = Float64Array | Int32Array | Int8Array | Uint8Array;

/** The table's columns other than the numbers, by name. */
const INDEX_COLUMNS = [
  'pool',
  'call',
  'parent',
  'worker',
  'job',
  'index',
  'parentPid',
  'workerPid',
  'ok',
  'state',
  'inFlightAtCrash',
] as const;
type IndexColumn = (typeof INDEX_COLUMNS)[number];
type ColumnName = IndexColumn | TaskNumber;
const COLUMNS: readonly ColumnName[] = [...INDEX_COLUMNS, ...TASK_NUMBERS];

export interface TaskPatch {
  /** The table's length. */
  length: number;
  /** The rows patched (repeats allowed), or null: every row, 0 to length - 1. */
  rows: Uint32Array | null;
  /** By column: the values of the rows patched, in the order of `rows`. */
  columns: Record<ColumnName, Column>;
  /** The table's errors, all of them (they are few). */
  errors: [number, string][];
}

function columnOf(table: TaskTable, name: ColumnName): Column {
  return (INDEX_COLUMNS as readonly string[]).includes(name)
    ? table[name as IndexColumn]
    : table.num[name as TaskNumber];
}

/** The patch that brings a copy of `table` up to date, given the rows changed since it was made (null: all). */
export function taskPatch(table: TaskTable, rows: Uint32Array | null): TaskPatch {
  const columns = {} as Record<ColumnName, Column>;
  for (const name of COLUMNS) {
    const col = columnOf(table, name);
    if (!rows) {
      columns[name] = col.slice(0, table.length);
      continue;
    }
    const out = new (col.constructor as new (n: number) => Column)(rows.length);
    for (let k = 0; k < rows.length; k++) out[k] = col[rows[k]];
    columns[name] = out;
  }
  return { length: table.length, rows, columns, errors: [...table.errors] };
}

/** The buffers of a patch's arrays, to transfer with it. */
export function patchBuffers(patch: TaskPatch): ArrayBuffer[] {
  const buffers = Object.values(patch.columns).map((c) => c.buffer as ArrayBuffer);
  if (patch.rows) buffers.push(patch.rows.buffer as ArrayBuffer);
  return buffers;
}

/** A copy of a task table on another thread, kept up to date by patches. */
export class TaskMirror {
  private capacity = 0;
  private columns: Record<ColumnName, Column> | null = null;

  /** Applies `patch` and returns the table as it now stands (valid until the next patch). */
  apply(patch: TaskPatch): TaskTable {
    const { length, rows } = patch;
    if (!this.columns || length > this.capacity) this.grow(Math.max(length, 2 * this.capacity, 1024), patch);
    const columns = this.columns as Record<ColumnName, Column>;
    for (const name of COLUMNS) {
      const into = columns[name];
      const from = patch.columns[name];
      if (!rows) into.set(from);
      else for (let k = 0; k < rows.length; k++) into[rows[k]] = from[k];
    }
    const view = <T extends Column>(name: ColumnName): T => columns[name].subarray(0, length) as T;
    return new TaskTable({
      pool: view('pool'),
      call: view('call'),
      parent: view('parent'),
      worker: view('worker'),
      job: view('job'),
      index: view('index'),
      ok: view('ok'),
      num: numberColumns((f) => view(f)),
      errors: new Map(patch.errors),
      finished: {
        parentPid: view('parentPid'),
        workerPid: view('workerPid'),
        state: view('state'),
        inFlightAtCrash: view('inFlightAtCrash'),
      },
    });
  }

  /** Room for `capacity` rows, columns typed as the patch's. */
  private grow(capacity: number, patch: TaskPatch): void {
    const old = this.columns;
    const columns = {} as Record<ColumnName, Column>;
    for (const name of COLUMNS) {
      const like = patch.columns[name];
      columns[name] = old
        ? resized(old[name], capacity)
        : new (like.constructor as new (n: number) => Column)(capacity);
    }
    this.columns = columns;
    this.capacity = capacity;
  }
}
