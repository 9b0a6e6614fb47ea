"""blocking.wrap in this process, its clocks replaced: what lands inside a multiprocessing call's
span (the agent's own reads) and what a per-item call reads (one in ITEM_SKIPS + 1 while short)."""

import sys
import time
from _thread import get_ident

import pytest

from conftest import AGENT_DIR

sys.path.insert(0, AGENT_DIR)

from poolscope_agent import blocking, callsite, pool_hooks, state  # noqa: E402

MS = 1_000_000


@pytest.fixture
def thread(monkeypatch):
    """This thread as the one whose calls are counted (a task's, or a Process child's)."""
    for name, value in (
        ("block_thread", get_ident()),
        ("block_depth", 0),
        ("blocked", 0),
        ("block_waits", True),
        ("blocked_wait", 0),
        ("block_cpu", False),
        ("blocked_cpu", 0),
        ("item_skips", 0),
        ("counting_faults", False),
    ):
        monkeypatch.setattr(state, name, value, raising=False)
    reads = []

    def slow_run_delay():
        # A read of the run-queue wait that takes 2 ms, as a pread of schedstat takes ~10 us here.
        end = time.perf_counter() + 0.002
        while time.perf_counter() < end:
            pass
        reads.append(1)
        return 0

    monkeypatch.setattr(blocking, "run_delay", slow_run_delay)
    return reads


def test_the_agents_reads_are_inside_the_calls_span(thread):
    call = blocking.wrap(lambda: 7)
    assert call() == 7
    assert len(thread) == 2
    # Both 2 ms reads: the agent's cost, not the task's work (the exit read was outside: ~2 ms).
    assert state.blocked >= 4 * MS, state.blocked


def test_short_per_item_calls_are_read_one_in_sixteen(thread, monkeypatch):
    blocking.wrap(lambda: None, per_item=True)()  # read in full: 4 ms of reads, not short
    assert len(thread) == 2 and state.item_skips == 0
    reads = []
    monkeypatch.setattr(blocking, "run_delay", lambda: reads.append(1) or 0)  # reads that cost nothing
    fast = blocking.wrap(lambda: None, per_item=True)
    spans = state.blocked
    for _ in range(1 + blocking.ITEM_SKIPS):
        fast()
    assert len(reads) == 2  # the first, short: the 15 after it go unread
    assert state.item_skips == 0 and state.blocked > spans  # their spans are counted all the same
    fast()
    assert len(reads) == 4  # read again
    # An unread call that takes long has the next one read.
    state.item_skips = 3
    blocking.wrap(lambda: time.sleep(0.001), per_item=True)()
    assert state.item_skips == 0


def test_a_lock_got_at_once_is_no_wait(thread):
    calls = []
    free = [True]

    def acquire(block=True, timeout=None):
        calls.append(block)
        return free[0] or block  # a blocking acquire of a held lock waits, then gets it

    assert blocking._try_first(acquire)() is True
    assert calls == [False] and state.blocked == 0 and thread == []
    # Held: the try fails, and the wait goes through the wrapper.
    calls.clear()
    free[0] = False
    assert blocking._try_first(acquire)() is True
    assert calls == [False, True] and state.blocked > 0 and len(thread) == 2
    # A try of the caller's own is a try.
    calls.clear()
    assert blocking._try_first(acquire)(False) is False
    assert calls == [False]


def spin_cpu(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_the_agents_bookkeeping_around_a_pool_call_is_not_the_callers_work(thread, monkeypatch):
    """Finding a map's call site and writing its METAs run on the caller's thread: counted as
    inside a multiprocessing call, they leave the parent's own work (`c`) alone."""
    monkeypatch.setattr(state, "block_cpu", True)
    monkeypatch.setattr(state, "block_waits", False)
    monkeypatch.setattr(blocking, "run_delay", lambda: -1)
    metas = []
    monkeypatch.setattr(state, "meta", lambda kind, **fields: metas.append((kind, fields)))

    def slow_site():  # 5 ms of the agent's CPU
        spin_cpu(0.005)
        return "app.py", 12

    monkeypatch.setattr(callsite, "user_site", slow_site)
    c0 = blocking.user_cpu()[0]
    call = pool_hooks.Call("map", 3)
    call.open(1, 4, 8)
    call.end()
    c1 = blocking.user_cpu()[0]
    assert [k for k, _ in metas] == ["call", "call-end"]
    # Read as the bookkeeping began; the 5 ms spent finding the call site are in neither, nor after.
    assert 0 <= metas[0][1]["c"] - c0 < MS // 2 and 0 <= metas[1][1]["c"] - c0 < MS // 2, metas
    assert c1 - c0 < MS, (c1 - c0) / MS
