"""Time spent inside multiprocessing calls, on the one thread per process that it is
counted on (`state.block_thread`):

- a pool or executor worker's, while it runs a task (message_hooks.open_task sets it, the
  task's end clears it): a task that updates a Manager dict, takes a multiprocessing Lock
  or waits on a Queue is not computing meanwhile, and a plain loop would not wait at all,
  so that time stays out of the task's sequential work (RUN `blocked`);
- a `Process` child's main thread, for its whole life (its `exit` META);
- the main process's main thread, where the CPU time spent inside such calls (creating and
  stopping pools, starting and joining processes, queue and Manager calls, creating locks,
  queues, pipes and shared values) is counted too: the rest is the parent's own work, which a
  loop would do as well (`user_cpu`: the `c` and `w` of the pool, call, start and join METAs).

Only the outermost of nested calls counts (Queue.get takes a Lock; Pool() starts
processes). Elsewhere the wrappers cost one comparison. Where the task's run-queue wait is
read (sched.py), the wait inside these calls is counted apart (`state.blocked_wait`), so the
task's record can say how long it waited for a CPU outside them.
"""

from _thread import get_ident

from . import callsite, faults, patching, state
from .sched import run_delay
from .state import clock, thread_cpu


# A per-item call (a message, a lock, a proxy call) shorter than this, fully read, lets the next
# ITEM_SKIPS such calls on the thread go unread: each read costs ~1.6 us here (the CPU clock) to
# ~10 us (the run-queue wait), more than such a call itself (a Queue.get of a small message:
# ~10 us). An unread call's CPU is taken to be its wall time, up to ITEM_SHORT_NS, and its wait 0:
# a call that short rarely slept. An unread call that took longer has the next one read.
ITEM_SHORT_NS = 50_000
ITEM_SKIPS = 15


def wrap(orig, per_item=False):
    """`orig` as a multiprocessing call. `per_item`: a call made per message or lock (receiving,
    acquiring, a Manager proxy's round trip), whose short ones are read one in ITEM_SKIPS + 1, and
    whose page faults are not read (faults.py, ~2 us a read: more than the faults they find);
    creating, starting and stopping things are read in full."""

    def blocking_call(*args, **kwargs):
        # A pool worker between tasks has no such thread: no call to get_ident on that path.
        thread = state.block_thread
        if thread is None or thread != get_ident() or state.block_depth:
            return orig(*args, **kwargs)
        state.block_depth = 1
        if per_item and state.item_skips:
            state.item_skips -= 1
            return _unread(orig, args, kwargs)
        c0 = -1
        if state.block_cpu:
            c0 = thread_cpu()
            state.user_cpu_frozen = c0 - state.blocked_cpu
        state.block_f0 = -1
        if state.counting_faults and not per_item:
            state.block_f0 = f0 = faults.minor()
            state.user_faults_frozen = f0 - state.blocked_faults - state.faults_base
        # The span starts before the first wait read (perf_counter enters no kernel): a wait at
        # its return is inside the span and counted in blocked_wait. Waking from a wait is when a
        # thread most often queues for a CPU, so where the task's wait is read, the part inside
        # is read too. The span ends after the last read, whose cost (~10 us here: a pread of
        # schedstat) is the agent's, not the task's work; a wait at that read's return, inside
        # the span but not in blocked_wait, is rare (a preemption just there).
        t0 = clock()
        if c0 >= 0:
            state.user_wall_frozen = t0 - state.blocked
        w0 = run_delay() if state.block_waits else -1
        try:
            return orig(*args, **kwargs)
        finally:
            if w0 >= 0:
                state.blocked_wait += max(0, run_delay() - w0)
            span = clock() - t0
            state.blocked += span
            if c0 >= 0:
                state.blocked_cpu += thread_cpu() - c0
            if state.block_f0 >= 0:  # also where this call made the first fork
                state.blocked_faults += faults.minor() - state.block_f0
            if per_item and span < ITEM_SHORT_NS:
                state.item_skips = ITEM_SKIPS
            state.block_depth = 0

    blocking_call.__name__ = getattr(orig, "__name__", "blocking_call")
    blocking_call.__qualname__ = getattr(orig, "__qualname__", "blocking_call")
    blocking_call.__doc__ = getattr(orig, "__doc__", None)
    blocking_call.__wrapped__ = orig
    return blocking_call


def _unread(orig, args, kwargs):
    """A per-item call between read ones (see ITEM_SKIPS): its span only. A reading of the
    thread's own work inside it (none is made) would have no CPU figure."""
    t0 = clock()
    state.user_cpu_frozen = -1
    state.user_wall_frozen = t0 - state.blocked
    try:
        return orig(*args, **kwargs)
    finally:
        span = clock() - t0
        state.blocked += span
        if state.block_cpu:
            state.blocked_cpu += min(span, ITEM_SHORT_NS)
        if span >= ITEM_SHORT_NS:
            state.item_skips = 0
        state.block_depth = 0


def user_cpu():
    """The main thread's time outside multiprocessing calls so far, as (CPU ns, wall ns on the
    trace clock less the time inside them, page faults outside them or -1 before the process
    forked: faults.py); None on any other thread (its clock is not comparable)."""
    if not state.block_cpu or state.block_thread != get_ident():
        return None
    # Inside a call all stand still where the call began.
    if state.block_depth:
        if state.user_cpu_frozen < 0:
            return None  # inside an unread call
        f = state.user_faults_frozen if state.counting_faults else -1
        return state.user_cpu_frozen, state.user_wall_frozen, f
    f = faults.user_faults() if state.counting_faults else -1
    return thread_cpu() - state.blocked_cpu, clock() - state.blocked, f


