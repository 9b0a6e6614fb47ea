/**
 * A recorded-like run with known numbers: a main process and two pool workers, two call sites
 * (a compute-heavy map with small chunks and a data-heavy imap_unordered), one task that raised,
 * CPU and memory samples, and a report whose numbers are computed from those tasks.
 */
import type { CallSiteReport, Report, Verdict } from '../../src/core/report/report';
import type { Lane, RunHeader, SiteRef, TaskColumns, UsageSample } from '../../src/shared/protocol';
import { emptyTaskColumns } from '../../src/shared/protocol';
import { fmtBytes, fmtMs, fmtPct } from '../../webview/units';

export interface RunFixture {
  header: RunHeader;
  lanes: Lane[];
  sites: SiteRef[];
  tasks: TaskColumns;
  samples: UsageSample[];
  wallMs: number;
  report: Report;
}

export interface FixtureOptions {
  runId?: string;
  /** Markup and script-closing text in every user-controlled string. */
  hostile?: boolean;
}

export const MAIN_PID = 4711;
export const WORKERS = [4713, 4714];
export const PHASE1_TASKS = 120;
export const PHASE2_TASKS = 200;
const STARTUP_MS = 40;
const PHASE2_AT = 620;
export const EVIL = `<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script>`;
/** Markup that fits in a file name (no slash). */
export const EVIL_NAME = `<img src=x onerror="window.__pwned=3">`;

/** A small deterministic wobble, so tasks differ a little as real ones do. */
const wobble = (i: number, amp: number): number => amp * Math.sin(i * 1.7 + 0.3);

export function makeRun(opts: FixtureOptions = {}): RunFixture {
  const runId = opts.runId ?? 'run-1';
  const evil = opts.hostile ? EVIL : '';
  const file = opts.hostile ? `/home/dev/proj/${EVIL_NAME}resize.py` : '/home/dev/proj/resize.py';
  const script = opts.hostile ? `${evil}resize.py` : 'resize.py';
  const lanes: Lane[] = [
    { pid: MAIN_PID, role: 'main', label: `main · ${MAIN_PID}` },
    ...WORKERS.map((pid, i) => ({
      pid,
      role: 'worker',
      label: `worker ${i + 1} · ${pid}${opts.hostile ? evil : ''}`,
    })),
  ];
  const sites: SiteRef[] = [
    { index: 0, file, line: 21, api: 'map' },
    { index: 1, file, line: 34, api: 'imap_unordered' },
  ];
  const tasks = emptyTaskColumns();
  const push = (
    pid: number,
    t0: number,
    un: number,
    comp: number,
    res: number,
    site: number,
    ok: number,
    items: number,
    bin: number,
    bout: number,
  ): number => {
    tasks.pid.push(pid);
    tasks.t0.push(t0);
    tasks.t1.push(t0 + un);
    tasks.t2.push(t0 + un + comp);
    tasks.t3.push(t0 + un + comp + res);
    tasks.site.push(site);
    tasks.ok.push(ok);
    tasks.items.push(items);
    tasks.bytesIn.push(bin);
    tasks.bytesOut.push(bout);
    return t0 + un + comp + res;
  };
  let end = 0;
  WORKERS.forEach((pid, w) => {
    let t = STARTUP_MS + w * 0.2;
    for (let i = 0; i < PHASE1_TASKS; i++) {
      const ok = w === 1 && i === 57 ? 0 : 1;
      t = push(pid, t, 0.25, 3.5 + wobble(i + w, 0.4), 0.25, 0, ok, 4, 1536 + (i % 3) * 64, 320) + 0.5;
    }
    t = PHASE2_AT + w * 0.15;
    for (let i = 0; i < PHASE2_TASKS; i++) {
      t = push(pid, t, 1.2, 0.6 + wobble(i, 0.05), 1.4, 1, 1, 1, 65536, 32768) + 0.3;
    }
    end = Math.max(end, t);
  });
  const wallMs = Math.ceil(end + 30);
  const samples: UsageSample[] = [];
  for (let t = 0; t <= wallMs; t += 50) {
    samples.push({ pid: MAIN_PID, t, cpu: 8 + wobble(t, 4), memoryBytes: 48e6 + t * 1000 });
    for (const [w, pid] of WORKERS.entries()) {
      const busy = t >= STARTUP_MS && t < end;
      samples.push({
        pid,
        t,
        cpu: busy ? 94 + wobble(t + w, 5) : 1,
        memoryBytes: 31e6 + w * 2e6 + (busy ? 12e6 : 0),
      });
    }
  }
  const header: RunHeader = {
    runId,
    script,
    scriptPath: `/home/dev/proj/${script}`,
    python: '3.12.3',
    startMethod: 'fork',
    cpuCount: 8,
    startedAt: '2025-05-04T10:11:12.000Z',
    live: false,
  };
  return {
    header,
    lanes,
    sites,
    tasks,
    samples,
    wallMs,
    report: makeReport(tasks, sites, wallMs, script, opts),
  };
}

