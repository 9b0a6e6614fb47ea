/**
 * Synthetic runs for analysis tests: a small discrete simulation of a Pool / ProcessPoolExecutor
 * (the parent pickles and dispatches tasks in order, the first free worker takes the next one,
 * results are read one at a time by the parent) that emits the records the agent would. Every
 * duration is chosen by the test, so metrics and thresholds can be checked to the microsecond.
 */
import { readContainerBytes } from '../../../src/core/files/container';
import { buildModel } from '../../../src/core/live/streamModel';
import { analyze } from '../../../src/core/analysis/analyze';
import type { TraceModel } from '../../../src/core/model/modelTypes';
import type { Report } from '../../../src/core/report/report';
import type { TraceRecords } from '../../../src/core/trace/records';
import { encodeContainer, StreamWriter, writeRunDir } from './traceWriter';

/** 1e15 ns (≈ 11.6 days of uptime): stamps use both halves of the u64. */
export const BASE_NS = 1_000_000_000_000_000n;
/** RUN's cpu when the worker did not read its CPU clock (docs/trace-format.md). */
export const NO_CPU = 2n ** 64n - 1n;
/** A wall-clock time for the origin: 2026-01-02T03:04:05.678Z. */
export const BASE_WALL_NS = 1_767_323_045_678_000_000n;

export const ns = (ms: number): bigint => BASE_NS + BigInt(Math.round(ms * 1e6));
/** META `t` values are JSON numbers (exact below 2^53). */
export const nsNum = (ms: number): number => Number(ns(ms));

export interface RunOptions {
  cpuCount?: number;
  startMethod?: string;
  script?: string;
  mainPid?: number;
}

export class SyntheticRun {
  readonly streams: StreamWriter[] = [];
  readonly main: StreamWriter;
  readonly startMethod: string;
  private nextPid: number;
  private nextChan = 7000;
  private nextCallId = 1;
  nextJob = 0;

  constructor(readonly options: RunOptions = {}) {
    this.startMethod = options.startMethod ?? 'fork';
    const pid = options.mainPid ?? 100;
    this.nextPid = pid + 1;
    this.main = new StreamWriter(pid, ns(0));
    this.streams.push(this.main);
    this.main.meta({
      k: 'run',
      t: nsNum(0),
      script: options.script ?? 'app.py',
      argv: ['app.py'],
      cwd: '/work',
      python: '3.11.7',
      executable: '/usr/bin/python3',
      startMethod: this.startMethod,
      cpuCount: options.cpuCount ?? 8,
      agentVersion: '0.1.0',
      formatVersion: 1,
      overrides: {},
    });
    this.main.meta({
      k: 'process',
      t: nsNum(0),
      pid,
      ppid: 1,
      parentPid: null,
      role: 'main',
      name: 'MainProcess',
      startMethod: this.startMethod,
      mono: nsNum(0),
      wall: Number(BASE_WALL_NS),
      agentStart: nsNum(0),
    });
  }

  chan(): number {
    return this.nextChan++;
  }

  callId(): number {
    return this.nextCallId++;
  }

  /** Starts a child of `parent`: the `start` META in the parent, the child's own stream and METAs. */
  child(opts: {
    parent?: StreamWriter;
    role: string;
    calledMs: number;
    startupMs: number;
    /** Of startupMs, how long the new process waited for a CPU (the agent's `wait`, in ns). */
    startupWaitMs?: number;
    name?: string;
    pool?: number;
    target?: string;
  }): { stream: StreamWriter; userStartMs: number } {
    const parent = opts.parent ?? this.main;
    const pid = this.nextPid++;
    const name = opts.name ?? `Process-${pid}`;
    parent.meta({
      k: 'start',
      t: nsNum(opts.calledMs),
      child: pid,
      t0: nsNum(opts.calledMs),
      t1: nsNum(opts.calledMs + 0.05),
      name,
      startMethod: this.startMethod,
    });
    const agentStart = opts.calledMs + opts.startupMs * 0.6;
    const stream = new StreamWriter(pid, ns(agentStart));
    this.streams.push(stream);
    stream.meta({
      k: 'process',
      t: nsNum(agentStart),
      pid,
      ppid: parent.pid,
      parentPid: parent.pid,
      role: opts.role === 'process' ? 'process' : 'unknown',
      name,
      startMethod: this.startMethod,
      mono: nsNum(agentStart),
      wall: Number(BASE_WALL_NS) + Math.round(agentStart * 1e6),
      agentStart: nsNum(agentStart),
    });
    stream.meta({ k: 'role', t: nsNum(agentStart), role: opts.role, pool: opts.pool, target: opts.target });
    const userStartMs = opts.calledMs + opts.startupMs;
    stream.meta({
      k: 'user-start',
      t: nsNum(userStartMs),
      ...(opts.startupWaitMs !== undefined ? { wait: Math.round(opts.startupWaitMs * 1e6) } : {}),
    });
    return { stream, userStartMs };
  }

