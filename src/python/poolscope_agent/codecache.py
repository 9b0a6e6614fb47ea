"""The agent's compiled code, so that no process compiles it twice.

PYTHONDONTWRITEBYTECODE=1 is common (and set on the machines this was built on):
python then compiles the agent's sources in every process, 12-25 ms in the main and
6-7 ms in each spawn child. Instead the main loads the code objects from a cache file
(made the first time, checked against the sources' sizes and mtimes like a .pyc) and
a finder serves the agent's modules from them; spawn children and the fork server get
the same code objects through a file in the run directory (spawn_boot).

The cache lives in <agent dir>/__pycache__ (ignored by git and by the build's copy),
else $XDG_CACHE_HOME/poolscope; when neither is writable the main just compiles.
Nothing here may import another agent module: this runs before they can be found.
"""

import marshal
import os
import sys

PACKAGE = "poolscope_agent"

codes = None  # {module name: (is package, file, code object)} once loaded
origin = "source"  # where this process got its code: 'cache', 'compiled' or 'source'


def load(agent_dir):
    """Makes the agent importable from compiled code; returns the codes."""
    global codes, origin
    sources = _sources(agent_dir)
    key = _key(sources)
    for path in _cache_paths(agent_dir):
        cached = _read(path)
        if isinstance(cached, dict) and cached.get("key") == key:
            codes, origin = cached["codes"], "cache"
            break
    else:
        codes, origin = _compile_all(sources), "compiled"
        for path in _cache_paths(agent_dir):
            if _write(path, {"key": key, "codes": codes}):
                break
        _write_boot_pycs(sources)
    install_finder(codes)
    return codes


def install_finder(codes_):
    """Serves the modules in codes_ ahead of the path finder."""
    spec_type = type(sys.__spec__)  # importlib's ModuleSpec, without importing importlib

    class PoolscopeCodeFinder:
        @staticmethod
        def find_spec(name, path=None, target=None):
            entry = codes_.get(name)
            if entry is None:
                return None
            is_package, filename, _ = entry
            spec = spec_type(name, PoolscopeCodeFinder, origin=filename, is_package=is_package)
            spec.has_location = True  # sets __file__: tracebacks and linecache find the source
            if is_package:
                spec.submodule_search_locations = [os.path.dirname(filename)]
            return spec

        @staticmethod
        def create_module(spec):
            return None

        @staticmethod
        def exec_module(module):
            exec(codes_[module.__name__][2], module.__dict__)

    sys.meta_path.insert(0, PoolscopeCodeFinder)


def write_plain(path, codes_):
    """The codes alone, for the run directory (one run, one agent: nothing to check)."""
    return _write(path, codes_)


def compile_agent(agent_dir):
    return _compile_all(_sources(agent_dir))


def _sources(agent_dir):
    package_dir = os.path.join(agent_dir, PACKAGE)
    found = []
    for filename in sorted(os.listdir(package_dir)):
        if filename.endswith(".py"):
            name = PACKAGE if filename == "__init__.py" else PACKAGE + "." + filename[:-3]
            found.append((name, filename == "__init__.py", os.path.join(package_dir, filename)))
    return found


def _key(sources):
    stats = []
    for _, _, path in sources:
        st = os.stat(path)
        stats.append((path, st.st_mtime_ns, st.st_size))
    return (sys.version, sys.flags.optimize, tuple(stats))


def _compile_all(sources):
    compiled = {}
    for name, is_package, path in sources:
        with open(path, "rb") as f:
            compiled[name] = (is_package, path, compile(f.read(), path, "exec", dont_inherit=True))
    return compiled


def _write_boot_pycs(sources):
    """The package and this module load before the cache can serve them: standard .pyc
    files for those two, which python reads even under PYTHONDONTWRITEBYTECODE (it only
    stops writing them). Compiling them from source cost 2-3 ms in every run."""
    try:
        import py_compile  # only here: once per new agent version

        for name, _, path in sources:
            if name in (PACKAGE, PACKAGE + ".codecache"):
                py_compile.compile(path, doraise=True)
    except Exception:  # noqa: BLE001 - a read-only install: they compile each time, as before
        pass


def _cache_paths(agent_dir):
    name = "%s.%s.code" % (PACKAGE, sys.implementation.cache_tag or "python")
    yield os.path.join(agent_dir, "__pycache__", name)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    yield os.path.join(base, "poolscope", name)


def _read(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
        # marshal.load(f) reads a file object a few bytes per call: 5-8x slower.
        return marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError):
        return None  # missing, or from another Python: rebuilt


def _write(path, data):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(tmp, "wb") as f:
            marshal.dump(data, f)
        os.replace(tmp, path)  # readers see all of it or none
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass  # never created
        return False
