"""Two Process workers take items from a Queue and put results on another; the parent produces
the items and collects the results (lecture 25's producer/consumer)."""
import sys
from multiprocessing import Process, Queue

from _work import crunch

N = 100


def worker(inbox, outbox):
    while True:
        i = inbox.get()
        if i is None:
            break
        outbox.put((i, crunch(60_000 + i)))  # ~5 ms


def main(mode):
    if mode == "loop":
        results = {i: crunch(60_000 + i) for i in range(N)}
    else:
        inbox, outbox = Queue(), Queue()
        procs = [Process(target=worker, args=(inbox, outbox)) for _ in range(2)]
        for p in procs:
            p.start()
        for i in range(N):
            inbox.put(i)
        for _ in procs:
            inbox.put(None)
        results = dict(outbox.get() for _ in range(N))
        for p in procs:
            p.join()
    print(sum(results.values()))


if __name__ == "__main__":
    main(sys.argv[1])
