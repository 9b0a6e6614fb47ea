"""One Process per item (8 items of ~50 ms), each putting its result on a Queue, then joined."""
import sys
from multiprocessing import Process, Queue

from _work import crunch


def one(i, out):
    out.put((i, crunch(625_000 + i)))


def main(mode):
    if mode == "loop":
        results = dict((i, crunch(625_000 + i)) for i in range(8))
    else:
        out = Queue()
        procs = [Process(target=one, args=(i, out)) for i in range(8)]
        for p in procs:
            p.start()
        results = dict(out.get() for _ in procs)
        for p in procs:
            p.join()
    print(sum(results.values()))


if __name__ == "__main__":
    main(sys.argv[1])
