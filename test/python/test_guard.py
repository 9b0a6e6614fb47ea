"""A script without `if __name__ == "__main__":` under spawn / forkserver: plain python
would respawn dying pool workers forever; under the agent the run stops quickly with a
finding, a clear message, exit code 86 and no process left behind."""

import os
import subprocess
import time
import uuid

import pytest

from conftest import START_METHODS, line_of

GUARD_EXIT = 86

VARIANTS = {
    # set_start_method() at the top level: the child fails there (spawn set its context).
    "set_start_method": """\
        import multiprocessing as mp
        import sys

        def square(x):
            return x * x

        mp.set_start_method(sys.argv[1])
        print("top level", flush=True)
        with mp.Pool(2) as pool:  # @start
            print(pool.map(square, range(4)))
        """,
    # A context object: the child gets as far as starting its own pool.
    "context": """\
        import multiprocessing as mp
        import sys

        def square(x):
            return x * x

        ctx = mp.get_context(sys.argv[1])
        print("top level", flush=True)
        pool = ctx.Pool(2)  # @start
        print(pool.map(square, range(4)))
        pool.close()
        """,
    # A bare Process: each child dies on its own start(); the agent stops the run too.
    "process": """\
        import multiprocessing as mp
        import sys

        def hello():
            print("hello")

        ctx = mp.get_context(sys.argv[1])
        p = ctx.Process(target=hello)
        p.start()  # @start
        p.join()
        """,
}


def _leftovers(marker):
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    return found.stdout.split()


@pytest.mark.parametrize("method", [m for m in START_METHODS if m != "fork"])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_missing_main_guard_stops_the_run(runner, tmp_path, method, variant):
    marker = "noguard_%s" % uuid.uuid4().hex  # in the script's path: pgrep finds its processes
    folder = tmp_path / marker
    folder.mkdir()
    script = runner.script(VARIANTS[variant], "%s/main.py" % marker)
    t0 = time.monotonic()
    done, run = runner.launch(script, method, timeout=20, cwd=str(folder))
    elapsed = time.monotonic() - t0
    assert done.returncode == GUARD_EXIT, done.stderr.decode()[-2000:]
    assert elapsed < 10
    # Dying children write their tracebacks to the same stderr: the line may not start one.
    lines = [line[line.index("poolscope:") :] for line in done.stderr.decode().splitlines() if "poolscope:" in line]
    assert len(lines) == 1 and "__main__" in lines[0] and ("main.py:%d" % line_of(script, "# @start")) in lines[0]
    if variant != "process":
        assert done.stdout.startswith(b"top level\n")  # what it printed before is kept
    findings = run.main.metas("finding")
    assert len(findings) == 1
    finding = findings[0]
    assert finding["id"] == "missing-main-guard"
    assert (finding["file"], finding["line"]) == (script, line_of(script, "# @start"))
    assert "__main__" in finding["message"]
    deadline = time.monotonic() + 3  # the resource tracker ends once its writers are gone
    while _leftovers(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _leftovers(marker) == []


def test_guarded_script_is_not_flagged(runner):
    script = runner.script(
        """\
        import multiprocessing as mp

        def square(x):
            return x * x

        if __name__ == "__main__":
            mp.set_start_method("spawn")
            with mp.Pool(2) as pool:
                print(pool.map(square, range(4)))
        """
    )
    done, run = runner.launch(script, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b"[0, 1, 4, 9]\n"
    assert run.metas("finding") == []
    assert not any(name.startswith("missing-main-guard") for name in os.listdir(run.dir))
