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

from . import callsite, patching, state
from .sched import run_delay
from .state import clock, thread_cpu


def wrap(orig):
    def blocking_call(*args, **kwargs):
        # A pool worker between tasks has no such thread: no call to get_ident on that path.
        thread = state.block_thread
        if thread is None or thread != get_ident() or state.block_depth:
            return orig(*args, **kwargs)
        state.block_depth = 1
        c0 = -1
        if state.block_cpu:
            c0 = thread_cpu()
            state.user_cpu_frozen = c0 - state.blocked_cpu
        # The span is stamped before each wait read (perf_counter enters no kernel): a wait at
        # the first read's return is inside the span and counted in blocked_wait, one at the
        # last read's return is outside both. Waking from a wait is when a thread most often
        # queues for a CPU, so where the task's wait is read, the part inside is read too.
        t0 = clock()
        if c0 >= 0:
            state.user_wall_frozen = t0 - state.blocked
        w0 = run_delay() if state.block_waits else -1
        try:
            return orig(*args, **kwargs)
        finally:
            state.blocked += clock() - t0
            if w0 >= 0:
                state.blocked_wait += max(0, run_delay() - w0)
            if c0 >= 0:
                state.blocked_cpu += thread_cpu() - c0
            state.block_depth = 0

    blocking_call.__name__ = getattr(orig, "__name__", "blocking_call")
    blocking_call.__qualname__ = getattr(orig, "__qualname__", "blocking_call")
    blocking_call.__doc__ = getattr(orig, "__doc__", None)
    blocking_call.__wrapped__ = orig
    return blocking_call


def user_cpu():
    """The main thread's time outside multiprocessing calls so far, as (CPU ns, wall ns on the
    trace clock less the time inside them); None on any other thread (its clock is not
    comparable)."""
    if not state.block_cpu or state.block_thread != get_ident():
        return None
    # Inside a call both stand still where the call began.
    if state.block_depth:
        return state.user_cpu_frozen, state.user_wall_frozen
    return thread_cpu() - state.blocked_cpu, clock() - state.blocked


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
    return {} if c is None else {"c": c[0], "w": c[1]}


def _wrap_methods(cls, names):
    for name in names:
        if name in cls.__dict__:
            patching.replace(cls, name, wrap(cls.__dict__[name]))


# The receiving side only: a send returns once the bytes are in the pipe (it waits only on a full
# pipe), and a worker's result send, the busiest call there is, would pay the wrapper for nothing.
_CONNECTION_METHODS = ("recv", "recv_bytes", "recv_bytes_into", "poll")


def patch_connection(connection):
    """After message_hooks: Connection.recv/send may be its replacements by now."""
    _wrap_methods(connection.Connection, _CONNECTION_METHODS)
    _wrap_methods(connection._ConnectionBase, _CONNECTION_METHODS)


def patch_queues(queues):
    """After queue_hooks: Queue.get may be its replacement by now. Queue.put only appends
    to the feeder's buffer (a full queue waits in a Semaphore, counted there); puts and sends
    are left alone, as Connection's are. Making a queue (a pipe and locks) is counted: a loop
    would make none."""
    _wrap_methods(queues.Queue, ("get", "__init__"))
    _wrap_methods(queues.JoinableQueue, ("join", "__init__"))
    _wrap_methods(queues.SimpleQueue, ("get", "__init__"))


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
        self.acquire = wrap(self.acquire)

    patching.replace(semlock, "_make_methods", _make_methods)
    # Making one (a named POSIX semaphore) is counted too.
    _wrap_methods(semlock, ("__enter__", "__init__"))
    _wrap_methods(synchronize.Condition, ("wait", "wait_for"))
    _wrap_methods(synchronize.Event, ("wait",))


def patch_managers(managers):
    """After manager_hooks: a proxy call is a round trip to the manager's process."""
    patching.replace(managers.BaseProxy, "_callmethod", wrap(managers.BaseProxy.__dict__["_callmethod"]))
