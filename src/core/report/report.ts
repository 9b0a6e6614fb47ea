/**
 * The analysis result: what the CLI writes with `--json`, what the panel and the HTML report draw.
 * Plain JSON data. Units: every `…Ms` field is milliseconds, every `…Bytes`/`bytes…` field bytes,
 * every `share`/`efficiency`/`utilisation` a fraction (0.25 = 25 %), every `…Speedup` a ratio.
 * A `null` number means "could not be measured in this run" (e.g. no tasks, no start-up seen).
 */

/** Cells of the IPC decision matrix (lecture 26, slide 4), plus a run with no pool tasks. */
export type Quadrant = 'clear-win' | 'measure-first' | 'ipc-overhead-wins' | 'both-lose' | 'no-parallel-work';

export type Severity = 'info' | 'warning' | 'error';

/** Finding ids this core produces; agent findings (e.g. `missing-main-guard`) pass through. */
export type FindingId =
  | 'tasks-too-short'
  | 'large-payload'
  | 'frequent-coordination'
  | 'startup-dominated'
  | 'load-imbalance'
  | 'oversubscribed'
  | 'thread-oversubscription'
  | 'io-bound'
  | 'coordination-bound'
  | 'gc-in-workers'
  | 'shared-memory-fill'
  | 'worker-crashed'
  | 'missing-main-guard'
  | 'uncaught-exception'
  | 'task-errors'
  | 'uninstrumented-children';

export interface Report {
  formatVersion: 1;
  run: RunInfo;
  summary: Summary;
  /** The run's verdict: the quadrant holding most of the call sites' wall time. */
  verdict: Verdict;
  findings: Finding[];
  callSites: CallSiteReport[];
  processes: ProcessReport[];
  queues: QueueReport[];
  managers: ManagerReport[];
  /** Problems reading or joining the trace (corrupt data, agent errors), one sentence each. */
  warnings: string[];
  /**
   * The whole run replayed with other worker counts: its wall time minus its pool call sites'
   * measured wall time plus their predicted wall time. Null when no call site could be modelled.
   */
  whatIf: RunWhatIf | null;
}

/** One predicted setting of a call site (or of the run). */
export interface WhatIfPoint {
  workers: number;
  /** Items per task message; for the run-level curve, null (each site keeps its own). */
  chunksize: number | null;
  /** Predicted wall time. */
  wallMs: number;
  /** The site's (or run's) estimated sequential time / wallMs. */
  speedup: number | null;
}

/**
 * What-if predictions for a call site, from replaying its measured per-item compute and
 * per-message IPC costs through a model of how the pool hands out work (docs/what-if.md).
 */
export interface SiteWhatIf {
  /** The model's prediction for the recorded settings: compare with the measured wallMs. */
  recorded: WhatIfPoint;
  /** Workers 1 … 2 × cores, at the recorded chunksize. */
  workers: WhatIfPoint[];
  /** Other chunksizes at the recorded worker count; empty for APIs that send one item a message. */
  chunksizes: WhatIfPoint[];
  /**
   * The smallest chunksize predicted within 2 % of the fastest, among those that leave at least 4
   * chunks per worker (null when chunksizes is empty).
   */
  bestChunksize: number | null;
  /** The worker count past which one more worker gains less than 10 %. */
  recommendedWorkers: number;
}

export interface RunWhatIf {
  /** Workers 1 … 2 × cores, every modelled call site at that worker count. */
  workers: WhatIfPoint[];
  recommendedWorkers: number;
}