interface SiteStats {
  tasks: number;
  items: number;
  computeMedian: number;
  computeTotal: number;
  ipcTotal: number;
  bytesIn: number;
  bytesOut: number;
  first: number;
  last: number;
  errors: number;
}

export function siteStats(tasks: TaskColumns, site: number): SiteStats {
  const comp: number[] = [];
  const s: SiteStats = {
    tasks: 0,
    items: 0,
    computeMedian: 0,
    computeTotal: 0,
    ipcTotal: 0,
    bytesIn: 0,
    bytesOut: 0,
    first: Infinity,
    last: 0,
    errors: 0,
  };
  for (let i = 0; i < tasks.pid.length; i++) {
    if (tasks.site[i] !== site) continue;
    s.tasks++;
    s.items += tasks.items[i];
    const c = tasks.t2[i] - tasks.t1[i];
    comp.push(c);
    s.computeTotal += c;
    s.ipcTotal += tasks.t1[i] - tasks.t0[i] + tasks.t3[i] - tasks.t2[i];
    s.bytesIn += tasks.bytesIn[i];
    s.bytesOut += tasks.bytesOut[i];
    s.first = Math.min(s.first, tasks.t0[i]);
    s.last = Math.max(s.last, tasks.t3[i]);
    if (tasks.ok[i] === 0) s.errors++;
  }
  comp.sort((a, b) => a - b);
  s.computeMedian = comp[Math.floor(comp.length / 2)];
  return s;
}

function makeReport(
  tasks: TaskColumns,
  sites: SiteRef[],
  wallMs: number,
  script: string,
  opts: FixtureOptions,
): Report {
  const st = sites.map((s) => siteStats(tasks, s.index));
  const quadrants = ['clear-win', 'both-lose'] as const;
  const verdictOf = (i: number): Verdict => ({
    quadrant: quadrants[i],
    compute: i === 0 ? 'heavy' : 'light',
    data: i === 0 ? 'small' : 'large',
    sentence:
      i === 0
        ? `Each task computes for ${fmtMs(st[0].computeMedian)} and moves ${fmtBytes((st[0].bytesIn + st[0].bytesOut) / st[0].tasks)}: parallelism pays.`
        : `Each task computes for ${fmtMs(st[1].computeMedian)} but moves ${fmtBytes((st[1].bytesIn + st[1].bytesOut) / st[1].tasks)}: copying costs more than the work.`,
    numbers: {
      tasks: st[i].tasks,
      computeMsPerTask: st[i].computeMedian,
      perMessageOverheadMs: 0.12,
      deliveryMs: 0.05,
      smallMessageSerializationMs: 0.07,
      computeToOverhead: st[i].computeMedian / 0.12,
      computePerWorkerMs: st[i].computeTotal / 2,
      startupMs: STARTUP_MS,
      computePerWorkerToStartup: st[i].computeTotal / 2 / STARTUP_MS,
      bytesPerTask: (st[i].bytesIn + st[i].bytesOut) / st[i].tasks,
      wallMs: st[i].last - st[i].first,
    },
  });
  const callSites: CallSiteReport[] = sites.map((s, i) => {
    const x = st[i];
    const wall = x.last - x.first;
    const speedup = x.computeTotal / wall;
    return {
      id: `${s.file}:${s.line}`,
      file: s.file,
      line: s.line,
      api: s.api,
      poolApi: 'Pool',
      workers: 2,
      chunksize: i === 0 ? 4 : 1,
      calls: 1,
      tasks: x.tasks,
      items: x.items,
      wallMs: wall,
      compute: {
        medianMs: x.computeMedian,
        p95Ms: x.computeMedian * 1.1,
        totalMs: x.computeTotal,
        cpuMs: x.computeTotal * 0.98,
        sequentialMs: x.computeTotal * 0.98,
      },
      ipc: {
        perTaskMs: x.ipcTotal / x.tasks,
        pickleMs: x.ipcTotal / 2,
        unpickleMs: x.ipcTotal / 2,
        transferMs: 0,
        bytesPerTask: (x.bytesIn + x.bytesOut) / x.tasks,
        bytesIn: x.bytesIn,
        bytesOut: x.bytesOut,
        share: x.ipcTotal / (x.ipcTotal + x.computeTotal),
      },
      estSequentialMs: x.computeTotal,
      estSpeedup: speedup,
      efficiency: speedup / 2,
      quadrant: quadrants[i],
      verdict: verdictOf(i),
      errors: x.errors,
      whatIf: null,
    };
  });
  const all = { tasks: 0, items: 0, comp: 0, ipc: 0, bytes: 0 };
  for (const x of st) {
    all.tasks += x.tasks;
    all.items += x.items;
    all.comp += x.computeTotal;
    all.ipc += x.ipcTotal;
    all.bytes += x.bytesIn + x.bytesOut;
  }
  const medians = st.map((x) => x.computeMedian);
  const estSequentialMs = wallMs - st.reduce((a, x) => a + (x.last - x.first), 0) + all.comp;
  const big = st[1];
  const evil = opts.hostile ? EVIL : '';
  return {
    formatVersion: 1,
    run: {
      script,
      argv: [],
      cwd: '/home/dev/proj',
      python: '3.12.3',
      startMethod: 'fork',
      cpuCount: 8,
      wallMs,
      startedAt: '2025-05-04T10:11:12.000Z',
      exitCode: 0,
      signal: null,
      overrides: {},
    },
    summary: {
      wallMs,
      workers: 2,
      tasks: all.tasks,
      items: all.items,
      computeMsPerTask: (medians[0] + medians[1]) / 2,
      bytesPerTask: all.bytes / all.tasks,
      ipcMsPerTask: all.ipc / all.tasks,
      ipcShare: all.ipc / (all.ipc + all.comp),
      startupMs: STARTUP_MS,
      estSequentialMs,
      estSpeedup: estSequentialMs / wallMs,
      efficiency: estSequentialMs / wallMs / 2,
      utilisation: all.comp / (2 * wallMs),
    },
    verdict: {
      ...verdictOf(1),
      sentence: `Most of the pool time is in resize.py:34, where ${verdictOf(1).sentence.toLowerCase()}`,
    },
    findings: [
      {
        id: 'large-payload',
        severity: 'warning',
        file: sites[1].file,
        line: 34,
        message: `${evil}Each task of imap_unordered moves ${fmtBytes((big.bytesIn + big.bytesOut) / big.tasks)} (${fmtBytes(big.bytesIn / big.tasks)} in, ${fmtBytes(big.bytesOut / big.tasks)} out); IPC is ${fmtPct(big.ipcTotal / (big.ipcTotal + big.computeTotal))} of its time.`,
        advice:
          'Send a path or a shared_memory name instead of the pixels, and let the worker read the data.',
        callSiteId: callSites[1].id,
      },
      {
        id: 'task-errors',
        severity: 'error',
        file: sites[0].file,
        line: 21,
        message: `${st[0].errors} task of map raised an exception.`,
        advice: 'The traceback is in the run output; the failed task is marked red on the timeline.',
      },
      {
        id: 'startup-dominated',
        severity: 'info',
        message: `Worker start-up took ${fmtMs(STARTUP_MS)}.`,
        advice: 'Reuse one pool for both calls.',
      },
    ],
    callSites,
    processes: [
      {
        pid: MAIN_PID,
        ppid: 1,
        role: 'main',
        name: 'MainProcess',
        startMethod: null,
        startupMs: null,
        cpuMs: 120,
        peakRssBytes: 60e6,
        exitCode: 0,
        signal: null,
      },
      ...WORKERS.map((pid, i) => ({
        pid,
        ppid: MAIN_PID,
        role: 'worker',
        name: `ForkPoolWorker-${i + 1}`,
        startMethod: 'fork',
        startupMs: STARTUP_MS,
        cpuMs: 800,
        peakRssBytes: 45e6,
        exitCode: 0,
        signal: null,
      })),
    ],
    queues: [],
    managers: [],
    warnings: [],
    whatIf: null,
  };
}

