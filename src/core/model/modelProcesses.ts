/**
 * Processes of a run: one per event stream, plus children seen only by their parent (killed before
 * their agent started). Links each child to its parent, its `start()` call (start-up cost) and the
 * parent's `reaped` record (exit code or signal).
 */
import { num, obj, str, strList } from '../trace';
import type { ProcessInfo, ProcessRole, RunHeader } from './modelTypes';
import type { MetaRecord, TraceRecords } from '../trace';

const ROLES: readonly ProcessRole[] = [
  'main',
  'pool-worker',
  'executor-worker',
  'process',
  'manager',
  'forkserver',
  'resource-tracker',
  'uninstrumented',
  'unknown',
];

export interface ProcessesResult {
  processes: ProcessInfo[];
  /** Stream index → process index. */
  byStream: number[];
  main: number;
  originNs: number;
  run: RunHeader | null;
  startedAt: string | null;
  /** Per process: the `pool` chan its `role` META named (workers), else null. */
  poolChans: (number | null)[];
}

function asRole(v: string | null): ProcessRole {
  return (ROLES as readonly string[]).includes(v ?? '') ? (v as ProcessRole) : 'unknown';
}

function groupByStream(records: TraceRecords): MetaRecord[][] {
  const out: MetaRecord[][] = records.streams.map(() => []);
  for (const m of records.metas) (out[m.stream] ??= []).push(m);
  return out;
}

/** The main stream: the one whose process says role `main`, else the one holding `run`. */
function findMainStream(metas: MetaRecord[][]): number {
  const byRole = metas.findIndex((ms) => ms.some((m) => m.k === 'process' && m.data.role === 'main'));
  return byRole >= 0 ? byRole : metas.findIndex((ms) => ms.some((m) => m.k === 'run'));
}

function findOrigin(records: TraceRecords, metas: MetaRecord[][], main: number): number {
  if (main >= 0) {
    const p = metas[main].find((m) => m.k === 'process');
    return (p && num(p.data, 'agentStart')) ?? records.streams[main].start;
  }
  const starts = records.streams.map((s) => s.start).filter((s) => s > 0);
  if (starts.length > 0) return Math.min(...starts);
  const stamps = records.metas.map((m) => m.t).filter((t) => t > 0);
  return stamps.length > 0 ? Math.min(...stamps) : 0;
}

function runHeader(meta: MetaRecord | undefined): RunHeader | null {
  if (!meta) return null;
  const d = meta.data;
  return {
    script: str(d, 'script'),
    module: str(d, 'module'),
    argv: strList(d, 'argv'),
    cwd: str(d, 'cwd'),
    python: str(d, 'python'),
    executable: str(d, 'executable'),
    startMethod: str(d, 'startMethod'),
    cpuCount: num(d, 'cpuCount'),
    agentVersion: str(d, 'agentVersion'),
    formatVersion: num(d, 'formatVersion') ?? 1,
    overrides: obj(d, 'overrides'),
  };
}

function blankProcess(index: number, pid: number): ProcessInfo {
  return {
    index,
    pid,
    ppid: null,
    parentPid: null,
    parent: -1,
    role: 'unknown',
    name: null,
    startMethod: null,
    stream: null,
    pool: -1,
    target: null,
    agentStartMs: null,
    startCalledMs: null,
    startReturnedMs: null,
    startFile: null,
    startLine: null,
    userStartMs: null,
    startupMs: null,
    startupWaitMs: null,
    init: null,
    endMs: null,
    exitCode: null,
    signal: null,
    cpuMs: null,
    waitMs: null,
    blockedMs: null,
    faults: null,
    joinedMs: null,
    userEndMs: null,
    peakRssBytes: null,
    lastSeenMs: null,
  };
}