export interface RunInfo {
  /** The profiled script as given; '' if the run header was not recorded. */
  script: string;
  /** The module run with `-m` (`script` is then its file); absent for a script. */
  module?: string;
  argv: string[];
  cwd: string;
  /** Python version string; '' if unknown. */
  python: string;
  /**
   * fork / spawn / forkserver: how the program's workers were started ("fork + spawn" for a mix),
   * else the platform's default; '' if unknown.
   */
  startMethod: string;
  /** `os.cpu_count()` in the profiled program; 0 if unknown. */
  cpuCount: number;
  /** Main process's agent start to its exit (or the last event seen). */
  wallMs: number;
  /** ISO 8601 wall-clock time of the main process's agent start ('' if unknown). */
  startedAt: string;
  /** The main process's exit status; null if it did not exit normally (see `signal`) or is unknown. */
  exitCode: number | null;
  /** The signal that ended the main process, if its parent saw one. */
  signal: number | null;
  /** Settings PoolScope overrode in the program (e.g. `{ "workers": 4 }`). */
  overrides: Record<string, unknown>;
}

export interface Summary {
  wallMs: number;
  /**
   * The workers the run's pools were configured with: the largest `workers` of a pool that ran
   * tasks (the number of worker processes that ran tasks if no pool says).
   */
  workers: number;
  /** Pool tasks or chunks (one message each way). */
  tasks: number;
  /** Items in those tasks (a chunk of 10 counts 10). */
  items: number;
  /** Median work per task or chunk: its compute time less its waits (CallSiteCompute.workMedianMs), as the verdict uses. */
  computeMsPerTask: number | null;
  /** Mean pickled bytes per task, task message + result message. */
  bytesPerTask: number | null;
  /** Mean IPC time per task: pickling, writing and unpickling both messages (see CallSiteIpc). */
  ipcMsPerTask: number | null;
  /** IPC time / (IPC time + compute time), over all tasks. */
  ipcShare: number | null;
  /**
   * Median start-up of the pool workers (of all child processes if there is no pool), not counting
   * the new processes' waits for a CPU (startupWaitMs).
   */
  startupMs: number | null;
  /** Median time those processes sat runnable, waiting for a CPU, before user code (Linux). */
  startupWaitMs?: number;
  /**
   * What a plain loop would take: the run's wall time, minus its parallel parts (the union of its
   * pool calls, each pool's life from creation to its last close/join/terminate/shutdown, each
   * Manager's life, and each `Process` call site's span from start() to the last end or join),
   * plus the main process's own CPU work inside those parts, plus the tasks' and processes'
   * sequential work (compute less run-queue waits and multiprocessing waits). No IPC, no start-up,
   * no waiting for a CPU; the program's own sequential parts stay as measured.
   */
  estSequentialMs: number | null;
  /** estSequentialMs / wallMs. */
  estSpeedup: number | null;
  /** Set when a call site's sequential work is only an upper bound (CallSiteCompute.upperBound). */
  estUpperBound?: boolean;
  /** estSpeedup / min(workers, cpuCount): 1 is a perfect speedup on the cores that could be used. */
  efficiency: number | null;
  /**
   * How busy the workers were while pool calls ran: total task compute time /
   * (workers × wall time of the pool calls).
   */
  utilisation: number | null;
}

/** The measured numbers that place a call site (or the run) in a quadrant. */
export interface VerdictNumbers {
  tasks: number;
  /** Median compute per task or chunk. */
  computeMsPerTask: number | null;
  /**
   * The fixed cost a message pays whatever its size: `deliveryMs` + `smallMessageSerializationMs`.
   */
  perMessageOverheadMs: number | null;
  /**
   * Median latency of a small message (< 64 KiB) to a receiver that was idle waiting for it: from
   * the end of its pickling (the write starting) to the receiver's read returning. Task messages
   * count where the worker had handed back its previous task before the write started; results
   * where the parent had finished reading the previous result.
   */
  deliveryMs: number | null;
  /** Median pickle + unpickle time of task and result messages under 64 KiB. */
  smallMessageSerializationMs: number | null;
  /** computeMsPerTask / perMessageOverheadMs; heavy needs ≥ HEAVY_COMPUTE_PER_OVERHEAD. */
  computeToOverhead: number | null;
  /** Compute time of the pools' tasks / worker processes that ran them. */
  computePerWorkerMs: number | null;
  /**
   * Start-up charged per worker process (median of each pool's workers), less the time the new
   * process waited for a CPU: like compute, a cost of the work and not of a busy machine.
   */
  startupMs: number | null;
  /** The time per worker left out of startupMs: its waits for a CPU before user code (Linux). */
  startupWaitMs?: number;
  /** computePerWorkerMs / startupMs; heavy needs ≥ HEAVY_COMPUTE_PER_STARTUP. */
  computePerWorkerToStartup: number | null;
  /** Mean pickled bytes per task (in + out); large at ≥ LARGE_PAYLOAD_BYTES. */
  bytesPerTask: number | null;
  /** Wall time the verdict covers (the call site's; for the run, its call sites' total). */
  wallMs: number;
}

