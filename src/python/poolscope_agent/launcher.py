"""Runs the user's script the way `python script.py args` would, with the agent on.

Same `__main__` (a fresh module, __spec__ None so spawn children import the script by
path, also aliased as `__mp_main__`), sys.argv, sys.path[0], streams and exit status.
runpy.run_path is not used: it puts the old __main__ back on return, and pickling a
__main__ function late (executor shutdown at exit) then fails.

`-m MODULE [ARGS...]` runs a module as `python -m MODULE ARGS` would: found on sys.path with the
working directory first, its parent packages imported, a package's `__main__` run, sys.argv[0]
the module's file and __spec__ set (spawn children then import it by name, as python's do).
"""

import builtins
import io
import os
import sys

from . import AGENT_VERSION, FORMAT_VERSION, install, oslayer, sampling, state

USAGE_EXIT = 2


def main(agent_dir):
    sigint_flag = _sigint_exit_handler()  # registered first: runs after the exit META
    unsupported = oslayer.unsupported()
    if unsupported:
        _fail(unsupported + "; nothing was run")
    script_args = sys.argv[1:]
    if not script_args:
        _fail("usage: poolscope_launch.py SCRIPT [ARGS...] (with POOLSCOPE_RUN_DIR set)")
    run_dir = _run_dir()
    workers = _positive_env("POOLSCOPE_WORKERS")
    chunksize = _positive_env("POOLSCOPE_CHUNKSIZE")
    if script_args[0] == "-m":
        _main_module(agent_dir, run_dir, script_args[1:], workers, chunksize, sigint_flag)
        return
    script = script_args[0]
    try:
        with io.open_code(script) as f:
            source = f.read()
    except OSError as e:  # as python says it
        sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n" % (_program(), script, e.errno, e.strerror))
        sys.exit(USAGE_EXIT)
    path = os.path.abspath(script)
    _start_agent(run_dir, agent_dir, workers, chunksize, _run_meta(path, script_args, workers, chunksize))
    module = _fresh_main(path)
    sys.argv = list(script_args)
    _set_sys_path(agent_dir, script)
    _run(source, path, module, agent_dir, sigint_flag)


def _main_module(agent_dir, run_dir, module_args, workers, chunksize, sigint_flag):
    if not module_args:
        # python: "Argument expected for the -m option", exit 2
        sys.stderr.write("Argument expected for the -m option\n")
        sys.exit(USAGE_EXIT)
    name = module_args[0]
    # python -m: the working directory first on the path, then what python itself put there.
    _set_sys_path(agent_dir, None)
    meta = _run_meta(name, module_args, workers, chunksize)  # `script` the file, once found
    meta["module"] = name
    _start_agent(run_dir, agent_dir, workers, chunksize, meta)
    import runpy

    try:
        # What python -m itself calls: the same search, package handling and messages.
        _name, spec, code = runpy._get_module_details(name, _NoModule)
    except _NoModule as e:
        sys.stderr.write("%s: %s\n" % (_program(), e))
        state.exit_code = 1
        sys.exit(1)
    except BaseException as e:  # noqa: BLE001 - a parent package failed to import, or a SyntaxError
        _print_uncaught(e, agent_dir)
        state.exit_code = 1
        sys.exit(1)
    path = spec.origin
    state.meta("main-module", name=name, script=path)
    module = _fresh_main(path, spec)
    sys.argv = [path] + list(module_args[1:])
    _run_code(code, path, module, agent_dir, sigint_flag)


class _NoModule(ImportError):
    """The module (or its package's __main__) cannot be found: python says why and exits 1."""


def _start_agent(run_dir, agent_dir, workers, chunksize, meta):
    try:
        install.start_main(run_dir, agent_dir, workers, meta, chunksize)
    except Exception as e:  # noqa: BLE001 - the program runs, unprofiled
        state.enabled = False
        sys.stderr.write("poolscope: agent error: %s: %s (the program runs unprofiled)\n" % (type(e).__name__, e))


def _fail(message):
    sys.stderr.write("poolscope: %s\n" % message)
    sys.exit(USAGE_EXIT)


def _run_dir():
    run_dir = os.environ.get("POOLSCOPE_RUN_DIR")
    if not run_dir:
        _fail("POOLSCOPE_RUN_DIR is not set: run the program through `poolscope profile`")
    if not os.path.isdir(run_dir):
        _fail("POOLSCOPE_RUN_DIR=%s is not a directory" % run_dir)
    if not os.access(run_dir, os.W_OK | os.X_OK):
        _fail("POOLSCOPE_RUN_DIR=%s is not writable" % run_dir)
    return os.path.abspath(run_dir)


def _positive_env(name):
    """An override from the environment: None when unset, a clear stop when not a count."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        _fail("%s=%s is not a positive integer" % (name, value))
    return number


def _program():
    orig_argv = getattr(sys, "orig_argv", None)  # 3.10+
    return orig_argv[0] if orig_argv else sys.executable


def default_start_method():
    """The default the program starts with, without importing multiprocessing (nor fixing the
    method: get_start_method() would). Where something before the launcher (a sitecustomize,
    a .pth file) imported it, its default context says; else the platform's default."""
    context = sys.modules.get("multiprocessing.context")
    default = getattr(context, "_default_context", None)
    chosen = getattr(default, "_actual_context", None) or getattr(default, "_default_context", None)
    name = getattr(chosen, "_name", None)
    if isinstance(name, str):
        return name
    return oslayer.default_start_method()


