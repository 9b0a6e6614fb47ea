"""Fixtures: real scripts, run plain and through the real launcher, traces decoded by
the independent reader in trace_reader.py."""

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

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


def _live_members(session):
    """Pids of the processes of `session` that have not ended (zombies count as ended:
    an orphan's reaper may be slow, or absent in a container)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue  # ended while we looked
        state, sid = fields[0], int(fields[3])
        if sid == session and state not in ("Z", "X"):
            pids.append(int(name))
    return pids


def run_to_the_end(cmd, input=None, timeout=120, settle=30, **kwargs):
    """subprocess.run(cmd, capture_output=True, ...) of a launched script, returning only once
    every process it started has ended too. Some outlive the main process by design: the fork
    server sees the main end, records its own exit and leaves; the resource tracker leaves when
    its pipe closes. A trace read before they finish can hold a segment they are still creating."""
    pipes = dict(stdin=subprocess.PIPE if input is not None else None, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with subprocess.Popen(cmd, start_new_session=True, **pipes, **kwargs) as proc:  # its pid names the session
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    deadline = time.monotonic() + settle
    while _live_members(proc.pid):
        if time.monotonic() > deadline:
            left = _live_members(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError("processes %s of the run still alive %d s after it ended" % (left, settle))
        time.sleep(0.01)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


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

    def plain(self, script, *args, stdin=None, timeout=120, cwd=None, python=None):
        return subprocess.run(
            [python or PYTHON, script, *args],
            input=stdin,
            capture_output=True,
            timeout=timeout,
            cwd=cwd or str(self.tmp_path),
        )

    def launch(self, script, *args, stdin=None, timeout=120, env=None, cwd=None, run_dir=None, python=None):
        """(completed process, Run) of the script under the agent (run by `python`, default PYTHON)."""
        run_dir = run_dir or self.run_dir()
        environ = dict(os.environ, POOLSCOPE_RUN_DIR=run_dir)
        environ.update(env or {})
        done = run_to_the_end(
            [python or PYTHON, LAUNCHER, script, *args],
            input=stdin,
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


def between_pools(run):
    """(ms of trace clock, ms outside multiprocessing calls) on the main thread from the end of
    its first pool to the creation of its second: the `t` and `w` of the first `pool-end` and the
    second `pool` META (`w` stands still inside a multiprocessing call)."""
    first_end = run.main.metas("pool-end")[0]
    second = run.main.metas("pool")[1]
    return (second["t0"] - first_end["t"]) / 1e6, (second["w"] - first_end["w"]) / 1e6
