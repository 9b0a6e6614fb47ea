"""Runs a test command once per Python version, with POOLSCOPE_TEST_PYTHON set to it.

    python3 test/pythons.py 3.9 3.13 -- python3 -m pytest -q test/python

The pytest suite and the transparency check (test/transparency/cpython_mp.py) read
POOLSCOPE_TEST_PYTHON: the programs they profile run under that interpreter, while the
tests themselves stay on the Python that runs them (pytest need not be installed for it).
Each version is looked for under $PYENV_ROOT/versions (~/.pyenv by default; the highest
patch release), then as pythonX.Y on PATH. A version not found stops everything before
the command runs, with one message saying where it was looked for. Exit status: 0 when
the command passed on every version, else 1.
"""

import glob
import os
import shutil
import subprocess
import sys
import time

USAGE = "usage: python3 test/pythons.py X.Y [X.Y ...] -- COMMAND [ARGS...]"


def _reported(executable):
    """(version 'X.Y.Z', real executable) of an interpreter, or None if it does not run."""
    try:
        done = subprocess.run(
            [executable, "-c", "import platform, sys; print(platform.python_version(), sys.executable)"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None  # e.g. a pyenv shim for a version pyenv does not have selected
    version, _, real = done.stdout.strip().partition(" ")
    return version, real


def _patch(path):
    name = os.path.basename(os.path.dirname(os.path.dirname(path)))  # .../versions/3.9.18/bin/python3
    return tuple(int(p) if p.isdigit() else -1 for p in name.split("."))


def find(minor):
    """(version, executable) of Python `minor` ('3.9'), or None."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = sorted(glob.glob(os.path.join(root, "versions", minor + ".*", "bin", "python3")), key=_patch)
    on_path = shutil.which("python" + minor)
    for executable in list(reversed(candidates)) + ([on_path] if on_path else []):
        found = _reported(executable)
        if found and found[0].rsplit(".", 1)[0] == minor:
            return found
    return None


def main(argv):
    if "--" not in argv:
        sys.exit(USAGE)
    split = argv.index("--")
    minors, command = argv[:split], argv[split + 1 :]
    if not minors or not command:
        sys.exit(USAGE)
    found = {}
    for minor in minors:
        found[minor] = find(minor)
        if found[minor] is None:
            root = os.environ.get("PYENV_ROOT") or "~/.pyenv"
            sys.exit(
                "Python %s not found (looked in %s/versions/%s.*/bin/python3 and for python%s on PATH): "
                "install it there (e.g. `pyenv install %s`) or set PYENV_ROOT" % (minor, root, minor, minor, minor)
            )
    failed = []
    for minor in minors:
        version, executable = found[minor]
        print("== Python %s (%s): %s" % (version, executable, " ".join(command)), flush=True)
        started = time.monotonic()
        code = subprocess.call(command, env=dict(os.environ, POOLSCOPE_TEST_PYTHON=executable))
        print("== Python %s: %s in %.0f s" % (version, "passed" if code == 0 else "FAILED", time.monotonic() - started))
        if code != 0:
            failed.append(version)
    if failed:
        print("failed on Python %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
