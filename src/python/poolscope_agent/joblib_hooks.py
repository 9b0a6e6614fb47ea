"""joblib: `Parallel(n_jobs)(delayed(f)(x) for x in ...)` profiled like a stdlib pool.

Two backends start processes: loky (the default) and `multiprocessing`.

- loky is a copy of concurrent.futures.ProcessPoolExecutor with its own process start
  (popen_loky_posix: fork, then exec `python -m ...popen_loky_posix`) and its own pickler
  (cloudpickle, module `dumps` in loky's queues). The exec'd command gets the agent's boot
  like a spawn child (`-m module` becomes `-c BOOT; runpy._run_module_as_main(module)`,
  which is what `-m` runs); its workers are `_process_worker`, marked as executor workers
  (process_hooks); its executor gets a `pool` META and its work ids go to the call, as in
  executor_hooks. loky's `dumps` leaves its stamps for the wire hook as ForkingPickler.dumps
  does (message_hooks), so SEND records carry the task and result sizes.
- `multiprocessing` is a multiprocessing.pool.Pool subclass (PicklingPool) with its own
  queues and pickler: its queues are marked as Pool.\\_setup_queues' are, and its pickler
  leaves the same stamps.

Parallel.__call__ is one `call` (api `Parallel`) at the user's line: joblib hands out
batches from the pool's result thread too, so the call is found through state.outer_call,
not the thread slot. Nothing here imports joblib: each part is patched when the program
imports it (install.py).
"""

import os

from . import (
    blocking,
    callsite,
    executor_hooks,
    message_hooks,
    patching,
    pool_hooks,
    process_hooks,
    spawn_boot,
    state,
)
from .pool_hooks import Call
from .state import tls

_loky_pools = set()  # task chans of loky executors: reused across calls, never shut down before exit


def patch_package(package):
    """joblib (or standalone loky): its frames are library frames for call sites."""
    callsite.add_library(os.path.dirname(os.path.abspath(package.__file__)))


# -- Parallel() ----------------------------------------------------------------


def patch_parallel(parallel):
    orig = parallel.Parallel.__call__
    patching.replace(parallel.Parallel, "__call__", _in_processes_only(orig, blocking.wrap(_call_wrapper(orig))))
    patching.replace(parallel.Parallel, "__init__", _init_wrapper(parallel.Parallel.__init__))


# Backends that run the calls in worker processes: `--workers N` (POOLSCOPE_WORKERS) sets their
# n_jobs. n_jobs=1 stays: joblib runs that in the calling process, with no pool to override.
_PROCESS_BACKENDS = ("LokyBackend", "MultiprocessingBackend")


def _init_wrapper(orig):
    def __init__(self, *args, **kwargs):
        orig(self, *args, **kwargs)
        if state.enabled and state.workers_override and state.outer_call is None:
            try:
                if type(self._backend).__name__ in _PROCESS_BACKENDS and self.n_jobs != 1:
                    self.n_jobs = state.workers_override
            except Exception as e:  # noqa: BLE001
                state.agent_error(e, "Parallel")

    __init__.__doc__ = orig.__doc__
    return __init__


def _in_processes_only(orig, hooked):
    """A Parallel() call is a multiprocessing call (blocking.wrap: the main thread's CPU and time
    inside it are not the program's own work) where its backend runs the calls in processes; with
    n_jobs=1 or threads the calls run in this process, and the time inside is the program's work."""

    def __call__(self, iterable):
        if state.enabled and _in_processes(self):
            return hooked(self, iterable)
        return orig(self, iterable)

    __call__.__doc__ = orig.__doc__
    return __call__


def _in_processes(parallel):
    try:
        backend = parallel._backend
        return type(backend).__name__ in _PROCESS_BACKENDS and backend.effective_n_jobs(parallel.n_jobs) != 1
    except Exception:  # noqa: BLE001 - another joblib: judged by its call's tasks instead
        return True


def _call_wrapper(orig):
    def __call__(self, iterable):
        if not state.enabled or state.outer_call is not None:
            return orig(self, iterable)  # a Parallel() inside a joblib task: the outer one's
        try:
            batch = getattr(self, "batch_size", None)
            call = Call("Parallel", None, chunksize=batch if type(batch) is int else None, items=_length(iterable))
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "Parallel")
            return orig(self, iterable)
        state.outer_call = call
        try:
            return orig(self, iterable)
        finally:
            state.outer_call = None
            _call_ended(self, call)

    __call__.__doc__ = orig.__doc__
    return __call__


def _call_ended(parallel, call):
    if not call.id:
        return  # nothing went to a process pool (n_jobs=1, the threading backend)
    try:
        cpu = blocking.cpu_field(blocking.user_cpu())
        items = getattr(parallel, "n_dispatched_tasks", None)
        state.meta("call-end", id=call.id, **({"items": items} if type(items) is int else {}), **cpu)
        if call.pool in _loky_pools:
            # The reusable executor outlives the call; its parallel part ends here.
            state.meta("pool-end", pool=call.pool, api="Parallel", t0=state.clock(), **cpu)
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "Parallel")