export interface Verdict {
  quadrant: Quadrant;
  /** For 'no-parallel-work' these two are 'light'/'small' and carry no information. */
  compute: 'heavy' | 'light';
  data: 'small' | 'large';
  /** One sentence with the numbers that put it there. */
  sentence: string;
  numbers: VerdictNumbers;
  /**
   * Set where the measurement overruled the matrix (quadrant is then 'measure-first'): the cell
   * the matrix put it in, which its estimated speedup contradicted (see verdict.ts, reconcile).
   */
  matrix?: Quadrant;
}

export interface Finding {
  id: FindingId | (string & {});
  severity: Severity;
  /** The user's call site, when known. */
  file?: string;
  line?: number;
  /** What was measured, with numbers. */
  message: string;
  /** What to change, concretely. */
  advice: string;
  callSiteId?: string;
}

export interface CallSiteCompute {
  medianMs: number | null;
  p95Ms: number | null;
  /** Sum of the tasks' compute wall time. */
  totalMs: number;
  /**
   * Sum of the computing threads' CPU time. A task whose worker did not read its CPU clock (tiny
   * tasks are sampled, docs/trace-format.md) counts its compute wall time at the rate of those that did.
   */
  cpuMs: number;
  /** Present when some tasks' CPU time was not read: how many of the computed tasks have one. */
  cpuSampled?: { read: number; tasks: number };
  /**
   * Of `totalMs`: time the computing threads waited for a CPU (runnable, not running) outside
   * `blockedMs`; absent where no task's wait was read (older traces, no schedstat).
   */
  waitMs?: number;
  /** Of `totalMs`: time blocked inside multiprocessing calls the tasks made (Manager, queues, locks). */
  blockedMs?: number;
  /**
   * Of `totalMs`: time the workers spent collecting garbage inside the tasks (a forked worker's
   * full collections walk and copy the heap it inherited from the parent); not work a loop does.
   */
  gcMs?: number;
  /** CPU time the workers' other threads (BLAS/OpenMP helpers) used while the tasks computed. */
  helperCpuMs?: number;
  /**
   * What these tasks would cost in a plain loop: `totalMs` less `waitMs` and `blockedMs` (on-CPU
   * time plus genuine blocking: sleep, file and network I/O). Older traces: `cpuMs` when the tasks
   * are CPU-bound (the median task ran on the CPU for at least half its compute wall time), else
   * `totalMs`.
   */
  sequentialMs: number;
  /** The median task's share of `sequentialMs`: `medianMs` × sequentialMs / totalMs. */
  workMedianMs?: number | null;
  /**
   * True where `sequentialMs` is only an upper bound: the workers' helper threads (BLAS, OpenMP)
   * were busy, and threads that fight over CPUs spin, so their CPU time overstates the work a loop
   * would do (see thread-oversubscription).
   */
  upperBound?: boolean;
}

/**
 * IPC cost of the call site's tasks. Serialization = pickle + unpickle of the task message and of
 * the result message; transfer = time spent writing them into the pipe (SEND t2 − t1, long for
 * large payloads or a full pipe).
 */
