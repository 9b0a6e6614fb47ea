"""SimpleQueue, JoinableQueue and Pipe (one-way and duplex): `channel` METAs at the
user's line, and every message recorded at both ends with its exact pickled size."""

import pickle

import pytest

from conftest import START_METHODS, line_of
from trace_reader import KIND_MESSAGE

SCRIPT = """\
import sys
import multiprocessing as mp

def echo(conn, simple, joinable, oneway):
    while True:
        msg = conn.recv()
        if msg is None:
            break
        conn.send(msg * 2)
    simple.put("from child")
    joinable.put(("joined", 1))
    oneway.send(list(range(50)))

if __name__ == "__main__":
    ctx = mp.get_context(sys.argv[1])
    here, there = ctx.Pipe()  # @duplex
    simple = ctx.SimpleQueue()  # @simple
    joinable = ctx.JoinableQueue()  # @joinable
    reader, writer = ctx.Pipe(duplex=False)  # @oneway
    child = ctx.Process(target=echo, args=(there, simple, joinable, writer))
    child.start()
    for text in ("a", "bb", "ccc"):
        here.send(text)
        print(here.recv())
    here.send(None)
    print(simple.get())
    print(joinable.get())
    joinable.task_done()
    print(len(reader.recv()))
    child.join()
"""

SENT_BY_PARENT = ["a", "bb", "ccc", None]
SENT_BY_CHILD = ["aa", "bbbb", "cccccc"]


def _sizes(messages):
    return [len(pickle.dumps(m)) for m in messages]


@pytest.mark.parametrize("method", START_METHODS)
def test_queues_and_pipes(runner, method):
    script = runner.script(SCRIPT)
    plain = runner.plain(script, method)
    done, run = runner.launch(script, method)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == plain.stdout == b"aa\nbbbb\ncccccc\nfrom child\n('joined', 1)\n50\n"
    channels = {m["line"]: m for m in run.main.metas("channel")}
    assert len(channels) == 4
    duplex = channels[line_of(script, "# @duplex")]
    simple = channels[line_of(script, "# @simple")]
    joinable = channels[line_of(script, "# @joinable")]
    oneway = channels[line_of(script, "# @oneway")]
    assert [c["api"] for c in (duplex, simple, joinable, oneway)] == ["Pipe", "SimpleQueue", "JoinableQueue", "Pipe"]
    assert duplex["chan"] != duplex["peer"] and duplex["duplex"] is True
    assert simple["chan"] == simple["peer"] and oneway["chan"] == oneway["peer"]
    (child,) = run.with_role("process")
    main = run.main

    def messages(stream, type_, chan):
        return [r for r in stream.of(type_) if r["chan"] == chan and r["kind"] == KIND_MESSAGE]

    # Duplex: the parent sends on its end (chan), the child receives on the other (peer).
    assert [r["bytes"] for r in messages(main, "SEND", duplex["chan"])] == _sizes(SENT_BY_PARENT)
    assert [r["bytes"] for r in messages(child, "RECV", duplex["peer"])] == _sizes(SENT_BY_PARENT)
    assert [r["bytes"] for r in messages(child, "SEND", duplex["peer"])] == _sizes(SENT_BY_CHILD)
    assert [r["bytes"] for r in messages(main, "RECV", duplex["chan"])] == _sizes(SENT_BY_CHILD)
    for chan, message in ((simple["chan"], "from child"), (joinable["chan"], ("joined", 1))):
        assert [r["bytes"] for r in messages(child, "SEND", chan)] == _sizes([message])
        assert [r["bytes"] for r in messages(main, "RECV", chan)] == _sizes([message])
    assert [r["bytes"] for r in messages(child, "SEND", oneway["chan"])] == _sizes([list(range(50))])
    assert [r["bytes"] for r in messages(main, "RECV", oneway["chan"])] == _sizes([list(range(50))])
    for stream in (main, child):
        for r in stream.of("SEND") + stream.of("RECV"):
            # Plain messages: `job`/`index` count the messages and bytes a record stands for;
            # traffic this small is recorded in full, so each stands for itself.
            assert r["job"] == 1 and r["index"] == r["bytes"] and r["t0"] <= r["t1"]
            if r["record"] == "SEND":
                assert r["items"] == 0 and r["call"] == 0 and r["t1"] <= r["t2"]
