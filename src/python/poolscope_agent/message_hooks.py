"""SEND, RECV and RUN records: the hot path.

One patch pair covers every message multiprocessing moves: ForkingPickler.dumps/loads
(Connection.send/recv, Queue, SimpleQueue and so Pool and ProcessPoolExecutor all use
them) and Connection._send_bytes/_recv_bytes (which know the pipe, and when the write
returned or the bytes arrived). The pickling half leaves its stamps in a thread slot;
the writing half, on the same thread, finds them and writes one record. Sizes come
from the buffer that already exists; nothing is pickled twice. User callables,
pool.worker and _process_worker are never wrapped: a worker's compute time is the end
of the task's unpickling to the start of its result's pickling.
"""

from . import channel_hooks, patching, state
from .channel_hooks import EXEC_RESULT, EXEC_TASK, POOL_RESULT, POOL_TASK, USER
from .state import clock, thread_cpu, tls

KIND_MESSAGE, KIND_POOL_TASK, KIND_POOL_RESULT = 0, 1, 2
KIND_EXEC_TASK, KIND_EXEC_RESULT, KIND_CONTROL = 3, 4, 5

# Filled by pool_hooks / executor_hooks in the process that makes the calls.
pool_calls = {}  # Pool job -> call id; negative for a one-task call (dropped once sent)
work_calls = {}  # (executor chan, work_id) -> call id
_chunk_funcs = [None, None]  # pool.mapstar, pool.starmapstar
_process_chunk = [None, None]  # concurrent.futures.process._process_chunk, functools.partial

_dumps_orig = _loads_orig = _send_bytes_orig = _recv_bytes_orig = None
_dumps_func = _loads_func = _send_func = _recv_func = None
_classify = channel_hooks.classify


def patch_reduction(reduction):
    global _dumps_orig, _loads_orig, _dumps_func, _loads_func
    pickler = reduction.ForkingPickler
    _dumps_orig = patching.replace(pickler, "dumps", classmethod(_dumps))
    _loads_orig = patching.replace(pickler, "loads", staticmethod(_loads))
    _dumps_func = _dumps_orig.__func__
    _loads_func = _loads_orig


def patch_connection(connection):
    global _send_bytes_orig, _recv_bytes_orig, _send_func, _recv_func
    _send_bytes_orig = _send_func = patching.replace(connection.Connection, "_send_bytes", _send_bytes)
    _recv_bytes_orig = _recv_func = patching.replace(connection.Connection, "_recv_bytes", _recv_bytes)


def set_pool_funcs(mapstar, starmapstar):
    _chunk_funcs[0], _chunk_funcs[1] = mapstar, starmapstar


def set_executor_funcs(process_chunk, partial):
    _process_chunk[0], _process_chunk[1] = process_chunk, partial


# -- the four hooks -----------------------------------------------------------


def _dumps(cls, obj, protocol=None):
    t0 = clock()
    # A worker's result is pickled on the thread that computed it: its CPU time so far.
    cpu = thread_cpu() if state.task_open else 0
    buf = _dumps_func(cls, obj, protocol)
    tls.out = (obj, len(buf), t0, clock(), cpu)
    return buf


def _send_bytes(self, buf):
    out = tls.out
    if out is None:  # raw send_bytes(): not a pickled message
        return _send_func(self, buf)
    tls.out = None
    _send_func(self, buf)
    t2 = clock()
    if out[1] == len(buf):
        try:
            _sent(self._ps or _classify(self), out, t2)
        except Exception as e:  # noqa: BLE001 - the message went; only the record is lost
            state.agent_error(e, "recording a send")


def _recv_bytes(self, maxsize=None):
    buf = _recv_func(self, maxsize)
    if buf is not None:
        tls.inp = (self, buf.tell(), clock())
    return buf


def _loads(data, *args, **kwargs):
    inp = tls.inp
    if inp is None:
        return _loads_func(data, *args, **kwargs)
    tls.inp = None
    obj = _loads_func(data, *args, **kwargs)
    t1 = clock()
    if inp[1] == len(data):
        try:
            conn = inp[0]
            _received(conn._ps or _classify(conn), obj, inp[1], inp[2], t1)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "recording a receive")
    return obj


# -- what a message was -------------------------------------------------------


