"""A worker's clocks per task (RUN's `cpu`, `wait` and `pcpu`, docs/trace-format.md): all three
read for a task after one that computed for 2 ms or more, and for one task in 16 otherwise; the
thread's CPU clock alone for the other tasks after one of 200 us or more; NO_CPU otherwise."""

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
    cpu_rule, full_rule = _by_the_rule(runs)
    assert read == cpu_rule
    assert [k for k, r in enumerate(runs) if r["pcpu"] != NO_CPU] == full_rule
    assert [k for k, r in enumerate(runs) if r["wait"] != NO_CPU] == full_rule  # Linux: schedstat
    # Undisturbed that is tasks 0, 16, 32, 41, 42 and 43; a preempted tiny task reads the next one.
    assert {0, 41, 42, 43} <= set(read)
    assert len(read) < 20
    for k in read:
        assert 0 < runs[k]["cpu"] <= runs[k]["t1"] - runs[k]["t0"] + 1e6
    for k in full_rule:
        r = runs[k]
        # The process's CPU clock covers the thread's; the wait fits in the wall time; no
        # multiprocessing call was made inside the task.
        assert r["pcpu"] >= r["cpu"] - 1e6
        assert 0 <= r["wait"] <= r["t1"] - r["t0"] + 1e6
        assert r["blocked"] == 0
        assert 0 <= r["gc"] <= r["t1"] - r["t0"]


def _by_the_rule(runs):
    """The tasks whose CPU time the rule reads and those read in full, from their compute wall
    times (which a busy machine can stretch past 200 us for a tiny task)."""
    cpu, full, skipped, last = [], [], 0, None
    for k, r in enumerate(runs):
        if last is None or last >= 2_000_000 or skipped + 1 >= 16:
            cpu.append(k)
            full.append(k)
            skipped = 0
        else:
            skipped += 1
            if last >= 200_000:
                cpu.append(k)
        last = r["t1"] - r["t0"]
    return cpu, full
