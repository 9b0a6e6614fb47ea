/**
 * Export to the Chrome Trace Event format (JSON; opens in Perfetto and chrome://tracing): one track
 * group per process, complete ('X') events for each step of each task, flow arrows for messages.
 * Timestamps are microseconds from the run's origin (the main process's agent start).
 */
import type { ProcessInfo, TraceModel } from '../model';
import { signalName } from '../measure';

export interface ChromeTraceEvent {
  name: string;
  /** 'X' complete, 'M' metadata, 'i' instant, 's'/'f' flow start/finish. */
  ph: 'X' | 'M' | 'i' | 's' | 'f';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  id?: number;
  bp?: 'e';
  s?: 'p' | 't' | 'g';
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, unknown>;
}

/** Threads (tracks) within a process. */
const TID = {
  main: 1,
  managerCalls: 5,
  /** + 2 × pool index: the parent's task-handler side; + 1: its result-handler side. */
  poolBase: 100,
  /** + 2 × channel index: sending; + 1: receiving. */
  channelBase: 100_000,
};

const us = (ms: number): number => Math.round(ms * 1000 * 1000) / 1000;
const dur = (ms: number | null): number => Math.max(0, us(ms ?? 0));

export function toChromeTrace(model: TraceModel): ChromeTrace {
  const events: ChromeTraceEvent[] = [];
  const threads = new Map<string, ChromeTraceEvent>();
  const tracePid = tracePids(model.processes);
  const thread = (proc: number, tid: number, name: string): number => {
    const pid = tracePid[proc];
    const key = `${pid}:${tid}`;
    if (!threads.has(key)) threads.set(key, { name: 'thread_name', ph: 'M', pid, tid, args: { name } });
    return pid;
  };
  const slice = (
    proc: number,
    tid: number,
    track: string,
    name: string,
    startMs: number | null,
    lengthMs: number | null,
    args?: Record<string, unknown>,
  ): void => {
    if (proc < 0 || startMs === null) return;
    const pid = thread(proc, tid, track);
    events.push({
      name,
      ph: 'X',
      cat: 'poolscope',
      pid,
      tid,
      ts: us(startMs),
      dur: dur(lengthMs),
      ...(args ? { args } : {}),
    });
  };
  let flowId = 0;
  const flow = (
    name: string,
    from: [number, number, number | null],
    to: [number, number, number | null],
  ): void => {
    const [fromProc, fromTid, fromMs] = from;
    const [toProc, toTid, toMs] = to;
    if (fromProc < 0 || toProc < 0 || fromMs === null || toMs === null) return;
    const id = ++flowId;
    events.push({ name, ph: 's', cat: 'ipc', id, pid: tracePid[fromProc], tid: fromTid, ts: us(fromMs) });
    events.push({ name, ph: 'f', bp: 'e', cat: 'ipc', id, pid: tracePid[toProc], tid: toTid, ts: us(toMs) });
  };

  model.processes.forEach((p, i) => {
    const pid = tracePid[i];
    const label = `${p.role} ${p.pid}${p.name ? ` (${p.name})` : ''}`;
    events.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: label } });
    events.push({
      name: 'process_sort_index',
      ph: 'M',
      pid,
      tid: 0,
      args: { sort_index: i === model.mainProcess ? -1 : i },
    });
    if (p.startCalledMs !== null && p.userStartMs !== null) {
      slice(i, TID.main, 'main', 'start-up', p.startCalledMs, p.userStartMs - p.startCalledMs, {
        startMethod: p.startMethod,
      });
    }
    if (p.signal !== null && p.endMs !== null) {
      thread(i, TID.main, 'main');
      events.push({
        name: `killed by ${signalName(p.signal)}`,
        ph: 'i',
        s: 'p',
        pid,
        tid: TID.main,
        ts: us(p.endMs),
      });
    }
  });

  const siteOf = (call: number): string | undefined => {
    const c = call >= 0 ? model.calls[call] : undefined;
    return c?.file ? `${c.file}:${c.line}` : undefined;
  };
  model.tasks.forEach((t) => {
    const pool = model.pools[t.pool];
    const taskTid = TID.poolBase + 2 * t.pool;
    const resultTid = taskTid + 1;
    const poolName = `pool ${pool.file ? `${pool.file}:${pool.line}` : `#${t.pool}`}`;
    const args = { job: t.job, index: t.index, items: t.items, callSite: siteOf(t.call) };
    slice(t.parent, taskTid, `${poolName} tasks`, 'pickle task', t.pickleStartMs, t.pickleInMs, {
      ...args,
      bytes: t.bytesIn,
      writeMs: t.writeInMs,
    });
    slice(t.worker, TID.main, 'main', 'unpickle task', t.arrivalMs, t.unpickleInMs, {
      ...args,
      bytes: t.bytesIn,
    });
    const compute =
      t.computeStartMs !== null && t.computeEndMs !== null ? t.computeEndMs - t.computeStartMs : null;
    slice(t.worker, TID.main, 'main', 'compute', t.computeStartMs, compute, {
      ...args,
      cpuMs: t.cpuMs,
      ok: t.ok,
      error: t.error,
    });
    slice(t.worker, TID.main, 'main', 'pickle result', t.resultPickleStartMs, t.pickleOutMs, {
      ...args,
      bytes: t.bytesOut,
      writeMs: t.writeOutMs,
    });
    slice(t.parent, resultTid, `${poolName} results`, 'unpickle result', t.resultArrivalMs, t.unpickleOutMs, {
      ...args,
      bytes: t.bytesOut,
    });
    flow('task', [t.parent, taskTid, t.pickleStartMs], [t.worker, TID.main, t.arrivalMs]);
    flow('result', [t.worker, TID.main, t.resultPickleStartMs], [t.parent, resultTid, t.resultArrivalMs]);
  });

  for (const m of model.messages) {
    const ch = model.channels[m.channel];
    const name = `${ch.api ?? 'channel'} ${ch.file ? `${ch.file}:${ch.line}` : ch.chan}`;
    const sendTid = TID.channelBase + 2 * m.channel;
    // A sampled record (a flood) also stands for the messages its process only counted.
    slice(m.sender, sendTid, `${name} send`, 'pickle message', m.pickleStartMs, m.pickleMs, {
      bytes: m.bytes,
      ...(m.sendCount > 1 ? { standsForMessages: m.sendCount } : {}),
    });
    slice(m.receiver, sendTid + 1, `${name} receive`, 'unpickle message', m.arrivalMs, m.unpickleMs, {
      bytes: m.bytes,
      ...(m.recvCount > 1 ? { standsForMessages: m.recvCount } : {}),
    });
    flow('message', [m.sender, sendTid, m.pickleStartMs], [m.receiver, sendTid + 1, m.arrivalMs]);
  }
  for (const c of model.managerCalls) {
    slice(c.process, TID.managerCalls, 'Manager calls', c.method, c.startMs, c.durationMs, { ok: c.ok });
  }

  return {
    traceEvents: [...threads.values(), ...events],
    displayTimeUnit: 'ms',
    otherData: {
      generator: 'PoolScope',
      script: model.run?.script ?? null,
      startedAt: model.startedAt,
      wallMs: model.wallMs,
      ...(model.channels.some((c) => c.sampled)
        ? {
            messageSampling: {
              ...model.messageSampling,
              note: 'plain messages sampled: not every one is drawn',
            },
          }
        : {}),
    },
  };
}

/** Trace pids: the real pid, made unique where the OS reused one within the run. */
function tracePids(processes: readonly ProcessInfo[]): number[] {
  const seen = new Map<number, number>();
  return processes.map((p) => {
    const n = seen.get(p.pid) ?? 0;
    seen.set(p.pid, n + 1);
    return n === 0 ? p.pid : p.pid + 10_000_000 * n;
  });
}
