"""SEND, RECV and RUN records: the hot path.

One patch pair covers every message multiprocessing moves: ForkingPickler.dumps/loads
(Queue, SimpleQueue and so Pool and ProcessPoolExecutor all use them) and
Connection._send_bytes/_recv_bytes (which know the pipe, and when the write returned
or the bytes arrived). The pickling half leaves its stamps in a thread slot; the
writing half, on the same thread, finds them and writes one record. Connection.send/
recv and SimpleQueue.put/get, which do both halves in one method and carry every Pool
task and result, are replaced whole: fewer frames on the busiest paths (Queue's feeder
thread and Queue.get too: queue_hooks.py).

Sizes come from the buffer that already exists; nothing is pickled twice. User
callables, pool.worker and _process_worker are never wrapped: a worker's compute time
is the end of the task's unpickling to the start of its result's pickling.
"""

from _thread import get_ident

from . import channel_hooks, patching, sampling, state
from .channel_hooks import EXEC_RESULT, EXEC_TASK, POOL_RESULT, POOL_TASK, USER
from .recorder import NO_CPU, RUN_SAMPLE
from .sched import run_delay
from .state import clock, process_cpu, thread_cpu, tls

KIND_MESSAGE, KIND_POOL_TASK, KIND_POOL_RESULT = 0, 1, 2
KIND_EXEC_TASK, KIND_EXEC_RESULT, KIND_CONTROL = 3, 4, 5

# Filled by pool_hooks / executor_hooks in the process that makes the calls.
pool_calls = {}  # Pool job -> call id; negative for a one-task call (dropped once sent)
work_calls = {}  # (executor chan, work_id) -> call id
_chunk_funcs = [None, None]  # pool.mapstar, pool.starmapstar
_process_chunk = [None, None]  # concurrent.futures.process._process_chunk, functools.partial
# joblib's SafeFunction (joblib_hooks): it wraps one batch of delayed calls, a BatchedCalls.
_batch_wrapper = [None]

_ForkingPickler = None
_dumps_orig = _loads_orig = _send_bytes_orig = _recv_bytes_orig = None
_classify = channel_hooks.classify
# Plain messages (kind 0) are sampled on a flood: sampling.py.
_sent_message = sampling.sent_message
_received_message = sampling.received_message


def patch_reduction(reduction):
    global _ForkingPickler, _dumps_orig, _loads_orig
    _ForkingPickler = pickler = reduction.ForkingPickler
    _dumps_orig = patching.replace(pickler, "dumps", classmethod(_dumps)).__func__
    _loads_orig = patching.replace(pickler, "loads", staticmethod(_loads))


def patch_connection(connection):
    global _send_bytes_orig, _recv_bytes_orig
    conn = connection.Connection
    _send_bytes_orig = patching.replace(conn, "_send_bytes", _send_bytes)
    _recv_bytes_orig = patching.replace(conn, "_recv_bytes", _recv_bytes)
    # Connection.send()/recv() (Pool's task and result handlers, executor results,
    # Pipe messages) are 3 lines, the same from 3.3 to 3.13: done here in one frame
    # instead of going through both hook pairs below. Left alone if they ever change.
    if _uses_only(conn.send, _SEND_NAMES) and _uses_only(conn.recv, _RECV_NAMES):
        patching.replace(conn, "send", _conn_send)
        patching.replace(conn, "recv", _conn_recv)


_SEND_NAMES = {"_check_closed", "_check_writable", "_send_bytes", "_ForkingPickler", "dumps"}
_RECV_NAMES = {"_check_closed", "_check_readable", "_recv_bytes", "_ForkingPickler", "loads", "getbuffer"}
_PUT_NAMES = {"_ForkingPickler", "dumps", "_wlock", "_writer", "send_bytes"}
_GET_NAMES = {"_rlock", "_reader", "recv_bytes", "_ForkingPickler", "loads"}


