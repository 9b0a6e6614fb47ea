"""Shape: a Process started and joined per item, one after the other (`p.start(); p.join()` in
the same loop), each child writing its result to a shared `Value`.

A user who wrote this may believe it runs in parallel; it does not: each child runs alone while
the parent waits for it, so the program is the loop plus a fork, start-up and exit per item — a
loss."""

import sys
from multiprocessing import Process, Value


def checksum(i, out=None):
    """A pure-Python polynomial checksum of a generated block: ~10 ms."""
    h = i
    for k in range(100_000):
        h = (h * 31 + k) % 1_000_000_007
    if out is not None:
        out.value = h
    return h


def main(mode):
    results = []
    for i in range(60):
        if mode == "loop":
            results.append(checksum(i))
        else:
            out = Value("q", 0)
            p = Process(target=checksum, args=(i, out))
            p.start()
            p.join()
            results.append(out.value)
    print("checksums", sum(results) % 1_000_000_007)


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("loop", "pool"):
        sys.exit("usage: process_start_join.py loop|pool")
    main(sys.argv[1])
