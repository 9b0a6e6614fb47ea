/**
 * The task join: every saved-run load and every live tick joins task records into task rows here.
 * Records are joined as they are read, so a trace need not be held in memory while its tasks are
 * joined; a whole read (buildModel) feeds it every META first, then the chunks. The result does
 * not depend on where records sit in the file: rows come in the order of four passes over the
 * records (1 task SENDs, 2 RUNs, 3 result SENDs, 4 RECVs), and each task's pool is fixed by the
 * `pool` METAs:
 * - task-side records are keyed by their task channel; channels become pools once every META is
 *   known (placeholder pools made in the order the passes would have made them);
 * - a result record whose channel no `pool` META seen so far names is copied aside and joined at
 *   the end, as pass 3 or 4 would have (learning result channels from workers included);
 * - each row keeps the (pass, position) of the first record that touched it; rows are put in that
 *   order at the end;
 * - fields that two passes write keep the later pass's value (worker, ok) or only fill gaps
 *   (parent, bytesIn, bytesOut), whatever order their records came in.
 * While streaming, a guess that a later META proves wrong (a result channel or task channel meaning
 * another pool) makes `finish` return null: the caller then joins from a whole read, with every
 * META known first.
 */
import {
  MessageKind,
  newRecvFields,
  newRunFields,
  newSendFields,
  readRecv,
  readRun,
  RUN_SAMPLE,
  readSend,
  type RecordChunk,
  type TraceRecords,
  OffsetList,
} from '../trace';
import type { ProcessesResult } from '../model';
import {
  attachErrors,
  died,
  finishTasks,
  isResultKind,
  isTaskKind,
  poolsAndCalls,
  type TasksResult,
  firstRecordOrder,
  resized,
  TaskJoin,
} from '../model';
import { SetAside } from './joinSetAside';
import { OriginWatch } from './joinOrigin';
import { ChanSlots, NO_PASS } from './joinChanSlots';
import { LiveRows } from './liveRows';

const P1 = 1;
const P2 = 2;
const P3 = 3;
const P4 = 4;
const apiOf = (kind: number): string => (kind === MessageKind.ExecutorTask ? 'ProcessPoolExecutor' : 'Pool');

export class StreamTaskJoin {
  private readonly join: TaskJoin;
  /** Task channels met, numbered: the rows' pool column holds these until finish. */
  private readonly chans = new ChanSlots();
  /** Per row: the first record that touched it, and which pass last set `worker` and `ok`. */
  private orderPass = new Int8Array(0);
  private orderSeq = new Uint32Array(0);
  private workerPass = new Int8Array(0);
  private okPass = new Int8Array(0);
  /** Per row: the stream of the SEND that named its call (the call column holds the raw id). */
  private callStream = new Int32Array(0);
  /** Position of the next binary record in the order the passes read them. */
  private seq = 0;
  /** Per stream: the task channel of its first RUN and of its first task RECV. */
  private readonly firstRunChan: (number | undefined)[] = [];
  private readonly firstTaskRecvChan: (number | undefined)[] = [];
  /** Result channel → task channel, from the `pool` METAs read so far. */
  private readonly resultTask = new Map<number, number>();
  private metasSeen = 0;
  /** Result channels joined on the way, with the task channel assumed. */
  private readonly usedResult = new Map<number, number>();
  private readonly deferredChans = new Set<number>();
  private lastResultChan = NaN;
  private lastResultTask = -1;
  /** Result records whose channel was not known when they were read. */
  private deferred = new SetAside();
  /** Something the row layout cannot hold (a call id past 2^31). */
  private odd = false;
  /**
   * The last chunk's plain-message SENDs and RECVs (kind 0), listed as the join passes over them
   * so that the caller need not read every record's kind again. Valid until the next chunk.
   */
  readonly messageSends = new OffsetList();
  readonly messageRecvs = new OffsetList();
  private readonly origin = new OriginWatch();
  /** Stamps are written as (ns - stampBase) / stampScale: ms from the origin, or (0, 1) ns. */
  private stampBase = 0;
  private stampScale = 1;
  private stampsFixed = false;
  /**
   * The live panel's rows (see interim), and the rows a record touched since the last interim
   * model (listed once each: `touchedAt` holds the model's number), noted from the first interim
   * model on.
   */
  private live: LiveRows | null = null;
  private readonly touched = new OffsetList();
  private touchedAt = new Uint32Array(0);
  private models = 1;
  /** The rows the last interim model finished again (null: every row). */
  changedRows: Uint32Array | null = null;
  private readonly send = newSendFields();
  private readonly recv = newRecvFields();
  private readonly run = newRunFields();