def patch_queues(queues):
    # SimpleQueue.put()/get() carry every Pool task and result on the worker's side:
    # replaced whole like Connection.send/recv, if they are still what they were.
    simple = queues.SimpleQueue
    if _send_bytes_orig is not None and _uses_only(simple.put, _PUT_NAMES) and _uses_only(simple.get, _GET_NAMES):
        patching.replace(simple, "put", _simple_put)
        patching.replace(simple, "get", _simple_get)


def _uses_only(method, names):
    code = getattr(method, "__code__", None)
    return code is not None and set(code.co_names) == names


def set_pool_funcs(mapstar, starmapstar):
    _chunk_funcs[0], _chunk_funcs[1] = mapstar, starmapstar


def set_executor_funcs(process_chunk, partial):
    _process_chunk[0], _process_chunk[1] = process_chunk, partial


def set_batch_wrapper(kind):
    _batch_wrapper[0] = kind


def _batch_items(fn):
    """Items in a joblib batch: its delayed calls (1 where it has no length)."""
    try:
        return len(fn.func)
    except (AttributeError, TypeError):
        return 1


# -- Connection.send / recv ---------------------------------------------------


def _conn_send(self, obj):
    """Send a (picklable) object"""
    self._check_closed()
    self._check_writable()
    t0 = clock()
    cpu = end_clocks() if state.task_cpu else 0
    buf = _dumps_orig(_ForkingPickler, obj)
    t1 = clock()
    if state.task_open:
        _task_end(self, obj, t0, cpu)
    _send_bytes_orig(self, buf)
    t2 = clock()
    try:
        chan, role = self._ps or _classify(self)
        _SENT[role](chan, obj, len(buf), t0, t1, t2, buf)
    except Exception as e:  # noqa: BLE001 - the message went; only the record is lost
        state.agent_error(e, "recording a send")


def _conn_recv(self):
    """Receive a (picklable) object"""
    self._check_closed()
    self._check_readable()
    buf = _recv_bytes_orig(self)
    t0 = clock()
    data = buf.getbuffer()
    obj = _loads_orig(data)
    t1 = clock()
    try:
        chan, role = self._ps or _classify(self)
        _RECEIVED[role](chan, obj, buf.tell(), t0, t1, data)
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "recording a receive")
    return obj


def _simple_put(self, obj):
    t0 = clock()
    cpu = end_clocks() if state.task_cpu else 0
    # serialize the data before acquiring the lock
    buf = _dumps_orig(_ForkingPickler, obj)
    t1 = clock()
    writer = self._writer
    if state.task_open:
        _task_end(writer, obj, t0, cpu)
    if self._wlock is None:
        # writes to a message oriented win32 pipe are atomic
        writer.send_bytes(buf)
        t2 = clock()
    else:
        with self._wlock:
            _send_checked(writer, buf)
            t2 = clock()
    try:
        chan, role = writer._ps or _classify(writer)
        _SENT[role](chan, obj, len(buf), t0, t1, t2, buf)
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "recording a send")


def _send_checked(conn, buf):
    # Connection.send_bytes() for a whole buffer, straight to the unhooked write.
    conn._check_closed()
    conn._check_writable()
    _send_bytes_orig(conn, buf)


def _simple_get(self):
    reader = self._reader
    with self._rlock:
        reader._check_closed()
        reader._check_readable()
        buf = _recv_bytes_orig(reader)
        t0 = clock()
    # unserialize the data after having released the lock
    data = buf.getbuffer()
    obj = _loads_orig(data)
    t1 = clock()
    try:
        chan, role = reader._ps or _classify(reader)
        _RECEIVED[role](chan, obj, buf.tell(), t0, t1, data)
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "recording a receive")
    return obj


# -- pickling and the wire, for everything else --------------------------------


def _dumps(cls, obj, protocol=None):
    t0 = clock()
    # A worker's result is pickled on the thread that computed it: its CPU time so far.
    cpu = end_clocks() if state.task_cpu else 0
    buf = _dumps_orig(cls, obj, protocol)
    tls.out = (obj, len(buf), t0, clock(), cpu)
    return buf