export function buildProcesses(records: TraceRecords): ProcessesResult {
  const metas = groupByStream(records);
  const mainStream = findMainStream(metas);
  const originNs = findOrigin(records, metas, mainStream);
  const ms = (ns: number): number => (ns - originNs) / 1e6;
  const processes: ProcessInfo[] = [];
  const poolChans: (number | null)[] = [];
  let run: RunHeader | null = null;
  let startedAt: string | null = null;

  for (const stream of records.streams) {
    const p = blankProcess(processes.length, stream.pid);
    p.stream = stream.name;
    p.agentStartMs = ms(stream.start);
    let poolChan: number | null = null;
    for (const m of metas[stream.index] ?? []) {
      const d = m.data;
      p.lastSeenMs = Math.max(p.lastSeenMs ?? -Infinity, ms(m.t));
      switch (m.k) {
        case 'run':
          run ??= runHeader(m);
          break;
        case 'main-module':
          // `-m`: the module's file, known once it was found.
          if (run && str(d, 'script')) run.script = str(d, 'script');
          break;
        case 'process': {
          p.pid = num(d, 'pid') ?? p.pid;
          p.ppid = num(d, 'ppid');
          p.parentPid = num(d, 'parentPid') ?? p.ppid;
          p.role = asRole(str(d, 'role'));
          p.name = str(d, 'name');
          p.startMethod = str(d, 'startMethod');
          const agentStart = num(d, 'agentStart');
          if (agentStart !== null) p.agentStartMs = ms(agentStart);
          const mono = num(d, 'mono');
          const wall = num(d, 'wall');
          if (stream.index === mainStream && mono !== null && wall !== null) {
            startedAt = new Date((wall + (originNs - mono)) / 1e6).toISOString();
          }
          break;
        }
        case 'role':
          if (str(d, 'role')) p.role = asRole(str(d, 'role'));
          poolChan = num(d, 'pool') ?? poolChan;
          p.target = str(d, 'target') ?? p.target;
          break;
        case 'user-start': {
          p.userStartMs = ms(m.t);
          const wait = num(d, 'wait');
          p.startupWaitMs = wait !== null && wait >= 0 ? wait / 1e6 : null;
          break;
        }
        case 'init': {
          const t0 = num(d, 't0') ?? m.t;
          const wait = num(d, 'wait');
          p.init = {
            startMs: ms(t0),
            wallMs: (m.t - t0) / 1e6,
            cpuMs: (num(d, 'cpu') ?? 0) / 1e6,
            waitMs: wait !== null && wait >= 0 ? wait / 1e6 : null,
          };
          break;
        }
        case 'user-end': {
          // The span of user code, and its waits: the exit work after it is not the process's work.
          p.userEndMs = ms(m.t);
          const wait = num(d, 'wait');
          const blocked = num(d, 'blocked');
          p.waitMs = wait === null ? null : wait / 1e6;
          p.blockedMs = blocked === null ? null : blocked / 1e6;
          p.faults = num(d, 'faults');
          break;
        }
        case 'exit': {
          p.endMs = ms(m.t);
          p.exitCode = num(d, 'code');
          const user = num(d, 'cpuUser');
          const sys = num(d, 'cpuSystem');
          if (user !== null || sys !== null) p.cpuMs = ((user ?? 0) + (sys ?? 0)) * 1000;
          if (p.userEndMs === null) {
            const wait = num(d, 'wait');
            const blocked = num(d, 'blocked');
            p.waitMs = wait === null ? null : wait / 1e6;
            p.blockedMs = blocked === null ? null : blocked / 1e6;
          }
          p.peakRssBytes = num(d, 'maxRss');
          break;
        }
      }
    }
    processes.push(p);
    poolChans.push(poolChan);
  }
  const byStream = processes.map((p) => p.index);
  const byPid = new Map<number, ProcessInfo[]>();
  for (const p of processes) byPid.set(p.pid, [...(byPid.get(p.pid) ?? []), p]);
  const withPid = (pid: number): ProcessInfo[] => byPid.get(pid) ?? [];

  // Multiprocessing parent: the latest process with that pid started before the child.
  for (const child of processes) {
    if (child.parentPid === null) continue;
    const began = child.agentStartMs ?? Infinity;
    const parent = latest(
      withPid(child.parentPid).filter((p) => p !== child && (p.agentStartMs ?? -Infinity) <= began),
    );
    child.parent = parent?.index ?? -1;
  }

  const placeholder = (pid: number, parent: number, d: Record<string, unknown>): ProcessInfo => {
    const p = blankProcess(processes.length, pid);
    p.parent = parent;
    p.parentPid = processes[parent].pid;
    p.name = str(d, 'name');
    p.startMethod = str(d, 'startMethod');
    processes.push(p);
    poolChans.push(null);
    byPid.set(pid, [...withPid(pid), p]);
    return p;
  };

  // `start` and `reaped` METAs, written by the parent, in its stream's order.
  for (const stream of records.streams) {
    const parent = byStream[stream.index];
    const parentPid = processes[parent].pid;
    for (const m of metas[stream.index] ?? []) {
      const child = num(m.data, 'child');
      if (child === null) continue;
      if (m.k === 'start') {
        const t0 = ms(num(m.data, 't0') ?? m.t);
        const t1 = num(m.data, 't1');
        // The child's agent starts after start() was called: take the earliest such, not yet claimed.
        const candidates = withPid(child).filter(
          (p) =>
            p.stream !== null &&
            p.startCalledMs === null &&
            (p.agentStartMs ?? -Infinity) >= t0 &&
            (p.parentPid === null || p.parentPid === parentPid),
        );
        candidates.sort((a, b) => (a.agentStartMs ?? 0) - (b.agentStartMs ?? 0));
        const p = candidates[0] ?? placeholder(child, parent, m.data);
        if (p.parent < 0) p.parent = parent;
        // A child without an agent of its own (the resource tracker) is named by its parent.
        const role = str(m.data, 'role');
        if (role && p.stream === null) p.role = role as ProcessInfo['role'];
        p.startCalledMs = t0;
        p.startFile = str(m.data, 'file');
        p.startLine = num(m.data, 'line');
        p.startReturnedMs = t1 === null ? null : ms(t1);
      } else if (m.k === 'join') {
        const t = ms(m.t);
        const p = latest(withPid(child).filter((c) => (c.agentStartMs ?? c.startCalledMs ?? -Infinity) <= t));
        if (p) p.joinedMs = t;
      } else if (m.k === 'reaped') {
        // The latest process with that pid that had begun by then.
        const t = ms(m.t);
        const p =
          latest(withPid(child).filter((c) => (c.agentStartMs ?? c.startCalledMs ?? -Infinity) <= t)) ??
          placeholder(child, parent, m.data);
        const code = num(m.data, 'code');
        if (code !== null && code < 0) {
          p.signal = -code;
          p.exitCode = null;
        } else if (code !== null) {
          p.exitCode = code;
          p.signal = null;
        }
        p.endMs ??= t;
      }
    }
  }

  for (const p of processes) {
    if (p.userStartMs !== null && p.startCalledMs !== null) {
      const wall = p.userStartMs - p.startCalledMs;
      p.startupMs = Math.max(0, wall - Math.min(p.startupWaitMs ?? 0, wall));
    }
  }
  // The main process was not started by multiprocessing; its method is the run's.
  const main = mainStream >= 0 ? processes[byStream[mainStream]] : undefined;
  if (main && main.startMethod === null) main.startMethod = run?.startMethod ?? null;
  return {
    processes,
    byStream,
    main: mainStream >= 0 ? byStream[mainStream] : -1,
    originNs,
    run,
    startedAt,
    poolChans,
  };
}

/** The process that began last (by agent start, else by its start() call). */
function latest(candidates: ProcessInfo[]): ProcessInfo | undefined {
  let best: ProcessInfo | undefined;
  for (const p of candidates) {
    const began = p.agentStartMs ?? p.startCalledMs ?? -Infinity;
    if (!best || began >= (best.agentStartMs ?? best.startCalledMs ?? -Infinity)) best = p;
  }
  return best;
}
