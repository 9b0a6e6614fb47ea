"""Queue._feed replaced whole (queue_hooks.py): a Queue's feeder thread records what the
general pickling and wire hooks record, reports a feeder error exactly as CPython's loop
does, and a queue whose writes go elsewhere falls back to CPython's loop."""

import pickle
import zlib

from conftest import PYTHON_VERSION, line_of
from trace_reader import KIND_MESSAGE

SCRIPT = """\
import sys
import multiprocessing as mp
import multiprocessing.queues as mq

class Logged(mq.Queue):
    def _on_queue_feeder_error(self, e, obj):
        print("feeder error", type(e).__name__, type(obj).__name__, flush=True)

def produce(q, wrapped, n):
    send = wrapped._send_bytes
    wrapped._send_bytes = lambda buf: send(buf)  # not a Connection's own: CPython's loop
    q.put(lambda: 0)  # cannot be pickled: the feeder reports it and goes on
    for i in range(n):
        q.put(("q", i))
        wrapped.put(("w", i))
    q.put(None)
    wrapped.put(None)

if __name__ == "__main__":
    n = int(sys.argv[1])
    ctx = mp.get_context("fork")
    q = Logged(ctx=ctx)  # LOGGED
    wrapped = ctx.Queue()  # WRAPPED
    p = ctx.Process(target=produce, args=(q, wrapped, n))
    p.start()
    for queue in (q, wrapped):
        total = 0
        while (msg := queue.get()) is not None:
            total += msg[1]
        print(total)
    p.join()
    print(mq.Queue._feed.__module__, file=sys.stderr)
"""


def _crc(msg):
    return zlib.crc32(pickle.dumps(msg, pickle.DEFAULT_PROTOCOL))


def test_feeder_records_every_message_and_behaves_alike(runner):
    n = 300
    script = runner.script(SCRIPT)
    plain = runner.plain(script, str(n))
    done, run = runner.launch(script, str(n))
    assert plain.returncode == 0, plain.stderr.decode()
    expected_out = b"feeder error AttributeError function\n" + (b"%d\n" % (n * (n - 1) // 2)) * 2
    assert plain.stdout == expected_out
    assert (done.returncode, done.stdout) == (plain.returncode, plain.stdout)
    feed = done.stderr.decode().split()[-1]
    if PYTHON_VERSION == (3, 11):  # the loop the replacement was checked against
        assert feed == "poolscope_agent.queue_hooks"
    else:
        assert feed in ("poolscope_agent.queue_hooks", "multiprocessing.queues")

    channels = {m["line"]: m["chan"] for m in run.main.metas("channel") if m["api"] == "Queue"}
    for marker, tag in (("# LOGGED", "q"), ("# WRAPPED", "w")):
        chan = channels[line_of(script, marker)]
        messages = [(tag, i) for i in range(n)] + [None]
        expected = [(len(pickle.dumps(m, pickle.DEFAULT_PROTOCOL)), _crc(m)) for m in messages]
        for type_ in ("SEND", "RECV"):
            records = [r for _, r in run.all(type_) if r["kind"] == KIND_MESSAGE and r["chan"] == chan]
            # One record per message, in order (fewer than the sampling threshold), each
            # standing for itself, with its pickling (or unpickling) and write times in order.
            assert [(r["bytes"], r["crc"]) for r in records] == expected
            assert all(r["job"] == 1 and r["index"] == r["bytes"] for r in records)
            if type_ == "SEND":
                assert all(r["t0"] <= r["t1"] <= r["t2"] for r in records)
