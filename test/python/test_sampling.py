"""Floods of plain messages are sampled (docs/trace-format.md, "Sampling"): every message is
counted exactly, only some are recorded in full, and both ends record the same ones."""

import collections
import pickle
import zlib

import pytest

from trace_reader import KIND_MESSAGE

FULL, EVERY = 1000, 17

SCRIPT = """\
import sys
import multiprocessing as mp

def produce(api, end, p, n):
    send = end.send if api == "Pipe" else end.put
    for i in range(n):
        send(("m", p, i))
    send(None)

if __name__ == "__main__":
    api, producers, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ctx = mp.get_context("fork")
    if api == "Pipe":
        reader, writer = ctx.Pipe(duplex=False)
        receive = reader.recv
    else:
        q = ctx.Queue() if api == "Queue" else ctx.SimpleQueue()
        reader = writer = q
        receive = q.get
    procs = [ctx.Process(target=produce, args=(api, writer, p, n)) for p in range(producers)]
    for proc in procs:
        proc.start()
    done = total = 0
    while done < producers:
        msg = receive()
        if msg is None:
            done += 1
        else:
            total += msg[2]
    for proc in procs:
        proc.join()
    print(total)
    sys.exit(3)
"""


def _messages(producers, n):
    return [("m", p, i) for p in range(producers) for i in range(n)] + [None] * producers


def _crc(msg):
    return zlib.crc32(pickle.dumps(msg, pickle.DEFAULT_PROTOCOL))


def _records(run, type_, chan):
    return [(s, r) for s, r in run.all(type_) if r["kind"] == KIND_MESSAGE and r["chan"] == chan]


def _tails(run, direction, chan):
    """(messages, bytes) left unrecorded at exit, from `msg-counts` METAs, per stream."""
    out = collections.Counter()
    for s, m in run.metas("msg-counts"):
        for c, n, nbytes in m[direction]:
            if c == chan:
                out[(s.pid, "n")] += n
                out[(s.pid, "b")] += nbytes
    return out


def _launch(runner, api, producers, n):
    script = runner.script(SCRIPT)
    args = (api, str(producers), str(n))
    plain = runner.plain(script, *args)
    done, run = runner.launch(script, *args)
    # The program behaves as without the agent: same output, same exit code.
    assert plain.returncode == 3, plain.stderr.decode()
    assert (done.returncode, done.stdout, done.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    (channel,) = [m for m in run.main.metas("channel") if m["api"] == api]
    return run, channel["chan"]


@pytest.mark.parametrize(("api", "producers"), [("Queue", 1), ("Queue", 3), ("SimpleQueue", 3), ("Pipe", 1)])
def test_flood_counts_are_exact_and_both_ends_sample_alike(runner, api, producers):
    n = 20000
    run, chan = _launch(runner, api, producers, n)
    messages = _messages(producers, n)
    total_bytes = sum(len(pickle.dumps(m, pickle.DEFAULT_PROTOCOL)) for m in messages)
    crcs = collections.Counter(_crc(m) for m in messages)
    sends, recvs = _records(run, "SEND", chan), _records(run, "RECV", chan)
    sent_tails, received_tails = _tails(run, "sent", chan), _tails(run, "received", chan)

    # Every message counted: records stand for themselves and those left out before them.
    for records, tails in ((sends, sent_tails), (recvs, received_tails)):
        assert sum(r["job"] for _, r in records) + sum(v for (_, k), v in tails.items() if k == "n") == len(messages)
        assert sum(r["index"] for _, r in records) + sum(v for (_, k), v in tails.items() if k == "b") == total_bytes
        assert len(records) < len(messages) / 4  # sampled
    # Each producer's own count is exact too: n messages and its sentinel.
    producers_sent = collections.Counter()
    for s, r in sends:
        producers_sent[s.pid] += r["job"]
    for (pid, k), v in sent_tails.items():
        if k == "n":
            producers_sent[pid] += v
    assert sorted(producers_sent.values()) == [n + 1] * producers

    # Every record's crc is one of a real message's, and past the first FULL a process
    # records exactly the messages with crc % EVERY == 0: both ends hold all of those.
    assert all(r["crc"] in crcs for _, r in sends + recvs)
    certain = collections.Counter({c: k for c, k in crcs.items() if c % EVERY == 0})
    assert collections.Counter(r["crc"] for _, r in sends if r["crc"] % EVERY == 0) == certain
    assert collections.Counter(r["crc"] for _, r in recvs if r["crc"] % EVERY == 0) == certain
    # A record stands for more than itself only once its process is past its first FULL.
    per_process = collections.Counter()
    for s, r in sends:
        per_process[s.pid] += 1
        if per_process[s.pid] <= FULL:
            assert r["job"] == 1 and r["index"] == r["bytes"]


def test_small_traffic_is_recorded_in_full(runner):
    n = 300
    run, chan = _launch(runner, "Queue", 1, n)
    messages = _messages(1, n)
    expected = [(len(pickle.dumps(m, pickle.DEFAULT_PROTOCOL)), _crc(m)) for m in messages]
    sends, recvs = _records(run, "SEND", chan), _records(run, "RECV", chan)
    for records in (sends, recvs):
        # One record per message, in order, each standing for itself alone.
        assert [(r["bytes"], r["crc"]) for _, r in records] == expected
        assert all(r["job"] == 1 and r["index"] == r["bytes"] for _, r in records)
    assert run.metas("msg-counts") == []
