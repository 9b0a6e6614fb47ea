"""The missing `if __name__ == "__main__":` guard.

Under spawn and forkserver a child re-imports the main script. Without the guard its
top level starts processes again: CPython refuses (RuntimeError in the child), the
child dies, and a Pool then replaces it, forever (~200 processes in 10 s).

Detection: BaseProcess.start() or set_start_method() called while
current_process()._inheriting is true (spawn._main and the fork server set it while
they import the main script; set_start_method() at the top level is what such a child
trips on first: spawn already set its context). That child leaves a marker file in the
run directory and goes on as CPython would (it raises). The parent sees the marker at
its next start(), or when a child ends with a non-zero code, writes the `finding`,
kills its descendants and exits with EXIT_CODE. Raising inside the parent's start()
instead would kill Pool's worker-handler thread, and terminate() would then hang.
"""

import os
import signal
import sys

from . import callsite, oslayer, patching, state

EXIT_CODE = 86
MARKER = "missing-main-guard.marker"


_last_start_site = (None, None)  # the user's line behind the latest start() here
_set_start_method_orig = None


def patch_context(context):
    global _set_start_method_orig
    _set_start_method_orig = patching.replace(context.DefaultContext, "set_start_method", _set_start_method)


def _set_start_method(self, method, force=False):
    if state.enabled:
        try:
            before_set_start_method(force)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "set_start_method")
    return _set_start_method_orig(self, method, force)


def before_start(proc):
    global _last_start_site
    if _importing_main(_start_method(proc)):
        _leave_marker(_start_method(proc))
        return
    check_marker()
    site = callsite.user_site()
    if site[0] is not None:  # Pool's handler thread restarting workers has none
        _last_start_site = site


def before_set_start_method(force):
    """DefaultContext.set_start_method(), which spawn's own prepare() calls with force."""
    if not force and _importing_main(None):
        _leave_marker(None)


def after_failed_start():
    """start() raised: under forkserver that is how the parent learns the server died of it."""
    try:
        check_marker()
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "guard")


def after_child_failed():
    check_marker()


def check_marker():
    if _importing_main(None):
        return  # the child that left it: it fails on its own, as without the agent
    path = os.path.join(state.run_dir, MARKER)
    if os.path.exists(path):
        stop_run(_read_marker(path))


def _importing_main(method):
    process = sys.modules.get("multiprocessing.process")
    if process is None or not getattr(process.current_process(), "_inheriting", False):
        return False
    return method != "fork"  # starting a fork child does not re-import: no storm


def _start_method(proc):
    method = getattr(proc, "_start_method", None)
    if method is None:
        context = sys.modules.get("multiprocessing.context")
        if context is not None:
            method = context._default_context.get_start_method(allow_none=True)
    return method


def _leave_marker(method):
    file, line = _main_script_site()
    fields = {"pid": os.getpid(), "file": file, "line": line, "startMethod": method or state.started_by}
    path = os.path.join(state.run_dir, MARKER)
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(repr(fields))  # a private file: read back with ast.literal_eval
    os.replace(tmp, path)  # the parent reads it whole or not at all


def _main_script_site():
    """The innermost frame of the main script being imported (a helper function
    defined there counts: its globals are the script's)."""
    f = sys._getframe(1)
    first_user = None
    while f is not None:
        if f.f_globals.get("__name__") in ("__mp_main__", "__main__"):
            return f.f_code.co_filename, f.f_lineno
        if first_user is None and not f.f_code.co_filename.startswith(("<", os.path.dirname(os.__file__))):
            first_user = f
        f = f.f_back
    if first_user is not None:
        return first_user.f_code.co_filename, first_user.f_lineno
    return None, None


def _read_marker(path):
    import ast

    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return ast.literal_eval(f.read())
    except (OSError, ValueError, SyntaxError):
        return {}


def stop_run(marker):
    # Where the finding points: the line that started the process here when it is in
    # the main script (the Pool() or start() line), else the top-level line the child
    # was running when it failed.
    main_script = getattr(sys.modules.get("__main__"), "__file__", None)
    child_file, child_line = marker.get("file"), marker.get("line")
    file, line = _last_start_site if _last_start_site[0] == main_script else (child_file, child_line)
    method = marker.get("startMethod") or "spawn"
    where = "%s:%s" % (file, line) if file else "the main script"
    message = (
        "%s starts processes when the main module is imported: each %s child imports it "
        "again, runs that code too, fails, and is replaced, without end. Put the code that "
        'starts processes under `if __name__ == "__main__":`.' % (where, method)
    )
    state.meta("finding", id="missing-main-guard", file=file, line=line, message=message)
    _flush_std_streams()
    sys.stderr.write("poolscope: %s Run stopped (exit code %d).\n" % (message, EXIT_CODE))
    _flush_std_streams()
    _kill_descendants()
    os._exit(EXIT_CODE)


def _flush_std_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            continue  # closed or replaced stream: nothing to flush


def _kill_descendants():
    """SIGKILL every descendant but the resource tracker, which ends by itself once its
    pipe's writers are gone and still unlinks leaked semaphores. Then reap our children."""
    keep = _resource_tracker_pid()
    me = os.getpid()
    for pid in _descendants(me):
        if pid != keep:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                continue  # already gone
    _reap_children(keep)


def _resource_tracker_pid():
    tracker = sys.modules.get("multiprocessing.resource_tracker")
    return getattr(getattr(tracker, "_resource_tracker", None), "_pid", None)


def _descendants(root):
    found = oslayer.descendants(root)
    return _known_children() if found is None else found


def _known_children():
    process = sys.modules.get("multiprocessing.process")
    children = list(getattr(process, "_children", ())) if process else []
    return [p.pid for p in children if p.pid]


def _reap_children(keep):
    import time

    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            alive = [p for p in _descendants(os.getpid()) if p != keep]
            if not alive:
                return
            time.sleep(0.01)
