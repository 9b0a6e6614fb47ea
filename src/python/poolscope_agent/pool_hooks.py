"""multiprocessing.Pool: the `pool` META, a `call` META per API call, and the task pipes.

The public methods only note what was called and where (a thread slot); the result
objects (ApplyResult, MapResult, IMapIterator), built inside each call before its tasks
are queued, give the job id and, for map, the chunksize actually used (Pool.map
computes one when given None). ThreadPool is left alone.
"""

import functools

from . import blocking, callsite, channel_hooks, message_hooks, patching, state
from .sched import run_delay
from .state import thread_cpu, tls

# api name -> blocking (a blocking call also gets a `call-end`)
_APIS = {
    "map": True,
    "starmap": True,
    "apply": True,
    "map_async": False,
    "starmap_async": False,
    "imap": False,
    "imap_unordered": False,
    "apply_async": False,
}
_SINGLE_TASK = ("apply", "apply_async")
# Calls whose chunksize defaults to None: the pool then picks ceil(items / (4 × workers)).
_MAPS = ("map", "starmap", "map_async", "starmap_async")
# The APIs whose third argument is `chunksize` (POOLSCOPE_CHUNKSIZE overrides it).
_CHUNKED = _MAPS + ("imap", "imap_unordered")

_Pool_init_orig = _setup_queues_orig = None
_ApplyResult_init_orig = _MapResult_init_orig = _IMapIterator_init_orig = None
_ThreadPool = _MapResult = _RUN = None


class Call:
    """A pool call in progress on this thread (pool_hooks and executor_hooks)."""

    __slots__ = ("api", "pool", "file", "line", "t", "c", "chunksize", "auto", "items", "id", "first_job", "count")

    # The agent's bookkeeping on the caller's thread runs as if inside a multiprocessing call
    # (blocking.wrap): its CPU and wall time are not the program's own work. `c` is read as
    # the bookkeeping begins.
    @blocking.wrap
    def __init__(self, api, pool, chunksize=None, items=None, auto=False):
        self.api, self.pool, self.chunksize, self.items = api, pool, chunksize, items
        # The pool picked the chunksize itself (map/starmap without one): it changes with the workers.
        self.auto = auto
        self.file, self.line = callsite.user_site()
        self.t = state.clock()
        self.c = blocking.user_cpu()
        self.id = 0
        self.first_job = None
        self.count = 0

    @blocking.wrap
    def open(self, job, chunksize, items):
        """Writes the `call` META once the job id is known."""
        self.id = state.next_call_id()
        self.first_job = job
        state.meta(
            "call",
            t=self.t,
            id=self.id,
            pool=self.pool,
            api=self.api,
            chunksize=chunksize,
            items=items,
            job=job,
            file=self.file,
            line=self.line,
            **({"auto": True} if self.auto else {}),
            **blocking.cpu_field(self.c),
        )


    @blocking.wrap
    def end(self, **fields):
        """Writes the `call-end` META: the call has returned (its results are in)."""
        state.meta("call-end", id=self.id, **fields, **blocking.cpu_field(blocking.user_cpu()))


