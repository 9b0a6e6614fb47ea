"""Page faults on the main process's main thread, once the process has forked (Linux).

After a fork the parent shares its pages with the child, copy-on-write: the first write to each
page afterwards takes a page fault, while the child lives (the page is copied) and after it has
ended (the page is only made writable again). The Python code the parent runs between pool calls
writes to pages everywhere (reference counts), and so does freeing a pool: measured on the
project's machine, a virtual machine where a fault costs 12-25 us, ~2 ms of the parent's CPU per
`with Pool(2)` block went to them, which a loop does not pay.

So from the first fork on, the blocking wrappers read the thread's fault count too (`f` beside
`c`, outside multiprocessing calls), and the cost of one fault is measured once, as that fork
begins: the first touch of 64 fresh pages, a zero-fill fault (`fault-cost` META). A fault that
copies a page costs more, so the host's subtraction (faults x cost) errs on the side of keeping
the parent's work.
"""

import sys
from _thread import get_ident

from . import state
from .state import thread_cpu

_PAGES = 64
_getrusage = _RUSAGE_THREAD = None  # imported at the first fork: most processes never fork


def available():
    """Linux only: getrusage(RUSAGE_THREAD) counts a thread's own faults."""
    return sys.platform.startswith("linux")


def minor():
    """The calling thread's minor page faults so far (once before_fork has run)."""
    return _getrusage(_RUSAGE_THREAD).ru_minflt


def before_fork():
    """os.register_at_fork(before=...): on the main process's main thread, the first fork
    measures a fault's cost and starts the count (inside the multiprocessing call that forks, if
    any: that call's own faults from here on are inside it)."""
    if state.counting_faults or not state.block_cpu or get_ident() != state.block_thread:
        return
    try:
        _import()
        cost, faults = _fault_cost()
        if cost is None:
            return
        state.meta("fault-cost", ns=cost, faults=faults)
        start_counting()
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "fault cost")


def start_counting():
    """Counts the calling thread's faults outside multiprocessing calls from 0 here (a forked
    `Process` child, as its user code starts: every page it writes that it had from its parent
    faults, and its fresh heap too, where a loop would reuse its own)."""
    _import()
    now = minor()
    state.counting_faults, state.faults_base = True, now
    if state.block_depth:
        state.block_f0 = now
        state.user_faults_frozen = 0


def user_faults():
    """The faults counted outside multiprocessing calls so far (the thread that counts)."""
    return minor() - state.blocked_faults - state.faults_base


def _import():
    global _getrusage, _RUSAGE_THREAD
    if _getrusage is None:
        import resource

        _getrusage, _RUSAGE_THREAD = resource.getrusage, resource.RUSAGE_THREAD


def _fault_cost():
    """(ns of CPU per fault, faults measured): the first write to each of _PAGES fresh pages,
    less a second pass over them (the loop's own cost); (None, n) if the pages took no faults."""
    import mmap

    size = _PAGES * mmap.PAGESIZE
    m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE)
    try:
        f0 = minor()
        c0 = thread_cpu()
        for i in range(0, size, mmap.PAGESIZE):
            m[i] = 1
        c1 = thread_cpu()
        faults = minor() - f0
        for i in range(0, size, mmap.PAGESIZE):
            m[i] = 2
        c2 = thread_cpu()
    finally:
        m.close()
    if faults < _PAGES // 2:
        return None, faults
    return max(0, (c1 - c0) - (c2 - c1)) / faults, faults