def _send_bytes(self, buf):
    out = tls.out
    if out is None:  # raw send_bytes(): not a pickled message
        return _send_bytes_orig(self, buf)
    tls.out = None
    obj, nbytes, t0, t1, cpu = out
    if state.task_open:
        _task_end(self, obj, t0, cpu)
    _send_bytes_orig(self, buf)
    t2 = clock()
    if nbytes == len(buf):
        try:
            chan, role = self._ps or _classify(self)
            _SENT[role](chan, obj, nbytes, t0, t1, t2, buf)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "recording a send")


def _recv_bytes(self, maxsize=None):
    buf = _recv_bytes_orig(self, maxsize)
    if buf is not None:
        t0 = clock()
        try:
            # Classified now: by the time the bytes are unpickled another thread may
            # have closed the connection.
            tls.inp = (self._ps or _classify(self), buf.tell(), t0)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "recording a receive")
    return buf


def _loads(data, *args, **kwargs):
    inp = tls.inp
    if inp is None:
        return _loads_orig(data, *args, **kwargs)
    tls.inp = None
    obj = _loads_orig(data, *args, **kwargs)
    t1 = clock()
    (chan, role), nbytes, t0 = inp
    if nbytes == len(data):
        try:
            _RECEIVED[role](chan, obj, nbytes, t0, t1, data)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "recording a receive")
    return obj


# -- what a message was: one function per connection role ----------------------
# The tables are indexed by the role of the connection (channel_hooks): USER 0,
# POOL_TASK 1, POOL_RESULT 2, EXEC_TASK 3, EXEC_RESULT 4, and IGNORE -1, the last entry.


def _ignore(*args):
    return None


def _sent_pool_task(chan, obj, nbytes, t0, t1, t2, buf):
    if type(obj) is not tuple or len(obj) != 5:  # None: "worker, stop"
        return state.rec.send(chan, -1, -1, nbytes, t0, t1, t2, 0, 0, KIND_CONTROL, 0)
    job, index, func, args = obj[0], obj[1], obj[2], obj[3]  # (job, i, func, args, kwds)
    if func is _chunk_funcs[0] or func is _chunk_funcs[1]:
        items = len(args[0][1])
    else:
        items = _batch_items(func) if type(func) is _batch_wrapper[0] else 1
    call = pool_calls.get(job, 0)
    if call < 0:  # apply/apply_async: one task, so the entry is done with
        del pool_calls[job]
        call = -call
    index = -1 if index is None else index
    state.rec.send(chan, job, index, nbytes, t0, t1, t2, items, call, KIND_POOL_TASK, 0)


def _sent_pool_result(chan, obj, nbytes, t0, t1, t2, buf):
    if type(obj) is not tuple or len(obj) != 3:  # None: the result handler's sentinel
        return state.rec.send(chan, -1, -1, nbytes, t0, t1, t2, 0, 0, KIND_CONTROL, 0)
    index = obj[1]  # (job, i, (ok, value))
    ok = 1 if obj[2][0] else 0
    state.rec.send(chan, obj[0], -1 if index is None else index, nbytes, t0, t1, t2, 0, 0, KIND_POOL_RESULT, ok)


def _sent_exec_task(chan, obj, nbytes, t0, t1, t2, buf):
    work_id = getattr(obj, "work_id", None)  # a _CallItem, or None: "worker, stop"
    if work_id is None:
        return state.rec.send(chan, -1, -1, nbytes, t0, t1, t2, 0, 0, KIND_CONTROL, 0)
    call = work_calls.pop((chan, work_id), 0)
    state.rec.send(chan, work_id, -1, nbytes, t0, t1, t2, _exec_items(obj), call, KIND_EXEC_TASK, 0)


def _sent_exec_result(chan, obj, nbytes, t0, t1, t2, buf):
    work_id = getattr(obj, "work_id", None)  # a _ResultItem, or a pid: "I exited"
    if work_id is None:
        return state.rec.send(chan, -1, -1, nbytes, t0, t1, t2, 0, 0, KIND_CONTROL, 0)
    ok = 1 if obj.exception is None else 0
    state.rec.send(chan, work_id, -1, nbytes, t0, t1, t2, 0, 0, KIND_EXEC_RESULT, ok)