/** Rows [from, to) of a run's task columns, as their own columns. */
export function sliceTasks(cols: TaskColumns, from: number, to: number): TaskColumns {
  const out = emptyTaskColumns();
  for (const k of Object.keys(out) as (keyof TaskColumns)[]) out[k] = Array.from(cols[k]).slice(from, to);
  return out;
}

/** `n` short tasks over four workers: enough that zoomed out the timeline draws from its bins. */
export function makeBigRun(n: number): RunFixture {
  const base = makeRun({ runId: 'big' });
  const workers = [5001, 5002, 5003, 5004];
  const tasks = emptyTaskColumns();
  const per = Math.ceil(n / workers.length);
  let end = 0;
  workers.forEach((pid, w) => {
    let t = 20 + w * 0.05;
    for (let i = 0; i < per && tasks.pid.length < n; i++) {
      const site = i % 4 === 0 ? 1 : 0;
      const un = 0.03;
      const comp = site ? 0.1 : 0.25 + (i % 3) * 0.05;
      tasks.pid.push(pid);
      tasks.t0.push(t);
      tasks.t1.push(t + un);
      tasks.t2.push(t + un + comp);
      tasks.t3.push(t + un + comp + 0.04);
      tasks.site.push(site);
      tasks.ok.push(1);
      tasks.items.push(1 + (i % 4));
      tasks.bytesIn.push(100 + i);
      tasks.bytesOut.push(50);
      t += un + comp + 0.04 + 0.02;
    }
    end = Math.max(end, t);
  });
  const lanes: Lane[] = [
    { pid: MAIN_PID, role: 'main', label: `main · ${MAIN_PID}` },
    ...workers.map((pid, i) => ({ pid, role: 'worker', label: `worker ${i + 1} · ${pid}` })),
  ];
  return { ...base, lanes, tasks, samples: [], wallMs: Math.ceil(end + 5) };
}