class TimedInitializer:
    """A pool's or executor's `initializer`, as each worker calls it before its first task: an
    `init` META with how long it ran, its CPU time and its wait for a CPU. A loop does such work
    (a table built, a model loaded) once; a pool does it in every worker. Pickled with the
    worker's arguments to spawn and forkserver children, where the agent is already imported."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __reduce__(self):
        return (TimedInitializer, (self.fn,))

    def __call__(self, *args, **kwargs):
        if not state.enabled:
            return self.fn(*args, **kwargs)
        w0 = run_delay()
        t0 = state.clock()
        c0 = thread_cpu()
        try:
            return self.fn(*args, **kwargs)
        finally:
            cpu = thread_cpu() - c0
            t1 = state.clock()
            w1 = run_delay() if w0 >= 0 else -1
            try:
                state.meta("init", t=t1, t0=t0, cpu=cpu, **({"wait": max(0, w1 - w0)} if w1 >= 0 else {}))
            except Exception as e:  # noqa: BLE001
                state.agent_error(e, "initializer")


def timed_initializer(fn):
    """`fn` wrapped to be timed in the workers; None and non-callables (the pool rejects them
    itself) as they are."""
    return TimedInitializer(fn) if callable(fn) and not isinstance(fn, TimedInitializer) else fn


def patch(pool):
    global _Pool_init_orig, _setup_queues_orig, _ThreadPool, _MapResult, _RUN
    global _ApplyResult_init_orig, _MapResult_init_orig, _IMapIterator_init_orig
    _ThreadPool, _MapResult, _RUN = pool.ThreadPool, pool.MapResult, pool.RUN
    message_hooks.set_pool_funcs(pool.mapstar, pool.starmapstar)
    _Pool_init_orig = patching.replace(pool.Pool, "__init__", _process_pools_only(pool.Pool.__init__, _Pool_init))
    _setup_queues_orig = patching.replace(pool.Pool, "_setup_queues", _setup_queues)
    for api, blocks in _APIS.items():
        orig = pool.Pool.__dict__[api]
        wrapper = _api_wrapper(api, orig, blocks)
        patching.replace(pool.Pool, api, _process_pools_only(orig, wrapper, items_first=api in _MAPS))
    _ApplyResult_init_orig = patching.replace(pool.ApplyResult, "__init__", _ApplyResult_init)
    _MapResult_init_orig = patching.replace(pool.MapResult, "__init__", _MapResult_init)
    _IMapIterator_init_orig = patching.replace(pool.IMapIterator, "__init__", _IMapIterator_init)
    for api in ("close", "join", "terminate", "__exit__"):
        patching.replace(pool.Pool, api, lifecycle_wrapper(api, pool.Pool.__dict__[api]))


def lifecycle_wrapper(api, orig):
    """A pool's close/join/terminate (an executor's shutdown): a `pool-end` META for the
    outermost one, with its span. The pool's life, creation to its last such call, is the
    parallel part of the run; the CPU spent in these calls is not the parent's own work
    (blocking.py)."""

    def end(self, pool, *args, **kwargs):
        tls.ending = True
        t0 = state.clock()
        c = blocking.user_cpu()
        try:
            return orig(self, *args, **kwargs)
        finally:
            tls.ending = False
            try:
                state.meta("pool-end", pool=pool, api=api, t0=t0, **blocking.cpu_field(c))
            except Exception as e:  # noqa: BLE001
                state.agent_error(e, api)

    inside = blocking.wrap(end)

    @functools.wraps(orig)
    def hooked(self, *args, **kwargs):
        # A ThreadPool (no _ps_pool): stopping it waits for the program's own work on its threads.
        pool = getattr(self, "_ps_pool", None)
        if pool is None or tls.ending or not state.enabled:
            return orig(self, *args, **kwargs)
        return inside(self, pool, *args, **kwargs)

    return hooked


def _process_pools_only(orig, hook, items_first=False):
    """`hook` run as a multiprocessing call (blocking.wrap: the main thread's CPU and time inside
    it are not the program's own work) on a process pool; `orig` as it is on a ThreadPool, whose
    calls run the program's own work on its threads, and while the agent is off.

    Pool() starts processes; close/join/terminate stop them; a single task's call (apply,
    apply_async) is all machinery, its arguments made by then; so is a map's once its items are
    made (`items_first`: map/starmap(_async), see _items_made); so is imap()'s, which returns at
    once (the pool's thread drains its iterable while the caller goes on). Iterating over imap's
    results is left out: the caller's own work comes between them."""
    inside = blocking.wrap(hook)

    @functools.wraps(orig)
    def hooked(self, *args, **kwargs):
        if not state.enabled or isinstance(self, _ThreadPool):
            return orig(self, *args, **kwargs)
        if items_first:
            args, kwargs = _items_made(self, args, kwargs)
        return inside(self, *args, **kwargs)

    return hooked


def _items_made(self, args, kwargs):
    """A map's (args, kwargs) with its iterable made into a list, as the pool itself makes it
    (once it has checked that it runs): producing the items is the caller's own work, which a
    loop does too, and happens here, outside the multiprocessing call."""
    if getattr(self, "_state", None) != _RUN:
        return args, kwargs  # the pool raises, and leaves the iterable alone
    if len(args) >= 2 and not hasattr(args[1], "__len__"):
        args = (args[0], list(args[1])) + args[2:]
    elif "iterable" in kwargs and not hasattr(kwargs["iterable"], "__len__"):
        kwargs = dict(kwargs, iterable=list(kwargs["iterable"]))
    return args, kwargs


def _Pool_init(self, processes=None, *args, **kwargs):
    if state.workers_override:
        processes = state.workers_override
    file, line = callsite.user_site()
    # Pool(processes, initializer, initargs, maxtasksperchild, context)
    if args:
        args = (timed_initializer(args[0]),) + args[1:]
    elif "initializer" in kwargs:
        kwargs["initializer"] = timed_initializer(kwargs["initializer"])
    t0 = state.clock()
    c = blocking.user_cpu()
    _Pool_init_orig(self, processes, *args, **kwargs)
    try:
        self._ps_pool = channel_hooks.chan_of(self._inqueue._reader)
        state.meta(
            "pool",
            t0=t0,
            **blocking.cpu_field(c),
            id=self._ps_pool,
            resultChan=channel_hooks.chan_of(self._outqueue._reader),
            api="Pool",
            workers=self._processes,
            startMethod=self._ctx.get_start_method(),
            file=file,
            line=line,
            maxtasksperchild=self._maxtasksperchild,
        )
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "Pool")


