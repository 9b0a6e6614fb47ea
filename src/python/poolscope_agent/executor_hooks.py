"""concurrent.futures.ProcessPoolExecutor: `pool` META, a `call` per submit()/map().

executor.map() calls submit() once per chunk: those work items belong to the map
call. Work ids are learnt from the executor's own `_work_ids.put` (called inside
submit, under its lock, on the submitting thread), wrapped on each instance.
"""

import functools

from . import blocking, callsite, channel_hooks, message_hooks, patching, state
from .pool_hooks import Call, lifecycle_wrapper, timed_initializer
from .state import tls

_init_orig = _submit_orig = _map_orig = None


def patch(process):
    global _init_orig, _submit_orig, _map_orig
    message_hooks.set_executor_funcs(process._process_chunk, functools.partial)
    executor = process.ProcessPoolExecutor
    _init_orig = patching.replace(executor, "__init__", blocking.wrap(_init))
    # As a Pool's apply_async: the parent's CPU inside submit() is machinery, not its own work.
    _submit_orig = patching.replace(executor, "submit", blocking.wrap(_submit))
    _map_orig = patching.replace(executor, "map", _map)
    for api in ("shutdown", "__exit__"):
        owner = next(k for k in executor.__mro__ if api in k.__dict__)
        patching.replace(executor, api, lifecycle_wrapper(api, owner.__dict__[api]))


def _init(self, max_workers=None, *args, **kwargs):
    if not state.enabled:
        return _init_orig(self, max_workers, *args, **kwargs)
    if state.workers_override:
        max_workers = state.workers_override
    file, line = callsite.user_site()
    # ProcessPoolExecutor(max_workers, mp_context, initializer, initargs, *, max_tasks_per_child)
    if len(args) >= 2:
        args = args[:1] + (timed_initializer(args[1]),) + args[2:]
    elif "initializer" in kwargs:
        kwargs["initializer"] = timed_initializer(kwargs["initializer"])
    t0 = state.clock()
    c = blocking.user_cpu()
    _init_orig(self, max_workers, *args, **kwargs)
    try:
        # Workers start at the first submit(), after this: fork children inherit the marks.
        instrument(
            self,
            (file, line, t0, c),
            start_method=self._mp_context.get_start_method(),
            maxtasksperchild=getattr(self, "_max_tasks_per_child", None),
        )
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "ProcessPoolExecutor")


def instrument(executor, site, start_method, maxtasksperchild, call_of=None, what="submit"):
    """Marks an executor's call and result queues (this one, or loky's copy of it), ties each work
    id to the call that submits it (`call_of(task_chan)`: that call, or None; default: the thread's
    own call on this executor) and writes the `pool` META. `site`: (file, line, t0, c) of its
    creation. Returns its task chan."""
    file, line, t0, c = site
    task_chan = channel_hooks.chan_of(executor._call_queue._reader)
    result_chan = channel_hooks.chan_of(executor._result_queue._reader)
    for conn in (executor._call_queue._reader, executor._call_queue._writer):
        channel_hooks.mark(conn, channel_hooks.EXEC_TASK, task_chan)
    for conn in (executor._result_queue._reader, executor._result_queue._writer):
        channel_hooks.mark(conn, channel_hooks.EXEC_RESULT, result_chan)
    executor._ps_pool = task_chan
    work_ids = executor._work_ids
    work_ids.put = _work_ids_put(executor, task_chan, work_ids.put, call_of or _own_call, what)
    state.meta(
        "pool",
        t0=t0,
        **blocking.cpu_field(c),
        id=task_chan,
        resultChan=result_chan,
        api="ProcessPoolExecutor",
        workers=executor._max_workers,
        startMethod=start_method,
        file=file,
        line=line,
        maxtasksperchild=maxtasksperchild,
    )
    return task_chan


def _own_call(task_chan):
    current = tls.call
    return current if current is not None and current.pool == task_chan else None


def _work_ids_put(executor, task_chan, put_orig, call_of, what):
    def put(work_id, *args, **kwargs):
        try:
            current = call_of(task_chan)
            if current is not None:
                assign(executor, task_chan, current, work_id)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, what)
        return put_orig(work_id, *args, **kwargs)

    return put


def assign(executor, task_chan, current, work_id):
    if not current.id:
        current.open(work_id, current.chunksize, current.items)
    message_hooks.work_calls[(task_chan, work_id)] = current.id
    if current.api == "executor.map":
        item = executor._pending_work_items.get(work_id)
        current.count += len(item.args[0]) if item is not None and item.args else 0


def _submit(self, *args, **kwargs):
    pool = getattr(self, "_ps_pool", None)
    if pool is None or tls.call is not None or not state.enabled:
        return _submit_orig(self, *args, **kwargs)  # inside executor.map: counted there
    tls.call = Call("submit", pool, chunksize=1, items=1)
    try:
        return _submit_orig(self, *args, **kwargs)
    finally:
        tls.call = None


def _map(self, fn, *iterables, **kwargs):
    pool = getattr(self, "_ps_pool", None)
    if pool is None or tls.call is not None or not state.enabled:
        return _map_orig(self, fn, *iterables, **kwargs)
    if state.chunksize_override:
        kwargs["chunksize"] = state.chunksize_override  # keyword-only in executor.map
    current = Call("executor.map", pool, chunksize=kwargs.get("chunksize", 1), items=_known_length(iterables))
    tls.call = current
    try:
        return _map_orig(self, fn, *iterables, **kwargs)
    finally:
        tls.call = None
        try:
            if not current.id:  # nothing to submit: still a call
                current.open(None, current.chunksize, 0)
            # map() returns once every chunk is submitted; the count is exact here.
            current.end(items=current.count)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "executor.map")


def _known_length(iterables):
    try:
        return min(len(it) for it in iterables) if iterables else 0
    except TypeError:  # a generator: counted as its chunks are submitted
        return None
