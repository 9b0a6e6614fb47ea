"""What the agent must never do (docs/security.md): open a socket, or leave its event
files readable by others. Checked on a live run, with every process of it paused mid-work."""

import os
import stat
import subprocess
import time
import uuid

import pytest

from conftest import LAUNCHER, PYTHON, START_METHODS

# Pipes only (Pool, Queue, Process): a plain run of it holds no socket at all, so any
# socket in the instrumented run is the agent's. (forkserver talks to its server over a
# unix socket of multiprocessing's own, and is left out for that reason.)
SCRIPT = """\
import os, sys, time
import multiprocessing as mp

def wait(go):
    open("%s.in-%d" % (go, os.getpid()), "w").close()
    while not os.path.exists(go):
        time.sleep(0.01)
    return os.getpid()

if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    q = mp.Queue()
    q.put("x")
    q.get()
    with mp.Pool(2) as pool:
        result = pool.map_async(wait, [sys.argv[2]] * 2, chunksize=1)
        # Both workers inside wait(): on a busy machine a spawn worker can take long
        # to start, and then the first one would run both tasks.
        folder, name = os.path.split(sys.argv[2])
        while len([f for f in os.listdir(folder) if f.startswith(name + ".in-")]) < 2:
            time.sleep(0.01)
        open(sys.argv[2] + ".ready", "w").close()
        print(len(set(result.get(60))))
"""


def _run_processes(token):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                if ("POOLSCOPE_SECURITY_TOKEN=%s" % token).encode() in f.read():
                    found.append(int(entry))
        except OSError:
            continue  # gone, or not ours
    return found


def _sockets(pid):
    held = []
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:"):
            held.append(target)
    return held


def _paused_run(runner, tmp_path, method, instrumented):
    """Sockets held by each process of the run while it is paused, and the run dir."""
    script = runner.script(SCRIPT)
    go = str(tmp_path / ("go-%s-%s" % (method, instrumented)))
    token = uuid.uuid4().hex
    env = dict(os.environ, POOLSCOPE_SECURITY_TOKEN=token)
    run_dir = runner.run_dir()
    cmd = [PYTHON, script, method, go]
    if instrumented:
        env["POOLSCOPE_RUN_DIR"] = run_dir
        cmd = [PYTHON, LAUNCHER, script, method, go]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(tmp_path))
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(go + ".ready") and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.02)
        pids = _run_processes(token)
        sockets = {pid: _sockets(pid) for pid in pids}
    finally:
        open(go, "w").close()
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out == b"2\n"
    return pids, sockets, run_dir


@pytest.mark.parametrize("method", [m for m in START_METHODS if m != "forkserver"])
def test_the_agent_opens_no_socket(runner, tmp_path, method):
    pids, sockets, _ = _paused_run(runner, tmp_path, method, instrumented=False)
    assert len(pids) >= 3 and all(held == [] for held in sockets.values()), sockets  # main + 2 workers
    pids, sockets, _ = _paused_run(runner, tmp_path, method, instrumented=True)
    assert len(pids) >= 3
    assert all(held == [] for held in sockets.values()), sockets


def test_event_files_are_private_and_the_run_dir_stays_so(runner, tmp_path):
    _, _, run_dir = _paused_run(runner, tmp_path, "fork", instrumented=True)
    assert stat.S_IMODE(os.stat(run_dir).st_mode) == 0o700
    names = os.listdir(run_dir)
    assert len(names) >= 3
    for name in names:
        st = os.stat(os.path.join(run_dir, name))
        assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600, (name, oct(st.st_mode))
        assert st.st_uid == os.getuid()