  finish(atMs: number, code = 0): this {
    this.main.meta({ k: 'exit', t: nsNum(atMs), code, cpuUser: 0.05, cpuSystem: 0.01, maxRss: 30_000_000 });
    return this;
  }

  records(): TraceRecords {
    return readContainerBytes(encodeContainer(this.streams));
  }

  model(): TraceModel {
    return buildModel(this.records());
  }

  analyze(): { model: TraceModel; report: Report } {
    const model = this.model();
    return { model, report: analyze(model) };
  }

  writeDir(dir: string): void {
    writeRunDir(dir, this.streams);
  }
}

export interface TaskSpec {
  computeMs: number;
  /** Default: computeMs; null: the worker did not read its CPU clock (RUN's cpu is all ones). */
  cpuMs?: number | null;
  items?: number;
  bytesIn?: number;
  bytesOut?: number;
  /** Per-message pickling/unpickling (default: the pool's). */
  pickleInMs?: number;
  unpickleInMs?: number;
  pickleOutMs?: number;
  unpickleOutMs?: number;
  writeInMs?: number;
  writeOutMs?: number;
  /** The task raises (ok = 0, with a task-error META). */
  error?: string;
}

export interface PoolOptions {
  workers: number;
  poolApi?: 'Pool' | 'ProcessPoolExecutor';
  file?: string;
  line?: number;
  atMs?: number;
  /** Start-up per worker (start() → user code), or one per worker. */
  startupMs?: number | number[];
  /** Of each worker's start-up, its wait for a CPU. */
  startupWaitMs?: number;
  /**
   * The main thread's time inside multiprocessing calls before the pool (making locks, queues,
   * shared values): the pool META then carries its `c` and `w` readings, all else counted as work.
   */
  mainCallsBeforeMs?: number;
  /** Latency of a message to an idle receiver. */
  deliveryMs?: number;
  pickleMs?: number;
  unpickleMs?: number;
}

export interface CallOptions {
  api?: string;
  file?: string;
  line?: number;
  atMs?: number;
  chunksize?: number | null;
  tasks: TaskSpec[];
  /** Extra time between dispatches (so workers may be idle when a task is sent). */
  dispatchGapMs?: number;
  blocking?: boolean;
  /** The worker (index) that dies with SIGKILL while computing its n-th task of this call (0-based). */
  crash?: { worker: number; nth: number };
}

export interface SimWorker {
  stream: StreamWriter;
  readyMs: number;
  dead: boolean;
}

/** A simulated Pool or ProcessPoolExecutor owned by the main process. */
export class SimPool {
  readonly chan: number;
  readonly resultChan: number;
  readonly workers: SimWorker[] = [];
  readonly executor: boolean;
  readonly deliveryMs: number;
  readonly pickleMs: number;
  readonly unpickleMs: number;
  private cursorMs: number;
  private parentFreeMs = -Infinity;
  private workId = 0;

