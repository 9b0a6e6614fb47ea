"""joblib.Parallel through the real agent: Debian's python3-joblib under /usr/bin/python3
(PyPI is out of reach; .ci/run installs the package). Not skipped when joblib is missing:
the module fails with the way to install it."""

import subprocess

import pytest

from conftest import between_pools, line_of

JOBLIB_PYTHON = "/usr/bin/python3"

_probe = subprocess.run([JOBLIB_PYTHON, "-c", "import joblib"], capture_output=True, text=True)
if _probe.returncode != 0:
    raise RuntimeError(
        "these tests need joblib for %s: apt-get install -y python3-joblib (%s)"
        % (JOBLIB_PYTHON, _probe.stderr.strip().splitlines()[-1:])
    )

EXEC_TASK, EXEC_RESULT, POOL_TASK, POOL_RESULT = 3, 4, 1, 2

SCRIPT = """\
import sys
from joblib import Parallel, delayed


def work(x):
    return [x] * 50, sum(i * i for i in range(x))


if __name__ == "__main__":
    out = Parallel(n_jobs=2%(backend)s)(delayed(work)(x) for x in range(120))  # PARALLEL
    print(len(out), sum(s for _, s in out))
    sys.exit(5)
"""


@pytest.mark.parametrize(
    "backend, task_kind, result_kind, worker_role",
    [
        ("", EXEC_TASK, EXEC_RESULT, "executor-worker"),  # loky, joblib's default
        (', backend="multiprocessing"', POOL_TASK, POOL_RESULT, "pool-worker"),
    ],
    ids=["loky", "multiprocessing"],
)
def test_parallel_is_profiled_like_a_pool(runner, backend, task_kind, result_kind, worker_role):
    script = runner.script(SCRIPT % {"backend": backend})
    plain = runner.plain(script, python=JOBLIB_PYTHON)
    done, run = runner.launch(script, python=JOBLIB_PYTHON)
    assert plain.returncode == 5, plain.stderr
    assert (done.returncode, done.stdout, done.stderr) == (plain.returncode, plain.stdout, plain.stderr)

    main = run.main
    line = line_of(script, "# PARALLEL")
    (pool,) = main.metas("pool")
    assert (pool["file"], pool["line"], pool["workers"]) == (script, line, 2)
    (call,) = main.metas("call")
    assert (call["api"], call["file"], call["line"], call["pool"]) == ("Parallel", script, line, pool["id"])
    (end,) = main.metas("call-end")
    assert (end["id"], end["items"]) == (call["id"], 120)

    # Every task the parent sent belongs to the call; its batches hold all 120 items.
    tasks = [r for r in main.of("SEND") if r["kind"] == task_kind]
    assert tasks and all(r["call"] == call["id"] and r["chan"] == pool["id"] for r in tasks)
    assert sum(r["items"] for r in tasks) == 120
    assert all(r["bytes"] > 0 for r in tasks)
    results = [r for r in main.of("RECV") if r["kind"] == result_kind]
    assert len(results) == len(tasks) and all(r["ok"] == 1 for r in results)

    # Both workers are instrumented: each task ran (RUN) in one of them and its result was sent.
    workers = run.with_role(worker_role)
    assert len(workers) == 2
    runs = [r for w in workers for r in w.of("RUN")]
    sent = [r for w in workers for r in w.of("SEND") if r["kind"] == result_kind]
    assert len(runs) == len(sent) == len(tasks)
    assert sorted(r["bytes"] for r in sent) == sorted(r["bytes"] for r in results)
    assert all(r["t1"] >= r["t0"] for r in runs)
    # No joblib-internal pipe is mistaken for the user's own traffic, and nothing ran unprofiled.
    assert main.metas("channel") == []
    assert [m for m in main.metas("start") if m.get("role") == "uninstrumented"] == []
    assert run.metas("agent-error") == []


OVERRIDE = """\
from joblib import Parallel, delayed


def square(x):
    return x * x


if __name__ == "__main__":
    print(sum(Parallel(n_jobs=2%(backend)s)(delayed(square)(x) for x in range(40))))  # TWO
    print(sum(Parallel(n_jobs=1)(delayed(square)(x) for x in range(40))))  # ONE
"""


@pytest.mark.parametrize("backend", ["", ', backend="multiprocessing"'], ids=["loky", "multiprocessing"])
def test_workers_override_sets_n_jobs(runner, backend):
    # `poolscope profile --workers 3` / `sweep`: a process backend's n_jobs becomes 3; n_jobs=1
    # (run by joblib in the calling process, no pool) stays as it is.
    script = runner.script(OVERRIDE % {"backend": backend})
    plain = runner.plain(script, python=JOBLIB_PYTHON)
    done, run = runner.launch(script, python=JOBLIB_PYTHON, env={"POOLSCOPE_WORKERS": "3"})
    assert (done.returncode, done.stdout, done.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    (pool,) = run.main.metas("pool")
    assert (pool["line"], pool["workers"]) == (line_of(script, "# TWO"), 3)
    (call,) = run.main.metas("call")
    assert call["line"] == line_of(script, "# TWO")
    assert run.metas("agent-error") == []


def test_a_python_started_by_subprocess_is_named_as_unprofiled(runner):
    script = runner.script(
        """\
        import subprocess, sys
        for n in range(2):
            r = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True)  # SUB
            print(r.stdout.strip())
        print(subprocess.run(["echo", "not python"], capture_output=True, text=True).stdout.strip())
        """
    )
    plain = runner.plain(script)
    done, run = runner.launch(script)
    assert (done.returncode, done.stdout, done.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    starts = [m for m in run.main.metas("start") if m.get("role") == "uninstrumented"]
    assert len(starts) == 2  # echo is not a Python
    for m in starts:
        assert m["name"].endswith(" -c print(6 * 7)")
        assert (m["file"], m["line"], m["startMethod"]) == (script, line_of(script, "# SUB"), "subprocess")


IN_PROCESS = """\
import time
import multiprocessing as mp
from joblib import Parallel, delayed

def spin(ms):
    end = time.thread_time() + ms / 1000
    while time.thread_time() < end:
        pass
    return ms

if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(sum(pool.map(spin, [1, 1])))
    print(sum(Parallel(n_jobs=1)(delayed(spin)(50) for _ in range(2))))
    print(sum(Parallel(n_jobs=2, prefer="threads")(delayed(spin)(50) for _ in range(2))))
    with mp.Pool(2) as pool:
        print(sum(pool.map(spin, [1, 1])))
"""


def test_a_parallel_call_run_in_this_process_is_the_programs_own_time(runner):
    # n_jobs=1 and threads run the calls here: the time inside Parallel() is the program's work
    # (`w` goes on), not a multiprocessing call's, so the sequential estimate keeps it.
    script = runner.script(IN_PROCESS)
    plain = runner.plain(script, python=JOBLIB_PYTHON)
    done, run = runner.launch(script, python=JOBLIB_PYTHON)
    assert (done.returncode, done.stdout) == (plain.returncode, plain.stdout), done.stderr.decode()
    gap_t, gap_w = between_pools(run)
    assert gap_t >= 140, gap_t  # 200 ms of spins, two of them on two threads
    # Measured: all of it; under a tenth when Parallel() always counted as multiprocessing's.
    assert gap_w >= 0.9 * gap_t, (gap_w, gap_t)
