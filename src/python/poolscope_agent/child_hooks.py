"""Child Python processes that run without the agent: the program's subprocess.Popen
(run, call, check_output...) of a Python interpreter. The parent names each in a `start`
META with role `uninstrumented` and its command as `name`, so that the report says what
ran unprofiled (which, how many) instead of only that no parallel work was recorded.
loky workers the agent could not get into are named the same way (joblib_hooks).
"""

import os
import sys

from . import callsite, patching, state

_Popen_init_orig = None


subprocess_file = None


def patch_subprocess(subprocess):
    global _Popen_init_orig, subprocess_file
    subprocess_file = subprocess.__file__
    _Popen_init_orig = patching.replace(subprocess.Popen, "__init__", _Popen_init)


def _Popen_init(self, args, *rest, **kwargs):
    if not state.enabled:
        return _Popen_init_orig(self, args, *rest, **kwargs)
    t0 = state.clock()
    _Popen_init_orig(self, args, *rest, **kwargs)
    try:
        # Popen(args, bufsize, executable, ...): executable may come second.
        executable = kwargs.get("executable", rest[1] if len(rest) > 1 else None)
        command = python_command(args, executable)
        if command is not None:
            file, line = _caller(subprocess_file)
            state.meta(
                "start", child=self.pid, t0=t0, t1=state.clock(), name=command, startMethod="subprocess",
                role="uninstrumented", file=file, line=line,
            )  # fmt: skip
    except Exception as e:  # noqa: BLE001 - the child runs; only its note is lost
        state.agent_error(e, "subprocess")


def _caller(subprocess_file):
    """(file, line) of the user's call: outside subprocess.py (run() calls Popen) and the library."""
    f = sys._getframe(1)
    while f is not None and (f.f_code.co_filename == subprocess_file or callsite.is_library(f.f_code.co_filename)):
        f = f.f_back
    return (f.f_code.co_filename, f.f_lineno) if f is not None else (None, None)


def python_command(args, executable=None):
    """The command line (at most 200 characters) when it runs a Python interpreter, else None."""
    if isinstance(args, (str, bytes, os.PathLike)):
        argv = os.fsdecode(args).split()  # a shell string or a lone program: its first word is enough
    else:
        argv = [os.fsdecode(a) for a in args]
    program = os.fsdecode(executable) if executable is not None else (argv[0] if argv else "")
    if not _is_python(program):
        return None
    return " ".join(argv)[:200]


def _is_python(program):
    name = os.path.basename(program).lower()
    if name.endswith(".exe"):
        name = name[:-4]
    if name.startswith("python") and all(ch.isdigit() or ch == "." for ch in name[6:]):
        return True
    if os.sep in program and sys.executable:
        try:
            return os.path.realpath(program) == os.path.realpath(sys.executable)
        except (OSError, ValueError):
            return False
    return False
