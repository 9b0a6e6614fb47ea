"""A process's life: `start` in the parent, role / `user-start` / `exit` in the child,
`reaped` when the parent sees it end, and a new event file in every forked child.

How a child gets here, per start method:
- fork: os.register_at_fork(after_in_child) gives it a new identity (its first record
  opens its own file); Popen_fork then calls BaseProcess._bootstrap, patched here.
- spawn: the `-c` program is prefixed with the agent's boot (spawn_boot), which writes
  the `process` META at once; spawn._main then calls _bootstrap.
- forkserver: the server's own `-c` program gets the same prefix; the children it forks
  go through the fork hook, then spawn._main -> _bootstrap.
fork and forkserver children end in os._exit right after _bootstrap (atexit never runs
there), so `exit` is written when _bootstrap returns.
"""

import atexit
import os

from _thread import get_ident

from . import blocking, callsite, channel_hooks, faults, guard, oslayer, patching, sampling, sched, state
from .state import tls

_start_orig = _bootstrap_orig = _join_orig = None


def patch_process(process):
    global _start_orig, _bootstrap_orig, _join_orig
    _start_orig = patching.replace(process.BaseProcess, "start", blocking.wrap(_start))
    _bootstrap_orig = patching.replace(process.BaseProcess, "_bootstrap", _bootstrap)
    _join_orig = patching.replace(process.BaseProcess, "join", blocking.wrap(_join))


def _user_end():
    if state.enabled and state.role == "process" and not state.user_end_written and not state.exit_written:
        try:
            write_user_end()
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "user-end")


def write_user_end():
    """A `Process` child's user code returned: its span's waits (docs/trace-format.md)."""
    state.user_end_written = True
    fields = {"blocked": state.blocked}
    wait = sched.run_delay() if get_ident() == state.block_thread else -1
    if wait >= 0 and state.user_wait >= 0:  # outside the blocked time, as in RUN
        fields["wait"] = max(0, wait - state.user_wait - state.blocked_wait)
    if state.counting_faults and get_ident() == state.block_thread:
        fields["faults"] = faults.user_faults()
    state.meta("user-end", **fields)


def patch_popen_fork(popen_fork):
    # popen_spawn_posix.Popen inherits this poll().
    patching.replace(popen_fork.Popen, "poll", make_poll(popen_fork.Popen.poll))


def patch_popen_forkserver(popen_forkserver):
    patching.replace(popen_forkserver.Popen, "poll", make_poll(popen_forkserver.Popen.poll))


# -- parent side --------------------------------------------------------------


def _start(self):
    if not state.enabled:
        return _start_orig(self)
    try:
        guard.before_start(self)
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "start")
    t0 = state.clock()
    c = blocking.user_cpu()
    tls.unprofiled = None
    try:
        _start_orig(self)
    except BaseException:
        guard.after_failed_start()
        raise
    t1 = state.clock()
    # A child its start method ran without the agent (joblib_hooks): named by its command.
    unprofiled, tls.unprofiled = tls.unprofiled, None
    try:
        method = getattr(self._popen, "method", None)
        file, line = callsite.user_site()
        state.meta(
            "start",
            child=self.pid,
            t0=t0,
            t1=t1,
            **blocking.cpu_field(c),
            name=self.name if unprofiled is None else unprofiled,
            startMethod=method,
            file=file,
            line=line,
            **({} if unprofiled is None else {"role": "uninstrumented"}),
        )
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "start")


def _join(self, timeout=None):
    """`join` when the child has ended: where a plain Process's parallel part ends for its parent."""
    if not state.enabled or getattr(self, "_ps_joined", False):
        return _join_orig(self, timeout)
    t0 = state.clock()
    c = blocking.user_cpu()
    _join_orig(self, timeout)
    try:
        if self._popen is not None and self._popen.returncode is not None:
            self._ps_joined = True
            state.meta("join", child=self.pid, t0=t0, **blocking.cpu_field(c))
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "join")


def make_poll(poll_orig):
    def poll(self, flag=os.WNOHANG):
        code = poll_orig(self, flag)
        if code is not None and state.enabled and "_ps_reaped" not in self.__dict__:
            self._ps_reaped = True
            try:
                state.meta("reaped", child=self.pid, code=code)
                if code != 0:
                    guard.after_child_failed()
            except Exception as e:  # noqa: BLE001
                state.agent_error(e, "poll")
        return code

    poll.__doc__ = poll_orig.__doc__
    return poll


# -- child side ---------------------------------------------------------------


def _bootstrap(self, parent_sentinel=None):
    if state.enabled:
        try:
            _enter_child(self)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "child start")
    code = _bootstrap_orig(self, parent_sentinel)
    if state.enabled:
        try:
            write_exit(code)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "child exit")
    return code


def _enter_child(proc):
    target = getattr(proc, "_target", None)
    args = getattr(proc, "_args", ())
    role, pool = _role_of(target, args)
    state.role, state.name, state.parent_pid = role, proc.name, proc._parent_pid
    state.is_worker = role in ("pool-worker", "executor-worker")
    if state.is_worker:
        import gc

        if blocking.gc_callback not in gc.callbacks:
            gc.callbacks.append(blocking.gc_callback)
    if role == "manager":
        state.no_user_messages = True
    state.meta(
        "role",
        role=role,
        pool=pool,
        target=_qualified_name(target, proc),
        name=proc.name,
        parentPid=proc._parent_pid,
    )
    # User code starts when _bootstrap calls run(), after multiprocessing's own set-up in the
    # child (its after-fork hooks, stdin, the parent sentinel: ~2.5 ms in a fresh fork, measured),
    # which is part of starting the process and not of its work. An instance attribute: a
    # subclass's own run() is found through it too.
    proc.run = _user_code(proc.run, role)


