"""multiprocessing.queues.Queue, both ends replaced whole: the feeder thread (Queue._feed)
pickles and writes each message in one frame, and Queue.get reads and unpickles in one,
instead of going through the ForkingPickler.dumps/loads and Connection._send_bytes/
_recv_bytes hooks of message_hooks, which pass their stamps through a thread slot. On a
flood of small messages the producer's feeder thread is the bottleneck: every call saved
there counts.

Each replacement is CPython's code (3.11's, checked here; older versions' _feed takes
other arguments) with the measurements added, installed only when the original still is
that code (the names it uses; for _feed its arguments too) and, for _feed, on POSIX.
The feeder falls back to CPython's loop when a queue's `send_bytes` is not a plain
Connection's; where the code differs, the general hooks stay.

What they record is what the general hooks record: t0/t1 around the (un)pickling, and t2
when the write returned, under the queue's write lock. For a plain message on a channel
past its first sampling.FULL, the common case of a flood, sampling's counting is done
inline: a message not to be recorded costs a dict lookup, a crc and three adds.
"""

import sys
import time
from queue import Empty
from zlib import crc32

from . import message_hooks, oslayer, patching, sampling, state
from .state import clock

_FEED_NAMES = {
    "debug", "acquire", "release", "wait", "popleft", "_sentinel", "sys", "platform", "_ForkingPickler",
    "dumps", "IndexError", "Exception", "getattr", "errno", "EPIPE", "is_exiting", "info",
}  # fmt: skip
_FEED_ARGS = (
    "buffer", "notempty", "send_bytes", "writelock", "reader_close", "writer_close", "ignore_epipe",
    "onerror", "queue_sem",
)  # fmt: skip
_GET_NAMES = {
    "Empty", "ValueError", "_ForkingPickler", "_closed", "_poll", "_recv_bytes", "_rlock", "_sem",
    "acquire", "loads", "monotonic", "release", "time",
}  # fmt: skip

_feed_orig = None
_queues = None
_Connection = None
# Set at patch time from message_hooks (whose hooks are in by then).
_loads_orig = _recv_bytes_orig = None
_classify = message_hooks._classify
_RECEIVED = message_hooks._RECEIVED
_received_counts = sampling.received  # cleared in place after a fork, never replaced
_FULL, _EVERY = sampling.FULL, sampling.EVERY


def patch_queues(queues):
    """After message_hooks.patch_queues: the pickling and wire hooks are in by then."""
    global _feed_orig, _queues, _Connection, _loads_orig, _recv_bytes_orig
    if message_hooks._send_bytes_orig is None or message_hooks._dumps_orig is None:
        return
    _loads_orig, _recv_bytes_orig = message_hooks._loads_orig, message_hooks._recv_bytes_orig
    # Queue.get(): a consumer's every message.
    if message_hooks._uses_only(queues.Queue.get, _GET_NAMES):
        patching.replace(queues.Queue, "get", _queue_get)
    feed = queues.Queue.__dict__.get("_feed")
    code = getattr(getattr(feed, "__func__", None), "__code__", None)
    if (
        not oslayer.queue_feed_patchable()
        or not isinstance(feed, staticmethod)
        or code is None
        or set(code.co_names) != _FEED_NAMES
        or code.co_varnames[: code.co_argcount] != _FEED_ARGS
    ):
        return
    _queues, _Connection = queues, sys.modules["multiprocessing.connection"].Connection
    _feed_orig = patching.replace(queues.Queue, "_feed", staticmethod(_feed)).__func__


