"""A pool worker killed with SIGKILL: everything it wrote before is in its file, and the
parent's `reaped` says -9."""

import json
import signal

import pytest

from conftest import START_METHODS
from trace_reader import KIND_POOL_RESULT, KIND_POOL_TASK

# The victim kills itself while computing: killed while idle, a worker would hold the
# task pipe's read lock forever and the pool would hang (with or without the agent).
SCRIPT = """\
import json, os, signal, sys, time
import multiprocessing as mp

def task(i):
    time.sleep(0.02)
    return os.getpid(), i

def die(path):
    with open(path, "w") as f:
        f.write(str(os.getpid()))
    os.kill(os.getpid(), signal.SIGKILL)

if __name__ == "__main__":
    ctx = mp.get_context(sys.argv[1])
    with ctx.Pool(2) as pool:
        jobs = [pool.apply_async(task, (i,)) for i in range(10)]
        first = [(job._job, job.get()) for job in jobs]
        fatal = pool.apply_async(die, (sys.argv[2] + ".victim",))
        deadline = time.monotonic() + 20
        while not os.path.exists(sys.argv[2] + ".victim") and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        with open(sys.argv[2] + ".victim") as f:
            victim = int(f.read())
        while any(p.pid == victim for p in pool._pool) and time.monotonic() < deadline:
            time.sleep(0.02)  # the pool reaps and replaces it
        later = pool.map(task, range(10, 20), chunksize=1)
    facts = {
        "victim": victim,
        "victim_jobs": [job for job, (pid, _) in first if pid == victim],
        "fatal_job": fatal._job,
        "later_pids": sorted({pid for pid, _ in later}),
    }
    with open(sys.argv[2], "w") as f:
        json.dump(facts, f)
    print("done")
"""


@pytest.mark.parametrize("method", START_METHODS)
def test_killed_worker_keeps_its_events(runner, tmp_path, method):
    script = runner.script(SCRIPT)
    facts_path = str(tmp_path / "facts.json")
    done, run = runner.launch(script, method, facts_path, timeout=90)
    assert done.returncode == 0 and done.stdout == b"done\n", done.stderr.decode()
    with open(facts_path) as f:
        facts = json.load(f)
    victim = facts["victim"]
    (stream,) = run.by_pid(victim)
    assert stream.role == "pool-worker" and not stream.corrupt
    # Every task it finished before the kill: received, run, answered; and the one it
    # died in: received.
    ran = sorted(r["job"] for r in stream.of("RUN"))
    assert ran == sorted(facts["victim_jobs"]) and ran
    received = sorted(r["job"] for r in stream.of("RECV") if r["kind"] == KIND_POOL_TASK)
    answered = sorted(r["job"] for r in stream.of("SEND") if r["kind"] == KIND_POOL_RESULT)
    assert answered == ran
    assert received == sorted(ran + [facts["fatal_job"]])
    assert stream.metas("exit") == []  # it never got to end normally
    reaped = [m for m in run.main.metas("reaped") if m["child"] == victim]
    assert [m["code"] for m in reaped] == [-signal.SIGKILL]
    assert victim not in facts["later_pids"]
