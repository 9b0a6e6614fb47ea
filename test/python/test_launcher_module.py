"""`poolscope_launch.py -m MODULE ARGS` runs the module exactly as `python -m MODULE ARGS` would."""

import os

import pytest

WHO = """\
import os, sys
print(sys.argv)
print(sys.path[0])
print(__name__, __file__, __spec__.name, __spec__.origin, __package__, __cached__)
print(type(__loader__).__name__)
print(sorted(k for k in globals()))
print(sys.modules["__main__"] is sys.modules[__name__])
"""

POOL = """\
import sys
import multiprocessing as mp


def square(x):
    return x * x


if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    with mp.Pool(2) as pool:
        print(sum(pool.map(square, range(50), chunksize=5)))
    sys.exit(4)
"""


@pytest.fixture
def package(runner, tmp_path):
    (tmp_path / "pkg").mkdir()
    runner.script("", "pkg/__init__.py")
    return tmp_path / "pkg"


def _same(plain, launched):
    assert launched.returncode == plain.returncode
    assert launched.stdout == plain.stdout
    assert launched.stderr == plain.stderr


def test_module_identity(runner, package):
    runner.script(WHO, "pkg/who.py")
    plain = runner.plain("-m", "pkg.who", "a", "b c")
    launched, run = runner.launch("-m", "pkg.who", "a", "b c")
    _same(plain, launched)
    assert ("['%s', 'a', 'b c']" % (package / "who.py")).encode() in launched.stdout
    assert launched.stdout.split(b"\n")[1] == str(package.parent).encode()  # the working directory
    meta = run.main.metas("run")[0]
    assert meta["module"] == "pkg.who" and meta["argv"] == ["pkg.who", "a", "b c"]
    assert run.main.metas("main-module")[0]["script"] == str(package / "who.py")


def test_package_main_and_exit_code(runner, package):
    runner.script(POOL, "pkg/__main__.py")
    plain = runner.plain("-m", "pkg", "fork")
    launched, run = runner.launch("-m", "pkg", "fork")
    _same(plain, launched)
    assert launched.returncode == 4
    assert run.main.metas("main-module")[0]["script"] == str(package / "__main__.py")
    assert len(run.all("RUN")) == 10


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_children_import_the_module_by_name(runner, package, method):
    runner.script(POOL, "pkg/job.py")
    plain = runner.plain("-m", "pkg.job", method)
    launched, run = runner.launch("-m", "pkg.job", method)
    _same(plain, launched)
    ran = run.all("RUN")
    assert len(ran) == 10
    assert all(stream.pid != run.main.pid and stream.process["startMethod"] == method for stream, _ in ran)


@pytest.mark.parametrize(
    "module, source",
    [
        ("nope", None),  # no such module
        ("pkg.nope", None),  # no such submodule
        ("pkg", None),  # a package without __main__
        ("pkg.bad", "def (\n"),  # a syntax error
        ("pkg.boom", "raise RuntimeError('at import')\n"),
    ],
)
def test_errors_as_python_says_them(runner, package, module, source):
    if source is not None:
        runner.script(source, module.replace(".", os.sep) + ".py")
    plain = runner.plain("-m", module)
    launched, _ = runner.launch("-m", module)
    assert launched.returncode == plain.returncode == 1
    assert launched.stdout == plain.stdout
    # python's own traceback shows runpy's frames, which the launcher reaches differently.
    last = lambda err: err.decode().strip().splitlines()[-1]  # noqa: E731
    assert last(launched.stderr) == last(plain.stderr)