def _received_pool_task(chan, obj, nbytes, t0, t1, data):
    if type(obj) is not tuple or len(obj) != 5:
        return state.rec.recv(chan, -1, -1, nbytes, t0, t1, KIND_CONTROL, 0)
    job, index = obj[0], obj[1]
    index = -1 if index is None else index
    state.rec.recv(chan, job, index, nbytes, t0, t1, KIND_POOL_TASK, 0)
    if state.is_worker:  # a Pool's parent also reads this pipe, draining it at terminate()
        open_task(chan, job, index, t1)


def _received_pool_result(chan, obj, nbytes, t0, t1, data):
    if type(obj) is not tuple or len(obj) != 3:
        return state.rec.recv(chan, -1, -1, nbytes, t0, t1, KIND_CONTROL, 0)
    index = obj[1]
    ok = 1 if obj[2][0] else 0
    state.rec.recv(chan, obj[0], -1 if index is None else index, nbytes, t0, t1, KIND_POOL_RESULT, ok)


def _received_exec_task(chan, obj, nbytes, t0, t1, data):
    work_id = getattr(obj, "work_id", None)
    if work_id is None:
        return state.rec.recv(chan, -1, -1, nbytes, t0, t1, KIND_CONTROL, 0)
    state.rec.recv(chan, work_id, -1, nbytes, t0, t1, KIND_EXEC_TASK, 0)
    if state.is_worker:
        open_task(chan, work_id, -1, t1)


def _received_exec_result(chan, obj, nbytes, t0, t1, data):
    work_id = getattr(obj, "work_id", None)
    if work_id is None:
        return state.rec.recv(chan, -1, -1, nbytes, t0, t1, KIND_CONTROL, 0)
    ok = 1 if obj.exception is None else 0
    state.rec.recv(chan, work_id, -1, nbytes, t0, t1, KIND_EXEC_RESULT, ok)


_SENT = (_sent_message, _sent_pool_task, _sent_pool_result, _sent_exec_task, _sent_exec_result, _ignore)
_RECEIVED = (
    _received_message,
    _received_pool_task,
    _received_pool_result,
    _received_exec_task,
    _received_exec_result,
    _ignore,
)


# -- a worker's task -----------------------------------------------------------
# Three clocks say what a task's compute time was made of: the thread's CPU clock, its
# run-queue wait (sched.py: time runnable but waiting for a CPU) and the process's CPU clock
# (all threads: BLAS or OpenMP helpers show there). Each read is a system call, 0.7-1.5 us:
# for tasks of ~10 us they would be most of what the agent adds. So a worker reads
# - all three for a task that follows one of its own that computed for FULL_EVERY_TASK_NS
#   or more (and for its first task), and for one task in READ_SAMPLE_EVERY otherwise;
# - the thread's CPU clock alone for the other tasks after one of CPU_EVERY_TASK_NS or more.
# Unread values are NO_CPU in the RUN record. A task read as the one in READ_SAMPLE_EVERY has
# RUN_SAMPLE in its record's flags: those are a fair sample of the unread tasks (which also
# follow short tasks), while a task read because the one before it was long is not (a
# preempted tiny task looks long, and preemption comes in bursts). The time blocked in
# multiprocessing calls the task makes (blocking.py) is always counted: it costs nothing
# where there are none.
CPU_EVERY_TASK_NS = 200_000
FULL_EVERY_TASK_NS = 2_000_000
READ_SAMPLE_EVERY = 16


