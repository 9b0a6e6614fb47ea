"""The agent's compiled-code cache (codecache.py): made by the first run, used by the
next, rebuilt when a source changes; and the two modules that load before it can serve
them get standard .pyc files, read even under PYTHONDONTWRITEBYTECODE."""

import os
import shutil
import struct
import subprocess

from conftest import AGENT_DIR, PYTHON, run_to_the_end
from trace_reader import Run

SCRIPT = "print('ran')\n"


def _agent_copy(tmp_path):
    agent = tmp_path / "agent"
    shutil.copytree(AGENT_DIR, agent, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return agent


def _launch(runner, agent, script):
    run_dir = runner.run_dir()
    env = dict(os.environ, POOLSCOPE_RUN_DIR=run_dir, PYTHONDONTWRITEBYTECODE="1")
    env["XDG_CACHE_HOME"] = str(agent / "xdg")  # the fallback location, kept inside the copy
    done = run_to_the_end([PYTHON, str(agent / "poolscope_launch.py"), script], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"ran\n"
    return Run(run_dir).main.process["agentCode"]


def _pyc_matches(source):
    """True when the .pyc next to `source` is what python's loader accepts for it:
    a timestamp pyc holding the source's mtime and size."""
    folder, name = os.path.split(source)
    tag = subprocess.run(
        [PYTHON, "-c", "import sys; print(sys.implementation.cache_tag)"], capture_output=True, text=True
    ).stdout.strip()
    pyc = os.path.join(folder, "__pycache__", "%s.%s.pyc" % (name[:-3], tag))
    if not os.path.exists(pyc):
        return False
    with open(pyc, "rb") as f:
        flags, mtime, size = struct.unpack("<4xIII", f.read(16))
    st = os.stat(source)
    return flags == 0 and mtime == int(st.st_mtime) & 0xFFFFFFFF and size == st.st_size & 0xFFFFFFFF


def test_first_run_compiles_the_next_uses_the_cache(runner, tmp_path):
    agent = _agent_copy(tmp_path)
    script = runner.script(SCRIPT)
    assert _launch(runner, agent, script) == "compiled"
    package = agent / "poolscope_agent"
    for module in ("__init__.py", "codecache.py"):
        assert _pyc_matches(str(package / module)), module
    assert _launch(runner, agent, script) == "cache"


def test_a_changed_source_is_compiled_again(runner, tmp_path):
    agent = _agent_copy(tmp_path)
    script = runner.script(SCRIPT)
    assert _launch(runner, agent, script) == "compiled"
    state = agent / "poolscope_agent" / "state.py"
    state.write_text(state.read_text() + "\n# changed\n")
    assert _launch(runner, agent, script) == "compiled"
    assert _launch(runner, agent, script) == "cache"

