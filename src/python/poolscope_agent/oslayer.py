"""What the agent asks of the operating system, in one place: a port to another system is this
module (and nothing else in the agent tests sys.platform or reads /proc).

Linux is supported. macOS is untested: these functions fall back where Linux-only files are
missing (no run-queue waits, children found through multiprocessing). Windows is not supported:
trace files are shared memory mappings (mmap.MAP_SHARED) and runs end as process groups.
"""

import mmap
import os
import sys

SCHEDSTAT = "/proc/thread-self/schedstat"


def unsupported():
    """Why the agent cannot run here, in one line; None where it can."""
    if sys.platform == "win32" or not hasattr(mmap, "MAP_SHARED"):
        return (
            "PoolScope runs on Linux (also in WSL, Remote-SSH and dev containers), not on %s: "
            "its trace files are shared memory mappings this system lacks" % sys.platform
        )
    return None


def default_start_method():
    """The platform's default, without importing multiprocessing (which would also fix it)."""
    if sys.platform in ("win32", "darwin"):
        return "spawn"
    return "forkserver" if sys.version_info >= (3, 14) else "fork"


def map_new_file(path, size):
    """A new file of `size` bytes, mapped shared for reading and writing. Its space is reserved
    first where the system can (posix_fallocate): a full disk is then an OSError here, never a
    SIGBUS while writing."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if hasattr(os, "posix_fallocate"):
            os.posix_fallocate(fd, 0, size)
        else:  # macOS: no reservation, a full disk may then fault
            os.ftruncate(fd, size)
        return mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    finally:
        os.close(fd)  # the mapping keeps its own reference


def descendants(root):
    """Every descendant of process `root` (children first), from /proc; None where there is no
    /proc to read (the caller then knows only the children it started)."""
    parents = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat = f.read()
        except OSError:
            continue  # it ended while we looked
        # Field 4 (ppid) follows the parenthesised name, which may hold spaces.
        fields = stat[stat.rfind(b")") + 2 :].split()
        parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in parents.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


def has_schedstat():
    return os.path.exists(SCHEDSTAT)


def open_schedstat():
    """An fd of the calling thread's scheduler statistics (Linux only; OSError elsewhere)."""
    return os.open(SCHEDSTAT, os.O_RDONLY | os.O_CLOEXEC)


def read_run_delay(fd):
    """ns the thread of `fd` (open_schedstat) has waited runnable, from its second field."""
    return int(os.pread(fd, 64, 0).split()[1])


def process_usage():
    """(user CPU s, system CPU s, peak RSS bytes or None) of this process."""
    try:
        import resource
    except ImportError:  # no resource module (Windows): times without the peak
        times = os.times()
        return times.user, times.system, None
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # Linux reports KiB, macOS bytes.
    return usage.ru_utime, usage.ru_stime, usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def queue_feed_patchable():
    """Whether Queue._feed is the POSIX one the queue hooks know (Windows has its own)."""
    return sys.platform != "win32"
