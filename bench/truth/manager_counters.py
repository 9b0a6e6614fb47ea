"""Tasks that update shared counters in a Manager dict under a Manager lock: every update is a
round trip to the manager process, so the workers mostly wait on it and on each other."""
import sys
from multiprocessing import Manager, Pool

from _work import crunch


def count(words, counts, lock):
    for w in words:
        with lock:
            counts[w] = counts.get(w, 0) + 1
    return crunch(2_000)


def main(mode):
    batches = [["w%d" % ((i * 7 + k) % 13) for k in range(25)] for i in range(40)]
    if mode == "loop":
        counts = {}
        for words in batches:
            for w in words:
                counts[w] = counts.get(w, 0) + 1
            crunch(2_000)
    else:
        with Manager() as m:
            shared, lock = m.dict(), m.Lock()
            with Pool(2) as p:
                p.starmap(count, [(words, shared, lock) for words in batches])
            counts = dict(shared)
    print(sorted(counts.items()))


if __name__ == "__main__":
    main(sys.argv[1])
