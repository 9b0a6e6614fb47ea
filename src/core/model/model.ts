/**
 * Builds the {@link TraceModel} from records: processes, pools, calls, tasks, messages, Manager
 * calls and the agent's own findings. Robust to partial data: a process killed mid-way leaves
 * tasks without their later records, and they show as such (e.g. in flight at a crash).
 */
import { num, str, readU64, RECV_T1_AT, RUN_T1_AT, SEND_T2_AT, type TraceRecords } from '../trace';
import { buildMessages } from './modelMessages';
import { buildProcesses } from './modelProcesses';
import type { TasksResult } from './modelTasks';
import type { AgentFinding, ManagerCall, SharedBlock, TraceModel } from './modelTypes';
import type { ProcessesResult } from './modelProcesses';

export type * from './modelTypes';

/**
 * The stamps that end each chunk's last SEND, RECV and RUN, as (stream, ns) pairs: the latest
 * stamp of each stream is among them.
 */
export function lastStamps(records: TraceRecords): number[] {
  const out: number[] = [];
  for (const chunk of records.chunks) {
    const last = (offsets: Uint32Array, at: number): void => {
      if (offsets.length > 0) out.push(chunk.stream, readU64(chunk.view, offsets[offsets.length - 1] + at));
    };
    last(chunk.sends, SEND_T2_AT);
    last(chunk.recvs, RECV_T1_AT);
    last(chunk.runs, RUN_T1_AT);
  }
  return out;
}

/**
 * The model from records whose tasks are joined by `tasksOf` (from `records.chunks`, or by a
 * join that saw the records stream past) and whose latest stamps are `stamps` (see lastStamps).
 * `records.chunks` need only hold the plain messages' records.
 */
export function assembleModel(
  records: TraceRecords,
  tasksOf: (procs: ProcessesResult, warnings: string[]) => TasksResult,
  stamps: number[],
): TraceModel {
  const warnings = [...records.warnings];
  const procs = buildProcesses(records);
  const { processes, byStream, originNs } = procs;
  const ms = (ns: number): number => (ns - originNs) / 1e6;
  const { pools, calls, tasks } = tasksOf(procs, warnings);
  const { channels, messages, messageSampling } = buildMessages(records, procs);

  const managerCalls: ManagerCall[] = [];
  const agentFindings: AgentFinding[] = [];
  const sharedBlocks: SharedBlock[] = [];
  const parentCpu: [number, number][] = [];
  const parentFree: [number, number][] = [];
  const parentFaults: [number, number][] = [];
  let faultCostMs: number | null = null;
  for (const m of records.metas) {
    const process = byStream[m.stream];
    const c = num(m.data, 'c');
    if (c !== null && process === procs.main && PARENT_CPU_KINDS.has(m.k)) {
      // The CPU (and wall time) outside multiprocessing calls stands still inside one: as at its
      // start, so at its end.
      const w = num(m.data, 'w');
      const f = num(m.data, 'f');
      for (const t of [num(m.data, 't0'), num(m.data, 't1'), m.t]) {
        if (t === null) continue;
        parentCpu.push([ms(t), c / 1e6]);
        if (w !== null) parentFree.push([ms(t), ms(w)]);
        if (f !== null) parentFaults.push([ms(t), f]);
      }
    }
    if (m.k === 'fault-cost' && process === procs.main) faultCostMs = (num(m.data, 'ns') ?? 0) / 1e6 || null;
    if (m.k === 'mgr') {
      const t0 = num(m.data, 't0') ?? m.t;
      const t1 = num(m.data, 't1') ?? t0;
      managerCalls.push({
        process,
        method: str(m.data, 'method') ?? 'unknown',
        startMs: ms(t0),
        durationMs: (t1 - t0) / 1e6,
        ok: m.data.ok !== false && m.data.ok !== 0,
      });
    } else if (m.k === 'shm' && process === procs.main) {
      sharedBlocks.push({
        createdMs: ms(num(m.data, 't0') ?? m.t),
        readyMs: ms(m.t),
        bytes: num(m.data, 'size') ?? 0,
        file: str(m.data, 'file'),
        line: num(m.data, 'line'),
      });
    } else if (m.k === 'finding') {
      agentFindings.push({
        process,
        id: str(m.data, 'id') ?? 'agent-finding',
        file: str(m.data, 'file'),
        line: num(m.data, 'line'),
        message: str(m.data, 'message') ?? '',
      });
    } else if (m.k === 'agent-error') {
      warnings.push(
        `agent error in pid ${processes[process].pid}: ${str(m.data, 'message') ?? '(no message)'}`,
      );
    }
  }

  // The latest stamp of each stream: the last record of each kind in each chunk is enough.
  for (let k = 0; k < stamps.length; k += 2) {
    const p = processes[byStream[stamps[k]]];
    p.lastSeenMs = Math.max(p.lastSeenMs ?? -Infinity, ms(stamps[k + 1]));
  }
  for (const p of processes) {
    if (p.endMs !== null) p.lastSeenMs = Math.max(p.lastSeenMs ?? -Infinity, p.endMs);
  }

  if (!procs.run)
    warnings.push('no run header was recorded (the main process trace is missing or cut short)');
  const main = procs.main >= 0 ? processes[procs.main] : undefined;
  let lastSeen = 0;
  for (const p of processes) lastSeen = Math.max(lastSeen, p.lastSeenMs ?? 0);
  const wallMs = main?.endMs ?? lastSeen;

  return {
    formatVersion: 1,
    run: procs.run,
    originNs,
    startedAt: procs.startedAt,
    wallMs,
    mainProcess: procs.main,
    processes,
    pools,
    calls,
    tasks,
    channels,
    messages,
    messageSampling,
    managerCalls,
    sharedBlocks: sharedBlocks.sort((a, b) => a.readyMs - b.readyMs),
    agentFindings,
    parentCpu: parentCpu.sort((a, b) => a[0] - b[0]),
    parentFree: parentFree.sort((a, b) => a[0] - b[0]),
    parentFaults: parentFaults.sort((a, b) => a[0] - b[0]),
    faultCostMs,
    warnings,
  };
}

/** The METAs whose `c` says how much work the main process had done by then (see parentCpu). */
const PARENT_CPU_KINDS = new Set(['pool', 'pool-end', 'start', 'join', 'call', 'call-end', 'shm']);
