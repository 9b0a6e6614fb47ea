"""Adaptive sampling of plain messages (kind 0: user Queue, SimpleQueue and Pipe traffic).

Writing a record costs more than the rest of the hooks together (a lock and two struct
writes, ~1.5 us), so on a flood of small messages the records themselves were the
overhead. Every message is still counted; only some are recorded in full:

- the first FULL messages a process sends (or receives) on a channel, each one;
- after that, a message whose pickled bytes have zlib.crc32 % EVERY == 0 (1 in 17).

The sender and the receiver see the same bytes, so past their first FULL they record
the same messages, however many producers share the channel; the model pairs records
by crc (docs/trace-format.md). A record also says how many messages (and bytes) it
stands for: itself plus those left unrecorded since this process's previous record on
that channel and direction. What is left unrecorded at the end is written as a
`msg-counts` META at normal exit; a killed process loses only that tail count.

Pool and executor tasks and results are never sampled: their records are the tasks.

The counters are updated without a lock (a lock is what this saves): two threads of one
process sending on the same channel at the very same moment could lose a count. A Queue
sends from its one feeder thread; SimpleQueue.put from several threads is the exception.
"""

from zlib import crc32

from . import state as _state

FULL = 1000
# A prime, so that every bit of the crc counts: crc32 is linear over GF(2), and for messages
# that differ in a counter its low bits (all that % 16 would look at) follow the counter,
# recording bursts of consecutive messages and skipping long runs. % 17 spreads them out.
EVERY = 17

# chan -> [messages seen, messages since the last record, their bytes], per direction.
# Cleared in place after a fork (forget_after_fork).
sent = {}
received = {}
_flush_registered = [False]


# -- the hot path: one call per plain message (message_hooks' tables) -------------
# For a message not recorded: a dict lookup, an increment and a crc32. For kind 0 a
# record's `job` and `index` are the messages and bytes it stands for.

KIND_MESSAGE = 0


def sent_message(chan, obj, nbytes, t0, t1, t2, buf):
    c = sent.get(chan)
    if c is None:
        c = sent[chan] = [0, 0, 0]
    n = c[0] = c[0] + 1
    crc = crc32(buf) if nbytes <= 8192 else crc_of(buf, nbytes)
    if n > FULL:
        if n == FULL + 1:
            past_full()
        if crc % EVERY:
            c[1] += 1
            c[2] += nbytes
            return
    _state.rec.send(chan, c[1] + 1, c[2] + nbytes, nbytes, t0, t1, t2, 0, 0, KIND_MESSAGE, 0, crc)
    c[1] = c[2] = 0


def received_message(chan, obj, nbytes, t0, t1, data):
    c = received.get(chan)
    if c is None:
        c = received[chan] = [0, 0, 0]
    n = c[0] = c[0] + 1
    crc = crc32(data) if nbytes <= 8192 else crc_of(data, nbytes)
    if n > FULL:
        if n == FULL + 1:
            past_full()
        if crc % EVERY:
            c[1] += 1
            c[2] += nbytes
            return
    _state.rec.recv(chan, c[1] + 1, c[2] + nbytes, nbytes, t0, t1, KIND_MESSAGE, 0, crc)
    c[1] = c[2] = 0


def forget_after_fork():
    """A forked child counts its own messages from zero (the parent's tail is the parent's)."""
    sent.clear()
    received.clear()
    _flush_registered[0] = False


def crc_of(buf, nbytes):
    """The sampling key: crc32 of the pickled bytes; past 8 KiB, of the first and last
    4 KiB only (a large message costs no more to key than a small one)."""
    if nbytes <= 8192:
        return crc32(buf)
    view = memoryview(buf)
    return crc32(view[nbytes - 4096 :], crc32(view[:4096]))


def past_full():
    """Called once per channel and direction, when it first goes past FULL: makes sure the
    tail is written at exit, after multiprocessing's own exit work (Queue feeder threads
    flush there, and their last messages are counted then)."""
    if not _flush_registered[0]:
        _flush_registered[0] = True
        try:
            from multiprocessing import util

            util.Finalize(None, flush, exitpriority=-100)
        except Exception:  # noqa: BLE001 - write_exit still flushes what it can
            pass


def flush():
    """Writes the unrecorded tail counts (if any) as one `msg-counts` META, and zeroes them."""
    out = _tails(sent)
    inp = _tails(received)
    if out or inp:
        _state.meta("msg-counts", sent=out, received=inp, full=FULL, every=EVERY)


def _tails(counts):
    tails = []
    for chan, c in list(counts.items()):
        if c[1]:
            tails.append([chan, c[1], c[2]])
            c[1] = c[2] = 0
    return tails

