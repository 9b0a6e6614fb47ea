"""The resource tracker runs unprofiled (it outlives the program's processes), so the
process that starts it names it: a `start` META with role resource-tracker and its pid."""

import sys

import pytest

SCRIPT = """\
import multiprocessing as mp, os, sys

def pid(_):
    return os.getpid()

if __name__ == "__main__":
    ctx = mp.get_context(sys.argv[1])
    with ctx.Pool(2) as pool:
        pool.map(pid, range(4))
    from multiprocessing import resource_tracker
    print(resource_tracker._resource_tracker._pid)
"""


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_resource_tracker_is_named_by_its_parent(runner, method):
    if sys.platform != "linux":
        pytest.skip("the agent targets Linux")
    script = runner.script(SCRIPT)
    done, run = runner.launch(script, method)
    assert done.returncode == 0, done.stderr
    tracker_pid = int(done.stdout.split()[-1])
    starts = [m for _, m in run.metas("start") if m.get("role") == "resource-tracker"]
    assert [m["child"] for m in starts] == [tracker_pid]
    assert starts[0]["t0"] <= starts[0]["t1"]
    if method == "forkserver":
        # The server outlives the main process: it sees the main end, records its exit and
        # leaves. The trace is read once it has (conftest.run_to_the_end).
        (server,) = run.with_role("forkserver")
        assert [m["code"] for m in server.metas("exit")] == [0]
