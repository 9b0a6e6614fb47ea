"""Starting the agent in a process: the main (from the launcher) or a child (from the
spawn / fork-server boot). Forked children need nothing: they inherit all of it and
process_hooks.after_fork_in_child gives them their own file."""

import os
from _thread import get_ident

from . import (
    blocking,
    channel_hooks,
    child_hooks,
    codecache,
    executor_hooks,
    faults,
    queue_hooks,
    guard,
    importhook,
    joblib_hooks,
    manager_hooks,
    message_hooks,
    pool_hooks,
    process_hooks,
    spawn_boot,
    state,
)

# What to patch, when each module is first imported.
_PATCHES = (
    ("multiprocessing.process", process_hooks.patch_process),
    ("multiprocessing.context", guard.patch_context),
    ("multiprocessing.reduction", message_hooks.patch_reduction),
    ("multiprocessing.connection", channel_hooks.patch_connection),
    ("multiprocessing.connection", message_hooks.patch_connection),
    ("multiprocessing.connection", blocking.patch_connection),
    ("multiprocessing.connection", blocking.patch_pipe),
    ("multiprocessing.queues", channel_hooks.patch_queues),
    ("multiprocessing.queues", message_hooks.patch_queues),
    ("multiprocessing.queues", queue_hooks.patch_queues),
    ("multiprocessing.queues", blocking.patch_queues),
    ("multiprocessing.synchronize", blocking.patch_synchronize),
    ("multiprocessing.sharedctypes", blocking.patch_sharedctypes),
    ("multiprocessing.shared_memory", blocking.patch_shared_memory),
    ("multiprocessing.pool", pool_hooks.patch),
    ("multiprocessing.managers", manager_hooks.patch),
    ("multiprocessing.managers", blocking.patch_managers),
    ("multiprocessing.spawn", spawn_boot.patch_spawn),
    ("multiprocessing.util", spawn_boot.patch_util),
    ("multiprocessing.util", process_hooks.patch_util),
    ("multiprocessing.popen_fork", process_hooks.patch_popen_fork),
    ("multiprocessing.popen_forkserver", process_hooks.patch_popen_forkserver),
    ("concurrent.futures.process", executor_hooks.patch),
    ("subprocess", child_hooks.patch_subprocess),
    # joblib: its default backend is its copy of loky; loky also ships on its own.
    ("joblib", joblib_hooks.patch_package),
    ("joblib.parallel", joblib_hooks.patch_parallel),
    ("joblib._parallel_backends", joblib_hooks.patch_backends),
    ("joblib.pool", joblib_hooks.patch_pool),
    ("loky", joblib_hooks.patch_package),
)
for _loky in ("joblib.externals.loky", "loky"):
    _PATCHES += (
        (_loky + ".backend.queues", joblib_hooks.patch_loky_queues),
        (_loky + ".backend.fork_exec", joblib_hooks.patch_fork_exec),
        (_loky + ".backend.popen_loky_posix", joblib_hooks.patch_loky_popen),
        (_loky + ".process_executor", joblib_hooks.patch_loky_executor),
    )


def _install_hooks():
    importhook.install()
    for name, patch in _PATCHES:
        importhook.when_imported(name, patch)
    if hasattr(os, "register_at_fork"):
        if state.is_main and faults.available():
            os.register_at_fork(before=faults.before_fork)
        os.register_at_fork(after_in_child=process_hooks.after_fork_in_child)


def start_main(run_dir, agent_dir, workers, run_meta, chunksize=None):
    state.agent_code = codecache.origin
    state.start(run_dir, agent_dir, None, workers, chunksize)
    state.is_main = True
    state.role, state.name = "main", "MainProcess"
    # The parent's own work: its main thread's CPU outside multiprocessing calls (blocking.py).
    state.block_thread, state.block_cpu = get_ident(), True
    state.run_meta = run_meta
    _install_hooks()
    state.rec.open_now()  # `run` and `process` first, before the script runs
    process_hooks.exit_at_interpreter_end()


def start_child(run_dir, agent_dir, kind, workers, agent_code, chunksize=None):
    """kind: 'spawn' (a spawned child) or 'forkserver' (the fork server itself)."""
    state.agent_code = agent_code
    state.start(run_dir, agent_dir, kind, workers, chunksize)
    state.parent_pid = os.getppid()  # spawn: the OS parent is the multiprocessing parent
    if kind == "forkserver":
        state.role, state.name = "forkserver", "ForkServer"
        process_hooks.exit_at_interpreter_end()
    _install_hooks()
    # Written now, so a child that dies while re-importing the main script still shows.
    state.rec.open_now()
