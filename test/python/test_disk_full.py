"""The run directory's disk fills up mid-run (issue 6): a real small filesystem, not a
patched call. The program's output and exit code are those of a plain run, the trace
keeps every event up to the moment space ran out and says that recording stopped there,
and the report (the real CLI) shows it."""

import contextlib
import json
import os
import resource
import subprocess
import tempfile

from conftest import LAUNCHER, PYTHON, ROOT, run_to_the_end
from trace_reader import Run

# 256 KiB + 1 MiB segments fit, the next 4 MiB one does not.
LIMIT = 1536 * 1024

SCRIPT = """\
import multiprocessing as mp

if __name__ == "__main__":
    a, b = mp.Pipe()
    total = 0
    for i in range(200000):  # a flood, so sampled (1 in 17 recorded): still fills 1.25 MiB
        a.send(i)
        total += b.recv()
    print("total", total)
"""


@contextlib.contextmanager
def small_disk():
    """(run dir, preexec_fn): a tmpfs of LIMIT bytes where mounting is allowed (root), else
    RLIMIT_FSIZE on the program, which refuses any file past LIMIT the same way (EFBIG)."""
    mount_point = tempfile.mkdtemp(prefix="poolscope-full-")
    mounted = False
    if os.geteuid() == 0:
        mounted = (
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=%d,mode=0700" % LIMIT, "tmpfs", mount_point],
                capture_output=True,
            ).returncode
            == 0
        )
    try:
        if mounted:
            yield mount_point, None
        else:
            yield mount_point, lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))
    finally:
        if mounted:
            subprocess.run(["umount", mount_point], check=True)
        for name in os.listdir(mount_point):
            os.unlink(os.path.join(mount_point, name))
        os.rmdir(mount_point)


def test_full_run_directory(runner, tmp_path):
    script = runner.script(SCRIPT)
    plain = subprocess.run([PYTHON, script], capture_output=True, timeout=120)
    with small_disk() as (run_dir, limit):
        env = dict(os.environ, POOLSCOPE_RUN_DIR=run_dir)
        done = run_to_the_end([PYTHON, LAUNCHER, script], timeout=120, env=env, preexec_fn=limit)
        run = Run(run_dir)
        cli = os.path.join(ROOT, "dist", "cli.js")
        assert os.path.exists(cli), "run npm run build first"
        report_json = str(tmp_path / "report.json")
        report = subprocess.run(
            ["node", cli, "report", run_dir, "--quiet", "--json", report_json], capture_output=True, timeout=120
        )
    assert done.returncode == plain.returncode == 0
    assert done.stdout == plain.stdout == b"total 19999900000\n"
    # The agent says it once, with its prefix; nothing else is added.
    assert done.stderr.count(b"poolscope:") == 1 and b"recording stopped" in done.stderr, done.stderr
    assert done.stderr.replace(done.stderr[done.stderr.index(b"poolscope:") :], b"") == plain.stderr

    main = run.main
    assert not main.corrupt
    sends, recvs = main.of("SEND"), main.of("RECV")
    # Every message up to the fault: strictly alternating send / receive, from the first,
    # filling the two segments that fit (~1.2 MiB of 80 + 64 byte records).
    assert len(sends) > 8000 and len(recvs) in (len(sends), len(sends) - 1)
    assert [r["bytes"] for r in sends[:3]] == [r["bytes"] for r in recvs[:3]]
    last = main.records[-1]
    assert last["record"] == "META" and last["k"] == "agent-error" and "recording stopped" in last["message"]
    assert main.metas("exit") == []  # nothing after the fault was written

    assert report.returncode == 0, report.stderr
    with open(report_json) as f:
        warnings = json.load(f)["warnings"]
    assert any("pid %d" % main.pid in w and "recording stopped" in w for w in warnings), warnings
