"""A reader of PoolScope run directories, written from docs/trace-format.md alone.

It shares no code with the agent's writer, so the tests that use it check the
contract, not the writer against itself.
"""

import json
import os
import re
import struct
from dataclasses import dataclass, field

_FILE = re.compile(r"^ev-(\d+)-(\d+)\.(\d+)\.bin$")

SEND_FIELDS = ("chan", "job", "index", "bytes", "t0", "t1", "t2", "items", "call", "kind", "ok", "crc")
RECV_FIELDS = ("chan", "job", "index", "bytes", "t0", "t1", "kind", "ok", "crc")
RUN_FIELDS = ("chan", "job", "index", "t0", "t1", "cpu", "wait", "pcpu", "blocked", "gc")

KIND_MESSAGE, KIND_POOL_TASK, KIND_POOL_RESULT, KIND_EXEC_TASK, KIND_EXEC_RESULT, KIND_CONTROL = range(6)


class TraceError(Exception):
    pass


@dataclass
class Stream:
    pid: int
    start: int
    records: list = field(default_factory=list)  # dicts; "record" names the record type
    corrupt: list = field(default_factory=list)

    def metas(self, kind=None):
        return [r for r in self.records if r["record"] == "META" and (kind is None or r["k"] == kind)]

    def of(self, type_):
        return [r for r in self.records if r["record"] == type_]

    @property
    def process(self):
        found = self.metas("process")
        return found[0] if found else None

    @property
    def role(self):
        roles = self.metas("role")
        if roles:
            return roles[-1]["role"]
        return self.process["role"] if self.process else None


def _decode_payload(type_, payload):
    if type_ == 1:
        text = payload.rstrip(b"\0").decode("utf-8")
        obj = json.loads(text)
        obj["record"] = "META"
        return obj
    if type_ == 2:
        values = struct.unpack_from("<QqqQQQQIIBBxxI", payload)
        rec = dict(zip(SEND_FIELDS, values))
        rec["record"] = "SEND"
        return rec
    if type_ == 3:
        values = struct.unpack_from("<QqqQQQBBxxI", payload)
        rec = dict(zip(RECV_FIELDS, values))
        rec["record"] = "RECV"
        return rec
    if type_ == 4:
        # 48 bytes in older traces; 72 with wait, pcpu and blocked; 80 with gc.
        layout = "<QqqQQQQQQQ" if len(payload) >= 80 else "<QqqQQQQQQ" if len(payload) >= 72 else "<QqqQQQ"
        values = struct.unpack_from(layout, payload)
        rec = dict(zip(RUN_FIELDS, values))
        rec["record"] = "RUN"
        return rec
    return None  # unknown type: skipped by its length


def read_segment(path, stream):
    """Appends the segment's records to `stream`; False if its header is not written yet
    (a process killed, or still running, between creating the file and writing it)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 64 or data[:4] == bytes(4):
        return False
    magic, version, header_size, pid, index, size, start = struct.unpack_from("<4sHHIIQQ", data, 0)
    if magic != b"PSEV":
        raise TraceError("%s: bad magic %r" % (path, magic))
    if version != 1 or header_size != 64:
        raise TraceError("%s: version %d header %d" % (path, version, header_size))
    if pid != stream.pid or start != stream.start or size != len(data):
        raise TraceError("%s: header does not match its name or size" % path)
    if data[32:64] != bytes(32):
        raise TraceError("%s: reserved bytes not zero" % path)
    off = 64
    while off + 8 <= size:
        length, type_, flags = struct.unpack_from("<IHH", data, off)
        if length == 0:
            break
        if length % 8 or length < 8 or off + length > size:
            stream.corrupt.append((path, off))
            break
        rec = _decode_payload(type_, data[off + 8 : off + length])
        if rec is not None:
            rec["flags"] = flags
            stream.records.append(rec)
        off += length
    return True


def read_run(run_dir):
    """{pid-start stream name: Stream}, every segment read in order."""
    segments = {}
    for name in os.listdir(run_dir):
        m = _FILE.match(name)
        if m:
            pid, start, index = int(m.group(1)), int(m.group(2)), int(m.group(3))
            segments.setdefault((pid, start), []).append((index, name))
    streams = {}
    for (pid, start), parts in segments.items():
        stream = Stream(pid, start)
        parts.sort()
        written = []
        for expected, (index, name) in enumerate(parts):
            if index != expected:
                raise TraceError("stream %d-%d: segment %d missing" % (pid, start, expected))
            if written and not written[-1]:
                raise TraceError("%s follows an unwritten segment" % name)
            written.append(read_segment(os.path.join(run_dir, name), stream))
        if written[0]:  # else the process was gone (or not yet there) before it wrote anything
            streams["ev-%d-%d" % (pid, start)] = stream
    return streams


class Run:
    """A whole run directory, with helpers the tests share."""

    def __init__(self, run_dir):
        self.dir = run_dir
        self.streams = read_run(run_dir)

    def all(self, type_):
        return [(s, r) for s in self.streams.values() for r in s.of(type_)]

    def metas(self, kind):
        return [(s, r) for s in self.streams.values() for r in s.metas(kind)]

    @property
    def main(self):
        mains = [s for s in self.streams.values() if s.process and s.process["role"] == "main"]
        assert len(mains) == 1, "expected one main process, found %d" % len(mains)
        return mains[0]

    def by_pid(self, pid):
        return [s for s in self.streams.values() if s.pid == pid]

    def with_role(self, role):
        return [s for s in self.streams.values() if s.role == role]