  constructor(
    readonly run: SyntheticRun,
    readonly options: PoolOptions,
  ) {
    const at = options.atMs ?? 1;
    this.chan = run.chan();
    this.resultChan = run.chan();
    this.executor = options.poolApi === 'ProcessPoolExecutor';
    this.deliveryMs = options.deliveryMs ?? 0.2;
    this.pickleMs = options.pickleMs ?? 0.02;
    this.unpickleMs = options.unpickleMs ?? 0.02;
    run.main.meta({
      k: 'pool',
      t: nsNum(at),
      id: this.chan,
      resultChan: this.resultChan,
      api: options.poolApi ?? 'Pool',
      workers: options.workers,
      startMethod: run.startMethod,
      file: options.file ?? 'app.py',
      line: options.line ?? 10,
      maxtasksperchild: null,
      ...(options.mainCallsBeforeMs !== undefined
        ? {
            c: Math.round((at - options.mainCallsBeforeMs) * 1e6),
            w: nsNum(at - options.mainCallsBeforeMs),
          }
        : {}),
    });
    for (let w = 0; w < options.workers; w++) {
      const s = options.startupMs ?? 50;
      const startup = Array.isArray(s) ? s[w] : s;
      const { stream, userStartMs } = run.child({
        role: this.executor ? 'executor-worker' : 'pool-worker',
        calledMs: at + 0.1 * (w + 1),
        startupMs: startup,
        startupWaitMs: options.startupWaitMs,
        name: `ForkPoolWorker-${w + 1}`,
        pool: this.chan,
      });
      this.workers.push({ stream, readyMs: userStartMs, dead: false });
    }
    this.cursorMs = at + 0.1 * (options.workers + 1);
  }

  /** Runs one call; returns when its last result was unpickled. */
  call(opts: CallOptions): { endMs: number; callId: number } {
    const { run } = this;
    const main = run.main;
    const callId = run.callId();
    const job = run.nextJob++;
    const callAt = Math.max(opts.atMs ?? this.cursorMs, this.cursorMs);
    const items = opts.tasks.reduce((n, t) => n + (t.items ?? 1), 0);
    main.meta({
      k: 'call',
      t: nsNum(callAt),
      id: callId,
      pool: this.chan,
      api: opts.api ?? (this.executor ? 'executor.map' : 'map'),
      chunksize: opts.chunksize === undefined ? 1 : opts.chunksize,
      items,
      job: this.executor ? this.workId : job,
      file: opts.file ?? 'app.py',
      line: opts.line ?? 12,
    });
    const taskKind = this.executor ? 3 : 1;
    const resultKind = this.executor ? 4 : 2;
    let cursor = callAt + 0.01;
    const results: {
      writeMs: number;
      sentMs: number;
      job: number;
      index: number;
      bytes: number;
      unpickle: number;
      ok: number;
    }[] = [];
    let seen = 0;
    opts.tasks.forEach((t, i) => {
      const key = this.executor ? { job: this.workId++, index: -1 } : { job, index: i };
      const bytesIn = t.bytesIn ?? 100;
      const bytesOut = t.bytesOut ?? 50;
      const p0 = cursor;
      const p1 = p0 + (t.pickleInMs ?? this.pickleMs);
      const p2 = p1 + (t.writeInMs ?? 0.001);
      cursor = p2 + (opts.dispatchGapMs ?? 0);
      main.send({
        chan: this.chan,
        ...key,
        bytes: bytesIn,
        t0: ns(p0),
        t1: ns(p1),
        t2: ns(p2),
        items: t.items ?? 1,
        call: callId,
        kind: taskKind,
      });

      const alive = this.workers.filter((w) => !w.dead);
      const w = alive.reduce((a, b) => (b.readyMs < a.readyMs ? b : a));
      // Delivery runs from the start of the write (p1) to the read returning.
      const arrival = w.readyMs <= p1 ? p1 + this.deliveryMs : Math.max(p2, w.readyMs + 0.005);
      const cs = arrival + (t.unpickleInMs ?? this.unpickleMs);
      w.stream.recv({ chan: this.chan, ...key, bytes: bytesIn, t0: ns(arrival), t1: ns(cs), kind: taskKind });
      const nth = this.workers.indexOf(w) === opts.crash?.worker ? seen++ : -1;
      if (opts.crash && nth === opts.crash.nth) {
        const death = cs + t.computeMs / 2;
        w.dead = true;
        main.meta({ k: 'reaped', t: nsNum(death + 1), child: w.stream.pid, code: -9 });
        return;
      }
      const ce = cs + t.computeMs;
      w.stream.run({
        chan: this.chan,
        ...key,
        t0: ns(cs),
        t1: ns(ce),
        cpu: t.cpuMs === null ? NO_CPU : ns(t.cpuMs ?? t.computeMs) - BASE_NS,
      });
      const r1 = ce + (t.pickleOutMs ?? this.pickleMs);
      const r2 = r1 + (t.writeOutMs ?? 0.001);
      const ok = t.error ? 0 : 1;
      if (t.error) {
        w.stream.meta({
          k: 'task-error',
          t: nsNum(ce),
          chan: this.chan,
          ...key,
          type: 'ValueError',
          message: t.error,
        });
      }
      w.stream.send({
        chan: this.resultChan,
        ...key,
        bytes: bytesOut,
        t0: ns(ce),
        t1: ns(r1),
        t2: ns(r2),
        kind: resultKind,
        ok,
      });
      w.readyMs = r2;
      results.push({
        writeMs: r1,
        sentMs: r2,
        ...key,
        bytes: bytesOut,
        unpickle: t.unpickleOutMs ?? this.unpickleMs,
        ok,
      });
    });
    this.cursorMs = cursor;
    let end = cursor;
    for (const r of results.sort((a, b) => a.writeMs - b.writeMs)) {
      const arrival =
        this.parentFreeMs <= r.writeMs ? r.writeMs + this.deliveryMs : Math.max(r.sentMs, this.parentFreeMs);
      this.parentFreeMs = arrival + r.unpickle;
      main.recv({
        chan: this.resultChan,
        job: r.job,
        index: r.index,
        bytes: r.bytes,
        t0: ns(arrival),
        t1: ns(this.parentFreeMs),
        kind: resultKind,
        ok: r.ok,
      });
      end = Math.max(end, this.parentFreeMs);
    }
    if (opts.blocking !== false) main.meta({ k: 'call-end', t: nsNum(end), id: callId });
    this.cursorMs = Math.max(this.cursorMs, end);
    return { endMs: end, callId };
  }

