"""The event-file writer, read back by the independent reader."""

import errno
import os
import sys

import pytest

from conftest import AGENT_DIR
from trace_reader import Run, TraceError, read_run

sys.path.insert(0, AGENT_DIR)

from poolscope_agent import recorder  # noqa: E402


def _recorder(run_dir, first=None):
    return recorder.Recorder(str(run_dir), 4242, 123456789, first or (lambda: [{"k": "process", "t": 1}]))


def test_records_roll_over_into_growing_segments(tmp_path):
    rec = _recorder(tmp_path)
    n = 20_000  # 80 bytes each: more than segment 0 (256 KiB) and segment 1 (1 MiB)
    for i in range(n):
        rec.send(i, i, -1, 10 * i, 1, 2, 3, 1, 7, 1, 0)
        if i % 5000 == 0:
            rec.meta({"k": "mark", "t": i, "text": "é \" \\ \n \udcff"})
    names = sorted(os.listdir(tmp_path))
    assert names == ["ev-4242-123456789.%d.bin" % i for i in range(3)]
    assert [os.path.getsize(tmp_path / name) for name in names] == [256 << 10, 1 << 20, 4 << 20]
    (stream,) = read_run(str(tmp_path)).values()
    sends = stream.of("SEND")
    assert [r["chan"] for r in sends] == list(range(n))
    assert sends[-1]["bytes"] == 10 * (n - 1) and sends[-1]["call"] == 7
    assert stream.records[0]["k"] == "process"  # written first, when segment 0 opened
    marks = stream.metas("mark")
    assert [m["t"] for m in marks] == [0, 5000, 10000, 15000]
    assert marks[0]["text"] == "é \" \\ \n \udcff"  # a lone surrogate travels as a \\u escape


def test_send_recv_run_layouts(tmp_path):
    rec = _recorder(tmp_path)
    rec.run(5, 1, 2, 10, 20, 7)
    rec.send(6, 1, 2, 99, 20, 21, 22, 0, 0, 2, 0)
    rec.recv(5, 1, -1, 33, 8, 9, 1, 1)
    (stream,) = read_run(str(tmp_path)).values()
    assert [r["record"] for r in stream.records[1:]] == ["RUN", "SEND", "RECV"]
    run, send, recv = stream.records[1:]
    assert (run["chan"], run["job"], run["index"], run["t0"], run["t1"], run["cpu"]) == (5, 1, 2, 10, 20, 7)
    assert (send["chan"], send["bytes"], send["t2"], send["kind"], send["ok"]) == (6, 99, 22, 2, 0)
    assert (recv["index"], recv["bytes"], recv["t0"], recv["t1"], recv["kind"], recv["ok"]) == (-1, 33, 8, 9, 1, 1)


def test_full_disk_stops_recording_once(tmp_path, monkeypatch, capsys):
    def no_space(fd, offset, length):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "posix_fallocate", no_space)
    rec = _recorder(tmp_path)
    for _ in range(3):
        rec.send(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
        rec.meta({"k": "x", "t": 1})
    assert rec.dead
    assert os.listdir(tmp_path) == []  # nothing half-made for a reader to trip on
    err = capsys.readouterr().err
    assert err.count("poolscope:") == 1 and "No space left" in err and "goes on" in err


def test_segment_size_progression():
    assert [recorder.segment_size(i) for i in range(6)] == [
        256 << 10,
        1 << 20,
        4 << 20,
        16 << 20,
        16 << 20,
        16 << 20,
    ]


def test_a_file_created_but_never_written_holds_nothing(tmp_path):
    # A process killed (or still running) between creating a segment and writing its header.
    rec = _recorder(tmp_path)
    rec.meta({"k": "mark", "t": 1})
    (tmp_path / "ev-77-5.0.bin").write_bytes(b"")  # killed before its space was reserved
    (tmp_path / "ev-4242-123456789.1.bin").write_bytes(bytes(256))  # reserved, header unwritten
    (stream,) = read_run(str(tmp_path)).values()
    assert stream.pid == 4242 and [m["k"] for m in stream.metas()] == ["process", "mark"]
    (tmp_path / "ev-4242-123456789.2.bin").write_bytes(bytes(256))
    with pytest.raises(TraceError, match="follows an unwritten segment"):
        read_run(str(tmp_path))


def test_full_disk_in_a_real_run_lets_the_program_finish(runner):
    # A run directory that refuses new files behaves like a full disk for the agent.
    script = runner.script("print('still here')\n")
    run_dir = runner.run_dir()
    sitecustomize = runner.script(
        "import errno, os\n"
        "def _full(fd, offset, length):\n"
        "    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))\n"
        "os.posix_fallocate = _full\n",
        "sitecustomize.py",
    )
    env = {"PYTHONPATH": os.path.dirname(sitecustomize)}
    done, run = runner.launch(script, env=env, run_dir=run_dir)
    assert done.returncode == 0 and done.stdout == b"still here\n"
    assert done.stderr.count(b"poolscope:") == 1 and b"recording stopped" in done.stderr
    assert Run(run_dir).streams == {}


@pytest.mark.parametrize("value", [None, True, False, 3, -7, 2.5, float("nan"), "a\tb", [1, "x"], {"n": {"m": 1}}])
def test_meta_values_are_json(tmp_path, value):
    rec = _recorder(tmp_path)
    rec.meta({"k": "v", "t": 1, "value": value})
    (stream,) = read_run(str(tmp_path)).values()
    got = stream.metas("v")[0]["value"]
    if isinstance(value, float) and value != value:
        assert got is None
    else:
        assert got == value


def test_every_patch_can_be_removed():
    from poolscope_agent import patching

    class Base:
        def inherited(self):
            return "base"

    class Child(Base):
        @classmethod
        def own(cls):
            return "own"

    original_own = Child.__dict__["own"]
    assert patching.replace(Child, "own", classmethod(lambda cls: "hooked")) is original_own
    assert patching.replace(Child, "inherited", lambda self: "hooked") is Base.__dict__["inherited"]
    assert Child.own() == Child().inherited() == "hooked"
    patching.restore_all()
    assert Child.own() == "own" and Child().inherited() == "base"
    assert "inherited" not in Child.__dict__ and Child.__dict__["own"] is original_own


def test_a_write_from_a_signal_handler_mid_write_does_not_hang(tmp_path):
    # A signal handler runs on the thread it interrupts, maybe inside a write: the
    # recorder's lock must let that thread in again.
    import threading

    rec = _recorder(tmp_path)
    rec.open_now()
    done = []

    def nested():
        rec._lock.acquire()  # the interrupted write holds it
        try:
            rec.send(1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 0)  # the handler's write
        finally:
            rec._lock.release()
        done.append(True)

    thread = threading.Thread(target=nested, daemon=True)
    thread.start()
    thread.join(5)
    assert done == [True]
    (stream,) = read_run(str(tmp_path)).values()
    assert [r["chan"] for r in stream.of("SEND")] == [1]