export interface CallSiteIpc {
  /** (pickleMs + unpickleMs + transferMs) / tasks. */
  perTaskMs: number | null;
  pickleMs: number;
  unpickleMs: number;
  transferMs: number;
  /** Mean pickled bytes per task, in + out. */
  bytesPerTask: number | null;
  bytesIn: number;
  bytesOut: number;
  /** IPC time / (IPC time + compute time). */
  share: number | null;
  /**
   * `Process` call sites only, when the agent sampled their queue traffic (a flood): the times
   * above come from `recorded` message records of `total` messages, weighted by the messages each
   * stands for; the counts and bytes are exact.
   */
  sampled?: { recorded: number; total: number };
}

export interface CallSiteReport {
  /** `file:line` of the call ('' file and line 0 when the agent could not place it). */
  id: string;
  file: string;
  line: number;
  /** The pool method: map, imap_unordered, apply_async, submit, executor.map, … */
  api: string;
  poolApi: 'Pool' | 'ProcessPoolExecutor' | (string & {});
  /** Configured workers of the pool(s) it used. */
  workers: number;
  chunksize: number | null;
  calls: number;
  tasks: number;
  items: number;
  /** Union of its calls' wall time (call to return, or to the last result for async calls). */
  wallMs: number;
  /**
   * What the parallel version spent on it: `wallMs` with the lives (creation to close) of the
   * pools only it used (a pool made per call costs its start and its stop every time), and the
   * parent's filling of shared memory blocks just before them. Absent: as `wallMs`.
   */
  spanMs?: number;
  compute: CallSiteCompute;
  ipc: CallSiteIpc;
  /** compute.sequentialMs plus its pools' initializer work once: the same items in a plain loop. */
  estSequentialMs: number;
  /** estSequentialMs / spanMs. */
  estSpeedup: number | null;
  /** estSpeedup / min(workers, cpuCount). */
  efficiency: number | null;
  quadrant: Quadrant;
  verdict: Verdict;
  /** Tasks that raised. */
  errors: number;
  /** Set when tasks-too-short fired: the chunksize it suggests. */
  suggestedChunksize?: number;
  /** Predictions for other settings; null when its tasks could not be modelled. */
  whatIf: SiteWhatIf | null;
}

export interface ProcessReport {
  pid: number;
  ppid: number | null;
  role: string;
  name: string | null;
  startMethod: string | null;
  /** The child's arrival in user code − the parent's start() call, less startupWaitMs. */
  startupMs: number | null;
  /** How long the new process waited for a CPU before user code (Linux). */
  startupWaitMs?: number;
  cpuMs: number | null;
  peakRssBytes: number | null;
  exitCode: number | null;
  signal: number | null;
  /**
   * Set on a pool worker that its pool ended: SIGTERM with no task in flight, after the pool's
   * close/join/terminate (Pool.terminate(), a `with Pool()` block's exit). Not a crash.
   */
  stoppedByPool?: true;
}

export interface QueueReport {
  /** Channel id of the sending end (a duplex Pipe's two ends are one entry). */
  chan: number;
  api: string;
  file?: string;
  line?: number;
  messages: number;
  bytes: number;
  /** Total pickling time, all messages. */
  pickleMs: number;
  /** Total unpickling time of the messages received. */
  unpickleMs: number;
  senders: number[];
  receivers: number[];
  /**
   * Present when the agent sampled this channel's messages (a flood; docs/trace-format.md):
   * `messages` and `bytes` still count every message, but per-message detail comes from
   * `recorded` of `total`, and `pickleMs`/`unpickleMs` are those records' times weighted by the
   * messages each stands for. `every`: past the first `full` per process, 1 message in `every`.
   * `atLeast`: a process was killed before writing its tail counts, so `total` is a lower bound.
   */
  sampled?: { recorded: number; total: number; full: number | null; every: number | null; atLeast: boolean };
}

export interface ManagerReport {
  pid: number;
  /** `typeid.method`. */
  method: string;
  calls: number;
  /** Sum of round trips. */
  totalMs: number;
  medianMs: number;
}