def _user_code(run, role):
    """run() between `user-start` and `user-end`: what follows it (util._exit_function's
    finalizers, flushing; from 3.13 called from atexit) is exit work, not user code."""

    def run_user_code():
        _user_start(role)
        try:
            return run()
        finally:
            _user_end()

    return run_user_code


def _user_start(role):
    # ns this new process sat runnable, waiting for a CPU, since it was created: on a busy machine
    # much of a start-up is this wait, not the cost of starting (a new task's count starts at 0).
    wait = sched.run_delay()
    if role == "process":
        # Its whole life is its "task": its waits on queues, locks and Managers are counted.
        state.block_thread = get_ident()
        state.user_wait = wait
        state.block_waits = wait >= 0
        if state.started_by == "fork" and faults.available():
            try:
                faults.start_counting()
            except Exception as e:  # noqa: BLE001
                state.agent_error(e, "fault count")
    if wait >= 0:
        state.meta("user-start", wait=wait)
    else:
        state.meta("user-start")


_EXECUTOR_MODULES = ("concurrent.futures.process", "joblib.externals.loky.process_executor", "loky.process_executor")


def _role_of(target, args):
    """(role, chan of its task pipe) from what the child will run; marks its pipe ends."""
    module = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", "")
    if module == "multiprocessing.pool" and qualname == "worker":
        inqueue, outqueue = args[0], args[1]
        chan = channel_hooks.chan_of(inqueue._reader)
        channel_hooks.mark(inqueue._reader, channel_hooks.POOL_TASK, chan)
        channel_hooks.mark(outqueue._writer, channel_hooks.POOL_RESULT)
        return "pool-worker", chan
    # loky's executor (joblib's default backend) is a copy of concurrent.futures'.
    if qualname == "_process_worker" and module in _EXECUTOR_MODULES:
        call_queue, result_queue = args[0], args[1]
        chan = channel_hooks.chan_of(call_queue._reader)
        channel_hooks.mark(call_queue._reader, channel_hooks.EXEC_TASK, chan)
        channel_hooks.mark(result_queue._writer, channel_hooks.EXEC_RESULT)
        return "executor-worker", chan
    if module == "multiprocessing.managers" and qualname.endswith("._run_server"):
        return "manager", None
    return "process", None


def _qualified_name(target, proc):
    if target is None:  # a Process subclass overriding run()
        kind = type(proc)
        return "%s.%s.run" % (kind.__module__, kind.__qualname__)
    module = getattr(target, "__module__", None) or "?"
    return "%s.%s" % (module, getattr(target, "__qualname__", repr(target)))


def write_exit(code):
    if state.exit_written:
        return
    state.exit_written = True
    cpu_user, cpu_system, max_rss = oslayer.process_usage()
    sampling.flush()  # unrecorded messages' counts; multiprocessing's exit work may add a later one
    extra = {}
    if state.role == "process":
        # Since user code began, on its main thread: waiting for a CPU, and blocked in
        # multiprocessing calls (blocking.py). Neither is work a plain loop would do.
        wait = sched.run_delay() if get_ident() == state.block_thread else -1
        if wait >= 0 and state.user_wait >= 0:  # outside the blocked time, as in RUN
            extra["wait"] = max(0, wait - state.user_wait - state.blocked_wait)
        extra["blocked"] = state.blocked
    state.meta("exit", code=code, cpuUser=cpu_user, cpuSystem=cpu_system, maxRss=max_rss, **extra)


# -- every process ------------------------------------------------------------


def after_fork_in_child():
    if not state.enabled:
        return
    try:
        state.reset_for_child("forkserver" if state.role == "forkserver" else "fork")
        sampling.forget_after_fork()
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "fork")


def patch_util(util):
    """util._exit_function joins the queues' feeder threads, which may still be sending. Up to
    3.12 a child runs it inside _bootstrap, before its `exit` META; from 3.13 it runs from atexit,
    after: the messages sent then were neither recorded nor counted (1 in 1250 of a flood from a
    fast producer). Wrapped, it writes their counts after it (a second `msg-counts`). The wrapper
    takes the original's place in atexit, where nothing has been registered after it yet."""
    orig = util._exit_function

    def _exit_function(*args, **kwargs):
        try:
            return orig(*args, **kwargs)
        finally:
            if state.enabled and state.exit_written:
                try:
                    sampling.flush()
                except Exception as e:  # noqa: BLE001
                    state.agent_error(e, "exit counts")

    _exit_function.__wrapped__ = orig
    patching.replace(util, "_exit_function", _exit_function)
    atexit.unregister(orig)
    atexit.register(_exit_function)


def exit_at_interpreter_end():
    """For processes that end through the interpreter (main, fork server), not _bootstrap."""
    owner = os.getpid()

    def at_exit():
        if os.getpid() == owner and state.enabled:
            try:
                write_exit(0 if state.exit_code is None else state.exit_code)
            except Exception as e:  # noqa: BLE001
                state.agent_error(e, "exit")

    atexit.register(at_exit)