  /** Pool.terminate(): live workers are SIGTERMed and reaped. */
  terminate(atMs: number): void {
    for (const w of this.workers) {
      if (w.dead) continue;
      if (this.executor) {
        w.stream.meta({
          k: 'exit',
          t: nsNum(atMs),
          code: 0,
          cpuUser: 0.01,
          cpuSystem: 0,
          maxRss: 20_000_000,
        });
        this.run.main.meta({ k: 'reaped', t: nsNum(atMs + 0.5), child: w.stream.pid, code: 0 });
      } else {
        this.run.main.meta({ k: 'reaped', t: nsNum(atMs + 0.5), child: w.stream.pid, code: -15 });
      }
    }
  }
}

/** A whole run with one pool and one call: create, call, terminate, exit. */
export function poolRun(
  pool: PoolOptions,
  call: CallOptions,
  run: RunOptions = {},
): { run: SyntheticRun; pool: SimPool; endMs: number } {
  const r = new SyntheticRun(run);
  const p = new SimPool(r, pool);
  const { endMs } = p.call(call);
  p.terminate(endMs + 1);
  r.finish(endMs + 5);
  return { run: r, pool: p, endMs };
}

/** n copies of a task spec. */
export const repeat = (n: number, t: TaskSpec): TaskSpec[] => Array.from({ length: n }, () => ({ ...t }));

/**
 * A 3-worker Pool with two map calls: 20 tasks and one that raises, then 30 tasks during which
 * worker 1 dies on its third.
 */
export function errorAndCrashRun(): SyntheticRun {
  const run = new SyntheticRun();
  const pool = new SimPool(run, { workers: 3 });
  const first = pool.call({
    tasks: [...repeat(20, { computeMs: 2 }), { computeMs: 1, error: 'ValueError' }],
  });
  pool.call({ atMs: first.endMs + 1, tasks: repeat(30, { computeMs: 1 }), crash: { worker: 1, nth: 3 } });
  run.finish(500);
  return run;
}