  /** `ready`: see TaskJoin's constructor. */
  constructor(expectedTasks: number, ready = true) {
    this.join = new TaskJoin(expectedTasks, ready);
  }

  /**
   * Learns the METAs read since the last call: `pool` METAs may name result channels, and the
   * main process's `process` META tells the origin of the stamps.
   */
  learnMetas(records: TraceRecords): void {
    const { metas } = records;
    for (; this.metasSeen < metas.length; this.metasSeen++) {
      const m = metas[this.metasSeen];
      this.origin.learn(m, records.streams);
      if (m.k !== 'pool' || typeof m.data.id !== 'number') continue;
      if (typeof m.data.resultChan === 'number') this.resultTask.set(m.data.resultChan, m.data.id);
      this.lastResultChan = NaN;
    }
  }

  /** Joins one chunk's task and result records (the chunk's view is only needed during the call). */
  chunk(c: RecordChunk): void {
    if (!this.stampsFixed) {
      // Stamps are made ms as read if the origin is known by the first record, else kept in ns.
      this.stampsFixed = true;
      if (!Number.isNaN(this.origin.ns)) [this.stampBase, this.stampScale] = [this.origin.ns, 1e6];
    }
    this.messageSends.length = this.messageRecvs.length = 0;
    // One method per record type: V8 inlines the helpers into each loop (into one big loop it ran
    // out of inlining budget, and every call boxed its float arguments).
    this.sends(c);
    this.runs(c);
    this.recvs(c);
  }

  private sends(c: RecordChunk): void {
    const { view, stream } = c;
    const { send } = this;
    for (const off of c.sends) {
      const seq = this.seq++;
      readSend(view, off, send);
      if (isTaskKind(send.kind)) {
        const i = this.row(
          this.chans.task(send.chan, P1, seq, apiOf(send.kind)),
          send.job,
          send.index,
          P1,
          seq,
        );
        const { join } = this;
        const v = join.v;
        join.parent[i] = stream;
        v.items[i] = send.items;
        v.bytesIn[i] = send.bytes;
        v.pickleStartMs[i] = this.stamp(send.t0);
        v.pickleInMs[i] = (send.t1 - send.t0) / 1e6;
        v.writeInMs[i] = (send.t2 - send.t1) / 1e6;
        v.dispatchMs[i] = this.stamp(send.t2);
        if (send.call !== 0) {
          if (send.call > 0x7fffffff) this.odd = true;
          join.call[i] = send.call;
          this.callStream[i] = stream;
        }
      } else if (isResultKind(send.kind)) {
        const task = this.resultTaskChan(send.chan);
        if (task < 0) this.deferred.add(view, off, stream, seq, true);
        else this.resultSend(this.row(this.chans.of(task), send.job, send.index, P3, seq), stream);
      } else if (send.kind === MessageKind.Message) this.messageSends.push(off);
    }
  }

  private runs(c: RecordChunk): void {
    const { view, stream } = c;
    const { run } = this;
    for (const off of c.runs) {
      const seq = this.seq++;
      readRun(view, off, run);
      const i = this.row(this.chans.task(run.chan, P2, seq, 'Pool'), run.job, run.index, P2, seq);
      this.firstRunChan[stream] ??= run.chan;
      const { join } = this;
      if (this.workerPass[i] <= P2) this.setWorker(i, stream, P2);
      join.v.computeStartMs[i] = this.stamp(run.t0);
      join.v.computeEndMs[i] = this.stamp(run.t1);
      join.v.cpuMs[i] = run.cpu / 1e6;
      join.v.waitMs[i] = run.wait / 1e6;
      join.v.procCpuMs[i] = run.pcpu / 1e6;
      join.v.blockedMs[i] = run.blocked / 1e6;
      join.v.clockSample[i] = run.flags & RUN_SAMPLE;
      join.v.gcMs[i] = run.gc / 1e6;
    }
  }

