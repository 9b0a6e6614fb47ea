/**
 * The trace model: what happened in a run, joined across processes. Plain data, except the tasks:
 * a run can have millions, so they are stored by column ({@link TaskTable}; `tasks.at(i)` reads a
 * row as a {@link Task}). Every time is in milliseconds
 * after `originNs` (the main process's agent start), every size in bytes; `null` means "not
 * recorded" (a process killed mid-way, a message whose other end was not traced). References
 * between entities are indices into the model's arrays; -1 means "unknown".
 */

import type { TaskTable } from './taskTable';

export type ProcessRole =
  | 'main'
  | 'pool-worker'
  | 'executor-worker'
  | 'process'
  | 'manager'
  | 'forkserver'
  | 'resource-tracker'
  /** A child Python its parent started without the agent (subprocess): named by its `start` META. */
  | 'uninstrumented'
  | 'unknown';

/** The `run` META: how the program was started. */
export interface RunHeader {
  /** The script's path; with `-m`, the module's file once it was found (`main-module` META). */
  script: string | null;
  /** The module run with `python -m`; null for a script. */
  module: string | null;
  argv: string[];
  cwd: string | null;
  python: string | null;
  executable: string | null;
  startMethod: string | null;
  cpuCount: number | null;
  agentVersion: string | null;
  formatVersion: number;
  overrides: Record<string, unknown>;
}

export interface ProcessInfo {
  index: number;
  pid: number;
  /** The OS parent. */
  ppid: number | null;
  /** The multiprocessing parent (under forkserver the OS parent is the server). */
  parentPid: number | null;
  /** Index of the multiprocessing parent's process, -1 if not traced. */
  parent: number;
  role: ProcessRole;
  name: string | null;
  startMethod: string | null;
  /** `ev-<pid>-<start>`; null for a child seen only by its parent (it died before its agent ran). */
  stream: string | null;
  /** For workers: index of their pool, else -1. */
  pool: number;
  /** `module.qualname` of a `Process` target. */
  target: string | null;
  agentStartMs: number | null;
  /** The parent called `start()` for this child. */
  startCalledMs: number | null;
  /** The parent's `start()` returned. */
  startReturnedMs: number | null;
  /** The user's line that called `start()` (for pool workers: where the pool was made). */
  startFile: string | null;
  startLine: number | null;
  /** The child reached user code (its target or the worker loop). */
  userStartMs: number | null;
  /**
   * What starting this process cost, ms: userStartMs − startCalledMs less startupWaitMs. Like a
   * task's compute, it leaves out the time spent waiting for a CPU that other programs held.
   */
  startupMs: number | null;
  /** How long the new process sat runnable, waiting for a CPU, before user code; null if unknown. */
  startupWaitMs: number | null;
  /**
   * A pool or executor worker's run of its pool's `initializer` (its `init` META): when it began,
   * how long it ran, its CPU time and its wait for a CPU (null if unknown). Null where none ran.
   */
  init: { startMs: number; wallMs: number; cpuMs: number; waitMs: number | null } | null;
  /** The process ended (its `exit` META, else the parent's `reaped`). */
  endMs: number | null;
  /** Exit status; null when killed by a signal or not known. */
  exitCode: number | null;
  /** The signal that killed it, if any. */
  signal: number | null;
  /** User + system CPU, ms (from its `exit` META; null if it never got there). */
  cpuMs: number | null;
  /**
   * A `Process` child, from user code to its `exit`: time its main thread waited for a CPU outside
   * multiprocessing calls, and time blocked inside them (queues, locks, Managers). null if not read.
   */
  waitMs: number | null;
  blockedMs: number | null;
  /**
   * A forked `Process` child's page faults in user code outside multiprocessing calls (`user-end`
   * `faults`): its parent's pages it wrote, its fresh heap. null if not counted.
   */
  faults: number | null;
  /** Its parent's `join()` returned after it ended. */
  joinedMs: number | null;
  /** A `Process` child's user code returned (`user-end` META; its exit work follows). */
  userEndMs: number | null;
  peakRssBytes: number | null;
  /** The latest stamp in its stream. */
  lastSeenMs: number | null;
}

