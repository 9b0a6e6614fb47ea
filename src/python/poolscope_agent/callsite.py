"""Where in the user's code a pool, queue or call was made: the first frame, walking
out from the hook, that is not multiprocessing, concurrent.futures, the agent or a
library added as it is imported (joblib: add_library)."""

import os
import sys

_AGENT_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_library = None  # prefixes of the agent and the two stdlib packages
_added = ()  # packages whose frames are library frames too (joblib_hooks)


def add_library(package_dir):
    """Frames in package_dir (a pool library such as joblib) are not the user's."""
    global _added, _library
    prefix = os.path.join(package_dir, "")
    if prefix not in _added:
        _added += (prefix,)
        if _library is not None:
            _library += (prefix,)


def _library_prefixes():
    global _library
    if _library is None:
        mp = sys.modules.get("multiprocessing")
        if mp is None or not getattr(mp, "__file__", None):
            return (_AGENT_DIR,) + _added  # not imported yet: nothing of it can be on the stack
        mp_dir = os.path.dirname(mp.__file__)
        stdlib = os.path.dirname(mp_dir)
        _library = (_AGENT_DIR, mp_dir + os.sep, os.path.join(stdlib, "concurrent") + os.sep) + _added
    return _library


def is_library(filename):
    return filename.startswith(_library_prefixes())


def user_frame():
    """The innermost frame outside the library, or None."""
    prefixes = _library_prefixes()
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(prefixes):
        f = f.f_back
    return f


def user_site():
    """(file, line) of the user's call, or (None, None)."""
    f = user_frame()
    if f is None:
        return None, None
    return f.f_code.co_filename, f.f_lineno


def creator_is_user(skip_names):
    """Whether the code that asked for a queue or pipe is the user's.

    Walks past the agent and the files named in skip_names (basenames inside
    multiprocessing, e.g. the queues.py and context.py frames between a user's
    `multiprocessing.Queue()` and Pipe()), then looks at the next frame: Pool,
    ProcessPoolExecutor and managers make their own pipes, which are not user traffic.
    Returns (is_user, frame).
    """
    prefixes = _library_prefixes()
    mp_dir = prefixes[1] if _library is not None else None
    f = sys._getframe(1)
    while f is not None:
        filename = f.f_code.co_filename
        if filename.startswith(_AGENT_DIR):
            f = f.f_back
            continue
        if mp_dir and filename.startswith(mp_dir) and os.path.basename(filename) in skip_names:
            f = f.f_back
            continue
        break
    if f is None:
        return False, None
    return not f.f_code.co_filename.startswith(prefixes), f