def _feed(buffer, notempty, send_bytes, writelock, reader_close, writer_close, ignore_epipe, onerror, queue_sem):
    conn = getattr(send_bytes, "__self__", None)
    if type(conn) is not _Connection or getattr(send_bytes, "__func__", None) is not _Connection.send_bytes:
        # A queue that writes through something else: CPython's loop, the general hooks.
        return _feed_orig(
            buffer, notempty, send_bytes, writelock, reader_close, writer_close, ignore_epipe, onerror, queue_sem
        )
    queues = _queues
    queues.debug("starting thread to feed data to pipe")
    nacquire = notempty.acquire
    nrelease = notempty.release
    nwait = notempty.wait
    bpopleft = buffer.popleft
    sentinel = queues._sentinel
    wacquire = writelock.acquire
    wrelease = writelock.release
    # Bound once for the thread's life: they are set before any Queue is made.
    pickler = message_hooks._ForkingPickler
    dumps = message_hooks._dumps_orig
    write = message_hooks._send_bytes_orig
    classify = message_hooks._classify
    sent_by_role = message_hooks._SENT
    task_end = message_hooks._task_end
    end_clocks = message_hooks.end_clocks
    counts = sampling.sent  # cleared in place after a fork, never replaced
    full, every = sampling.FULL, sampling.EVERY
    crc_of = sampling.crc_of
    st = state

    while 1:
        try:
            nacquire()
            try:
                if not buffer:
                    nwait()
            finally:
                nrelease()
            try:
                while 1:
                    obj = bpopleft()
                    if obj is sentinel:
                        queues.debug("feeder thread got sentinel -- exiting")
                        reader_close()
                        writer_close()
                        return

                    # serialize the data before acquiring the lock
                    item = obj
                    t0 = clock()
                    cpu = end_clocks() if st.task_cpu else 0
                    obj = dumps(pickler, item)
                    t1 = clock()
                    if st.task_open:
                        task_end(conn, item, t0, cpu)
                    wacquire()
                    try:
                        # Connection.send_bytes(obj) for a whole buffer: its checks, then
                        # the unhooked write.
                        if conn._handle is None or not conn._writable:
                            conn._check_closed()
                            conn._check_writable()
                        write(conn, obj)
                        t2 = clock()
                    finally:
                        wrelease()
                    try:
                        chan, role = conn._ps or classify(conn)
                        nbytes = len(obj)
                        if role == 0:
                            # sampling.sent_message, inline for a channel past its first FULL.
                            c = counts.get(chan)
                            if c is not None and c[0] > full:
                                if (crc32(obj) if nbytes <= 8192 else crc_of(obj, nbytes)) % every:
                                    c[0] += 1
                                    c[1] += 1
                                    c[2] += nbytes
                                    continue
                        sent_by_role[role](chan, item, nbytes, t0, t1, t2, obj)
                    except Exception as e:  # noqa: BLE001 - the message went; only the record is lost
                        st.agent_error(e, "recording a send")
            except IndexError:
                pass
        except Exception as e:
            if ignore_epipe and getattr(e, "errno", 0) == queues.errno.EPIPE:
                return
            # Since this runs in a daemon thread the resources it uses
            # may be become unusable while the process is cleaning up.
            # We ignore errors which happen after the process has
            # started to cleanup.
            if queues.is_exiting():
                queues.info("error in queue thread: %s", e)
                return
            else:
                # Since the object has not been sent in the queue, we need
                # to decrease the size of the queue. The error acts as
                # if the object had been silently removed from the queue
                # and this step is necessary to have a properly working
                # queue.
                queue_sem.release()
                onerror(e, obj)


def _queue_get(self, block=True, timeout=None):
    if self._closed:
        raise ValueError(f"Queue {self!r} is closed")
    reader = self._reader
    if block and timeout is None:
        with self._rlock:
            # recv_bytes()'s checks, inline on a consumer's every message
            if reader._handle is None or not reader._readable:
                reader._check_closed()
                reader._check_readable()
            buf = _recv_bytes_orig(reader)
            t0 = clock()
        self._sem.release()
    else:
        if block:
            deadline = time.monotonic() + timeout
        if not self._rlock.acquire(block, timeout):
            raise Empty
        try:
            if block:
                timeout = deadline - time.monotonic()
                if not self._poll(timeout):
                    raise Empty
            elif not self._poll():
                raise Empty
            buf = _read_checked(reader)
            t0 = clock()
            self._sem.release()
        finally:
            self._rlock.release()
    # unserialize the data after having released the lock
    data = buf.getbuffer()
    obj = _loads_orig(data)
    t1 = clock()
    try:
        chan, role = reader._ps or _classify(reader)
        nbytes = buf.tell()
        if role == 0:
            # sampling.received_message, inline for a channel past its first FULL (a flood).
            c = _received_counts.get(chan)
            if c is not None and c[0] > _FULL:
                if (crc32(data) if nbytes <= 8192 else sampling.crc_of(data, nbytes)) % _EVERY:
                    c[0] += 1
                    c[1] += 1
                    c[2] += nbytes
                    return obj
        _RECEIVED[role](chan, obj, nbytes, t0, t1, data)
    except Exception as e:  # noqa: BLE001
        state.agent_error(e, "recording a receive")
    return obj


def _read_checked(conn):
    # Connection.recv_bytes() without a maximum, straight to the unhooked read.
    conn._check_closed()
    conn._check_readable()
    return _recv_bytes_orig(conn)
