/**
 * Every threshold the verdict and the findings use, each with the lecture-note rule it encodes
 * (shared/seeds: lecture 25 key points and code, lecture 26 slides). Change them here only.
 */

/**
 * Data axis: a task (task message + result message) of at least this many pickled bytes is
 * "large data". Slide 2: "~100 MB/s pickling → 1 s per 100 MB", so 1 MiB ≈ 10 ms of pickling,
 * the low end of the 5–20 ms IPC round trip of slide 4; slides 3 and 8 fail with 50 MB frames and
 * 100 MB arrays.
 */
export const LARGE_PAYLOAD_BYTES = 1024 * 1024;

/**
 * Compute axis (a): the median compute per task must be at least this multiple of the fixed
 * per-message overhead. Slide 7: "task duration must be several times larger than IPC round-trip
 * cost"; slide 4: "task duration must be >> IPC overhead".
 */
export const HEAVY_COMPUTE_PER_OVERHEAD = 5;

/**
 * Compute axis (b): compute per worker process must be at least this multiple of a worker's
 * start-up. Lecture 25: "use multiprocessing only when each task performs substantial CPU work …
 * so the startup and IPC costs are negligible"; start-up costs 50–200 ms per process.
 */
export const HEAVY_COMPUTE_PER_STARTUP = 5;

/**
 * Messages below this size pay only the fixed cost (their pickling time does not grow with size in
 * any way that matters; 64 KiB is also a Linux pipe's buffer): their pickle + unpickle time is part
 * of the per-message overhead. Larger messages are the data axis's business.
 */
export const SMALL_MESSAGE_BYTES = 64 * 1024;

/**
 * tasks-too-short: the suggested chunksize makes a chunk's compute at least this multiple of the
 * per-message overhead (twice the heavy bar: slide 7's "batch small tasks into larger chunks", with
 * margin so the chunk lands clearly on the heavy side).
 */
export const CHUNK_COMPUTE_PER_OVERHEAD = 10;

/**
 * tasks-too-short: … but at most ceil(items / (this × workers)) items per chunk, so that every
 * worker still gets several chunks and load balancing survives (lecture 25: "lower chunksize helps
 * when tasks have highly variable durations"; CPython's Pool.map default divides by 4 × workers).
 */
export const MIN_CHUNKS_PER_WORKER = 4;

/**
 * large-payload: serialization (pickle + unpickle, both ways) taking at least this share of the
 * compute time. Slide 8: "90 % of wall-clock time is serialization; only 10 % is the actual work".
 */
export const SERIALIZATION_SHARE_OF_COMPUTE = 0.2;

/**
 * large-payload: the serialization-share rule applies only to tasks carrying at least this many
 * bytes; below it the time is the fixed per-message cost, which tasks-too-short reports instead
 * (sending paths or shared memory would not help a 100-byte task).
 */
export const SERIALIZATION_RULE_MIN_BYTES = SMALL_MESSAGE_BYTES;

/**
 * frequent-coordination: Manager calls per second per calling worker. Slide 9: "Workers that check
 * a shared Manager flag 10×/sec generate 40 IPC calls/sec with 4 workers".
 */
export const MANAGER_CALLS_PER_SECOND = 10;

/** A rate is taken over at least this long a window (one call in a 50 ms life is not 20/s). */
export const MIN_RATE_WINDOW_MS = 1000;

/**
 * frequent-coordination: Manager round trips from workers taking at least this share of the
 * workers' compute time. Slide 9: "each is a serialization round-trip … may not scale at all".
 */
export const MANAGER_SHARE_OF_COMPUTE = 0.05;

/**
 * startup-dominated: worker start-up at least this share of the call site's (or run's) wall time.
 * Lecture 25: "If each task takes 5 milliseconds and process startup takes 100 milliseconds, you
 * spend 95% of your time on overhead."
 */
export const STARTUP_SHARE_OF_WALL = 0.2;

/**
 * load-imbalance: the busiest worker's busy (compute) time at least this multiple of the mean.
 * Lecture 25: chunksize trades batching against load balancing for "highly variable durations".
 */
export const IMBALANCE_BUSIEST_TO_MEAN = 1.25;

/** load-imbalance: the tail where only one worker is still busy, as a share of the call's wall. */
export const IMBALANCE_TAIL_SHARE = 0.2;

/**
 * load-imbalance is only judged where the call site is compute-bound: its busiest worker computing
 * for at least this share of the site's wall time. Workers running 2 µs tasks mostly wait on IPC,
 * and how that little compute spread over them is noise (tasks-too-short covers that case).
 */
export const IMBALANCE_MIN_BUSY_SHARE = 0.5;

/**
 * A task counts as CPU-bound when its computing thread was on the CPU for at least this share of
 * its compute wall time; CPU-bound work is then estimated by CPU time, which preemption does not
 * inflate (the seeds' premise: multiprocessing is for CPU-bound work, lecture 25).
 */
export const CPU_BOUND_RATIO = 0.5;

/**
 * thread-oversubscription: the workers' other threads (BLAS, OpenMP, the user's own) used at least
 * this share of the tasks' own CPU time while the tasks computed, and the workers' threads together
 * wanted more CPUs than the machine has. Lecture 25: one busy process per core; each worker that
 * starts a CPU's worth of helper threads multiplies that.
 */
export const HELPER_CPU_SHARE = 0.25;

/**
 * io-bound: the tasks' work (compute less CPU waits and multiprocessing waits) was at least this
 * share blocked outside Python work (sleep, file and network I/O) rather than on the CPU. Lecture
 * 25: processes are for CPU-bound work; waiting is done as well by threads, without pickling.
 */
export const IO_SHARE_OF_WORK = 0.5;

/**
 * coordination-bound: at least this share of the tasks' compute wall time was spent blocked inside
 * multiprocessing calls the tasks made (Manager proxies, queues, locks). Slide 9: "each is a
 * serialization round-trip … may not scale at all".
 */
export const BLOCKED_SHARE_OF_COMPUTE = 0.5;

/**
 * oversubscribed: where the workers' run-queue waits were read, it fires only if they waited for a
 * CPU for at least this share of their compute wall time (sleeping workers are not competing).
 */
export const WAIT_SHARE_OF_COMPUTE = 0.2;

/**
 * gc-in-workers: the workers spent at least this share of their tasks' compute time collecting
 * garbage. A forked worker's full collection walks the heap it inherited and writes to every
 * object's header, so the parent's memory is copied page by page in each worker.
 */
export const GC_SHARE_OF_COMPUTE = 0.2;

/**
 * shared-memory-fill: the main process spent at least this share of the run filling shared memory
 * blocks before the parallel work that reads them (a loop would need no such copy).
 */
export const SHM_FILL_SHARE_OF_WALL = 0.05;

/**
 * A "clear win" needs at least this estimated speedup over a plain loop: the sequential estimate is
 * good to about ±20 % on the truth suite's programs (docs/performance.md), so a smaller gain may be
 * no gain at all, and the verdict says "measure first".
 */
export const CLEAR_WIN_MIN_SPEEDUP = 1.2;