def gc_callback(phase, info):
    """gc.callbacks entry in a pool or executor worker: the time its tasks spent collecting
    garbage (RUN `gc`). A forked worker's full collections walk, and so copy page by page,
    the whole heap it inherited from the parent: measured, 400 ms in one task of a map whose
    work was 5 ms a task. A loop pays no such cost."""
    if phase == "start":
        state.gc_started = clock() if state.task_open and not state.block_depth else 0
    elif state.gc_started:
        state.gc_ns += clock() - state.gc_started
        state.gc_started = 0


def cpu_field(c):
    """A META's `c` and `w` fields: the user_cpu() read at its start, where there is one."""
    if c is None:
        return {}
    return {"c": c[0], "w": c[1], "f": c[2]} if c[2] >= 0 else {"c": c[0], "w": c[1]}


def _wrap_methods(cls, names, per_item=False):
    for name in names:
        if name in cls.__dict__:
            patching.replace(cls, name, wrap(cls.__dict__[name], per_item))


def _try_first(acquire):
    """A SemLock's blocking acquire that gets it at once (an uncontended lock, a queue's free
    slot: Queue.put takes one on every message) is no wait and pays nothing; one that would wait
    goes through wrap(). Measured, the wrapper's reads cost a Process child ~30 us a put."""
    waiting = wrap(acquire, per_item=True)

    def acquire_try_first(*args, **kwargs):
        if (args[0] if args else kwargs.get("block", True)) and acquire(False):
            return True
        return waiting(*args, **kwargs)

    return acquire_try_first


# The receiving side only: a send returns once the bytes are in the pipe (it waits only on a full
# pipe), and a worker's result send, the busiest call there is, would pay the wrapper for nothing.
_CONNECTION_METHODS = ("recv", "recv_bytes", "recv_bytes_into", "poll")


def patch_connection(connection):
    """After message_hooks: Connection.recv/send may be its replacements by now."""
    _wrap_methods(connection.Connection, _CONNECTION_METHODS, per_item=True)
    _wrap_methods(connection._ConnectionBase, _CONNECTION_METHODS, per_item=True)


def patch_queues(queues):
    """After queue_hooks: Queue.get may be its replacement by now. Queue.put only appends
    to the feeder's buffer (a full queue waits in a Semaphore, counted there; the first put
    starts the feeder thread, counted); puts and sends are left alone, as Connection's are.
    Making a queue (a pipe and locks) is counted: a loop would make none."""
    for cls, wait in ((queues.Queue, "get"), (queues.JoinableQueue, "join"), (queues.SimpleQueue, "get")):
        _wrap_methods(cls, (wait,), per_item=True)
        _wrap_methods(cls, ("__init__",))
    # A Queue's first put starts its feeder thread and waits for it to run: measured, 3-12 ms in
    # each of 8 Process children on 2 CPUs, which a loop would not spend.
    _wrap_methods(queues.Queue, ("_start_thread",))


def patch_pipe(connection):
    """After channel_hooks and message_hooks: making a Pipe (queues and pools make theirs here)."""
    if hasattr(connection, "Pipe"):
        patching.replace(connection, "Pipe", wrap(connection.Pipe))


def patch_sharedctypes(sharedctypes):
    """Value, Array and their Raw forms: a block of shared memory (and a lock). Measured, ~3 ms
    each in a parent that forks between them, which a loop would not spend."""
    for name in ("RawValue", "RawArray", "Value", "Array"):
        patching.replace(sharedctypes, name, wrap(getattr(sharedctypes, name)))


def patch_shared_memory(shared_memory):
    """SharedMemory: making, attaching, closing and unlinking a block are multiprocessing's time
    (a worker that attaches per task is not computing meanwhile). A block the main thread creates
    is also written down (`shm` META): the time until the next pool or process is started is
    spent filling it, which a loop would not do (docs/trace-format.md)."""
    cls = shared_memory.SharedMemory
    _wrap_methods(cls, ("close", "unlink"))
    init = wrap(cls.__dict__["__init__"])

    def __init__(self, name=None, create=False, *args, **kwargs):
        c = user_cpu() if create else None
        if c is None:
            return init(self, name, create, *args, **kwargs)
        t0 = clock()
        init(self, name, create, *args, **kwargs)
        try:
            file, line = callsite.user_site()
            state.meta("shm", t0=t0, size=self.size, file=file, line=line, **cpu_field(c))
        except Exception as exc:  # never the program's problem
            state.agent_error(exc, "shared memory")

    patching.replace(cls, "__init__", __init__)


def patch_synchronize(synchronize):
    # Lock, RLock, Semaphore, Condition, Event and Barrier all wait in a SemLock: its
    # acquire is bound per instance in _make_methods, `with lock:` goes through __enter__.
    semlock = synchronize.SemLock
    make_orig = semlock.__dict__["_make_methods"]

    def _make_methods(self):
        make_orig(self)
        self.acquire = _try_first(self.acquire)

    patching.replace(semlock, "_make_methods", _make_methods)
    enter = wrap(semlock.__dict__["__enter__"], per_item=True)

    def __enter__(self):
        if self._semlock.acquire(False):
            return True
        return enter(self)

    patching.replace(semlock, "__enter__", __enter__)
    # Making one (a named POSIX semaphore) is counted too.
    _wrap_methods(semlock, ("__init__",))
    _wrap_methods(synchronize.Condition, ("wait", "wait_for"), per_item=True)
    _wrap_methods(synchronize.Event, ("wait",), per_item=True)


def patch_managers(managers):
    """After manager_hooks: a proxy call is a round trip to the manager's process."""
    patching.replace(
        managers.BaseProxy, "_callmethod", wrap(managers.BaseProxy.__dict__["_callmethod"], per_item=True)
    )