  private recvs(c: RecordChunk): void {
    const { view, stream } = c;
    const { recv } = this;
    for (const off of c.recvs) {
      const seq = this.seq++;
      readRecv(view, off, recv);
      if (isTaskKind(recv.kind)) {
        const i = this.row(
          this.chans.task(recv.chan, P4, seq, apiOf(recv.kind)),
          recv.job,
          recv.index,
          P4,
          seq,
        );
        this.firstTaskRecvChan[stream] ??= recv.chan;
        const { join } = this;
        const v = join.v;
        this.setWorker(i, stream, P4);
        if (Number.isNaN(v.bytesIn[i])) v.bytesIn[i] = recv.bytes;
        v.arrivalMs[i] = this.stamp(recv.t0);
        v.unpickleInMs[i] = (recv.t1 - recv.t0) / 1e6;
      } else if (isResultKind(recv.kind)) {
        const task = this.resultTaskChan(recv.chan);
        if (task < 0) this.deferred.add(view, off, stream, seq, false);
        else this.resultRecv(this.row(this.chans.of(task), recv.job, recv.index, P4, seq), stream);
      } else if (recv.kind === MessageKind.Message) this.messageRecvs.push(off);
    }
  }

  /** Pass 3's fields from `this.send`. */
  private resultSend(i: number, stream: number): void {
    const { join, send } = this;
    const v = join.v;
    if (this.workerPass[i] <= P3) this.setWorker(i, stream, P3);
    v.bytesOut[i] = send.bytes;
    v.resultPickleStartMs[i] = this.stamp(send.t0);
    v.pickleOutMs[i] = (send.t1 - send.t0) / 1e6;
    v.writeOutMs[i] = (send.t2 - send.t1) / 1e6;
    v.resultSentMs[i] = this.stamp(send.t2);
    if (this.okPass[i] <= P3) this.setOk(i, send.ok, P3);
  }

  /** Pass 4's fields of a result from `this.recv`. */
  private resultRecv(i: number, stream: number): void {
    const { join, recv } = this;
    const v = join.v;
    if (join.parent[i] < 0) join.parent[i] = stream;
    if (Number.isNaN(v.bytesOut[i])) v.bytesOut[i] = recv.bytes;
    v.resultArrivalMs[i] = this.stamp(recv.t0);
    v.unpickleOutMs[i] = (recv.t1 - recv.t0) / 1e6;
    this.setOk(i, recv.ok, P4);
  }

  /** A stamp as the columns hold it until finishColumns (see stampBase). */
  private stamp(ns: number): number {
    return (ns - this.stampBase) / this.stampScale;
  }

  private setWorker(i: number, stream: number, pass: number): void {
    this.join.worker[i] = stream;
    this.workerPass[i] = pass;
  }

  private setOk(i: number, ok: number, pass: number): void {
    this.join.ok[i] = ok === 1 ? 1 : 0;
    this.okPass[i] = pass;
  }

  /** The task channel a result channel leads to by the METAs so far, or -1 (then set aside). */
  private resultTaskChan(chan: number): number {
    if (chan === this.lastResultChan) return this.lastResultTask;
    let task = -1;
    if (!this.deferredChans.has(chan)) {
      const known = this.resultTask.get(chan);
      const used = this.usedResult.get(chan);
      if (known === undefined) this.deferredChans.add(chan);
      else if (used !== undefined && used !== known) this.odd = true;
      else {
        this.usedResult.set(chan, known);
        task = known;
      }
    }
    this.lastResultChan = chan;
    this.lastResultTask = task;
    return task;
  }

  private row(slot: number, job: number, index: number, pass: number, seq: number): number {
    const { join } = this;
    const before = join.count;
    const i = join.at(slot, job, index);
    if (join.count > before) {
      // A new row: the columns may have grown.
      if (join.allocated > this.orderPass.length) this.growRows();
      this.orderPass[i] = pass;
      this.orderSeq[i] = seq;
    } else if (pass < this.orderPass[i] || (pass === this.orderPass[i] && seq < this.orderSeq[i])) {
      this.orderPass[i] = pass;
      this.orderSeq[i] = seq;
    }
    if (this.live && this.touchedAt[i] !== this.models) {
      this.touchedAt[i] = this.models;
      this.touched.push(i);
    }
    return i;
  }

  private growRows(): void {
    const n = this.join.allocated;
    this.orderPass = resized(this.orderPass, n);
    this.orderSeq = resized(this.orderSeq, n);
    this.workerPass = resized(this.workerPass, n);
    this.okPass = resized(this.okPass, n);
    this.callStream = resized(this.callStream, n);
    if (this.live) this.touchedAt = resized(this.touchedAt, n);
  }