def _run_meta(path, script_args, workers, chunksize):
    overrides = {}
    if workers:
        overrides["workers"] = workers
    if chunksize:
        overrides["chunksize"] = chunksize
    return {
        "k": "run",
        "t": state.clock(),
        "script": path,
        "argv": list(script_args),
        "cwd": os.getcwd(),
        "python": "%d.%d.%d" % sys.version_info[:3],
        "executable": sys.executable,
        "startMethod": default_start_method(),
        "cpuCount": os.cpu_count(),
        "agentVersion": AGENT_VERSION,
        "formatVersion": FORMAT_VERSION,
        "overrides": overrides,
        "messageSampling": {"full": sampling.FULL, "every": sampling.EVERY},
    }


def _fresh_main(path, spec=None):
    module = type(sys)("__main__")
    if spec is None:
        from importlib.machinery import SourceFileLoader

        module.__loader__ = SourceFileLoader("__main__", path)
        module.__cached__ = None
    else:  # as runpy sets a module run with -m
        module.__loader__ = spec.loader
        module.__spec__ = spec
        module.__package__ = spec.parent
        module.__cached__ = spec.cached
    module.__annotations__ = {}
    module.__builtins__ = builtins
    module.__file__ = path
    sys.modules["__main__"] = module
    sys.modules["__mp_main__"] = module  # pickling by reference, as in spawn children
    return module


def _set_sys_path(agent_dir, script):
    """python put the launcher's directory first; the program expects its own there (its
    script's directory, or with -m (script None) the working directory)."""
    agent_real = os.path.realpath(agent_dir)
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != agent_real]
    if not getattr(sys.flags, "safe_path", False):
        sys.path.insert(0, os.getcwd() if script is None else os.path.dirname(os.path.realpath(script)))


def _run(source, path, module, agent_dir, sigint_exit):
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:  # ValueError: source with a NUL byte
        _print_uncaught(e, agent_dir)
        state.exit_code = 1
        sys.exit(1)
    _run_code(code, path, module, agent_dir, sigint_exit)


def _run_code(code, path, module, agent_dir, sigint_exit):
    try:
        exec(code, module.__dict__)
    except SystemExit as e:
        state.exit_code = _exit_status(e.code)
        raise  # the interpreter ends it exactly as it would have
    except KeyboardInterrupt as e:
        import signal

        _print_uncaught(e, agent_dir)
        _record_uncaught(e, path)
        # python ends by killing itself with SIGINT once finalized.
        state.exit_code = -signal.SIGINT
        sigint_exit.append(True)
        sys.exit(1)
    except BaseException as e:  # noqa: BLE001 - reported as python would, then exit 1
        _print_uncaught(e, agent_dir)
        _record_uncaught(e, path)
        state.exit_code = 1
        sys.exit(1)
    state.exit_code = 0


def _exit_status(code):
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return 1  # python prints the object and exits 1


def _print_uncaught(exc, agent_dir):
    _strip_agent_frames(exc, agent_dir + os.sep, set())
    sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, exc.__traceback__
    if sys.version_info >= (3, 12):
        sys.last_exc = exc
    sys.excepthook(type(exc), exc, exc.__traceback__)


def _record_uncaught(exc, script):
    """An `uncaught-exception` finding at the script's innermost line in the traceback
    (else the innermost line at all): the report marks where the program failed."""
    try:
        file = line = None
        tb = exc.__traceback__
        while tb is not None:
            frame_file = tb.tb_frame.f_code.co_filename
            if file is None or frame_file == script or file != script:
                file, line = frame_file, tb.tb_lineno
            tb = tb.tb_next
        text = "%s: %s" % (type(exc).__name__, exc) if str(exc) else type(exc).__name__
        state.meta("finding", id="uncaught-exception", file=file, line=line, message=text[:2000])
    except Exception as e:  # noqa: BLE001 - the program's own traceback is already out
        state.agent_error(e, "uncaught exception")


def _strip_agent_frames(exc, prefix, seen):
    """Drops the launcher's and the hooks' frames from a traceback (and its causes)."""
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        kept = []
        tb = exc.__traceback__
        while tb is not None:
            if not tb.tb_frame.f_code.co_filename.startswith(prefix):
                kept.append(tb)
            tb = tb.tb_next
        for tb, following in zip(kept, kept[1:] + [None]):
            tb.tb_next = following
        exc.__traceback__ = kept[0] if kept else None
        if exc.__cause__ is not None:
            _strip_agent_frames(exc.__cause__, prefix, seen)
        exc = exc.__context__


def _sigint_exit_handler():
    import atexit

    flag = []

    def die_by_sigint():
        if flag:
            import signal

            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (AttributeError, OSError, ValueError):
                    continue  # closed stream
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)

    atexit.register(die_by_sigint)
    return flag