def _setup_queues(self):
    _setup_queues_orig(self)
    mark_queues(self)


def mark_queues(self):
    """Marks a Pool's task and result pipes (joblib's PicklingPool makes its own queues)."""
    if not state.enabled:
        return
    try:
        # Before any worker starts: forked workers inherit these marks.
        task_chan = channel_hooks.chan_of(self._inqueue._reader)
        result_chan = channel_hooks.chan_of(self._outqueue._reader)
        for conn in (self._inqueue._reader, self._inqueue._writer):
            channel_hooks.mark(conn, channel_hooks.POOL_TASK, task_chan)
        for conn in (self._outqueue._reader, self._outqueue._writer):
            channel_hooks.mark(conn, channel_hooks.POOL_RESULT, result_chan)
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "Pool queues")


def _api_wrapper(api, orig, blocks):
    @functools.wraps(orig)
    def call(self, *args, **kwargs):
        pool = getattr(self, "_ps_pool", None)
        if pool is None or tls.call is not None or not state.enabled:
            return orig(self, *args, **kwargs)  # apply() inside apply_async(), or a pool the agent failed to mark
        outer = state.outer_call
        if outer is not None and outer.pool in (None, pool):
            return _in_outer_call(outer, pool, orig, self, args, kwargs)
        if state.chunksize_override and api in _CHUNKED:
            args, kwargs = override_chunksize(args, kwargs, 2)
        try:
            if api.startswith("imap"):
                tls.call = Call(api, pool, chunksize=_imap_chunksize(args, kwargs))
            else:
                tls.call = Call(api, pool, auto=api in _MAPS and _map_chunksize(args, kwargs) is None)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, api)
            return orig(self, *args, **kwargs)
        try:
            return orig(self, *args, **kwargs)
        finally:
            current, tls.call = tls.call, None
            if blocks and current.id:
                current.end()

    return call


def _in_outer_call(outer, pool, orig, self, args, kwargs):
    # joblib's apply_async, maybe on the pool's result thread: the task is its Parallel() call's.
    outer.pool = pool
    tls.call = outer
    try:
        return orig(self, *args, **kwargs)
    finally:
        tls.call = None


def override_chunksize(args, kwargs, position):
    """(args, kwargs) with `chunksize` set to the sweep's override, wherever it was given."""
    if len(args) > position:
        args = args[:position] + (state.chunksize_override,) + args[position + 1 :]
    else:
        kwargs = dict(kwargs, chunksize=state.chunksize_override)
    return args, kwargs


def _imap_chunksize(args, kwargs):
    # imap/imap_unordered(func, iterable, chunksize=1); map finds its own in MapResult.
    if "chunksize" in kwargs:
        return kwargs["chunksize"]
    return args[2] if len(args) > 2 else 1


def _map_chunksize(args, kwargs):
    # map/starmap(_async)(func, iterable, chunksize=None, ...)
    if "chunksize" in kwargs:
        return kwargs["chunksize"]
    return args[2] if len(args) > 2 else None


def _open(job, chunksize, items):
    current = tls.call
    if current is None:
        return
    try:
        if current.api == "Parallel":  # joblib: one apply_async per batch, all one call
            if not current.id:
                current.open(job, current.chunksize, current.items)
            message_hooks.pool_calls[job] = -current.id
            return
        if current.id:
            return
        current.open(job, chunksize, items)
        message_hooks.pool_calls[job] = -current.id if current.api in _SINGLE_TASK else current.id
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "pool call")


def _ApplyResult_init(self, *args, **kwargs):
    _ApplyResult_init_orig(self, *args, **kwargs)
    if not isinstance(self, _MapResult):  # MapResult.__init__ calls this first
        _open(self._job, 1, 1)


def _MapResult_init(self, pool, chunksize, length, *args, **kwargs):
    _MapResult_init_orig(self, pool, chunksize, length, *args, **kwargs)
    _open(self._job, chunksize, length)


def _IMapIterator_init(self, *args, **kwargs):
    _IMapIterator_init_orig(self, *args, **kwargs)
    current = tls.call
    if current is not None:
        _open(self._job, current.chunksize, None)
