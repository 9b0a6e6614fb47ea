"""The launcher runs a script exactly as `python script.py args` would."""

import os
import signal
import subprocess
import sys

import pytest

from conftest import LAUNCHER, PYTHON, PYTHON_VERSION

IDENTITY = """\
import os, sys
print(sys.argv)
print(sys.path[0])
print(__name__, __file__, __spec__, __package__, __cached__, __doc__)
print(type(__loader__).__name__, type(__builtins__).__name__)
print(sorted(k for k in globals()))
print(sys.modules["__main__"] is sys.modules[__name__])
print([p for p in sys.path if "poolscope" in p])
print(any(name.startswith("multiprocessing") for name in sys.modules))
"""


def _same(plain, launched):
    assert launched.returncode == plain.returncode
    assert launched.stdout == plain.stdout
    assert launched.stderr == plain.stderr


def test_identity_argv_path_and_main_module(runner, tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    script = runner.script(IDENTITY, "sub/who.py")
    plain = runner.plain("sub/who.py", "a", "b c")
    launched, run = runner.launch("sub/who.py", "a", "b c")
    _same(plain, launched)
    assert b"['sub/who.py', 'a', 'b c']" in launched.stdout
    assert str(sub).encode() in launched.stdout
    assert launched.stdout.rstrip().endswith(b"False")  # multiprocessing not imported for us
    meta = run.main.metas("run")[0]
    assert meta["script"] == script and meta["argv"] == ["sub/who.py", "a", "b c"]
    assert meta["formatVersion"] == 1 and meta["overrides"] == {}


@pytest.mark.parametrize(
    "source, code",
    [
        ("import sys\nprint('bye')\nsys.exit(3)\n", 3),
        ("import sys\nsys.exit('a message')\n", 1),
        ("raise SystemExit\n", 0),
        ("print('done')\n", 0),
    ],
)
def test_exit_codes(runner, source, code):
    script = runner.script(source)
    plain = runner.plain(script)
    launched, run = runner.launch(script)
    _same(plain, launched)
    assert launched.returncode == code
    assert run.main.metas("exit")[0]["code"] == code


def test_uncaught_exception_prints_the_same_traceback(runner):
    script = runner.script(
        """\
        def inner():
            raise ValueError("boom")

        def outer():
            try:
                inner()
            except ValueError as e:
                raise KeyError("wrapped") from e

        print("before")
        outer()
        """
    )
    plain = runner.plain(script)
    launched, run = runner.launch(script)
    _same(plain, launched)
    assert launched.returncode == 1 and b"poolscope" not in launched.stderr
    assert run.main.metas("exit")[0]["code"] == 1


def test_exception_through_a_hooked_pool_call_keeps_its_traceback(runner):
    script = runner.script(
        """\
        import multiprocessing as mp

        def fail(x):
            raise ValueError(x)

        if __name__ == "__main__":
            with mp.get_context("fork").Pool(1) as pool:
                pool.map(fail, [1])
        """
    )
    plain = runner.plain(script)
    launched, _ = runner.launch(script)
    assert launched.returncode == plain.returncode == 1
    assert launched.stderr == plain.stderr  # no agent frame in it


def test_syntax_error_is_reported_like_python(runner):
    script = runner.script("print('never')\nx = (1,\n")
    plain = runner.plain(script)
    launched, _ = runner.launch(script)
    assert launched.returncode == plain.returncode == 1 and launched.stdout == plain.stdout == b""
    if PYTHON_VERSION >= (3, 10):
        assert launched.stderr == plain.stderr
    else:
        # 3.9 parses a script file with its own tokenizer, which places an error at
        # end of file one line further down than compile() does.
        assert launched.stderr.splitlines()[-1] == plain.stderr.splitlines()[-1]
    assert b"SyntaxError" in launched.stderr
    other = runner.script("def f(:\n    pass\n", "other.py")
    _same(runner.plain(other), runner.launch(other)[0])


def test_stdin_is_the_programs(runner):
    script = runner.script("import sys\ndata = sys.stdin.read()\nprint(len(data), data.upper())\n")
    plain = runner.plain(script, stdin=b"hello\nworld\n")
    launched, _ = runner.launch(script, stdin=b"hello\nworld\n")
    _same(plain, launched)
    assert launched.stdout == b"12 HELLO\nWORLD\n\n"


def test_keyboard_interrupt_ends_like_python(runner):
    script = runner.script("print('x', flush=True)\nraise KeyboardInterrupt\n")
    plain = runner.plain(script)
    launched, run = runner.launch(script)
    _same(plain, launched)
    assert launched.returncode == -signal.SIGINT
    assert run.main.metas("exit")[0]["code"] == -signal.SIGINT


def test_missing_script_is_reported_like_python(runner):
    plain = runner.plain("nowhere.py")
    launched, _ = runner.launch("nowhere.py")
    assert launched.returncode == plain.returncode == 2
    assert b"can't open file 'nowhere.py'" in launched.stderr


@pytest.mark.parametrize("value", [None, "/nonexistent/poolscope", "file"])
def test_missing_or_bad_run_dir_is_refused(runner, tmp_path, value):
    script = runner.script("print('ran')\n")
    env = dict(os.environ)
    env.pop("POOLSCOPE_RUN_DIR", None)
    if value == "file":
        (tmp_path / "file").write_text("")
        value = str(tmp_path / "file")
    if value is not None:
        env["POOLSCOPE_RUN_DIR"] = value
    done = subprocess.run([PYTHON, LAUNCHER, script], capture_output=True, env=env, timeout=60)
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.startswith(b"poolscope: ") and done.stderr.count(b"\n") == 1


def test_unwritable_run_dir_is_refused(runner):
    if os.geteuid() == 0:
        # root writes anywhere: a read-only mount is needed to refuse it, so use one.
        run_dir = "/proc/self"
    else:
        run_dir = runner.run_dir()
        os.chmod(run_dir, 0o500)
    script = runner.script("print('ran')\n")
    env = dict(os.environ, POOLSCOPE_RUN_DIR=run_dir)
    done = subprocess.run([PYTHON, LAUNCHER, script], capture_output=True, env=env, timeout=60)
    assert done.returncode == 2 and done.stderr.startswith(b"poolscope: ")


def test_workers_override(runner):
    script = runner.script(
        """\
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        if __name__ == "__main__":
            ctx = mp.get_context("fork")
            with ctx.Pool(4) as pool:
                print(len(pool._pool))
            with ProcessPoolExecutor(max_workers=5, mp_context=ctx) as ex:
                print(ex._max_workers)
        """
    )
    done, run = runner.launch(script, env={"POOLSCOPE_WORKERS": "3"})
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b"3\n3\n"
    assert run.main.metas("run")[0]["overrides"] == {"workers": 3}
    assert [p["workers"] for p in run.main.metas("pool")] == [3, 3]
    bad, _ = runner.launch(script, env={"POOLSCOPE_WORKERS": "zero"})
    assert bad.returncode == 2 and bad.stderr.startswith(b"poolscope: ")


def test_chunksize_override(runner):
    # Every form of passing chunksize (positional, keyword, none) gets the override; results
    # and their order are the program's own.
    script = runner.script(
        """\
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        def sq(x):
            return x * x

        def add(a, b):
            return a + b

        if __name__ == "__main__":
            ctx = mp.get_context("fork")
            with ctx.Pool(2) as pool:
                print(sum(pool.map(sq, range(40))))
                print(sum(pool.map(sq, range(40), 1)))
                print(sum(pool.imap(sq, range(40), chunksize=3)))
                print(sum(pool.starmap(add, [(i, i) for i in range(40)])))
                print(pool.apply(sq, (7,)))
            with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as ex:
                print(sum(ex.map(sq, range(40))))
        """
    )
    plain = runner.plain(script)
    done, run = runner.launch(script, env={"POOLSCOPE_CHUNKSIZE": "8"})
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == plain.stdout
    assert run.main.metas("run")[0]["overrides"] == {"chunksize": 8}
    calls = run.main.metas("call")
    assert [(c["api"], c["chunksize"]) for c in calls] == [
        ("map", 8),
        ("map", 8),
        ("imap", 8),
        ("starmap", 8),
        ("apply", 1),
        ("executor.map", 8),
    ]
    both, run = runner.launch(script, env={"POOLSCOPE_CHUNKSIZE": "5", "POOLSCOPE_WORKERS": "1"})
    assert both.returncode == 0 and both.stdout == plain.stdout
    assert run.main.metas("run")[0]["overrides"] == {"workers": 1, "chunksize": 5}
    bad, _ = runner.launch(script, env={"POOLSCOPE_CHUNKSIZE": "-3"})
    assert bad.returncode == 2 and b"POOLSCOPE_CHUNKSIZE=-3 is not a positive integer" in bad.stderr


def test_an_agent_fault_is_reported_once_and_the_program_goes_on(runner):
    # The script breaks the agent's recorder: every message record then fails.
    script = runner.script(
        """\
        import sys
        import multiprocessing as mp

        if __name__ == "__main__":
            agent = sys.modules.get("poolscope_agent.state")
            if agent is not None:
                agent.rec.send = agent.rec.recv = None
            here, there = mp.Pipe()
            for i in range(3):
                here.send(i)
                print(there.recv())
        """
    )
    plain = runner.plain(script)
    done, run = runner.launch(script)
    assert done.returncode == plain.returncode == 0
    assert done.stdout == plain.stdout == b"0\n1\n2\n"
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("poolscope: agent error: ")
    errors = run.main.metas("agent-error")
    assert len(errors) == 6 and "TypeError" in errors[0]["message"]


def test_unsupported_platform_one_line_and_nothing_run(runner, tmp_path):
    """Windows, simulated: one line saying where PoolScope runs, exit 2, the program not started."""
    marker = tmp_path / "ran"
    script = runner.script("open(%r, 'w').close()\n" % str(marker))
    simulate = (
        "import runpy, sys; sys.platform = 'win32'; sys.argv = sys.argv[1:]; "
        "runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    done = subprocess.run(
        [PYTHON, "-c", simulate, LAUNCHER, script],
        capture_output=True,
        env=dict(os.environ, POOLSCOPE_RUN_DIR=runner.run_dir()),
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("poolscope: PoolScope runs on Linux (also in WSL, Remote-SSH and dev containers), not on win32")
    assert lines[0].endswith("nothing was run")
    assert not marker.exists()
