"""What the scheduler knows of a thread: how long it sat runnable, waiting for a CPU.

Linux keeps it per thread in /proc/<pid>/task/<tid>/schedstat ("on-CPU ns, run-queue
wait ns, timeslices"). A thread's run-queue wait only grows while it is not running, so
two reads made by the thread itself bracket exactly the wait in between. The file is
opened once per thread that asks and re-read with pread (~1.5 us); a forked child opens
its own. Elsewhere (no such file) the wait is unknown: run_delay() returns -1.
"""

import os
import threading

from . import oslayer

_fds = {}  # native thread id -> open fd of its schedstat, in this process
_pid = 0
_native_id = getattr(threading, "get_native_id", None)
_available = _native_id is not None and oslayer.has_schedstat()


def run_delay():
    """ns the calling thread has waited runnable since it started; -1 where unknown."""
    if not _available:
        return -1
    global _pid
    tid = _native_id()
    fd = _fds.get(tid)
    try:
        if fd is None or _pid != os.getpid():
            if _pid != os.getpid():
                _fds.clear()  # a forked child: the parent's fds name the parent's threads
                _pid = os.getpid()
            fd = _fds[tid] = oslayer.open_schedstat()
        return oslayer.read_run_delay(fd)
    except (OSError, ValueError, IndexError):
        return -1
