"""Getting the agent into spawn children and the fork server.

Both start a fresh interpreter with `python -c PROGRAM`: spawn builds PROGRAM in
spawn.get_command_line, the fork server in ForkServer.ensure_running and starts it
with util.spawnv_passfds. The agent puts its boot in front of PROGRAM. The run
directory and the agent's path are written into the string itself, so it works under
-E/-I and whatever the program did to os.environ.

Children do not compile the agent (PYTHONDONTWRITEBYTECODE=1 would make each one do it
again, 6-7 ms): the first process that needs it writes the code objects it already
holds (codecache) into the run directory, and the boot serves the agent's modules from
that file. If the file is unusable the boot imports the sources.
"""

import os
import sys
import time

from . import codecache, patching, state

_get_command_line_orig = _spawnv_passfds_orig = None

_FORKSERVER_PROGRAM = "from multiprocessing.forkserver import main"
_TRACKER_PROGRAM = "from multiprocessing.resource_tracker import main"

# The boot prefix. Kept small: every child compiles it. It must leave nothing behind in
# the `-c` program's namespace (which becomes the child's __main__ until spawn swaps it).
_BOOT = """\
def _poolscope_boot(run_dir, agent_dir, cache, tag, kind, workers, chunksize):
    import sys
    try:
        if sys.implementation.cache_tag != tag:  # set_executable() to another Python
            raise ValueError(tag)
        import marshal
        with open(cache, "rb") as f:
            codes = marshal.loads(f.read())  # not marshal.load(f): it reads a few bytes per call
        finder = {}
        exec(codes["poolscope_agent.codecache"][2], finder)
        finder["install_finder"](codes)
        origin = "cache"
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        sys.path.insert(0, agent_dir)
        origin = "source"
    try:
        from poolscope_agent import install
        install.start_child(run_dir, agent_dir, kind, workers, origin, chunksize)
    except Exception as e:
        sys.stderr.write("poolscope: agent error: " + type(e).__name__ + ": " + str(e) + " (not profiled)\\n")
    finally:
        if origin == "source":
            sys.path.remove(agent_dir)
_poolscope_boot(%(run_dir)r, %(agent_dir)r, %(cache)r, %(tag)r, %(kind)r, %(workers)r, %(chunksize)r)
del _poolscope_boot
"""


def patch_spawn(spawn):
    global _get_command_line_orig
    _get_command_line_orig = patching.replace(spawn, "get_command_line", _get_command_line)


def patch_util(util):
    global _spawnv_passfds_orig
    _spawnv_passfds_orig = patching.replace(util, "spawnv_passfds", _spawnv_passfds)


def _get_command_line(**kwds):
    cmd = _get_command_line_orig(**kwds)
    if state.enabled:
        try:
            return with_boot(cmd, "spawn")
        except Exception as e:  # noqa: BLE001 - the child then runs unprofiled
            state.agent_error(e, "spawn command line")
    return cmd


def _spawnv_passfds(path, args, passfds):
    tracker = False
    if state.enabled:
        try:
            i = args.index("-c")
            if args[i + 1].startswith(_FORKSERVER_PROGRAM):
                args = with_boot(args, "forkserver")
            # The resource tracker also comes this way: it runs unprofiled (it outlives the
            # program's own processes), and its parent names it in a `start` META instead.
            tracker = _TRACKER_PROGRAM in args[i + 1]
        except ValueError:
            pass  # no -c program: not a Python child we know
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "fork server command line")
    if not tracker:
        return _spawnv_passfds_orig(path, args, passfds)
    t0 = time.perf_counter_ns()
    pid = _spawnv_passfds_orig(path, args, passfds)
    try:
        state.meta(
            "start", child=pid, t0=t0, t1=time.perf_counter_ns(), name="resource_tracker",
            startMethod="spawn", role="resource-tracker",
        )
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "resource tracker start")
    return pid


def with_boot(cmd, kind):
    """cmd with the boot in front of its `-c` program (cmd unchanged without one,
    e.g. a frozen executable)."""
    cmd = list(cmd)
    try:
        i = cmd.index("-c")
    except ValueError:
        return cmd
    boot = _BOOT % {
        "run_dir": state.run_dir,
        "agent_dir": state.agent_dir,
        "cache": ensure_code_cache(),
        "tag": sys.implementation.cache_tag,
        "kind": kind,
        "workers": state.workers_override,
        "chunksize": state.chunksize_override,
    }
    cmd[i + 1] = boot + cmd[i + 1]
    return cmd


def cache_path():
    tag = sys.implementation.cache_tag or "python"
    return os.path.join(state.run_dir, "agent-%s.code" % tag)


def ensure_code_cache():
    """The agent's code objects in the run directory, written once per run; returns
    the path. The main already holds them (codecache); a child whose file is gone
    compiles them."""
    path = cache_path()
    if not os.path.exists(path):
        codes = codecache.codes
        if codes is None:
            codes = codecache.compile_agent(state.agent_dir)
        codecache.write_plain(path, codes)
    return path
