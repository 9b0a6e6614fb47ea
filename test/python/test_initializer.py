"""A pool's or executor's initializer, timed in each worker (`init` META): a loop does its work
once, a pool in every worker (docs/trace-format.md)."""

import pytest

from conftest import START_METHODS

MS = 1_000_000

INITIALIZER = """\
import sys, time
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

TABLE = None

def spin(ms):
    end = time.thread_time() + ms / 1000
    while time.thread_time() < end:
        pass

def load(ms, tag):
    global TABLE
    spin(ms)
    TABLE = tag

def look(i):
    return "%s%d" % (TABLE, i)

if __name__ == "__main__":
    ctx = mp.get_context(sys.argv[1])
    pool = ctx.Pool(2, load, (30, "p"))
    print(pool.map(look, range(4)))
    pool.close()
    pool.join()  # each worker finishes its initializer (terminate() could cut one short)
    with ProcessPoolExecutor(2, ctx, initializer=load, initargs=(60, "e")) as ex:
        print(list(ex.map(look, range(4))))
    try:
        ctx.Pool(1, initializer=3)
    except TypeError as e:
        print("TypeError", e)
"""


@pytest.mark.parametrize("method", START_METHODS)
def test_each_worker_times_its_initializer(runner, method):
    script = runner.script(INITIALIZER)
    done, run = runner.launch(script, method)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == runner.plain(script, method).stdout
    assert b"['p0', 'p1', 'p2', 'p3']" in done.stdout and b"TypeError" in done.stdout
    for role, ms in (("pool-worker", 30), ("executor-worker", 60)):
        workers = run.with_role(role)
        assert len(workers) == 2
        for w in workers:
            (init,) = w.metas("init")
            assert ms * MS <= init["cpu"] <= init["t"] - init["t0"], init
            (user,) = w.metas("user-start")
            first = min(r["t0"] for r in w.of("RUN")) if w.of("RUN") else None
            # After the worker reached user code, before any task of its ran.
            assert user["t"] <= init["t0"] and (first is None or init["t"] <= first)
            assert init.get("wait", 0) >= 0