def open_task(chan, job, index, t_start):
    """A worker starts computing a task (its unpickling ended at t_start; where it reads
    all its clocks, once they are read)."""
    cpu = wait = pcpu = -1
    flags = 0
    last = state.last_compute
    if last >= FULL_EVERY_TASK_NS or state.reads_skipped + 1 >= READ_SAMPLE_EVERY:
        if last < FULL_EVERY_TASK_NS:
            flags = RUN_SAMPLE
        state.reads_skipped = 0
        pcpu = process_cpu()
        cpu = thread_cpu()
        # A system call's return is where a waiting process often takes the CPU (measured: a
        # read task waited for one 3x as often as the others). The compute starts before the
        # wait is read (perf_counter enters no kernel), so a wait at that read's return is in
        # both the compute time and the wait; the CPU clocks' reads stay outside both.
        t_start = clock()
        wait = run_delay()
    else:
        state.reads_skipped += 1
        if last >= CPU_EVERY_TASK_NS:
            cpu = thread_cpu()
    state.task = (chan, job, index, t_start, cpu, wait, pcpu, state.blocked, state.blocked_wait, flags, state.gc_ns)
    state.task_cpu = cpu >= 0
    # A full read without schedstat still has the process CPU clock; only the waits need it.
    state.task_full = pcpu >= 0
    state.block_waits = wait >= 0
    state.task_open = True
    state.block_thread = get_ident()


def end_clocks():
    """As the open task's result starts pickling: its thread's CPU clock (returned) and,
    where the task reads them, its run-queue wait and process CPU (left in state)."""
    if not state.task_full:
        return thread_cpu()
    # The wait first, right after the compute's end was stamped (a wait at this read's return
    # is then in neither); another thread's (a Queue's feeder) says nothing of the task's.
    state.end_wait = run_delay() if get_ident() == state.block_thread else -1
    cpu = thread_cpu()
    state.end_pcpu = process_cpu()  # right after the thread's: the two spans match
    return cpu


# -- helpers ------------------------------------------------------------------


def _exec_items(call_item):
    fn = call_item.fn
    if type(fn) is _process_chunk[1] and fn.func is _process_chunk[0]:
        return len(call_item.args[0])  # executor.map: one chunk of argument tuples
    return _batch_items(fn) if type(fn) is _batch_wrapper[0] else 1


def _task_end(conn, obj, t_pickle, cpu):
    """A worker pickled something while computing: if it is the task's result, the
    task is done. RUN (and task-error) are written now, before the result is written
    to the pipe: once it is read, the parent may SIGTERM this worker at any moment
    (`with Pool()` ends with terminate()) and what comes after the write can be lost."""
    try:
        role = (conn._ps or _classify(conn))[1]
        if role == POOL_RESULT and type(obj) is tuple and len(obj) == 3:  # (job, i, (ok, value))
            ok, error = obj[2]
        elif role == EXEC_RESULT and getattr(obj, "work_id", None) is not None:  # _ResultItem
            error = obj.exception
            ok = error is None
        else:
            return  # a message on another pipe while the task computes: it goes on
        chan, job, index, t_start, cpu_start, wait_start, pcpu_start, blocked_start, blocked_wait_start, flags, gc0 = (
            state.task
        )
        state.task = None
        state.task_open = state.task_cpu = state.block_waits = False
        state.block_thread = None
        state.last_compute = t_pickle - t_start
        cpu = max(0, cpu - cpu_start) if cpu_start >= 0 else NO_CPU
        wait = pcpu = NO_CPU
        if state.task_full:
            state.task_full = False
            if wait_start >= 0 and state.end_wait >= 0:  # outside the blocked time, counted apart
                wait = max(0, state.end_wait - wait_start - (state.blocked_wait - blocked_wait_start))
            pcpu = max(0, state.end_pcpu - pcpu_start)
            state.end_wait = state.end_pcpu = -1
        gc_ns = state.gc_ns - gc0
        state.rec.run(chan, job, index, t_start, t_pickle, cpu, wait, pcpu, state.blocked - blocked_start, flags, gc_ns)
        if not ok:
            _task_error(chan, job, index, error)
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "recording a task")


def _task_error(chan, job, index, error):
    # Pool wraps the exception (ExceptionWithTraceback), the executor too
    # (_ExceptionWithTraceback): the original is its .exc.
    error = getattr(error, "exc", error)
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else kind.__module__ + "." + kind.__qualname__
    try:
        message = str(error)
    except Exception as e:  # noqa: BLE001 - a user __str__ that fails
        message = "<str() failed: %s>" % type(e).__name__
    state.meta("task-error", chan=chan, job=job, index=index, type=name, message=message[:500])
