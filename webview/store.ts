import type { Lane, SiteRef, TaskColumns, UsageSample } from '../src/shared/protocol';
import { BusyBins } from './busyBins';
import { LaneTasks, type TaskRow } from './laneTasks';
import { upperBound } from './search';

/** CPU and memory samples of one process, in time order. */
export interface PidSamples {
  pid: number;
  t: number[];
  cpu: number[];
  mem: number[];
}

/** One timeline lane: a process, its finished tasks and the ones it is running now. */
export class ProcessLane {
  readonly done = new LaneTasks(false);
  readonly running = new LaneTasks(true);
  /** The finished tasks binned by time, for drawing zoomed out. */
  readonly bins = new BusyBins();
  constructor(public lane: Lane) {}
  get n(): number {
    return this.done.n + this.running.n;
  }
}

/**
 * Everything the panel has been told about the current run. Deltas append finished tasks and
 * replace the set in flight; `prepare()` brings the per-lane indexes up to date once per frame,
 * not once per message.
 */
export class TaskStore {
  lanes: ProcessLane[] = [];
  sites = new Map<number, SiteRef>();
  samples = new Map<number, PidSamples>();
  wallMs = 0;
  /** Rows that could not be placed (no arrival time). */
  unplaced = 0;
  /** Bumped on every change, so views can tell whether their caches are stale. */
  version = 0;
  private laneOfPid = new Map<number, ProcessLane>();
  private maxEnd = 0;
  private maxSampleT = 0;

  reset(): void {
    this.lanes = [];
    this.sites.clear();
    this.samples.clear();
    this.laneOfPid.clear();
    this.wallMs = 0;
    this.unplaced = 0;
    this.maxEnd = 0;
    this.maxSampleT = 0;
    this.version++;
  }

  get taskCount(): number {
    let n = this.unplaced;
    for (const l of this.lanes) n += l.n;
    return n;
  }

  /** The end of the time axis: the latest thing known to have happened. */
  get endMs(): number {
    return Math.max(this.wallMs, this.maxEnd, this.maxSampleT);
  }

  upsertLanes(lanes: readonly Lane[]): void {
    for (const lane of lanes) {
      const known = this.laneOfPid.get(lane.pid);
      if (known) known.lane = { ...lane };
      else this.addLane({ ...lane });
    }
    this.version++;
  }

  upsertSites(sites: readonly SiteRef[]): void {
    for (const s of sites) this.sites.set(s.index, { ...s });
    this.version++;
  }

  /** Finished tasks: appended, never sent again. */
  appendTasks(cols: TaskColumns): void {
    const perPid = new Map<number, number>();
    const pids = cols.pid ?? [];
    for (let i = 0; i < pids.length; i++) perPid.set(pids[i], (perPid.get(pids[i]) ?? 0) + 1);
    for (const [pid, count] of perPid) this.laneOfPid.get(pid)?.done.reserve(count);
    this.eachRow(cols, (lane, row) => {
      lane.done.put(row);
      if (Number.isFinite(row.t3) && row.t3 > this.maxEnd) this.maxEnd = row.t3;
    });
    this.version++;
  }

  /** Tasks in flight: this set replaces the previous one. */
  setRunning(cols: TaskColumns | undefined): void {
    for (const l of this.lanes) l.running.clear();
    if (cols) this.eachRow(cols, (lane, row) => lane.running.put(row), false);
    this.version++;
  }

  appendSamples(samples: readonly UsageSample[]): void {
    for (const s of samples) {
      let p = this.samples.get(s.pid);
      if (!p) {
        p = { pid: s.pid, t: [], cpu: [], mem: [] };
        this.samples.set(s.pid, p);
      }
      const t = num(s.t);
      const at = p.t.length > 0 && t < p.t[p.t.length - 1] ? upperBound(p.t, t) : p.t.length;
      p.t.splice(at, 0, t);
      p.cpu.splice(at, 0, num(s.cpu));
      p.mem.splice(at, 0, num(s.memoryBytes));
      if (t > this.maxSampleT) this.maxSampleT = t;
    }
    this.version++;
  }

  setWall(wallMs: number): void {
    if (Number.isFinite(wallMs) && wallMs > this.wallMs) this.wallMs = wallMs;
  }

  /** Sorts and indexes lanes that changed; cheap when nothing did. */
  prepare(): void {
    for (const l of this.lanes) {
      l.done.prepare();
      l.running.prepare();
      l.bins.update(l.done);
    }
  }

  laneLabel(pid: number): string {
    return this.laneOfPid.get(pid)?.lane.label ?? `pid ${pid}`;
  }

  private eachRow(
    cols: TaskColumns,
    fn: (lane: ProcessLane, row: TaskRow) => void,
    countUnplaced = true,
  ): void {
    const row: TaskRow = { t0: 0, t1: 0, t2: 0, t3: 0, site: -1, ok: 1, items: 0, bytesIn: 0, bytesOut: 0 };
    const n = cols.pid?.length ?? 0;
    for (let i = 0; i < n; i++) {
      row.t0 = num(cols.t0[i]);
      const pid = intOr(cols.pid[i], -1);
      // No arrival time, or not at a worker yet (pid -1): nothing to place on a lane.
      if (!Number.isFinite(row.t0) || pid < 0) {
        if (countUnplaced) this.unplaced++;
        continue;
      }
      row.t1 = num(cols.t1[i]);
      row.t2 = num(cols.t2[i]);
      row.t3 = num(cols.t3[i]);
      row.site = intOr(cols.site[i], -1);
      row.ok = intOr(cols.ok[i], -1);
      row.items = num(cols.items[i]);
      row.bytesIn = num(cols.bytesIn[i]);
      row.bytesOut = num(cols.bytesOut[i]);
      const lane = this.laneOfPid.get(pid) ?? this.addLane({ pid, role: 'worker', label: `pid ${pid}` });
      fn(lane, row);
    }
  }

  private addLane(lane: Lane): ProcessLane {
    const l = new ProcessLane(lane);
    this.lanes.push(l);
    this.laneOfPid.set(lane.pid, l);
    return l;
  }
}

/**
 * VS Code serialises webview messages as JSON, where the protocol's NaN ("not known yet")
 * arrives as null; both mean unknown here.
 */
function num(v: unknown): number {
  return typeof v === 'number' ? v : NaN;
}

function intOr(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