def _sent(info, out, t2):
    chan, role = info
    if role < 0:
        return
    obj, nbytes, t0, t1, cpu = out
    rec = state.rec
    if role == USER:
        rec.send(chan, -1, -1, nbytes, t0, t1, t2, 0, 0, KIND_MESSAGE, 0)
    elif role == POOL_TASK:
        if type(obj) is tuple and len(obj) == 5:  # (job, i, func, args, kwds)
            job, index, func = obj[0], obj[1], obj[2]
            items = len(obj[3][0][1]) if func is _chunk_funcs[0] or func is _chunk_funcs[1] else 1
            rec.send(chan, job, _index(index), nbytes, t0, t1, t2, items, _pool_call(job), KIND_POOL_TASK, 0)
        else:
            rec.send(chan, -1, -1, nbytes, t0, t1, t2, 0, 0, KIND_CONTROL, 0)
    elif role == POOL_RESULT:
        if type(obj) is tuple and len(obj) == 3:  # (job, i, (ok, value))
            job, index, (ok, value) = obj
            index = _index(index)
            run = _task_run(t0, cpu)
            rec.result(run, chan, job, index, nbytes, t0, t1, t2, KIND_POOL_RESULT, 1 if ok else 0)
            if not ok:
                _task_error(chan if run is None else run[0], job, index, value)
        else:
            rec.send(chan, -1, -1, nbytes, t0, t1, t2, 0, 0, KIND_CONTROL, 0)
    elif role == EXEC_TASK:
        work_id = getattr(obj, "work_id", None)  # _CallItem, or None to stop a worker
        if work_id is None:
            rec.send(chan, -1, -1, nbytes, t0, t1, t2, 0, 0, KIND_CONTROL, 0)
        else:
            call = work_calls.pop((chan, work_id), 0)
            rec.send(chan, work_id, -1, nbytes, t0, t1, t2, _exec_items(obj), call, KIND_EXEC_TASK, 0)
    elif role == EXEC_RESULT:
        work_id = getattr(obj, "work_id", None)  # _ResultItem, or a pid: "I exited"
        if work_id is None:
            rec.send(chan, -1, -1, nbytes, t0, t1, t2, 0, 0, KIND_CONTROL, 0)
        else:
            error = obj.exception
            run = _task_run(t0, cpu)
            rec.result(run, chan, work_id, -1, nbytes, t0, t1, t2, KIND_EXEC_RESULT, 1 if error is None else 0)
            if error is not None:
                _task_error(chan if run is None else run[0], work_id, -1, error)


def _received(info, obj, nbytes, t0, t1):
    chan, role = info
    if role < 0:
        return
    rec = state.rec
    if role == USER:
        rec.recv(chan, -1, -1, nbytes, t0, t1, KIND_MESSAGE, 0)
    elif role == POOL_TASK:
        if type(obj) is tuple and len(obj) == 5:
            job, index = obj[0], _index(obj[1])
            rec.recv(chan, job, index, nbytes, t0, t1, KIND_POOL_TASK, 0)
            _task_start(chan, job, index, t1)
        else:
            rec.recv(chan, -1, -1, nbytes, t0, t1, KIND_CONTROL, 0)
    elif role == POOL_RESULT:
        if type(obj) is tuple and len(obj) == 3:
            ok = 1 if obj[2][0] else 0
            rec.recv(chan, obj[0], _index(obj[1]), nbytes, t0, t1, KIND_POOL_RESULT, ok)
        else:
            rec.recv(chan, -1, -1, nbytes, t0, t1, KIND_CONTROL, 0)
    elif role == EXEC_TASK:
        work_id = getattr(obj, "work_id", None)
        if work_id is None:
            rec.recv(chan, -1, -1, nbytes, t0, t1, KIND_CONTROL, 0)
        else:
            rec.recv(chan, work_id, -1, nbytes, t0, t1, KIND_EXEC_TASK, 0)
            _task_start(chan, work_id, -1, t1)
    elif role == EXEC_RESULT:
        work_id = getattr(obj, "work_id", None)
        if work_id is None:
            rec.recv(chan, -1, -1, nbytes, t0, t1, KIND_CONTROL, 0)
        else:
            ok = 1 if obj.exception is None else 0
            rec.recv(chan, work_id, -1, nbytes, t0, t1, KIND_EXEC_RESULT, ok)


# -- helpers ------------------------------------------------------------------


def _index(index):
    return -1 if index is None else index


def _pool_call(job):
    call = pool_calls.get(job, 0)
    if call < 0:  # apply/apply_async: one task, so the entry is done with
        del pool_calls[job]
        return -call
    return call


def _exec_items(call_item):
    fn = call_item.fn
    if type(fn) is _process_chunk[1] and fn.func is _process_chunk[0]:
        return len(call_item.args[0])  # executor.map: one chunk of argument tuples
    return 1


def _task_start(chan, job, index, t1):
    # Only a worker computes; a Pool's parent also reads its task pipe while
    # terminating (draining it), which is not a task starting.
    if state.role == "pool-worker" or state.role == "executor-worker":
        state.task = (chan, job, index, t1, thread_cpu())
        state.task_open = True


def _task_run(t_pickle, cpu):
    """The RUN of the task this worker just finished (None if it saw no task start)."""
    task = state.task
    if task is None:
        return None
    state.task = None
    state.task_open = False
    return (task[0], task[1], task[2], task[3], t_pickle, max(0, cpu - task[4]))


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