  /**
   * The model's pools, calls and tasks, as a whole read makes them from the same records, or null
   * when a guess made on the way was wrong. Call once, after the last chunk.
   */
  finish(records: TraceRecords, procs: ProcessesResult, warnings: string[]): TasksResult | null {
    const tasks = this.tasksOf(this.join, records, procs, warnings, true);
    this.orderPass = this.workerPass = this.okPass = new Int8Array(0);
    this.orderSeq = new Uint32Array(0);
    this.callStream = new Int32Array(0);
    return tasks;
  }

  /**
   * The tasks joined so far, as finish would return them but for the order of the rows (left in
   * the order they were met: putting them in the passes' order took a third of a live tick, and
   * the panel finds tasks by key), while the join goes on taking chunks (the live panel's model at
   * each tick): finished on a copy of the rows. Null where finish would have to join records set
   * aside, or a guess was disproved: the caller then joins from a whole read.
   */
  interim(records: TraceRecords, procs: ProcessesResult, warnings: string[]): TasksResult | null {
    if (this.deferred.at.length > 0) return null;
    if (!this.live) {
      this.live = new LiveRows();
      this.touchedAt = new Uint32Array(this.join.allocated);
    }
    const touched = this.touched.take(false);
    this.models++;
    // Stamps still in ns (the origin was read after the first record): finishing rewrites them,
    // so every row is finished again, on a copy.
    if (this.stampScale === 1) {
      this.changedRows = null;
      return this.tasksOf(this.join.copy(), records, procs, warnings, false);
    }
    return this.tasksOf(this.join, records, procs, warnings, false, touched);
  }

  /**
   * finish's work on `join` (this join's rows, or a copy of them when nothing is set aside);
   * `inOrder`: rows put in the passes' order. `touched`: the rows touched since the
   * last interim model; the work is then done on the live panel's rows (LiveRows), on those rows
   * alone where it can.
   */
  private tasksOf(
    join: TaskJoin,
    records: TraceRecords,
    procs: ProcessesResult,
    warnings: string[],
    inOrder: boolean,
    touched?: Uint32Array,
  ): TasksResult | null {
    if (this.odd) return null;
    const { processes, byStream, originNs } = procs;
    // The origin the stamps were made ms from: it cannot change (see OriginWatch), but if it did…
    if (this.stampScale !== 1 && this.stampBase !== originNs) return null;
    const { poolTable, calls, callByKey, callByJob } = poolsAndCalls(records, procs, warnings);
    const pools = poolTable.pools;
    // Two pools on one task channel: rows keyed by channel cannot tell them apart.
    if (new Set(pools.map((p) => p.id)).size !== pools.length) return null;
    for (const [resultChan, taskChan] of this.usedResult) {
      const p = poolTable.byResult(resultChan);
      if (p < 0 || pools[p].id !== taskChan) return null;
    }
    // Placeholder pools for unnamed task channels, in the order passes 1, 2 and 4 met them.
    const unnamed = this.chans.list
      .filter((s) => s.pass !== NO_PASS && poolTable.findByTask(s.chan) < 0)
      .sort((a, b) => a.pass - b.pass || a.seq - b.seq);
    for (const s of unnamed) poolTable.byTask(s.chan, s.api);
    const procOf = (stream: number): (typeof processes)[number] => processes[byStream[stream]];
    // After pass 2, a worker serves the pool of its first task.
    this.firstRunChan.forEach((chan, s) => {
      if (chan !== undefined && procOf(s).pool < 0) procOf(s).pool = poolTable.findByTask(chan);
    });

    // Only ever with `join` being this.join: interim returns before, when any is set aside.
    const unplaced = this.joinDeferred(poolTable, procOf);
    if (this.odd) return null;
    if (unplaced > 0) warnings.push(`${unplaced} result records name a result channel no pool is known for`);
    this.firstTaskRecvChan.forEach((chan, s) => {
      if (chan !== undefined && procOf(s).pool < 0) procOf(s).pool = poolTable.findByTask(chan);
    });

    const poolOfSlot = this.chans.list.map((s) => poolTable.findByTask(s.chan));
    let rows: Uint32Array | null = null;
    const { live } = this;
    if (touched && live) {
      ({ join, rows } = live.prepare(this.join, touched, {
        poolOfSlot,
        byStream,
        pids: processes.map((p) => p.pid),
        crashed: processes.map(died),
        calls: calls.length,
      }));
      this.changedRows = rows;
    }
    const rowOf = this.finishColumns(join, poolOfSlot, byStream, originNs, callByKey, inOrder, rows);
    const find = (pool: number, job: number, index: number): number => {
      const slot = this.chans.find(pools[pool].id);
      const i = slot === undefined ? -1 : this.join.find(slot, job, index);
      return i < 0 || !rowOf ? i : rowOf[i];
    };
    attachErrors(records, procs, poolTable, find, join.errors, warnings);
    const tasks = touched && live ? live.table(join) : join.toTable();
    finishTasks(tasks, processes, calls, callByJob, rows ?? undefined);
    if (touched && live) live.settled(tasks, rows);
    return { pools, calls, tasks };
  }

