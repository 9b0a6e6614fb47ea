"""Page faults after a fork (faults.py, docs/trace-format.md): the `fault-cost` META, the main
thread's `f` beside `c`, a forked `Process` child's `faults` in `user-end`; and the per-item calls
(a Queue.put's free slot, a message received) that cost the program nothing to account."""

import pytest

from conftest import START_METHODS

MS = 1_000_000

TOUCH = """\
import sys
import multiprocessing as mp

def double(x):
    return 2 * x

def child(block, q):
    for i in range(0, len(block), 4096):
        block[i] = 2  # every page it had from its parent
    for i in range(3000):
        q.put(i)  # a free slot each time: no wait
    q.put(None)

if __name__ == "__main__":
    ctx = mp.get_context(sys.argv[1])
    block = bytearray(b"x" * (16 << 20))  # 4096 pages, touched before any fork
    with ctx.Pool(2) as pool:
        print(sum(pool.map(double, range(4))))
        for i in range(0, len(block), 4096):
            block[i] = 1  # shared with the forked workers: one copy-on-write fault a page
        print(sum(pool.map(double, range(4))))
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(block, q))
    p.start()
    n = 0
    while q.get() is not None:
        n += 1
    p.join()
    print(n)
"""


@pytest.mark.parametrize("method", START_METHODS)
def test_faults_after_a_fork_are_counted_and_a_free_slot_is_no_wait(runner, method):
    script = runner.script(TOUCH)
    done, run = runner.launch(script, method)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == runner.plain(script, method).stdout
    costs = run.main.metas("fault-cost")
    (child,) = run.with_role("process")
    (end,) = child.metas("user-end")
    # 3000 puts, each taking a free slot of the queue's semaphore: no time inside a wait. Measured:
    # 0; 32-37 ms when the accounting around each put (~11 us) counted as blocked.
    assert end["blocked"] < 5 * MS, end
    if method != "fork":
        # Spawn and forkserver children are not forked by the main process: nothing to count.
        assert costs == [] and all("f" not in m for m in run.main.metas("call"))
        assert "faults" not in end
        return
    (cost,) = costs
    assert cost["faults"] >= 32 and 0 < cost["ns"] < MS, cost  # a fault costs 0.1-25 us
    first, second = run.main.metas("call")
    first_end = next(m for m in run.main.metas("call-end") if m["id"] == first["id"])
    # Between the two maps the parent wrote 4096 pages it shared with its workers.
    assert 4096 <= second["f"] - first_end["f"] <= 4096 + 1000, (first_end, second)
    assert second["c"] - first_end["c"] >= 4096 * cost["ns"] * 0.5  # their CPU is in `c`
    # The child wrote the 4096 pages it had from its parent.
    assert 4096 <= end["faults"] <= 4096 + 2000, end
