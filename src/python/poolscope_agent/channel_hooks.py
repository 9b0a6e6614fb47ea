"""Which connection carries what: channel ids and roles, and the `channel` META.

Every multiprocessing.connection.Connection gets a `_ps` slot, (chan, role), filled
when the agent learns what it is, or on its first pickled message. A connection the
agent never marked (a Queue passed to a spawn child, a user's Pipe end) is user
traffic. Pipes made by Pool, ProcessPoolExecutor and managers are marked as theirs;
connections from Client()/Listener.accept() (managers, resource sharing) are ignored.
"""

import os

from . import callsite, patching, state

IGNORE, USER, POOL_TASK, POOL_RESULT, EXEC_TASK, EXEC_RESULT = -1, 0, 1, 2, 3, 4

_Pipe_orig = None
_Client_orig = None
_accept_orig = None
_Queue_init_orig = None
_SimpleQueue_init_orig = None
_queue_classes = ()


def chan_of(conn):
    """The channel id: the inode of the end (shared by both ends of an os.pipe)."""
    return os.fstat(conn.fileno()).st_ino


def mark(conn, role, chan=None):
    conn._ps = (chan_of(conn) if chan is None else chan, role)


def classify(conn):
    """First pickled message on a connection nobody marked: user traffic."""
    info = (chan_of(conn), IGNORE if state.no_user_messages else USER)
    conn._ps = info
    return info


def patch_connection(connection):
    global _Pipe_orig, _Client_orig, _accept_orig
    base = getattr(connection, "_ConnectionBase", connection.Connection)
    base._ps = None
    _Pipe_orig = patching.replace(connection, "Pipe", _Pipe)
    _Client_orig = patching.replace(connection, "Client", _Client)
    _accept_orig = patching.replace(connection.Listener, "accept", _accept)


def patch_queues(queues):
    global _Queue_init_orig, _SimpleQueue_init_orig, _queue_classes
    _queue_classes = (queues.JoinableQueue, queues.SimpleQueue, queues.Queue)
    _Queue_init_orig = patching.replace(queues.Queue, "__init__", _Queue_init)
    _SimpleQueue_init_orig = patching.replace(queues.SimpleQueue, "__init__", _SimpleQueue_init)


def _Pipe(duplex=True):
    a, b = _Pipe_orig(duplex)
    if state.enabled:
        try:
            _pipe_created(a, b, duplex)
        except Exception as e:  # noqa: BLE001 - never fail the user's Pipe()
            state.agent_error(e, "Pipe")
    return a, b


def _pipe_created(a, b, duplex):
    is_user, frame = callsite.creator_is_user(("context.py",))
    if not is_user:
        # Queue internals (queues.py marks its own), Pool, executor, manager pipes.
        mark(a, IGNORE, 0)
        mark(b, IGNORE, 0)
        return
    chan_a, chan_b = chan_of(a), chan_of(b)
    mark(a, USER, chan_a)
    mark(b, USER, chan_b)
    # Pipe(duplex=False) returns (reader, writer): one os.pipe, one inode. A duplex
    # Pipe() is a socketpair: two inodes, each end sends what the other receives.
    state.meta(
        "channel",
        chan=chan_b if not duplex else chan_a,
        peer=chan_a if not duplex else chan_b,
        api="Pipe",
        duplex=bool(duplex),
        file=frame.f_code.co_filename,
        line=frame.f_lineno,
    )


def _queue_created(queue):
    is_user, frame = callsite.creator_is_user(("queues.py", "context.py"))
    if not is_user:
        return  # its pipe is already marked IGNORE; Pool/executor hooks re-mark theirs
    chan = chan_of(queue._writer)
    mark(queue._reader, USER, chan)
    mark(queue._writer, USER, chan)
    api = next((c.__name__ for c in _queue_classes if isinstance(queue, c)), type(queue).__name__)
    state.meta("channel", chan=chan, peer=chan, api=api, file=frame.f_code.co_filename, line=frame.f_lineno)


def _Queue_init(self, *args, **kwargs):
    _Queue_init_orig(self, *args, **kwargs)
    if state.enabled:
        try:
            _queue_created(self)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "Queue")


def _SimpleQueue_init(self, *args, **kwargs):
    _SimpleQueue_init_orig(self, *args, **kwargs)
    if state.enabled:
        try:
            _queue_created(self)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "SimpleQueue")


def _Client(*args, **kwargs):
    conn = _Client_orig(*args, **kwargs)
    conn._ps = (0, IGNORE)  # managers and resource sharing: not the user's messages
    return conn


def _accept(self):
    conn = _accept_orig(self)
    conn._ps = (0, IGNORE)
    return conn