  /** Passes 3 and 4 for the records set aside; returns how many could not be placed. */
  private joinDeferred(
    poolTable: ReturnType<typeof poolsAndCalls>['poolTable'],
    procOf: (stream: number) => { pool: number },
  ): number {
    const { view, at, streams, seqs, isSend } = this.deferred;
    const slotOfPool = (pool: number): number => this.chans.of(poolTable.pools[pool].id);
    let unplaced = 0;
    for (const sends of [true, false]) {
      for (let k = 0; k < at.length; k++) {
        if (isSend[k] !== sends) continue;
        const [stream, seq] = [streams[k], seqs[k]];
        if (sends) {
          const send = readSend(view, at[k], this.send);
          let pool = poolTable.byResult(send.chan);
          const own = procOf(stream).pool;
          if (pool < 0 && own >= 0) poolTable.learnResult(send.chan, (pool = own));
          if (pool < 0) {
            unplaced++;
            continue;
          }
          const i = this.row(slotOfPool(pool), send.job, send.index, P3, seq);
          // A second result for a row: which came last in the file is not known here.
          if (!Number.isNaN(this.join.v.resultSentMs[i])) this.odd = true;
          this.resultSend(i, stream);
        } else {
          const recv = readRecv(view, at[k], this.recv);
          const pool = poolTable.byResult(recv.chan);
          if (pool < 0) {
            unplaced++;
            continue;
          }
          const i = this.row(slotOfPool(pool), recv.job, recv.index, P4, seq);
          if (!Number.isNaN(this.join.v.resultArrivalMs[i])) this.odd = true;
          this.resultRecv(i, stream);
        }
      }
    }
    this.deferred = new SetAside();
    return unplaced;
  }

  /**
   * Turns `join`'s stream-time values into the model's: slots into pools, streams into processes,
   * raw call ids into calls, ns stamps into ms; then (`inOrder`) puts the rows in the order
   * the passes make them. Returns each old row's new place, or null if they were not moved.
   * `rows`: only these (never with stamps in ns, or in order); null: every row.
   */
  private finishColumns(
    join: TaskJoin,
    poolOfSlot: number[],
    byStream: number[],
    originNs: number,
    callByKey: Map<string, number>,
    inOrder: boolean,
    rows: Uint32Array | null = null,
  ): Int32Array | null {
    const n = join.count;
    const { pool, parent, worker, call } = join;
    let [lastStream, lastId, lastCall] = [-1, -1, -1];
    const count = rows ? rows.length : n;
    for (let k = 0; k < count; k++) {
      const i = rows ? rows[k] : k;
      pool[i] = poolOfSlot[pool[i]];
      if (parent[i] >= 0) parent[i] = byStream[parent[i]];
      if (worker[i] >= 0) worker[i] = byStream[worker[i]];
      if (call[i] >= 0) {
        if (this.callStream[i] !== lastStream || call[i] !== lastId) {
          [lastStream, lastId] = [this.callStream[i], call[i]];
          lastCall = callByKey.get(`${lastStream}:${lastId}`) ?? -1;
        }
        call[i] = lastCall;
      }
    }
    // Stamps kept in ns (the origin was not known when the first was read): to ms from it, as
    // a whole read computes them. Durations need no origin and were made ms as they were read.
    const v = join.v;
    if (this.stampScale === 1) {
      const stamps = [v.pickleStartMs, v.dispatchMs, v.computeStartMs, v.computeEndMs];
      stamps.push(v.resultPickleStartMs, v.resultSentMs, v.arrivalMs, v.resultArrivalMs);
      for (const col of stamps) for (let i = 0; i < n; i++) col[i] = (col[i] - originNs) / 1e6;
    }
    const order = inOrder ? firstRecordOrder(this.orderPass, this.orderSeq, n, this.seq) : null;
    return order ? join.reorder(order) : null;
  }
}
