/**
 * Pools, pool calls, and what the task join (live/streamJoin.ts) needs around it: the pool table
 * found from the `pool` METAs, errors attached to tasks, and the finishing touches. A task is
 * joined from up to five records written by two processes, by its key: (pool, job, index) for a
 * Pool, (executor, work_id) for a ProcessPoolExecutor — the pool being found from the channel of
 * its task pipe (or result pipe) via the `pool` META.
 */
import { MessageKind, num, str, type TraceRecords } from '../trace';
import type { CallInfo, PoolInfo, ProcessInfo } from './modelTypes';
import type { ProcessesResult } from './modelProcesses';
import { StateCode, type TaskTable } from './taskTable';

export interface TasksResult {
  pools: PoolInfo[];
  calls: CallInfo[];
  tasks: TaskTable;
}

export const isTaskKind = (k: number): boolean =>
  k === MessageKind.PoolTask || k === MessageKind.ExecutorTask;
export const isResultKind = (k: number): boolean =>
  k === MessageKind.PoolResult || k === MessageKind.ExecutorResult;

/** Pools by the channel ids of their task and result pipes. */
export class PoolTable {
  readonly pools: PoolInfo[] = [];
  private readonly byTaskChan = new Map<number, number>();
  private readonly byResultChan = new Map<number, number>();
  private lastTaskChan = NaN;
  private lastTaskPool = -1;

  constructor(private readonly warnings: string[]) {}

  add(pool: Omit<PoolInfo, 'index'>): void {
    if (this.byTaskChan.has(pool.id))
      this.warnings.push(`two pools share task channel ${pool.id}; the later wins`);
    const index = this.pools.length;
    this.pools.push({ index, ...pool });
    this.byTaskChan.set(pool.id, index);
    if (pool.resultChan !== null) this.byResultChan.set(pool.resultChan, index);
  }

  /** The pool whose task pipe is `chan`, or -1. */
  findByTask(chan: number): number {
    return this.byTaskChan.get(chan) ?? -1;
  }

  /** The pool whose task pipe is `chan`; a placeholder (and a warning) if no `pool` META named it. */
  byTask(chan: number, api: string): number {
    if (chan === this.lastTaskChan) return this.lastTaskPool;
    const found = this.byTaskChan.get(chan);
    if (found !== undefined) {
      [this.lastTaskChan, this.lastTaskPool] = [chan, found];
      return found;
    }
    this.warnings.push(`no \`pool\` record for task channel ${chan}; its pool is shown without a call site`);
    this.add({
      id: chan,
      resultChan: null,
      api,
      workers: null,
      startMethod: null,
      file: null,
      line: null,
      maxtasksperchild: null,
      creator: -1,
      createdMs: null,
      createStartMs: null,
      endedMs: null,
    });
    return this.pools.length - 1;
  }

  /** The pool whose result pipe is `chan`, or -1. */
  byResult(chan: number): number {
    return this.byResultChan.get(chan) ?? -1;
  }

  /** Learns a result channel from a worker that sent on it. */
  learnResult(chan: number, pool: number): void {
    if (!this.byResultChan.has(chan)) this.byResultChan.set(chan, pool);
    this.pools[pool].resultChan ??= chan;
  }
}

/** What the METAs say before any task record is read: pools, calls and how to find a call. */
export interface PoolsAndCalls {
  poolTable: PoolTable;
  calls: CallInfo[];
  /** `${stream}:${call id}` → call index. */
  callByKey: Map<string, number>;
  /** `${process}:${pool}:${job}` → call index. */
  callByJob: Map<string, number>;
}

