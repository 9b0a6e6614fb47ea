/**
 * Pools, pool calls and tasks. A task is joined from up to five records written by two processes,
 * by its key: (pool, job, index) for a Pool, (executor, work_id) for a ProcessPoolExecutor — the
 * pool being found from the channel of its task pipe (or result pipe) via the `pool` META.
 */
import { MessageKind } from './format';
import { num, str } from './metaFields';
import type { CallInfo, PoolInfo, ProcessInfo, Task } from './modelTypes';
import type { ProcessesResult } from './modelProcesses';
import {
  newRecvFields,
  newRunFields,
  newSendFields,
  readRecv,
  readRun,
  readSend,
  type TraceRecords,
} from './records';

export interface TasksResult {
  pools: PoolInfo[];
  calls: CallInfo[];
  tasks: Task[];
}

const isTaskKind = (k: number): boolean => k === MessageKind.PoolTask || k === MessageKind.ExecutorTask;
const isResultKind = (k: number): boolean => k === MessageKind.PoolResult || k === MessageKind.ExecutorResult;

/** Pools by the channel ids of their task and result pipes. */
class PoolTable {
  readonly pools: PoolInfo[] = [];
  private readonly byTaskChan = new Map<number, number>();
  private readonly byResultChan = new Map<number, number>();

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
    const found = this.byTaskChan.get(chan);
    if (found !== undefined) return found;
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

/** Tasks by (pool, job, index). Small keys are packed into one number to spare string building. */
class TaskTable {
  readonly tasks: Task[] = [];
  private readonly byPool: Map<number | string, number>[] = [];

  find(pool: number, job: number, index: number): Task | undefined {
    const at = this.byPool[pool]?.get(taskKey(job, index));
    return at === undefined ? undefined : this.tasks[at];
  }

