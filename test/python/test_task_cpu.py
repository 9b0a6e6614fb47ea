"""A worker's CPU time per task (RUN's `cpu`, docs/trace-format.md): read for every task after a
task that computed for 200 us or more, for one in 16 after a shorter one, NO_CPU otherwise."""

import pytest

from conftest import START_METHODS

NO_CPU = 2**64 - 1
LONG_MS = 5

SCRIPT = """\
import sys, time
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

def work(ms):
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass
    return ms

if __name__ == "__main__":
    api, ctx, tiny, long_ms = sys.argv[1], mp.get_context(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    plan = [0] * tiny + [long_ms] * 3 + [0] * 2
    with ctx.Pool(1) if api == "Pool" else ProcessPoolExecutor(1, mp_context=ctx) as pool:
        print(sum(pool.map(work, plan, chunksize=1)))
"""


@pytest.mark.parametrize("api", ["Pool", "ProcessPoolExecutor"])
@pytest.mark.parametrize("method", START_METHODS)
def test_tiny_tasks_read_the_cpu_clock_one_in_16(runner, method, api):
    script = runner.script(SCRIPT)
    args = (api, method, "40", str(LONG_MS))
    done, run = runner.launch(script, *args)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == runner.plain(script, *args).stdout
    (worker,) = run.with_role("pool-worker" if api == "Pool" else "executor-worker")
    # In the order computed: a Pool task's index, an executor task's work id.
    runs = sorted(worker.of("RUN"), key=lambda r: r["index"] if api == "Pool" else r["job"])
    assert len(runs) == 45
    read = [k for k, r in enumerate(runs) if r["cpu"] != NO_CPU]
    assert read == _by_the_rule(runs)
    # Undisturbed that is tasks 0, 16, 32, 41, 42 and 43; a preempted tiny task reads the next one.
    assert {0, 41, 42, 43} <= set(read)
    assert len(read) < 20
    for k in read:
        assert 0 < runs[k]["cpu"] <= runs[k]["t1"] - runs[k]["t0"] + 1e6


def _by_the_rule(runs):
    """The tasks whose CPU time the rule reads, from their compute wall times (which a busy
    machine can stretch past 200 us for a tiny task)."""
    read, skipped, last = [], 0, None
    for k, r in enumerate(runs):
        if last is None or last >= 200_000 or skipped + 1 >= 16:
            read.append(k)
            skipped = 0
        else:
            skipped += 1
        last = r["t1"] - r["t0"]
    return read