export function poolsAndCalls(
  records: TraceRecords,
  procs: ProcessesResult,
  warnings: string[],
): PoolsAndCalls {
  const { processes, byStream, originNs } = procs;
  const ms = (ns: number): number => (ns - originNs) / 1e6;
  const poolTable = new PoolTable(warnings);
  const calls: CallInfo[] = [];
  const callByKey = new Map<string, number>();
  const callByJob = new Map<string, number>();

  for (const m of records.metas) {
    if (m.k !== 'pool') continue;
    const id = num(m.data, 'id');
    if (id === null) continue;
    poolTable.add({
      id,
      resultChan: num(m.data, 'resultChan'),
      api: str(m.data, 'api') ?? 'Pool',
      workers: num(m.data, 'workers'),
      startMethod: str(m.data, 'startMethod'),
      file: str(m.data, 'file'),
      line: num(m.data, 'line'),
      maxtasksperchild: num(m.data, 'maxtasksperchild'),
      creator: byStream[m.stream],
      createdMs: ms(m.t),
      createStartMs: num(m.data, 't0') === null ? null : ms(num(m.data, 't0') as number),
      endedMs: null,
    });
  }
  procs.poolChans.forEach((chan, i) => {
    if (chan !== null) processes[i].pool = poolTable.byTask(chan, 'Pool');
  });
  for (const m of records.metas) {
    if (m.k === 'call') {
      const id = num(m.data, 'id');
      if (id === null) continue;
      const api = str(m.data, 'api') ?? 'unknown';
      const poolChan = num(m.data, 'pool');
      const executor = api === 'submit' || api === 'executor.map';
      const call: CallInfo = {
        index: calls.length,
        id,
        process: byStream[m.stream],
        pool: poolChan === null ? -1 : poolTable.byTask(poolChan, executor ? 'ProcessPoolExecutor' : 'Pool'),
        api,
        chunksize: num(m.data, 'chunksize'),
        chunksizeAuto: m.data.auto === true,
        items: num(m.data, 'items'),
        job: num(m.data, 'job'),
        file: str(m.data, 'file'),
        line: num(m.data, 'line'),
        startMs: ms(m.t),
        endMs: num(m.data, 'tEnd') === null ? null : ms(num(m.data, 'tEnd') as number),
      };
      calls.push(call);
      callByKey.set(`${m.stream}:${id}`, call.index);
      if (call.job !== null) callByJob.set(`${call.process}:${call.pool}:${call.job}`, call.index);
    } else if (m.k === 'call-end') {
      const at = callByKey.get(`${m.stream}:${num(m.data, 'id')}`);
      if (at !== undefined) calls[at].endMs = ms(m.t);
    } else if (m.k === 'pool-end') {
      const pool = poolTable.findByTask(num(m.data, 'pool') ?? NaN);
      if (pool >= 0)
        poolTable.pools[pool].endedMs = Math.max(poolTable.pools[pool].endedMs ?? -Infinity, ms(m.t));
    }
  }
  return { poolTable, calls, callByKey, callByJob };
}

export function attachErrors(
  records: TraceRecords,
  procs: ProcessesResult,
  poolTable: PoolTable,
  find: (pool: number, job: number, index: number) => number,
  errors: Map<number, string>,
  warnings: string[],
): void {
  for (const m of records.metas) {
    if (m.k !== 'task-error') continue;
    const chan = num(m.data, 'chan') ?? -1;
    const proc = procs.processes[procs.byStream[m.stream]];
    let pool = poolTable.byResult(chan);
    if (pool < 0) pool = poolTable.findByTask(chan);
    if (pool < 0) pool = proc.pool;
    const i = pool < 0 ? -1 : find(pool, num(m.data, 'job') ?? -1, num(m.data, 'index') ?? -1);
    const text = `${str(m.data, 'type') ?? 'Exception'}: ${str(m.data, 'message') ?? ''}`;
    if (i >= 0) errors.set(i, text);
    else warnings.push(`a task error (${text}) matches no recorded task`);
  }
}

/** Whether a process ended by a signal or a non-zero exit: its tasks in hand were lost. */
export const died = (p: ProcessInfo): boolean =>
  p.signal !== null || (p.exitCode !== null && p.exitCode !== 0);

/**
 * Fills in what follows from the joined records: parents, calls, pids, states, crashes. `rows`:
 * only these (the rest were filled in before, in the same table's columns); else every row.
 */
export function finishTasks(
  tasks: TaskTable,
  processes: ProcessInfo[],
  calls: CallInfo[],
  callByJob: Map<string, number>,
  rows?: Uint32Array,
): void {
  // A task with no parent-side record: its parent is whoever made calls on its pool.
  const callerByPool = new Map<number, number>();
  for (const c of calls) if (!callerByPool.has(c.pool)) callerByPool.set(c.pool, c.process);
  const { parent, worker, call, state, ok } = tasks;
  const { arrivalMs, computeEndMs, resultSentMs, resultArrivalMs } = tasks.num;
  const pid = (p: number): number => (p >= 0 ? processes[p].pid : -1);
  const count = rows ? rows.length : tasks.length;
  for (let k = 0; k < count; k++) {
    const i = rows ? rows[k] : k;
    if (parent[i] < 0) parent[i] = callerByPool.get(tasks.pool[i]) ?? -1;
    if (call[i] < 0) call[i] = callByJob.get(`${parent[i]}:${tasks.pool[i]}:${tasks.job[i]}`) ?? -1;
    tasks.parentPid[i] = pid(parent[i]);
    tasks.workerPid[i] = pid(worker[i]);
    if (!Number.isNaN(resultArrivalMs[i])) state[i] = ok[i] === 0 ? StateCode.Failed : StateCode.Done;
    else if (!Number.isNaN(resultSentMs[i]) || !Number.isNaN(computeEndMs[i])) state[i] = StateCode.Computed;
    else if (!Number.isNaN(arrivalMs[i])) state[i] = StateCode.Received;
    else state[i] = StateCode.Queued;
    tasks.inFlightAtCrash[i] =
      state[i] === StateCode.Received && worker[i] >= 0 && died(processes[worker[i]]) ? 1 : 0;
  }
}