def _length(iterable):
    try:
        return len(iterable)
    except TypeError:  # a generator, as usual: call-end has the count
        return None


def patch_backends(backends):
    message_hooks.set_batch_wrapper(backends.SafeFunction)


# -- the multiprocessing backend -------------------------------------------------


def patch_pool(pool):
    patching.replace(pool.PicklingPool, "_setup_queues", _pickling_setup_queues(pool.PicklingPool._setup_queues))
    patching.replace(pool, "CustomizablePickler", _stamping_pickler(pool.CustomizablePickler))


def _pickling_setup_queues(orig):
    def _setup_queues(self):
        orig(self)
        pool_hooks.mark_queues(self)

    return _setup_queues


def _stamping_pickler(base):
    class CustomizablePickler(base):
        # CustomizablePicklingQueue pickles into a BytesIO, then writes its value with
        # send_bytes: the stamps wait for that write (message_hooks._send_bytes).
        def __init__(self, writer, *args, **kwargs):
            super().__init__(writer, *args, **kwargs)
            self._ps_writer = writer

        def dump(self, obj):
            if not state.enabled:
                return super().dump(obj)
            t0 = state.clock()
            cpu = message_hooks.end_clocks() if state.task_cpu else 0
            start = self._ps_writer.tell()
            result = super().dump(obj)
            tls.out = (obj, self._ps_writer.tell() - start, t0, state.clock(), cpu)
            return result

    CustomizablePickler.__qualname__ = base.__qualname__
    CustomizablePickler.__module__ = base.__module__
    return CustomizablePickler


# -- loky ------------------------------------------------------------------------


def patch_loky_queues(queues):
    patching.replace(queues, "dumps", _stamping_dumps(queues.dumps))


def _stamping_dumps(orig):
    def dumps(obj, *args, **kwargs):
        if not state.enabled:
            return orig(obj, *args, **kwargs)
        t0 = state.clock()
        # A worker's result is pickled on the thread that computed it: its CPU time so far.
        cpu = message_hooks.end_clocks() if state.task_cpu else 0
        buf = orig(obj, *args, **kwargs)
        tls.out = (obj, len(buf), t0, state.clock(), cpu)
        return buf

    return dumps


def patch_loky_executor(process_executor):
    executor = process_executor.ProcessPoolExecutor
    init_orig = executor.__init__

    def __init__(self, *args, **kwargs):
        if not state.enabled:
            return init_orig(self, *args, **kwargs)
        file, line = callsite.user_site()
        t0 = state.clock()
        c = blocking.user_cpu()
        init_orig(self, *args, **kwargs)
        try:
            _instrument(self, file, line, t0, c)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "loky executor")

    patching.replace(executor, "__init__", blocking.wrap(__init__))
    patching.replace(executor, "shutdown", pool_hooks.lifecycle_wrapper("shutdown", executor.shutdown))


def _instrument(self, file, line, t0, c):
    # Workers start at the first submit, after this: they find their ends marked (process_hooks).
    task_chan = executor_hooks.instrument(
        self,
        (file, line, t0, c),
        start_method=self._context.get_start_method(),
        maxtasksperchild=None,
        call_of=_submitting_call,
        what="loky submit",
    )
    _loky_pools.add(task_chan)


def _submitting_call(task_chan):
    # submit() puts each work id under its lock; joblib submits from its result thread too, where
    # only the Parallel call in progress (state.outer_call) says whose it is.
    current = tls.call or state.outer_call
    if current is None or current.pool not in (None, task_chan):
        return None
    current.pool = task_chan
    return current


def patch_fork_exec(fork_exec):
    orig = fork_exec.fork_exec

    def fork_exec_(cmd, *args, **kwargs):
        if state.enabled:
            try:
                booted = _with_boot(cmd)
                if booted is None:
                    tls.unprofiled = " ".join(map(str, cmd))[:200]  # process_hooks' `start` says so
                else:
                    cmd = booted
            except Exception as e:  # noqa: BLE001 - the worker then runs unprofiled
                state.agent_error(e, "loky command line")
        return orig(cmd, *args, **kwargs)

    patching.replace(fork_exec, "fork_exec", fork_exec_)


def _with_boot(cmd):
    """[python, -m, module, args...] as [python, -c, BOOT + run module, args...]; None for
    a worker command of another shape."""
    import runpy

    if "-c" in cmd:
        return cmd  # loky's resource tracker: a helper, run unprofiled like multiprocessing's
    if len(cmd) < 3 or cmd[1] != "-m" or not hasattr(runpy, "_run_module_as_main"):
        return None
    program = "__import__('runpy')._run_module_as_main(%r)\n" % cmd[2]
    return spawn_boot.with_boot([cmd[0], "-c", program] + list(cmd[3:]), "loky")


def patch_loky_popen(popen):
    patching.replace(popen.Popen, "poll", process_hooks.make_poll(popen.Popen.poll))