export interface PoolInfo {
  index: number;
  /** Channel id of its task pipe. */
  id: number;
  resultChan: number | null;
  api: string;
  /** Configured number of workers. */
  workers: number | null;
  startMethod: string | null;
  file: string | null;
  line: number | null;
  maxtasksperchild: number | null;
  /** Index of the process that created it, -1 if unknown. */
  creator: number;
  /** Its creation returned (`pool` META `t`); started (`t0`, absent in older traces). */
  createdMs: number | null;
  createStartMs: number | null;
  /**
   * Its last close/join/terminate/shutdown returned (`pool-end` METAs); null if none was called (an
   * unclosed pool lives until the program ends).
   */
  endedMs: number | null;
}

export interface CallInfo {
  index: number;
  /** The call id in its process (`call` META `id`, ≥ 1). */
  id: number;
  process: number;
  pool: number;
  api: string;
  chunksize: number | null;
  /** The pool picked the chunksize (map/starmap called without one): it follows the worker count. */
  chunksizeAuto: boolean;
  items: number | null;
  job: number | null;
  file: string | null;
  line: number | null;
  startMs: number;
  /** When a blocking call returned (`call-end`); null for async calls. */
  endMs: number | null;
}

/**
 * Where a task got to: sent by the parent, received by a worker, computed (the worker sent the
 * result), done (the parent received a success) or failed (the parent received an exception).
 */
export type TaskState = 'queued' | 'received' | 'computed' | 'done' | 'failed';

/**
 * One pool task or chunk (or executor work item), joined from up to five records: a row of the
 * model's {@link TaskTable}, read-only.
 */
export interface Task {
  readonly pool: number;
  readonly call: number;
  /** Pool job id, or executor work_id. */
  readonly job: number;
  /** Pool chunk index; -1 where none. */
  readonly index: number;
  readonly parent: number;
  readonly parentPid: number | null;
  readonly worker: number;
  readonly workerPid: number | null;
  /** Items in the chunk (1 for a single task). */
  readonly items: number | null;
  /** Pickled size of the task message and of the result message. */
  readonly bytesIn: number | null;
  readonly bytesOut: number | null;
  /** Parent side: pickling the task started; pickling took; writing it to the pipe took. */
  readonly pickleStartMs: number | null;
  readonly pickleInMs: number | null;
  readonly writeInMs: number | null;
  /** The task's bytes were handed to the pipe (parent SEND t2). */
  readonly dispatchMs: number | null;
  /** The task's bytes had arrived at the worker (worker RECV t0); unpickling took. */
  readonly arrivalMs: number | null;
  readonly unpickleInMs: number | null;
  /** Compute interval (RUN t0…t1) and CPU time of the computing thread over it. */
  readonly computeStartMs: number | null;
  readonly computeEndMs: number | null;
  readonly cpuMs: number | null;
  /**
   * Of the compute interval: time the computing thread waited for a CPU (runnable, not running)
   * outside `blockedMs`; CPU time of the whole worker process (helper threads included); time
   * blocked inside multiprocessing calls the task made (Manager, Queue, Pipe, locks). null where
   * not read (tasks are sampled) or in older traces.
   */
  readonly waitMs: number | null;
  readonly procCpuMs: number | null;
  readonly blockedMs: number | null;
  /** 1 where the clocks were read as the worker's one-in-16 sample (RUN flag), else 0. */
  readonly clockSample: number | null;
  /** Time in garbage collection inside the compute interval; null in older traces. */
  readonly gcMs: number | null;
  /** Worker side: result pickling started; took; writing it took; handed to the pipe. */
  readonly resultPickleStartMs: number | null;
  readonly pickleOutMs: number | null;
  readonly writeOutMs: number | null;
  readonly resultSentMs: number | null;
  /** The result's bytes had arrived at the parent; unpickling took. */
  readonly resultArrivalMs: number | null;
  readonly unpickleOutMs: number | null;
  readonly ok: boolean | null;
  /** `Type: message` from the worker's `task-error` META. */
  readonly error: string | null;
  readonly state: TaskState;
  /** Its worker died (signal or non-zero exit) after receiving it and before sending a result. */
  readonly inFlightAtCrash: boolean;
}

