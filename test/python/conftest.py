"""Fixtures: real scripts, run plain and through the real launcher, traces decoded by
the independent reader in trace_reader.py."""

import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from trace_reader import Run  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# POOLSCOPE_AGENT_DIR=dist/python tests the built copy.
AGENT_DIR = os.path.abspath(os.environ.get("POOLSCOPE_AGENT_DIR") or os.path.join(ROOT, "src", "python"))
LAUNCHER = os.path.join(AGENT_DIR, "poolscope_launch.py")
# POOLSCOPE_TEST_PYTHON=python3.9 runs the scripts (plain and launched) under another
# interpreter while pytest itself stays where it is.
PYTHON = os.environ.get("POOLSCOPE_TEST_PYTHON") or sys.executable
PYTHON_VERSION = tuple(
    int(part)
    for part in subprocess.run(
        [PYTHON, "-c", "import sys; print('%d %d' % sys.version_info[:2])"], capture_output=True, text=True, check=True
    ).stdout.split()
)
START_METHODS = [m for m in ("fork", "spawn", "forkserver") if m in multiprocessing.get_all_start_methods()]


def _run_root():
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


class Runner:
    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self._dirs = []

    def script(self, source, name="script.py"):
        path = self.tmp_path / name
        path.write_text(textwrap.dedent(source))
        return str(path)

    def run_dir(self):
        path = tempfile.mkdtemp(prefix="poolscope-test-", dir=_run_root())  # 0700
        self._dirs.append(path)
        return path

    def plain(self, script, *args, stdin=None, timeout=120, cwd=None):
        return subprocess.run(
            [PYTHON, script, *args],
            input=stdin,
            capture_output=True,
            timeout=timeout,
            cwd=cwd or str(self.tmp_path),
        )

    def launch(self, script, *args, stdin=None, timeout=120, env=None, cwd=None, run_dir=None):
        """(completed process, Run) of the script under the agent."""
        run_dir = run_dir or self.run_dir()
        environ = dict(os.environ, POOLSCOPE_RUN_DIR=run_dir)
        environ.update(env or {})
        done = subprocess.run(
            [PYTHON, LAUNCHER, script, *args],
            input=stdin,
            capture_output=True,
            timeout=timeout,
            env=environ,
            cwd=cwd or str(self.tmp_path),
        )
        return done, Run(run_dir)

    def cleanup(self):
        for path in self._dirs:
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def runner(tmp_path):
    r = Runner(tmp_path)
    yield r
    r.cleanup()


def line_of(script_path, marker):
    """The 1-based line holding `marker` (a comment in a test script)."""
    with open(script_path) as f:
        for number, text in enumerate(f, 1):
            if marker in text:
                return number
    raise AssertionError("marker %r not in %s" % (marker, script_path))
