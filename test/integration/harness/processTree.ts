/**
 * Linux process-tree helpers built on /proc, so teardown can kill code-server together with
 * everything it spawned (VS Code server, extension host, pty host, file watcher, shells that
 * node-pty started in their own session) and never leave orphans behind on a CI machine.
 */
import * as fs from 'node:fs';

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot: with the pid, it identifies a process despite pid reuse. */
  start: number;
  /** CPU time used so far (user + system), in clock ticks (USER_HZ, 100 a second on Linux). */
  cpuTicks: number;
}

function readStat(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Format: "pid (comm) state ppid pgrp ...". comm may contain spaces and parentheses.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return undefined; // a zombie is already dead
  return {
    pid,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    start: Number(fields[19]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
  };
}

/** Every live process. */
export function allProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readStat(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** `pid` itself (if alive) plus all its live descendants, parents before children. */
export function processTree(pid: number): number[] {
  const procs = allProcesses();
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const result: number[] = [];
  const queue = procs.some((p) => p.pid === pid) ? [pid] : [];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    result.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return result;
}

/** Live processes whose process group is `pgid` (e.g. a child spawned with `detached: true`). */
export function processGroup(pgid: number): number[] {
  return allProcesses()
    .filter((p) => p.pgid === pgid)
    .map((p) => p.pid);
}

export function isAlive(pid: number): boolean {
  return readStat(pid) !== undefined;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone, or not ours
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SIGTERM the tree rooted at `pid` (and its process group when `group` is set), wait up to
 * `graceMs` for it to exit, then SIGKILL whatever is left, including processes that were
 * reparented to init after their parent died. Resolves once none of them is alive (or after
 * a final 2 s wait). Returns the pids that had to be SIGKILLed.
 */
export async function killTree(
  pid: number,
  { graceMs = 3000, group = false }: { graceMs?: number; group?: boolean } = {},
): Promise<number[]> {
  // pid -> start time, so a pid recycled by an unrelated process is never signalled.
  const seen = new Map<number, number>();
  const collect = () => {
    for (const p of [...processTree(pid), ...(group ? processGroup(pid) : [])]) {
      const info = readStat(p);
      if (info && !seen.has(p)) seen.set(p, info.start);
    }
  };
  const alive = () => [...seen].filter(([p, start]) => readStat(p)?.start === start).map(([p]) => p);

  collect();
  if (seen.size === 0) return [];
  if (group) signal(-pid, 'SIGTERM');
  for (const p of seen.keys()) signal(p, 'SIGTERM');

  const deadline = Date.now() + graceMs;
  for (;;) {
    collect(); // children forked during shutdown join; reparented ones stay in by pid
    const left = alive();
    if (left.length === 0) return [];
    if (Date.now() >= deadline) {
      if (group) signal(-pid, 'SIGKILL');
      for (const p of left) signal(p, 'SIGKILL');
      const hardDeadline = Date.now() + 2000;
      while (alive().length > 0 && Date.now() < hardDeadline) await sleep(50);
      return left;
    }
    await sleep(100);
  }
}

/** Synchronous last-resort variant for `process.on('exit')`: SIGKILL the tree and group now. */
export function killTreeSync(pid: number, group = false): void {
  const pids = [...processTree(pid), ...(group ? processGroup(pid) : [])];
  if (group) signal(-pid, 'SIGKILL');
  for (const p of pids) signal(p, 'SIGKILL');
}

/** Process trees to SIGKILL if this process exits (or gets SIGINT/SIGTERM/SIGHUP) first. */
const tracked = new Map<number, { group: boolean; cleanup?: () => void }>();
let exitHookInstalled = false;

function killTracked(): void {
  for (const [pid, { group }] of tracked) killTreeSync(pid, group);
  for (const { cleanup } of tracked.values()) {
    try {
      cleanup?.();
    } catch {
      // best effort (a dying child may still be writing into a temp dir)
    }
  }
  tracked.clear();
}

/**
 * Make sure the tree rooted at `pid` dies with this process even if teardown never runs
 * (uncaught exception, process.exit, Ctrl-C); `cleanup` (synchronous, e.g. removing a temp
 * dir) runs after the kill. Returns the function that stops tracking it.
 */
export function trackProcess(pid: number, group = false, cleanup?: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killTracked);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        killTracked();
        process.kill(process.pid, sig); // the listener was `once`: this takes the default action
      });
    }
  }
  tracked.set(pid, { group, cleanup });
  return () => {
    tracked.delete(pid);
  };
}

/** Pids of Python processes whose command line mentions `scriptName` (a run's leftovers). */
export function pythonProcessesRunning(scriptName: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(scriptName) && cmd.includes('python')) pids.push(Number(entry));
    } catch {
      continue; // the process ended while we looked
    }
  }
  return pids;
}