/** A queue or pipe created by user code (`channel` META), or a channel seen only in records. */
export interface ChannelInfo {
  index: number;
  /** The id of the end that sends (META `chan`). */
  chan: number;
  /** The other end; equal to `chan` for an os.pipe (Queue, SimpleQueue, one-way Pipe). */
  peer: number;
  api: string | null;
  file: string | null;
  line: number | null;
  creator: number;
  /**
   * Traffic from the agent's counts: every message, recorded in full or not (see
   * docs/trace-format.md, sampling). `messages`/`bytes`: per direction of the channel the larger
   * of sent and received, summed over directions (what {@link Message} pairing would list).
   */
  messages: number;
  bytes: number;
  sentMessages: number;
  receivedMessages: number;
  /** Entries of {@link TraceModel.messages} on this channel (paired or half-recorded). */
  recorded: number;
  /** Some process sampled this channel (past its first `full` messages). */
  sampled: boolean;
  /** A sampling process ended without writing its tail counts: the totals are a lower bound. */
  atLeast: boolean;
}

/** The agent's sampling rule (`run` META `messageSampling`); null in traces without it. */
export interface MessageSampling {
  /** Messages recorded in full per process, channel and direction. */
  full: number;
  /** Past them, one in `every` (by crc32 of the pickled bytes). */
  every: number;
}

/** A plain (kind 0) message: a SEND paired with a RECV in FIFO order on its channel. */
export interface Message {
  channel: number;
  /** Channel id of the sending end. */
  sendChan: number;
  sender: number;
  receiver: number;
  bytes: number;
  pickleStartMs: number | null;
  pickleMs: number | null;
  writeMs: number | null;
  sentMs: number | null;
  arrivalMs: number | null;
  unpickleMs: number | null;
  /** crc32 of the pickled bytes (0 in older traces); the pairing key with the channel. */
  crc: number;
  /**
   * Messages (and their bytes) the SEND record stands for: itself and those its process left
   * unrecorded since its previous record there (1 and `bytes` when nothing was sampled; 0 without
   * a SEND). Totals weigh per-message detail by these.
   */
  sendCount: number;
  sendCountBytes: number;
  /** As `sendCount`, for the RECV record. */
  recvCount: number;
  recvCountBytes: number;
}

export interface ManagerCall {
  process: number;
  /** `typeid.method`. */
  method: string;
  startMs: number;
  /** Round trip, ms. */
  durationMs: number;
  ok: boolean;
}

/** A block of `multiprocessing.shared_memory` that the main process's main thread created. */
export interface SharedBlock {
  /** `SharedMemory(create=True)` called and returned, ms. */
  createdMs: number;
  readyMs: number;
  bytes: number;
  file: string | null;
  line: number | null;
}

/** A finding the agent made itself (e.g. `missing-main-guard`). */
export interface AgentFinding {
  process: number;
  id: string;
  file: string | null;
  line: number | null;
  message: string;
}

export interface TraceModel {
  formatVersion: 1;
  run: RunHeader | null;
  /** `perf_counter_ns` stamp every `…Ms` field counts from. */
  originNs: number;
  /** Wall-clock time at the origin (ISO 8601), from the main process's mono/wall pair. */
  startedAt: string | null;
  /** From the origin to the main process's exit (or the last stamp seen), ms. */
  wallMs: number;
  /** Index of the main process, -1 if it was not traced. */
  mainProcess: number;
  processes: ProcessInfo[];
  pools: PoolInfo[];
  calls: CallInfo[];
  tasks: TaskTable;
  channels: ChannelInfo[];
  messages: Message[];
  /** The agent's rule for sampling plain messages, if it sampled (docs/trace-format.md). */
  messageSampling: MessageSampling | null;
  managerCalls: ManagerCall[];
  /** Shared memory blocks the main thread created (`shm` METAs), in time order. */
  sharedBlocks: SharedBlock[];
  agentFindings: AgentFinding[];
  /**
   * The main process's own work: [ms, CPU ms] pairs in time order, the CPU time its main thread
   * had spent outside multiprocessing calls by then (the `c` of its pool, pool-end, call, start
   * and join METAs). Empty in older traces.
   */
  parentCpu: [number, number][];
  /**
   * The main thread's time outside multiprocessing calls: [ms, ms] pairs in time order, its wall
   * time by then less the time it had spent inside such calls (the `w` of the same METAs; it too
   * stands still inside a call). Empty in older traces.
   */
  parentFree: [number, number][];
  /**
   * The main thread's page faults outside multiprocessing calls: [ms, faults] pairs in time
   * order (the `f` of the same METAs), from the process's first fork on. Empty before it and in
   * older traces.
   */
  parentFaults: [number, number][];
  /** CPU ms one page fault took on the main thread (the `fault-cost` META); null if not measured. */
  faultCostMs: number | null;
  warnings: string[];
}
