"""Per-process event files: mmap'd segments of fixed-layout records (docs/trace-format.md).

Records go straight into a MAP_SHARED mapping of a file in the run directory, so a
reader sees them at once and nothing is lost when the process ends in os._exit or
SIGKILL. Space is reserved with posix_fallocate: a full disk is an OSError there,
never SIGBUS while writing. Several threads of one process write (the main thread,
Pool's handler threads, Queue feeder threads), so each record is written under a lock,
and a segment is only swapped for the next under it: a live reader that finds the
next segment knows nothing more will land in the one before.
"""

import os
import struct
import sys
import time
from _thread import RLock

from . import jsonenc, oslayer

SEGMENT_FIRST = 256 * 1024
SEGMENT_MAX = 16 * 1024 * 1024
HEADER_SIZE = 64
# The tail of every segment that records never fill: if the next segment cannot be
# reserved, the note that recording stopped still fits in this one.
STOP_RESERVE = 256

T_META, T_SEND, T_RECV, T_RUN = 1, 2, 3, 4
NO_CPU = 0xFFFFFFFFFFFFFFFF  # RUN's cpu, wait or pcpu when that clock was not read
RUN_SAMPLE = 1  # RUN flag: the task's clocks were read as the worker's one-in-16 sample

_HEADER = struct.Struct("<4sHHIIQQ32x")
_LENGTH = struct.Struct("<I")
_TYPE = struct.Struct("<HH")
# Each struct starts at offset 4 of its record: type, flags, then the payload.
_SEND = struct.Struct("<HHQqqQQQQIIBBxxI")  # ... kind, ok, 2 zero bytes, crc
_RECV = struct.Struct("<HHQqqQQQBBxxI")
_RUN = struct.Struct("<HHQqqQQQQQQQ")
SEND_SIZE = 4 + _SEND.size  # 80
RECV_SIZE = 4 + _RECV.size  # 64
RUN_SIZE = 4 + _RUN.size  # 88


def segment_size(index):
    return min(SEGMENT_FIRST << (2 * index), SEGMENT_MAX)


class Recorder:
    """Writes one process's records; opens its first segment on the first record."""

    def __init__(self, run_dir, pid, start, first_records):
        self.run_dir = run_dir
        self.pid = pid
        self.start = start
        # Called (lock held) when segment 0 opens: the METAs that must come first.
        self._first_records = first_records
        # Reentrant: a signal handler that sends a message runs on the thread it
        # interrupted, maybe in the middle of a write. With a plain lock it would wait
        # for itself forever; here its record goes in first, then the interrupted one's.
        self._lock = RLock()
        self._mm = None
        self._segment = -1
        self._off = 0
        self._end = 0
        self.dead = False
        self.opened = False

    @property
    def stream(self):
        return "ev-%d-%d" % (self.pid, self.start)

    def open_now(self):
        with self._lock:
            if not self.opened:
                self._next_segment(0)

    def forget_after_fork(self):
        """In a forked child: drop the parent's mapping (writing there would corrupt its file)."""
        mm, self._mm = self._mm, None
        if mm is not None:
            mm.close()  # unmaps in this process only

    # -- hot path -------------------------------------------------------------
    # acquire/release rather than `with`: a third cheaper, and these run per message.

    def send(self, chan, job, index, nbytes, t0, t1, t2, items, call, kind, ok, crc=0):
        lock = self._lock
        lock.acquire()
        try:
            off = self._off
            if off + SEND_SIZE > self._end:
                off = self._next_segment(SEND_SIZE)
                if off < 0:
                    return
            self._off = off + SEND_SIZE
            mm = self._mm
            _SEND.pack_into(mm, off + 4, T_SEND, 0, chan, job, index, nbytes, t0, t1, t2, items, call, kind, ok, crc)
            _LENGTH.pack_into(mm, off, SEND_SIZE)
        finally:
            lock.release()

    def recv(self, chan, job, index, nbytes, t0, t1, kind, ok, crc=0):
        lock = self._lock
        lock.acquire()
        try:
            off = self._off
            if off + RECV_SIZE > self._end:
                off = self._next_segment(RECV_SIZE)
                if off < 0:
                    return
            self._off = off + RECV_SIZE
            mm = self._mm
            _RECV.pack_into(mm, off + 4, T_RECV, 0, chan, job, index, nbytes, t0, t1, kind, ok, crc)
            _LENGTH.pack_into(mm, off, RECV_SIZE)
        finally:
            lock.release()

    def run(self, chan, job, index, t0, t1, cpu, wait=NO_CPU, pcpu=NO_CPU, blocked=0, flags=0, gc=0):
        lock = self._lock
        lock.acquire()
        try:
            off = self._off
            if off + RUN_SIZE > self._end:
                off = self._next_segment(RUN_SIZE)
                if off < 0:
                    return
            self._off = off + RUN_SIZE
            mm = self._mm
            _RUN.pack_into(mm, off + 4, T_RUN, flags, chan, job, index, t0, t1, cpu, wait, pcpu, blocked, gc)
            _LENGTH.pack_into(mm, off, RUN_SIZE)
        finally:
            lock.release()

    def meta(self, fields):
        data = jsonenc.encode(fields)
        size = (8 + len(data) + 7) & ~7
        lock = self._lock
        lock.acquire()
        try:
            off = self._off
            if off + size > self._end:
                off = self._next_segment(size)
                if off < 0:
                    return
            self._put_meta(off, data, size)
        finally:
            lock.release()

    # -- segments -------------------------------------------------------------

    def _put_meta(self, off, data, size):
        self._off = off + size
        mm = self._mm
        mm[off + 8 : off + 8 + len(data)] = data  # the padding is already zero
        _TYPE.pack_into(mm, off + 4, T_META, 0)
        _LENGTH.pack_into(mm, off, size)

    def _next_segment(self, need):
        """Opens the next segment (lock held); returns where `need` bytes go, or -1."""
        if self.dead:
            return -1
        index = self._segment + 1
        size = segment_size(index)
        while size - HEADER_SIZE < need and size < SEGMENT_MAX:
            size *= 4
        if size - HEADER_SIZE < need:
            return -1  # a record larger than any segment: dropped
        path = os.path.join(self.run_dir, "%s.%d.bin" % (self.stream, index))
        try:
            mm = oslayer.map_new_file(path, size)
        except OSError as e:
            self._stop(path, e)
            return -1
        if self._mm is not None:
            self._mm.close()
        _HEADER.pack_into(mm, 0, b"PSEV", 1, HEADER_SIZE, self.pid, index, size, self.start)
        self._mm, self._segment, self._off, self._end = mm, index, HEADER_SIZE, size - STOP_RESERVE
        if not self.opened:
            self.opened = True
            for fields in self._first_records():
                data = jsonenc.encode(fields)
                self._put_meta(self._off, data, (8 + len(data) + 7) & ~7)
        return self._off

    def _stop(self, path, error):
        self.dead = True
        try:
            os.unlink(path)
        except OSError:
            pass  # never created, or already gone: nothing to clean
        reason = error.strerror or str(error)
        if self._mm is not None:  # the trace itself says where it ends, and why
            note = {"k": "agent-error", "t": time.perf_counter_ns()}
            note["message"] = ("recording stopped: no space for more trace (%s)" % reason)[:120]
            data = jsonenc.encode(note)
            if 8 + len(data) <= STOP_RESERVE:
                self._put_meta(self._off, data, (8 + len(data) + 7) & ~7)
        sys.stderr.write(
            "poolscope: cannot reserve trace space in %s (%s); recording stopped in process %d,"
            " the program goes on\n" % (self.run_dir, reason, self.pid)
        )
