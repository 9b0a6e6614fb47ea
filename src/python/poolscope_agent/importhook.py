"""Patch a module right after it is first imported (a post-import hook on sys.meta_path).

Importing multiprocessing.connection eagerly costs 6-10 ms, managers ~22 ms and
concurrent.futures ~5 ms, and a program that never uses them should not pay, nor
see them in sys.modules. A module that is already imported is patched at once.
"""

import sys

from . import state

_callbacks = {}  # module name -> [callback(module)]


class _PostImportFinder:
    """Finds nothing itself: asks the finders after it, then wraps the loader."""

    _busy = set()

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name not in _callbacks or name in cls._busy:
            return None
        cls._busy.add(name)  # the finders after us must not find us again
        try:
            spec = _find_with_others(name, path, target)
        finally:
            cls._busy.discard(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _PatchingLoader(spec.loader, name)
        return spec


def _find_with_others(name, path, target):
    for finder in sys.meta_path:
        if finder is _PostImportFinder:
            continue
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        spec = find_spec(name, path, target)
        if spec is not None:
            return spec
    return None


class _PatchingLoader:
    """Runs the real loader, puts it back on the module, then calls the patches."""

    def __init__(self, loader, name):
        self._loader = loader
        self._name = name

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        loader = self._loader
        # The module must look as if we were never there (tracebacks, get_source).
        module.__loader__ = loader
        if module.__spec__ is not None:
            module.__spec__.loader = loader
        loader.exec_module(module)
        _run_callbacks(self._name, module)

    def __getattr__(self, attr):
        return getattr(self._loader, attr)


def _run_callbacks(name, module):
    for callback in _callbacks.get(name, ()):
        _run_callback(name, module, callback)


def when_imported(name, callback):
    """Calls callback(module) once `name` is imported (now, if it already is)."""
    _callbacks.setdefault(name, []).append(callback)
    module = sys.modules.get(name)
    if module is not None:
        _run_callback(name, module, callback)


def _run_callback(name, module, callback):
    try:
        callback(module)
    except Exception as e:  # noqa: BLE001 - a failed patch leaves the module as it was
        state.agent_error(e, "patching " + name)


def install():
    if _PostImportFinder not in sys.meta_path:
        sys.meta_path.insert(0, _PostImportFinder)