  get(pool: number, job: number, index: number): Task {
    const found = this.find(pool, job, index);
    if (found) return found;
    (this.byPool[pool] ??= new Map()).set(taskKey(job, index), this.tasks.length);
    const task = blankTask(pool, job, index);
    this.tasks.push(task);
    return task;
  }
}

function taskKey(job: number, index: number): number | string {
  const small = job >= 0 && job < 2 ** 31 && index >= -1 && index < 2 ** 21 - 1;
  return small ? job * 2 ** 22 + index + 1 : `${job}:${index}`;
}

function blankTask(pool: number, job: number, index: number): Task {
  return {
    pool,
    call: -1,
    job,
    index,
    parent: -1,
    parentPid: null,
    worker: -1,
    workerPid: null,
    items: null,
    bytesIn: null,
    bytesOut: null,
    pickleStartMs: null,
    pickleInMs: null,
    writeInMs: null,
    dispatchMs: null,
    arrivalMs: null,
    unpickleInMs: null,
    computeStartMs: null,
    computeEndMs: null,
    cpuMs: null,
    resultPickleStartMs: null,
    pickleOutMs: null,
    writeOutMs: null,
    resultSentMs: null,
    resultArrivalMs: null,
    unpickleOutMs: null,
    ok: null,
    error: null,
    state: 'queued',
    inFlightAtCrash: false,
  };
}

export function buildTasks(records: TraceRecords, procs: ProcessesResult, warnings: string[]): TasksResult {
  const { processes, byStream, originNs } = procs;
  const ms = (ns: number): number => (ns - originNs) / 1e6;
  const dur = (a: number, b: number): number => (b - a) / 1e6;
  const poolTable = new PoolTable(warnings);
  const taskTable = new TaskTable();
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
    }
  }

  const send = newSendFields();
  const recv = newRecvFields();
  const run = newRunFields();
  const apiOf = (kind: number): string =>
    kind === MessageKind.ExecutorTask ? 'ProcessPoolExecutor' : 'Pool';

  // 1. The parent's task messages, first, so that tasks come in dispatch order.
  for (const chunk of records.chunks) {
    const proc = processes[byStream[chunk.stream]];
    for (const off of chunk.sends) {
      readSend(chunk.view, off, send);
      if (!isTaskKind(send.kind)) continue;
      const task = taskTable.get(poolTable.byTask(send.chan, apiOf(send.kind)), send.job, send.index);
      task.parent = proc.index;
      task.items = send.items;
      task.bytesIn = send.bytes;
      task.pickleStartMs = ms(send.t0);
      task.pickleInMs = dur(send.t0, send.t1);
      task.writeInMs = dur(send.t1, send.t2);
      task.dispatchMs = ms(send.t2);
      if (send.call !== 0) task.call = callByKey.get(`${chunk.stream}:${send.call}`) ?? -1;
    }
  }
  // 2. Compute, by workers; this also tells which pool a worker serves.
  for (const chunk of records.chunks) {
    const proc = processes[byStream[chunk.stream]];
    for (const off of chunk.runs) {
      readRun(chunk.view, off, run);
      const pool = poolTable.byTask(run.chan, 'Pool');
      const task = taskTable.get(pool, run.job, run.index);
      if (proc.pool < 0) proc.pool = pool;
      task.worker = proc.index;
      task.computeStartMs = ms(run.t0);
      task.computeEndMs = ms(run.t1);
      task.cpuMs = run.cpu / 1e6;
    }
  }
  // 3. Results sent by workers (the result pipe is learnt from them if no `pool` META named it).
  let unplaced = 0;
  for (const chunk of records.chunks) {
    const proc = processes[byStream[chunk.stream]];
    for (const off of chunk.sends) {
      readSend(chunk.view, off, send);
      if (!isResultKind(send.kind)) continue;
      let pool = poolTable.byResult(send.chan);
      if (pool < 0 && proc.pool >= 0) poolTable.learnResult(send.chan, (pool = proc.pool));
      if (pool < 0) {
        unplaced++;
        continue;
      }
      const task = taskTable.get(pool, send.job, send.index);
      task.worker = proc.index;
      task.bytesOut = send.bytes;
      task.resultPickleStartMs = ms(send.t0);
      task.pickleOutMs = dur(send.t0, send.t1);
      task.writeOutMs = dur(send.t1, send.t2);
      task.resultSentMs = ms(send.t2);
      task.ok = send.ok === 1;
    }
  }
  // 4. Arrivals: tasks at workers, results at the parent.
  for (const chunk of records.chunks) {
    const proc = processes[byStream[chunk.stream]];
    for (const off of chunk.recvs) {
      readRecv(chunk.view, off, recv);
      if (isTaskKind(recv.kind)) {
        const task = taskTable.get(poolTable.byTask(recv.chan, apiOf(recv.kind)), recv.job, recv.index);
        task.worker = proc.index;
        task.bytesIn ??= recv.bytes;
        task.arrivalMs = ms(recv.t0);
        task.unpickleInMs = dur(recv.t0, recv.t1);
        if (proc.pool < 0) proc.pool = task.pool;
      } else if (isResultKind(recv.kind)) {
        const pool = poolTable.byResult(recv.chan);
        if (pool < 0) {
          unplaced++;
          continue;
        }
        const task = taskTable.get(pool, recv.job, recv.index);
        if (task.parent < 0) task.parent = proc.index;
        task.bytesOut ??= recv.bytes;
        task.resultArrivalMs = ms(recv.t0);
        task.unpickleOutMs = dur(recv.t0, recv.t1);
        task.ok = recv.ok === 1;
      }
    }
  }
  if (unplaced > 0) warnings.push(`${unplaced} result records name a result channel no pool is known for`);

  for (const m of records.metas) {
    if (m.k !== 'task-error') continue;
    const chan = num(m.data, 'chan') ?? -1;
    const proc = processes[byStream[m.stream]];
    let pool = poolTable.byResult(chan);
    if (pool < 0) pool = poolTable.findByTask(chan);
    if (pool < 0) pool = proc.pool;
    const task =
      pool < 0 ? undefined : taskTable.find(pool, num(m.data, 'job') ?? -1, num(m.data, 'index') ?? -1);
    const text = `${str(m.data, 'type') ?? 'Exception'}: ${str(m.data, 'message') ?? ''}`;
    if (task) task.error = text;
    else warnings.push(`a task error (${text}) matches no recorded task`);
  }

  // A task with no parent-side record: its parent is whoever made calls on its pool.
  const callerByPool = new Map<number, number>();
  for (const c of calls) if (!callerByPool.has(c.pool)) callerByPool.set(c.pool, c.process);
  for (const task of taskTable.tasks) {
    if (task.parent < 0) task.parent = callerByPool.get(task.pool) ?? -1;
    finishTask(task, processes, callByJob);
  }
  return { pools: poolTable.pools, calls, tasks: taskTable.tasks };
}

function finishTask(task: Task, processes: ProcessInfo[], callByJob: Map<string, number>): void {
  if (task.call < 0) task.call = callByJob.get(`${task.parent}:${task.pool}:${task.job}`) ?? -1;
  task.parentPid = task.parent >= 0 ? processes[task.parent].pid : null;
  task.workerPid = task.worker >= 0 ? processes[task.worker].pid : null;
  if (task.resultArrivalMs !== null) task.state = task.ok === false ? 'failed' : 'done';
  else if (task.resultSentMs !== null || task.computeEndMs !== null) task.state = 'computed';
  else if (task.arrivalMs !== null) task.state = 'received';
  if (task.state === 'received' && task.worker >= 0) {
    const w = processes[task.worker];
    task.inFlightAtCrash = w.signal !== null || (w.exitCode !== null && w.exitCode !== 0);
  }
}
